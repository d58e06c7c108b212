"""TalentLink settings: every deployment choice is an environment variable.

The defaults run the whole platform on one machine (SQLite under ``var/``, a
file cache, the database-backed task worker). Production sets
``TALENTLINK_ENV=production`` and must then provide its secrets explicitly.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TALENTLINK_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str:
    """Return an environment variable, failing loudly when it is required and missing."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TALENTLINK_ENV = env("TALENTLINK_ENV", "development")
if TALENTLINK_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("TALENTLINK_ENV must be development or production.")
PRODUCTION = TALENTLINK_ENV == "production"

# Development gets fixed, clearly-labelled keys so that `make demo` works out of
# the box; production refuses to start without real ones.
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="
SECRET_KEY = env("TALENTLINK_SECRET_KEY", None if PRODUCTION else _DEV_SECRET)
# Base64 of 32 random bytes; encrypts ID numbers and keys their blind index.
# Earlier keys stay readable through TALENTLINK_FIELD_KEYS_OLD (comma separated).
TALENTLINK_FIELD_KEY = env("TALENTLINK_FIELD_KEY", None if PRODUCTION else _DEV_FIELD_KEY)
TALENTLINK_FIELD_KEYS_OLD = env_list("TALENTLINK_FIELD_KEYS_OLD")

DEBUG = env_bool("TALENTLINK_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    # DEBUG shows tracebacks, settings and SQL to anyone who triggers an error.
    raise ImproperlyConfigured("TALENTLINK_DEBUG cannot be on when TALENTLINK_ENV is production.")
ALLOWED_HOSTS = env_list("TALENTLINK_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("TALENTLINK_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "axes",
    "talentlink.core",
    "talentlink.registry",
    "talentlink.indicators",
    "talentlink.credentials",
    "talentlink.experts",
    "talentlink.benefits",
    "talentlink.market",
    "talentlink.talentcode",
    # After talentlink.core, whose db_worker (the same worker, sweeping stale jobs first) wins.
    "talentlink.core.apps.TasksDatabaseConfig",  # django_tasks_db, its admin heading translated
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "talentlink.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "talentlink.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "talentlink.core.middleware.StaffSessionMiddleware",
    "talentlink.core.middleware.ApiRequestGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "talentlink.core.middleware.DomainErrorMiddleware",
    # Last, so that it sees the lockout flag the login left on the request (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "talentlink" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "talentlink.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# DATABASE_URL selects the engine: sqlite:///path (default) or postgres://...
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'talentlink.sqlite3'}"),
        conn_max_age=int(env("TALENTLINK_DB_CONN_MAX_AGE", "60")),
        # A health check is one more round trip to the database on every request; without
        # it, a connection the server dropped fails one request and is then replaced.
        conn_health_checks=env("TALENTLINK_DB_HEALTH_CHECKS", "false") == "true",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server let psycopg prepare a statement a connection runs often
    # (its fifth run on), so PostgreSQL stops planning the hot reads of every request.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while a worker imports; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # A 64 MB page cache keeps index pages of large registries in memory during imports.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis at scale, a file cache shared by web and worker otherwise --
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "talentlink.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background work (Django's Tasks API, backport) -----------------------
# "db" runs on the embedded database worker (manage.py db_worker); "rq" on Redis
# workers (manage.py rqworker); "immediate" runs inline (tests, one-off scripts).
TALENTLINK_TASKS = env("TALENTLINK_TASKS", "db")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TALENTLINK_TASKS not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TALENTLINK_TASKS must be one of {sorted(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TALENTLINK_TASKS], "QUEUES": ["default"]}}
if TALENTLINK_TASKS == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TALENTLINK_TASKS=rq needs REDIS_URL.")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# A running import or linkage run beats every TALENTLINK_HEARTBEAT_SECONDS; one silent for
# TALENTLINK_STALE_AFTER_SECONDS lost its worker and is failed (talentlink/core/heartbeat.py).
TALENTLINK_HEARTBEAT_SECONDS = float(env("TALENTLINK_HEARTBEAT_SECONDS", "15"))
TALENTLINK_STALE_AFTER_SECONDS = float(env("TALENTLINK_STALE_AFTER_SECONDS", "300"))
if not 0 < 3 * TALENTLINK_HEARTBEAT_SECONDS <= TALENTLINK_STALE_AFTER_SECONDS:
    raise ImproperlyConfigured("TALENTLINK_STALE_AFTER_SECONDS must be at least 3 heartbeats.")

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every login of a locked-out account or address before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The province's single sign-on adds its OIDC backend here, e.g.
    # "mozilla_django_oidc.auth.OIDCAuthenticationBackend" (see docs/operations.md).
    *env_list("TALENTLINK_EXTRA_AUTH_BACKENDS"),
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling (django-axes): after TALENTLINK_LOGIN_FAILURE_LIMIT failed logins for one user
# name, or from one address, logins of that name or address are refused for the cool-off period
# (each further failure restarts it), on the login page, the admin's and the API's. Failures are
# counted in the database: the handler works on SQLite and PostgreSQL whatever the cache (axes'
# cache handler refuses the file cache of a single machine).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(env("TALENTLINK_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(env("TALENTLINK_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_LOCKOUT_CALLABLE = "talentlink.core.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "talentlink.core.throttle.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are not stored: failures are what throttling needs
AXES_VERBOSE = False
# Password-reset mails: at most count/seconds per e-mail address and per client address.
TALENTLINK_PASSWORD_RESET_RATE = env("TALENTLINK_PASSWORD_RESET_RATE", "3/3600")
TALENTLINK_PASSWORD_RESET_IP_RATE = env("TALENTLINK_PASSWORD_RESET_IP_RATE", "20/3600")
# Self-registrations (talents, employers) per client address.
TALENTLINK_REGISTRATION_IP_RATE = env("TALENTLINK_REGISTRATION_IP_RATE", "20/3600")
# Proxies in front of the app server that append the client's address to X-Forwarded-For; 0 reads
# the peer's address (REMOTE_ADDR). Throttling per address needs the client's, not the proxy's.
TALENTLINK_PROXY_COUNT = int(env("TALENTLINK_PROXY_COUNT", "1" if PRODUCTION else "0"))

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env(
    "TALENTLINK_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
# Development mail lands in files here (one per message), not on the console where it buried
# `make demo`'s list of accounts.
EMAIL_FILE_PATH = env("TALENTLINK_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# Text messages (core/sms.py): a class with send(*, phone, text); the file backend writes them
# under var/sms/; a gateway adapter is named here in production.
TALENTLINK_SMS_BACKEND = env("TALENTLINK_SMS_BACKEND", "talentlink.core.sms.FileSmsBackend")
TALENTLINK_SMS_FILE_PATH = env("TALENTLINK_SMS_FILE_PATH", str(VAR_DIR / "sms"))
# The talent market's saved candidate index (market/index.py), built by `manage.py market_index`;
# on several machines, a folder every application server reads.
TALENTLINK_MARKET_INDEX = Path(env("TALENTLINK_MARKET_INDEX", str(VAR_DIR / "market-index")))
EMAIL_HOST = env("TALENTLINK_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("TALENTLINK_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("TALENTLINK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env("TALENTLINK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TALENTLINK_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env("TALENTLINK_FROM_EMAIL", "甬舟人才通 <noreply@talentlink.localhost>")

# --- Languages: Chinese first ---------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "talentlink" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("TALENTLINK_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
TALENTLINK_IMPORT_MAX_BYTES = int(env("TALENTLINK_IMPORT_MAX_BYTES", str(512 * 1024 * 1024)))
# SQLite page cache (MiB) while a registry import writes; it bounds the importer's memory.
TALENTLINK_IMPORT_SQLITE_CACHE_MIB = int(env("TALENTLINK_IMPORT_SQLITE_CACHE_MIB", "256"))
# Uploaded registry exports (sealed at rest) are deleted this many days after their import
# finished, by `manage.py imports_purge`; the import keeps its outcome and report.
TALENTLINK_IMPORT_FILE_RETENTION_DAYS = int(env("TALENTLINK_IMPORT_FILE_RETENTION_DAYS", "30"))
if TALENTLINK_IMPORT_FILE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("TALENTLINK_IMPORT_FILE_RETENTION_DAYS must be 0 or more.")
# XLSX imports: calamine (Rust; holds the sheet in memory while reading) or openpyxl (streams, slower).
TALENTLINK_XLSX_READER = env("TALENTLINK_XLSX_READER", "calamine")
if TALENTLINK_XLSX_READER not in {"calamine", "openpyxl"}:
    raise ImproperlyConfigured("TALENTLINK_XLSX_READER must be calamine or openpyxl.")
TALENTLINK_LICENCE_MAX_BYTES = int(env("TALENTLINK_LICENCE_MAX_BYTES", str(5 * 1024 * 1024)))

# Absolute links in e-mails (invitations, notifications), e.g. https://rc.example.cn; production
# must say where it is served, since an e-mail is read away from the site.
TALENTLINK_BASE_URL = env("TALENTLINK_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8000")
if not TALENTLINK_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("TALENTLINK_BASE_URL must be an absolute URL (https://...).")

# --- Record linkage ---------------------------------------------------------
# Splink on DuckDB inside the process by default; on Spark for registries beyond one machine.
TALENTLINK_LINKAGE_BACKEND = env("TALENTLINK_LINKAGE_BACKEND", "duckdb")
if TALENTLINK_LINKAGE_BACKEND not in {"duckdb", "spark"}:
    raise ImproperlyConfigured("TALENTLINK_LINKAGE_BACKEND must be duckdb or spark.")
TALENTLINK_SPARK_MASTER = env("TALENTLINK_SPARK_MASTER", "local[*]")
TALENTLINK_LINKAGE_AFTER_IMPORT = env_bool("TALENTLINK_LINKAGE_AFTER_IMPORT", True)
TALENTLINK_LINKAGE_MEMORY_LIMIT = env("TALENTLINK_LINKAGE_MEMORY_LIMIT", "4GB")  # DuckDB's, spills beyond
# Pairs from this probability merge without review (bench/linkage.py --platform measures the precision);
# a run lowers it while the reviewers' decisions show merging below it as precise as the target.
TALENTLINK_LINKAGE_MERGE_THRESHOLD = float(env("TALENTLINK_LINKAGE_MERGE_THRESHOLD", "0.98"))
TALENTLINK_LINKAGE_MERGE_PRECISION = float(env("TALENTLINK_LINKAGE_MERGE_PRECISION", "0.995"))
if not 0.5 < TALENTLINK_LINKAGE_MERGE_THRESHOLD < 1 or not 0.5 < TALENTLINK_LINKAGE_MERGE_PRECISION <= 1:
    raise ImproperlyConfigured("TALENTLINK_LINKAGE_MERGE_THRESHOLD and _PRECISION lie between 0.5 and 1.")

# --- Credential recognition (the province's certificate registry) ---------
TALENTLINK_CERT_REGISTRY = env("TALENTLINK_CERT_REGISTRY", "local")  # local | http
if TALENTLINK_CERT_REGISTRY not in {"local", "http"}:
    raise ImproperlyConfigured("TALENTLINK_CERT_REGISTRY must be local or http.")
TALENTLINK_CERT_REGISTRY_URL = env("TALENTLINK_CERT_REGISTRY_URL", "")
TALENTLINK_CERT_REGISTRY_SECRET = env("TALENTLINK_CERT_REGISTRY_SECRET", "")
TALENTLINK_CERT_REGISTRY_TIMEOUT = float(env("TALENTLINK_CERT_REGISTRY_TIMEOUT", "5"))
TALENTLINK_CERT_REGISTRY_MAX_SKEW = int(env("TALENTLINK_CERT_REGISTRY_MAX_SKEW", "300"))
TALENTLINK_CREDENTIAL_REVIEW_DAYS = int(env("TALENTLINK_CREDENTIAL_REVIEW_DAYS", "10"))
TALENTLINK_CREDENTIAL_SCAN_MAX_BYTES = int(env("TALENTLINK_CREDENTIAL_SCAN_MAX_BYTES", str(5 * 1024 * 1024)))
TALENTLINK_CREDENTIAL_VERIFY_RATE = env("TALENTLINK_CREDENTIAL_VERIFY_RATE", "20/600")  # count/seconds per IP
TALENTLINK_HOLIDAYS = env_list("TALENTLINK_HOLIDAYS")  # ISO dates that review deadlines skip

# --- Talent code (signed QR credential) -----------------------------------
TALENTLINK_CODE_ONLINE_SECONDS = int(env("TALENTLINK_CODE_ONLINE_SECONDS", "60"))
TALENTLINK_CODE_OFFLINE_HOURS = int(env("TALENTLINK_CODE_OFFLINE_HOURS", "24"))
TALENTLINK_CODE_STATUS_LIST_MINUTES = int(env("TALENTLINK_CODE_STATUS_LIST_MINUTES", "15"))
TALENTLINK_CODE_KEY_DAYS = int(env("TALENTLINK_CODE_KEY_DAYS", "365"))
# Clock skew verifiers tolerate; a holder's offline wrapper may live ONLINE_SECONDS plus this.
TALENTLINK_CODE_LEEWAY_SECONDS = int(env("TALENTLINK_CODE_LEEWAY_SECONDS", "10"))

# --- Security -------------------------------------------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_AGE = 60 * 60 * 8
# Accounts that read other people's records (offices, reviewers, organisers, observers, admins) are
# logged out after this many idle minutes; talents, employers and counters keep SESSION_COOKIE_AGE.
TALENTLINK_STAFF_SESSION_MINUTES = int(env("TALENTLINK_STAFF_SESSION_MINUTES", "30"))
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Production runs behind a TLS proxy that sets X-Forwarded-Proto (and overwrites a client's):
# request.is_secure() then holds, so password-reset links are https and the redirect below ends.
TALENTLINK_TLS_PROXY = env_bool("TALENTLINK_TLS_PROXY", PRODUCTION)
if TALENTLINK_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("TALENTLINK_SSL_REDIRECT", PRODUCTION)
# Load balancers probe health over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^api/public/health$"]
SECURE_HSTS_SECONDS = int(env("TALENTLINK_HSTS_SECONDS", str(60 * 60 * 24 * 365) if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TALENTLINK_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("TALENTLINK_HSTS_PRELOAD", False)  # a commitment browsers keep for months
# Content-Security-Policy, shaped like Django 6's SECURE_CSP (core.middleware.SecurityHeadersMiddleware
# sends it until Django's own middleware can): no inline script or style, nothing from elsewhere.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Powerful browser features: the camera for the platform's own pages (the scanner), nothing else.
TALENTLINK_PERMISSIONS_POLICY = {
    "camera": ["self"],
    **{feature: [] for feature in (
        "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi", "display-capture",
        "accelerometer", "gyroscope", "magnetometer", "screen-wake-lock", "xr-spatial-tracking",
        "publickey-credentials-get", "idle-detection",
    )},
}  # fmt: skip

TALENTLINK_PLATFORM_NAME = _("TalentLink")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("TALENTLINK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
