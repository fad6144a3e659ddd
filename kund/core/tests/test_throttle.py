"""Sign-in throttling: every door that signs a user in (the sign-in page, the admin's, anything that calls
`authenticate`) counts failures in the database, by username and by address, and refuses for a cool-off."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from kund.core import throttle

PASSWORD = "Vinterträdgård-42"
HOME = "10.20.30.40"  # the office's address
ELSEWHERE = "192.0.2.17"  # a phone on the road
ATTACKER = "203.0.113.66"
WRONG = "sommar2024"

pytestmark = pytest.mark.django_db


@pytest.fixture
def karin():
    return get_user_model().objects.create_user("karin.lund", password=PASSWORD)


@pytest.fixture
def anna():
    return get_user_model().objects.create_superuser("anna.berg", password=PASSWORD)


def sign_in(client, username: str, password: str, address: str, *, door: str = "login", **extra):
    path = reverse("admin:login") if door == "admin" else reverse("login")
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def fail(client, username: str, address: str, times: int = 1, **extra):
    for _ in range(times):
        sign_in(client, username, WRONG, address, **extra)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def shift_attempts_back(delta: timedelta) -> None:
    """Time passes for the failures recorded so far: each looks `delta` older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


# --- by username ------------------------------------------------------------------------------------


def test_five_failures_lock_the_username_from_every_address(client, karin):
    # given five wrong passwords for karin.lund from one address
    fail(client, "karin.lund", ATTACKER, times=5)

    # when the real karin.lund signs in from the office, with the right password
    response = sign_in(Client(), "karin.lund", PASSWORD, HOME)

    # then she is refused, with the lockout page
    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session


def test_four_failures_do_not_lock_and_the_fifth_gets_the_lockout_page(client, karin):
    # given four wrong passwords
    responses = [sign_in(client, "karin.lund", WRONG, ATTACKER) for _ in range(4)]
    # then each is the sign-in form again with its usual error
    assert [r.status_code for r in responses] == [200] * 4
    assert "Please enter a correct username and password" in responses[-1].content.decode()

    # when the fifth is wrong too
    response = sign_in(client, "karin.lund", WRONG, ATTACKER)

    # then that one already says the user is locked
    assert response.status_code == 429


# --- by address -------------------------------------------------------------------------------------


def test_twenty_failures_across_usernames_lock_the_address(client, karin):
    # given one wrong password each for twenty usernames, from one address
    for n in range(20):
        fail(client, f"guess{n}", ATTACKER)

    # when a user with the right password signs in from that address
    response = sign_in(Client(), "karin.lund", PASSWORD, ATTACKER)
    # then she is refused
    assert response.status_code == 429

    # and from another address she is let in
    other = Client()
    assert sign_in(other, "karin.lund", PASSWORD, HOME).status_code == 302
    assert is_signed_in(other)


def test_an_address_below_its_limit_is_not_locked(client, karin):
    # given nineteen failures from one address, none of its usernames at the username limit
    for n in range(19):
        fail(client, f"colleague{n % 5}", HOME)

    # when karin.lund signs in from the same address
    response = sign_in(client, "karin.lund", PASSWORD, HOME)

    # then she is let in: the address has a limit of its own (20), not the username's (5)
    assert response.status_code == 302


# --- every door -------------------------------------------------------------------------------------


def test_admin_sign_in_is_throttled(client, anna):
    # given five wrong passwords at the admin's sign-in page
    fail(client, "anna.berg", ATTACKER, times=5, door="admin")

    # when anna.berg signs in there with the right password, from another address
    other = Client()
    response = sign_in(other, "anna.berg", PASSWORD, HOME, door="admin")

    # then she is refused with Kund's lockout page
    assert response.status_code == 429
    assert 'id="login-form"' in response.content.decode()
    assert not is_signed_in(other)


def test_failures_at_one_door_lock_the_others(client, anna):
    # given five wrong passwords at Kund's sign-in page
    fail(client, "anna.berg", ATTACKER, times=5)

    # when anna.berg signs in at the admin's
    response = sign_in(Client(), "anna.berg", PASSWORD, HOME, door="admin")

    # then she is refused there too
    assert response.status_code == 429


def test_any_caller_of_authenticate_is_throttled(client, karin):
    # given a locked username
    fail(client, "karin.lund", ATTACKER, times=5)
    # when some other door (an API, a portal) checks the right password through Django's authenticate
    request = RequestFactory().post("/api/token/", REMOTE_ADDR=HOME)
    user = authenticate(request, username="karin.lund", password=PASSWORD)
    # then it gets nobody
    assert user is None


# --- what a locked-out user sees --------------------------------------------------------------------


def test_a_locked_user_gets_the_sign_in_form_with_a_clear_message(client, karin):
    # given a locked username
    fail(client, "karin.lund", ATTACKER, times=5)

    # when she tries again
    response = sign_in(Client(), "karin.lund", PASSWORD, HOME, HTTP_ACCEPT_LANGUAGE="en")

    # then she sees Kund's sign-in page (not a bare text or a traceback), with what happened and for how long
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert 'id="login-form"' in html
    assert 'id="signin-locked"' in html
    assert "Too many failed sign-in attempts" in html
    assert "15 minutes" in html
    assert "Traceback" not in html
    assert response["Retry-After"] == str(15 * 60)


def test_the_lockout_page_keeps_the_page_to_go_to_afterwards(client, karin):
    # given a locked username
    fail(client, "karin.lund", ATTACKER, times=5)

    # when she tries again on her way to the customer list
    response = Client().post(
        reverse("login"),
        {"username": "karin.lund", "password": PASSWORD, "next": "/customers/"},
        REMOTE_ADDR=HOME,
    )

    # then the form she sees still leads there
    assert 'name="next" value="/customers/"' in response.content.decode()


# --- the cool-off -----------------------------------------------------------------------------------


def test_the_lock_holds_until_the_cool_off_is_over(client, karin):
    # given a locked username, and fourteen minutes gone
    fail(client, "karin.lund", ATTACKER, times=5)
    shift_attempts_back(timedelta(minutes=14))

    # when she signs in
    response = sign_in(client, "karin.lund", PASSWORD, HOME)

    # then she is still refused
    assert response.status_code == 429


def test_after_the_cool_off_the_user_can_sign_in(client, karin):
    # given karin.lund mistyped her password five times at the office, and the fifteen minutes of the
    # cool-off are gone
    fail(client, "karin.lund", HOME, times=5)
    shift_attempts_back(timedelta(minutes=15, seconds=1))

    # when she signs in
    response = sign_in(client, "karin.lund", PASSWORD, HOME)

    # then she is let in, and the old failures are gone
    assert response.status_code == 302
    assert is_signed_in(client)
    assert not AccessAttempt.objects.filter(username="karin.lund").exists()


def test_failures_during_the_lock_do_not_make_it_last_longer(client, karin):
    # given a locked username that is tried again and again while locked
    fail(client, "karin.lund", ATTACKER, times=5)
    shift_attempts_back(timedelta(minutes=10))
    fail(client, "karin.lund", ATTACKER, times=3)
    shift_attempts_back(timedelta(minutes=5, seconds=1))

    # when fifteen minutes have passed since the lock began
    response = sign_in(Client(), "karin.lund", PASSWORD, ATTACKER)

    # then the username is free again: knocking on while it is locked does not keep it locked
    assert response.status_code == 302


# --- lifting a lock by hand -------------------------------------------------------------------------


def test_an_administrator_lifts_a_username_lock_with_a_command(client, karin):
    # given a locked username
    fail(client, "karin.lund", ATTACKER, times=5)

    # when an administrator runs `kund axes_reset_username karin.lund`
    call_command("axes_reset_username", "karin.lund", stdout=StringIO())

    # then she can sign in at once
    assert sign_in(Client(), "karin.lund", PASSWORD, HOME).status_code == 302


def test_an_administrator_lifts_an_address_lock_with_a_command(client, karin):
    # given a locked address
    for n in range(20):
        fail(client, f"guess{n}", HOME)

    # when an administrator runs `kund axes_reset_ip ADDRESS`
    call_command("axes_reset_ip", HOME, stdout=StringIO())

    # then sign-ins from there work again
    assert sign_in(Client(), "karin.lund", PASSWORD, HOME).status_code == 302


# --- a successful sign-in ---------------------------------------------------------------------------


def test_a_successful_sign_in_resets_the_usernames_failures(client, karin):
    # given four wrong passwords for karin.lund from one address
    fail(client, "karin.lund", ATTACKER, times=4)
    # and then she signs in from the office
    assert sign_in(Client(), "karin.lund", PASSWORD, HOME).status_code == 302

    # when four more wrong passwords come from the first address
    fail(client, "karin.lund", ATTACKER, times=4)

    # then she can still sign in: the count began again at her sign-in
    assert sign_in(Client(), "karin.lund", PASSWORD, ATTACKER).status_code == 302


def test_a_successful_sign_in_does_not_clear_the_address_failures_for_other_usernames(client, karin):
    # given sixteen failures for other usernames from one address
    for n in range(16):
        fail(client, f"guess{n % 4}", ATTACKER)
    # and then a successful sign-in from that address (say, the attacker's own account)
    assert sign_in(Client(), "karin.lund", PASSWORD, ATTACKER).status_code == 302

    # when four more failures come from there
    for n in range(4):
        fail(client, f"other{n}", ATTACKER)

    # then the address is locked: its twenty failures still count
    assert sign_in(Client(), "karin.lund", PASSWORD, ATTACKER).status_code == 429


# --- one store for every process --------------------------------------------------------------------


def test_the_lock_is_kept_in_the_database(client, karin):
    # given five wrong passwords through one client
    fail(client, "karin.lund", ATTACKER, times=5)

    # when another process, with nothing in its memory, is asked
    cache.clear()
    response = sign_in(Client(), "karin.lund", PASSWORD, HOME)

    # then it refuses too, from what the database holds
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username="karin.lund").count() == 1


def _url_of_the_test_database() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


SIGN_IN_IN_ANOTHER_PROCESS = """
import django
django.setup()
from django.test import Client
response = Client().post(
    "/accounts/login/", {"username": "karin.lund", "password": %r}, REMOTE_ADDR=%r
)
print(response.status_code)
"""


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_the_lock(client, karin):
    # given five wrong passwords in this process, committed
    fail(client, "karin.lund", ATTACKER, times=5)

    # when a second Python process signs in with the right password
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kund.settings.base",
        "DATABASE_URL": _url_of_the_test_database(),
        "KUND_ALLOWED_HOSTS": "testserver",
        "KUND_SECRET_KEY": "a-key-for-this-test-only",
        "KUND_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", SIGN_IN_IN_ANOTHER_PROCESS % (PASSWORD, HOME)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    # then it is refused there as well
    assert result.stdout.strip() == "429"


# --- the client's address behind a proxy ------------------------------------------------------------


def test_without_a_trusted_proxy_the_address_is_the_connections():
    request = RequestFactory().get("/", REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR=ATTACKER)

    assert throttle.client_address(request) == HOME


@override_settings(KUND_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_one_it_saw():
    # a client that sends its own X-Forwarded-For cannot choose the address that counts
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{HOME}, {ATTACKER}")

    assert throttle.client_address(request) == ATTACKER


@override_settings(KUND_TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_address_is_the_one_the_outer_proxy_saw():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{HOME}, {ATTACKER}, 10.0.0.1"
    )

    assert throttle.client_address(request) == ATTACKER


@pytest.mark.parametrize("header", ["", "not-an-address", "999.1.1.1", "<script>"])
@override_settings(KUND_TRUSTED_PROXY_COUNT=1)
def test_a_missing_or_garbled_forwarded_header_falls_back_to_the_connection(header):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)

    assert throttle.client_address(request) == "10.0.0.2"


@override_settings(KUND_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_client_is_counted_on_its_own(client, karin):
    # given twenty failures from one client behind the proxy (the proxy connects from 10.0.0.2)
    for n in range(20):
        fail(client, f"guess{n}", "10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)

    # when a user signs in through the same proxy from that client, and from another
    from_there = sign_in(Client(), "karin.lund", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)
    from_elsewhere = sign_in(Client(), "karin.lund", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=HOME)

    # then only the first is refused
    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


@override_settings(KUND_TRUSTED_PROXY_COUNT=1)
def test_a_garbled_forwarded_header_at_sign_in_is_no_error(client, karin):
    response = sign_in(client, "karin.lund", WRONG, "10.0.0.2", HTTP_X_FORWARDED_FOR="'; DROP TABLE")

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.2"
