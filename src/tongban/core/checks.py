"""Our own deployment checks (run by `tongban check-deploy` beside Django's)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database, deploy=True)
def calendar_years_present(app_configs=None, **kwargs):
    from tongban.core.workdays import calendar_provisional_years

    try:
        provisional = calendar_provisional_years()
    except DatabaseError:
        return []
    return [
        Warning(
            f"工作日历缺少 {year} 年的数据（国务院节假日安排通知尚未录入），该年暂按法定节假日推算（无调休），"
            "据此计算的办件期限均标为暂定。",
            hint="用 `tongban calendar notice FILE.json` 录入该年的通知（在办办件的期限随即重新计算），或升级 "
            "chinesecalendar 后 `tongban calendar seed YEAR`，或在管理后台『工作日历』中逐日修改。",
            id="tongban.W001",
        )
        for year in provisional
    ]


# Outside demo mode, each of these still at its stand-in default deserves a warning.
_STAND_INS = [
    (
        "tongban.W003",
        lambda: settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        "SQLite is the embedded default; production should set DATABASE_URL to PostgreSQL.",
    ),
    (
        "tongban.W004",
        lambda: not settings.REDIS_URL,
        "REDIS_URL is not set: cache and task queue fall back to the database.",
    ),
    (
        "tongban.W005",
        lambda: settings.TONGBAN_SMS_PROVIDER == "tongban.core.messaging.OutboxSmsProvider",
        "TONGBAN_SMS_PROVIDER is the outbox: SMS codes are written to a table, not sent; "
        "registration and SMS login will not reach people.",
    ),
    (
        "tongban.W006",
        lambda: settings.TONGBAN_POPULATION_REGISTER.endswith("TablePopulationRegister"),
        "TONGBAN_POPULATION_REGISTER is the local table: connect the real population register "
        "for L2 real-name checks.",
    ),
    (
        "tongban.W007",
        lambda: settings.TONGBAN_BUSINESS_REGISTER.endswith("TableBusinessRegister"),
        "TONGBAN_BUSINESS_REGISTER is the local table: connect the market-entity register so that "
        "legal representatives are checked when they register enterprises.",
    ),
    (
        "tongban.W008",
        lambda: not settings.TONGBAN_KEY_ENCRYPTION_KEYS,
        "TONGBAN_KEY_ENCRYPTION_KEYS is not set: the issuers' private signing keys are encrypted under a key "
        "derived from SECRET_KEY; set a Fernet key kept apart from the database backups.",
    ),
]


@register(Tags.security, deploy=True)
def secure_settings(app_configs=None, **kwargs):
    if settings.DEMO:
        return [Warning("TONGBAN_DEMO is on: demo accounts and insecure cookies.", id="tongban.W002")]
    return [Warning(message, id=check_id) for check_id, applies, message in _STAND_INS if applies()]
