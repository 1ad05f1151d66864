"""The 好差评 exchange formats (docs/domain/ratings.md §8): GB/T 39046 表9 (CSV and JSON) and the provincial
interface 办件评价服务 (JSON records, per exchange profile).

Every export answers ``(rows, report)``: the report names the evaluations left out and why, and the fields
exported empty (with how many rows and why). The facts of cases, services, organisations and evaluators are
read in batches through the other contexts' facades: the number of queries does not grow with the rows.
``export_period`` reads what the caller may see (``access.access_evaluations_for_export``) and audits it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import enterprise_codes, evaluator_identities, organisations_exchange_info
from tongban.cases.facade import cases_export_facts
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.frontdesk.facade import services_export_facts
from tongban.ratings.access import access_evaluations_for_export, access_tickets_for_export
from tongban.ratings.constants import Channel, EvaluationKind, Level
from tongban.ratings.errors import RatingError, RatingInvalid
from tongban.ratings.models import Evaluation

BEIJING = ZoneInfo("Asia/Shanghai")

FORMAT_GBT_CSV = "gbt39046-csv"
FORMAT_GBT_JSON = "gbt39046-json"
FORMAT_PROVINCE = "province"
FORMAT_TICKETS_CSV = "tickets-csv"
FORMAT_TICKETS_JSON = "tickets-json"
FORMATS = (FORMAT_GBT_CSV, FORMAT_GBT_JSON, FORMAT_PROVINCE, FORMAT_TICKETS_CSV, FORMAT_TICKETS_JSON)
TICKET_FORMATS = (FORMAT_TICKETS_CSV, FORMAT_TICKETS_JSON)

# GB/T 39046-2020 表9 政务服务绩效评价基础数据集, in the order of ratings.md §8.
GBT_HEADERS = (
    "办件编号",
    "评价渠道",
    "评价人",
    "评价时间",
    "评价次数",
    "满意度",
    "满意度代码",
    "文字评价",
    "行政区划",
)
GBT_OPTIONAL = frozenset({"文字评价"})  # empty when the evaluator wrote nothing: not reported

# The provincial interface 办件评价服务, in the order of ratings.md §8; a profile may add fields.
PROVINCE_FIELDS = (
    "areaCode",
    "areaName",
    "deptCode",
    "taskCode",
    "taskHandleItem",
    "taskName",
    "subMatter",
    "projectNo",
    "proStatus",
    "proDepartCode",
    "proDepart",
    "proManager",
    "pf",
    "certkeyGOV",
    "userName",
    "userProp",
    "satisfaction",
    "evalDetail",
    "writingEvaluation",
    "assessTime",
    "assessNumber",
    "appStatus",
    "promiseTime",
    "acceptDate",
    "dataSource",
)
PROVINCE_OPTIONAL = frozenset({"writingEvaluation", "evalDetail"})  # reported only when codes are missing

ANONYMOUS_NAME = "匿名"  # 表9 评价人 of an anonymous evaluation (our choice)


# --- exchange profiles ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExchangeProfile:
    """How one receiving system numbers the interface's codes (ratings.md §1, §8). ``app_status``,
    ``data_source`` and ``indicator_codes`` are settings (``RATINGS_EXCHANGE_PROFILES``) with no defaults:
    empty as shipped, exported empty and named in the report."""

    name: str
    channel_codes: dict[str, str]  # internal channel -> pf; a channel missing here has no code
    promise_codes: dict[str, str]  # GB/T 39046 A.6 办件类型 -> promiseTime
    extra_fields: tuple[str, ...] = ()  # anonymityFlag, userId: the further interface's fields
    app_status: str = ""
    data_source: str = ""
    indicator_codes: dict[str, str] = field(default_factory=dict)  # internal indicator -> evalDetail code


_A6 = {"1": "1", "2": "2"}  # 1 即办件, 2 承诺件 (GB/T 39046 A.6); 9 其他 has no promiseTime
_PROFILES = {
    "default": ExchangeProfile(
        name="default",
        channel_codes={
            Channel.PC: "1",
            Channel.MOBILE: "2",
            Channel.QR: "3",
            Channel.HALL_TABLET: "4",
            Channel.HALL_TERMINAL: "5",
            Channel.PHONE: "6",
            Channel.SMS: "7",
        },
        promise_codes=_A6,
        extra_fields=("anonymityFlag", "userId"),
    ),
    "zhejiang": ExchangeProfile(
        name="zhejiang",
        channel_codes={
            Channel.PC: "1",
            Channel.MOBILE: "2",
            Channel.QR: "3",
            Channel.HALL_TABLET: "4",
            Channel.HALL_TERMINAL: "5",
            Channel.SMS: "6",  # 电话 has no code; 7 系统默认评价 is never sent
        },
        promise_codes=_A6,
    ),
}
PROFILES = tuple(_PROFILES)
DEFAULT_PROFILE = "default"


def exchange_profile(name: str) -> ExchangeProfile:
    """A profile with its settings (``RATINGS_EXCHANGE_PROFILES[name]``: ``app_status``, ``data_source``,
    ``indicator_codes``). KeyError for an unknown name."""
    base = _PROFILES[name]
    configured = (getattr(settings, "RATINGS_EXCHANGE_PROFILES", None) or {}).get(name, {})
    return ExchangeProfile(
        name=base.name,
        channel_codes=base.channel_codes,
        promise_codes=base.promise_codes,
        extra_fields=base.extra_fields,
        app_status=str(configured.get("app_status", "")),
        data_source=str(configured.get("data_source", "")),
        indicator_codes={str(k): str(v) for k, v in (configured.get("indicator_codes") or {}).items()},
    )


# --- the report ---------------------------------------------------------------------------------------------
@dataclass
class ExportReport:
    """What an export left out (``left_out``: evaluation, subject, reason code, message) and the fields it
    exported empty (``empty``: field -> rows and why)."""

    left_out: list[dict[str, str]] = field(default_factory=list)
    empty: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: int = 0  # how many rows were exported

    def leave_out(self, evaluation: Evaluation, reason: str, message: Any, subject: str = "") -> None:
        self.left_out.append(
            {
                "evaluation": str(evaluation.uuid),
                "subject": subject or evaluation.subject_label,
                "reason": reason,
                "message": str(message),
            }
        )

    def note_empty(self, name: str, message: Any) -> None:
        entry = self.empty.setdefault(name, {"rows": 0, "message": str(message)})
        entry["rows"] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"left_out": list(self.left_out), "empty": dict(self.empty)}

    def lines(self) -> list[str]:
        """The report as text lines (the command prints them to stderr): uuids and case numbers only."""
        out = [f"rows: {self.rows}", f"left out: {len(self.left_out)}"]
        out += [f"  {e['evaluation']} {e['subject']}: {e['reason']} ({e['message']})" for e in self.left_out]
        out.append(f"fields exported empty: {len(self.empty)}")
        out += [f"  {name}: {e['rows']} rows ({e['message']})" for name, e in sorted(self.empty.items())]
        return out


# Why a field is empty, by field (a generic reason for the others).
_MISSING = _("来源数据中没有该项")
_EMPTY_REASONS: dict[str, Any] = {
    "评价人": _("评价器评价没有已知的评价人"),
    "subMatter": _("事项目录没有子项"),
    "appStatus": _("该交换配置未设置审核状态"),
    "dataSource": _("该交换配置未设置数据来源"),
    "evalDetail": _("该交换配置未设置评价指标代码"),
    "certkeyGOV": _("没有已知的评价人，或匿名评价而该交换配置不传送评价人"),
    "userName": _("没有已知的评价人，或匿名评价而该交换配置不传送评价人"),
    "proManager": _("办件没有已决定的办理环节"),
    "acceptDate": _("办件未受理（不予受理或撤回）"),
}


def _check_empty(row: dict[str, Any], optional: frozenset[str], report: ExportReport) -> None:
    for name, value in row.items():
        if value == "" and name not in optional:
            report.note_empty(name, _EMPTY_REASONS.get(name, _MISSING))


# --- the facts, in batches ----------------------------------------------------------------------------------
@dataclass
class _Facts:
    services: dict
    cases: dict
    organisations: dict
    people: dict
    enterprises: dict


def _facts(evaluations: list[Evaluation], *, enterprises: bool) -> _Facts:
    services = services_export_facts(
        str(e.subject_uuid) for e in evaluations if e.kind == EvaluationKind.SERVICE
    )
    case_uuids = {str(e.subject_uuid) for e in evaluations if e.kind == EvaluationKind.CASE}
    for facts in services.values():
        case_uuids.update(facts.case_uuids)
    cases = cases_export_facts(case_uuids)
    org_uuids = {str(e.unit_uuid) for e in evaluations if e.kind == EvaluationKind.CASE}
    org_uuids |= {facts.centre_org_uuid for facts in services.values()}
    org_uuids |= {facts.lead_department_uuid for facts in cases.values()}
    people = evaluator_identities(e.evaluator_user_id for e in evaluations if e.evaluator_user_id)
    firms = (
        enterprise_codes(c.applicant_uuid for c in cases.values() if c.applicant_kind == "enterprise")
        if enterprises
        else {}
    )
    return _Facts(services, cases, organisations_exchange_info(org_uuids), people, firms)


def _case_uuids(evaluation: Evaluation, facts: _Facts) -> list[str] | None:
    """The cases an evaluation is exported for: its case, or the cases of its window service (None when the
    front desk does not know the service)."""
    if evaluation.kind == EvaluationKind.CASE:
        return [str(evaluation.subject_uuid)]
    service = facts.services.get(str(evaluation.subject_uuid))
    return list(service.case_uuids) if service is not None else None


def _division(evaluation: Evaluation, facts: _Facts) -> tuple[str, str]:
    """(code, name) of the evaluated unit's division: the department's, or the window's centre's."""
    if evaluation.kind == EvaluationKind.CASE:
        org = facts.organisations.get(str(evaluation.unit_uuid))
        return (org.division_code, org.division_name) if org else ("", "")
    service = facts.services.get(str(evaluation.subject_uuid))
    org = facts.organisations.get(service.centre_org_uuid) if service else None
    if org is not None and org.division_code:
        return org.division_code, org.division_name
    return (service.division_code if service else ""), ""


def _exported_cases(evaluation: Evaluation, facts: _Facts, report: ExportReport) -> Iterator[tuple[str, Any]]:
    """(case uuid, case facts) for each row of the evaluation; what has none is named in the report."""
    uuids = _case_uuids(evaluation, facts)
    if not uuids:
        report.leave_out(evaluation, "no_case", _("窗口服务没有关联的办件，无办件编号"))
        return
    for case_uuid in uuids:
        case = facts.cases.get(case_uuid)
        if case is None:
            report.leave_out(evaluation, "case_unknown", _("办件不存在"), subject=case_uuid)
            continue
        yield case_uuid, case


def _ordered(evaluations: Iterable[Evaluation]) -> list[Evaluation]:
    return sorted(evaluations, key=lambda e: (e.created_at, e.id or 0))


# --- GB/T 39046 表9 ----------------------------------------------------------------------------------------
def gbt39046_rows(evaluations: Iterable[Evaluation]) -> tuple[list[dict[str, Any]], ExportReport]:
    """表9 rows, one per evaluation of a case and one per case of an evaluated window service (a service
    with no case is left out: it has no 办件编号)."""
    evaluations = _ordered(evaluations)
    report = ExportReport()
    with translation.override(None):  # the source strings: the formats' Chinese values
        facts = _facts(evaluations, enterprises=False)
        rows: list[dict[str, Any]] = []
        for e in evaluations:
            code, _name = _division(e, facts)
            if e.anonymous:
                evaluator = ANONYMOUS_NAME
            else:
                person = facts.people.get(e.evaluator_user_id) if e.evaluator_user_id else None
                evaluator = person.real_name if person else ""
            for _uuid, case in _exported_cases(e, facts, report):
                row = {
                    "办件编号": case.number,
                    "评价渠道": str(Channel(e.channel).label),
                    "评价人": evaluator,
                    "评价时间": e.created_at.astimezone(BEIJING).strftime("%Y%m%dT%H%M%S"),
                    "评价次数": e.round,
                    "满意度": str(Level(e.level).label),
                    "满意度代码": 6 - e.level,
                    "文字评价": e.text,
                    "行政区划": code,
                }
                _check_empty(row, GBT_OPTIONAL, report)
                rows.append(row)
    return rows, report


def _csv(rows: list[dict[str, Any]], headers) -> str:
    """The rows as UTF-8 CSV text with ``headers`` (no byte-order mark; CRLF line ends, as csv writes)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def gbt39046_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV with the 表9 headers."""
    return _csv(rows, GBT_HEADERS)


# --- the provincial interface --------------------------------------------------------------------------------
def _province_records(
    evaluations: list[Evaluation], profile: ExchangeProfile, report: ExportReport
) -> list[tuple[Evaluation, dict[str, Any]]]:
    facts = _facts(evaluations, enterprises=True)
    records: list[tuple[Evaluation, dict[str, Any]]] = []
    for e in evaluations:
        pf = profile.channel_codes.get(e.channel)
        if pf is None:
            report.leave_out(e, "no_channel_code", _("该交换配置没有此评价渠道的代码"))
            continue
        area_code, area_name = _division(e, facts)
        person = facts.people.get(e.evaluator_user_id) if e.evaluator_user_id else None
        hide_evaluator = e.anonymous and "anonymityFlag" not in profile.extra_fields
        codes = [profile.indicator_codes.get(code, "") for code in e.indicators]
        eval_detail = ",".join(codes) if codes and all(codes) else ""
        if codes and not eval_detail:
            report.note_empty("evalDetail", _EMPTY_REASONS["evalDetail"])
        for _uuid, case in _exported_cases(e, facts, report):
            department = facts.organisations.get(case.lead_department_uuid)
            uscc = (department.uscc if department else "") or case.department_uscc
            enterprise = case.applicant_kind == "enterprise"
            certkey = ""
            if person is not None and not hide_evaluator:
                firm = facts.enterprises.get(case.applicant_uuid) if enterprise else None
                certkey = firm[1] if enterprise and firm else ("" if enterprise else person.id_number)
            record = {
                "areaCode": area_code,
                "areaName": area_name,
                "deptCode": uscc,
                "taskCode": case.implementation_code,
                "taskHandleItem": case.handle_item_code,
                "taskName": case.name,
                "subMatter": "",
                "projectNo": case.number,
                "proStatus": "3" if case.ended else "2",
                "proDepartCode": uscc,
                "proDepart": case.lead_department_name,
                "proManager": case.manager,
                "pf": pf,
                "certkeyGOV": certkey,
                "userName": person.real_name if person is not None and not hide_evaluator else "",
                "userProp": "2" if enterprise else "1",
                "satisfaction": str(e.level),
                "evalDetail": eval_detail,
                "writingEvaluation": e.text,
                "assessTime": e.created_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                "assessNumber": str(e.round),
                "appStatus": profile.app_status,
                "promiseTime": profile.promise_codes.get(case.case_type, ""),
                "acceptDate": case.accepted_on.isoformat() if case.accepted_on else "",
                "dataSource": profile.data_source,
            }
            if "anonymityFlag" in profile.extra_fields:
                record["anonymityFlag"] = "1" if e.anonymous else "2"
            if "userId" in profile.extra_fields:
                # 评价人身份唯一标识: the evaluator's account's public id; an evaluation without a known
                # evaluator (the pad) is identified by its own uuid, so that two are never one record.
                record["userId"] = person.user_uuid if person is not None else str(e.uuid)
            _check_empty(record, PROVINCE_OPTIONAL, report)
            records.append((e, record))
    return records


def province_rows(
    evaluations: Iterable[Evaluation], profile: str = DEFAULT_PROFILE
) -> tuple[list[dict[str, Any]], ExportReport]:
    """The interface's records, one per evaluation of a case and one per case of an evaluated window
    service; an evaluation whose channel the profile has no code for is left out (never a wrong code)."""
    report = ExportReport()
    with translation.override(None):
        records = _province_records(_ordered(evaluations), exchange_profile(profile), report)
    return [record for _e, record in records], report


def province_records_of(evaluation: Evaluation) -> tuple[list[dict[str, Any]], ExportReport]:
    """The "default" profile's records of one evaluation (the national upload's payloads)."""
    return province_rows([evaluation], DEFAULT_PROFILE)


# --- tickets: Tongban's own format, with GB/T 39046's 办事互动 names where they apply (ratings.md §8) ---------
TICKET_HEADERS = (
    "工单编号",
    "工单类型",
    "紧急",
    "分类",
    "承办单位",
    "关联办件编号",
    "关联评价",
    "接收日期",
    "承诺时限",
    "延期时限",
    "答复时间",
    "超期天数",
    "回访时间",
    "回访满意度",
    "督办",
    "状态",
    "转派次数",
)


def _moment(value) -> str:
    return value.astimezone(BEIJING).strftime("%Y%m%dT%H%M%S") if value else ""


def ticket_rows(tickets: Iterable) -> tuple[list[dict[str, Any]], ExportReport]:
    """One row per ticket, oldest first: no person's data (neither the text nor the caller); 超期天数 is the
    working days the answer came (or, unanswered, is) past its limit, 0 when on time."""
    from tongban.core.workdays import working_days_between

    report = ExportReport()
    rows = []
    today = timezone_today()
    with translation.override(settings.LANGUAGE_CODE):
        for t in sorted(tickets, key=lambda t: (t.created_at, t.pk)):
            answered_on = t.answered_at.astimezone(BEIJING).date() if t.answered_at else today
            late = working_days_between(t.answer_due, answered_on) if t.answer_due else 0
            rows.append(
                {
                    "工单编号": t.number,
                    "工单类型": str(t.get_kind_display()),
                    "紧急": "是" if t.urgent else "否",
                    "分类": t.topic,
                    "承办单位": t.unit_name,
                    "关联办件编号": t.case_number,
                    "关联评价": str(t.evaluation.uuid) if t.evaluation_id else "",
                    "接收日期": t.received_on.strftime("%Y%m%d"),
                    "承诺时限": t.answer_due.strftime("%Y%m%d") if t.answer_due else "",
                    "延期时限": t.extended_days or "",
                    "答复时间": _moment(t.answered_at),
                    "超期天数": max(0, late),
                    "回访时间": _moment(t.revisited_at),
                    "回访满意度": str(t.get_revisit_level_display()) if t.revisit_level else "",
                    "督办": "是" if t.supervised_at else "否",
                    "状态": str(t.get_status_display()),
                    "转派次数": t.hops,
                }
            )
    report.rows = len(rows)
    return rows, report


def timezone_today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def tickets_csv(rows: list[dict[str, Any]]) -> str:
    return _csv(rows, TICKET_HEADERS)


# --- one entry point ----------------------------------------------------------------------------------------
def export(
    evaluations: Iterable[Evaluation], *, format: str, profile: str = DEFAULT_PROFILE
) -> tuple[list[dict[str, Any]] | str, ExportReport]:
    """``(rows, report)`` in ``format``: a list of objects (JSON formats) or the CSV text."""
    if format == FORMAT_PROVINCE:
        records, report = province_rows(evaluations, profile)
        report.rows = len(records)
        return records, report
    rows, report = gbt39046_rows(evaluations)
    report.rows = len(rows)
    if format == FORMAT_GBT_CSV:
        return gbt39046_csv(rows), report
    return rows, report


def is_format(name: str) -> bool:
    return name in FORMATS


def is_profile(name: str) -> bool:
    return name in _PROFILES


# --- an export of a period, for a caller ---------------------------------------------------------------------
def parse_period(date_from: str, date_to: str) -> tuple[date, date]:
    """(from, to) from two ``YYYY-MM-DD`` texts, from ≤ to; 422 ``rating_export_period_invalid`` otherwise."""
    try:
        start, end = date.fromisoformat(str(date_from)), date.fromisoformat(str(date_to))
        if len(str(date_from)) != 10 or len(str(date_to)) != 10:
            raise ValueError("not YYYY-MM-DD")
    except ValueError:
        raise RatingInvalid(
            RatingError.RATING_EXPORT_PERIOD_INVALID, _("日期格式应为 YYYY-MM-DD"), field="from"
        ) from None
    if start > end:
        raise RatingInvalid(
            RatingError.RATING_EXPORT_PERIOD_INVALID, _("起始日期不能晚于结束日期"), field="from"
        )
    return start, end


def export_period(
    *, actor: Actor, format: str, date_from: date, date_to: date, profile: str = DEFAULT_PROFILE
) -> tuple[list[dict[str, Any]] | str, ExportReport]:
    """The evaluations of the period the actor may export (access.access_evaluations_for_export), in
    ``format``; 422 ``rating_export_format_invalid`` / ``rating_export_profile_invalid``. The read is
    audited (``ratings.export``: the format, the profile, the period and the count; no one's identifiers)."""
    if format not in FORMATS:
        raise RatingInvalid(
            RatingError.RATING_EXPORT_FORMAT_INVALID, _("导出格式无效"), field="format", formats=list(FORMATS)
        )
    if profile not in _PROFILES:
        raise RatingInvalid(
            RatingError.RATING_EXPORT_PROFILE_INVALID,
            _("交换配置无效"),
            field="profile",
            profiles=list(PROFILES),
        )
    if format in TICKET_FORMATS:
        tickets = list(
            access_tickets_for_export(actor=actor, date_from=date_from, date_to=date_to).select_related(
                "evaluation"
            )
        )
        rows, report = ticket_rows(tickets)
        if format == FORMAT_TICKETS_CSV:
            rows = tickets_csv(rows)
        audit_record(
            actor=actor,
            action="ratings.export",
            object_type="ticket_export",
            object_id=format,
            after={
                "format": format,
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "tickets": len(tickets),
            },
        )
        return rows, report
    evaluations = list(access_evaluations_for_export(actor=actor, date_from=date_from, date_to=date_to))
    rows, report = export(evaluations, format=format, profile=profile)
    audit_record(
        actor=actor,
        action="ratings.export",
        object_type="evaluation_export",
        object_id=format,
        after={
            "format": format,
            "profile": profile if format == FORMAT_PROVINCE else "",
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "evaluations": len(evaluations),
            "left_out": len(report.left_out),
        },
    )
    return rows, report
