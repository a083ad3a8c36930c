"""ANTT settings: one module, configured by environment variables (12-factor).

The embedded defaults make `make run` work with nothing configured (SQLite under
`var/`, local file storage, console e-mail). Production sets at least
`ANTT_SECRET_KEY`, `ANTT_DEBUG=0`, `ANTT_ALLOWED_HOSTS` and `DATABASE_URL`.
See README.md, section "Configuration".
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

SRC_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = SRC_DIR.parent
VAR_DIR = Path(os.environ.get("ANTT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("ANTT_DEBUG", True)
_INSECURE_DEV_KEY = "django-insecure-antt-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("ANTT_SECRET_KEY", _INSECURE_DEV_KEY)
if not DEBUG and SECRET_KEY == _INSECURE_DEV_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ANTT_SECRET_KEY must be set when ANTT_DEBUG is off.")

ALLOWED_HOSTS = env_list("ANTT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("ANTT_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "antt.portal.admin_site.AdminConfig",  # django.contrib.admin with the 2FA-aware site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "antt.core",
    "antt.org",
    "antt.catalog",
    "antt.dossiers",
    "antt.violations",
    "antt.establishments",
    "antt.lodging",
    "antt.feedback",
    "antt.reports",
    "antt.api",
    "antt.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are compressed (whitenoise serves static files pre-compressed, before this). Django's
    # GZipMiddleware pads each response with random bytes against BREACH; CSRF tokens are masked.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "antt.core.middleware.RequestContextMiddleware",
    # Counts the errors of calls an agency key authenticated (ApiUsage); nothing for other requests.
    "antt.api.agency.AgencyUsageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # AxesMiddleware must be last: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "antt.urls"
WSGI_APPLICATION = "antt.wsgi.application"
AUTH_USER_MODEL = "org.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "antt" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "antt.portal.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# DATABASE_URL selects PostgreSQL in production (postgres://user:pass@host:5432/name).
# Without it, the embedded SQLite database in var/ is used, in WAL mode.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("ANTT_CONN_MAX_AGE", "600")),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("ANTT_SQLITE_PATH", str(VAR_DIR / "antt.sqlite3")),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            "TEST": {"NAME": os.environ.get("ANTT_SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (used by rate limits and the axes lockout counter) ------------------
CACHE_URL = os.environ.get("ANTT_CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work (Django tasks + django-tasks-db) -------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ANTT_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Auth ---------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "antt.org.passwords.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:staff-home"
LOGOUT_REDIRECT_URL = "portal:home"
# Staff must confirm a TOTP code after the password. The demo (make run) turns this
# off and every staff page says so in a banner.
ANTT_REQUIRE_2FA = env_bool("ANTT_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "ANTT Công an tỉnh Thanh Hóa"

# django-axes: lock a username after repeated failures (from any address).
AXES_FAILURE_LIMIT = int(os.environ.get("ANTT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ANTT_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Locking by address as well would lock a whole police station out: officers sit
# behind one NAT address. Password guessing per account is what the lock stops.
# models.W040: the covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite keeps the key columns.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "antt" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("ANTT_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
STATICFILES_DIRS = [SRC_DIR / "antt" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ANTT_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": os.environ.get("ANTT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# S3-compatible storage (django-storages) reads AWS_* variables when
# ANTT_FILE_STORAGE=storages.backends.s3.S3Storage.
AWS_STORAGE_BUCKET_NAME = os.environ.get("ANTT_S3_BUCKET", "")
AWS_S3_ENDPOINT_URL = os.environ.get("ANTT_S3_ENDPOINT_URL") or None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail and SMS -----------------------------------------------------------
# The demo prints e-mail on the console; with DEBUG off the default is SMTP (localhost:25).
_EMAIL_BACKEND = os.environ.get(
    "ANTT_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("ANTT_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("ANTT_EMAIL_PORT", "25")),
        "username": os.environ.get("ANTT_EMAIL_USER", ""),
        "password": os.environ.get("ANTT_EMAIL_PASSWORD", ""),
        "use_tls": env_bool("ANTT_EMAIL_TLS", False),
    }
DEFAULT_FROM_EMAIL = os.environ.get("ANTT_EMAIL_FROM", "ANTT Thanh Hóa <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# SMS goes through antt.core.sms; "console" logs messages, "disabled" drops them.
ANTT_SMS_BACKEND = os.environ.get("ANTT_SMS_BACKEND", "console")
ANTT_SMS_URL = os.environ.get("ANTT_SMS_URL", "")
ANTT_SMS_TOKEN = os.environ.get("ANTT_SMS_TOKEN", "")

# --- Agency codes (Quyết định 20/2020/QĐ-TTg as amended by 09/2025/QĐ-TTg) ----
# Opaque configured strings: both the `000.00.00.H56` and the `H56.14` styles are in use.
ANTT_PROVINCE_CODE = os.environ.get("ANTT_PROVINCE_CODE", "38")  # GSO code of Thanh Hóa
ANTT_PROVINCE_AGENCY_CODE = os.environ.get("ANTT_PROVINCE_AGENCY_CODE", "H56")
ANTT_MINISTRY_AGENCY_CODE = os.environ.get("ANTT_MINISTRY_AGENCY_CODE", "G01")
# Code of Công an tỉnh Thanh Hóa itself: not published where we could check it
# (see docs/architecture.md); set it when the provincial office confirms it.
ANTT_POLICE_AGENCY_CODE = os.environ.get("ANTT_POLICE_AGENCY_CODE", "H56.14")
ANTT_SITE_NAME = os.environ.get("ANTT_SITE_NAME", "Công an tỉnh Thanh Hóa")
ANTT_PUBLIC_BASE_URL = os.environ.get("ANTT_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# --- Office hours, for working-hour deadlines and for "received after hours" ---
ANTT_OFFICE_HOURS = os.environ.get("ANTT_OFFICE_HOURS", "07:30-11:30,13:30-17:00")

# --- Audit --------------------------------------------------------------------
# Key of the audit chain's HMAC. Defaults to one derived from SECRET_KEY; set it
# separately in production and keep it out of the database host.
ANTT_AUDIT_KEY = os.environ.get("ANTT_AUDIT_KEY", "")
# Where `manage.py backup` writes when no --output is given.
ANTT_BACKUP_DIR = os.environ.get("ANTT_BACKUP_DIR", str(VAR_DIR / "backups"))

# --- Security -----------------------------------------------------------------
# Behind nginx: trust its X-Forwarded-Proto and X-Real-IP headers (never without a proxy).
ANTT_BEHIND_PROXY = env_bool("ANTT_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if ANTT_BEHIND_PROXY else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("ANTT_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ANTT_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ANTT_LOG_LEVEL", "WARNING")},
    # Every audit append logs the chain's new head: shipped off the database host
    # (journald, syslog), these lines are the anchors `audit_verify --anchor` checks.
    "loggers": {
        "antt.audit": {
            "handlers": ["console"],
            # Quiet in the demo and in development, on in production.
            "level": os.environ.get("ANTT_AUDIT_LOG_LEVEL", "WARNING" if DEBUG else "INFO"),
            "propagate": False,
        }
    },
}

# --- Notifications (antt.core.notify) and uploads (antt.core.uploads) ----------
# Channel -> backend (file|console|email|sms|zalo|disabled or a dotted path), e.g.
# ANTT_NOTIFY_BACKENDS="sms=sms,zalo=zalo". Unset: file backend with DEBUG on; email/sms/zalo otherwise.
ANTT_NOTIFY_BACKENDS = dict(item.split("=", 1) for item in env_list("ANTT_NOTIFY_BACKENDS") if "=" in item)
ANTT_NOTIFY_FILE = os.environ.get("ANTT_NOTIFY_FILE", str(VAR_DIR / "notifications.jsonl"))
ANTT_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("ANTT_NOTIFY_MAX_ATTEMPTS", "6"))
ANTT_NOTIFY_RETRY_SECONDS = int(os.environ.get("ANTT_NOTIFY_RETRY_SECONDS", "60"))
ANTT_ZALO_ACCESS_TOKEN = os.environ.get("ANTT_ZALO_ACCESS_TOKEN", "")
# Notification key -> approved ZNS template id, e.g. "dossier.received=231456,dossier.returned=231457"
ANTT_ZALO_ZNS_TEMPLATES = dict(item.split("=", 1) for item in env_list("ANTT_ZALO_ZNS_TEMPLATES") if "=" in item)
ANTT_ZALO_ZNS_URL = os.environ.get("ANTT_ZALO_ZNS_URL", "https://business.openapi.zalo.me/message/template")
ANTT_ZALO_OA_URL = os.environ.get("ANTT_ZALO_OA_URL", "https://openapi.zalo.me/v3.0/oa/message/cs")
ANTT_UPLOAD_MAX_BYTES = int(os.environ.get("ANTT_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))

# --- One-stop shop ------------------------------------------------------------
# A deadline within this many working days is "due soon" (the apology must go out at the
# latest one day before the due date: legal-facts.md §1.3).
ANTT_DUE_SOON_WORKING_DAYS = int(os.environ.get("ANTT_DUE_SOON_WORKING_DAYS", "1"))
# Where the daily report file for the public service centre is written (one file per day).
ANTT_REPORTS_DIR = os.environ.get("ANTT_REPORTS_DIR", str(VAR_DIR / "reports"))
# Public rate limits per client address (fixed window; share the counters across workers with
# ANTT_CACHE_URL=redis://...). "0" turns a limit off.
ANTT_LOOKUP_RATE = os.environ.get("ANTT_LOOKUP_RATE", "10/m")
# The public certificate verification (QR) page, per client address; default: the lookups' rate.
ANTT_CERTIFICATE_VERIFY_RATE = os.environ.get("ANTT_CERTIFICATE_VERIFY_RATE", "") or ANTT_LOOKUP_RATE
ANTT_SUBMIT_RATE = os.environ.get("ANTT_SUBMIT_RATE", "10/h")
# Sign-ups of business accounts (/doanh-nghiep/dang-ky/), per client address.
ANTT_BUSINESS_SIGNUP_RATE = os.environ.get("ANTT_BUSINESS_SIGNUP_RATE", "5/h")
ANTT_SUPPLEMENT_RATE = os.environ.get("ANTT_SUPPLEMENT_RATE", "10/h")
# Online fee payment: "demo" (a simulated bank, default with DEBUG on) or "disabled" (default otherwise).
ANTT_PAYMENT_GATEWAY = os.environ.get("ANTT_PAYMENT_GATEWAY", "")
ANTT_PAYMENT_SECRET = os.environ.get("ANTT_PAYMENT_SECRET", "")
# Administrative fines (docs/violations.md). The State Treasury collection account that penalty
# decisions and their VietQR codes name: a 6-digit NAPAS bank BIN, the account, its name (empty:
# a demo account marked DEMO, refused by `check --deploy`).
ANTT_FINE_BANK_BIN = os.environ.get("ANTT_FINE_BANK_BIN", "")
ANTT_FINE_ACCOUNT = os.environ.get("ANTT_FINE_ACCOUNT", "")
ANTT_FINE_ACCOUNT_NAME = os.environ.get("ANTT_FINE_ACCOUNT_NAME", "")
ANTT_FINE_BANK_NAME = os.environ.get("ANTT_FINE_BANK_NAME", "")
# The payment provider's signed confirmations: "demo" (default with DEBUG on), "provider", "disabled";
# the HMAC key shared with the provider (empty: derived from SECRET_KEY).
ANTT_FINE_PAYMENT_GATEWAY = os.environ.get("ANTT_FINE_PAYMENT_GATEWAY", "")
ANTT_FINE_PAYMENT_SECRET = os.environ.get("ANTT_FINE_PAYMENT_SECRET", "")
ANTT_FINE_LOOKUP_RATE = os.environ.get("ANTT_FINE_LOOKUP_RATE", "10/m")
# Agencies reading the licence-suspension feed: "label=sha256hex,label=sha256hex" (hashes of their tokens).
ANTT_SUSPENSION_FEED_TOKENS = os.environ.get("ANTT_SUSPENSION_FEED_TOKENS", "")
# Agencies reading the shared establishments registry (API /api/v1/establishments/ and /chia-se/*):
# "label=sha256hex,label=sha256hex" (hashes of their tokens; see establishments/selectors_sharing.py).
ANTT_SHARING_TOKENS = os.environ.get("ANTT_SHARING_TOKENS", "")
# Lodging (issue 6). Units whose officers see every foreign guest under their parent unit (the
# exit-entry police, PA08): comma-separated unit slugs.
ANTT_LODGING_EXIT_ENTRY_UNITS = os.environ.get("ANTT_LODGING_EXIT_ENTRY_UNITS", "pa08")
# Agencies reading the lodging statistics without personal data (tourism, tax departments):
# "label=sha256hex,…" as ANTT_SHARING_TOKENS.
ANTT_LODGING_STATS_TOKENS = os.environ.get("ANTT_LODGING_STATS_TOKENS", "")
# Calls per establishment API key, and the largest guest spreadsheet accepted.
ANTT_LODGING_API_RATE = os.environ.get("ANTT_LODGING_API_RATE", "120/m")
ANTT_LODGING_MAX_FILE_MB = int(os.environ.get("ANTT_LODGING_MAX_FILE_MB", "20"))
# Rows of a batch (API call or file) at most.
ANTT_LODGING_MAX_ROWS = int(os.environ.get("ANTT_LODGING_MAX_ROWS", "20000"))
# Benchmark-only baseline views (bench/): never on in production.
ANTT_BENCH_VIEWS = env_bool("ANTT_BENCH_VIEWS", False)

# --- Public portal, feedback (phản ánh, kiến nghị), open data, agency API (issue 7) ---
# Feedback intake: per client address; over the rate the form comes back with what was typed.
ANTT_FEEDBACK_RATE = os.environ.get("ANTT_FEEDBACK_RATE", "5/h")
ANTT_FEEDBACK_DAILY_RATE = os.environ.get("ANTT_FEEDBACK_DAILY_RATE", "20/d")
ANTT_FEEDBACK_MAX_FILES = int(os.environ.get("ANTT_FEEDBACK_MAX_FILES", "5"))
# All attachments of one feedback together; a larger request body is refused (413) before it is read.
ANTT_FEEDBACK_MAX_TOTAL_BYTES = int(os.environ.get("ANTT_FEEDBACK_MAX_TOTAL_BYTES", str(20 * 1024 * 1024)))
# The unit that receives feedback not tied to a dossier (slug): the public service centre.
ANTT_FEEDBACK_INTAKE_UNIT = os.environ.get("ANTT_FEEDBACK_INTAKE_UNIT", "ttpvhcc")
# Open-data downloads per client address (the pages are cached; the files are streamed).
ANTT_OPENDATA_RATE = os.environ.get("ANTT_OPENDATA_RATE", "60/m")
# Webhooks: attempts before a delivery is given up (the backoff schedule is in antt.api.webhooks),
# the receiver's timeout, and whether receivers on private addresses are allowed (tests, local).
ANTT_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("ANTT_WEBHOOK_MAX_ATTEMPTS", "12"))
ANTT_WEBHOOK_TIMEOUT = float(os.environ.get("ANTT_WEBHOOK_TIMEOUT", "10"))
ANTT_WEBHOOK_ALLOW_PRIVATE = env_bool("ANTT_WEBHOOK_ALLOW_PRIVATE", DEBUG)
