"""The board's voice (issue 17 §2): each call is said aloud, "请 G003 号到 3 号窗口", with audio made on the
platform by Debian's espeak-ng (its Mandarin voice ``cmn``), never by an online service. A phrase is
synthesised once and kept under ``TONGBAN_VAR_DIR/voice/<sha>.wav`` (the sha of the voice and the text);
the board fetches it at ``/hall/<slug>/voice/<sha>.wav``. Without espeak-ng the board shows the calls as text
only, and a warning is logged once per process."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

VOICE = "cmn"
SPEED = "150"  # words a minute: a little slower than espeak-ng's 175, for a hall
ENGINE = "espeak-ng"
SHA_RE = re.compile(r"^[0-9a-f]{32}$")
_warned = False


def phrase(ticket_number: str, window_number: int) -> str:
    return f"请 {ticket_number} 号到 {window_number} 号窗口"


def voice_key(text: str) -> str:
    """The cache key of a phrase: the voice, the speed and the text (another voice makes another file)."""
    return hashlib.sha256(f"{ENGINE}|{VOICE}|{SPEED}|{text}".encode()).hexdigest()[:32]


def voice_dir() -> Path:
    return Path(settings.VAR_DIR) / "voice"


def voice_path(key: str) -> Path:
    return voice_dir() / f"{key}.wav"


def engine() -> str | None:
    return shutil.which(ENGINE)


def espeak_command(text: str, out: Path, binary: str = ENGINE) -> list[str]:
    """The command line that makes one phrase's WAV (the text is one argument: no shell)."""
    return [binary, "-v", VOICE, "-s", SPEED, "-w", str(out), text]


def _warn_once(reason: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        logger.warning("voice: %s; the hall's board shows calls as text only", reason)


def synthesise(text: str) -> str | None:
    """The cache key of the phrase's WAV, made now if it is not cached yet; None when espeak-ng is missing
    or fails (the board then shows the call as text only)."""
    key = voice_key(text)
    path = voice_path(key)
    if path.exists():
        return key
    binary = engine()
    if binary is None:
        _warn_once("espeak-ng is not installed (apt-get install espeak-ng)")
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".wav.part")
    os.close(fd)
    try:
        # The text is one argument of a fixed program (no shell): a phrase of ticket and window numbers.
        subprocess.run(  # noqa: S603
            espeak_command(text, Path(tmp), binary), check=True, capture_output=True, timeout=20
        )
        if Path(tmp).stat().st_size == 0:
            raise OSError("empty output")
        os.replace(tmp, path)  # two boards making the same phrase at once: the last rename wins, same bytes
    except (OSError, subprocess.SubprocessError) as exc:
        _warn_once(f"espeak-ng failed ({exc.__class__.__name__})")
        return None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return key


def cached(key: str) -> Path | None:
    """The cached WAV of a key (never a path outside the cache)."""
    if not SHA_RE.match(key):
        return None
    path = voice_path(key)
    return path if path.exists() else None
