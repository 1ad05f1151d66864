"""Make the CJK font that licence PDFs embed: Noto Sans CJK SC Regular cut down to GBK, as TrueType.

The licence PDF (``tongban.licences.pdf``) must render Chinese on a machine without system fonts, so the
font is shipped inside the package (``src/tongban/core/fonts/``). The full Noto Sans CJK collection is
20 MB. This keeps the simplified-Chinese face's glyphs for the GBK character set (21,886 characters: GB2312
and the name characters GB2312 lacks, such as 喆, 堃, 玥 and 昇), ASCII, Latin-1, general punctuation, CJK
symbols and full-width forms, without hinting or layout features, and converts the outlines from CFF to
TrueType (quadratic, within 2/1000 em): a PDF then uses ``Identity-H`` encoding, whose text every reader
extracts (pypdf misreads the CMap encoding that fpdf2 writes for CFF fonts). About 7 MB; ``--gb2312`` makes
a 2 MB file without the extra name characters.

Needs Debian's ``fonts-noto-cjk`` (the source font) and fontTools (a dependency of fpdf2). The same source
gives the same file.

Usage: ``.venv/bin/python scripts/subset_cjk_font.py [--gb2312] [SOURCE.ttc [OUT.ttf]]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = Path(__file__).resolve().parent.parent / "src/tongban/core/fonts/NotoSansCJKsc-Regular-GBK.ttf"
SC_FACE = "NotoSansCJKsc-Regular"
MAX_ERROR = 2.0  # font units (1000 per em) between the cubic and the quadratic outline


def double_byte_characters(encoding: str) -> set[str]:
    chars = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode(encoding))
            except UnicodeDecodeError:
                continue
    return chars


def characters(encoding: str) -> set[str]:
    ranges = [(0x20, 0x7F), (0xA0, 0x100), (0x2010, 0x2070), (0x3000, 0x3040), (0xFF01, 0xFF5F)]
    chars = double_byte_characters(encoding) | set("￥№℃")
    for start, end in ranges:
        chars |= {chr(c) for c in range(start, end)}
    return chars


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by TrueType ones (cu2qu), with the tables TrueType needs."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"], font["glyf"] = newTable("loca"), glyf
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attr, 1 if attr == "maxZones" else 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


def main(argv: list[str]) -> None:
    encoding = "gb2312" if "--gb2312" in argv else "gbk"
    args = [a for a in argv if a != "--gb2312"]
    source, out = (args + [SOURCE, str(OUT)][len(args) :])[:2]
    font = next(f for f in TTCollection(source).fonts if f["name"].getDebugName(6) == SC_FACE)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters(encoding)))
    subsetter.subset(font)
    to_truetype(font)
    font.recalcTimestamp = False  # keep the source's dates: the same source makes the same file
    font.save(out)
    print(f"{out}: {len(font.getGlyphOrder())} glyphs, {Path(out).stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
