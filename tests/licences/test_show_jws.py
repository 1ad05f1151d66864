"""The 亮证 token is made and read by hand (docs/adr/0004-hand-made-show-token-jws.md), yet it is a standard
compact JWS: a JWT library decodes and verifies a token the platform made with the key the platform
publishes, and refuses it, as the platform does, when one byte of it is changed."""

from __future__ import annotations

import base64

import jwt
import pytest
from django.test import Client

from tests.conftest import login_client
from tests.licences.test_show_verify import shown
from tongban.licences.constants import Scene
from tongban.licences.show import TYP, TokenRefused, read_show_token

pytestmark = pytest.mark.django_db


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def show_token(lib, issue):
    """A token made by the platform: the holder shows their licence in the hotel scene through the API."""
    licence = issue()
    return licence, shown(login_client(lib["holder"].user), licence, Scene.HOTEL)


def _published_key(token: str):
    """The public key the token's header names, from the JWKS the platform publishes."""
    keys = {k["kid"]: k for k in Client().get("/api/licences/jwks").json()["keys"]}
    return jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key


def test_pyjwt_decodes_and_verifies_a_show_token_with_the_published_key(show_token):
    licence, token = show_token
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"]) == ("ES256", TYP)
    claims = jwt.decode(
        token, _published_key(token), algorithms=["ES256"], options={"require": ["exp", "iat", "jti"]}
    )
    # The same claims the platform's own reader takes from it.
    assert claims == read_show_token(token)
    assert (claims["lic"], claims["scn"], claims["fld"]) == (licence.uuid.hex, Scene.HOTEL, ["name"])


def _changed(token: str, segment: int, index: int) -> str:
    """The token with one byte of one segment's decoded bytes changed, encoded again canonically."""
    parts = token.split(".")
    data = bytearray(_b64decode(parts[segment]))
    data[index] ^= 0x01
    parts[segment] = _b64encode(bytes(data))
    return ".".join(parts)


def test_a_show_token_with_one_byte_changed_fails_in_pyjwt_and_here(show_token):
    _licence, token = show_token
    key = _published_key(token)
    changed = [
        _changed(token, segment, index)
        for segment, part in enumerate(token.split("."))
        for index in range(len(_b64decode(part)))
    ]
    assert len(changed) > 64 + 100  # every byte of the header, the claims and the 64-byte signature
    for altered in changed:
        assert altered != token
        with pytest.raises(jwt.InvalidTokenError):
            jwt.decode(altered, key, algorithms=["ES256"])
        with pytest.raises(TokenRefused):
            read_show_token(altered)
