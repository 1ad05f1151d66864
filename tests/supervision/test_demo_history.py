"""The demo's history (issue 19): `tongban demo` makes about 600 past cases of the last 90 days and their
好差评, so the supervision dashboards open on months of figures — roll-ups on most days, a 好评率 of the city
between 80 and 100 %, late cases, 差评 tickets and an upheld appeal left out of the figures — and loading the
demo again adds nothing. (A test of the demo itself: it loads the demo on purpose.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from tongban.accounts.models import Organisation, Person, User
from tongban.cases.constants import CASE_NUMBER, OPEN_STEP_STATUSES, Light
from tongban.cases.deadlines import light_on
from tongban.cases.demo_history import HISTORY_CASES, HISTORY_KEY
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseStep, SupervisionEvent
from tongban.core.workdays import working_days_between
from tongban.ratings.models import Appeal, Evaluation, EvaluationMark, RatingInvitation, Ticket, TicketEvent
from tongban.supervision.constants import Dim, Family
from tongban.supervision.figures import total_figures
from tongban.supervision.models import FigureDay
from tongban.supervision.rollup import day_bounds

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models = (
        User, Person, Case, CaseStep, CaseEvent, CaseMaterial, SupervisionEvent,
        Evaluation, EvaluationMark, Ticket, TicketEvent, Appeal, RatingInvitation, FigureDay,
    )  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_the_demo_history_gives_the_dashboards_months_of_figures_and_loads_again_unchanged(capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert f"办件历史 case history: {HISTORY_CASES} new past cases" in out
    assert "好差评 ratings: " in out and " 0 new demo evaluations" not in out
    now = timezone.now()
    today = timezone.localdate(now)
    history = Case.objects.filter(idempotency_key__startswith=HISTORY_KEY)
    assert history.count() == HISTORY_CASES

    # Real-looking cases, in the past, their working days counted as the services count them.
    for case in history:
        assert CASE_NUMBER.fullmatch(case.number) and case.submitted_at < now
        if case.actual_days is not None:
            concluded = timezone.localdate(case.concluded_at)
            assert concluded < today and case.actual_days == working_days_between(case.accepted_on, concluded)
    # The timestamps set on insert (auto_now_add) are the history's: the timeline's, the materials', the lights'.
    assert not CaseEvent.objects.filter(case__in=history, at__gt=now).exists()
    assert not CaseEvent.objects.filter(case__in=history, action="submit").exclude(at=F("case__submitted_at"))
    assert not CaseMaterial.objects.filter(case__in=history, uploaded_at__lt=F("case__submitted_at"))
    assert CaseMaterial.objects.filter(case__in=history, uploaded_at__lt=now - timedelta(days=60)).exists()
    red = SupervisionEvent.objects.filter(case__in=history, rule="case_overdue")
    assert not red.exclude(created_at__lt=F("case__concluded_at"))
    assert {"uploaded", "obtained", "committed"} <= set(CaseMaterial.objects.values_list("mode", flat=True))
    actions = set(CaseEvent.objects.filter(case__in=history).values_list("action", flat=True))
    assert {"submit", "accept", "conclude", "refuse", "request_supplement", "step_return"} <= actions
    # Most on time, some late — each late one turned red on the supervision task's day.
    concluded = history.filter(actual_days__isnull=False)
    late = concluded.filter(actual_days__gt=F("promised_days"))
    assert 0 < late.count() < concluded.count() * 0.15
    assert SupervisionEvent.objects.filter(case__in=late, rule="case_overdue").count() == late.count()
    # The history's open steps are green today: the board of today shows the demo's own cases only; and none
    # waits for acceptance (the window's intake list is the demo's own).
    assert not history.filter(status="submitted").exists()
    for step in CaseStep.objects.filter(case__in=history, status__in=OPEN_STEP_STATUSES):
        assert light_on(today, due=step.due_on, yellow=step.yellow_on) == Light.GREEN

    # The roll-ups have rows on most days of the 90.
    start = today - timedelta(days=90)
    days = set(FigureDay.objects.filter(family=Family.CASES, day__gte=start).values_list("day", flat=True))
    assert len(days) >= 60
    assert FigureDay.objects.filter(family=Family.EVALUATIONS).values("day").distinct().count() >= 50
    city = total_figures(scope=None, start=start, end=today)
    assert 0.8 <= city.good_rate < 1.0
    assert city.turned_red >= late.count() and city.refused > 0 and city.supplemented > 0
    assert 0.8 < city.on_time_rate < 1.0 and 0 < city.fix_rate <= 1.0
    huangpu = Organisation.objects.get(kind="district", name="黄浦区")
    district = total_figures(scope=[huangpu.path], start=start, end=today)
    assert district.concluded > 20 and district.evaluations > 10 and district.bad_due > 0

    # Evaluations are given after their case's conclusion; 差评 open their tickets, most answered and revisited.
    concluded_at = dict(history.values_list("uuid", "concluded_at"))
    for subject, given in Evaluation.objects.filter(kind="case").values_list("subject_uuid", "created_at"):
        assert concluded_at[subject] <= given <= now
    bad_reviews = Ticket.objects.filter(kind="bad_review")
    assert bad_reviews.count() == Evaluation.objects.filter(level__lte=2).count() > 0
    assert bad_reviews.filter(revisited_at__isnull=False).count() > bad_reviews.count() / 2
    assert bad_reviews.filter(answered_at__date__gt=F("answer_due")).exists()  # some answered late
    assert Ticket.objects.filter(kind="complaint").exclude(content="").exists()

    # One appeal upheld: the evaluation is kept, marked, and left out of its department's figures.
    appeal = Appeal.objects.get(status="upheld")
    evaluation = appeal.ticket.evaluation
    assert appeal.ticket.status == "closed_excluded"
    assert EvaluationMark.objects.filter(evaluation=evaluation, kind="appeal_upheld").exists()
    day = timezone.localdate(evaluation.created_at)
    given = Evaluation.objects.filter(
        unit_uuid=evaluation.unit_uuid, created_at__gte=day_bounds(day)[0], created_at__lt=day_bounds(day)[1]
    )
    row = FigureDay.objects.get(
        family=Family.EVALUATIONS, dim=Dim.DEPARTMENT, unit_key=str(evaluation.unit_uuid), day=day
    ) if given.count() > 1 else None  # fmt: skip
    assert (row.evaluations if row else 0) == given.count() - 1
    assert (row.bad if row else 0) == given.filter(level__lte=2).count() - 1

    # Loading again adds nothing and changes no figure.
    before, figures = counts(), total_figures(scope=None, start=start, end=today).counts
    call_command("demo")
    out = capsys.readouterr().out
    assert "办件历史 case history: 0 new past cases" in out
    assert "好差评 ratings: 0 new demo evaluations, 0 差评 tickets, 0 12345 complaints" in out
    assert counts() == before
    assert total_figures(scope=None, start=start, end=today).counts == figures
