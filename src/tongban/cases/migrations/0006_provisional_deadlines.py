"""Case and step deadlines get a flag: counted over a year with no State Council notice yet. Open cases whose
deadlines already reach such a year are flagged here (their dates are recomputed when the notice is entered)."""

from datetime import date, timedelta

from django.db import migrations, models

OPEN_CASE = ("submitted", "supplement", "in_process", "returned")
OPEN_STEP = ("ready", "claimed", "held", "returned")


def flag_open_deadlines(apps, schema_editor):
    Day = apps.get_model("core", "WorkCalendarDay")
    Case = apps.get_model("cases", "Case")
    CaseStep = apps.get_model("cases", "CaseStep")
    counts: dict[int, int] = {}
    for day in Day.objects.values_list("date", flat=True).iterator():
        counts[day.year] = counts.get(day.year, 0) + 1
    complete = {y for y, n in counts.items() if n == (date(y + 1, 1, 1) - date(y, 1, 1)).days}
    cases = Case.objects.filter(status__in=OPEN_CASE, due_on__isnull=False, accepted_on__isnull=False)
    steps = CaseStep.objects.filter(
        case__status__in=OPEN_CASE, status__in=OPEN_STEP, due_on__isnull=False, started_on__isnull=False
    )
    for model, qs, start in ((Case, cases, "accepted_on"), (CaseStep, steps, "started_on")):
        flagged = [
            pk
            for pk, begin, due in qs.values_list("pk", start, "due_on").iterator()
            if due > begin
            and any(y not in complete for y in range((begin + timedelta(days=1)).year, due.year + 1))
        ]
        for i in range(0, len(flagged), 1000):
            model.objects.filter(pk__in=flagged[i : i + 1000]).update(due_on_provisional=True)


class Migration(migrations.Migration):
    # After 0006_request_fingerprint (made at the same time by another change) so that the app has one leaf.
    dependencies = [
        ("core", "0001_initial"),
        ("cases", "0005_step_held_and_closed"),
        ("cases", "0006_request_fingerprint"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="due_on_provisional",
            field=models.BooleanField(default=False, verbose_name="期限暂按法定节假日推算"),
        ),
        migrations.AddField(
            model_name="casestep",
            name="due_on_provisional",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(flag_open_deadlines, migrations.RunPython.noop),
    ]
