"""The counter's API: the console's flows as JSON, each refusal a {"code","message","details"} with a 4xx."""

from __future__ import annotations

import base64

import pytest

from tests.cases.conftest import pdf_bytes
from tests.conftest import csrf_headers, login_client
from tests.frontdesk.test_counter import counter_world  # noqa: F401  (the fixture)
from tongban.accounts.facade import ZHANG_ID_NUMBER
from tongban.cases.models import Case
from tongban.frontdesk.models import PadSession
from tongban.licences.models import Licence
from tongban.licences.show import make_show_token

pytestmark = pytest.mark.django_db


def _post(web, url, body):
    return web.post(url, body, content_type="application/json", **csrf_headers(web))


def test_the_counter_flow_as_json(counter_world):  # noqa: F811
    from tongban.licences.facade import demo_load_licences

    demo_load_licences()
    window = counter_world["windows"][1]
    web = login_client(counter_world["clerk"])
    base = f"/api/frontdesk/counter/{window.uuid}/services"
    started = _post(web, base, {})
    assert started.status_code == 201, started.content
    svc = f"{base}/{started.json()['uuid']}"
    assert _post(web, base, {}).json()["code"] == "service_already_open"

    early = _post(
        web,
        svc + "/cases",
        {"target_kind": "item", "target": str(counter_world["here"].uuid), "form_data": {}},
    )
    assert early.status_code == 409 and early.json()["code"] == "applicant_not_identified"

    bad = _post(
        web, svc + "/identify", {"method": "id_card", "id_number": "310101199003071230X", "name": "张三"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_id_number"
    licence = Licence.objects.get(holder_code=ZHANG_ID_NUMBER, type__code="111000007178000872010")
    token = make_show_token(licence, "window").token
    shown = _post(web, svc + "/identify", {"method": "show_token", "token": token})
    assert shown.status_code == 200 and shown.json()["applicant_label"].startswith("张* 310101")
    assert ZHANG_ID_NUMBER not in shown.content.decode()
    replay = _post(web, svc + "/identify", {"method": "show_token", "token": token})
    assert replay.status_code == 409 and replay.json()["code"] == "token_used"

    scan = base64.b64encode(pdf_bytes()).decode()
    refused = _post(
        web,
        svc + "/cases",
        {
            "target_kind": "item",
            "target": str(counter_world["here"].uuid),
            "form_data": {"address": "黄浦区示范路1号"},
            "materials": [{"key": "application-form", "content_base64": scan}],
            "commitments": ["lease"],
            "precheck": {"application-form": {"status": "seen"}},
        },
    )
    assert refused.status_code == 422 and not Case.objects.exists()
    made = _post(
        web,
        svc + "/cases",
        {
            "target_kind": "item",
            "target": str(counter_world["here"].uuid),
            "form_data": {"address": "黄浦区示范路1号"},
            "materials": [{"key": "application-form", "filename": "a.pdf", "content_base64": scan}],
            "commitments": ["lease"],
            "precheck": {"application-form": {"status": "copy", "note": "复印件一份"}},
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "in_process" and body["acceptance_voucher"].startswith("SL")
    assert not body["concluded_on_the_spot"] and not body["collect_and_forward"]

    finished = _post(web, svc + "/finish", {})
    assert finished.status_code == 200 and finished.json()["message"] == "请申请人在评价器上评价本次服务"
    assert PadSession.objects.filter(uuid=finished.json()["pad_session"]).exists()
    assert _post(web, svc + "/finish", {}).json()["code"] == "service_finished"


def test_a_clerk_of_another_centre_is_told_the_window_does_not_exist(counter_world, make_staff):  # noqa: F811
    from tongban.accounts.constants import Role
    from tongban.accounts.models import Organisation

    xuhui_window = Organisation.objects.get(
        kind="window", path__startswith=counter_world["other_centre"].org_path
    )
    web = login_client(make_staff(xuhui_window, Role.WINDOW_CLERK))
    answer = _post(web, f"/api/frontdesk/counter/{counter_world['windows'][1].uuid}/services", {})
    assert answer.status_code == 404 and answer.json()["code"] == "window_not_found"
