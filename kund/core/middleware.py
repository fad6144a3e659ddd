"""What every response to a signed-in user needs: no cache keeps it, and using Kund keeps the user signed
in, while eight idle hours sign them out."""

import time

from django.utils.cache import add_never_cache_headers

# The session key of the moment the session's end was last moved on (seconds since the epoch).
SEEN = "kund_seen"
# How often a session in use is saved again to move its end on: not on every request, which would make
# every page view a write (on SQLite, one that waits for a running erasure's write lock).
REFRESH_SECONDS = 5 * 60


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user says `Cache-Control: no-store` (and private, no-cache), so no
    browser or proxy keeps a customer's card, list or file after the user has gone. Static files never
    get here: WhiteNoise answers them before this middleware, with its own caching headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            add_never_cache_headers(response)
        return response


class SessionIdleMiddleware:
    """A session ends SESSION_COOKIE_AGE (8 hours) after it was last saved. While the user keeps using
    Kund, the session is saved again every REFRESH_SECONDS (the session middleware saves what changed),
    which moves that end on; after 8 hours without a request it has passed and the user is signed out.
    The cookie itself has no expiry date (SESSION_EXPIRE_AT_BROWSER_CLOSE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and _signed_in(request):
            now = int(time.time())
            seen = session.get(SEEN)
            if seen is None or session.modified or now - seen >= REFRESH_SECONDS:
                session[SEEN] = now
        return response


def session_seen_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in starts the idle clock (connected to user_logged_in in kund.core.apps)."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN] = int(time.time())
