"""Seed the working-day calendar from chinesecalendar for 2020 up to the last year the package knows."""

from datetime import date, timedelta

from django.db import migrations

FIRST_YEAR = 2020


def _rows(model, year):
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    notice = f"国务院办公厅关于{year}年部分节假日安排的通知（据 chinesecalendar 数据导入）"
    day = date(year, 1, 1)
    rows = []
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        weekend = day.weekday() >= 5
        if on_holiday and name:
            kind = "holiday"
        elif on_holiday:
            kind = "weekend"
        elif weekend:
            kind = "makeup_workday"
        else:
            kind = "workday"
        label = Holiday(name).chinese if name else ""
        rows.append(model(date=day, kind=kind, name=label, source_notice=notice))
        day += timedelta(days=1)
    return rows


def forwards(apps, schema_editor):
    model = apps.get_model("core", "WorkCalendarDay")
    year = FIRST_YEAR
    while True:
        try:
            rows = _rows(model, year)
        except NotImplementedError:
            break
        model.objects.bulk_create(rows, ignore_conflicts=True)
        year += 1


def backwards(apps, schema_editor):
    apps.get_model("core", "WorkCalendarDay").objects.filter(date__year__gte=FIRST_YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
