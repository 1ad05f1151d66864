"""Service blind spots (查找服务盲区, issue 19 §4; docs/domain/supervision.md §6): each month, for each
supervisor's scope, what people looked for and did not find, the items whose applications come back most
and why, and what 差评 and 12345 complaints are about.

The maintenance sweep computes a month's reports (:func:`compute_month`) into ``BlindSpotReport`` rows —
never a page view: the pages read those rows (:func:`blind_spots_view`, :func:`theme_view`). The current
month is computed again at most every ``TONGBAN_BLIND_SPOTS_MINUTES`` (an hour by default), the previous
month once more after it ended (:func:`months_due`), and any month by ``tongban supervision blind-spots
--month YYYY-MM``.

Scopes: the searches are the platform's (the search box is one for everybody; ``scope_path`` ""), the rest
one report per region and per district (their organisation paths): a case counts under its lead
department's path, a 差评 under the evaluated unit's (a window's: its service centre's), a complaint under
the handling unit's. A supervisor reads the report of each organisation they supervise; one who supervises
neither a region nor a district reads those of the districts under them.

The shapes of ``data``:

- searches: ``{"rows": [{"key", "query", "count"}], "total", "distinct"}``;
- items: ``{"rows": [{"key", "kind", "uuid", "name", "department", "returns", "supplements", "refusals",
  "total", "reasons": [{"key", "label", "example", "material", "count"}]}], "events"}``;
- reviews, complaints: ``{"rows": [{"theme", "count"}], "texts", "themed"}``.

Every text in a report is masked (ratings' mask_free_text: resident IDs and mobile numbers), search words
included."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.supervision.db import read_db
from tongban.supervision.errors import SupervisionMonthInvalid
from tongban.supervision.models import BlindSpotKind, BlindSpotMember, BlindSpotMonth, BlindSpotReport
from tongban.supervision.months import next_month, previous_month
from tongban.supervision.segmentation import normalise, themes

ROWS_KEPT = 200  # rows of each list a report keeps (so that next month's change sees beyond what is shown)
ROWS_SHOWN = 20
ITEMS_KEPT = 100
REASONS_KEPT = 10
REASONS_SHOWN = 5
THEMES_LINKED = 50  # the themes whose reviews a report lists (the theme page) …
MEMBERS_KEPT = 1000  # … up to this many each, the newest first
THEME_MAX = 60
PLATFORM = ""  # the scope of the searches

ACTION_FIELD = {"step_return": "returns", "request_supplement": "supplements", "refuse": "refusals"}


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- months ------------------------------------------------------------------------------------------------
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def this_month(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now(), _tz()).replace(day=1)


def parse_month(value: str | None, *, now: datetime | None = None) -> date:
    """``YYYY-MM`` → the month's first day; empty → this month. 422 ``supervision_month_invalid`` for anything
    else, a month before 2000 or after this one."""
    current = this_month(now)
    if value is None or not value.strip():
        return current
    match = _MONTH.fullmatch(value.strip())
    if match is None:
        raise SupervisionMonthInvalid(field="month")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000 or date(year, month, 1) > current:
        raise SupervisionMonthInvalid(field="month")
    return date(year, month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a month in the platform's time zone (Asia/Shanghai)."""
    tz = _tz()
    end = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=tz),
        datetime(end.year, end.month, 1, tzinfo=tz),
    )


# --- scopes ------------------------------------------------------------------------------------------------
def report_scopes() -> list[str]:
    """The organisation paths a report is computed for: every region and every district."""
    from tongban.accounts.facade import OrgKind, organisation_list

    return sorted(
        {o.path for kind in (OrgKind.REGION, OrgKind.DISTRICT) for o in organisation_list(kind=kind)}
    )


def _outermost(paths: Iterable[str]) -> list[str]:
    """The paths not inside another of them."""
    paths = sorted(set(paths))
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def _containing(path: str, scopes: list[str]) -> list[str]:
    return [s for s in scopes if path and path.startswith(s)]


# --- reasons (退回, 补正, 不予受理) ---------------------------------------------------------------------------
_SEPARATORS = re.compile(r"[；;\n]+")
_NUMBERING = re.compile(r"^\s*(?:[（(]\s*\d+\s*[)）]|\d+\s*[、.．)）])\s*")
_TRAILING = re.compile(r"[\s。．.，,；;！!]+$")


def split_reasons(text: str) -> list[str]:
    """A free text's reasons: one per line or ``；``, numbering (1、 (1) 1.) and closing punctuation removed."""
    parts = (_TRAILING.sub("", _NUMBERING.sub("", p)).strip() for p in _SEPARATORS.split(text or ""))
    return [p for p in parts if p]


def reason_key(material: str, text: str) -> str:
    """What groups reasons: the material named (``m:``); else the set of the text's themes (``k:``: 申请表未签字
    and 申请表没有签字 are one reason); else the normalised text itself (``t:``)."""
    if material:
        return "m:" + normalise(material).casefold()
    words = sorted(set(themes(text)))
    if words:
        return "k:" + "·".join(words)
    return "t:" + normalise(text).casefold()


@dataclass
class _Reason:
    material: bool
    count: int = 0
    labels: Counter = field(default_factory=Counter)
    examples: Counter = field(default_factory=Counter)

    def row(self, key: str) -> dict[str, Any]:
        label = _most(self.labels)
        example = _most(self.examples)
        return {
            "key": key,
            "label": label,
            "example": example,
            "material": self.material,
            "count": self.count,
        }


def _most(counter: Counter) -> str:
    """The most frequent entry; ties by the entry (the same answer whatever the order they came in)."""
    if not counter:
        return ""
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@dataclass
class _Item:
    kind: str
    uuid: str
    name: str
    department: str
    counts: Counter = field(default_factory=Counter)
    reasons: dict[str, _Reason] = field(default_factory=dict)

    def add_reason(self, material: str, text: str, mask) -> None:
        material, text = mask(material), mask(text)  # masked before anything is kept, the key included
        key = reason_key(material, text)
        reason = self.reasons.setdefault(key, _Reason(bool(material)))
        reason.count += 1
        if material:
            reason.labels[material] += 1
            if text:
                reason.examples[text] += 1
        else:
            reason.labels[text] += 1

    def row(self, key: str) -> dict[str, Any]:
        reasons = sorted(self.reasons.items(), key=lambda kv: (-kv[1].count, kv[0]))[:REASONS_KEPT]
        return {
            "key": key,
            "kind": self.kind,
            "uuid": self.uuid,
            "name": self.name,
            "department": self.department,
            "returns": self.counts["returns"],
            "supplements": self.counts["supplements"],
            "refusals": self.counts["refusals"],
            "total": self.counts.total(),
            "reasons": [r.row(k) for k, r in reasons],
        }


def _items(start: datetime, end: datetime, scopes: list[str], mask) -> tuple[dict[str, dict], int]:
    from tongban.accounts.facade import organisation_info
    from tongban.cases.facade import case_opinions_between

    paths: dict[str, str] = {}
    by_scope: dict[str, dict[str, _Item]] = {s: {} for s in scopes}
    events: Counter = Counter()
    seen = 0
    for fact in case_opinions_between(start, end):
        seen += 1
        if fact.lead_department_uuid not in paths:
            info = organisation_info(fact.lead_department_uuid)
            paths[fact.lead_department_uuid] = info.path if info is not None else ""
        inside = _containing(paths[fact.lead_department_uuid], scopes)
        if not inside:
            continue
        reasons = [
            (material, part)
            for material, text in fact.reasons
            for part in ([text] if material else split_reasons(text))
        ]
        key = f"{fact.target_kind}:{fact.target_uuid}:{fact.lead_department_uuid}"
        for scope in inside:
            events[scope] += 1
            item = by_scope[scope].get(key)
            if item is None:
                item = by_scope[scope][key] = _Item(
                    fact.target_kind, fact.target_uuid, fact.target_name, fact.lead_department_name
                )
            item.name = fact.target_name  # the latest name (the events come oldest first)
            item.counts[ACTION_FIELD[fact.action]] += 1
            for material, text in reasons:
                item.add_reason(material, text, mask)
    out = {}
    for scope, items in by_scope.items():
        ranked = sorted(items.items(), key=lambda kv: (-kv[1].counts.total(), kv[1].name, kv[0]))
        out[scope] = {"rows": [item.row(k) for k, item in ranked[:ITEMS_KEPT]], "events": events[scope]}
    return out, seen


# --- themes (差评, 投诉) ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Text:
    uuid: str
    at: datetime
    path: str
    themes: tuple[str, ...]


def _segmented(texts) -> list[_Text]:
    return [_Text(t.uuid, t.at, t.unit_path, tuple(w[:THEME_MAX] for w in themes(t.text))) for t in texts]


def _theme_report(texts: list[_Text]) -> tuple[dict, dict[str, list[_Text]]]:
    counts: Counter = Counter()
    for t in texts:
        counts.update(t.themes)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    linked = {theme for theme, _n in ranked[:THEMES_LINKED]}
    members: dict[str, list[_Text]] = defaultdict(list)
    for t in sorted(texts, key=lambda t: (t.at, t.uuid), reverse=True):
        for theme in t.themes:
            if theme in linked and len(members[theme]) < MEMBERS_KEPT:
                members[theme].append(t)
    data = {
        "rows": [{"theme": theme, "count": n} for theme, n in ranked[:ROWS_KEPT]],
        "texts": len(texts),
        "themed": sum(1 for t in texts if t.themes),
    }
    return data, members


# --- searches ----------------------------------------------------------------------------------------------
def _searches(start: datetime, end: datetime, mask) -> dict:
    from tongban.catalog.facade import search_misses_top

    merged: dict[str, dict] = {}
    total = 0
    for miss in search_misses_top(start=start, end=end):
        total += miss.count
        key = mask(miss.key)  # two numbers masked alike are one query now
        row = merged.setdefault(key, {"key": key, "query": mask(miss.query), "count": 0})
        row["count"] += miss.count
    rows = sorted(merged.values(), key=lambda r: (-r["count"], r["key"]))
    return {"rows": rows[:ROWS_KEPT], "total": total, "distinct": len(rows)}


# --- computing a month ---------------------------------------------------------------------------------------
def compute_month(month: date, *, now: datetime | None = None) -> dict[str, int]:
    """Compute every report of ``month`` (its first day) and replace the month's reports in one transaction
    (a page never sees half of them). Returns counts: scopes, searches, case events, reviews, complaints."""
    from tongban.ratings.facade import bad_review_texts_between, complaint_texts_between, mask_free_text

    now = now or timezone.now()
    start, end = month_bounds(month)
    scopes = report_scopes()
    searches = _searches(start, end, mask_free_text)
    items, events = _items(start, end, scopes, mask_free_text)
    reviews = _segmented(bad_review_texts_between(start, end))
    complaints = _segmented(complaint_texts_between(start.date(), end.date()))

    reports: list[tuple[BlindSpotReport, dict[str, list[_Text]]]] = [
        (BlindSpotReport(month=month, scope_path=PLATFORM, kind=BlindSpotKind.SEARCHES, data=searches), {})
    ]
    for scope in scopes:
        reports.append(
            (BlindSpotReport(month=month, scope_path=scope, kind=BlindSpotKind.ITEMS, data=items[scope]), {})
        )
        for kind, texts in ((BlindSpotKind.REVIEWS, reviews), (BlindSpotKind.COMPLAINTS, complaints)):
            data, members = _theme_report([t for t in texts if _containing(t.path, [scope])])
            reports.append((BlindSpotReport(month=month, scope_path=scope, kind=kind, data=data), members))
    with transaction.atomic():
        BlindSpotMember.objects.filter(report__month=month).delete()
        BlindSpotReport.objects.filter(month=month).delete()
        for report, _members in reports:
            report.computed_at = now
        BlindSpotReport.objects.bulk_create([r for r, _m in reports])
        saved = {(r.scope_path, r.kind): r for r in BlindSpotReport.objects.filter(month=month)}
        BlindSpotMember.objects.bulk_create(
            (
                BlindSpotMember(report=saved[(r.scope_path, r.kind)], theme=theme, ref_uuid=t.uuid, at=t.at)
                for r, members in reports
                for theme, texts in members.items()
                for t in texts
            ),
            batch_size=2000,
        )
        BlindSpotMonth.objects.update_or_create(
            month=month, defaults={"computed_at": now, "final": now >= end}
        )
    return {
        "scopes": len(scopes),
        "searches": searches["total"],
        "case_events": events,
        "reviews": len(reviews),
        "complaints": len(complaints),
    }


def months_due(now: datetime | None = None) -> list[date]:
    """The months the maintenance sweep should compute now: the previous month until it was computed after
    it ended, and this month when it was never computed or longer ago than ``TONGBAN_BLIND_SPOTS_MINUTES``."""
    now = now or timezone.now()
    current = this_month(now)
    previous = previous_month(current)
    done = {m.month: m for m in BlindSpotMonth.objects.filter(month__in=[previous, current])}
    due = []
    if previous not in done or not done[previous].final:
        due.append(previous)
    interval = timedelta(minutes=settings.TONGBAN_BLIND_SPOTS_MINUTES)
    if current not in done or done[current].computed_at + interval <= now:
        due.append(current)
    return due


# --- reading (the pages) -------------------------------------------------------------------------------------
def _chosen(rows: list[tuple[int, str]], paths: list[str]) -> list[int]:
    """The reports (id, scope path) a supervisor over ``paths`` reads: for each path its own report, else
    the outermost reports under it."""
    chosen: list[int] = []
    for path in _outermost(paths):
        exact = [pk for pk, scope in rows if scope == path]
        if exact:
            chosen += exact
            continue
        under = [(pk, scope) for pk, scope in rows if scope and scope.startswith(path)]
        outer = set(_outermost(scope for _pk, scope in under))
        chosen += [pk for pk, scope in under if scope in outer]
    return sorted(set(chosen))


def _merge_counts(datas: list[dict], key: str, count: str) -> list[dict]:
    merged: dict[str, dict] = {}
    for data in datas:
        for row in data.get("rows", []):
            if row[key] in merged:
                merged[row[key]][count] += row[count]
            else:
                merged[row[key]] = dict(row)
    return sorted(merged.values(), key=lambda r: (-r[count], str(r[key])))


def _merge_items(datas: list[dict]) -> list[dict]:
    if len(datas) == 1:
        return list(datas[0].get("rows", []))
    merged: dict[str, dict] = {}
    for data in datas:
        for row in data.get("rows", []):
            into = merged.get(row["key"])
            if into is None:
                merged[row["key"]] = {**row, "reasons": [dict(r) for r in row["reasons"]]}
                continue
            for name in ("returns", "supplements", "refusals", "total"):
                into[name] += row[name]
            reasons = {r["key"]: r for r in into["reasons"]}
            for r in row["reasons"]:
                if r["key"] in reasons:
                    reasons[r["key"]]["count"] += r["count"]
                else:
                    reasons[r["key"]] = dict(r)
            into["reasons"] = sorted(reasons.values(), key=lambda r: (-r["count"], r["key"]))
    return sorted(merged.values(), key=lambda r: (-r["total"], r["name"], r["key"]))


@dataclass
class Section:
    """One list of the page: its rows (each with ``change``: new, up, down, same — or None when there is no
    report of the previous month to compare with — and ``previous``), and the totals."""

    kind: str
    rows: list[dict]
    computed_at: datetime | None
    compared: bool
    totals: dict[str, int]

    @property
    def present(self) -> bool:
        return self.computed_at is not None


def _with_change(rows: list[dict], before: list[dict] | None, key: str, count: str) -> list[dict]:
    previous = {r[key]: r[count] for r in before} if before is not None else None
    out = []
    for row in rows:
        row = dict(row)
        if previous is None:
            row["change"], row["previous"] = None, None
        else:
            was = previous.get(row[key], 0)
            row["previous"] = was
            row["delta"] = row[count] - was
            row["drop"] = was - row[count]
            row["change"] = (
                "new" if not was else "up" if row[count] > was else "down" if row[count] < was else "same"
            )
        out.append(row)
    return out


_KEYS = {
    BlindSpotKind.SEARCHES: ("key", "count"),
    BlindSpotKind.ITEMS: ("key", "total"),
    BlindSpotKind.REVIEWS: ("theme", "count"),
    BlindSpotKind.COMPLAINTS: ("theme", "count"),
}


def _merged(kind: str, datas: list[dict]) -> tuple[list[dict], dict[str, int]]:
    key, count = _KEYS[kind]
    rows = _merge_items(datas) if kind == BlindSpotKind.ITEMS else _merge_counts(datas, key, count)
    totals: Counter = Counter()
    for data in datas:
        for name, value in data.items():
            if name != "rows" and isinstance(value, int):
                totals[name] += value
    return rows, dict(totals)


def _reports(paths: list[str], months: list[date]) -> dict[tuple[date, str], list[BlindSpotReport]]:
    """The reports of ``months`` a supervisor over ``paths`` reads, by (month, kind): two queries."""
    found = list(
        BlindSpotReport.objects.using(read_db())
        .filter(month__in=months)
        .values_list("pk", "month", "kind", "scope_path")
    )
    wanted: list[int] = []
    for month in months:
        for kind in BlindSpotKind.values:
            rows = [(pk, scope) for pk, m, k, scope in found if m == month and k == kind]
            if kind == BlindSpotKind.SEARCHES:
                wanted += [pk for pk, scope in rows if scope == PLATFORM]
            else:
                wanted += _chosen(rows, paths)
    out: dict[tuple[date, str], list[BlindSpotReport]] = defaultdict(list)
    for report in BlindSpotReport.objects.using(read_db()).filter(pk__in=wanted).order_by("scope_path"):
        out[(report.month, report.kind)].append(report)
    return out


def blind_spots_view(paths: list[str], month: date) -> dict[str, Section]:
    """The page's four lists for a supervisor over ``paths``, with the change against the previous month."""
    before = previous_month(month)
    reports = _reports(paths, [month, before])
    sections = {}
    for kind in BlindSpotKind.values:
        mine = reports.get((month, kind), [])
        rows, totals = _merged(kind, [r.data for r in mine])
        earlier = reports.get((before, kind))
        previous_rows = _merged(kind, [r.data for r in earlier])[0] if earlier else None
        key, count = _KEYS[kind]
        shown = _with_change(rows[:ROWS_SHOWN], previous_rows, key, count)
        for row in shown:
            if "reasons" in row:
                row["reasons"] = row["reasons"][:REASONS_SHOWN]
        sections[kind] = Section(
            kind,
            shown,
            min((r.computed_at for r in mine), default=None),
            previous_rows is not None,
            totals,
        )
    return sections


@dataclass
class ThemePage:
    """The reviews behind a theme, newest first: ``texts`` (ratings.facade.RatingText, masked) of this page,
    ``total`` how many the report lists, ``count`` how many texts the theme has in the month."""

    texts: list
    total: int
    count: int
    computed_at: datetime | None


THEME_PAGE_SIZE = 50


def theme_view(paths: list[str], month: date, kind: str, theme: str, page: int) -> ThemePage | None:
    """Page ``page`` (from 1) of the 差评 (``kind`` reviews) or complaints behind ``theme`` in the reports
    a supervisor over ``paths`` reads; None when the month has no such theme there."""
    from tongban.ratings.facade import bad_review_texts, complaint_texts

    reports = _reports(paths, [month]).get((month, kind), [])
    count = sum(r["count"] for rep in reports for r in rep.data.get("rows", []) if r["theme"] == theme)
    members = BlindSpotMember.objects.using(read_db()).filter(report__in=reports, theme=theme)
    total = members.count()
    if not count and not total:
        return None
    start = (max(page, 1) - 1) * THEME_PAGE_SIZE
    refs = [
        str(u)
        for u in members.order_by("-at", "-id").values_list("ref_uuid", flat=True)[
            start : start + THEME_PAGE_SIZE
        ]
    ]
    read = bad_review_texts if kind == BlindSpotKind.REVIEWS else complaint_texts
    found = {t.uuid: t for t in read(refs)}
    # defence in depth: a text whose unit is no longer under the supervisor is not shown
    texts = [found[r] for r in refs if r in found and any(found[r].unit_path.startswith(p) for p in paths)]
    return ThemePage(texts, total, count, min((r.computed_at for r in reports), default=None))
