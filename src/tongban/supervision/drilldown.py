"""From a unit's figure to the cases and tickets behind it (issue 19 §1): the lists count exactly what the
daily roll-up counted (rollup.py), through the owning contexts' facades, and only what the supervisor may
open (the cases of the departments they oversee, the tickets of the units under them).

Which unit a raw row belongs to follows rollup.py: a case by its lead department (and so that department's
district) and its target (item or bundle); a 差评 ticket by its handling unit (a department, a service centre
or a window, and so its district). A unit's district is its nearest ancestor of kind district, else the
region (a city-level unit counts under its region, "市级")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from tongban.accounts.facade import organisation_info, organisation_list
from tongban.cases.facade import supervision_cases
from tongban.core.actors import Actor
from tongban.core.errors import InvalidInput, NotFound
from tongban.ratings.facade import supervision_tickets
from tongban.supervision.access import Unit
from tongban.supervision.constants import Dim
from tongban.supervision.db import read_db


@dataclass(frozen=True)
class DrillFigure:
    name: str
    family: str  # "cases" or "tickets": which list
    label: str  # the shortfall listed, as a heading says it
    counter: str  # the figure's counter (or "concluded - on_time" …) the list's length equals


CASE_FIGURES = {
    "turned_red": DrillFigure("turned_red", "cases", _("超期（亮红灯）的办件"), "turned_red"),
    "concluded_late": DrillFigure("concluded_late", "cases", _("超过承诺时限办结的办件"), "concluded_late"),
    "refused": DrillFigure("refused", "cases", _("不予受理的办件"), "refused"),
    "supplemented": DrillFigure("supplemented", "cases", _("告知补正的办件"), "supplemented"),
}
TICKET_FIGURES = {
    "bad_due_unfixed": DrillFigure(
        "bad_due_unfixed", "tickets", _("未按期整改答复的差评工单"), "bad_due_unfixed"
    ),
    "not_revisited": DrillFigure("not_revisited", "tickets", _("未回访的实名差评工单"), "not_revisited"),
}
# The dimensions whose rows count each family (rollup.py): cases by lead department and target, 差评 tickets
# by handling unit.
CASE_DIMS = frozenset({Dim.DEPARTMENT, Dim.DISTRICT, Dim.ITEM, Dim.BUNDLE})
TICKET_DIMS = frozenset({Dim.DEPARTMENT, Dim.DISTRICT, Dim.CENTRE, Dim.WINDOW})
UNIT_KINDS = ("department", "service_centre", "window")
LIST_CAP = 1000  # rows a list holds at most (a figure beyond it: narrow the period)


def drill_figure(family: str, name: str, dim: str) -> DrillFigure:
    """The figure asked for; 422 ``invalid_input`` for a figure the family does not list, 404 for a dimension
    whose rows do not count that family (a window has no cases)."""
    figures, dims = (CASE_FIGURES, CASE_DIMS) if family == "cases" else (TICKET_FIGURES, TICKET_DIMS)
    if dim not in dims:
        raise NotFound()
    figure = figures.get(name)
    if figure is None:
        raise InvalidInput(message=_("请选择要查看的指标"), field="figure")
    return figure


def shortfall(figures, name: str) -> int:
    """How many rows the list of ``name`` holds, from the unit's counters (what the page promises)."""
    if name == "concluded_late":
        return figures.concluded - figures.on_time
    if name == "bad_due_unfixed":
        return figures.bad_due - figures.bad_fixed
    if name == "not_revisited":
        return figures.real_name_bad - figures.revisited
    return getattr(figures, name)


def district_members(district_uuid: str, kinds) -> list[str]:
    """The organisations of ``kinds`` whose district (rollup.Orgs) is ``district_uuid``: those in its subtree
    but not inside another district of it (for a region: its city-level units)."""
    root = organisation_info(district_uuid)
    if root is None:
        return []
    others = [d.path for d in organisation_list(kind="district", under=district_uuid) if d.uuid != root.uuid]
    return [
        org.uuid
        for kind in kinds
        for org in organisation_list(kind=kind, under=district_uuid)
        if not any(org.path.startswith(p) for p in others)
    ]


def cases_behind(*, actor: Actor, unit: Unit, figure: str, start: date, end: date):
    """The cases behind ``figure`` of ``unit`` over [start, end] (cases.facade.supervision_cases)."""
    kwargs: dict = {}
    if unit.dim == Dim.DEPARTMENT:
        kwargs["department_uuids"] = [unit.key]
    elif unit.dim == Dim.DISTRICT:
        kwargs["department_uuids"] = district_members(unit.key, ["department"])
    else:  # an item or a bundle, of the departments the supervisor oversees
        kwargs["target_kind"], kwargs["target_uuid"] = unit.dim, unit.key
    return supervision_cases(
        actor=actor, figure=figure, start=start, end=end, using=read_db(), limit=LIST_CAP, **kwargs
    )


def tickets_behind(*, actor: Actor, unit: Unit, figure: str, start: date, end: date, today: date):
    """The 差评 tickets behind ``figure`` of ``unit`` over [start, end] (ratings.facade.supervision_tickets)."""
    units = district_members(unit.key, UNIT_KINDS) if unit.dim == Dim.DISTRICT else [unit.key]
    return supervision_tickets(
        actor=actor,
        figure=figure,
        start=start,
        end=end,
        today=today,
        unit_uuids=units,
        using=read_db(),
        limit=LIST_CAP,
    )
