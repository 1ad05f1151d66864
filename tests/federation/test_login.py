"""The relying party's check of another member's ID token: only with that member's keys from the trust list,
for this member as audience, with the login's nonce (docs/domain/federation.md §3)."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tongban.federation.errors import FederationRefused
from tongban.federation.login import id_token_check
from tongban.federation.trust import Member

pytestmark = pytest.mark.nodb

ISSUER = "https://sh.example.gov.cn/o"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key, kid: str) -> dict:
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256", "use": "sig"}


KEY = rsa_key()
MEMBER = Member(
    "310000", "上海市", "Shanghai", "https://sh.example.gov.cn", ISSUER, {"oidc": [public_jwk(KEY, "k1")]}
)


def token(key=KEY, kid="k1", **over) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "320000", "sub": "u1", "iat": now, "exp": now + 300, "nonce": "n1"}
    claims.update(over)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture(autouse=True)
def here(settings):
    settings.TONGBAN_REGION_CODE = "320000"


def test_a_token_signed_with_the_members_listed_key_for_this_member_is_accepted():
    assert id_token_check(token(), member=MEMBER, nonce="n1")["sub"] == "u1"


@pytest.mark.parametrize(
    "bad",
    [
        {"key": rsa_key()},  # another key under the listed kid
        {"kid": "k9"},  # a key the trust list does not give the member
        {"aud": "330000"},  # for another member
        {"iss": "https://evil.example/o"},
        {"nonce": "other"},
        {"exp": int(time.time()) - 10},
    ],
    ids=["other-key", "unlisted-kid", "audience", "issuer", "nonce", "expired"],
)
def test_anything_else_is_refused(bad):
    with pytest.raises(FederationRefused) as refused:
        id_token_check(token(**bad), member=MEMBER, nonce="n1")
    assert refused.value.code == "federation_login_failed"
