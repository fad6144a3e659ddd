"""Every setting Kund has. local/test/production only switch a few of them; environment variables
switch behaviour (DATABASE_URL, KUND_SECRET_KEY, KUND_DEBUG, KUND_ALLOWED_HOSTS)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("KUND_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("KUND_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("KUND_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("KUND_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "kund.core",
    "kund.audit",
    "kund.customers",
    "kund.documents",
    "kund.crm",
    "kund.sales",
    "kund.billing",
    "kund.support",
    "kund.service",
    "kund.privacy",
    "kund.portal",  # customer users and their portal
    "kund.demo",  # imports every app above
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kund.urls"
WSGI_APPLICATION = "kund.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kund" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kund.core.context_processors.navigation",
            ],
        },
    },
]


def database_from_env() -> dict:
    """One setting chooses the database: DATABASE_URL (sqlite:///ABS/PATH or postgres://…).
    Without it, the SQLite file under var/."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kund.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # Django already switches foreign_keys on for every SQLite connection. WAL lets the
            # worker write while the web process reads; secure_delete overwrites freed pages so an
            # erased value does not survive in the file (SPEC B-3). A page cache of up to 128 MiB (the
            # default is 2 MiB) holds what one erasure transaction changes, which otherwise spills to
            # the log in the middle of it; temporary tables (the erasure scope) stay in memory.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON; PRAGMA synchronous=NORMAL; "
                "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: Kund's queries are many short EXISTS and index lookups whose estimated cost can still
        # cross jit_above_cost; compiling them took longer than running them (planning 20,000
        # customers: 8.2 s with JIT, 2.4 s without).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "kund" / "locale"]
# The language picked in the navigation bar is kept for a year, not only until the browser closes (B-10).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap and htmx come from npm (package.json, package-lock.json) at install time; nothing
# third-party is committed.
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_ROOT = Path(os.environ.get("KUND_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KUND_LOG_LEVEL", "INFO")},
    "loggers": {"faker": {"level": "WARNING"}},
}

# Kund's own settings.
KUND_MASS_ERASURE_LIMIT = int(os.environ.get("KUND_MASS_ERASURE_LIMIT", "500"))  # SPEC M-2
KUND_ERASURE_RULESET_VERSION = "2026.1"  # written into every erasure log row (SPEC B-2)

# --- The customer portal (R-10) ----------------------------------------------------------------------
# Customer users sign in through django.contrib.auth.authenticate like everyone, but only this backend
# knows them, and it answers only a call that asks for a customer user (kund/portal/backends.py). It goes
# after whatever backends are configured above (a throttling backend first sees portal sign-ins too).
AUTHENTICATION_BACKENDS = [
    *globals().get("AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"]),
    "kund.portal.backends.CustomerUserBackend",
]
KUND_PORTAL_SESSION_COOKIE = "kund_portal"  # its own cookie, sent only to /portal/
KUND_PORTAL_SESSION_SECONDS = int(os.environ.get("KUND_PORTAL_SESSION_SECONDS", str(8 * 60 * 60)))  # idle
KUND_PORTAL_INVITATION_DAYS = int(os.environ.get("KUND_PORTAL_INVITATION_DAYS", "7"))
KUND_FAULT_FILE_MAX_BYTES = 10 * 1024 * 1024  # a photo or PDF sent with a fault report
# --- end of the customer portal -----------------------------------------------------------------------
