"""Requests are limited per token (SPEC B-9), at KUND_API_RATE (e.g. "1200/min").

The counts live in Django's cache. Kund configures no shared cache, so each process counts for itself
(LocMemCache): behind N worker processes a token gets up to N times the rate. That bounds a runaway client,
which is what this is for; a shared cache (CACHES in the settings) makes it exact.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api-token"

    def get_rate(self) -> str | None:
        return settings.KUND_API_RATE or None

    def get_cache_key(self, request, view) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None  # not signed in: refused with 401 before throttling matters
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
