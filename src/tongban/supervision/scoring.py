"""How a unit's figures of a period become its score (docs/domain/supervision-assessments.md §2).

Each figure a scheme may weigh is a ratio of two counters of :class:`~tongban.supervision.figures.UnitFigures`
and turns into points from 0 to 100:

- a **rate** (higher is better: 好评率, 按期办结率 …): ``100 × value``, at most 100 (主动评价率 may pass 100 %:
  evaluations given in a period of cases concluded before it);
- a **half** ratio (双减半, lower is better, the target is one half): 100 at 0.5 or below, 0 at 1 or above,
  ``200 × (1 − value)`` between;
- the mean **stars** (1–5): ``25 × (stars − 1)``.

The score is the weighted mean of the points of the figures *present* (denominator not zero):
``score = Σ w·p / Σ w`` over them, so the weight of a missing figure is spread over the present ones in
proportion to their weights. No figure present: no score, and the unit is not ranked. Scores are rounded half
up to two decimals; ranks follow the rounded scores (equal scores share a rank: 1, 2, 2, 4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from tongban.supervision.errors import SchemeInvalid

RATE = "rate"
HALF = "half"
STARS = "stars"


@dataclass(frozen=True)
class Scorable:
    name: str  # the UnitFigures property
    label: object  # lazy: translated where it is shown
    num: str  # the counters the figure divides
    den: str
    kind: str  # RATE, HALF or STARS


SCORABLE: dict[str, Scorable] = {
    s.name: s
    for s in (
        Scorable("good_rate", _("好评率"), "good", "evaluations", RATE),
        Scorable("active_rate", _("主动评价率"), "case_first", "concluded", RATE),
        Scorable("stars", _("平均星级"), "level_sum", "evaluations", STARS),
        Scorable("fix_rate", _("差评整改率"), "bad_fixed", "bad_due", RATE),
        Scorable("revisit_rate", _("实名差评回访率"), "revisited", "real_name_bad", RATE),
        Scorable("on_time_rate", _("按期办结率"), "on_time", "concluded", RATE),
        Scorable("actual_vs_promised", _("实际用时/承诺时限（双减半）"), "actual_sum", "promised_sum", HALF),
        Scorable("promised_vs_legal", _("承诺时限/法定时限（双减半）"), "promised_sum", "legal_sum", HALF),
        Scorable("within_half_share", _("半数时限内办结率"), "within_half", "concluded", RATE),
        Scorable("exempt_share", _("材料免提交率"), "materials_exempt", "materials_total", RATE),
        Scorable("zero_visit_share", _("零跑动率"), "zero_visit", "submitted", RATE),
        Scorable("fully_online_share", _("全程网办率"), "fully_online", "submitted", RATE),
        Scorable("accuracy", _("受理准确率"), "accurate", "accepted", RATE),
        Scorable("on_the_spot_share", _("当场办结率"), "on_the_spot", "services", RATE),
    )
}

# The default scheme (version 1, made by migration 0100): 100 points over seven figures.
DEFAULT_WEIGHTS: dict[str, int] = {
    "good_rate": 25,
    "on_time_rate": 20,
    "fix_rate": 15,
    "active_rate": 10,
    "revisit_rate": 10,
    "actual_vs_promised": 10,
    "accuracy": 10,
}
WEIGHT_MAX = 100
TWO_PLACES = Decimal("0.01")


def points(kind: str, value: float) -> float:
    """A figure's value as 0–100 points."""
    if kind == RATE:
        return min(100.0, max(0.0, 100.0 * value))
    if kind == HALF:
        return min(100.0, max(0.0, 200.0 * (1.0 - value)))
    if kind == STARS:
        return min(100.0, max(0.0, 25.0 * (value - 1.0)))
    raise ValueError(kind)


def rounded(value: float) -> Decimal:
    """Half up to two decimals (the score a page, a circular and a rank read)."""
    return Decimal(repr(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Scored:
    score: Decimal | None
    figures: dict  # {name: {"value", "points", "num", "den", "weight"}} for every weighted figure


def score_of(counts: dict[str, int], weights: dict[str, float]) -> Scored:
    """The score of one unit's counters under ``weights`` (see the module's docstring)."""
    figures: dict[str, dict] = {}
    total = weighted = 0.0
    for name, weight in weights.items():
        spec = SCORABLE[name]
        num, den = int(counts.get(spec.num, 0)), int(counts.get(spec.den, 0))
        value = num / den if den else None
        got = points(spec.kind, value) if value is not None else None
        figures[name] = {
            "value": value,
            "points": float(rounded(got)) if got is not None else None,
            "num": num,
            "den": den,
            "weight": weight,
        }
        if got is not None and weight > 0:
            total += weight * got
            weighted += weight
    return Scored(rounded(total / weighted) if weighted else None, figures)


def ranks(scores: dict[str, Decimal | None]) -> dict[str, int | None]:
    """Standard competition ranks of the scores (1, 2, 2, 4); None for a unit without a score."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for i, s in enumerate(ordered, start=1):
        first_place.setdefault(s, i)
    return {key: (first_place[s] if s is not None else None) for key, s in scores.items()}


def weights_clean(raw: dict) -> dict[str, float]:
    """The weights of a new scheme: known figures only, each a number from 0 to 100, at least one above 0;
    zeros are left out. 422 ``supervision_scheme_invalid`` (``field``: the figure) otherwise."""
    if not isinstance(raw, dict):
        raise SchemeInvalid(field="weights")
    clean: dict[str, float] = {}
    for name, value in raw.items():
        if name not in SCORABLE:
            raise SchemeInvalid(field=str(name)[:40], known=sorted(SCORABLE))
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError) as exc:
            raise SchemeInvalid(field=name) from exc
        if not number.is_finite() or number < 0 or number > WEIGHT_MAX:
            raise SchemeInvalid(field=name)
        if number > 0:
            clean[name] = int(number) if number == number.to_integral_value() else float(number)
    if not clean:
        raise SchemeInvalid(field="weights")
    return {name: clean[name] for name in SCORABLE if name in clean}


def ordered(weights: dict) -> list[str]:
    """The weighted figures in the order pages and documents show them: heaviest first, then as SCORABLE
    lists them (a JSON column does not keep the order the weights were written in)."""
    order = list(SCORABLE)
    names = [n for n in weights if n in SCORABLE]
    return sorted(names, key=lambda n: (-float(weights[n] or 0), order.index(n)))


def figure_weights(figures: dict) -> dict:
    """{figure: weight} of a stored result's figures."""
    return {name: f.get("weight", 0) for name, f in figures.items()}


def weights_share(weights: dict[str, float]) -> dict[str, float]:
    """Each weight as a share of the total, in percent (how a page shows a scheme)."""
    total = sum(weights.values()) or 1
    return {name: 100.0 * w / total for name, w in weights.items()}


def value_text(name: str, figure: dict | None) -> str:
    """A figure's value as a table shows it: 80.0%, 0.62, 4.2, or — when it has no denominator."""
    spec = SCORABLE.get(name)
    if spec is None or not figure or figure.get("value") is None:
        return "—"
    value = figure["value"]
    if spec.kind == RATE:
        return f"{100 * value:.1f}%"
    if spec.kind == HALF:
        return f"{value:.2f}"
    return f"{value:.1f}"
