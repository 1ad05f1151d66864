"""Checks on uploaded materials: the type is read from the content, never from the name; empty, oversize
and corrupt files are refused with a code. Accepted: PDF, JPEG, PNG and OFD (GB/T 33190, a zip package with
an ``OFD.xml`` entry)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import InvalidInput

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "application/ofd": "ofd"}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    sha256: str
    size: int


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"PK\x03\x04"):
        return "application/ofd"  # confirmed below: a zip is only accepted with an OFD.xml entry
    return None


def _intact(content: bytes, content_type: str) -> bool:
    try:
        if content_type == "application/pdf":
            from pypdf import PdfReader

            return len(PdfReader(io.BytesIO(content), strict=False).pages) > 0
        if content_type in ("image/jpeg", "image/png"):
            from PIL import Image

            with Image.open(io.BytesIO(content)) as image:
                image.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()  # verify() does not decode the pixels: a truncated image fails here
            return True
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "OFD.xml" in package.namelist() and package.testzip() is None
    except Exception:
        return False


def check_upload(upload, *, field: str) -> CheckedFile:
    """Read and check one uploaded file (a Django UploadedFile or anything with ``read``)."""
    limit = settings.TONGBAN_UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise InvalidInput("file_too_large", _("文件过大"), field=field, max_bytes=limit)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise InvalidInput("file_too_large", _("文件过大"), field=field, max_bytes=limit)
    if not content:
        raise InvalidInput("file_empty", _("文件为空"), field=field)
    content_type = _sniff(content[:16])
    if content_type is None:
        raise InvalidInput(
            "file_type_not_allowed",
            _("只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）"),
            field=field,
            allowed=sorted(ALLOWED.values()),
        )
    if not _intact(content, content_type):
        raise InvalidInput("file_corrupt", _("文件已损坏或无法读取"), field=field)
    return CheckedFile(
        content=content,
        content_type=content_type,
        extension=ALLOWED[content_type],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
