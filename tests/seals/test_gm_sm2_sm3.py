"""SM3 (GB/T 32905) and SM2 signatures (GB/T 32918): the standards' published examples, a random nonce, and
signatures that fail on a changed message, key or ID; the system's OpenSSL as an independent verifier."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from asn1crypto import core, keys

from tongban.seals.gm import sm2
from tongban.seals.gm.sm2 import (
    SM2P256V1,
    Curve,
    InvalidSignature,
    SM2PrivateKey,
    SM2PublicKey,
    decode_signature,
    sm2_z,
)
from tongban.seals.gm.sm3 import SM3_BACKEND, sm3_hex

# --- SM3: GB/T 32905-2016, Appendix A (examples 1 and 2) ---------------------------------------------------


def test_sm3_example_1_abc():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_example_2_512_bits():
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_openssl_and_gmssl_agree():
    from gmssl import sm3 as gmssl_sm3

    data = "一网通办 电子印章".encode() * 7
    assert SM3_BACKEND == "openssl"  # the OpenSSL that cryptography ships has SM3
    assert sm3_hex(data) == gmssl_sm3.sm3_hash(list(data))


# --- SM2 on sm2p256v1: GB/T 32918.5-2017 (GM/T 0003.5-2012) Appendix A, ID 1234567812345678 ------------------

D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
PUBLIC = (
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
ZA = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
MESSAGE = b"message digest"


def test_sm2p256v1_published_example():
    key = SM2PrivateKey(D)
    assert key.public_key.to_bytes().hex() == PUBLIC.lower()
    assert sm2_z(key.public_key).hex() == ZA.lower()
    signature = key._sign_digest(key.public_key.digest(MESSAGE), K)
    assert signature is not None
    assert decode_signature(signature) == (R, S)
    key.public_key.verify(signature, MESSAGE)


def test_the_published_signature_verifies_with_the_public_key_alone():
    public = SM2PublicKey.from_bytes(bytes.fromhex(PUBLIC))
    public.verify(sm2.encode_signature(R, S), MESSAGE)
    with pytest.raises(InvalidSignature):
        public.verify(sm2.encode_signature(R, S), b"message digesT")
    with pytest.raises(InvalidSignature):
        public.verify(sm2.encode_signature(R, S + 1), MESSAGE)


# --- SM2 on the test curve of GB/T 32918.2-2016 Appendix A (draft-shen-sm2-ecdsa), ID ALICE123@YAHOO.COM -----

TEST_CURVE = Curve(
    name="gbt32918.2-annex-a-fp256",
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)


def test_annex_a_example_with_alice_id():
    alice = b"ALICE123@YAHOO.COM"
    key = SM2PrivateKey(0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263, TEST_CURVE)
    assert key.public_key.x == 0x0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A
    assert key.public_key.y == 0x7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857
    assert (
        sm2_z(key.public_key, alice).hex()
        == "f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a"
    )
    k = 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F
    signature = key._sign_digest(key.public_key.digest(MESSAGE, alice), k)
    assert signature is not None
    assert decode_signature(signature) == (
        0x40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1,
        0x6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7,
    )
    key.public_key.verify(signature, MESSAGE, user_id=alice)
    with pytest.raises(InvalidSignature):  # the ID is part of what is signed
        key.public_key.verify(signature, MESSAGE)


# --- generated keys, random nonces, failures ------------------------------------------------------------------


def test_two_signatures_of_one_message_differ_and_both_verify():
    key = SM2PrivateKey.generate()
    first, second = key.sign(MESSAGE), key.sign(MESSAGE)
    assert first != second
    assert decode_signature(first)[0] != decode_signature(second)[0]  # r = e + x1(kG): a new k each time
    key.public_key.verify(first, MESSAGE)
    key.public_key.verify(second, MESSAGE)


def test_the_nonce_does_not_come_from_random(monkeypatch):
    import random

    random.seed(7)
    state = random.getstate()
    key = SM2PrivateKey.generate()
    key.sign(MESSAGE)
    assert random.getstate() == state  # gmssl's func.random_hex would have advanced it


def test_a_changed_message_or_another_key_fails():
    key, other = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    signature = key.sign(MESSAGE)
    assert key.public_key.is_valid(signature, MESSAGE)
    assert not key.public_key.is_valid(signature, MESSAGE + b"!")
    assert not other.public_key.is_valid(signature, MESSAGE)
    with pytest.raises(InvalidSignature):
        other.public_key.verify(signature, MESSAGE)


def test_malformed_signatures_are_refused():
    key = SM2PrivateKey.generate()
    signature = key.sign(MESSAGE)
    r, s = decode_signature(signature)
    n = SM2P256V1.n
    for bad in (
        signature[:-1],
        signature + b"\x00",
        sm2.encode_signature(0, s),
        sm2.encode_signature(r, n),
        sm2.encode_signature(r, s + n),  # s + n is the same s modulo n: refused, not reduced
        b"",
    ):
        assert not key.public_key.is_valid(bad, MESSAGE)


def test_a_signature_that_sums_to_the_point_at_infinity_is_refused_not_a_crash():
    """[s]G + [t]P = O when s + t·d = 0 (mod n): gmssl's arithmetic returns None there."""
    key = SM2PrivateKey.generate()
    n = SM2P256V1.n
    d = int.from_bytes(key.to_bytes(), "big")
    s = 12345
    t = (-s * pow(d, -1, n)) % n
    r = (t - s) % n
    assert not key.public_key.is_valid(sm2.encode_signature(r, s), MESSAGE)
    with pytest.raises(InvalidSignature):
        key.public_key.verify(sm2.encode_signature(r, s), MESSAGE)


def test_keys_serialise_as_raw_bytes_and_uncompressed_points():
    key = SM2PrivateKey.generate()
    raw = key.to_bytes()
    assert len(raw) == 32
    again = SM2PrivateKey.from_bytes(raw)
    assert again.public_key == key.public_key
    point = key.public_key.to_bytes()
    assert len(point) == 65 and point[0] == 4
    assert SM2PublicKey.from_bytes(point) == key.public_key
    assert "to_bytes" not in repr(key) and raw.hex() not in repr(key)


def test_points_off_the_curve_and_bad_scalars_are_refused():
    point = bytearray(bytes.fromhex(PUBLIC))
    point[-1] ^= 1
    with pytest.raises(ValueError, match="curve"):
        SM2PublicKey.from_bytes(bytes(point))
    with pytest.raises(ValueError):
        SM2PublicKey.from_bytes(bytes.fromhex(PUBLIC)[1:])  # no 04 prefix
    for d in (0, SM2P256V1.n - 1, SM2P256V1.n):
        with pytest.raises(ValueError):
            SM2PrivateKey(d)


def test_a_public_key_whose_x_starts_with_04_works():
    """gmssl's constructor strips "04" from a key with str.lstrip, which also eats the leading 0s and 4s of an
    x whose hex begins with 04 (one key in 256): the key is handed to gmssl after construction."""
    from gmssl.sm2 import CryptSM2

    key = SM2PrivateKey.from_bytes(
        bytes.fromhex("e3b0de10c9ca4cac8c57eff05faec8f2faad9339a62f57207e5be09c5430b6aa")
    )
    xy = key.public_key.to_bytes()[1:].hex()
    assert xy.startswith("04")
    assert CryptSM2(private_key="", public_key=xy).public_key != xy  # gmssl's own constructor corrupts it
    signature = key.sign(MESSAGE)
    key.public_key.verify(signature, MESSAGE)
    assert not key.public_key.is_valid(signature, MESSAGE + b".")


def _spki_pem(public: SM2PublicKey) -> bytes:
    from tongban.seals.gm.certificates import sm2_public_key_info

    info = sm2_public_key_info(public)
    body = base64.encodebytes(info.dump()).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n".encode()


OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="no openssl command")
def test_openssl_verifies_our_signatures(tmp_path):
    """An independent implementation: OpenSSL's SM2 (pkeyutl, distid 1234567812345678)."""
    key = SM2PrivateKey.generate()
    (tmp_path / "pub.pem").write_bytes(_spki_pem(key.public_key))
    (tmp_path / "msg").write_bytes(MESSAGE)

    def openssl_verifies(signature: bytes) -> bool:
        (tmp_path / "sig").write_bytes(signature)
        run = subprocess.run(
            [str(OPENSSL), "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg",
             "-sigfile", "sig", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return run.returncode == 0 and "Signature Verified Successfully" in run.stdout

    assert openssl_verifies(key.sign(MESSAGE))
    assert not openssl_verifies(SM2PrivateKey.generate().sign(MESSAGE))


def test_the_public_key_info_names_the_sm2_curve():
    from tongban.seals.gm.certificates import sm2_public_key_info

    info = keys.PublicKeyInfo.load(sm2_public_key_info(SM2PrivateKey(D).public_key).dump())
    assert info["algorithm"]["algorithm"].dotted == "1.2.840.10045.2.1"
    assert (
        info["algorithm"]["parameters"].chosen.dump() == core.ObjectIdentifier("1.2.156.10197.1.301").dump()
    )
    assert info["public_key"].native == bytes.fromhex(PUBLIC)
