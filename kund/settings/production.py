import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["KUND_SECRET_KEY"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
