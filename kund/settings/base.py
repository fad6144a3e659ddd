"""Every setting Kund has. local/test/production only switch a few of them; environment variables
switch behaviour (DATABASE_URL, KUND_SECRET_KEY, KUND_DEBUG, KUND_ALLOWED_HOSTS)."""

import contextlib
import os
import secrets
import tempfile
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


def secret_key_file(path: Path) -> str:
    """The secret key kept in `path` (var/secret-key): made on the first run, readable by its owner only
    (mode 0600), and read from there on every later run. For development and the demo; production
    passes KUND_SECRET_KEY."""
    key = path.read_text().strip() if path.exists() else ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written in full to a private temporary file (mkstemp makes it 0600) and then linked into place, so
    # that two processes starting together (the web server and the worker) end up with the same key and
    # neither reads a half-written file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-key-")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        if path.exists():  # there, but empty: replace it
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):  # another process was first: its key is the one
                os.link(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path.read_text().strip()


# No known default: without KUND_SECRET_KEY, Django refuses to sign anything. local.py keeps one in var/.
SECRET_KEY = os.environ.get("KUND_SECRET_KEY", "")
# Off unless asked for: Django's debug pages show tracebacks and the data of the request.
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
    # --- data-subject requests (B-7) and the start page's dashboard (B-11)
    "kund.requests",
    "kund.dashboard",
    # ---
    "kund.portal",  # customer users and their portal
    "kund.demo",  # imports every app above
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, with or without DEBUG
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kund.core.middleware.NoStoreWhenSignedInMiddleware",
    "kund.core.middleware.SessionIdleMiddleware",
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
# Signing in lasts until the browser closes (the cookie has no expiry date) or until 8 hours without a
# request: kund.core.middleware.SessionIdleMiddleware moves the session's end on while it is used.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 8 * 60 * 60

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
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),  # the dashboard's chart (B-11)
]
# Uploaded files live in the default storage (MEDIA_ROOT for the file system) and are never served from
# it: every download goes through a view that checks the rules (kund.core.files).
MEDIA_ROOT = Path(os.environ.get("KUND_MEDIA_ROOT", VAR_DIR / "media"))

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

# --- Sign-in throttling (django-axes) ---------------------------------------------------------------
# Every sign-in goes through django.contrib.auth.authenticate; Axes' backend, first in the list, refuses a
# locked username or address there, and its handler (kund.core.throttle.SignInHandler) records each
# failure in the database, so the count holds across processes. The policy is explained in
# kund/core/throttle.py and the README ("Sign-in throttling").
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # turns a refused attempt into the lockout page
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "kund.core.throttle.SignInHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_FAILURE_LIMIT = 5  # per username, from any address
KUND_SIGNIN_ADDRESS_FAILURE_LIMIT = 20  # per address, across usernames
AXES_COOLOFF_TIME = 15 / 60  # in hours, as Axes reads a number: 15 minutes
# Failures while locked are not counted: the lock ends 15 minutes after it began, however often it is tried.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears that username's failures
AXES_LOCKOUT_CALLABLE = "kund.core.throttle.lockout_response"  # Kund's sign-in page, with a message
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "kund.core.throttle.client_address"
# Behind a reverse proxy, set to the number of proxies that append to X-Forwarded-For (usually 1).
KUND_TRUSTED_PROXY_COUNT = int(os.environ.get("KUND_TRUSTED_PROXY_COUNT", "0"))
# What is kept: failed attempts (username as typed, address, browser) only until their cool-off is
# over; they are deleted at the next sign-in after that. No history of successful sign-ins is kept,
# and Axes' log lines mask usernames and addresses.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_VERBOSE = False
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # failures and lockouts, not every step of the handler
# --- end of sign-in throttling ----------------------------------------------------------------------

# Kund's own settings.
KUND_MASS_ERASURE_LIMIT = int(os.environ.get("KUND_MASS_ERASURE_LIMIT", "500"))  # SPEC M-2
KUND_ERASURE_RULESET_VERSION = "2026.2"  # written into every erasure log row (SPEC B-2)

# --- data-subject requests (B-7) and the dashboard (B-11)
# A closed request's contact and reasons are cleared this many years after it closed (`kund requests purge`).
KUND_REQUEST_RETENTION_YEARS = int(os.environ.get("KUND_REQUEST_RETENTION_YEARS", "3"))
# The dashboard's "what each retention rule would catch on its next run": a dotted path to a function
# (user) -> list of kund.dashboard.retention.RetentionPreview (kund.retention gives them).
KUND_DASHBOARD_RETENTION_PREVIEW = "kund.retention.selectors.dashboard_previews"
# ---

# --- The REST API (SPEC B-9): Django REST framework and drf-spectacular, see kund/api/. ------------------
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "kund.api"]
REST_FRAMEWORK = {
    # Bearer tokens only: no session, so no CSRF question and no cookie opens the API.
    "DEFAULT_AUTHENTICATION_CLASSES": ["kund.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["kund.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kund.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kund.api.problems.exception_handler",
    "URL_FORMAT_OVERRIDE": None,  # ?format= is a filter's business, not a renderer switch
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kund API",
    "DESCRIPTION": "Customers, erasure plans, erasures, access exports, mass erasure and the erasure log. "
    "Errors are problem details (RFC 9457).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kund.api.schema.strict_request_bodies",
        "kund.api.schema.empty_query_values",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "kund.customers.models.Customer.Status",
        "ErasureActionEnum": ["delete", "anonymize", "blocked", "already_anonymized"],
        "ErasingActionEnum": ["delete", "anonymize"],
    },
}
# Requests per token (kund.api.throttling): counted per process while Kund has no shared cache.
KUND_API_RATE = os.environ.get("KUND_API_RATE", "1200/min")
# Swagger UI for /api/docs/, from npm like Bootstrap.
STATICFILES_DIRS += [("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist")]
# --- The customer portal (R-10) ----------------------------------------------------------------------
# Customer users sign in through django.contrib.auth.authenticate like everyone, but only this backend
# knows them, and it answers only a call that asks for a customer user (kund/portal/backends.py). It goes
# after whatever backends are configured above (a throttling backend first sees portal sign-ins too).
AUTHENTICATION_BACKENDS = [
    *globals().get("AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"]),
    "kund.portal.backends.CustomerUserBackend",
]
# Sign-in throttling (kund.core.throttle) shows a locked-out customer user the portal's own sign-in page.
KUND_LOCKOUT_PAGES = {"/portal/": "kund.portal.views.lockout_page"}
KUND_PORTAL_SESSION_COOKIE = "kund_portal"  # its own cookie, sent only to /portal/
KUND_PORTAL_SESSION_SECONDS = int(os.environ.get("KUND_PORTAL_SESSION_SECONDS", str(8 * 60 * 60)))  # idle
KUND_PORTAL_INVITATION_DAYS = int(os.environ.get("KUND_PORTAL_INVITATION_DAYS", "7"))
KUND_FAULT_FILE_MAX_BYTES = 10 * 1024 * 1024  # a photo or PDF sent with a fault report
# --- end of the customer portal -----------------------------------------------------------------------

# --- Events to connected systems (B-8) and retention rules (B-6) ------------------------------------
INSTALLED_APPS += ["kund.webhooks", "kund.retention"]
# Seconds a connected system has to answer one delivery. The pauses between retries are in
# kund/webhooks/delivery.py; the environment variable KUND_WEBHOOK_RETRY_SCALE (default 1) multiplies
# every one of them, read when a retry is scheduled.
KUND_WEBHOOK_TIMEOUT = float(os.environ.get("KUND_WEBHOOK_TIMEOUT", "10"))
# The last day of the fiscal year, MM-DD (default: the calendar year). Legal copies on invoices,
# agreement invoices and receipts of anonymized customers are cleared once KUND_BOOKKEEPING_YEARS have
# passed after the end of their fiscal year.
KUND_FISCAL_YEAR_END = os.environ.get("KUND_FISCAL_YEAR_END", "12-31")
KUND_BOOKKEEPING_YEARS = 7
# The hour (local time) at which the background worker runs the due retention rules each day.
KUND_RETENTION_HOUR = int(os.environ.get("KUND_RETENTION_HOUR", "2"))
# --- end of events and retention --------------------------------------------------------------------
