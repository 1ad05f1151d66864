"""Seal images: size, transparency, the seal red, and the characters really drawn from a font that has them."""

import io

import pytest
from PIL import Image, ImageChops

from tongban.core.documents import SYSTEM_FONT, font_codepoints
from tongban.seals.images import (
    SEAL_RED,
    font_for,
    glyph,
    personal_seal_text,
    round_seal_png,
    square_personal_seal_png,
)


def _open(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    return img.convert("RGBA")


def _red_share(img: Image.Image) -> float:
    """The share of opaque pixels, all of which must be seal red."""
    opaque = [px for px in img.get_flattened_data() if px[3] > 200]
    for r, g, b, _a in opaque[:: max(1, len(opaque) // 500)]:
        assert r > 150 and g < 110 and b < 110, (r, g, b)
    return len(opaque) / (img.width * img.height)


def test_round_seal_is_the_size_asked_transparent_and_red():
    png = round_seal_png("通办示范科技有限公司", "合同专用章", diameter_mm=42, dpi=300)
    img = _open(png)
    assert img.size == (496, 496)  # 42 mm at 300 dpi
    assert Image.open(io.BytesIO(png)).info["dpi"] == pytest.approx((300, 300), abs=0.01)
    corners = [img.getpixel(p) for p in ((0, 0), (495, 0), (0, 495), (495, 495))]
    assert all(px[3] == 0 for px in corners)  # outside the ring: transparent
    assert img.getpixel((248, 248))[:3] == SEAL_RED[:3]  # the star's centre
    assert img.getpixel((248, 3))[3] > 200  # the rim at the top
    assert 0.10 < _red_share(img) < 0.45


def test_round_seal_draws_the_name_and_the_kind():
    a = _open(round_seal_png("通办示范科技有限公司", "合同专用章"))
    b = _open(round_seal_png("通办演示商贸有限公司", "合同专用章"))
    c = _open(round_seal_png("通办示范科技有限公司", "财务专用章"))
    top, bottom = (0, 0, a.width, a.height // 2), (0, int(a.height * 0.62), a.width, int(a.height * 0.85))
    # Another name changes the arc (the upper half), not the kind; another kind changes the bottom only.
    assert ImageChops.difference(a.crop(top), b.crop(top)).getbbox() is not None
    assert ImageChops.difference(a.crop(bottom), b.crop(bottom)).getbbox() is None
    assert ImageChops.difference(a.crop(bottom), c.crop(bottom)).getbbox() is not None
    assert ImageChops.difference(a.crop(top), c.crop(top)).getbbox() is None
    # Without a kind (法定名称章) the lower part holds nothing but the rim.
    d = _open(round_seal_png("通办示范科技有限公司", ""))
    assert (
        d.crop((170, int(d.height * 0.66), d.width - 170, int(d.height * 0.84))).getchannel("A").getbbox()
        is None
    )


def test_a_long_name_stays_inside_the_ring():
    img = _open(round_seal_png("北京市朝阳区示范科技发展有限责任公司第一分公司", "发票专用章"))
    assert img.size == (496, 496)
    # Nothing drawn outside the seal's circle.
    r = img.width / 2
    for x, y in ((10, 10), (img.width - 12, 12), (20, img.height - 20)):
        assert (x - r) ** 2 + (y - r) ** 2 > r**2
        assert img.getpixel((x, y))[3] == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("张三", "张三之印"),
        ("王小明", "王小明印"),
        ("欧阳晓明", "欧阳晓明"),
        ("李", "李印"),
        ("司马 相如", "司马相如"),
    ],
)
def test_personal_seal_text(name, text):
    assert personal_seal_text(name) == text


def test_square_personal_seal_draws_the_name():
    a = _open(square_personal_seal_png("张三", size_mm=20, dpi=300))
    b = _open(square_personal_seal_png("李四", size_mm=20, dpi=300))
    assert a.size == (236, 236)
    assert a.getpixel((a.width // 2, 2))[3] > 200  # the frame
    assert 0.15 < _red_share(a) < 0.6
    # 之印 is the left column of both; the names (right column) differ.
    left, right = (0, 0, a.width // 2, a.height), (a.width // 2, 0, a.width, a.height)
    assert ImageChops.difference(a.crop(left), b.crop(left)).getbbox() is None
    assert ImageChops.difference(a.crop(right), b.crop(right)).getbbox() is not None


def test_every_character_is_drawn_from_a_font_that_has_it():
    from fontTools.ttLib import TTFont

    for ch in "北京市朝阳区通办科技有限公司合同专用章财务发票法定代表人之印":
        assert ord(ch) in font_codepoints()
        assert glyph(ch, 60).getchannel("A").getbbox() is not None  # ink, not an empty box
    # A glyph is not the font's missing-glyph box: two characters draw differently.
    assert ImageChops.difference(glyph("通", 60), glyph("办", 60).resize(glyph("通", 60).size)).getbbox()
    rare = "𠮷"  # outside GBK: drawn from the system's full Noto CJK
    assert ord(rare) not in font_codepoints()
    if SYSTEM_FONT.exists():
        font = font_for(rare, 60)
        assert font.path == str(SYSTEM_FONT)
        assert ord(rare) in TTFont(str(SYSTEM_FONT), fontNumber=2, lazy=True).getBestCmap()
        assert glyph(rare, 60).getchannel("A").getbbox() is not None
