"""Production: every machine-specific value from the environment (README, "Running in production").

Required: KUND_SECRET_KEY and DATABASE_URL (postgres://… for more than one machine). The rest have safe
defaults: KUND_ALLOWED_HOSTS, KUND_CSRF_TRUSTED_ORIGINS, KUND_BEHIND_TLS_PROXY, KUND_SECURE_COOKIES,
KUND_HSTS_SECONDS, KUND_DB_CONN_MAX_AGE, KUND_STORAGE_BACKEND and KUND_STORAGE_OPTIONS, KUND_STATIC_ROOT,
KUND_EMAIL_* and KUND_DEFAULT_FROM_EMAIL."""

import json
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env_bool


def _required(name: str, why: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: {why}")
    return value


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = False  # whatever KUND_DEBUG says
SECRET_KEY = _required(
    "KUND_SECRET_KEY",
    "production signs sessions with it; make one with "
    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and keep it secret",
)
_required("DATABASE_URL", "production needs its database named, e.g. postgres://kund:…@db.internal:5432/kund")

# Several web processes and workers: keep each one's connection for a minute instead of opening one per
# request, and test it before reuse (a restarted database server drops them all).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("KUND_DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- HTTP behind a reverse proxy -----------------------------------------------------------------------
# ALLOWED_HOSTS comes from KUND_ALLOWED_HOSTS (base.py). Origins other than the host the browser asked
# for (another port, a second name) that may post forms: KUND_CSRF_TRUSTED_ORIGINS=https://kund.example.se
CSRF_TRUSTED_ORIGINS = _list("KUND_CSRF_TRUSTED_ORIGINS")
if env_bool("KUND_BEHIND_TLS_PROXY", False):
    # The proxy ends TLS and says so in X-Forwarded-Proto; it must set (not pass on) that header. Then
    # request.is_secure() is true, and redirects and CSRF's origin check use https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("KUND_USE_X_FORWARDED_HOST", False)
# The sign-in throttle's client address behind proxies: KUND_TRUSTED_PROXY_COUNT (base.py).

# Cookies only over HTTPS. KUND_SECURE_COOKIES=0 only for plain HTTP on a closed network or loopback.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("KUND_SECURE_COOKIES", True)
SECURE_HSTS_SECONDS = int(os.environ.get("KUND_HSTS_SECONDS", "0"))  # e.g. 31536000 once HTTPS works
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- files --------------------------------------------------------------------------------------------
# Static files: `kund collectstatic` copies them (Bootstrap and htmx from node_modules too) into
# STATIC_ROOT with hashed names; WhiteNoise serves them, compressed, with far-future caching.
STATIC_ROOT = Path(os.environ.get("KUND_STATIC_ROOT", BASE_DIR / "staticfiles"))


def storages_from_env() -> dict:
    """Uploaded files (documents, credit files, imports) go through the default storage only: the file
    system under KUND_MEDIA_ROOT by default (on one machine, or a disk every machine mounts), or any
    Django storage named by KUND_STORAGE_BACKEND with KUND_STORAGE_OPTIONS as JSON, e.g. django-storages'
    S3 backend (README, "Files on S3")."""
    backend = os.environ.get("KUND_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
    try:
        options = json.loads(os.environ.get("KUND_STORAGE_OPTIONS") or "{}")
    except ValueError:
        raise ImproperlyConfigured("KUND_STORAGE_OPTIONS is not valid JSON") from None
    if not isinstance(options, dict):
        raise ImproperlyConfigured("KUND_STORAGE_OPTIONS must be a JSON object")
    return {
        "default": {"BACKEND": backend, "OPTIONS": options},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


STORAGES = storages_from_env()

# --- e-mail -------------------------------------------------------------------------------------------
# SMTP; without KUND_EMAIL_HOST, a mail server on this machine (port 25).
EMAIL_HOST = os.environ.get("KUND_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KUND_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KUND_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KUND_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KUND_EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("KUND_EMAIL_USE_SSL", False)  # TLS from the start, usually port 465
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = SERVER_EMAIL = os.environ.get("KUND_DEFAULT_FROM_EMAIL", "kund@localhost")
