"""Sign-in throttling: after MAX_FAILURES failed attempts for one username from one address within WINDOW,
that pair is refused for WINDOW, with a message saying so. Counts live in Django's cache; the key is a
hash, so neither the username nor the address is stored in the clear."""

import hashlib

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\n{address}".encode()).hexdigest()
    return f"kund:signin-failures:{digest}"


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def is_locked(username: str, address: str) -> bool:
    return cache.get(_key(username, address), 0) >= MAX_FAILURES


def record_failure(username: str, address: str) -> int:
    key = _key(username, address)
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1
    if count == MAX_FAILURES:
        # The lock lasts a full window from the attempt that set it off.
        cache.touch(key, WINDOW_SECONDS)
    return count


def clear_failures(username: str, address: str) -> None:
    cache.delete(_key(username, address))


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts. For your security, signing in as this user from here is "
            "blocked for 15 minutes."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if username and is_locked(username, address):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                record_failure(username, address)
            raise
        clear_failures(username, address)
        return cleaned


class ThrottledLoginView(LoginView):
    authentication_form = ThrottledAuthenticationForm
