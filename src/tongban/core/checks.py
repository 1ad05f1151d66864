"""Our own deployment checks (run by `tongban check-deploy` beside Django's)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database, deploy=True)
def calendar_years_present(app_configs=None, **kwargs):
    from tongban.core.workdays import calendar_missing_years

    try:
        missing = calendar_missing_years()
    except DatabaseError:
        return []
    return [
        Warning(
            f"工作日历缺少 {year} 年的数据（国务院节假日安排通知尚未录入），该年暂按周一至周五计算。",
            hint="用 `tongban calendar notice FILE.json` 录入该年的通知，或升级 chinesecalendar 后 "
            "`tongban calendar seed YEAR`，或在管理后台『工作日历』中逐日修改。",
            id="tongban.W001",
        )
        for year in missing
    ]


@register(Tags.security, deploy=True)
def secure_settings(app_configs=None, **kwargs):
    problems = []
    if settings.DEMO:
        problems.append(Warning("TONGBAN_DEMO is on: demo accounts and insecure cookies.", id="tongban.W002"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.DEMO:
        problems.append(
            Warning(
                "SQLite is the embedded default; production should set DATABASE_URL to PostgreSQL.",
                id="tongban.W003",
            )
        )
    if not settings.DEMO and settings.TONGBAN_SMS_PROVIDER == "tongban.core.messaging.OutboxSmsProvider":
        problems.append(
            Warning(
                "TONGBAN_SMS_PROVIDER is the outbox: SMS codes are written to a table, not sent; "
                "registration and SMS login will not reach people.",
                id="tongban.W005",
            )
        )
    if not settings.DEMO and settings.TONGBAN_POPULATION_REGISTER.endswith("TablePopulationRegister"):
        problems.append(
            Warning(
                "TONGBAN_POPULATION_REGISTER is the local table: connect the real population register "
                "for L2 real-name checks.",
                id="tongban.W006",
            )
        )
    if not settings.DEMO and settings.TONGBAN_BUSINESS_REGISTER.endswith("TableBusinessRegister"):
        problems.append(
            Warning(
                "TONGBAN_BUSINESS_REGISTER is the local table: connect the market-entity register so that "
                "legal representatives are checked when they register enterprises.",
                id="tongban.W007",
            )
        )
    if not settings.REDIS_URL and not settings.DEMO:
        problems.append(
            Warning(
                "REDIS_URL is not set: cache and task queue fall back to the database.", id="tongban.W004"
            )
        )
    return problems
