import os

from .base import *  # noqa: F403
from .base import VAR_DIR, secret_key_file

# DEBUG stays off (base.py) unless KUND_DEBUG=1: the demo runs as production would.

# The development database and uploads live under var/, which a fresh clone does not have.
VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = os.environ.get("KUND_SECRET_KEY") or secret_key_file(VAR_DIR / "secret-key")

# WhiteNoise serves the static files straight from where the finders find them (node_modules, the apps'
# static/), so nothing has to be collected first, whatever starts the server. Nothing is collected
# here (STATIC_ROOT unset; WhiteNoise would warn about the missing folder).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
