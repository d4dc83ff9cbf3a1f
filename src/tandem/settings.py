"""Django settings for Tandem, read from the environment only (see README, "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from tandem import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

DATABASE_URL = config.env_str("DATABASE_URL")
EMBEDDED = DATABASE_URL is None

SECRET_KEY = config.secret_key(DATA_DIR, embedded=EMBEDDED)
ENCRYPTION_KEYS = config.encryption_keys(DATA_DIR, embedded=EMBEDDED)
DEBUG = config.env_bool("DEBUG", False)
ALLOWED_HOSTS = config.env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "tandem.core",
    "tandem.orgs",
    "tandem.kpis",
    "tandem.okrs",
    "tandem.boards",
    "tandem.actions",
    "tandem.notifications",
    "tandem.feedback",
    "tandem.templates_library",
    "tandem.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.orgs.middleware.TenancyMiddleware",
    "tandem.orgs.middleware.LanguageMiddleware",
    "tandem.core.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.orgs.context_processors.tenancy",
                "tandem.core.context_processors.navigation",
            ],
        },
    },
]

if EMBEDDED:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "tandem.sqlite3",
            "OPTIONS": {
                # WAL lets the worker write while pages read; IMMEDIATE avoids "database is locked"
                # when two writers upgrade a read transaction at once.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
else:
    DATABASES = {"default": dict(dj_database_url.parse(DATABASE_URL or "", conn_max_age=60, conn_health_checks=True))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = config.env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = config.env_bool("SECURE_COOKIES", False)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if config.env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

email = config.email_settings(config.env_str("EMAIL_URL", "console:") or "console:")
EMAIL_BACKEND = str(email.pop("EMAIL_BACKEND"))
globals().update(email)
DEFAULT_FROM_EMAIL = str(email.get("DEFAULT_FROM_EMAIL", config.env_str("DEFAULT_FROM_EMAIL", "tandem@localhost")))

REDIS_URL = config.env_str("REDIS_URL")
HUEY: dict[str, object] = {
    "name": "tandem",
    "immediate": False,
    "results": True,
    "store_none": False,
    "utc": True,
    "consumer": {"workers": config.env_int("WORKER_THREADS", 2, minimum=1), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")})

EMAIL_TIMEOUT = config.env_int("EMAIL_TIMEOUT", 10, minimum=1)
# One email per person per burst of events: sent once the burst has been quiet this long, or at the latest
# this long after its first event.
EMAIL_BATCH_SECONDS = config.env_int("EMAIL_BATCH_SECONDS", 120)
EMAIL_BATCH_MAX_SECONDS = config.env_int("EMAIL_BATCH_MAX_SECONDS", 900)
# How often an open page asks for the bell's unread count.
BELL_POLL_SECONDS = 15
# Where people reach Tandem: the links in emails start with it.
SITE_URL = config.site_url(config.env_str("SITE_URL", "http://127.0.0.1:8000") or "")

INVITATION_DAYS = config.env_int("INVITATION_DAYS", 7, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.env_str("LOG_LEVEL", "INFO")},
    # Configured here so the worker does not add a second handler of its own.
    "loggers": {
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # httpx logs every request's full URL at INFO: a connector's URL may carry its API key.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Data flow (integrations): limits of a file import, of a connector's query, and of webhook deliveries.
IMPORT_MAX_BYTES = config.env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = config.env_int("IMPORT_MAX_ROWS", 200_000, minimum=1)
CONNECTOR_TIMEOUT = config.env_int("CONNECTOR_TIMEOUT", 60, minimum=1)
# The folders SQLite connectors may read files from (the demo's ERP lives in the data folder).
CONNECTOR_SQLITE_DIRS = config.env_list("CONNECTOR_SQLITE_DIRS", [str(DATA_DIR)])
# After this many failed runs in a row a connector is marked failing and its owner is told.
CONNECTOR_FAILURES_BEFORE_FAILING = config.env_int("CONNECTOR_FAILURES_BEFORE_FAILING", 3, minimum=1)
WEBHOOK_TIMEOUT = config.env_int("WEBHOOK_TIMEOUT", 10, minimum=1)
WEBHOOK_MAX_ATTEMPTS = config.env_int("WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
# Webhook endpoints must be https:// unless this is set (a test receiver, a company network without TLS).
WEBHOOK_ALLOW_HTTP = config.env_bool("WEBHOOK_ALLOW_HTTP", False)
