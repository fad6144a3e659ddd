"""A background worker for the tests that need a real one (the crash test of the erasure jobs): the
database task backend of base.py, on the database named by DATABASE_URL (the test run's own), with the
test settings' storage and no autoreload."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "kund-tests-only-not-a-secret"  # as kund.settings.test
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
