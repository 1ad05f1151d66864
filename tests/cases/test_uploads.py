"""Uploaded materials: images are refused by their pixel count before a pixel is decoded, OFD packages by
their entries, sizes, compression ratios and ``OFD.xml`` structure before one is decompressed; a small valid
file of each kind still passes. Stored materials are readable by the server's user only."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from PIL import Image

from tests.cases.conftest import Upload, pdf_bytes
from tongban.cases.uploads import check_upload
from tongban.core.errors import InvalidInput

OFD_NS = "http://www.ofdspec.org/2016"
OFD_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD">'
    "<ofd:DocBody><ofd:DocInfo><ofd:DocID>6c2b6ec1b1b84a4f9c1d9a5b0d4e2f31</ofd:DocID></ofd:DocInfo>"
    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)
DOCUMENT_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
    "<ofd:MaxUnitID>2</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
    '</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
    "</ofd:Pages></ofd:Document>"
)
CONTENT_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content/></ofd:Page>'
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 13000, height: int = 13000) -> bytes:
    """A black 1-bit PNG of width × height, compressed row by row: a few kilobytes that decode to
    width × height bytes in PIL (169 MB for the default)."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none" + the packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 30, 200)).save(out, "JPEG")
    return out.getvalue()


def ofd(entries: dict[str, bytes | str] | None = None, *, ofd_xml: str | bytes | None = OFD_XML) -> bytes:
    parts = {"Doc_0/Document.xml": DOCUMENT_XML, "Doc_0/Pages/Page_0/Content.xml": CONTENT_XML}
    if ofd_xml is not None:
        parts = {"OFD.xml": ofd_xml, **parts}
    parts.update(entries or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def _patch_headers(content: bytes, name: str, **fields: int) -> bytes:
    """Rewrite fields of one entry's local and central headers (zipfile cannot write every oddity)."""
    # offsets of (flags, method, crc, compressed size, size) in the local and the central header
    layout = {"local": (6, 8, 14, 18, 22), "central": (8, 10, 16, 20, 24)}
    formats = {"flags": "<H", "method": "<H", "crc": "<I", "compress_size": "<I", "file_size": "<I"}
    content = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as package:
        local = package.getinfo(name).header_offset
    central = bytes(content).index(b"PK\x01\x02")
    while content[central + 46 : central + 46 + len(name.encode())] != name.encode():
        name_len, extra, comment = struct.unpack("<HHH", content[central + 28 : central + 34])
        central += 46 + name_len + extra + comment
    for header, at in (("local", local), ("central", central)):
        for key, value in fields.items():
            offset = at + layout[header][list(formats).index(key)]
            fmt = formats[key]
            if key == "flags":
                value |= struct.unpack(fmt, content[offset : offset + 2])[0]
            struct.pack_into(fmt, content, offset, value)
    return bytes(content)


def zeros_ofd(total: int, *, block: int = 8 * 1024 * 1024) -> bytes:
    """A valid OFD plus one deflated entry of ``total`` zero bytes. The deflate stream is one compressed
    block of zeros repeated (a full flush resets the compressor, so each copy is the same bytes) — building a
    3.5 GB bomb takes a second and never holds it in memory; its CRC is right, so without the checks it is
    a sound zip that decompresses in full."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\x00" * block
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first == again
    count = total // block
    stream = first * count + compressor.flush()
    assert len(zlib.decompress(stream[: len(first)] + b"\x03\x00", -15)) == block  # one copy + end block
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    content = ofd({"Doc_0/Res/zeros.bin": b""})  # a placeholder: stored, so its data is taken verbatim
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as package:
        for info in source.infolist():
            data = stream if info.filename == "Doc_0/Res/zeros.bin" else source.read(info)
            package.writestr(info.filename, data, zipfile.ZIP_STORED)
    return _patch_headers(
        out.getvalue(), "Doc_0/Res/zeros.bin", method=zipfile.ZIP_DEFLATED, crc=crc, file_size=count * block
    )


def problem(content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        check_upload(Upload(content, "材料"), field="application-form")
    return exc.value


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (pdf_bytes(), "application/pdf"),
        (png(40, 30), "image/png"),
        (jpeg(40, 30), "image/jpeg"),
        (ofd(), "application/ofd"),
        (ofd(ofd_xml=OFD_XML.replace("<ofd:DocRoot>Doc_0", "<ofd:DocRoot>/Doc_0")), "application/ofd"),
    ],
    ids=["pdf", "png", "jpeg", "ofd", "ofd-absolute-docroot"],
)
def test_a_small_valid_file_of_each_kind_passes(content, content_type):
    checked = check_upload(Upload(content), field="application-form")
    assert checked.content_type == content_type and checked.size == len(content)


def test_a_13000_by_13000_png_is_refused_from_its_header_without_decoding():
    content = huge_png()
    assert len(content) < 1024 * 1024
    tracemalloc.start()
    try:
        exc = problem(content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exc.code == "image_too_large" and exc.details["max_pixels"] == 50_000_000
    assert peak < 20 * 1024 * 1024  # decoding it would allocate 169 MB


@pytest.mark.parametrize("make", [png, jpeg], ids=["png", "jpeg"])
def test_the_pixel_cap_is_a_setting_and_applies_to_every_image_kind(settings, make):
    settings.TONGBAN_UPLOAD_MAX_PIXELS = 40 * 30
    assert check_upload(Upload(make(40, 30)), field="f").size > 0
    exc = problem(make(41, 30))
    assert exc.code == "image_too_large" and exc.details["max_pixels"] == 1200


def test_pil_raises_on_a_decompression_bomb_even_when_the_cap_is_raised(settings):
    """Above PIL's own limit (89 million pixels) PIL only warns by default; here it is an error."""
    settings.TONGBAN_UPLOAD_MAX_PIXELS = 10**12
    assert problem(huge_png()).code == "image_too_large"


def test_a_zip_of_3_5_gb_of_zeros_is_refused_before_it_is_decompressed():
    content = zeros_ofd(3500 * 1024 * 1024)
    assert len(content) < 5 * 1024 * 1024
    exc = problem(content)
    assert exc.code == "file_too_large_uncompressed"
    assert exc.details["max_uncompressed_bytes"] == 100 * 1024 * 1024


def test_one_entry_compressed_more_than_a_hundredfold_is_refused_even_under_the_total_cap():
    exc = problem(zeros_ofd(8 * 1024 * 1024))  # 8 MB of zeros compress about a thousandfold
    assert exc.code == "file_too_large_uncompressed" and exc.details["max_ratio"] == 100


def test_the_uncompressed_total_is_a_setting(settings):
    content = ofd({"Doc_0/Res/a.bin": os.urandom(50_000)})
    check_upload(Upload(content), field="f")
    settings.TONGBAN_OFD_MAX_UNCOMPRESSED_BYTES = 40_000
    assert problem(content).code == "file_too_large_uncompressed"


def test_too_many_entries_are_refused(settings):
    content = ofd({f"Doc_0/Res/{i}.txt": "x" for i in range(20)})
    check_upload(Upload(content), field="f")
    settings.TONGBAN_OFD_MAX_ENTRIES = 20
    exc = problem(content)
    assert (exc.code, exc.details["reason"]) == ("ofd_invalid", "too_many_entries")


def _encrypted_ofd() -> bytes:
    """A package whose Document.xml has the "encrypted" flag set (zipfile cannot write encrypted entries)."""
    return _patch_headers(ofd(), "Doc_0/Document.xml", flags=0x1)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + f']><ofd:OFD xmlns:ofd="{OFD_NS}"><ofd:DocBody><ofd:DocRoot>&lol9;</ofd:DocRoot></ofd:DocBody></ofd:OFD>'
)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (ofd(ofd_xml=None), "no_ofd_xml"),
        (ofd({"../../etc/cron.d/x": "x"}), "unsafe_entry_name"),
        (ofd({"/etc/passwd": "x"}), "unsafe_entry_name"),
        (ofd({"Doc_0\\..\\..\\x": "x"}), "unsafe_entry_name"),
        (_encrypted_ofd(), "encrypted_entry"),
        (ofd(ofd_xml="<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'><ofd:DocBody>"), "ofd_xml_malformed"),
        (ofd(ofd_xml=BILLION_LAUGHS), "ofd_xml_malformed"),
        (ofd(ofd_xml=OFD_XML.replace(OFD_NS, "http://example.com/not-ofd")), "ofd_xml_root"),
        (ofd(ofd_xml=f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD"/>'), "no_doc_body"),
        (ofd(ofd_xml=OFD_XML.replace("Doc_0/Document.xml", "Doc_1/Document.xml")), "doc_root_missing"),
        (ofd(ofd_xml=OFD_XML.replace("Doc_0/Document.xml", "../Doc_0/Document.xml")), "doc_root_missing"),
        (
            ofd(ofd_xml=OFD_XML.replace("<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>", "")),
            "doc_root_missing",
        ),
    ],
    ids=[
        "no-ofd-xml",
        "dot-dot",
        "absolute",
        "backslash",
        "encrypted",
        "malformed",
        "xml-bomb",
        "wrong-namespace",
        "no-docbody",
        "docroot-elsewhere",
        "docroot-outside",
        "no-docroot",
    ],
)
def test_a_zip_that_is_not_a_sound_ofd_package_is_refused(content, reason):
    exc = problem(content)
    assert (exc.code, exc.details["reason"]) == ("ofd_invalid", reason)
    assert str(exc.message) == "不是有效的 OFD 文件"


def test_a_plain_zip_with_an_ofd_xml_entry_is_not_enough():
    """Before the fix, any zip with an entry named OFD.xml was accepted."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", "hello")
    assert problem(out.getvalue()).code == "ofd_invalid"
