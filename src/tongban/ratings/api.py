"""好差评 (`/api/ratings/...`): each endpoint states who may call it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status

from tongban.accounts.facade import session_auth
from tongban.core.schemas import responses
from tongban.ratings import exports, services
from tongban.ratings.access import access_case_to_rate, require_rating_allowed
from tongban.ratings.channels import browser_channel, device_key
from tongban.ratings.selectors import evaluations_of_evaluator

router = Router(tags=["ratings 好差评"])


class EvaluationIn(Schema):
    round: int = Field(
        default=1, description="1 首次评价, 2 追评 (once, after the first): a retry of a round is 409"
    )
    level: int = Field(description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    indicators: list[str] = Field(default_factory=list, max_length=20, description="indicator codes")
    text: str = Field(default="", max_length=2000, description="at most 500 characters once stripped")
    anonymous: bool = False


class EvaluationOut(Schema):
    uuid: UUID
    kind: str
    subject: UUID
    subject_label: str
    channel: str
    round: int
    level: int
    level_label: str
    template_version: int
    indicators: list[str]
    text: str
    anonymous: bool
    unit_name: str
    created_at: datetime


def _out(e) -> dict:
    return {
        "uuid": e.uuid,
        "kind": e.kind,
        "subject": e.subject_uuid,
        "subject_label": e.subject_label,
        "channel": e.channel,
        "round": e.round,
        "level": e.level,
        "level_label": str(e.get_level_display()),
        "template_version": e.template_version,
        "indicators": e.indicators,
        "text": e.text,
        "anonymous": e.anonymous,
        "unit_name": e.unit_name,
        "created_at": e.created_at,
    }


@router.post(
    "/ratings/cases/{case_uuid}",
    response=responses({201: EvaluationOut}, 401, 403, 404, 409, 429),
    auth=session_auth,
)
def case_evaluate(request, case_uuid: str, payload: EvaluationIn):
    """一事一评 of an ended case. Caller: the case's applicant side (the applicant, or an agent whose
    authorisation covers it); anyone else 404 `case_not_found`; staff who took part in it (its lead
    department's members, its submitting clerk, a step's claimant) 403 `rating_own_service`. 409
    `case_not_ended` while it is open; 409 `already_rated` for a round given (a retry writes nothing); 409
    `rating_rounds_used` after the second; 409 `rating_second_round_closed` 30 days after the first; 422
    `rating_level_invalid`, `rating_indicator_invalid`, `rating_text_too_long`, `rating_round_invalid`,
    `rating_reason_required` (a 差评 with neither indicator nor text); 429 `throttled` past 20 evaluations an
    hour per account, 20 per device (the site's device cookie, when the client sends it) or 60 per address.
    Within the limits, a burst from one device or address is kept but marked suspect (ratings.md §4)."""
    case = access_case_to_rate(actor=request.actor, case_uuid=case_uuid)
    device = device_key(request)
    require_rating_allowed(request.actor, request.client_ip, device)
    evaluation = services.evaluate_case(
        actor=request.actor,
        case=case,
        round=payload.round,
        level=payload.level,
        indicators=payload.indicators,
        text=payload.text,
        anonymous=payload.anonymous,
        channel=browser_channel(request),
        device=device,
        address=request.client_ip,
    )
    return Status(201, _out(evaluation))


@router.get("/ratings/mine", response=responses({200: list[EvaluationOut]}, 401), auth=session_auth)
def my_evaluations(request):
    """The caller's own evaluations, newest first (at most 200). Caller: any signed-in user."""
    return [_out(e) for e in evaluations_of_evaluator(request.actor)[:200]]


class ExportQuery(Schema):
    from_: str = Field(alias="from", description="YYYY-MM-DD, Beijing date, included")
    to: str = Field(description="YYYY-MM-DD, Beijing date, included")
    profile: str = Field(default="default", description="province format only: default | zhejiang")


class ExportReportOut(Schema):
    left_out: list[dict[str, str]] = Field(description="evaluation, subject, reason, message")
    empty: dict[str, dict[str, Any]] = Field(description="field -> {rows, message}")


class ExportOut(Schema):
    format: str
    profile: str
    count: int
    rows: list[dict[str, Any]] | None = Field(default=None, description="gbt39046-json and province")
    csv: str | None = Field(default=None, description="gbt39046-csv: UTF-8 CSV text with the 表9 headers")
    report: ExportReportOut


@router.get(
    "/ratings/exports/{format}",
    response=responses({200: ExportOut}, 401, 403),
    auth=session_auth,
)
def evaluations_export(request, format: str, query: Query[ExportQuery]):
    """The evaluations of a period in an exchange format (docs/domain/ratings.md §8): `gbt39046-csv`,
    `gbt39046-json` (GB/T 39046 表9) or `province` (the provincial interface, `profile` default | zhejiang);
    or the tickets received in the period, `tickets-csv` / `tickets-json` (no person's data); with the report of what was left out and which fields are empty. Caller: a supervisor (the units of
    their subtrees) or a platform administrator (all); anyone else 403 `rating_export_forbidden`. 422
    `rating_export_format_invalid`, `rating_export_period_invalid`, `rating_export_profile_invalid`. The
    read is audited."""
    date_from, date_to = exports.parse_period(query.from_, query.to)
    rows, report = exports.export_period(
        actor=request.actor, format=format, date_from=date_from, date_to=date_to, profile=query.profile
    )
    text = rows if isinstance(rows, str) else None
    return {
        "format": format,
        "profile": query.profile if format == exports.FORMAT_PROVINCE else "",
        "count": report.rows,
        "rows": None if text is not None else rows,
        "csv": text,
        "report": report.as_dict(),
    }


class SmsReplyIn(Schema):
    phone: str = Field(max_length=20, description="the sender's number")
    text: str = Field(max_length=1000, description="the reply: 1–5, then any words")
    message_id: str = Field(default="", max_length=100, description="the provider's id (not needed twice)")


class SmsReplyOut(Schema):
    result: str = Field(
        description="rated, already_rated, not_a_rating, no_invitation, throttled, or a refusal's code"
    )


@router.post("/ratings/sms-replies", response=responses({200: SmsReplyOut}, 403), auth=None)
def sms_reply(request, payload: SmsReplyIn):
    """好差评 by SMS reply (channel 短信). Caller: the SMS provider only, with the header
    `X-Tongban-Sms-Secret` equal to `TONGBAN_SMS_INBOUND_SECRET` (403 `sms_inbound_forbidden` otherwise,
    and always while it is unset). A reply "1"–"5" rates the latest case its account was invited to rate in
    the last 7 days; 200 with what became of it, whatever it was (the provider retries only on errors)."""
    import hmac

    from django.conf import settings

    from tongban.ratings.errors import SmsInboundForbidden
    from tongban.ratings.sms_reply import sms_reply_receive

    secret = settings.TONGBAN_SMS_INBOUND_SECRET
    given = request.headers.get("X-Tongban-Sms-Secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        raise SmsInboundForbidden()
    return {"result": sms_reply_receive(phone=payload.phone, text=payload.text)}
