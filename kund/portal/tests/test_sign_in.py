"""R-10: the portal's sign-in is throttled like the register's. Kund throttles sign-in with a backend in
front of the others in AUTHENTICATION_BACKENDS, asked by django.contrib.auth.authenticate, which refuses a
locked user name by raising PermissionDenied, and counts failures from Django's user_login_failed signal.
These tests put such a backend in front and show that the portal goes through it: every attempt reaches
it with the request and the e-mail address, failures are signalled, and a locked address is refused
even with the right password."""

import pytest
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from kund.portal.models import PortalSession
from kund.portal.tests.portal_fixtures import *  # noqa: F403
from kund.portal.tests.portal_fixtures import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 5


class Lockout:
    """What a throttling backend does, in miniature: it sees every call of authenticate() first, and
    refuses a user name that has failed LIMIT times."""

    seen: list = []
    failures: dict = {}

    def authenticate(self, request, username=None, password=None, **credentials):
        Lockout.seen.append((request, username, credentials.get("portal")))
        if Lockout.failures.get(username, 0) >= LIMIT:
            raise PermissionDenied("locked")
        return None

    @staticmethod
    def failed(sender, credentials, request=None, **kwargs):
        username = credentials.get("username")
        Lockout.failures[username] = Lockout.failures.get(username, 0) + 1


@pytest.fixture
def lockout():
    Lockout.seen, Lockout.failures = [], {}
    user_login_failed.connect(Lockout.failed, dispatch_uid="portal-test-lockout")
    backends = [
        f"{__name__}.Lockout",
        "django.contrib.auth.backends.ModelBackend",
        "kund.portal.backends.CustomerUserBackend",
    ]
    # Kund's own throttle (django-axes) is switched off here: the stand-in shows what any backend in front
    # sees; test_r10_the_registers_throttle_locks_the_portal_too shows Kund's own at work.
    with override_settings(AUTHENTICATION_BACKENDS=backends, AXES_ENABLED=False):
        yield Lockout
    user_login_failed.disconnect(dispatch_uid="portal-test-lockout")


def _sign_in(client, email: str, password: str):
    return client.post(
        reverse("portal:home"), {"username": email, "password": password}, REMOTE_ADDR="10.0.0.7"
    )


def test_r10_every_portal_sign_in_goes_through_authenticate_with_its_request(client, site, lockout):
    # when a customer user signs in
    response = _sign_in(client, site.user.email, PASSWORD)

    # then the backend in front saw the attempt, with the request it came in and the address typed
    assert response.status_code == 302
    ((request, username, portal),) = lockout.seen
    assert request is not None and request.META["REMOTE_ADDR"] == "10.0.0.7"
    assert (username, portal) == (site.user.email, True)


def test_r10_failed_portal_sign_ins_are_signalled_and_lock_the_address(client, site, lockout):
    # given LIMIT failed attempts
    for _attempt in range(LIMIT):
        assert _sign_in(client, site.user.email, "fel-losenord").status_code == 200
    assert lockout.failures[site.user.email] == LIMIT

    # when the right password comes next
    response = _sign_in(client, site.user.email, PASSWORD)

    # then it is refused, and nobody is signed in
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not PortalSession.objects.exists()


def test_r10_a_lock_on_one_address_leaves_others_alone(client, site, other_site, lockout):
    for _attempt in range(LIMIT):
        _sign_in(client, site.user.email, "fel-losenord")

    assert _sign_in(client, other_site.user.email, PASSWORD).status_code == 302


def test_r10_the_registers_throttle_locks_the_portal_too(client, site):
    # given as many failed portal sign-ins for one address as Kund's throttle allows (AXES_FAILURE_LIMIT)
    for _attempt in range(LIMIT):
        _sign_in(client, site.user.email, "fel-losenord")

    # when the right password comes next
    response = _sign_in(client, site.user.email, PASSWORD)

    # then it is refused with the portal's own sign-in page and the lockout message, and nobody is in
    assert response.status_code == 429
    html = response.content.decode()
    assert 'id="portal-locked-out"' in html and "/accounts/login/" not in html
    assert response["Cache-Control"] == "no-store"
    assert not PortalSession.objects.exists()
