"""The OpenID Connect provider's RSA signing keys as files (read by ``settings.py`` at start-up, rotated by
``tongban accounts oidc-rotate-key``; docs/operations.md "OIDC provider").

The active key is a PEM file: ``TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE``, or ``<var>/oidc/signing-key.pem``
generated on first run (mode 600, its directory 700). Retired keys stay in the JWKS so that ID tokens signed
before a rotation still verify: the files listed in ``TONGBAN_OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILES`` and
every ``<stem>.retired-*.pem`` beside the active key (where the rotation puts the key it replaces).
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048


def _new_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes, *, exclusive: bool) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def default_key_path(var_dir: Path) -> Path:
    return var_dir / "oidc" / "signing-key.pem"


def retired_key_paths(active: Path) -> list[Path]:
    """The keys a rotation retired beside ``active``, oldest first."""
    return sorted(active.parent.glob(f"{active.stem}.retired-*{active.suffix}"))


def oidc_keys_load(
    *, var_dir: Path, key_file: str = "", inactive_files: list[str] = ()
) -> tuple[str, list[str]]:
    """The active private key (PEM) and the inactive ones. The default key is generated when absent; a key
    named by ``key_file`` must exist."""
    if key_file:
        active = Path(key_file)
        if not active.is_file():
            raise ValueError(f"TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE: no such file {key_file!r}")
    else:
        active = default_key_path(var_dir)
        if not active.exists():
            with contextlib.suppress(FileExistsError):  # another process made it first
                _write_private(active, _new_pem(), exclusive=True)
    inactive = [Path(p) for p in inactive_files if p] + retired_key_paths(active)
    for path in inactive:
        if not path.is_file():
            raise ValueError(f"TONGBAN_OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILES: no such file {str(path)!r}")
    seen: set[Path] = {active.resolve()}
    pems = []
    for path in inactive:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            pems.append(path.read_text())
    return active.read_text(), pems


def oidc_key_rotate(active: Path, *, now: datetime | None = None) -> Path:
    """A new active key at ``active``; the key it replaces is kept as ``<stem>.retired-<UTC time>.pem``
    beside it (published in the JWKS until deleted). Returns the retired file's path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    retired = active.with_name(f"{active.stem}.retired-{stamp}{active.suffix}")
    _write_private(retired, active.read_bytes(), exclusive=True)
    fresh = active.with_name(f".{active.name}.new")
    _write_private(fresh, _new_pem(), exclusive=False)
    os.replace(fresh, active)  # atomic: a process starting now reads the old key or the new one, whole
    return retired
