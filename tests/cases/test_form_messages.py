"""What a refused application says: a sentence per field built from the schema's titles (never the
validator's English or a regular expression), in the request's language, next to each field and in a summary
linked to the fields; the form and the materials are checked together and reported at once, on the page and
in the API."""

from __future__ import annotations

import base64
import re

from django.utils import translation

from tests.cases.conftest import Upload
from tests.cases.test_api import body, post
from tests.cases.test_pages import apply_url, form_post, text
from tests.conftest import login_client
from tongban.core.jsonschemas import schema_errors

SCHEMA = {
    "type": "object",
    "required": ["company_name", "phone"],
    "properties": {
        "company_name": {"type": "string", "title": "企业名称", "maxLength": 5, "x-title-en": "Company name"},
        "phone": {"type": "string", "title": "手机号码", "pattern": "^1[3-9]\\d{9}$"},
        "founded": {"type": "string", "title": "成立日期", "format": "date"},
        "staff": {"type": "integer", "title": "从业人数", "minimum": 1, "maximum": 9999},
        "code": {
            "type": "string",
            "title": "登记代码",
            "pattern": "^X",
            "errorMessage": {"pattern": {"zh-hans": "登记代码须以 X 开头", "en": "The code starts with X"}},
        },
        "kind": {"type": "string", "title": "企业类型", "enum": ["有限公司", "个人独资"]},
    },
}


def messages(data) -> dict[str, str]:
    return {e["field"]: e["message"] for e in schema_errors(SCHEMA, data)}


def test_every_rule_is_said_with_the_fields_title_never_the_validators_english():
    assert messages({}) == {"company_name": "请填写「企业名称」", "phone": "请填写「手机号码」"}
    said = messages(
        {
            "company_name": "上海某某科技有限公司",
            "phone": "12345",
            "founded": "2026-13-40",
            "staff": 0,
            "code": "Y1",
            "kind": "合伙",
        }
    )
    assert said == {
        "company_name": "「企业名称」最多填写 5 个字",
        "phone": "「手机号码」格式不正确",
        "founded": "「成立日期」须为有效日期，如 2026-01-31",
        "staff": "「从业人数」不能小于 1",
        "code": "登记代码须以 X 开头",  # the schema's own message
        "kind": "「企业类型」须从给出的选项中选择",
    }
    assert messages({"company_name": "甲", "phone": "13800000000", "staff": "很多"}) == {
        "staff": "「从业人数」须为整数"
    }
    for message in said.values():
        assert "^" not in message and "property" not in message and "'" not in message


def test_the_messages_follow_the_request_language():
    with translation.override("en"):
        said = messages({"phone": "1", "code": "Y"})
    assert said == {
        "company_name": 'Please fill in "Company name"',
        "phone": '"手机号码" is not in the right format',
        "code": "The code starts with X",
    }


def test_the_api_lists_the_form_and_the_materials_at_once_in_the_request_language(world):
    client = login_client(world["applicant"].user)
    bad_file = [{"key": "application-form", "content_base64": base64.b64encode(b"MZ\x90\x00").decode()}]
    data = body(world, form_data={"capital": -1}, materials=bad_file)
    answer = post(client, "/api/cases", data, key="idem-key-msg1").json()
    assert answer["code"] == "form_invalid"
    fields = {e["field"]: e["message"] for e in answer["details"]["errors"]}
    assert fields == {
        "applicant_name": "请填写「申请人姓名」",
        "capital": "「注册资本（万元）」不能小于 0",
        "invoice": "请填写「票种」",
    }
    assert [(p["field"], p["message"]) for p in answer["details"]["problems"]] == [
        ("application-form", "只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）")
    ]
    english = client.post(
        "/api/cases",
        data,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_IDEMPOTENCY_KEY="idem-key-msg2",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    ).json()
    assert {e["field"]: e["message"] for e in english["details"]["errors"]}["invoice"] == (
        'Please fill in "票种"'
    )


def test_the_page_shows_each_problem_next_to_its_field_and_all_of_them_in_a_linked_summary(world):
    client = login_client(world["applicant"].user)
    response = form_post(
        client,
        apply_url(world),
        {"form_token": "m" * 32, "applicant": str(world["applicant"].uuid), "f_capital": "-3"},
        {"m_application-form": Upload(b"MZ\x90\x00", "a.pdf")},
    )
    assert response.status_code == 422
    html = response.content.decode()
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert sorted(links) == [
        ("f_applicant_name", "请填写「申请人姓名」"),
        ("f_capital", "「注册资本（万元）」不能小于 0"),
        ("f_invoice", "请填写「票种」"),
        ("m_application-form", "「申请书」：只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）"),
    ]
    # In the order of the page (the schema's order as stored: PostgreSQL's jsonb keeps its own).
    assert [a for a, _m in links] == sorted((a for a, _m in links), key=lambda a: html.index(f'id="{a}"'))
    for anchor, _message in links:
        field = re.search(rf'<(?:input|select)[^>]*id="{anchor}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in field
        assert f'aria-describedby="{anchor}-error"' in field
        assert f'id="{anchor}-error"' in html
    page = text(response)
    assert "is a required property" not in page and "materials_invalid" not in page
