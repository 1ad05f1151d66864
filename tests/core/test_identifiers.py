from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from tongban.core.errors import InvalidInput
from tongban.core.identifiers import (
    IdKind,
    mask_id_number,
    mask_name,
    mask_phone,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from tongban.core.logging import redact

VALID_ID = "11010119900307123" + ric.calc_check_digit("11010119900307123" + "0")


def test_a_valid_resident_id_passes_and_is_normalised():
    assert validate_id_number(IdKind.RESIDENT_ID, f" {VALID_ID.lower()} ") == VALID_ID


@pytest.mark.parametrize(
    "number",
    [
        VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"),  # wrong check character
        "110101900307123",  # 15-digit legacy number
        "99999919900307123" + ric.calc_check_digit("99999919900307123" + "0"),  # unknown region
        "11010120990307123" + ric.calc_check_digit("11010120990307123" + "0"),  # born in 2099
        "",
        "abc",
    ],
)
def test_invalid_resident_ids_raise_invalid_id_number(number):
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(IdKind.RESIDENT_ID, number)
    assert exc.value.code == "invalid_id_number"
    assert exc.value.status == 422
    assert "身份证" in str(exc.value.message)


@pytest.mark.parametrize(
    ("kind", "good", "bad", "code"),
    [
        (IdKind.PASSPORT, "E12345678", "X1234", "invalid_passport"),
        (IdKind.PASSPORT, "EA1234567", "EI1234567", "invalid_passport"),
        (IdKind.HK_MACAO_PERMIT, "H12345678", "A12345678", "invalid_hk_macao_permit"),
        (IdKind.TAIWAN_PERMIT, "12345678", "1234567", "invalid_taiwan_permit"),
    ],
)
def test_other_documents_have_their_own_format_checks(kind, good, bad, code):
    assert validate_id_number(kind, good) == good
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(kind, bad)
    assert exc.value.code == code


def test_phone_and_uscc_validation():
    assert validate_phone("+86 138-0000-0001") == "13800000001"
    with pytest.raises(InvalidInput, match="invalid_phone"):
        validate_phone("12800000001")
    assert validate_uscc("91110108MA01ABC25F") == "91110108MA01ABC25F"
    with pytest.raises(InvalidInput, match="invalid_uscc"):
        validate_uscc("91110108MA01ABC25G")


def test_masks():
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_phone("13800000001") == "138****0001"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_id_number("E12345678") == "E******78"


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)), st.integers(0, 999))
def test_every_generated_id_validates_masks_and_is_redacted_from_logs(birth, seq):
    first17 = f"310101{birth:%Y%m%d}{seq:03d}"
    number = first17 + ric.calc_check_digit(first17 + "0")
    assert validate_id_number(IdKind.RESIDENT_ID, number) == number
    masked = mask_id_number(number)
    assert masked.startswith("310101") and masked.endswith(number[-4:]) and number not in masked
    assert number not in redact(f"user {number} registered")


def test_full_width_input_is_normalised_to_one_stored_form():
    full = "".join(chr(ord(c) + 0xFEE0) for c in VALID_ID)  # ０-９ / Ｘ
    assert validate_id_number(IdKind.RESIDENT_ID, full) == VALID_ID
    assert validate_phone("１３８００００００01") == "13800000001"
    with pytest.raises(InvalidInput):
        validate_id_number(IdKind.RESIDENT_ID, VALID_ID[:-2] + "٣" + VALID_ID[-1])  # Arabic-Indic digit
    with pytest.raises(InvalidInput):
        validate_phone("1380000000٣")
    with pytest.raises(InvalidInput):
        validate_id_number(IdKind.TAIWAN_PERMIT, "１２３٤٥٦٧٨")
