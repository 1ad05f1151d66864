"""考核通报 (docs/domain/supervision-assessments.md §4): the platform drafts a supervising office's circular of
a period from its rankings — the first three of each ranking commended, the units ranked last in N consecutive
periods (``TONGBAN_CIRCULAR_LAST_PERIODS``, 2 by default: 约谈 after two months last) criticised with their
figures — a supervisor of the office edits it while it is a draft and issues it; issued, it never changes, and
a task seals its PDF with the office's seal after the issue commits."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.supervision.access import Office, offices_all, require_office_supervisor
from tongban.supervision.assessment_periods import Period
from tongban.supervision.assessments import last_in_a_row, ranking, run_of
from tongban.supervision.constants import (
    CIRCULAR_TEXT_MAX,
    CIRCULAR_TITLE_MAX,
    COMMENDED_COUNT,
    CircularStatus,
    Dim,
    PeriodKind,
)
from tongban.supervision.errors import (
    AssessmentNotFound,
    CircularForbidden,
    CircularIssued,
    CircularTextInvalid,
)
from tongban.supervision.locks import lock_circular
from tongban.supervision.models import Assessment, Circular
from tongban.supervision.scoring import SCORABLE, figure_weights, ordered, value_text


def last_periods() -> int:
    """N of the rule "ranked last N periods in a row → criticised" (at least 1)."""
    return max(1, int(getattr(settings, "TONGBAN_CIRCULAR_LAST_PERIODS", 2)))


def figure_text(name: str, figure: dict) -> str:
    """One figure as a circular and a report print it: 好评率 80.0%（40/50）."""
    spec = SCORABLE.get(name)
    if spec is None:
        return ""
    if figure.get("value") is None:
        return _("%(label)s 无数据") % {"label": spec.label}
    shown = value_text(name, figure)
    return _("%(label)s %(value)s（%(num)s/%(den)s）") % {
        "label": spec.label,
        "value": shown,
        "num": figure.get("num", 0),
        "den": figure.get("den", 0),
    }


def dim_words(dim: str, office: Office) -> str:
    """What a ranking ranks, as a document says it: 区县, 市级部门, 区级部门."""
    if dim == Dim.DISTRICT:
        return _("区县")
    return _("市级部门") if office.is_city else _("区级部门")


def _unit(row: Assessment, count: int, office: Office) -> dict:
    return {
        "dim": row.dim,
        "ranking": dim_words(row.dim, office),
        "unit_key": row.unit_key,
        "unit_label": row.unit_label,
        "rank": row.rank,
        "count": count,
        "score": str(row.score) if row.score is not None else None,
        "figures": row.figures,
    }


def draft_content(period: Period, office: Office, n: int) -> tuple[str, str, dict]:
    """The title, text and the units named of the office's circular of the period, in Chinese (an official
    document, whatever language the request speaks)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _draft_content(period, office, n)


def _draft_content(period: Period, office: Office, n: int) -> tuple[str, str, dict]:
    run = run_of(period)
    periods_word = _("个月") if period.kind == PeriodKind.MONTH else _("个季度")
    title = _("关于%(period)s一网通办工作考核情况的通报") % {"period": period.label}
    lines = [
        _("各区、各有关部门：") if office.is_city else _("各有关部门："),
        "",
        _(
            "根据一网通办“好差评”和办件监督考核工作安排，按照考核方案（第%(version)s版），"
            "现将%(period)s考核结果通报如下。"
        )
        % {"version": run.scheme_version if run else "—", "period": period.label},
    ]
    commended: list[dict] = []
    criticised: list[dict] = []
    results, praise, blame = [], [], []
    for dim in office.dims:
        rows = ranking(period, office.path, dim)
        if not rows:
            continue
        ranked = [r for r in rows if r.rank is not None]
        count = len(ranked)
        lasts = last_in_a_row(period, office.path, dim, n)
        placed = "；".join(
            _("第%(rank)d名 %(unit)s %(score)s分") % {"rank": r.rank, "unit": r.unit_label, "score": r.score}
            for r in ranked
        )
        unranked = [r.unit_label for r in rows if r.rank is None]
        text = _("%(dim)s排名：%(placed)s。") % {"dim": dim_words(dim, office), "placed": placed or "—"}
        if unranked:
            text += _("本期无考核数据、未参与排名：%(units)s。") % {"units": "、".join(unranked)}
        results.append(text)
        top = [
            r for r in ranked if (r.rank or 0) <= COMMENDED_COUNT and r.unit_key not in lasts and count > 1
        ]
        if top:
            commended += [_unit(r, count, office) for r in top]
            praise.append(
                _("%(dim)s考核排名前三的%(units)s，予以通报表扬。")
                % {
                    "dim": dim_words(dim, office),
                    "units": "、".join(
                        _("%(unit)s（%(score)s分）") % {"unit": r.unit_label, "score": r.score} for r in top
                    ),
                }
            )
        for r in ranked:
            if r.unit_key not in lasts:
                continue
            criticised.append(_unit(r, count, office))
            figures = "、".join(
                t
                for t in (
                    figure_text(name, r.figures[name])
                    for name in ordered(figure_weights(r.figures))
                    if r.figures[name].get("value") is not None
                )
                if t
            )
            blame.append(
                _(
                    "%(unit)s连续%(n)d%(periods)s考核排名末位，本期得分%(score)s分（第%(rank)d名，共%(count)d名），"
                    "%(figures)s，予以通报批评，由%(office)s约谈其主要负责人。"
                )
                % {
                    "unit": r.unit_label,
                    "n": n,
                    "periods": periods_word,
                    "score": r.score,
                    "rank": r.rank,
                    "count": count,
                    "figures": figures or _("各项指标无数据"),
                    "office": office.name,
                }
            )
    lines += ["", _("一、考核结果"), *results]
    lines += ["", _("二、通报表扬"), *(praise or [_("本期没有可予表扬的单位。")])]
    lines += [
        "",
        _("三、通报批评"),
        *(
            blame
            or [
                _("本期没有连续%(n)d%(periods)s考核排名末位的单位。") % {"n": n, "periods": periods_word},
            ]
        ),
    ]
    lines += [
        "",
        _("四、工作要求"),
        _(
            "各单位要对照考核指标查找差距、抓好整改，持续提升政务服务质量。被通报批评的单位应将整改情况"
            "书面报送%(office)s。"
        )
        % {"office": office.name},
    ]
    return title, "\n".join(lines), {"commended": commended, "criticised": criticised}


def _office(scope_path: str) -> Office:
    office = next((o for o in offices_all() if o.path == scope_path), None)
    if office is None:
        raise CircularForbidden()
    return office


def circular_draft(*, actor: Actor, period: Period, scope_path: str) -> Circular:
    """The office's circular of the period: the one there is, or a new draft the platform writes from the
    rankings. 403 ``supervision_circular_forbidden`` for anyone but the office's own supervisors; 404
    ``supervision_assessment_not_found`` before the period is assessed."""
    require_office_supervisor(actor, scope_path)
    office = _office(scope_path)
    existing = Circular.objects.filter(
        period_kind=period.kind, period_start=period.start, scope_path=office.path
    ).first()
    if existing is not None:
        return existing
    run = run_of(period)
    if run is None:
        raise AssessmentNotFound(period=period.key)
    n = last_periods()
    title, text, units = draft_content(period, office, n)
    now = timezone.now()
    try:
        with transaction.atomic():
            circular = Circular.objects.create(
                period_kind=period.kind,
                period_start=period.start,
                period_end=period.end,
                scope_path=office.path,
                office_uuid=office.uuid,
                office_name=office.name,
                title=title,
                text=text,
                units=units,
                last_periods=n,
                drafted_at=now,
                drafted_from=run.computed_at,
            )
            audit_record(
                actor=actor,
                action="supervision.circular_draft",
                object_type="circular",
                object_id=circular.uuid,
                after={"period": period.key, "office": office.name},
                org_path=office.path,
            )
    except IntegrityError:  # drafted by another request meanwhile
        return Circular.objects.get(
            period_kind=period.kind, period_start=period.start, scope_path=office.path
        )
    return circular


def _period(circular: Circular) -> Period:
    return Period(circular.period_kind, circular.period_start)


@transaction.atomic
def circular_redraft(*, actor: Actor, circular: Circular) -> Circular:
    """A draft written again from the period's current results (after a recomputation); its edits are lost.
    409 ``supervision_circular_issued`` once issued."""
    require_office_supervisor(actor, circular.scope_path)
    circular = lock_circular(circular.pk)
    if circular.is_issued:
        raise CircularIssued()
    period = _period(circular)
    run = run_of(period)
    if run is None:
        raise AssessmentNotFound(period=period.key)
    n = last_periods()
    circular.title, circular.text, circular.units = draft_content(period, _office(circular.scope_path), n)
    circular.last_periods, circular.drafted_at, circular.drafted_from = n, timezone.now(), run.computed_at
    circular.edited_at, circular.edited_by_label = None, ""
    circular.save()
    audit_record(
        actor=actor,
        action="supervision.circular_redraft",
        object_type="circular",
        object_id=circular.uuid,
        org_path=circular.scope_path,
    )
    return circular


def _clean(title: str, text: str) -> tuple[str, str]:
    title = (title or "").strip()
    text = (text or "").replace("\r\n", "\n").strip()
    if not title or len(title) > CIRCULAR_TITLE_MAX:
        raise CircularTextInvalid(field="title", limit=CIRCULAR_TITLE_MAX)
    if not text or len(text) > CIRCULAR_TEXT_MAX:
        raise CircularTextInvalid(field="text", limit=CIRCULAR_TEXT_MAX)
    return title, text


@transaction.atomic
def circular_edit(*, actor: Actor, circular: Circular, title: str, text: str) -> Circular:
    """A supervisor of the office rewrites the draft's title and text. 409 ``supervision_circular_issued``
    once issued; 422 ``supervision_circular_text_invalid`` for an empty or too long title or text."""
    require_office_supervisor(actor, circular.scope_path)
    circular = lock_circular(circular.pk)
    if circular.is_issued:
        raise CircularIssued()
    title, text = _clean(title, text)
    circular.title, circular.text = title, text
    circular.edited_at, circular.edited_by_label = timezone.now(), actor.label[:200]
    circular.save(update_fields=["title", "text", "edited_at", "edited_by_label"])
    audit_record(
        actor=actor,
        action="supervision.circular_edit",
        object_type="circular",
        object_id=circular.uuid,
        org_path=circular.scope_path,
    )
    return circular


@transaction.atomic
def circular_issue(*, actor: Actor, circular: Circular) -> Circular:
    """A supervisor of the office issues the draft: from then on it never changes, and the period's results
    are no longer recomputed. Its PDF is sealed with the office's seal by a task after commit. 409
    ``supervision_circular_issued`` for a second issue."""
    require_office_supervisor(actor, circular.scope_path)
    circular = lock_circular(circular.pk)
    if circular.is_issued:
        raise CircularIssued()
    _clean(circular.title, circular.text)
    circular.status = CircularStatus.ISSUED
    circular.issued_by, circular.issued_by_label = actor.user_id, actor.label[:200]
    circular.issued_at = timezone.now()
    circular.save(update_fields=["status", "issued_by", "issued_by_label", "issued_at"])
    audit_record(
        actor=actor,
        action="supervision.circular_issue",
        object_type="circular",
        object_id=circular.uuid,
        after={"title": circular.title},
        org_path=circular.scope_path,
    )
    uuid = str(circular.uuid)
    transaction.on_commit(lambda: _seal_enqueue(uuid), robust=True)
    return circular


def _seal_enqueue(circular_uuid: str) -> None:
    from tongban.supervision.tasks import circular_seal

    circular_seal.enqueue(circular_uuid=circular_uuid)
