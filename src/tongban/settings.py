"""Tongban settings: everything comes from the environment (see docs/operations.md and .env.example).

The defaults make `make run` work on a fresh machine: SQLite and files under ``var/``, tasks in the same
database, a secret key generated into ``var/secret_key``. Outside demo mode the defaults are secure: DEBUG
off, secure cookies, HSTS, a Content-Security-Policy without inline scripts.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url

from tongban.core.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("TONGBAN_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEMO = env_bool("TONGBAN_DEMO", False)
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Region this deployment serves: a GB/T 2260 code (310000 = 上海市).
TONGBAN_REGION_CODE = env_str("TONGBAN_REGION_CODE", "310000")
TONGBAN_REGION_NAME = env_str("TONGBAN_REGION_NAME", "上海市")
TONGBAN_SITE_NAME = env_str("TONGBAN_SITE_NAME", "通办 · 一网通办")
# The names in the English interface (the Chinese ones when empty).
TONGBAN_SITE_NAME_EN = env_str("TONGBAN_SITE_NAME_EN", "Tongban")
TONGBAN_REGION_NAME_EN = env_str(
    "TONGBAN_REGION_NAME_EN", "Shanghai" if TONGBAN_REGION_NAME == "上海市" else ""
)


# 好差评: the working-day limits of the bad-review loop and of 12345 complaints in this region, as
# "contact=1,simple=5,complex=15,revisit=5" (Shanghai's 1/5/15 where unset; docs/domain/ratings.md §5).
def _ratings_limits() -> dict[str, int]:
    from django.core.exceptions import ImproperlyConfigured

    names = {"contact", "simple", "complex", "revisit", "appeal_file", "appeal_decide"}
    limits = {}
    for part in env_list("TONGBAN_RATINGS_LIMITS", []):
        name, _sep, value = part.partition("=")
        if name.strip() not in names or not value.strip().isdigit() or int(value) > 60:
            raise ImproperlyConfigured(
                f"TONGBAN_RATINGS_LIMITS: {part!r} is not one of {sorted(names)} = working days (0–60)"
            )
        limits[name.strip()] = int(value)
    return limits


RATINGS_LIMITS = _ratings_limits()
# 好差评 by SMS reply: the secret the SMS provider sends with each reply it posts to
# /api/ratings/sms-replies (empty: replies are refused and the invitations do not offer them).
TONGBAN_SMS_INBOUND_SECRET = env_str("TONGBAN_SMS_INBOUND_SECRET", "")
# Keys that encrypt the issuers' private signing keys at rest (Fernet keys, comma-separated: the first
# encrypts, all decrypt, so a new key is put first and `tongban licences rekey` re-encrypts). Empty: one key
# derived from SECRET_KEY (check-deploy warns).
TONGBAN_KEY_ENCRYPTION_KEYS = env_list("TONGBAN_KEY_ENCRYPTION_KEYS", [])
# 亮证: how long the token in a licence's QR code lives (seconds).
TONGBAN_SHOW_TOKEN_SECONDS = env_int("TONGBAN_SHOW_TOKEN_SECONDS", 60)
# Token Status Lists: how many lists of 2**20 licences the random status indices are spread over.
TONGBAN_STATUS_LIST_COUNT = env_int("TONGBAN_STATUS_LIST_COUNT", 16)
# The site's public address (scheme, host, port; no path): the URLs that signed documents carry — an SD-JWT
# VC's issuer (`iss`) and status list URI, a Token Status List's `sub` — are built from it, not from requests.
TONGBAN_PUBLIC_BASE_URL = env_str("TONGBAN_PUBLIC_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")


def _check_base_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or any(c in url for c in "?#")
        or parts.path
    ):
        raise ValueError(
            "TONGBAN_PUBLIC_BASE_URL must be a scheme, a host and an optional port, without a path, e.g. "
            f"https://tongban.example.gov.cn; got {url!r}"
        )
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"TONGBAN_PUBLIC_BASE_URL has a bad port: {url!r}") from exc


_check_base_url(TONGBAN_PUBLIC_BASE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "template_partials",
    "django_htmx",
    "django_tasks",
    "tongban.accounts.oidc_app.OAuthProviderConfig",  # django-oauth-toolkit, the OIDC provider (accounts.oidc)
    "tongban.core.tasks_app.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
    "tongban.core",
    "tongban.accounts",
    "tongban.catalog",
    "tongban.notifications",
    "tongban.licences",
    "tongban.seals",
    "tongban.frontdesk",
    "tongban.cases",
    "tongban.ratings",
    "tongban.supervision",
    "tongban.federation",
    "tongban.portal",
]

MIDDLEWARE = [
    "tongban.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tongban.core.middleware.ContentSecurityPolicyMiddleware",
    "tongban.core.middleware.ApiErrorShapeMiddleware",
    "tongban.core.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tongban.accounts.actors.ActorMiddleware",
    "tongban.accounts.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tongban.urls"
WSGI_APPLICATION = "tongban.wsgi.application"
ASGI_APPLICATION = "tongban.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongban.portal.context_processors.site",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tongban.sqlite3'}")
# Connections stay open for 600 s. The health check before reusing one (a `SELECT 1` round trip at the start
# of every request) is off by default: it cost a tenth of a verification's time, and without it a worker's
# first request after a database restart fails once, and the broken connection is dropped at its end.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=600, conn_health_checks=env_bool("TONGBAN_DB_HEALTH_CHECKS", False)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "TONGBAN_DB_PREPARED_STATEMENTS", True
):
    # Django's ORM binds parameters on the client and never prepares; this lets the few hot statements that
    # use a server-binding cursor (the licence verification) be prepared once per connection. Turn it off
    # behind a PgBouncer in transaction mode without max_prepared_statements.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
# A read replica (PostgreSQL streaming replica) for the supervision dashboards (docs/operations.md §19): they
# read only the daily roll-ups, which may lag the primary by the replica's delay. Migrations run only on the
# primary (core.db_router); in tests the replica mirrors the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=600)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["tongban.core.db_router.PrimaryRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions, tasks -------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "tongban.core.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Shared by every server process on the machine (throttles and lockouts must not be per process).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tongban_cache",
            "OPTIONS": {
                "MAX_ENTRIES": env_int("TONGBAN_DB_CACHE_MAX_ENTRIES", 200_000),
                "CULL_FREQUENCY": 10,
            },
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

TASKS_BACKEND = env_str("TONGBAN_TASKS_BACKEND", "rq" if REDIS_URL else "database")
if TASKS_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # With REDIS_URL, RQ shares the cache's connection pool (see tongban.core.redis).
    RQ_QUEUES = {
        "default": {"USE_REDIS_CACHE": "default"} if REDIS_URL else {"URL": "redis://127.0.0.1:6379/0"}
    }
    INSTALLED_APPS.append("django_rq")
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- 长三角 federation (docs/operations.md §21) -----------------------------------------------------
# The region this member belongs to (e.g. "csj" for 长三角); empty: it accepts any region's first trust list.
TONGBAN_FEDERATION_REGION = env_str("TONGBAN_FEDERATION_REGION", "")
# Where the coordinating member serves the trust list (empty on the coordinator itself).
TONGBAN_FEDERATION_COORDINATOR_URL = env_str("TONGBAN_FEDERATION_COORDINATOR_URL", "").rstrip("/")
TONGBAN_FEDERATION_PULL_MINUTES = env_int("TONGBAN_FEDERATION_PULL_MINUTES", 60)
TONGBAN_FEDERATION_RETRY_MAX_SECONDS = env_int("TONGBAN_FEDERATION_RETRY_MAX_SECONDS", 60)
TONGBAN_FEDERATION_MESSAGE_MAX_AGE_DAYS = env_int("TONGBAN_FEDERATION_MESSAGE_MAX_AGE_DAYS", 30)
TONGBAN_FEDERATION_HTTP_TIMEOUT = env_int("TONGBAN_FEDERATION_HTTP_TIMEOUT", 10)
# Licence recognition: how long a partner's status list fetched here may still be used while the partner
# does not answer (hours; docs/domain/federation.md §4).
TONGBAN_FEDERATION_OFFLINE_HOURS = env_int("TONGBAN_FEDERATION_OFFLINE_HOURS", 24)

# --- auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tongban.accounts.backends.PhoneOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:me"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("TONGBAN_SESSION_AGE_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("TONGBAN_SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Login protection (see accounts/throttle.py).
TONGBAN_LOGIN_MAX_FAILURES = env_int("TONGBAN_LOGIN_MAX_FAILURES", 5)
TONGBAN_LOGIN_LOCKOUT_SECONDS = env_int("TONGBAN_LOGIN_LOCKOUT_SECONDS", 15 * 60)
TONGBAN_LOGIN_IP_PER_HOUR = env_int("TONGBAN_LOGIN_IP_PER_HOUR", 60)
# Evaluations (好差评) per client address an hour (docs/domain/ratings.md §4: 60). Raised only by the benchmarks
# (bench/ratings_http.py), whose clients all come from 127.0.0.1; production keeps the default.
TONGBAN_RATINGS_IP_PER_HOUR = env_int("TONGBAN_RATINGS_IP_PER_HOUR", 60)
TONGBAN_SMS_CODE_TTL_SECONDS = env_int("TONGBAN_SMS_CODE_TTL_SECONDS", 300)
TONGBAN_SMS_CODE_MAX_TRIES = env_int("TONGBAN_SMS_CODE_MAX_TRIES", 5)
TONGBAN_SMS_PHONE_INTERVAL_SECONDS = env_int("TONGBAN_SMS_PHONE_INTERVAL_SECONDS", 60)
TONGBAN_SMS_PHONE_PER_HOUR = env_int("TONGBAN_SMS_PHONE_PER_HOUR", 5)
TONGBAN_SMS_IP_PER_HOUR = env_int("TONGBAN_SMS_IP_PER_HOUR", 20)
TONGBAN_SMS_PROVIDER = env_str("TONGBAN_SMS_PROVIDER", "tongban.core.messaging.OutboxSmsProvider")
# Durable delivery and retention (tongban maintenance; docs/operations.md §1 and §4).
TONGBAN_SMS_MAX_ATTEMPTS = env_int("TONGBAN_SMS_MAX_ATTEMPTS", 5)

# 监督考核 (docs/operations.md §19): the maintenance sweep brings the daily roll-ups up to date at most this often
# (minutes; the first sweep of a new day always runs).
TONGBAN_SUPERVISION_ROLLUP_MINUTES = env_int("TONGBAN_SUPERVISION_ROLLUP_MINUTES", 15)
# 服务盲区 (docs/operations.md §20): the maintenance sweep computes the current month's blind-spot report again at
# most this often (minutes); the previous month once more after it ended.
TONGBAN_BLIND_SPOTS_MINUTES = env_int("TONGBAN_BLIND_SPOTS_MINUTES", 60)

# 好差评 (docs/domain/ratings.md §8, docs/operations.md): the national upload's transport, a dotted path to a
# class with ``send(*, record, key)``; the default appends JSON lines under the var dir. The exchange
# profiles' settings, as JSON: {"zhejiang": {"app_status": "", "data_source": "", "indicator_codes": {}}}
# (no defaults: what is not set is exported empty and named in the export's report).
RATINGS_UPLOAD_TRANSPORT = env_str(
    "TONGBAN_RATINGS_UPLOAD_TRANSPORT", "tongban.ratings.transports.FileOutboxTransport"
)
RATINGS_EXCHANGE_PROFILES: dict = json.loads(env_str("TONGBAN_RATINGS_EXCHANGE_PROFILES", "{}") or "{}")
# 考核通报 (docs/domain/supervision-assessments.md §4): a unit ranked last in this many consecutive periods is
# criticised in its office's circular (四川: 约谈 after two consecutive months last).
TONGBAN_CIRCULAR_LAST_PERIODS = max(1, env_int("TONGBAN_CIRCULAR_LAST_PERIODS", 2))
# 好差评 public results (/ratings/public/, /api/public/ratings; docs/domain/supervision-public.md): how long the
# figures and review texts of one page (kind, unit, period) are kept in the cache before they are read again.
TONGBAN_PUBLIC_RATINGS_CACHE_SECONDS = env_int("TONGBAN_PUBLIC_RATINGS_CACHE_SECONDS", 600)
TONGBAN_SMS_REQUEUE_SECONDS = env_int("TONGBAN_SMS_REQUEUE_SECONDS", 60)
TONGBAN_SMS_RETENTION_DAYS = env_int("TONGBAN_SMS_RETENTION_DAYS", 7)
TONGBAN_OUTBOX_RETENTION_DAYS = env_int("TONGBAN_OUTBOX_RETENTION_DAYS", 7)
TONGBAN_TASK_LEASE_SECONDS = env_int("TONGBAN_TASK_LEASE_SECONDS", 600)
TONGBAN_TASK_RESULT_RETENTION_DAYS = env_int("TONGBAN_TASK_RESULT_RETENTION_DAYS", 1)
TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS = env_int("TONGBAN_MEDIA_ORPHAN_GRACE_SECONDS", 3600)
TONGBAN_DRAFT_FILE_DAYS = env_int("TONGBAN_DRAFT_FILE_DAYS", 30)
TONGBAN_POPULATION_REGISTER = env_str(
    "TONGBAN_POPULATION_REGISTER", "tongban.accounts.register.TablePopulationRegister"
)
TONGBAN_BUSINESS_REGISTER = env_str(
    "TONGBAN_BUSINESS_REGISTER", "tongban.accounts.register.TableBusinessRegister"
)

# --- OpenID Connect provider (django-oauth-toolkit; accounts.oidc, docs/operations.md "OIDC provider") ------
# The RSA key that signs ID tokens: TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE, or <var>/oidc/signing-key.pem made on
# first run. Retired keys stay in the JWKS: the files listed here, and those `tongban accounts oidc-rotate-key`
# left beside the active key. Several app servers must share one key file.
TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE = env_str("TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE", "")
TONGBAN_OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILES = env_list("TONGBAN_OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILES", [])


def _oidc_keys() -> tuple[str, list[str]]:
    from tongban.core.oidc_keys import oidc_keys_load

    return oidc_keys_load(
        var_dir=VAR_DIR,
        key_file=TONGBAN_OIDC_RSA_PRIVATE_KEY_FILE,
        inactive_files=TONGBAN_OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILES,
    )


_OIDC_KEY, _OIDC_INACTIVE_KEYS = _oidc_keys()
OAUTH2_PROVIDER_APPLICATION_MODEL = (
    "oauth2_provider.Application"  # named, for the migrations that refer to it
)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": TONGBAN_PUBLIC_BASE_URL + "/o",
    "OIDC_RSA_PRIVATE_KEY": _OIDC_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _OIDC_INACTIVE_KEYS,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
    "OAUTH2_VALIDATOR_CLASS": "tongban.accounts.oidc.TongbanValidator",
    "SCOPES_BACKEND_CLASS": "tongban.accounts.oidc.ClientScopes",
    # What each scope means is shown on the consent page (accounts.oidc.SCOPE_LABELS, translated).
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "name",
        "tongban_identity": "id_kind, id_number, acr, region (federation members only)",
        "licences:verify": "verify licences shown (verifiers, client credentials)",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": SESSION_COOKIE_AGE,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if (DEMO or DEBUG) else ["https"],
    # RFC 9700 (OAuth 2.0 Security Best Current Practice): no implicit or password grant, S256 only, no
    # token in a query string, `iss` in the authorization response, tokens kept at rest as hashes only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not (DEMO or DEBUG),
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# --- security -------------------------------------------------------------------------------------
SECURE_DEFAULT = not (DEMO or DEBUG)
SESSION_COOKIE_SECURE = env_bool("TONGBAN_SECURE_COOKIES", SECURE_DEFAULT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# The cookies' names. Browsers keep cookies apart by host, not by port: two deployments on one host (make
# run-region: 上海 on :8000, 江苏 on :8001) need different names, or each one's login replaces the other's.
SESSION_COOKIE_NAME = env_str("TONGBAN_SESSION_COOKIE_NAME", "sessionid")
CSRF_COOKIE_NAME = env_str("TONGBAN_CSRF_COOKIE_NAME", "csrftoken")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; kept default-compatible
SECURE_SSL_REDIRECT = env_bool("TONGBAN_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("TONGBAN_HSTS_SECONDS", 31536000 if SECURE_DEFAULT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TONGBAN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("TONGBAN_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TONGBAN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# How many proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
TONGBAN_TRUSTED_PROXY_COUNT = env_int("TONGBAN_TRUSTED_PROXY_COUNT", 0)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest uploaded material (bytes); nginx's client_max_body_size must allow a whole application.
TONGBAN_UPLOAD_MAX_BYTES = env_int("TONGBAN_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Largest uploaded image in pixels (width × height), read from the header before anything is decoded: an
# A4 page scanned at 600 dpi is about 35 million; decoding 50 million RGB pixels takes about 150 MB.
TONGBAN_UPLOAD_MAX_PIXELS = env_int("TONGBAN_UPLOAD_MAX_PIXELS", 50_000_000)
# OFD packages (zip): at most this many entries, this many bytes once decompressed (all entries together),
# and no entry above 100 KiB that decompresses to more than TONGBAN_OFD_MAX_RATIO times its compressed size.
TONGBAN_OFD_MAX_ENTRIES = env_int("TONGBAN_OFD_MAX_ENTRIES", 5000)
TONGBAN_OFD_MAX_UNCOMPRESSED_BYTES = env_int(
    "TONGBAN_OFD_MAX_UNCOMPRESSED_BYTES", 10 * TONGBAN_UPLOAD_MAX_BYTES
)
TONGBAN_OFD_MAX_RATIO = env_int("TONGBAN_OFD_MAX_RATIO", 100)

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "tongban_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("TONGBAN_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are personal data: readable by the server's user only (files 0600, directories 0700),
# whatever the umask. Static files are public and keep 0644/0755.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    "staticfiles": {
        "BACKEND": env_str(
            "TONGBAN_STATIC_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}

# --- email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@tongban.invalid")

# --- logging --------------------------------------------------------------------------------------
LOG_LEVEL = env_str("TONGBAN_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "tongban.core.logging.RedactPersonalDataFilter"},
        "request_id": {"()": "tongban.core.logging.RequestIdFilter"},
    },
    "formatters": {
        "plain": {
            "()": "tongban.core.logging.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Every line goes through the one redacting handler on the root: Django's own defaults attach
    # unredacted handlers to "django" (when DEBUG) and "django.server" (runserver), removed here.
    # gunicorn's error and access logs are redacted by tongban.core.logging.GunicornRedactingLogger.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200
