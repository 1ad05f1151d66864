from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from tongban.core.errors import InvalidInput
from tongban.core.identifiers import (
    PROVINCE_CODES,
    IdKind,
    mask_id_number,
    mask_name,
    mask_phone,
    organisation_code_check,
    validate_id_number,
    validate_phone,
    validate_resident_id,
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


# --- resident ID numbers: format, check digit, province, birth date; never the county ------------------------
def resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def refusal(number: str, **kwargs) -> str:
    with pytest.raises(InvalidInput) as exc:
        validate_resident_id(number, **kwargs)
    assert exc.value.code == "invalid_id_number" and exc.value.status == 422
    assert "身份证号码无效" in str(exc.value.message)
    return exc.value.details["reason"]


@pytest.mark.parametrize(
    "first17",
    [
        "31019919900307123",  # 310199: no such county in GB/T 2260 (stdnum's table raises KeyError)
        "31011519800101001",  # 浦东新区 (310115, created 1993), born 1980
        "31011719750505002",  # 松江区 (310117, a district since 1998), born 1975
        "31015119600101003",  # 崇明区 (310151, since 2016), born 1960
        "31011519780521789",  # the demo's 王五
        "11999919900307123",  # any county inside a valid province
        "82000019900307123",  # Macao
        "11010120000229123",  # 29 February of a leap year
        "11010118900101123",  # the earliest birth date accepted
    ],
)
def test_the_county_is_not_looked_up(first17):
    number = resident_id(first17)
    assert validate_resident_id(number) == number


def test_numbers_stdnum_refuses_for_their_county_are_accepted():
    """The issue's cases: stdnum raises KeyError for 310199 and refuses 浦东 before 1993."""
    unknown_county, pudong_1980 = resident_id("31019919900307123"), resident_id("31011519800101001")
    with pytest.raises(KeyError):
        ric.is_valid(unknown_county)
    assert not ric.is_valid(pudong_1980)
    assert validate_resident_id(unknown_county) == unknown_county
    assert validate_resident_id(pudong_1980) == pudong_1980


@pytest.mark.parametrize(
    "province", ["00", "10", "16", "20", "39", "47", "60", "66", "70", "72", "80", "83", "99"]
)
def test_the_first_two_digits_must_be_a_province(province):
    assert refusal(resident_id(f"{province}010119900307123")) == "province"


@pytest.mark.parametrize(
    "birth",
    [
        "19900230",  # 30 February
        "19000229",  # 29 February, 1900 not a leap year
        "20230229",
        "19901301",  # month 13
        "19900001",
        "19900100",  # day 0
        "19900132",
        "00000101",
        "18891231",  # before 1890
    ],
)
def test_the_birth_date_must_exist(birth):
    assert refusal(resident_id(f"110101{birth}123")) == "birth_date"


def test_a_birth_date_after_today_is_refused():
    number = resident_id("11010120240601123")
    assert validate_resident_id(number, today=date(2024, 6, 1)) == number
    assert refusal(number, today=date(2024, 5, 31)) == "birth_date"


def test_a_wrong_check_digit_is_refused():
    number = resident_id("31011519800101001")
    for wrong in set("0123456789X") - {number[-1]}:
        assert refusal(number[:-1] + wrong) == "check_digit"


@pytest.mark.parametrize(
    "number",
    [
        "1101011990030712",  # 16
        "1101011990030712311",  # 19
        "11010119900307X231",  # X before the end
        "X10101199003071231",
        "11010119900307123\x00",  # NUL
        "1101011990030712\x003",
        "11010119900307123Y",
        "11010119900307123" + "\u0663",  # Arabic-Indic digit (no NFKC ASCII form)
        "1" * 10_000,
        "",
    ],
)
def test_anything_but_17_digits_and_a_digit_or_x_is_a_format_error(number):
    assert refusal(number) == "format"


def test_lower_case_x_and_full_width_forms_are_normalised():
    first17 = next(
        f"11010119900307{n:03d}" for n in range(1000) if resident_id(f"11010119900307{n:03d}")[-1] == "X"
    )
    number = resident_id(first17)
    assert validate_resident_id(number.lower()) == number
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())  # ０-９ and ｘ
    assert validate_resident_id(f" {full_width} ") == number


def test_the_province_list_is_gb_t_2260_as_stdnum_has_it():
    from stdnum import numdb

    table = numdb.get("cn/loc")
    provinces = {f"{n:02d}" for n in range(100) if any("province" in p for _, p in table.info(f"{n:02d}"))}
    assert provinces == PROVINCE_CODES


# --- USCC: stdnum's check of character 18, and GB 11714 for the organisation code (characters 9–17) --------
def uscc_with(organisation8: str, organisation_check: str, prefix: str = "91310000") -> str:
    from stdnum.cn import uscc

    first17 = prefix + organisation8 + organisation_check
    return first17 + uscc.calc_check_digit(first17)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("60003734", "1"),  # 91110000600037341L, python-stdnum's example
        ("00000001", "9"),
        ("00000006", "X"),  # C9 = 10
        ("00000000", "0"),  # C9 = 11
        ("MA01ABC2", "5"),
    ],
)
def test_the_organisation_code_check_character(body, check):
    assert organisation_code_check(body) == check
    assert validate_uscc(uscc_with(body, check)) == uscc_with(body, check)


def test_a_uscc_whose_organisation_code_does_not_check_is_refused():
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    for wrong in set("0123456789X") - {"1"}:
        code = uscc_with("60003734", wrong, prefix="91110000")  # character 18 recomputed: only 17 is wrong
        with pytest.raises(InvalidInput) as exc:
            validate_uscc(code)
        assert exc.value.code == "invalid_uscc" and exc.value.details["reason"] == "organisation_code"


@pytest.mark.parametrize(
    "code",
    ["", "91110000600037341", "91110000600037341L0", "9111000060003734IL", "91110000600037341\x00", "A1" * 9],
)
def test_malformed_usccs_are_refused(code):
    with pytest.raises(InvalidInput) as exc:
        validate_uscc(code)
    assert exc.value.code == "invalid_uscc"


def test_a_uscc_is_normalised():
    code = "91110000600037341L"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    assert validate_uscc(f" {full_width} ") == code
