"""The known world of the export tests: two districts' housing bureaus with their USCCs and items, four cases
with fixed numbers, three evaluators with fixed identities, a window at 黄浦区's centre, and seven
evaluations at fixed Beijing times (tests/ratings/data/ holds the files written by hand from these values)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.ratings.conftest import make_case
from tongban.accounts.models import Organisation, User
from tongban.cases.models import Case, CaseStep
from tongban.catalog.models import ItemVersion, ServiceItem
from tongban.frontdesk.models import Service, ServiceCentre, Window
from tongban.ratings.constants import Channel, EvaluationKind, UnitKind
from tongban.ratings.models import Evaluation

BEIJING = ZoneInfo("Asia/Shanghai")
HP_USCC = "11310101MB0000001A"
XH_USCC = "11310104MB0000002B"
LI_UUID = uuid.UUID("11111111-1111-4111-8111-111111111111")
WANG_UUID = uuid.UUID("22222222-2222-4222-8222-222222222222")
ZHANG_UUID = uuid.UUID("33333333-3333-4333-8333-333333333333")
PAD_EVALUATION = uuid.UUID("44444444-4444-4444-8444-444444444444")
LONE_PAD_EVALUATION = uuid.UUID("55555555-5555-4555-8555-555555555555")


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def _item(department, *, code, basic, handle, case_type, name):
    item = ServiceItem.objects.create(implementation_code=code, basic_code=basic)
    ItemVersion.objects.create(
        item=item,
        number=1,
        status="published",
        name=name,
        handle_item_code=handle,
        item_type="01",
        exercise_level="4",
        department_uuid=department.uuid,
        department_name=department.name,
        department_uscc=department.uscc,
        legal_limit_days=20,
        promised_limit_days=5,
        visits=0,
        case_type=case_type,
        online_depth=4,
    )
    return code


def _case(person, department, *, number, name, code, accepted_on, status="concluded", manager=""):
    case = make_case(person, department, status=status)
    Case.objects.filter(pk=case.pk).update(number=number, name=name, accepted_on=accepted_on)
    step = {"implementation_code": code, "version_number": 1}
    if manager:
        step.update(claimed_by_name=manager, decided_at=beijing(2026, 10, 30, 10, 0, 0))
    CaseStep.objects.filter(case=case).update(**step)
    case.refresh_from_db()
    return case


def _evaluation(**fields) -> Evaluation:
    defaults = {
        "kind": EvaluationKind.CASE,
        "round": 1,
        "template_version": 1,
        "indicators": [],
        "text": "",
        "anonymous": False,
        "unit_kind": UnitKind.DEPARTMENT,
    }
    evaluation = Evaluation(**{**defaults, **fields})
    evaluation.save()
    return evaluation


def build_export_world(org_tree, make_person, make_staff) -> dict:
    from tongban.accounts.constants import Role

    Organisation.objects.filter(pk=org_tree["hp_housing"].pk).update(uscc=HP_USCC)
    Organisation.objects.filter(pk=org_tree["xh_housing"].pk).update(uscc=XH_USCC)
    hp, xh = (Organisation.objects.get(pk=org_tree[k].pk) for k in ("hp_housing", "xh_housing"))
    li = make_person("李秀英", id_number="310101199003070019")
    wang = make_person("王强", id_number="310101198511200022")
    zhang = make_person("张伟", id_number="310104197805050036")
    for person, key in ((li, LI_UUID), (wang, WANG_UUID), (zhang, ZHANG_UUID)):
        User.objects.filter(pk=person.user_id).update(uuid=key)

    hp_item = _item(
        hp,
        code="11310101MB0000001A001000",
        basic="000123456000",
        handle="11310101MB0000001A00100001",
        case_type="2",
        name="房屋租赁登记备案",
    )
    xh_item = _item(
        xh,
        code="11310104MB0000002B002000",
        basic="000654321000",
        handle="11310104MB0000002B00200001",
        case_type="1",
        name="公共租赁住房申请",
    )
    case_a = _case(
        li, hp, number="TB20261028HP000001", name="房屋租赁登记备案", code=hp_item,
        accepted_on=date(2026, 10, 28), manager="赵敏",
    )  # fmt: skip
    case_b = _case(
        wang, hp, number="TB20261029HP000002", name="房屋租赁登记备案", code=hp_item,
        accepted_on=date(2026, 10, 29),
    )  # fmt: skip
    case_c = _case(
        li, hp, number="TB20261112HP000003", name="房屋租赁登记备案", code=hp_item,
        accepted_on=date(2026, 11, 12), status="in_process",
    )  # fmt: skip
    case_d = _case(
        zhang, xh, number="TB20261115XH000004", name="公共租赁住房申请", code=xh_item,
        accepted_on=date(2026, 11, 14), manager="钱进",
    )  # fmt: skip

    centre_org = org_tree["centre"]
    centre = ServiceCentre.objects.create(
        org_uuid=centre_org.uuid,
        org_path=centre_org.path,
        name=centre_org.name,
        division_code="310101",
        slug="hp-exports",
    )
    window = Window.objects.create(centre=centre, number=1, name="1号窗口", kind="comprehensive")
    clerk = make_staff(org_tree["window"], Role.WINDOW_CLERK)
    service = Service.objects.create(
        centre=centre, window=window, clerk_user_id=clerk.pk, clerk_label="工作人员",
        case_uuids=[str(case_c.uuid)],
    )  # fmt: skip
    lone = Service.objects.create(
        centre=centre, window=window, clerk_user_id=clerk.pk, clerk_label="工作人员", case_uuids=[]
    )

    def on_case(case, person, **fields):
        return _evaluation(
            subject_uuid=case.uuid,
            subject_label=case.number,
            evaluator_user_id=person.user_id,
            evaluator_label="李**",
            unit_uuid=case.lead_department_uuid,
            unit_name=case.lead_department_name,
            **fields,
        )

    def on_pad(service, **fields):
        return _evaluation(
            kind=EvaluationKind.SERVICE,
            subject_uuid=service.uuid,
            subject_label="1号窗口",
            channel=Channel.HALL_TABLET,
            evaluator_user_id=None,
            template_version=0,
            unit_kind=UnitKind.WINDOW,
            unit_uuid=window.uuid,
            unit_name="1号窗口",
            centre_name=centre.name,
            pad_session_uuid=uuid.uuid4(),
            **fields,
        )

    evaluations = [
        on_case(
            case_a, li, channel=Channel.PC, level=2, indicators=["online.efficiency"],
            text="材料要求反复变化", created_at=beijing(2026, 11, 2, 9, 15, 30),
        ),
        on_case(
            case_a, li, channel=Channel.MOBILE, round=2, level=4, text="已改进", anonymous=True,
            created_at=beijing(2026, 11, 5, 20, 0, 0),
        ),
        on_case(case_b, wang, channel=Channel.PHONE, level=5, created_at=beijing(2026, 11, 10, 8, 0, 0)),
        on_pad(service, uuid=PAD_EVALUATION, level=1, text="态度不好", created_at=beijing(2026, 11, 12, 14, 30)),
        on_pad(lone, uuid=LONE_PAD_EVALUATION, level=3, created_at=beijing(2026, 11, 12, 15, 0, 0)),
        on_case(case_d, zhang, channel=Channel.SMS, level=5, created_at=beijing(2026, 11, 16, 0, 30, 0)),
        # Outside the period 2026-11-01 … 2026-11-30 (Beijing), though its UTC date is the 30th:
        on_case(case_d, zhang, channel=Channel.SMS, round=2, level=3, created_at=beijing(2026, 12, 1, 0, 0, 0)),
    ]  # fmt: skip
    return {
        **org_tree,
        "cases": [case_a, case_b, case_c, case_d],
        "evaluations": evaluations,
        "service": service,
        "lone_service": lone,
        "window": window,
        "li": li,
        "admin": make_staff(org_tree["region"], Role.PLATFORM_ADMIN),
        "hp_supervisor": make_staff(org_tree["huangpu"], Role.SUPERVISOR),
        "xh_supervisor": make_staff(org_tree["xuhui"], Role.SUPERVISOR),
        "reviewer": make_staff(hp, Role.REVIEWER),
    }
