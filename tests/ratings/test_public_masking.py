"""mask_public_text: what a page anyone may read masks in a review text (docs/domain/supervision-public.md §3)."""

from __future__ import annotations

import pytest

from tongban.ratings.masking import mask_public_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # IDs and mobiles as mask_free_text masks them
        ("身份证310101199003071230，手机13800000001", "身份证310101********1230，手机138****0001"),
        # a name before a form of address
        ("张伟先生很耐心", "某先生很耐心"),
        ("窗口的王女士态度好", "窗口的某女士态度好"),
        ("我和李先生说过", "我和某先生说过"),
        ("非常感谢高师傅", "非常感谢某师傅"),
        ("感谢欧阳小明老师", "感谢某老师"),
        ("王小明先生", "某先生"),
        ("周姐人很好", "某姐人很好"),
        # no name there: as written
        ("这位先生", "这位先生"),
        ("一位女士帮了我", "一位女士帮了我"),
        ("先生您好", "先生您好"),
        # long numbers: landlines, case and ticket numbers, bank cards
        ("电话021-64381234", "电话***-********"),
        ("办件TB20261207A3K9Q2XM", "办件" + "*" * 18),
        ("工单CP20261207ABCDE12345", "工单" + "*" * 20),
        ("卡号6222021234567890123", "卡号" + "*" * 19),
        # short numbers and dates stay
        ("等了30分钟，2026-03-05去的，第3号窗口", "等了30分钟，2026-03-05去的，第3号窗口"),
        ("", ""),
        (None, ""),
    ],
)
def test_published_texts_are_masked(raw, shown):
    assert mask_public_text(raw) == shown
