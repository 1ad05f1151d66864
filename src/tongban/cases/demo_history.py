"""The demo's past (issue 19): about 600 cases of the last 90 days, so that a supervisor who logs in to the
demo sees months of figures — 按期办结率, 双减半, 免提交 materials, refusals and supplements, late cases and their
red lights — and the ratings demo has concluded cases to evaluate.

The cases are made directly as rows (a few bulk inserts, not through the services: 600 submissions, sealed
vouchers and notifications would take minutes), with the dates and the timeline the services would have
written: submitted on a past day (mostly working days), accepted the same or the next working day (some after
a 补正, a few refused with their reasons), the steps of the item or 一件事 passed in order, concluded after
``actual_days`` working days counted as the services count them (core.workdays: the day accepted not counted),
most within the promised limit and a few late, with the supervision events of their yellow and red lights on
the days the task would have turned them; delivered a working day later, the latest ones not yet. A few are
still open — waiting for a supplement, returned to the applicant, or in process with a green light (their
clocks are set again for today on a later load), so the supervision board of today shows only the demo's own
four cases; none waits for acceptance (the window's intake list shows the demo's own applications only).

The applicants are made-up persons and enterprises (accounts.demo_history_applicants), the reviewers the demo's
reviewer accounts where the department has one. Each case's idempotency key is ``demo-history-NNNN`` and its
uuid is derived from it: loading the demo again adds nothing. Not made for them: sealed documents, licence
uses, notifications and audit events (the history happened before the demo existed)."""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from tongban.accounts.facade import DemoApplicant, demo_history_applicants, demo_users
from tongban.cases.constants import (
    CASE_NUMBER_ALPHABET,
    COMMITMENT_DAYS,
    OPEN_STEP_STATUSES,
    CaseStatus,
    DeliveryMethod,
    Light,
    MaterialMode,
    Outcome,
    StepStatus,
)
from tongban.cases.deadlines import days_overdue, due_after, due_is_provisional, light_on, yellow_from
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseStep, SupervisionEvent
from tongban.cases.services.applying import plan_steps
from tongban.catalog.facade import (
    ApplicationTarget,
    application_target,
    bundle_cards,
    item_search,
    record_conclusions,
)
from tongban.core.workdays import (
    is_working_day,
    previous_working_day,
    working_days_after,
    working_days_between,
)

HISTORY_KEY = "demo-history-"
HISTORY_CASES = 600
HISTORY_DAYS = 90
SEED = 19
NAMESPACE = uuid.UUID("6f1c9a52-3d7e-4c1b-9a51-0d1e7b5c2a19")  # the history's uuids derive from their keys
MATERIAL_FILE = "cases/demo-history/demo-material.pdf"  # one stored file for every uploaded material

# What is applied for, and how often: (item, its department without the region's name, weight). The city's
# popular items most, the 黄浦区 housing office's lift items enough for the district supervisor's figures.
ITEMS = (
    ("社会保障卡申领", "人力资源和社会保障局", 40),
    ("住房公积金提取", "住房和城乡建设管理委员会", 40),
    ("居住证办理", "公安局", 32),
    ("个人所得税纳税记录开具", "税务局", 30),
    ("异地就医备案", "医疗保障局", 28),
    ("营业执照核发", "市场监督管理局", 26),
    ("无犯罪记录证明开具", "公安局", 24),
    ("既有多层住宅加装电梯初步方案备案", "黄浦区住房保障和房屋管理局", 30),
    ("既有多层住宅加装电梯房屋安全性评估备案", "黄浦区住房保障和房屋管理局", 24),
    ("个体工商户设立登记", "市场监督管理局", 18),
    ("不动产转移登记（二手房买卖）", "规划和自然资源局", 18),
    ("不动产登记资料查询", "规划和自然资源局", 14),
    ("结婚登记", "民政局", 14),
    ("义务教育入学登记", "教育委员会", 14),
    ("失业保险金申领", "人力资源和社会保障局", 14),
    ("食品经营许可证核发", "市场监督管理局", 12),
    ("增值税发票票种核定", "税务局", 12),
    ("就业登记", "人力资源和社会保障局", 10),
    ("契税申报", "税务局", 10),
    ("门诊大病登记", "医疗保障局", 10),
    ("医疗费用零星报销", "医疗保障局", 9),
    ("养老服务补贴", "民政局", 9),
    ("不动产抵押权首次登记", "规划和自然资源局", 8),
    ("出生医学证明签发", "卫生健康委员会", 7),
    ("教师资格认定", "教育委员会", 7),
    ("新生儿医保参保登记", "医疗保障局", 6),
    ("义务教育阶段转学", "教育委员会", 5),
    ("残疾人两项补贴", "民政局", 5),
    ("护士执业注册", "卫生健康委员会", 4),
    ("公共场所卫生许可证核发", "卫生健康委员会", 4),
    ("建筑工程施工许可证核发", "住房和城乡建设管理委员会", 4),
)
BUNDLES = (("开办企业", 12), ("小孩出生一件事", 8), ("既有多层住宅加装电梯", 5))
# The demo's reviewer of a department (accounts.demo), who accepts and decides its cases in the history.
REVIEWERS = {
    "黄浦区住房保障和房屋管理局": "reviewer",
    "徐汇区住房保障和房屋管理局": "reviewer_xh",
    "市场监督管理局": "reviewer_market",
    "公安局": "reviewer_police",
    "税务局": "reviewer_tax",
    "人力资源和社会保障局": "reviewer_hr",
    "卫生健康委员会": "reviewer_health",
    "医疗保障局": "reviewer_medical",
}

REFUSAL_REASONS = (
    "申请事项不属于本部门职权范围，请向户籍所在区相关部门申请。",
    "申请人不符合申请条件：未在本市连续缴纳社会保险满六个月。",
    "该事项已由其他部门受理办理中，不予重复受理。",
    "申请人主体资格不符合要求：经营范围不含申请的许可项目。",
)
SUPPLEMENT_ITEMS = (
    "身份证明材料照片不清晰，请重新上传",
    "申请表未签名，请签名后重新上传",
    "房屋权属证明的地址与申请地址不一致，请补充说明",
    "缺少委托书扫描件",
    "场所使用证明已过有效期，请提供有效期内的证明",
)
RETURN_OPINIONS = (
    "所附图纸缺少结构说明，请补充后重新提交。",
    "申请表中的联系电话与实名信息不一致，请核对后修改。",
    "业主同意书签字户数不足三分之二，请补充。",
    "收入证明未加盖单位公章，请重新提供。",
)
NOT_APPROVED_OPINIONS = (
    "经审查，申请人不符合享受条件，不予许可。",
    "经现场核查，经营场所条件不符合要求，不予许可。",
)
PASS_OPINIONS = ("", "", "材料齐全，符合法定条件，准予许可。", "同意。")
STREETS = (
    ("黄浦区", ("南京东路", "福州路", "延安东路", "淮海中路", "西藏南路", "瑞金二路")),
    ("徐汇区", ("漕溪北路", "肇嘉浜路", "天钥桥路", "宛平南路", "龙华中路")),
    ("静安区", ("江宁路", "常德路", "万航渡路", "共和新路")),
    ("浦东新区", ("张杨路", "浦东南路", "东方路", "世纪大道")),
)
CHILD_NAMES = ("子墨", "一诺", "梓涵", "沐阳", "欣悦", "浩宇", "若汐", "思齐")
NEW_COMPANIES = ("示范餐饮", "示范科技", "示范设计", "示范咖啡", "示范文化", "示范健身")


def history_keys() -> list[str]:
    return [f"{HISTORY_KEY}{n:04d}" for n in range(HISTORY_CASES)]


def history_uuid(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, key)


def _full_name(department: str) -> str:
    return (
        department
        if department.startswith(("黄浦区", "徐汇区"))
        else settings.TONGBAN_REGION_NAME + department
    )


def _targets() -> list[tuple[ApplicationTarget, int]]:
    """The published items and bundles of the list above with their weights (those the catalog has)."""
    found = []
    for name, department, weight in ITEMS:
        full = _full_name(department)
        hit = next((h for h in item_search(name) if h.name == name and h.department_name == full), None)
        target = application_target("item", hit.uuid) if hit else None
        if target is not None:
            found.append((target, weight))
    cards = {c.name: c for c in bundle_cards()}
    for name, weight in BUNDLES:
        card = cards.get(name)
        target = application_target("bundle", card.uuid) if card else None
        if target is not None:
            found.append((target, weight))
    return found


@dataclass
class _Staff:
    user_id: int | None
    label: str  # as the timeline names a member of staff (their login)
    name: str  # as a claimed step names them


def _staff() -> dict[str, _Staff]:
    users = demo_users(*REVIEWERS.values())
    out = {}
    for department, username in REVIEWERS.items():
        user = users.get(username)
        if user is not None:
            out[_full_name(department)] = _Staff(user.pk, user.username, user.display_name or user.username)
    return out


def _material_file() -> tuple[str, int, str]:
    """The stored demo PDF every uploaded material of the history points at (stored once): name, size, sha256."""
    from tongban.cases.demo import _pdf

    content = _pdf()
    if not default_storage.exists(MATERIAL_FILE):
        stored = default_storage.save(MATERIAL_FILE, ContentFile(content))
    else:
        stored = MATERIAL_FILE
    with default_storage.open(stored, "rb") as f:
        kept = f.read()
    return stored, len(kept), hashlib.sha256(kept).hexdigest()


# --- one case ------------------------------------------------------------------------------------------------
@dataclass
class _Planned:
    case: Case
    steps: list[CaseStep] = field(default_factory=list)
    materials: list[CaseMaterial] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    # (step index or None, rule, light, days overdue, at)
    lights: list[tuple[int | None, str, str, int, datetime]] = field(default_factory=list)
    concluded: bool = False


class _History:
    """Plans the history's cases, one after the other, from one seeded random generator."""

    def __init__(self, today: date, applicants: list[DemoApplicant], staff: dict[str, _Staff], upload):
        self.today = today
        self.last = previous_working_day(today)  # the latest day anything of the history happened on
        self.rng = random.Random(SEED)  # noqa: S311 (made-up demo data, the same every time)
        self.persons = [a for a in applicants if a.kind == "person"]
        self.enterprises = [a for a in applicants if a.kind == "enterprise"]
        self.by_user = {a.user_id: a for a in self.persons}
        self.staff = staff
        self.upload = upload  # (file name, size, sha256)
        self.tz = timezone.get_current_timezone()

    # times
    def at(self, day: date, start=(9, 0), end=(17, 30), after: datetime | None = None) -> datetime:
        lo = datetime.combine(day, time(*start), tzinfo=self.tz)
        hi = datetime.combine(day, time(*end), tzinfo=self.tz)
        if after is not None and after + timedelta(minutes=5) > lo:
            lo = after + timedelta(minutes=5)
            hi = max(hi, lo + timedelta(minutes=40))
        return lo + timedelta(seconds=self.rng.randrange(max(60, int((hi - lo).total_seconds()))))

    def submitted_on(self) -> date:
        while True:
            day = self.today - timedelta(days=self.rng.randint(1, HISTORY_DAYS))
            if is_working_day(day) or self.rng.random() < 0.25:  # online, some at weekends
                return day

    def staff_of(self, department_name: str) -> _Staff:
        return self.staff.get(department_name) or _Staff(None, "审批人员", "")

    # the applicant side
    def applicant(self, target: ApplicationTarget) -> DemoApplicant:
        organisation = "organisation" in target.audience
        if (
            organisation
            and ("person" not in target.audience or self.rng.random() < 0.5)
            and target.kind != "bundle"
        ):
            return self.rng.choice(self.enterprises)
        return self.rng.choice(self.persons)

    def address(self, target: ApplicationTarget) -> str:
        district, streets = (
            STREETS[0] if target.lead_department_name.startswith("黄浦区") else self.rng.choice(STREETS)
        )
        return f"{district}{self.rng.choice(streets)}{self.rng.randint(1, 800)}号"

    def form(self, target: ApplicationTarget, who: DemoApplicant, day: date) -> dict:
        person = who if who.kind == "person" else self.by_user.get(who.user_id, who)
        company = (
            who.name
            if who.kind == "enterprise"
            else f"上海{person.person_name[1:]}{self.rng.choice(NEW_COMPANIES)}有限公司"
        )
        known = {
            "applicant_name": person.person_name,
            "id_number": person.code,
            "contact_phone": who.phone,
            "company_name": company,
            "organisation_name": company,
            "legal_representative": who.person_name,
            "address": self.address(target),
            "premises_address": self.address(target),
            "building_address": self.address(target),
            "project_address": self.address(target),
            "project_name": f"{self.address(target)}加装电梯工程",
            "reason": self.rng.choice(("个人办理需要", "购房资格审核", "子女入学", "就业需要")),
            "child_name": person.person_name[0] + self.rng.choice(CHILD_NAMES),
            "business_scope": "餐饮服务；食品销售；咨询服务",
            "bank_account": "62170000" + "".join(str(self.rng.randint(0, 9)) for _ in range(11)),
            "institution_name": "上海市示范社区卫生服务中心",
            "school_name": "上海市示范第一小学",
            "destination": self.rng.choice(("江苏省苏州市", "浙江省杭州市", "安徽省合肥市")),
            "property_certificate_number": f"沪（{day.year - 3}）不动产权第{self.rng.randint(100000, 999999)}号",
            "grade": "三年级",
            "floors": 6,
            "household_size": self.rng.randint(1, 5),
            "employee_count": self.rng.randint(1, 30),
        }
        if who.kind == "enterprise":
            known["uscc"] = who.code
        out: dict = {}
        for key, spec in (target.form_schema.get("properties") or {}).items():
            if key in known:
                out[key] = known[key]
            elif "enum" in spec:
                out[key] = self.rng.choice(spec["enum"])
            elif spec.get("type") == "array" and "enum" in (spec.get("items") or {}):
                out[key] = [spec["items"]["enum"][0]]
            elif spec.get("format") == "date":
                out[key] = (day - timedelta(days=self.rng.randint(1, 60))).isoformat()
            elif spec.get("type") in ("number", "integer"):
                out[key] = self.rng.randint(1, 50) * (100 if "金额" in spec.get("title", "") else 1)
        return out

    # the case
    def case(self, key: str, target: ApplicationTarget) -> _Planned:
        rng = self.rng
        who = self.applicant(target)
        while True:  # the intake (the same or the next working days) has been done by today
            day = self.submitted_on()
            submitted_at = self.at(day, (7, 30), (22, 30))
            first = day if is_working_day(day) and submitted_at.hour < 15 else working_days_after(day, 1)
            intake = first if rng.random() < 0.6 else working_days_after(first, 1)
            if intake < self.today:
                break
        number = f"TB{day:%Y%m%d}" + "".join(rng.choice(CASE_NUMBER_ALPHABET) for _ in range(8))
        lead = self.staff_of(target.lead_department_name)
        delivery = rng.choices(
            (DeliveryMethod.ONLINE, DeliveryMethod.WINDOW, DeliveryMethod.COURIER), (70, 15, 15)
        )[0]
        case = Case(
            uuid=history_uuid(key),
            number=number,
            target_kind=target.kind,
            target_uuid=target.uuid,
            name=target.name,
            lead_department_uuid=target.lead_department_uuid,
            lead_department_name=target.lead_department_name,
            applicant_kind=who.kind,
            applicant_uuid=who.uuid,
            applicant_name=who.name,
            submitted_by=who.user_id,
            idempotency_key=key,
            form_data=self.form(target, who, day),
            status=CaseStatus.SUBMITTED,
            promised_days=target.promised_days,
            legal_days=target.legal_days,
            submitted_at=submitted_at,
            delivery_method=delivery,
            lookup_code=f"{rng.randrange(10**6):06d}",
        )
        plan = _Planned(case)
        plan.steps = plan_steps(target)
        committed = self.materials(plan, target, submitted_at)
        self.event(plan, submitted_at, "submit", who.label, target=target.name, committed=committed)

        fate = rng.random()
        if fate < 0.01 and day < self.last:  # withdrawn by the applicant before the intake
            case.status = CaseStatus.WITHDRAWN
            self.close_steps(plan)
            when = (
                self.at(day, after=submitted_at)
                if submitted_at.hour < 20
                else self.at(working_days_after(day, 1))
            )
            self.event(plan, when, "withdraw", who.label)
            return plan
        intake_at = self.at(intake, after=submitted_at if intake == day else None)
        if fate < 0.045:  # 不予受理
            case.status = CaseStatus.REFUSED
            case.refusal_reasons = rng.choice(REFUSAL_REASONS)
            self.close_steps(plan)
            self.event(plan, intake_at, "refuse", lead.label, opinion=case.refusal_reasons, lead=True)
            return plan
        accepted, accepted_at = intake, intake_at
        if fate < 0.165:  # 一次性告知补正, then the applicant supplies it
            items = rng.sample(SUPPLEMENT_ITEMS, rng.choice((1, 1, 2)))
            uploaded = [m for m in plan.materials if m.mode == MaterialMode.UPLOADED]
            case.supplement_requested_at = intake_at
            case.supplement_items = items
            self.event(
                plan,
                intake_at,
                "request_supplement",
                lead.label,
                opinion="；".join(items),
                items=items,
                lead=True,
            )
            supplied = working_days_after(intake, rng.randint(0, 3))
            if supplied >= self.today:
                case.status = CaseStatus.SUPPLEMENT
                case.supplement_materials = {m.key: items[0] for m in uploaded[:1]}
                return plan
            supplied_at = self.at(supplied, (8, 0), (22, 0), after=intake_at if supplied == intake else None)
            self.event(plan, supplied_at, "supplement", who.label, materials=[m.key for m in uploaded[:1]])
            for m in uploaded[:1]:
                m.uploaded_at = supplied_at
            accepted = working_days_after(supplied, 1)
            if supplied_at.hour < 16 or accepted >= self.today:  # accepted the day it was supplied
                accepted = supplied
            accepted_at = self.at(accepted, after=supplied_at if accepted == supplied else None)
        self.accept(plan, target, accepted, accepted_at, lead)
        return plan

    def materials(self, plan: _Planned, target: ApplicationTarget, at: datetime) -> list[str]:
        committed = []
        name, size, digest = self.upload
        for spec in target.materials:
            if not spec.required and self.rng.random() < 0.5:
                continue
            material = CaseMaterial(key=spec.key, name=spec.name, uploaded_at=at)
            if spec.obtained or spec.produced_by:
                material.mode = MaterialMode.OBTAINED
                material.source_note = (
                    f"由「{spec.produced_by_name}」环节办理生成，免提交"
                    if spec.produced_by
                    else spec.shared_data_source or ("电子证照库" if spec.source == "licence" else "平台生成")
                )
            elif spec.commitment_allowed and self.rng.random() < 0.15:
                material.mode = MaterialMode.COMMITTED
                material.source_note = "申请人承诺限期补交"
                material.commitment_due_on = working_days_after(timezone.localdate(at), COMMITMENT_DAYS)
                committed.append(spec.key)
            else:
                material.mode = MaterialMode.UPLOADED
                material.file, material.size, material.sha256 = name, size, digest
                material.content_type = "application/pdf"
            plan.materials.append(material)
        return committed

    def event(
        self,
        plan: _Planned,
        at: datetime,
        action: str,
        actor: str,
        *,
        step=None,
        opinion="",
        lead=False,
        **detail,
    ):
        department = (
            step.department_name if step is not None else (plan.case.lead_department_name if lead else "")
        )
        plan.events.append(
            CaseEvent(
                at=at,
                action=action,
                step_key=step.key if step is not None else "",
                department_name=department,
                actor_label=actor,
                opinion=opinion,
                detail=detail,
            )
        )

    def close_steps(self, plan: _Planned) -> None:
        for step in plan.steps:
            step.status = StepStatus.CLOSED

    def accept(self, plan: _Planned, target: ApplicationTarget, on: date, at: datetime, lead: _Staff) -> None:
        rng, case = self.rng, plan.case
        promised = case.promised_days
        case.status = CaseStatus.IN_PROCESS
        case.accepted_on = on
        case.acceptance_voucher = "SL" + case.number[2:]
        case.due_on = on if promised == 0 else due_after(on, promised)
        case.yellow_on = yellow_from(on, case.due_on, promised)
        case.due_on_provisional = due_is_provisional(on, case.due_on)
        self.event(
            plan,
            at,
            "accept",
            lead.label,
            lead=True,
            voucher=case.acceptance_voucher,
            due_on=str(case.due_on),
        )
        late = rng.random() < 0.07
        if late:
            actual = promised + rng.randint(1, max(2, promised // 3 + 1))
        elif promised <= 1:
            actual = rng.choice((0, 1, 1)) if promised else 0
        else:
            actual = min(promised, max(1, round(promised * (0.15 + 0.85 * rng.random() ** 1.8))))
        end = working_days_after(on, actual)
        item = target.kind == "item"
        if end >= self.today:
            green = light_on(self.today, due=case.due_on, yellow=case.yellow_on) == Light.GREEN
            if item and promised >= 5 and green:
                self.still_open(plan, on, at, rng.random() < 0.15)
                return
            end = self.last  # as far as it got: concluded on the last working day
        self.conclude(plan, target, on, at, end)

    def still_open(self, plan: _Planned, on: date, at: datetime, returned: bool) -> None:
        """In process with a green light, or returned to the applicant (no clock runs then)."""
        case, step = plan.case, plan.steps[0]
        reviewer = self.staff_of(step.department_name)
        step.status, step.started_on = StepStatus.READY, on
        step.due_on = due_after(on, step.budget_days)
        step.yellow_on = yellow_from(on, step.due_on, step.budget_days)
        step.due_on_provisional = due_is_provisional(on, step.due_on)
        if reviewer.user_id is not None and (returned or self.rng.random() < 0.6):
            claimed_at = self.at(on, after=at)
            step.status, step.claimed_by, step.claimed_by_name = (
                StepStatus.CLAIMED,
                reviewer.user_id,
                reviewer.name,
            )
            self.event(plan, claimed_at, "claim", reviewer.label, step=step)
            back = working_days_after(on, 1)
            if returned and back < self.today:
                opinion = self.rng.choice(RETURN_OPINIONS)
                step.status, step.decided_at, step.opinion = StepStatus.RETURNED, self.at(back), opinion
                case.status = CaseStatus.RETURNED
                self.event(plan, step.decided_at, "step_return", reviewer.label, step=step, opinion=opinion)

    def conclude(self, plan: _Planned, target: ApplicationTarget, on: date, at: datetime, end: date) -> None:
        """Every step passed in the plan's order between ``on`` and ``end``; concluded on ``end``."""
        rng, case = self.rng, plan.case
        actual = working_days_between(on, end)
        levels: dict[str, int] = {}
        for step in plan.steps:  # the plan lists a step after those it depends on
            levels[step.key] = 1 + max((levels[d] for d in step.depends_on), default=-1)
        depth = max(levels.values()) + 1
        passed_on: dict[str, date] = {}
        passed_at: dict[str, datetime] = {}
        last_at = at
        refuse = target.kind == "item" and rng.random() < 0.02
        for step in sorted(plan.steps, key=lambda s: (levels[s.key], s.order)):
            level = levels[step.key]
            start = max((passed_on[d] for d in step.depends_on), default=on)
            start_at = max((passed_at[d] for d in step.depends_on), default=at)
            decided = working_days_after(on, math.ceil(actual * (level + 1) / depth)) if actual else on
            decided = max(decided, start)
            reviewer = self.staff_of(step.department_name)
            step.started_on = start
            step.due_on = due_after(start, step.budget_days)
            step.yellow_on = yellow_from(start, step.due_on, step.budget_days)
            step.due_on_provisional = due_is_provisional(start, step.due_on)
            step.claimed_by, step.claimed_by_name = reviewer.user_id, reviewer.name
            claimed_at = self.at(start, after=start_at)
            self.event(plan, claimed_at, "claim", reviewer.label, step=step)
            if (
                target.kind == "item" and actual >= 3 and rng.random() < 0.04
            ):  # returned once, supplied, passed
                back = working_days_after(start, 1)
                back_at = self.at(back, after=claimed_at)
                opinion = rng.choice(RETURN_OPINIONS)
                self.event(plan, back_at, "step_return", reviewer.label, step=step, opinion=opinion)
                who = next(e.actor_label for e in plan.events if e.action == "submit")
                supplied_at = self.at(working_days_after(back, 1), (8, 0), (12, 0))
                self.event(plan, supplied_at, "supplement", who, materials=[])
                claimed_at = self.at(supplied_at.date(), after=supplied_at)
                self.event(plan, claimed_at, "claim", reviewer.label, step=step)
            decided_at = self.at(decided, after=claimed_at if decided <= claimed_at.date() else None)
            step.decided_at = decided_at
            if refuse:
                step.status, step.opinion = StepStatus.RETURNED, rng.choice(NOT_APPROVED_OPINIONS)
                self.event(plan, decided_at, "step_refuse", reviewer.label, step=step, opinion=step.opinion)
            else:
                step.status, step.opinion = StepStatus.PASSED, rng.choice(PASS_OPINIONS)
                self.event(plan, decided_at, "step_pass", reviewer.label, step=step, opinion=step.opinion)
            passed_on[step.key], passed_at[step.key] = timezone.localdate(decided_at), decided_at
            last_at = max(last_at, decided_at)
        end = max(passed_on.values())
        lead = self.staff_of(case.lead_department_name)
        case.status = CaseStatus.CONCLUDED
        case.outcome = Outcome.NOT_APPROVED if refuse else Outcome.APPROVED
        case.decision = plan.steps[0].opinion if refuse else "准予许可"
        concluded_at = case.concluded_at = last_at + timedelta(seconds=rng.randint(1, 20))
        end = timezone.localdate(concluded_at)
        case.actual_days = max(working_days_between(on, end), 0)
        decider = plan.events[-1].actor_label
        self.commitments_kept(plan, end, concluded_at)
        self.event(
            plan,
            concluded_at,
            "conclude",
            decider,
            lead=True,
            outcome=case.outcome,
            actual_days=case.actual_days,
        )
        plan.concluded = True
        self.lights(plan, at, concluded_at)
        delivered = working_days_after(end, rng.choice((0, 1, 1, 2)))
        if delivered < self.today and end < self.last:
            case.status = CaseStatus.DELIVERED
            case.delivered_at = self.at(delivered, after=concluded_at if delivered == end else None)
            if case.delivery_method == DeliveryMethod.COURIER:
                case.tracking_number = "SF" + "".join(str(rng.randint(0, 9)) for _ in range(12))
            self.event(
                plan,
                case.delivered_at,
                "deliver",
                lead.label,
                lead=True,
                method=case.delivery_method,
                tracking_number=case.tracking_number,
            )

    def commitments_kept(self, plan: _Planned, end: date, concluded_at: datetime) -> None:
        """The materials accepted on commitment (容缺) brought before the case concluded: uploads now. Those of
        a case concluded sooner (a 1-day item) stay committed."""
        kept = [m for m in plan.materials if m.mode == MaterialMode.COMMITTED]
        if not kept:
            return
        submitted_at = plan.case.submitted_at
        submitted = timezone.localdate(submitted_at)
        day = working_days_after(submitted, self.rng.randint(1, 5))
        if day > end:
            return
        at = self.at(day, (8, 0), (21, 0), after=submitted_at if day == submitted else None)
        if at >= concluded_at:  # brought on the day it concluded, before the decision
            at = max(concluded_at - timedelta(minutes=30), submitted_at + timedelta(minutes=10))
        name, size, digest = self.upload
        for material in kept:
            material.mode, material.source_note, material.uploaded_at = MaterialMode.UPLOADED, "", at
            material.file, material.size, material.sha256 = name, size, digest
            material.content_type = "application/pdf"
        who = plan.events[0].actor_label
        self.event(plan, at, "commitment_kept", who, materials=[m.key for m in kept])

    def lights(self, plan: _Planned, accepted_at: datetime, concluded_at: datetime) -> None:
        """The yellow and red lights the supervision task turned while the case was open (case level and, for
        a one-step item, its step), at the task's first run of the day it turned (or just after acceptance)."""
        case = plan.case
        end = timezone.localdate(concluded_at)
        if case.yellow_on is not None and case.yellow_on <= end:
            at = max(self.at(case.yellow_on, (0, 5), (0, 40)), accepted_at + timedelta(minutes=7))
            if at < concluded_at:
                case.light = Light.YELLOW
                plan.lights.append((None, "case_due_soon", Light.YELLOW, 0, at))
                if len(plan.steps) == 1:
                    plan.steps[0].light = Light.YELLOW
                    plan.lights.append((0, "step_due_soon", Light.YELLOW, 0, at))
        if case.due_on is not None and end > case.due_on:
            red_day = case.due_on + timedelta(days=1)
            at = self.at(red_day, (0, 5), (0, 40))
            case.light = Light.RED
            overdue = days_overdue(case.due_on, red_day)
            plan.lights.append((None, "case_overdue", Light.RED, overdue, at))
            if len(plan.steps) == 1:
                plan.steps[0].light = Light.RED
                plan.lights.append((0, "step_overdue", Light.RED, overdue, at))


# --- loading -------------------------------------------------------------------------------------------------
def _insert(plans: list[_Planned]) -> None:
    """The planned rows in a few bulk inserts; the timestamps Django sets on insert (auto_now_add) are then
    put back to the history's."""
    Case.objects.bulk_create([p.case for p in plans], batch_size=500)
    steps, materials, events = [], [], []
    for p in plans:
        for s in p.steps:
            s.case = p.case
        for m in p.materials:
            m.case = p.case
        for e in p.events:
            e.case = p.case
        steps += p.steps
        materials += p.materials
        events += p.events
    CaseStep.objects.bulk_create(steps, batch_size=500)
    uploaded = [m.uploaded_at for m in materials]
    CaseMaterial.objects.bulk_create(materials, batch_size=500)
    _put_back(CaseMaterial, "uploaded_at", [(at, m.pk) for at, m in zip(uploaded, materials, strict=True)])
    times = [e.at for e in events]
    CaseEvent.objects.bulk_create(events, batch_size=500)
    _put_back(CaseEvent, "at", [(at, e.pk) for at, e in zip(times, events, strict=True)])
    lights, when = [], []
    for p in plans:
        for step_index, rule, light, overdue, at in p.lights:
            step = p.steps[step_index] if step_index is not None else None
            lights.append(
                SupervisionEvent(
                    case=p.case,
                    step=step,
                    rule=rule,
                    light=light,
                    department_uuid=step.department_uuid if step else p.case.lead_department_uuid,
                    department_name=step.department_name if step else p.case.lead_department_name,
                    days_overdue=overdue,
                )
            )
            when.append(at)
    SupervisionEvent.objects.bulk_create(lights, batch_size=500)
    _put_back(SupervisionEvent, "created_at", [(at, e.pk) for at, e in zip(when, lights, strict=True)])
    record_conclusions(
        (p.case.target_kind, str(p.case.target_uuid), p.case.promised_days, p.case.actual_days or 0)
        for p in plans
        if p.concluded
    )


def _put_back(model, column: str, rows: list[tuple[datetime, int]]) -> None:
    """Set a timestamp column Django filled on insert (auto_now_add) to the history's times: one statement
    run for every row (bulk_update's CASE expressions take seconds for a few thousand rows)."""
    ops = connection.ops
    sql = f"UPDATE {ops.quote_name(model._meta.db_table)} SET {ops.quote_name(column)} = %s WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(ops.adapt_datetimefield_value(at), pk) for at, pk in rows])


def _keep_open_green(today: date) -> int:
    """The history's cases in process, on a later day: their clocks set again so that they are green today
    (the board of today shows the demo's own cases only); how many were set."""
    uuids = [history_uuid(k) for k in history_keys()]
    changed = 0
    for case in Case.objects.filter(uuid__in=uuids, status=CaseStatus.IN_PROCESS):
        steps = list(CaseStep.objects.filter(case=case, status__in=OPEN_STEP_STATUSES))
        rows = [(case.due_on, case.yellow_on)] + [(s.due_on, s.yellow_on) for s in steps]
        if all(light_on(today, due=d, yellow=y) == Light.GREEN for d, y in rows):
            continue
        start = previous_working_day(today)
        for step in steps:
            step.started_on = start
            step.due_on = due_after(start, step.budget_days)
            step.yellow_on = yellow_from(start, step.due_on, step.budget_days)
            step.due_on_provisional = due_is_provisional(start, step.due_on)
            step.light = Light.GREEN
            step.save(update_fields=["started_on", "due_on", "yellow_on", "due_on_provisional", "light"])
        case.accepted_on = start
        case.due_on = due_after(start, case.promised_days)
        case.yellow_on = yellow_from(start, case.due_on, case.promised_days)
        case.due_on_provisional = due_is_provisional(start, case.due_on)
        case.light = Light.GREEN
        case.save(update_fields=["accepted_on", "due_on", "yellow_on", "due_on_provisional", "light"])
        changed += 1
    return changed


@transaction.atomic
def demo_load_case_history() -> int:
    """Make the demo history's cases when they are not there (all of them, or none); returns how many were
    made. Needs the identity and catalog demos loaded first."""
    today = timezone.localdate()
    keys = history_keys()
    if Case.objects.filter(uuid__in=[history_uuid(k) for k in keys]).exists():
        _keep_open_green(today)
        return 0
    targets = _targets()
    applicants = demo_history_applicants()
    if not targets or not applicants:
        return 0
    history = _History(today, applicants, _staff(), _material_file())
    weights = [w for _t, w in targets]
    plans = [history.case(key, history.rng.choices(targets, weights)[0][0]) for key in keys]
    _insert(plans)
    return len(plans)


# --- what the ratings demo reads -----------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryCase:
    """A case of the demo history as the ratings demo evaluates it."""

    uuid: str
    number: str
    name: str
    status: str
    target_kind: str
    department_uuid: str
    department_name: str
    submitted_by: int
    applicant_kind: str
    concluded_at: datetime | None
    late: bool


def demo_history_cases() -> list[HistoryCase]:
    """The demo history's cases, oldest first."""
    uuids = [history_uuid(k) for k in history_keys()]
    rows = Case.objects.filter(uuid__in=uuids).order_by("submitted_at", "id")
    return [
        HistoryCase(
            str(c.uuid),
            c.number,
            c.name,
            c.status,
            c.target_kind,
            str(c.lead_department_uuid),
            c.lead_department_name,
            c.submitted_by,
            c.applicant_kind,
            c.concluded_at,
            c.actual_days is not None and c.actual_days > c.promised_days,
        )
        for c in rows.only(
            "uuid",
            "number",
            "name",
            "status",
            "target_kind",
            "lead_department_uuid",
            "lead_department_name",
            "submitted_by",
            "applicant_kind",
            "concluded_at",
            "actual_days",
            "promised_days",
        )
    ]
