"""Every ES256 signature the platform makes has a low s (s <= n/2): ``cryptography`` leaves s as it comes,
half the time high, and (r, n − s) verifies as well as (r, s). Each signer is run often enough that a high s
would show (each signature is high with probability ½: 24 low in a row by chance is 1 in 16 million)."""

from __future__ import annotations

import base64

import jwt
import pytest

from tests.conftest import csrf_headers, login_client
from tongban.licences.constants import Scene
from tongban.licences.keys import (
    P256_ORDER,
    is_low_s,
    issuer_key,
    sign_licence,
    verify_licence_signature,
)
from tongban.licences.show import make_show_token, show_key
from tongban.licences.status_lists import status_list_token

pytestmark = pytest.mark.django_db
ROUNDS = 24


def signature_of(compact: str) -> bytes:
    return base64.urlsafe_b64decode(compact.split("~")[0].split(".")[2] + "==")


def high_twin(compact: str) -> str:
    head, body, signature = compact.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    twin = raw[:32] + (P256_ORDER - int.from_bytes(raw[32:], "big")).to_bytes(32, "big")
    return f"{head}.{body}.{base64.urlsafe_b64encode(twin).rstrip(b'=').decode()}"


def test_show_tokens_status_lists_and_licence_signatures_have_a_low_s(lib, issue):
    licence = issue()
    tokens = [make_show_token(licence, Scene.HOTEL).token for _ in range(ROUNDS)]
    lists = [status_list_token(0) for _ in range(ROUNDS)]
    signatures = []
    key = issuer_key(lib["hr"].uuid, lib["hr"].name)
    for _ in range(ROUNDS):
        sign_licence(licence, key)
        signatures.append(licence.signature)
        assert verify_licence_signature(licence)
    for compact in tokens + lists + signatures:
        assert is_low_s(signature_of(compact)), compact
    public = jwt.PyJWK(show_key().public_jwk).key
    assert jwt.decode(lists[0], public, algorithms=["ES256"])["status_list"]["bits"] == 2


def test_sd_jwt_credentials_have_a_low_s(lib, issue):
    licence = issue()
    holder = login_client(lib["holder"].user)
    for _ in range(ROUNDS):
        answer = holder.post(
            f"/api/licences/{licence.uuid}/sd-jwt",
            {"holder_jwk": None},
            content_type="application/json",
            **csrf_headers(holder),
        )
        assert answer.status_code == 200
        assert is_low_s(signature_of(answer.content.decode()))


def test_a_licence_signature_made_before_signing_was_normalised_still_verifies(lib, issue):
    # Stored signatures made earlier have a high s half the time; they are read from the licence's own row,
    # not presented, so either form is accepted there (and a changed payload still fails).
    licence = issue()
    twin = high_twin(licence.signature)
    assert not is_low_s(signature_of(twin))
    licence.signature = twin
    assert verify_licence_signature(licence)
    licence.holder_name = "李四"
    assert not verify_licence_signature(licence)
