from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("KUND_DEBUG", True)

# The development database and uploads live under var/, which a fresh clone does not have.
VAR_DIR.mkdir(parents=True, exist_ok=True)
