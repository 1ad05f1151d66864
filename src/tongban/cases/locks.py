"""Every row lock of the cases context, in one place and one order: the case row first, then its steps (by
their order in the plan), then its special procedures. A transaction that needs several takes them in that
order, so two transitions of one case never wait for each other in a circle (Saleor's lock_objects)."""

from __future__ import annotations

from tongban.cases.models import Case, CaseStep, SpecialProcedure


def lock_case(case: Case | int) -> Case:
    """The case, read again under a row lock (``case``: the case or its primary key)."""
    return Case.objects.select_for_update().get(pk=case.pk if isinstance(case, Case) else case)


def lock_step(step: CaseStep) -> tuple[Case, CaseStep]:
    """The step's case, then the step, each read again under a row lock."""
    case = lock_case(step.case_id)
    return case, CaseStep.objects.select_for_update().get(pk=step.pk)


def lock_steps(case: Case) -> list[CaseStep]:
    """All the steps of a case already locked, in their order."""
    return list(case.steps.select_for_update().order_by("order"))


def lock_open_steps(case: Case, statuses) -> list[CaseStep]:
    """The case's steps in ``statuses``, locked, in their order."""
    return list(case.steps.select_for_update().filter(status__in=statuses).order_by("order"))


def lock_running_special_procedure(case: Case) -> SpecialProcedure:
    """The special procedure of a locked case that has not ended."""
    return case.special_procedures.select_for_update().get(ended_on__isnull=True)


def lock_cases(cases) -> list[Case]:
    """The cases of a queryset, locked in primary-key order (a batch, as the deadline recomputation takes)."""
    return list(cases.select_for_update().order_by("pk"))


def lock_steps_of(steps) -> list[CaseStep]:
    """The steps of a queryset over several cases, locked by case, then order; take the cases first."""
    return list(steps.select_for_update().order_by("case_id", "order"))
