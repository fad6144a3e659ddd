"""Sign-in throttling, with django-axes.

Axes' authentication backend sits in front of Django's, so every door that signs a user in through
`django.contrib.auth.authenticate` (Kund's sign-in page, the admin's, any API or portal to come) asks it
first, and its signal handlers record each failure in the database, which every process shares.

Kund's policy (settings in base.py, "Sign-in throttling"):

- a username is locked after AXES_FAILURE_LIMIT (5) failures, from whatever addresses they came;
- an address is locked after KUND_SIGNIN_ADDRESS_FAILURE_LIMIT (20) failures, across all usernames, so
  that guessing a few passwords each for many usernames from one place stops too, while colleagues behind
  the same NAT are not locked out by one person's typos;
- a lock lasts AXES_COOLOFF_TIME (15 minutes) from the failure that set it off; failures while locked are
  not counted, so knocking on does not make it last longer;
- a successful sign-in clears that username's failures, not its address's.

This module holds what Axes leaves to the project: the handler that applies the two limits, the
client's address behind a proxy, and the lockout page.
"""

import ipaddress
import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import REDIRECT_FIELD_NAME
from django.db.models import Sum
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import ngettext


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class SignInHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit for the username and another for the address.

    Axes compares `get_failures` with one limit, AXES_FAILURE_LIMIT, the username's. The address's
    failures are scaled to it: floor(n * username limit / address limit) reaches the username limit
    exactly when n reaches the address limit.
    """

    def get_failures(self, request, credentials=None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_username = _failures(recent.filter(username=username)) if username else 0
        address = request.axes_ip_address
        by_address = _failures(recent.filter(ip_address=address)) if address else 0
        limit = get_failure_limit(request, credentials)
        return max(by_username, by_address * limit // settings.KUND_SIGNIN_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in: the username's failures only. Axes would also clear the
        address's, which would let anyone with one account wipe the count of their guesses at others."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def _valid_address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address a sign-in attempt is counted against (AXES_CLIENT_IP_CALLABLE).

    Without a proxy (KUND_TRUSTED_PROXY_COUNT 0) it is the connection's. Behind N proxies, each of
    which appends the address it was connected from to X-Forwarded-For, it is the N-th address from the
    right: what the outermost proxy saw. Anything to its left the client may have written itself. A
    header that is missing, too short or not an address falls back to the connection's.
    """
    remote = _valid_address(request.META.get("REMOTE_ADDR"))
    proxies = settings.KUND_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return _valid_address(forwarded[-proxies]) or remote


def _lockout_page_for(path: str):
    """The view that shows the lockout message at the door under `path`, by KUND_LOCKOUT_PAGES (path
    prefix -> dotted path of a function (request, message) -> response); None: the register's page."""
    for prefix, dotted in getattr(settings, "KUND_LOCKOUT_PAGES", {}).items():
        if path.startswith(prefix):
            return import_string(dotted)
    return None


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out attempt gets (AXES_LOCKOUT_CALLABLE), from whichever door: Kund's sign-in
    form, empty, with a message that says what happened and for how long, as 429 Too Many Requests."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60)
    message = ngettext(
        "Too many failed sign-in attempts for this user or from this network. For your security, signing "
        "in is paused for %(minutes)d minute. Try again then, or ask an administrator to lift the lock.",
        "Too many failed sign-in attempts for this user or from this network. For your security, signing "
        "in is paused for %(minutes)d minutes. Try again then, or ask an administrator to lift the lock.",
        minutes,
    ) % {"minutes": minutes}
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    page = _lockout_page_for(request.path)
    if page is not None:  # another door's own sign-in page (the customer portal's, R-10)
        response = page(request, message)
        response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    else:
        context = {"form": AuthenticationForm(request), "locked_out_message": message, "next": next_url}
        response = render(
            request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
