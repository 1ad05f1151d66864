"""A small world for cases: three departments under a region, a window, their reviewers, three published
items and a bundle — 开业登记 first, then 税务 and 社保 in parallel — and a person at L2 who applies."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from tests.catalog.conftest import APPLICATION, ID_CARD
from tests.catalog.test_versions import good_fields
from tongban.accounts.constants import OrgKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.services import organisation_create
from tongban.catalog.services import bundle_create, item_create, version_publish

NAME_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
        "capital": {"type": "number", "title": "注册资本（万元）", "minimum": 0},
    },
    "required": ["applicant_name"],
}
TAX_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 50},
        "invoice": {"type": "string", "title": "票种", "enum": ["普通发票", "专用发票"]},
    },
    "required": ["applicant_name", "invoice"],
}
BANK = {"key": "bank-account", "name": "银行账户信息", "source": "upload", "required": False}


def pdf_bytes(text: str = "申请书") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Upload(io.BytesIO):
    """A file as a multipart upload arrives: a name, a size and read()."""

    def __init__(self, content: bytes, name: str = "file.pdf"):
        super().__init__(content)
        self.name, self.size = name, len(content)


@pytest.fixture
def world(db, make_staff, make_person):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    depts = {
        key: organisation_create(actor=None, kind=OrgKind.DEPARTMENT, name=name, parent=region, uscc=uscc)
        for key, name, uscc in (
            ("market", "上海市市场监督管理局", "11310000MB2F31883R"),
            ("tax", "上海市税务局", ""),
            ("hr", "上海市人力资源和社会保障局", ""),
        )
    }
    centre = organisation_create(
        actor=None, kind=OrgKind.SERVICE_CENTRE, name="黄浦区行政服务中心", parent=region
    )
    window = organisation_create(actor=None, kind=OrgKind.WINDOW, name="1号综合窗口", parent=centre)

    def item(n, dept, name, form, materials, legal, promised, level=1):
        fields = good_fields(
            depts[dept],
            name=name,
            legal_limit_days=legal,
            promised_limit_days=promised,
            form_schema=form,
            service_objects=["1"],
            required_assurance_level=level,
        )
        draft = item_create(
            actor=None,
            implementation_code=f"CASE-{n}",
            basic_code=f"C{n}",
            fields=fields,
            materials=materials,
        )
        return version_publish(actor=None, version=draft)

    licence = item(1, "market", "开业登记", NAME_FORM, [APPLICATION, ID_CARD], 15, 1)
    tax = item(2, "tax", "税务登记", TAX_FORM, [APPLICATION, BANK], 5, 1)
    social = item(3, "hr", "社保登记", NAME_FORM, [ID_CARD], 15, 1)
    strict = item(4, "market", "需要 L3 的事项", NAME_FORM, [ID_CARD], 10, 5, level=3)
    bundle = bundle_create(
        actor=None,
        name="开个小店",
        theme="开办企业",
        audience="1",
        lead_department_uuid=depts["market"].uuid,
        steps=[
            {"key": "licence", "item_version": str(licence.uuid), "budget_days": 1},
            {"key": "tax", "item_version": str(tax.uuid), "budget_days": 1, "depends_on": ["licence"]},
            {"key": "social", "item_version": str(social.uuid), "budget_days": 1, "depends_on": ["licence"]},
        ],
    )
    return {
        "depts": depts,
        "window": window,
        "bundle": bundle,
        "items": {"licence": licence, "tax": tax, "social": social, "strict": strict},
        "reviewers": {k: make_staff(d, Role.REVIEWER) for k, d in depts.items()},
        "clerk": make_staff(window, Role.WINDOW_CLERK),
        "applicant": make_person("赵六"),
        "stranger": make_person("钱七"),
    }


GOOD_FORM = {"applicant_name": "赵六", "capital": 10, "invoice": "普通发票"}


@pytest.fixture
def submit(world):
    """Apply for the bundle as the applicant (or ``actor``) with a PDF application form."""
    from tongban.cases.services import case_submit

    counter = iter(range(1, 10_000))

    def do(*, actor=None, form=None, files=None, key=None, target=None, kind="bundle"):
        actor = actor or world["applicant"].user
        person = actor.person
        return case_submit(
            actor=actor_for(actor),
            target_kind=kind,
            target_uuid=target or world["bundle"].uuid,
            applicant_kind="person",
            applicant_uuid=person.uuid,
            form_data=GOOD_FORM if form is None else form,
            idempotency_key=key or f"key-{next(counter):08d}",
            files={"application-form": Upload(pdf_bytes())} if files is None else files,
        )

    return do


@pytest.fixture
def board(world, submit):
    """Three cases in process whose lights the supervision task has turned: the licence step (市场监管局) of
    ``red`` is overdue and that of ``yellow`` in its yellow days; ``split`` has passed its licence step, and
    its tax step (税务局) is overdue while its social step (人社局) is green. ``days`` is the working days
    the red steps are overdue."""
    from datetime import timedelta

    from django.utils import timezone

    from tongban.cases.models import CaseStep
    from tongban.cases.services import case_accept, step_claim, step_decide
    from tongban.cases.supervision import supervision_update
    from tongban.core.workdays import working_days_between

    cases = {}
    for name in ("red", "yellow", "split"):
        case, _ = submit()
        cases[name] = case_accept(actor=actor_for(world["clerk"]), case=case)
    reviewer = world["reviewers"]["market"]
    licence = step_claim(actor=actor_for(reviewer), step=cases["split"].steps.get(key="licence"))
    step_decide(actor=actor_for(reviewer), step=licence, decision="pass", opinion="")
    today = timezone.localdate()
    overdue = {"due_on": today - timedelta(days=20), "yellow_on": today - timedelta(days=25)}
    due_soon = {"due_on": today + timedelta(days=20), "yellow_on": today - timedelta(days=1)}
    far_off = {"due_on": today + timedelta(days=30), "yellow_on": today + timedelta(days=25)}
    CaseStep.objects.filter(case=cases["red"], key="licence").update(**overdue)
    CaseStep.objects.filter(case=cases["yellow"], key="licence").update(**due_soon)
    CaseStep.objects.filter(case=cases["split"], key="tax").update(**overdue)
    CaseStep.objects.filter(case=cases["split"], key="social").update(**far_off)
    supervision_update()
    return {**cases, "days": working_days_between(overdue["due_on"], today)}


@pytest.fixture
def open_cases(world, submit):
    """``open_cases(n)``: n more cases of the applicant, accepted (their licence steps ready), or only
    submitted (``accepted=False``), or accepted with their licence steps overdue and turned red
    (``overdue=True``). Returns them."""
    from datetime import timedelta

    from django.utils import timezone

    from tongban.cases.models import CaseStep
    from tongban.cases.services import case_accept
    from tongban.cases.supervision import supervision_update

    def do(n: int, *, accepted: bool = True, overdue: bool = False) -> list:
        made = []
        for _ in range(n):
            case, _ = submit()
            made.append(case_accept(actor=actor_for(world["clerk"]), case=case) if accepted else case)
        if overdue:
            today = timezone.localdate()
            CaseStep.objects.filter(case__in=made, key="licence").update(
                due_on=today - timedelta(days=20), yellow_on=today - timedelta(days=25)
            )
            supervision_update()
        return made

    return do


@pytest.fixture
def client_of(world, make_staff):
    """``client_of(who)``: a logged-in client of the "applicant", the market "reviewer", the "clerk" or a
    "supervisor" of the region."""
    from tests.conftest import login_client

    def do(who: str):
        if who == "supervisor":
            return login_client(make_staff(world["depts"]["market"].parent, Role.SUPERVISOR))
        users = {"applicant": world["applicant"].user, "reviewer": world["reviewers"]["market"]}
        return login_client(users.get(who) or world[who])

    return do
