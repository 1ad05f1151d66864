"""Seal images (印模) the platform makes, as PNG with a transparent background (issue 16 §2).

* ``round_seal_png`` — the red round organisation seal (公章 and its kinds): an outer ring, the organisation's
  name along the upper arc with each character turned towards the centre, a five-pointed star in the middle
  and the seal kind (e.g. 合同专用章) written straight across the lower part.
* ``square_personal_seal_png`` — the square personal seal (名章): the name in columns read right to left,
  completed with 之印 / 印 as people's seals usually are (张三之印, 王小明印, 欧阳晓明).

Drawn with Pillow in the project's CJK font (``tongban.core.documents.FONT``, Noto Sans CJK SC cut to GBK);
a character outside it is drawn from the system's full Noto Sans CJK (``SYSTEM_FONT``, face 2) when installed.
Seal characters are condensed (taller than wide) as engraved seals are. Sizes are in millimetres and the PNG
carries its resolution (``dpi``), so a stamp placed at that size in a PDF prints at the seal's real size.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from tongban.core.documents import FONT, SYSTEM_FONT, SYSTEM_FONT_SC_FACE, font_codepoints

SEAL_RED = (218, 32, 38, 255)  # the seal-paste red
DEFAULT_DPI = 300
MM_PER_INCH = 25.4

# Round seal proportions, as fractions of the diameter (after GA 241-2000's 42 mm seal: 1.2 mm rim, a star of
# 14 mm across, characters about 6.5 mm high along the arc).
RIM = 1.2 / 42
ARC_TEXT_HEIGHT = 6.5 / 42
ARC_GAP = 1.0 / 42  # between the rim and the characters' tops
STAR_RADIUS = 7.0 / 42
KIND_TEXT_HEIGHT = 4.6 / 42
KIND_CENTRE = 0.25  # the kind's centre, below the seal's centre, as a fraction of the diameter
ARC_SPAN_MAX = 240.0  # degrees the name spreads over at most
ARC_STEP_MAX = 26.0  # degrees between two characters of a name at most…
ARC_SPAN_MIN = 100.0  # …but a short name (某某局) still spreads over this many degrees
CONDENSE = 0.72  # width/height of an engraved character
STROKE = 0.035  # extra stroke width, as a fraction of the font size


def _px(mm: float, dpi: int) -> int:
    return max(1, round(mm / MM_PER_INCH * dpi))


@lru_cache(maxsize=64)
def _font(size: int, system: bool) -> ImageFont.FreeTypeFont:
    if system:
        return ImageFont.truetype(str(SYSTEM_FONT), size, index=SYSTEM_FONT_SC_FACE)
    return ImageFont.truetype(str(FONT), size)


def font_for(ch: str, size: int) -> ImageFont.FreeTypeFont:
    """The shipped font when it has ``ch``, else the system's full Noto CJK (when installed)."""
    if ord(ch) in font_codepoints() or not SYSTEM_FONT.exists():
        return _font(size, False)
    return _font(size, True)


def glyph(ch: str, height: int, *, condense: float = CONDENSE, colour=SEAL_RED) -> Image.Image:
    """One character as an RGBA tile ``height`` px high (the ink box, not the font's em box), condensed to
    ``condense`` of its natural width."""
    size = max(4, round(height * 1.15))
    font = font_for(ch, size)
    stroke = max(1, round(size * STROKE))  # engraved strokes are heavier than the regular face's
    left, top, right, bottom = font.getbbox(ch, stroke_width=stroke)
    w, h = max(1, right - left), max(1, bottom - top)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).text((-left, -top), ch, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
    # Square CJK characters fill ``height``; small marks (·, （）) keep their proportion to the em box.
    scale = height / max(h, size * 0.88)
    target = (max(1, round(w * scale * condense)), max(1, round(h * scale)))
    mask = mask.resize(target, Image.Resampling.LANCZOS)
    solid = Image.new("RGBA", target, colour)
    solid.putalpha(mask)
    return solid


def _paste_centred(canvas: Image.Image, tile: Image.Image, cx: float, cy: float) -> None:
    canvas.alpha_composite(tile, (round(cx - tile.width / 2), round(cy - tile.height / 2)))


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour) -> None:
    inner = r * math.sin(math.radians(18)) / math.sin(math.radians(54))  # a regular pentagram's inner radius
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else inner
        a = math.radians(-90 + 36 * i)
        points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    draw.polygon(points, fill=colour)


def _to_png(img: Image.Image, dpi: int) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


def round_seal_png(
    name: str, kind: str, *, diameter_mm: float = 42, dpi: int = DEFAULT_DPI, colour=SEAL_RED
) -> bytes:
    """The round organisation seal as PNG: ``name`` along the upper arc, the star, ``kind`` (合同专用章, may
    be empty for the 法定名称章) across the bottom; ``diameter_mm`` square at ``dpi``."""
    name = "".join(name.split())
    kind = "".join(kind.split())
    side = _px(diameter_mm, dpi)
    # Drawn at twice the size and reduced: smooth rim and star edges.
    ss = 2
    big = side * ss
    canvas = Image.new("RGBA", (big, big), (*colour[:3], 0))
    draw = ImageDraw.Draw(canvas)
    c = big / 2
    rim = max(2, round(RIM * big))
    draw.ellipse((1, 1, big - 2, big - 2), outline=colour, width=rim)  # the outline grows inwards
    _star(draw, c, c, STAR_RADIUS * big, colour)

    if name:
        n = len(name)
        # A long name takes a smaller character so it stays within the span.
        text_h = ARC_TEXT_HEIGHT * big
        radius = c - rim - ARC_GAP * big - text_h / 2
        span = min(ARC_SPAN_MAX, max(ARC_SPAN_MIN, ARC_STEP_MAX * (n - 1)))
        step = span / (n - 1) if n > 1 else 0.0
        needed = 2 * math.pi * radius * step / 360  # arc length per character
        text_h = min(text_h, needed / CONDENSE * 0.86) if n > 1 else text_h
        radius = c - rim - ARC_GAP * big - text_h / 2
        start = -step * (n - 1) / 2
        for i, ch in enumerate(name):
            theta = start + i * step  # degrees clockwise from the top
            tile = glyph(ch, round(text_h), colour=colour).rotate(
                -theta, resample=Image.Resampling.BICUBIC, expand=True
            )
            t = math.radians(theta)
            _paste_centred(canvas, tile, c + radius * math.sin(t), c - radius * math.cos(t))

    if kind:
        kind_h = KIND_TEXT_HEIGHT * big
        tiles = [glyph(ch, round(kind_h), colour=colour) for ch in kind]
        gap = kind_h * 0.12
        width = sum(t.width for t in tiles) + gap * (len(tiles) - 1)
        limit = big * 0.52  # the chord's width at that height, with a margin
        if width > limit:  # a long kind is narrowed, not shrunk
            factor = limit / width
            tiles = [
                t.resize((max(1, round(t.width * factor)), t.height), Image.Resampling.LANCZOS) for t in tiles
            ]
            gap *= factor
            width = limit
        x = c - width / 2
        cy = c + KIND_CENTRE * big
        for t in tiles:
            canvas.alpha_composite(t, (round(x), round(cy - t.height / 2)))
            x += t.width + gap

    return _to_png(canvas.resize((side, side), Image.Resampling.LANCZOS), dpi)


def personal_seal_text(name: str) -> str:
    """The characters a square personal seal carries: 张三 → 张三之印, 王小明 → 王小明印, 欧阳晓明 → 欧阳晓明,
    a single character → 某印; longer names stay as they are."""
    name = "".join(name.split())
    if len(name) == 1:
        return name + "印"
    if len(name) == 2:
        return name + "之印"
    if len(name) == 3:
        return name + "印"
    return name


def _grid(count: int) -> tuple[int, int]:
    """(columns, rows) for ``count`` characters written in columns right to left."""
    if count <= 3:
        return 1, count
    if count == 4:
        return 2, 2
    rows = 3
    return math.ceil(count / rows), rows


def square_personal_seal_png(
    name: str, *, size_mm: float = 20, dpi: int = DEFAULT_DPI, colour=SEAL_RED
) -> bytes:
    """The square personal seal as PNG, ``size_mm`` square at ``dpi``: a frame and the name (completed
    with 之印/印, see ``personal_seal_text``) in columns read from right to left, top to bottom."""
    text = personal_seal_text(name)
    side = _px(size_mm, dpi)
    ss = 2
    big = side * ss
    canvas = Image.new("RGBA", (big, big), (*colour[:3], 0))
    draw = ImageDraw.Draw(canvas)
    frame = max(2, round(big * 0.06))
    draw.rounded_rectangle((1, 1, big - 2, big - 2), radius=round(big * 0.04), outline=colour, width=frame)
    if text:
        cols, rows = _grid(len(text))
        inner = big - 2 * frame - 2 * round(big * 0.05)
        origin = frame + round(big * 0.05)
        cell_w, cell_h = inner / cols, inner / rows
        for i, ch in enumerate(text):
            col, row = divmod(i, rows)
            x_col = cols - 1 - col  # the first column is the rightmost
            # Fill the cell: tall cells take condensed characters, wide cells (1 column of 2) wide ones.
            tile = glyph(ch, round(cell_h * 0.92), condense=min(1.6, cell_w / cell_h), colour=colour)
            if tile.width > cell_w * 0.95:
                tile = tile.resize((round(cell_w * 0.95), tile.height), Image.Resampling.LANCZOS)
            _paste_centred(canvas, tile, origin + (x_col + 0.5) * cell_w, origin + (row + 0.5) * cell_h)
    return _to_png(canvas.resize((side, side), Image.Resampling.LANCZOS), dpi)


# The bottom line of a round seal, by the seals context's kind: the 法定名称章 has none; a department seal
# carries no kind either (its name is the department's); the special-purpose seals say what they are for.
_ROUND_KIND_TEXT = {
    "legal_name": "",
    "department": "",
    "finance": "财务专用章",
    "contract": "合同专用章",
    "invoice": "发票专用章",
}
ROUND_DIAMETER_MM = 42  # an enterprise's official seal: 40–42 mm across (公安部 印章规格 practice)
SQUARE_SIZE_MM = 20


def seal_image_for(seal) -> tuple[bytes, float, float]:
    """The image of a registry seal (``seals.models.Seal``) and its size in mm: a round seal for an
    organisation's seals, a square seal with the person's name for a personal seal and the 法定代表人名章."""
    if seal.kind in _ROUND_KIND_TEXT:
        png = round_seal_png(seal.owner_name, _ROUND_KIND_TEXT[seal.kind], diameter_mm=ROUND_DIAMETER_MM)
        return png, ROUND_DIAMETER_MM, ROUND_DIAMETER_MM
    png = square_personal_seal_png(seal.name_text or seal.owner_name, size_mm=SQUARE_SIZE_MM)
    return png, SQUARE_SIZE_MM, SQUARE_SIZE_MM
