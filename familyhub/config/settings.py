"""Settings, all from the environment (ADR 0001). Nothing secret lives in the repo.

FAMILYHUB_ENV=production switches on every transport and cookie protection and refuses to
start without a real SECRET_KEY; the demo and the tests run with FAMILYHUB_ENV unset (development).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the familyhub package
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("FAMILYHUB_VAR_DIR", PROJECT_DIR / "var"))

ENV = os.environ.get("FAMILYHUB_ENV", "development")
PRODUCTION = ENV == "production"
DEMO = os.environ.get("FAMILYHUB_DEMO", "") == "1"
DEBUG = os.environ.get("FAMILYHUB_DEBUG", "0" if PRODUCTION else "1") == "1"

if PRODUCTION:
    if len(os.environ.get("SECRET_KEY", "")) < 50:
        raise ImproperlyConfigured(
            "Set SECRET_KEY to a random string of at least 50 characters in production."
        )
    if not os.environ.get("ALLOWED_HOSTS"):
        raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host name(s) in production.")
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "development-only-key-not-for-production-use-0123456789"
    )

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "familyhub.core",
    "familyhub.places",
    "familyhub.access",
    "familyhub.people",
    "familyhub.privacy",
    "familyhub.rights",
    "familyhub.retention",
    "familyhub.engagement",
    "familyhub.casework",
    "familyhub.sharing",
    "familyhub.imports",
    "familyhub.linkage",
    "familyhub.api",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "familyhub.access.middleware.SessionGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "familyhub.access.middleware.RequestContextMiddleware",
    # Last, so that it sees the lock-out flag set during authentication (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "familyhub.config.urls"
WSGI_APPLICATION = "familyhub.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "familyhub.core.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'familyhub.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
# ADR 0023: no JIT compilation. Our statements are short look-ups whose cost estimates (nested
# scope EXISTS over many candidate rows) pass jit_above_cost; compiling took 235 ms of a 300 ms
# search whose execution took 50 ms. FAMILYHUB_PG_JIT=1 leaves the server's setting alone.
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("FAMILYHUB_PG_JIT", "0") != "1"
):
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})  # a DATABASE_URL's own are kept
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout so that the web server and a worker can share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Axes first: it refuses a locked account before any password is checked (ADR 0008).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lock-out (R-ACCESS-4, ADR 0008): five failures in a row (passwords and second-factor codes
# count alike) lock the account by username, whatever the IP address, until an administrator
# unlocks it (/staff/locked/ or `familyhub unlock-account USERNAME`). The count is reset only
# when both factors succeed (familyhub.access.signin), not after a right password alone.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = None
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 403
AXES_VERBOSE = False
# Successful sign-ins are recorded once, as SignInEvents; axes keeps only its failure counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# axes.W006 asks for the IP address as a lock-out parameter too. Deliberately not: with no
# cool-off, a lock by IP would shut a whole office (one NAT address) out until an administrator
# acts. Guessing across many usernames from one address is rate-limited at the reverse proxy
# (docs/operating.md, ADR 0008).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Second factor (django-otp): TOTP with backup codes. Lock-out is axes' job (above), so the
# devices' own growing delays are off: they would refuse a right code typed just after a wrong one.
OTP_TOTP_ISSUER = os.environ.get("FAMILYHUB_OTP_ISSUER", "familyhub")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Argon2 first (R-ACCESS-4); the others only to verify hashes made before a change of default.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# NCSC guidance: length over complexity, and a deny-list of common passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %m %Y"]

STATIC_URL = "/static/"
WHITENOISE_AUTOREFRESH = not PRODUCTION  # serve from the apps' static folders until collectstatic
STATIC_ROOT = PROJECT_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("FAMILYHUB_MEDIA_ROOT", VAR_DIR / "media"))
# Generated files that hold personal data (extracts, packs, reports) are written here and nowhere
# else, so that erasure can find them (familyhub/retention/derived.py, docs/operating.md).
FAMILYHUB_EXPORTS_DIR = Path(os.environ.get("FAMILYHUB_EXPORTS_DIR", VAR_DIR / "exports"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Sessions: an idle time-out (R-ACCESS-4), renewed on each request, gone when the browser closes.
FAMILYHUB_IDLE_MINUTES = int(os.environ.get("FAMILYHUB_IDLE_MINUTES", "15"))
SESSION_COOKIE_AGE = FAMILYHUB_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "familyhub.api.authentication.ApiTokenAuthentication",
        "familyhub.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "familyhub.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "familyhub.api.errors.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "familyhub API",
    "DESCRIPTION": (
        "Households, people, relationships, consents, sessions and attendance, visits, referrals "
        "and outcomes for family hub partner systems. Every read is "
        "scoped to the caller's need to know and logged; every write goes through the same "
        "services as the staff web UI. Errors are application/problem+json (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from the drf-spectacular-sidecar package: no CDN (CSP, offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several resources have a `kind`: each its own enum name in the schema (ADR 0022).
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "familyhub.people.choices.RelationshipKind",
        "ContactKindEnum": "familyhub.casework.models.Contact.Kind",
        "ReferralKindEnum": "familyhub.casework.models.Referral.Kind",
        "OutcomeRecordKindEnum": "familyhub.casework.models.OutcomeRecord.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# familyhub's own settings
FAMILYHUB_SEARCH_LIMIT = 50
# Break glass (R-ACCESS-2, ADR 0010): how long emergency access to a family lasts.
FAMILYHUB_BREAK_GLASS_MINUTES = int(os.environ.get("FAMILYHUB_BREAK_GLASS_MINUTES", "60"))
# The site's address as staff reach it (https://records.example.org): the start of the one-time
# set-up links of new staff accounts (ADR 0025) that `familyhub staff-add` prints. Unset, the web
# pages use the address the request came to.
FAMILYHUB_SITE_URL = os.environ.get("FAMILYHUB_SITE_URL", "").rstrip("/")
# Extracts (R-SHARE-3, ADR 0019): the master secret pseudonym keys are derived from (never in the
# repo: production has none until one is set, and then refuses de-personalised extracts), and the
# days an extract's file can be downloaded before its content is emptied.
FAMILYHUB_PSEUDONYM_SECRET = os.environ.get(
    "FAMILYHUB_PSEUDONYM_SECRET", "" if PRODUCTION else "development-only-pseudonym-secret"
)
FAMILYHUB_EXTRACT_DOWNLOAD_DAYS = int(os.environ.get("FAMILYHUB_EXTRACT_DOWNLOAD_DAYS", "14"))


# Who the privacy notice and the Article 30 record name as controller and Data Protection Officer
# (R-NOTICE-1): the lead organisation. Outside production the fictional defaults below are used;
# in production a notice cannot be published until the name and the DPO's email are set.
def _contact(name: str, demo: str) -> str:
    return os.environ.get(name, "" if PRODUCTION else demo)


FAMILYHUB_PRIVACY_CONTACT = {
    "controller_name": _contact("FAMILYHUB_CONTROLLER_NAME", "Nottingham CityCare Partnership"),
    "controller_address": _contact("FAMILYHUB_CONTROLLER_ADDRESS", "1 Example Street, Nottingham"),
    "controller_website": _contact("FAMILYHUB_CONTROLLER_WEBSITE", ""),
    "dpo_name": _contact("FAMILYHUB_DPO_NAME", "Data Protection Officer"),
    "dpo_email": _contact("FAMILYHUB_DPO_EMAIL", "dpo@example.org"),
    "dpo_phone": _contact("FAMILYHUB_DPO_PHONE", "0115 496 0123"),
    "dpo_address": _contact(
        "FAMILYHUB_DPO_ADDRESS", "Data Protection Officer, 1 Example Street, Nottingham"
    ),
}

# Background work (exports, disposal runs, imports, linkage): django-tasks with its database
# backend, so no extra server is needed; `familyhub db_worker` runs the queue (ADR 0009).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("FAMILYHUB_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
