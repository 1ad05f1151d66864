"""What other contexts may use of cases (ADR 0008): for now the demo loader, which the portal's demo
command runs after the identity, catalog and licence demos."""

from __future__ import annotations

from tongban.cases.demo import demo_load_cases

__all__ = ["demo_load_cases"]


# --- the front desk's counter (综合窗口 代办): submission, acceptance and on-the-spot conclusion at a window --
from tongban.cases.application_form import fields_of as application_form_fields
from tongban.cases.application_form import read_posted as application_form_read
from tongban.cases.services import window as _window
from tongban.cases.services.window import PRECHECK_LABELS, WindowCase


def case_submit_at_window(**kwargs) -> WindowCase:
    """Open and accept at once a case for an applicant a clerk identified in person (代办; the arguments of
    ``cases.services.window.case_submit_at_window``)."""
    from tongban.catalog.facade import application_target

    case = _window.case_submit_at_window(**kwargs)
    target = application_target(case.target_kind, case.target_uuid)
    return _window.window_case(case, immediate=bool(target and target.immediate))


def case_conclude_at_window(*, actor, case_uuid, immediate: bool) -> bool:
    """即办件: conclude on the spot a case the clerk opened, when they may decide all of it; False if not."""
    from tongban.cases.models import Case

    case = Case.objects.filter(uuid=case_uuid).first()
    if case is None:
        return False
    return _window.case_conclude_at_window(actor=actor, case=case, immediate=immediate)


def window_case_read(case_uuid) -> WindowCase | None:
    """A case opened at a window, as the window prints it (the caller holds its uuid from its service)."""
    from tongban.cases.models import Case

    case = Case.objects.filter(uuid=case_uuid).first()
    return _window.window_case(case) if case is not None else None


__all__ += [
    "PRECHECK_LABELS",
    "WindowCase",
    "application_form_fields",
    "application_form_read",
    "case_conclude_at_window",
    "case_submit_at_window",
    "window_case_read",
]
