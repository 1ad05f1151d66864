"""Checks on uploaded materials: the type is read from the content, never from the name; empty, oversize
and corrupt files are refused with a code. Accepted: PDF, JPEG, PNG and OFD (GB/T 33190, a zip package whose
``OFD.xml`` entry is an ``ofd:OFD`` document pointing to its documents' roots).

Nothing is decoded before its size is known: an image's width and height are read from its header and
refused above ``TONGBAN_UPLOAD_MAX_PIXELS`` before a pixel is decoded; an OFD's entries are counted and their
declared sizes and compression ratios checked before one is decompressed (zipfile never decompresses past
an entry's declared size, so the declared sizes bound the work)."""

from __future__ import annotations

import hashlib
import io
import posixpath
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image

from tongban.cases.errors import CaseError
from tongban.core.errors import InvalidInput

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "application/ofd": "ofd"}
OFD_NAMESPACE = "http://www.ofdspec.org/2016"  # GB/T 33190-2016 §7.4: the namespace of every OFD element
# An entry's compression ratio is only checked above this size (as Apache POI's ZipSecureFile does): small
# entries cannot amplify much, and a short repetitive XML part can legitimately compress very well.
RATIO_GRACE_BYTES = 100 * 1024
OFD_XML_MAX_BYTES = 1024 * 1024  # the entry file lists a few documents: a megabyte is far more than enough


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
        return "application/ofd"  # confirmed below: a zip is only accepted as a well-formed OFD package
    return None


def _corrupt(field: str) -> InvalidInput:
    return InvalidInput(CaseError.FILE_CORRUPT, _("文件已损坏或无法读取"), field=field)


def _check_pdf(content: bytes, field: str) -> None:
    from pypdf import PdfReader

    try:
        ok = len(PdfReader(io.BytesIO(content), strict=False).pages) > 0
    except Exception:
        ok = False
    if not ok:
        raise _corrupt(field)


def _check_image(content: bytes, content_type: str, field: str) -> None:
    # Pillow only warns between its own limit (89 million pixels) and twice that: here it raises. (Before
    # Python 3.14 catch_warnings is process-wide; a race between threads can at worst leave this one filter
    # in place, which is harmless.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        _check_image_inner(content, content_type, field)


def _check_image_inner(content: bytes, content_type: str, field: str) -> None:
    max_pixels = settings.TONGBAN_UPLOAD_MAX_PIXELS
    too_large = InvalidInput(CaseError.IMAGE_TOO_LARGE, _("图片像素过多"), field=field, max_pixels=max_pixels)
    formats = ["JPEG"] if content_type == "image/jpeg" else ["PNG"]
    try:
        with Image.open(io.BytesIO(content), formats=formats) as image:  # reads the header only
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except Exception:
        raise _corrupt(field) from None
    if width * height > max_pixels:
        raise too_large
    try:
        with Image.open(io.BytesIO(content), formats=formats) as image:
            image.verify()
        with Image.open(io.BytesIO(content), formats=formats) as image:
            image.load()  # verify() does not decode the pixels: a truncated image fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except Exception:
        raise _corrupt(field) from None


def _safe_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or ":" in name.split("/")[0]:
        return False
    return ".." not in name.split("/")


def _check_ofd(content: bytes, field: str) -> None:
    def invalid(reason: str) -> InvalidInput:
        return InvalidInput(CaseError.OFD_INVALID, _("不是有效的 OFD 文件"), field=field, reason=reason)

    try:
        package = zipfile.ZipFile(io.BytesIO(content))
    except Exception:
        raise _corrupt(field) from None
    with package:
        entries = package.infolist()
        if len(entries) > settings.TONGBAN_OFD_MAX_ENTRIES:
            raise invalid("too_many_entries")
        names = [e.filename for e in entries]
        if len(set(names)) != len(names):
            raise invalid("duplicate_entry")
        if not all(_safe_name(n) for n in names):
            raise invalid("unsafe_entry_name")
        if any(e.flag_bits & 0x1 for e in entries):
            raise invalid("encrypted_entry")
        max_total = settings.TONGBAN_OFD_MAX_UNCOMPRESSED_BYTES
        max_ratio = settings.TONGBAN_OFD_MAX_RATIO
        too_large = InvalidInput(
            CaseError.FILE_TOO_LARGE_UNCOMPRESSED,
            _("压缩包解压后过大"),
            field=field,
            max_uncompressed_bytes=max_total,
            max_ratio=max_ratio,
        )
        if sum(e.file_size for e in entries) > max_total:
            raise too_large
        for e in entries:
            if e.file_size > RATIO_GRACE_BYTES and e.file_size > max_ratio * max(e.compress_size, 1):
                raise too_large
        if "OFD.xml" not in names:
            raise invalid("no_ofd_xml")
        if package.getinfo("OFD.xml").file_size > OFD_XML_MAX_BYTES:
            raise invalid("ofd_xml_too_large")
        try:
            if package.testzip() is not None:  # every entry decompresses and matches its CRC
                raise _corrupt(field)
            ofd_xml = package.read("OFD.xml")
        except InvalidInput:
            raise
        except Exception:
            raise _corrupt(field) from None
        _check_ofd_xml(ofd_xml, set(names), invalid)


def _check_ofd_xml(ofd_xml: bytes, names: set[str], invalid) -> None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        # No DTD, no entities, no external references: an XML bomb is refused, never expanded.
        root = fromstring(ofd_xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise invalid("ofd_xml_malformed") from None
    if root.tag != f"{{{OFD_NAMESPACE}}}OFD":
        raise invalid("ofd_xml_root")
    bodies = root.findall(f"{{{OFD_NAMESPACE}}}DocBody")
    if not bodies:
        raise invalid("no_doc_body")
    for body in bodies:
        doc_root = body.find(f"{{{OFD_NAMESPACE}}}DocRoot")
        target = (doc_root.text or "").strip() if doc_root is not None else ""
        # ST_Loc: relative to OFD.xml (the package root) or absolute from the package root
        target = posixpath.normpath(target.lstrip("/")) if target else ""
        if not target or target.startswith("..") or target not in names:
            raise invalid("doc_root_missing")


def check_upload(upload, *, field: str) -> CheckedFile:
    """Read and check one uploaded file (a Django UploadedFile or anything with ``read``)."""
    limit = settings.TONGBAN_UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise InvalidInput(CaseError.FILE_TOO_LARGE, _("文件过大"), field=field, max_bytes=limit)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise InvalidInput(CaseError.FILE_TOO_LARGE, _("文件过大"), field=field, max_bytes=limit)
    if not content:
        raise InvalidInput(CaseError.FILE_EMPTY, _("文件为空"), field=field)
    content_type = _sniff(content[:16])
    if content_type is None:
        raise InvalidInput(
            CaseError.FILE_TYPE_NOT_ALLOWED,
            _("只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）"),
            field=field,
            allowed=sorted(ALLOWED.values()),
        )
    if content_type == "application/pdf":
        _check_pdf(content, field)
    elif content_type == "application/ofd":
        _check_ofd(content, field)
    else:
        _check_image(content, content_type, field)
    return CheckedFile(
        content=content,
        content_type=content_type,
        extension=ALLOWED[content_type],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
