import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

# Lets several test runs share one machine (and one PostgreSQL server) without sharing a database.
_SUFFIX = os.environ.get("KUND_TEST_DB_SUFFIX", "")

SECRET_KEY = "kund-tests-only-not-a-secret"  # a fixed key, for tests alone
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read the English source strings; a test of the Swedish or German interface asks for it.
LANGUAGE_CODE = "en"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files as local.py serves them: by WhiteNoise from the finders, nothing collected.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's default in-memory database: WAL and secure_delete (base.py) only mean
    # something for a file, and the tests should run on what production runs. pytest-xdist appends
    # the worker's name to this path.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-kund{_SUFFIX}.sqlite3")}
elif _SUFFIX:
    DATABASES["default"]["TEST"] = {"NAME": f"test_kund{_SUFFIX}"}
