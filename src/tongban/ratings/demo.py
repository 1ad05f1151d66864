"""The demo's 好差评 history (issue 19): evaluations of about 70 % of the demo history's concluded cases (cases'
demo_history) — mostly 非常满意 and 满意, about 3 % 差评 with what went wrong in the evaluator's words (排队时间长,
材料反复补正, 态度不好, 系统卡顿, 电子证照调取失败 …) — 一次一评 of the demo centres' windows, and a few 12345
complaints; so that the supervisors' 好评率, 差评整改率 and 回访率 have months of figures and the blind-spot report
has texts to read.

Each evaluation is written once with its final time (evaluations are append-only), on or after its case's
conclusion. Every 差评 opens its ticket through the loop's own :func:`tickets.tickets_open_for_evaluations` (as
:func:`~tickets.ticket_open_for_evaluation` does one by one, without telling the evaluator), which counts the
limits from the day of the evaluation; the ticket then goes round the loop as a handler would have
taken it — contacted, verified, answered (a few after their limit), revisited and closed — with its events
dated. One 差评 of the 黄浦区 housing office was appealed as mistaken, and the appeal upheld: the evaluation is
kept, marked and left out of every figure, its ticket closed as 申诉成立. Each ended case has its invitation (so
the catch-up sends none for them). Nothing goes to the national 好差评 system (no upload records): the history is
the demo's own.

The uuids derive from the cases' and from fixed keys, so loading the demo again adds nothing."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.accounts.facade import (
    DemoApplicant,
    demo_history_applicants,
    demo_users,
    organisation_find,
)
from tongban.cases.facade import HistoryCase, demo_history_cases
from tongban.core.workdays import (
    is_working_day,
    previous_working_day,
    working_days_after,
    working_days_between,
)
from tongban.frontdesk.facade import demo_window_facts
from tongban.ratings.constants import (
    TEMPLATE_LEVEL_ONLY,
    TEMPLATE_VERSION,
    AppealReason,
    AppealStatus,
    Channel,
    EvaluationKind,
    Level,
    MarkKind,
    RevisitLevel,
    TicketKind,
    TicketStatus,
    UnitKind,
)
from tongban.ratings.models import (
    Appeal,
    Evaluation,
    EvaluationMark,
    RatingInvitation,
    Ticket,
    TicketEvent,
)
from tongban.ratings.tickets import _limits_for, limits, ticket_number, tickets_open_for_evaluations

SEED = 20
NAMESPACE = uuid.UUID("2b7d4e1a-8c3f-4f60-b5d2-9e4a1c7f3b08")
RATED_SHARE = 0.70
WINDOW_SERVICES = 160
HISTORY_DAYS = 90

# What went wrong, in the evaluator's words, and the online indicators it names (a 差评 given online says what
# fell short).
BAD_TEXTS = (
    ("窗口让我多跑了一次，材料要求没有一次说清", ("online.guide_accuracy",)),
    ("排队时间长，等了一个多小时才叫到号", ("online.efficiency",)),
    ("材料反复补正，每次说的要求都不一样", ("online.guide_accuracy", "online.efficiency")),
    ("工作人员态度不好，问两句就不耐烦", ("online.convenience",)),
    ("网上申报系统卡顿，提交了三次才成功", ("online.usability",)),
    ("电子证照调取失败，只好回家拿原件再跑一趟", ("online.convenience", "online.usability")),
    ("办理时间比承诺的长，也没有人告知进度", ("online.efficiency",)),
    ("办事指南写得不清楚，看不懂到底要交哪些材料", ("online.guide_accuracy",)),
)
MIDDLE_TEXTS = (
    "总体还行，就是等待时间有点长",
    "网上填报有些地方不够清楚，打电话问了才知道",
    "办好了，但是进度查询更新不及时",
)
GOOD_TEXTS = (
    "办事效率高，全程网办很方便",
    "不用跑腿，证照自动调取，点赞",
    "工作人员很耐心，一次就办好了",
    "比承诺时间提前办结，谢谢",
    "材料比以前少了很多，省心",
    "指南写得清楚，按步骤填就行",
)
WINDOW_GOOD_TEXTS = ("窗口服务热情周到", "一次办结，不用再跑", "叫号很快，办理顺利")
WINDOW_BAD = (
    ("1号综合窗口", "排队时间长，等了一个多小时才叫到号"),
    ("2号综合窗口", "工作人员态度不好，解释不耐心"),
)
CONTACT_TEXTS = ("已电话联系评价人，了解具体情况。", "已与评价人取得联系，核实办理经过。")
TRIAGE = (
    (TicketStatus.FIXED_AT_ONCE, "情况属实，已当场向评价人说明并改进告知方式。"),
    (TicketStatus.EXPLAINED, "经核实，办理符合规定，已向评价人解释说明相关政策。"),
    (TicketStatus.LEDGER, "情况属实，已建立整改台账，完善一次性告知清单和办事指南。"),
)
ANSWERS = (
    "您反映的问题已核实并整改：一次性告知清单已更新，窗口人员已开展培训。感谢您的监督。",
    "经核实，您反映的情况属实，我们已优化流程并向您致歉，欢迎继续监督。",
    "已向您说明相关政策和办理要求，后续将提前告知所需材料。",
)
# 12345 complaints: (unit kind, unit name without the region's, topic, content, days back received)
COMPLAINTS = (
    (
        "department",
        "人力资源和社会保障局",
        "网上办事",
        "来电人反映：网上申请社会保障卡时上传照片多次提示格式错误，客服电话一直占线，希望尽快解决。",
        80,
    ),
    (
        "service_centre",
        "黄浦区行政服务中心",
        "窗口服务",
        "来电人反映：黄浦区行政服务中心周六上午取号后等候超过一个半小时，现场只开了两个窗口。",
        66,
    ),
    (
        "department",
        "规划和自然资源局",
        "材料",
        "来电人反映：办理二手房转移登记时，被要求再次提交已在网上上传过的购房合同。",
        52,
    ),
    (
        "department",
        "黄浦区住房保障和房屋管理局",
        "办理时限",
        "来电人反映：加装电梯方案备案已提交二十多天，网上状态一直显示办理中，无人告知进度。",
        41,
    ),
    (
        "department",
        "徐汇区住房保障和房屋管理局",
        "办事指南",
        "来电人反映：想咨询加装电梯的办理流程，区房管局公布的电话无人接听，办事指南与实际要求不一致。",
        33,
    ),
    (
        "department",
        "市场监督管理局",
        "证照",
        "来电人反映：开办企业时电子营业执照无法调取，只能到窗口打印纸质材料。",
        24,
    ),
    (
        "department",
        "医疗保障局",
        "网上办事",
        "来电人反映：异地就医备案页面在手机上显示不全，无法点击提交。",
        12,
    ),
    ("department", "民政局", "材料", "来电人反映：窗口工作人员对残疾人两项补贴的材料要求前后说法不一致。", 1),
)
# The demo's handlers of a unit's tickets (accounts.demo), by the unit's name without the region's.
HANDLERS = {
    "黄浦区住房保障和房屋管理局": "handler",
    "黄浦区行政服务中心": "handler_centre",
    "市场监督管理局": "handler_market",
}


def _full_name(name: str) -> str:
    return name if name.startswith(("黄浦区", "徐汇区")) else settings.TONGBAN_REGION_NAME + name


@dataclass
class _Actor:
    user_id: int | None
    label: str


class _Ratings:
    def __init__(self, today: date, now: datetime, applicants: list[DemoApplicant]):
        self.today, self.now = today, now
        self.last = previous_working_day(today)
        self.rng = random.Random(SEED)  # noqa: S311 (made-up demo data, the same every time)
        self.tz = timezone.get_current_timezone()
        self.people = {a.user_id: a for a in applicants if a.kind == "person"}
        users = demo_users(*HANDLERS.values(), "supervisor_city", "hotline")
        self.handlers = {
            _full_name(unit): _Actor(users[u].pk, u) for unit, u in HANDLERS.items() if u in users
        }
        self.supervisor = (
            _Actor(users["supervisor_city"].pk, "supervisor_city") if "supervisor_city" in users else None
        )
        self.hotline = _Actor(users["hotline"].pk, "hotline") if "hotline" in users else _Actor(None, "12345")

    def at(self, day: date, start=(9, 0), end=(17, 30), after: datetime | None = None) -> datetime:
        lo = datetime.combine(day, time(*start), tzinfo=self.tz)
        hi = datetime.combine(day, time(*end), tzinfo=self.tz)
        if after is not None and after + timedelta(minutes=5) > lo:
            lo = after + timedelta(minutes=5)
            hi = max(hi, lo + timedelta(minutes=40))
        return lo + timedelta(seconds=self.rng.randrange(max(60, int((hi - lo).total_seconds()))))

    def handler_of(self, ticket: Ticket) -> _Actor:
        return self.handlers.get(ticket.unit_name) or _Actor(None, "承办单位")

    # --- evaluations of the history's cases ----------------------------------------------------------------
    def case_evaluations(
        self, cases: list[HistoryCase]
    ) -> tuple[list[Evaluation], set[int], Evaluation | None]:
        """The evaluations (rounds 1 and a few 2), the indexes of the 差评 among them, and the 差评 to appeal."""
        rng = self.rng
        out: list[Evaluation] = []
        bad: set[int] = set()
        appeal: Evaluation | None = None
        huangpu_bad = 0
        rated = 0
        for case in cases:
            if case.concluded_at is None or case.status not in ("concluded", "delivered"):
                continue
            if rng.random() >= RATED_SHARE:
                continue
            at = case.concluded_at + timedelta(minutes=rng.randint(8, 60 * 60))
            if at > self.now - timedelta(minutes=5):
                continue  # not rated yet
            who = self.people.get(case.submitted_by)
            old = timezone.localdate(at) <= working_days_after(self.today - timedelta(days=HISTORY_DAYS), 50)
            huangpu = case.department_name.startswith("黄浦区")
            rated += 1
            if huangpu and old and huangpu_bad < 2:  # the district's own 差评: one to appeal, one to fix
                level = Level.DISSATISFIED
                huangpu_bad += 1
            elif rated % 40 == 17 or (case.late and rng.random() < 0.15):
                level = rng.choice((Level.DISSATISFIED, Level.DISSATISFIED, Level.VERY_DISSATISFIED))
            else:
                level = rng.choices(
                    (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY_SATISFIED), (68, 24, 8)
                )[0]
            channel = rng.choices((Channel.PC, Channel.MOBILE, Channel.SMS), (45, 40, 15))[0]
            online = channel in (Channel.PC, Channel.MOBILE)
            indicators: list[str] = []
            if level <= Level.DISSATISFIED:
                text, on = BAD_TEXTS[len(bad) % len(BAD_TEXTS)]
                indicators = list(on) if online else []  # an SMS reply names none
            elif level == Level.BASICALLY_SATISFIED:
                text = rng.choice(MIDDLE_TEXTS) if rng.random() < 0.6 else ""
            else:
                text = rng.choice(GOOD_TEXTS) if rng.random() < 0.3 else ""
            evaluation = Evaluation(
                uuid=uuid.uuid5(NAMESPACE, f"{case.uuid}/1"),
                kind=EvaluationKind.CASE,
                subject_uuid=case.uuid,
                subject_label=case.number,
                channel=channel,
                evaluator_user_id=case.submitted_by,
                evaluator_label=who.label if who else "",
                round=1,
                level=level,
                template_version=TEMPLATE_VERSION,
                indicators=indicators,
                text=text,
                anonymous=rng.random() < 0.08,
                unit_kind=UnitKind.DEPARTMENT,
                unit_uuid=case.department_uuid,
                unit_name=case.department_name,
                created_at=at,
            )
            if level <= Level.DISSATISFIED:
                bad.add(len(out))
                if huangpu and appeal is None:
                    appeal = evaluation
            out.append(evaluation)
            if level >= Level.BASICALLY_SATISFIED and rng.random() < 0.04:  # 追评, within 30 days
                later = at + timedelta(days=rng.randint(1, 10), minutes=rng.randint(0, 600))
                if later < self.now - timedelta(minutes=5):
                    out.append(
                        Evaluation(
                            uuid=uuid.uuid5(NAMESPACE, f"{case.uuid}/2"),
                            kind=EvaluationKind.CASE,
                            subject_uuid=case.uuid,
                            subject_label=case.number,
                            channel=channel,
                            evaluator_user_id=case.submitted_by,
                            evaluator_label=who.label if who else "",
                            round=2,
                            level=min(Level.VERY_SATISFIED, level + 1),
                            template_version=TEMPLATE_VERSION,
                            indicators=[],
                            text="结果已经收到，证照信息准确，追加好评",
                            anonymous=evaluation.anonymous,
                            unit_kind=UnitKind.DEPARTMENT,
                            unit_uuid=case.department_uuid,
                            unit_name=case.department_name,
                            created_at=later,
                        )
                    )
        return out, bad, appeal

    # --- 一次一评 at the demo windows -----------------------------------------------------------------------------
    def window_evaluations(self, windows: list[dict]) -> tuple[list[Evaluation], set[int]]:
        rng = self.rng
        out: list[Evaluation] = []
        bad: set[int] = set()
        if not windows:
            return out, bad
        people = list(self.people.values())
        start = self.today - timedelta(days=HISTORY_DAYS)
        pending = dict(WINDOW_BAD)  # one 差评 at each of these windows of the 黄浦 centre
        for i in range(WINDOW_SERVICES):
            window = windows[i % len(windows)]
            day = start + timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
            while not is_working_day(day):
                day = working_days_after(day, 1)
            if day >= self.today:
                day = self.last
            level = rng.choices(
                (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY_SATISFIED), (74, 20, 6)
            )[0]
            text = (
                rng.choice(WINDOW_GOOD_TEXTS) if level == Level.VERY_SATISFIED and rng.random() < 0.15 else ""
            )
            who = rng.choice(people) if rng.random() < 0.35 else None
            if i >= 10 and window["centre_name"].startswith("黄浦区") and window["window_name"] in pending:
                level, text, who = Level.DISSATISFIED, pending.pop(window["window_name"]), rng.choice(people)
            evaluation = Evaluation(
                uuid=uuid.uuid5(NAMESPACE, f"service/{i}"),
                kind=EvaluationKind.SERVICE,
                subject_uuid=uuid.uuid5(NAMESPACE, f"service/{i}/subject"),
                subject_label=window["window_name"],
                channel=rng.choices((Channel.HALL_TABLET, Channel.QR), (80, 20))[0],
                evaluator_user_id=who.user_id if who else None,
                evaluator_label=who.masked if who else "",
                round=1,
                level=level,
                template_version=TEMPLATE_LEVEL_ONLY,
                indicators=[],
                text=text,
                anonymous=False,
                unit_kind=UnitKind.WINDOW,
                unit_uuid=window["window_uuid"],
                unit_name=window["window_name"],
                centre_name=window["centre_name"],
                created_at=self.at(day, (9, 0), (16, 30)),
            )
            if level <= Level.DISSATISFIED:
                bad.add(len(out))
            out.append(evaluation)
        return out, bad

    # --- the loop of a ticket --------------------------------------------------------------------------------
    def event(
        self, events: list, ticket: Ticket, kind: str, actor: _Actor, at: datetime, text="", key="", **data
    ):
        events.append(
            TicketEvent(
                ticket=ticket,
                kind=kind,
                text=text,
                data=data,
                actor_user_id=actor.user_id,
                actor_label=actor.label,
                key=key,
                created_at=at,
            )
        )

    def loop(self, ticket: Ticket, received_at: datetime, events: list, *, late: bool) -> None:
        """Take ``ticket`` round the loop as far as the days since its receipt allow (contacted, verified,
        answered — after its limit when ``late`` — revisited, closed), its events dated."""
        rng = self.rng
        handler = self.handler_of(ticket)
        received = ticket.received_on
        contact_day = ticket.contact_due or received
        if is_working_day(received) and received_at.hour < 15 and rng.random() < 0.7:
            contact_day = received
        if contact_day >= self.today:
            return
        ticket.status = TicketStatus.VERIFYING
        ticket.contacted_at = self.at(contact_day, after=received_at if contact_day == received else None)
        self.event(events, ticket, "contacted", handler, ticket.contacted_at, rng.choice(CONTACT_TEXTS))
        triage_day = working_days_after(contact_day, rng.choice((0, 1)))
        if triage_day >= self.today:
            return
        outcome, triage_text = rng.choices(TRIAGE, (50, 35, 15))[0]
        ticket.status, ticket.triage_text = outcome, triage_text
        ticket.triaged_at = self.at(triage_day, after=ticket.contacted_at)
        if outcome == TicketStatus.LEDGER:
            ticket.ledger_due = working_days_after(received, rng.randint(7, limits()["complex"]))
            ticket.answer_due = ticket.ledger_due
        self.event(
            events,
            ticket,
            outcome,
            handler,
            ticket.triaged_at,
            triage_text,
            ledger_due=ticket.ledger_due.isoformat() if ticket.ledger_due else None,
        )
        due = ticket.answer_due or working_days_after(received, limits()["simple"])
        if late:
            answer_day = working_days_after(due, rng.randint(1, 3))
        else:
            answer_day = working_days_after(
                triage_day, rng.randint(0, max(0, working_days_between(triage_day, due)))
            )
        if answer_day >= self.today:
            if due >= self.today:
                return  # its limit still runs: not answered yet
            answer_day = self.last  # answered late, on the last working day
        ticket.answered_at = self.at(
            answer_day, after=ticket.triaged_at if answer_day == triage_day else None
        )
        ticket.answer_text = rng.choice(ANSWERS)
        ticket.status = TicketStatus.ANSWERED
        on_time = ticket.answer_due is None or answer_day <= ticket.answer_due
        self.event(
            events, ticket, "answered", handler, ticket.answered_at, ticket.answer_text, on_time=on_time
        )
        if not ticket.real_name:  # nobody to revisit
            ticket.status, ticket.closed_at = TicketStatus.CLOSED, ticket.answered_at
            return
        ticket.revisit_due = working_days_after(answer_day, limits()["revisit"])
        revisit_day = working_days_after(
            answer_day, rng.randint(1, 6) if rng.random() < 0.15 else rng.randint(1, 3)
        )
        if revisit_day >= self.today:
            return
        ticket.revisited_at = self.at(revisit_day, (9, 30), (18, 0))
        ticket.revisit_level = rng.choices(
            (RevisitLevel.SATISFIED, RevisitLevel.BASICALLY_SATISFIED), (75, 25)
        )[0]
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, ticket.revisited_at
        self.event(
            events,
            ticket,
            "revisited",
            self.hotline,
            ticket.revisited_at,
            level=ticket.revisit_level,
            channel="phone",
        )
        self.event(events, ticket, "closed", _Actor(None, "system"), ticket.revisited_at)

    def appeal(self, ticket: Ticket, received_at: datetime, events: list) -> Appeal | None:
        """The unit appealed the 差评 as mistaken the day after it came in; a city supervisor upheld it."""
        handler = self.handlers.get(ticket.unit_name)
        if handler is None or handler.user_id is None or self.supervisor is None:
            return None
        contacted = self.at(
            ticket.received_on
            if is_working_day(ticket.received_on)
            else working_days_after(ticket.received_on, 1),
            after=received_at,
        )
        filed_day = working_days_after(ticket.received_on, 1)
        decided_day = working_days_after(filed_day, 2)
        if decided_day >= self.today:
            return None
        filed_at = self.at(filed_day, (10, 0), (12, 0), after=contacted)
        decided_at = self.at(decided_day, (14, 0), (17, 0))
        text = (
            "评价人来电说明：误将在其他部门办理的经历评到了本办件上，本办件当日即受理并按时办结，附通话记录。"
        )
        decision = (
            "经核实通话记录和办件时间线，评价内容与本办件不符，属误评，申诉成立；该评价保留但不计入统计。"
        )
        ticket.status, ticket.contacted_at = TicketStatus.CLOSED_EXCLUDED, contacted
        ticket.closed_at = decided_at
        self.event(events, ticket, "contacted", handler, contacted, "已联系评价人，评价人表示评错了办件。")
        self.event(
            events, ticket, "appeal_filed", handler, filed_at, text, reason=AppealReason.MISTAKEN, files=0
        )
        paused = working_days_between(filed_day, decided_day)
        self.event(
            events,
            ticket,
            "appeal_decided",
            self.supervisor,
            decided_at,
            decision,
            upheld=True,
            paused_days=paused,
        )
        return Appeal(
            ticket=ticket,
            reason=AppealReason.MISTAKEN,
            text=text,
            status=AppealStatus.UPHELD,
            filed_by=handler.user_id,
            filed_label=handler.label,
            filed_at=filed_at,
            decision_text=decision,
            decided_by=self.supervisor.user_id,
            decided_label=self.supervisor.label,
            decided_at=decided_at,
        )

    def complaints(self, events: list) -> list[Ticket]:
        """A few 12345 complaints, taken round the same loop."""
        people = list(self.people.values())
        out = []
        for n, (kind, name, topic, content, back) in enumerate(COMPLAINTS):
            unit = organisation_find(kind=kind, name=_full_name(name))
            if unit is None:
                continue
            received = self.today - timedelta(days=back)
            if received >= self.today:
                continue
            received_at = self.at(received, (8, 30), (20, 0))
            caller = people[(n * 7 + 3) % len(people)]
            contact, answer = _limits_for(TicketKind.COMPLAINT, False, received)
            ticket = Ticket(
                uuid=uuid.uuid5(NAMESPACE, f"hotline/{n}"),
                number=ticket_number(TicketKind.COMPLAINT, received),
                kind=TicketKind.COMPLAINT,
                topic=topic,
                content=content,
                person_user_id=caller.user_id,
                person_label=caller.masked,
                caller_phone=caller.phone,
                unit_uuid=unit.uuid,
                unit_path=unit.path,
                unit_name=unit.name,
                received_on=received,
                contact_due=contact,
                answer_due=answer,
                created_at=received_at,
            )
            self.event(
                events, ticket, "received", self.hotline, received_at, unit=unit.name, channel="hotline"
            )
            self.event(
                events,
                ticket,
                "routed",
                self.hotline,
                received_at + timedelta(minutes=2),
                key="hop-0",
                to=unit.name,
            )
            self.loop(ticket, received_at, events, late=n == 2)
            out.append(ticket)
        return out


def _invitations(cases: list[HistoryCase], rated: set[str], now: datetime) -> int:
    """Every concluded case of the history invited its applicant when it ended (the catch-up skips them)."""
    have = {
        str(u)
        for u in RatingInvitation.objects.filter(case_uuid__in=[c.uuid for c in cases]).values_list(
            "case_uuid", flat=True
        )
    }
    rows = []
    for case in cases:
        if case.concluded_at is None or case.uuid in have:
            continue
        again = case.uuid not in rated and now - case.concluded_at > timedelta(days=3)
        rows.append(
            RatingInvitation(
                case_uuid=case.uuid,
                user_id=case.submitted_by,
                case_number=case.number,
                case_name=case.name[:200],
                sent_count=2 if again else 1,
                sms_count=2 if again else 1,
                first_sent_at=case.concluded_at,
                next_due_at=None,
                created_at=case.concluded_at,
            )
        )
    RatingInvitation.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@dataclass(frozen=True)
class DemoRatings:
    evaluations: int
    bad_tickets: int
    hotline_tickets: int


@transaction.atomic
def demo_load_ratings() -> DemoRatings:
    """Make the demo's 好差评 history when it is not there (after the cases' history and the front desk's
    windows); what was made."""
    cases = demo_history_cases()
    if not cases:
        return DemoRatings(0, 0, 0)
    now = timezone.now()
    today = timezone.localdate(now)
    planned = [uuid.uuid5(NAMESPACE, f"{c.uuid}/1") for c in cases] + [
        uuid.uuid5(NAMESPACE, f"service/{i}") for i in range(WINDOW_SERVICES)
    ]
    if Evaluation.objects.filter(uuid__in=planned).exists():
        return DemoRatings(0, 0, 0)
    ratings = _Ratings(today, now, demo_history_applicants())
    by_case, bad_cases, appealed = ratings.case_evaluations(cases)
    by_window, bad_windows = ratings.window_evaluations(demo_window_facts())
    evaluations = by_case + by_window
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    bad = [by_case[i] for i in sorted(bad_cases)] + [by_window[i] for i in sorted(bad_windows)]
    events: list[TicketEvent] = []
    appeals: list[Appeal] = []
    tickets: list[Ticket] = []
    # Every 差评 opens its ticket as the loop opens many (limits from the evaluation's day, no notification:
    # the history's evaluators were told long ago), then its receipt goes back to the evaluation's time.
    tickets_open_for_evaluations(bad)
    opened = {t.evaluation_id: t for t in Ticket.objects.filter(evaluation__in=bad)}
    for n, evaluation in enumerate(sorted(bad, key=lambda e: e.created_at)):
        ticket = opened.get(evaluation.pk)
        if ticket is None:
            continue
        ticket.created_at = evaluation.created_at
        TicketEvent.objects.filter(ticket=ticket).update(created_at=evaluation.created_at)
        made = ratings.appeal(ticket, evaluation.created_at, events) if evaluation is appealed else None
        if made is not None and made.decided_at is not None:
            appeals.append(made)
            EvaluationMark.objects.create(
                evaluation=evaluation,
                kind=MarkKind.APPEAL_UPHELD,
                reason=made.decision_text[:500],
                actor_user_id=made.decided_by,
                actor_label=made.decided_label,
                created_at=made.decided_at,
            )
        else:
            ratings.loop(ticket, evaluation.created_at, events, late=n % 4 == 2)
        tickets.append(ticket)
    hotline = ratings.complaints(events)
    Ticket.objects.bulk_create(hotline)
    for ticket in tickets:
        ticket.save()
    Appeal.objects.bulk_create(appeals)
    TicketEvent.objects.bulk_create(events, batch_size=500)
    _invitations(cases, {str(e.subject_uuid) for e in by_case}, now)
    return DemoRatings(len(evaluations), len(tickets), len(hotline))
