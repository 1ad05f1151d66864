"""Every API endpoint that takes a resident ID number or a USCC answers random and edge-case input with a 4xx,
never a 5xx; a bad number gets 422 with its code (``invalid_id_number`` / ``invalid_uscc``), a too long one
the schema's ``validation_error``, one with NUL the middleware's ``invalid_characters``; a valid one is never
refused for its number (docs/domain/identifiers.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_number

from tests.conftest import PASSWORD, csrf_headers, login_client, make_phone
from tests.licences.conftest import BUSINESS, VOCATIONAL, lib  # noqa: F401  (the fixture)
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import organisation_code_check, validate_resident_id, validate_uscc
from tongban.licences import share
from tongban.licences.models import Licence

pytestmark = pytest.mark.django_db

DIGITS = "0123456789"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def uscc(first16: str) -> str:
    first17 = first16 + organisation_code_check(first16[8:16])
    return first17 + uscc_number.calc_check_digit(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _mutate(draw, number: str, check_chars: str) -> str:
    how = draw(
        st.sampled_from(["none", "none", "check", "x_inside", "lower", "full_width", "nul", "long", "cut"])
    )
    position = draw(st.integers(0, len(number) - 1))
    if how == "check":
        return number[:-1] + draw(st.sampled_from(check_chars))
    if how == "x_inside":
        return number[:position] + "X" + number[position + 1 :]
    if how == "lower":
        return number.lower()
    if how == "full_width":
        return full_width(number)
    if how == "nul":
        return number[:position] + "\x00" + number[position:]
    if how == "long":
        return number * draw(st.integers(2, 600))
    if how == "cut":
        return number[:position]
    return number


@st.composite
def real_format_ids(draw):
    """Well-formed numbers around the edges: unknown, new and abolished counties, provinces 00/99/83,
    impossible and future dates, then a wrong check digit, an X inside, full width, NUL, … ."""
    region = draw(
        st.sampled_from(["310199", "310115", "310117", "310151", "110103", "440305", "000000", "990101"])
        | st.sampled_from(["160101", "830000", "710000", "810000", "820000"])
        | st.text(DIGITS, min_size=6, max_size=6)
    )
    birth = draw(
        st.sampled_from(["19000229", "20230229", "20000229", "19900230", "19901301", "00000000", "18891231"])
        | st.dates(date(1850, 1, 1), date(2100, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
    )
    return _mutate(draw, resident_id(f"{region}{birth}{draw(st.integers(0, 999)):03d}"), "0123456789Xx")


@st.composite
def real_format_usccs(draw):
    head = draw(
        st.sampled_from(["91310000", "11100000", "93440300", "A1310000"])
        | st.text(DIGITS, min_size=8, max_size=8)
    )
    body = draw(st.text(USCC_CHARS + "IOSVZa", min_size=8, max_size=8))
    code = head + body
    if set(body) <= set(USCC_CHARS) and head.isdigit():
        code = uscc(code)
        if draw(st.booleans()):  # a wrong organisation-code check character, character 18 recomputed
            first17 = code[:16] + draw(st.sampled_from("0123456789X"))
            code = first17 + uscc_number.calc_check_digit(first17)
    else:
        code += draw(st.sampled_from("0123456789X")) + draw(st.sampled_from(USCC_CHARS))
    return _mutate(draw, code, USCC_CHARS + "IOZ")


ID_NUMBERS = st.one_of(
    st.text(min_size=18, max_size=18),
    st.text(DIGITS + "Xx", min_size=18, max_size=18),
    real_format_ids(),
)
USCCS = st.one_of(
    st.text(min_size=18, max_size=18),
    st.text(USCC_CHARS, min_size=18, max_size=18),
    real_format_usccs(),
)
ID_EXAMPLES = [
    resident_id("31019919900307123"),  # no such county (stdnum: KeyError)
    resident_id("31011519800101001"),  # 浦东新区 before 1993
    resident_id("31011519780521789"),  # the demo's 王五
    resident_id("11010119000229123"),  # 29 February 1900
    resident_id("11010120230229123"),
    resident_id("00010119900307123"),  # province 00
    resident_id("99010119900307123"),  # province 99
    resident_id("11010129990307123"),  # born in 2999
    "11010119900307X231",  # X in the wrong place
    full_width(resident_id("11010119900307123")),  # full-width digits
    resident_id("11010119900307123")[:17] + "\x00",
    "\x00" * 18,
    "\ud800" * 18,  # lone surrogates (JSON can carry them as escapes)
    "1" * 10_000,
    "",
]
USCC_EXAMPLES = [
    uscc("91310000MA1FL2WY"),
    "91310000MA1FL2WY5J",  # character 18 right, the organisation code's check character wrong
    "91110000600037341L",
    full_width("91110000600037341L"),
    "91110000600037341\x00",
    "9111000060003734IL",
    "\ud800" * 18,
    "9" * 10_000,
    "",
]


def with_examples(values):
    def decorate(test):
        for value in reversed(values):
            test = example(number=value)(test)
        return test

    return decorate


def utf8(text: str) -> bool:
    """Whether the text has a UTF-8 form (half a surrogate pair has none)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def valid(kind: str, number: str) -> bool:
    try:
        (validate_resident_id if kind == "id" else validate_uscc)(number)
    except InvalidInput:
        return False
    return True


# --- the endpoints ------------------------------------------------------------------------------------------
@dataclass
class Endpoint:
    kind: str  # "id" or "uscc"
    max_length: int  # the request schema's limit for the field
    call: object  # (world, number) -> response


def _json(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def register_person(world, number):
    body = {"real_name": "赵六", "id_number": number, "phone": make_phone(), "sms_code": "000000"}
    return _json(Client(), "/api/register/person", {**body, "password": PASSWORD})


def grant_authorisation(world, number):
    today = timezone.localdate()
    body = {
        "agent_id_number": number,
        "agent_real_name": "李四",
        "valid_from": str(today),
        "valid_until": str(today + timedelta(days=30)),
    }
    client = world["holder_client"]
    return _json(client, "/api/authorisations", body, **csrf_headers(client))


def look_up_person(world, number):
    body = {"id_number": number, "purpose": "核验身份"}
    return _json(Client(), "/api/persons/lookup", body, HTTP_AUTHORIZATION=f"Bearer {world['hr_key']}")


def issue_vocational(world, number):
    body = {
        "type_code": VOCATIONAL,
        "holder_code": number,
        "holder_name": "张三",
        "face": {"name": "张三", "occupation": "电工", "grade": "三级"},
    }
    return _json(Client(), "/api/licences", body, HTTP_AUTHORIZATION=f"Bearer {world['hr_key']}")


def share_vocational(world, number):
    body = {"holder_code": number, "holder_type_code": "111", "type_code": VOCATIONAL, "use_cause": "核验"}
    return _json(Client(), "/api/licences/share/query", body, HTTP_AUTHORIZATION=f"Bearer {world['hr_key']}")


def register_enterprise(world, number):
    client = world["holder_client"]
    body = {"name": "上海测试科技有限公司", "uscc": number, "kind": "llc"}
    return _json(client, "/api/enterprises", body, **csrf_headers(client))


def issue_business(world, number):
    body = {
        "type_code": BUSINESS,
        "holder_code": number,
        "holder_name": "上海测试科技有限公司",
        "face": {"name": "上海测试科技有限公司", "legal_representative": "张三"},
    }
    return _json(Client(), "/api/licences", body, HTTP_AUTHORIZATION=f"Bearer {world['market_key']}")


def share_business(world, number):
    body = {"holder_code": number, "holder_type_code": "001", "type_code": BUSINESS, "use_cause": "核验"}
    return _json(
        Client(), "/api/licences/share/query", body, HTTP_AUTHORIZATION=f"Bearer {world['market_key']}"
    )


ID_ENDPOINTS = {
    "register_person": Endpoint("id", 32, register_person),
    "grant_authorisation": Endpoint("id", 32, grant_authorisation),
    "look_up_person": Endpoint("id", 32, look_up_person),
    "issue_licence": Endpoint("id", 32, issue_vocational),
    "share_query": Endpoint("id", 32, share_vocational),
}
USCC_ENDPOINTS = {
    "register_enterprise": Endpoint("uscc", 30, register_enterprise),
    "issue_licence": Endpoint("uscc", 32, issue_business),
    "share_query": Endpoint("uscc", 32, share_business),
}
CODES = {"id": "invalid_id_number", "uscc": "invalid_uscc"}


@pytest.fixture
def world(lib, make_api_client):  # noqa: F811
    hr_client, hr_key = make_api_client(lib["hr"], ["licences:issue", "licences:share", "persons:lookup"])
    market_client, market_key = make_api_client(lib["market"], ["licences:issue", "licences:share"])
    share.share_grant(actor=None, client=hr_client, type_code=VOCATIONAL)
    share.share_grant(actor=None, client=market_client, type_code=BUSINESS)
    return {
        **lib,
        "hr_key": hr_key,
        "market_key": market_key,
        "holder_client": login_client(lib["holder"].user),
    }


def check(endpoint: Endpoint, world, number: str):
    cache.clear()  # the registration and SMS throttles count every example otherwise
    response = endpoint.call(world, number)
    assert response.status_code < 500, (number, response.content)
    code = response.json().get("code") if response["Content-Type"].startswith("application/json") else None
    if "\x00" in number:  # refused before the API by core.middleware
        assert (response.status_code, code) == (400, "invalid_characters"), (number, response.content)
    elif len(number) > endpoint.max_length or not utf8(number):  # refused by the request schema
        assert (response.status_code, code) == (422, "validation_error"), (number, response.content)
    elif not valid(endpoint.kind, number):
        assert (response.status_code, code) == (422, CODES[endpoint.kind]), (number, response.content)
    else:
        assert code != CODES[endpoint.kind], (number, response.content)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", ID_ENDPOINTS)
@SETTINGS
@with_examples(ID_EXAMPLES)
@given(number=ID_NUMBERS)
def test_endpoints_taking_an_id_number_never_answer_5xx(world, name, number):
    check(ID_ENDPOINTS[name], world, number)


@pytest.mark.parametrize("name", USCC_ENDPOINTS)
@SETTINGS
@with_examples(USCC_EXAMPLES)
@given(number=USCCS)
def test_endpoints_taking_a_uscc_never_answer_5xx(world, name, number):
    check(USCC_ENDPOINTS[name], world, number)


def test_valid_numbers_the_old_check_refused_are_accepted_end_to_end(world):
    """浦东 before 1993 and an unknown county: a licence is issued and found by the sharing interface."""
    for number in (resident_id("31011519800101001"), resident_id("31019919900307123")):
        assert issue_vocational(world, number).status_code == 201
        found = share_vocational(world, number)
        assert found.status_code == 200 and [s["holder_name"] for s in found.json()] == ["张三"]
    assert Licence.objects.filter(holder_code=resident_id("31019919900307123")).count() == 1
