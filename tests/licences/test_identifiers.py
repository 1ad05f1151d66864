"""GB/T 36904 identifiers: the four real identifiers of docs/domain/licences.md §3 check; anything altered
does not."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.licences.identifiers import BadIdentifier, make_licence_id, parse_licence_id, verify_licence_id

REAL = [
    "1.2.156.3005.2.11100000000013338W011.11110000000021135M.20230329701.003.Y",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


@pytest.mark.parametrize("identifier", REAL)
def test_the_real_identifiers_check_and_are_made_again_from_their_parts(identifier):
    parts = parse_licence_id(identifier)
    assert (
        make_licence_id(parts["type_code"], parts["issuer_code"], parts["serial"], parts["version"])
        == identifier
    )


@pytest.mark.parametrize(
    ("identifier", "reason"),
    [
        (REAL[0][:-1] + "Z", "check_character"),  # wrong check character
        (REAL[0].replace("20230329701", "20230329702"), "check_character"),  # serial altered
        (REAL[1].lower(), "type_code"),  # lower case is not in the character set
        (REAL[2].replace("2430599", "2430599a"), "serial"),
        (REAL[0].replace("1.2.156.3005.2.", "1.2.156.3005.3."), "root"),
        (REAL[0].replace(".003.", ".000."), "version"),
        (REAL[0].replace("11110000000021135M", "11110000000021135N"), "issuer_code"),  # USCC check digit
        ("1.2.156.3005.2.ABC", "structure"),
    ],
)
def test_altered_identifiers_are_refused_with_the_reason(identifier, reason):
    with pytest.raises(BadIdentifier) as exc:
        parse_licence_id(identifier)
    assert str(exc.value) == reason
    assert not verify_licence_id(identifier)


@given(
    serial=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=40),
    version=st.integers(min_value=1, max_value=999),
    position=st.integers(min_value=0),
    replacement=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)
def test_any_single_character_change_of_a_made_identifier_is_caught(serial, version, position, replacement):
    identifier = make_licence_id("11100000000013338W001", "11310000MB2F31883R", serial, version)
    assert verify_licence_id(identifier)
    body_start = len("1.2.156.3005.2.")
    i = body_start + position % (len(identifier) - body_start)
    if identifier[i] == "." or identifier[i] == replacement:
        return
    changed = identifier[:i] + replacement + identifier[i + 1 :]
    assert not verify_licence_id(changed)


def test_a_lower_case_issuer_code_is_refused_with_a_reason_not_an_error():
    from tongban.licences.identifiers import BadIdentifier, make_licence_id, parse_licence_id

    good = make_licence_id("11100000000013338W011", "11110000000021135M", "20230329701", 3)
    with pytest.raises(BadIdentifier, match="issuer_code"):
        parse_licence_id(good.replace("11110000000021135M", "11110000000021135m"))
    with pytest.raises(BadIdentifier, match="issuer_code"):
        make_licence_id("11100000000013338W011", "11110000000021135m", "20230329701", 3)
