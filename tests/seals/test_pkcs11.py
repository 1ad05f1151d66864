"""The PKCS#11 signer against SoftHSM2 (Debian's softhsm2): a key pair made in the token, certified by the
platform's issuing CA, signing without the private key leaving the token."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from tongban.seals import pki
from tongban.seals.signers import Pkcs11Signer, Signer

SOFTHSM_UTIL = shutil.which("softhsm2-util")
LIBRARY = next(
    (
        p
        for p in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
        if Path(p).exists()
    ),
    None,
)
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(SOFTHSM_UTIL is None or LIBRARY is None, reason="softhsm2 is not installed"),
]
PIN = "123456"


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A fresh SoftHSM2 token in a temporary directory (SOFTHSM2_CONF points at it)."""
    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    assert SOFTHSM_UTIL is not None
    subprocess.run(
        [
            SOFTHSM_UTIL,
            "--init-token",
            "--free",
            "--label",
            "tongban-test",
            "--pin",
            PIN,
            "--so-pin",
            "654321",
        ],
        check=True,
        capture_output=True,
    )
    yield "tongban-test"
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def _token_key_pair(label: str, token_label: str) -> ec.EllipticCurvePublicKey:
    """Make a P-256 key pair inside the token; answer its public half."""
    import pkcs11
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    lib = pkcs11.lib(LIBRARY)
    with lib.get_token(token_label=token_label).open(rw=True, user_pin=PIN) as session:
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        public, _private = params.generate_keypair(store=True, label=label)
        key = load_der_public_key(encode_ec_public_key(public))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def test_the_pkcs11_signer_signs_in_the_token(token):
    public = _token_key_pair("seal-1", token)
    now = timezone.now()
    cert, row = pki.seal_certificate_issue(
        public,
        pki.SealSubject(common_name="上海硬件示范有限公司 合同专用章", organisation="上海硬件示范有限公司"),
        not_before=now,
        not_after=now + timezone.timedelta(days=30),
    )
    signer = Pkcs11Signer(
        library_path=str(LIBRARY),
        token_label=token,
        key_label="seal-1",
        certificate=cert,
        chain=tuple(pki.chain_of(row)),
        user_pin=PIN,
    )
    assert isinstance(signer, Signer)
    signature = signer.sign(b"a document", hashes.SHA256())
    cert.public_key().verify(signature, b"a document", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        cert.public_key().verify(signature, b"another", ec.ECDSA(hashes.SHA256()))
    # ECDSA draws a fresh nonce each time: two signatures of one message differ, both verify.
    again = signer.sign(b"a document", hashes.SHA256())
    assert again != signature
    cert.public_key().verify(again, b"a document", ec.ECDSA(hashes.SHA256()))
    assert "PIN" not in repr(signer) and PIN not in repr(signer)
