"""The sharing interface for departments' systems: per-account type permissions, a required use cause
(≤ 200 characters), the holder's use log, and temporary download links watermarked with the cause."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from tests.licences.conftest import VOCATIONAL
from tongban.licences import share
from tongban.licences.models import LicenceUse

pytestmark = pytest.mark.django_db
QUERY = "/api/licences/share/query"


@pytest.fixture
def department_system(lib, make_api_client):
    client, key = make_api_client(lib["market"], ["licences:share"])
    share.share_grant(actor=None, client=client, type_code=VOCATIONAL)
    return {"client": client, "key": key}


def query(key, **overrides):
    body = {
        "holder_code": overrides.pop("holder_code"),
        "holder_type_code": "111",
        "type_code": VOCATIONAL,
        "use_cause": "办理个体工商户登记，核验申请人职业资格",
        **overrides,
    }
    return Client().post(
        QUERY, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def test_a_granted_department_gets_the_valid_licences_and_the_holder_sees_the_use(
    lib, issue, department_system
):
    licence = issue()
    answer = query(department_system["key"], holder_code=lib["holder"].id_number)
    assert answer.status_code == 200, answer.content
    [found] = answer.json()
    assert found["identifier"] == licence.identifier and found["face"]["occupation"] == "电工"
    assert lib["holder"].id_number not in answer.content.decode()  # the holder code is masked in the answer
    use = LicenceUse.objects.get(licence=licence)
    assert use.channel == "share" and use.cause == "办理个体工商户登记，核验申请人职业资格"
    assert "上海市市场监督管理局" in use.user_label
    # The temporary link gives the licence file, watermarked with who asked and why.
    path = found["download_url"].split("testserver", 1)[1]
    download = Client().get(path)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(download.content)).pages)
    assert "办理个体工商户登记" in text and "职业资格证书" in text
    # An altered link, and an expired one, give nothing.
    assert Client().get(path[:-3] + "abc").status_code == 404
    share.LINK_SECONDS, saved = -1, share.LINK_SECONDS
    try:
        assert Client().get(path).status_code == 404
    finally:
        share.LINK_SECONDS = saved


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"use_cause": "  "}, 422, "use_cause_required"),
        ({"use_cause": "因" * 201}, 422, "use_cause_too_long"),
        ({"holder_type_code": "999"}, 422, "invalid_holder_type"),
        ({"type_code": "11100000000013338W001"}, 403, "no_permission"),  # no grant for business licences
        ({"holder_code": "110101199003074477"}, 404, "licence_not_found"),
    ],
)
def test_bad_queries_are_refused_with_a_code_and_log_nothing(
    lib, issue, department_system, overrides, status, code
):
    issue()
    overrides.setdefault("holder_code", lib["holder"].id_number)
    answer = query(department_system["key"], **overrides)
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code and not LicenceUse.objects.exists()


def test_a_client_without_the_scope_or_a_person_cannot_query(lib, issue, make_api_client):
    issue()
    _client, key = make_api_client(lib["market"], ["licences:issue"])
    answer = query(key, holder_code=lib["holder"].id_number)
    assert answer.status_code == 403 and answer.json()["code"] == "scope_missing"
    answer = query("tb_nope_nope", holder_code=lib["holder"].id_number)
    assert answer.status_code == 401
    assert not LicenceUse.objects.exists()
