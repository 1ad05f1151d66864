"""A region in one database: this deployment is the coordinator (310000), and a partner (320000) whose keys
the test holds — it signs what the partner would send, so the receiving side is checked for real."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tongban.federation import keys, trust
from tongban.federation.constants import MESSAGE_TYP


@dataclass
class Partner:
    code: str
    private: ec.EllipticCurvePrivateKey
    kid: str
    base_url: str = "http://127.0.0.1:9"  # discard port: nothing answers there
    extra_keys: list[dict] = field(default_factory=list)

    @property
    def jwk(self) -> dict:
        return keys.public_jwk(self.private.public_key(), self.kid)

    def descriptor(self, *, signer: ec.EllipticCurvePrivateKey | None = None, kid: str | None = None) -> str:
        claims = {
            "code": self.code,
            "name": "江苏省",
            "name_en": "Jiangsu",
            "base_url": self.base_url,
            "oidc_issuer": f"{self.base_url}/o",
            "keys": {"messaging": [self.jwk, *self.extra_keys], "licences": [], "oidc": []},
        }
        return keys.sign_compact(
            signer or self.private,
            {"alg": "ES256", "typ": trust.DESCRIPTOR_TYP, "kid": kid or self.kid},
            claims,
        )

    def message(self, *, to: str = "310000", type: str = "ping", body: dict | None = None, **over) -> str:
        claims = {
            "jti": str(uuid.uuid4()),
            "iss": self.code,
            "aud": to,
            "iat": int(time.time()),
            "type": type,
            "corr": None,
            "tlv": 1,
            "body": body or {},
        }
        claims.update(over)
        private = over.pop("private", None) or self.private
        claims.pop("private", None)
        return keys.sign_compact(private, {"alg": "ES256", "typ": MESSAGE_TYP, "kid": self.kid}, claims)


def new_partner(code: str = "320000") -> Partner:
    return Partner(code=code, private=ec.generate_private_key(ec.SECP256R1()), kid=f"msg-{code}-1")


@pytest.fixture
def partner() -> Partner:
    return new_partner()


@pytest.fixture
def region(db, partner, settings):
    """This deployment coordinates region csj with the partner on its trust list (version 1)."""
    settings.TONGBAN_REGION_CODE = "310000"
    settings.TONGBAN_FEDERATION_REGION = "csj"
    trust.cache_clear()
    trust.coordinator_init()
    row = trust.trust_list_sign(region="csj", name="长三角", add=[partner.descriptor()])
    yield row
    trust.cache_clear()
