"""The counter console's pages: a clerk of the centre serves a walk-in from start to the pad's invitation; a
clerk of another centre is told the window does not exist."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import pdf_bytes
from tests.conftest import csrf_headers, login_client
from tests.frontdesk.test_counter import counter_world  # noqa: F401  (the fixture)
from tongban.accounts.facade import ZHANG_ID_NUMBER
from tongban.cases.models import Case
from tongban.frontdesk.models import PadSession, Service

pytestmark = pytest.mark.django_db


def test_a_clerk_serves_a_walk_in_through_the_console(counter_world):  # noqa: F811
    window = counter_world["windows"][1]
    base = f"/counter/{window.uuid}/"
    web = login_client(counter_world["clerk"])
    csrf = csrf_headers(web)
    page = web.get(base)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="queue-panel"' in text and "窗口人员 陈敏" in text and "开始服务" in text

    web.post(base + "start/", {"ticket": ""}, **csrf)
    service = Service.objects.get(window=window, finished_at__isnull=True)
    svc = f"{base}services/{service.uuid}/"
    bad = web.post(
        svc + "identify/", {"method": "id", "id_number": ZHANG_ID_NUMBER, "name": "李四"}, follow=True, **csrf
    )
    assert "姓名与身份证号码不一致" in bad.content.decode()
    web.post(svc + "identify/", {"method": "id", "id_number": ZHANG_ID_NUMBER, "name": "张三"}, **csrf)
    found = web.get(base, {"q": "住房租赁"}).content.decode()
    assert "张* 310101" in found and ZHANG_ID_NUMBER not in found and "住房租赁合同备案" in found
    item = counter_world["here"]
    form = web.get(base, {"kind": "item", "target": item.uuid}).content.decode()
    assert 'name="f_address"' in form and 'name="pc_lease"' in form and 'name="commit"' in form

    done = web.post(
        svc + "submit/",
        {
            "kind": "item",
            "target": str(item.uuid),
            "f_address": "黄浦区示范路1号",
            "pc_application-form": "received",
            "pcn_application-form": "",
            "m_application-form": SimpleUploadedFile("a.pdf", pdf_bytes(), "application/pdf"),
            "commit": "lease",
        },
        **csrf,
    )
    assert done.status_code == 302 and done["Location"].endswith("/print/")
    case = Case.objects.get()
    receipt = web.get(done["Location"]).content.decode()
    assert case.number in receipt and case.lookup_code in receipt and "材料接收凭证" in receipt
    assert f"/cases/{case.uuid}/acceptance.pdf" in receipt and "@media print" not in receipt

    finished = web.post(svc + "finish/", follow=True, **csrf).content.decode()
    assert "请申请人在评价器上评价本次服务" in finished
    assert PadSession.objects.filter(service=service).exists()


def test_a_clerk_of_another_centre_gets_404(counter_world, make_staff):  # noqa: F811
    from tongban.accounts.constants import Role
    from tongban.accounts.models import Organisation

    xuhui_window = Organisation.objects.get(
        kind="window", path__startswith=counter_world["other_centre"].org_path
    )
    outsider = login_client(make_staff(xuhui_window, Role.WINDOW_CLERK))
    window = counter_world["windows"][1]
    services = Service.objects.count()
    assert outsider.get(f"/counter/{window.uuid}/").status_code == 404
    assert outsider.post(f"/counter/{window.uuid}/start/", **csrf_headers(outsider)).status_code == 404
    assert Service.objects.count() == services
    citizen = login_client(
        __import__("tongban.accounts.models", fromlist=["User"]).User.objects.get(username="13800000001")
    )
    assert citizen.get(f"/counter/{window.uuid}/").status_code == 404


def test_the_clerks_window_acceptance_page_lists_their_windows_today(counter_world, make_staff):  # noqa: F811
    from tongban.accounts.constants import Role

    windows = counter_world["windows"]
    clerk = login_client(counter_world["clerk"])
    page = clerk.get("/counter/").content.decode()
    assert f'href="/counter/{windows[1].uuid}/"' in page and f"/counter/{windows[2].uuid}/" not in page
    assert f'href="/centres/{counter_world["centre"].uuid}/dashboard/"' in page
    handout = login_client(counter_world["handout"])
    page = handout.get("/counter/").content.decode()
    assert f'href="/counter/{windows[3].uuid}/handout/"' in page
    # Their menu's 窗口受理 leads here; someone with no centre gets 404.
    assert 'href="/counter/">窗口受理</a>' in clerk.get("/staff/inbox/").content.decode()
    from tongban.accounts.models import Organisation

    department = Organisation.objects.filter(kind="department").first()
    assert login_client(make_staff(department, Role.REVIEWER)).get("/counter/").status_code == 404
