"""Safe defaults: DEBUG only when asked for, a secret key nobody knows, static files served by WhiteNoise,
no cached page of a signed-in user, sessions that end, and error pages that show nothing."""

import json
import os
import stat
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import path, reverse
from django.utils import timezone
from django.views.defaults import server_error

from kund.core.middleware import SEEN
from kund.settings.base import BASE_DIR, secret_key_file

# --- the secret key -------------------------------------------------------------------------------------


def test_the_secret_key_is_made_once_private_and_then_reused(tmp_path):
    # given
    path = tmp_path / "var" / "secret-key"

    # when
    first = secret_key_file(path)
    second = secret_key_file(path)

    # then
    assert len(first) >= 50
    assert second == first
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret-key"]  # no temporary file left behind


def test_an_empty_key_file_gets_a_key(tmp_path):
    path = tmp_path / "secret-key"
    path.write_text("")

    key = secret_key_file(path)

    assert len(key) >= 50 and path.read_text().strip() == key


def _settings_of(module: str, tmp_path, **env) -> dict | str:
    """DEBUG and the secret key as a fresh process sees them with `module` and the given environment."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"KUND_DEBUG", "KUND_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE=module, KUND_VAR_DIR=str(tmp_path), **env)
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'debug': settings.DEBUG, 'key': settings.SECRET_KEY}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(done.stdout) if done.returncode == 0 else done.stderr


def test_the_demo_settings_run_without_debug_and_keep_their_key_in_var(tmp_path):
    # when the demo's settings start twice, and once more with KUND_DEBUG=1
    first = _settings_of("kund.settings.local", tmp_path)
    second = _settings_of("kund.settings.local", tmp_path)
    debugging = _settings_of("kund.settings.local", tmp_path, KUND_DEBUG="1")

    # then DEBUG is off unless asked for, and the key was made once, in var/
    assert first["debug"] is False
    assert debugging["debug"] is True
    assert first["key"] == second["key"] == (tmp_path / "secret-key").read_text().strip()
    assert first["key"] != "insecure-development-key-change-me"


def test_kund_secret_key_wins_and_production_needs_it(tmp_path):
    given = _settings_of("kund.settings.local", tmp_path, KUND_SECRET_KEY="from-the-environment-" * 3)
    assert given["key"] == "from-the-environment-" * 3
    assert not (tmp_path / "secret-key").exists()

    refused = _settings_of("kund.settings.production", tmp_path)
    assert isinstance(refused, str) and "KUND_SECRET_KEY" in refused


# --- caching, static files ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_in_page_is_never_stored(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_static_files_are_served_by_whitenoise_with_their_own_caching(client, admin_user):
    # given DEBUG off, as in the demo and in production
    assert django_settings.DEBUG is False
    client.force_login(admin_user)

    # when
    response = client.get("/static/vendor/htmx/htmx.min.js")

    # then
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    response.close()


# --- sessions -------------------------------------------------------------------------------------------


def test_sessions_end_with_the_browser_or_after_eight_idle_hours():
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert django_settings.SESSION_COOKIE_AGE == 8 * 60 * 60


@pytest.mark.django_db
def test_signing_in_gives_a_cookie_that_ends_with_the_browser(client, django_user_model):
    # given
    django_user_model.objects.create_user("sara", password="correct-horse-battery")

    # when
    response = client.post(reverse("login"), {"username": "sara", "password": "correct-horse-battery"})

    # then the cookie has no expiry date, and the session ends 8 hours from now unless used
    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    expires = Session.objects.get().expire_date
    assert timezone.now() + timedelta(hours=7, minutes=59) < expires <= timezone.now() + timedelta(hours=8)


def _session_seen_ago(client, seconds: int, *, ends_in: timedelta) -> None:
    session = client.session
    session[SEEN] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now() + ends_in)


@pytest.mark.django_db
def test_using_kund_moves_the_end_of_the_session_on(client, admin_user):
    # given a signed-in user last seen ten minutes ago, whose session would end in a minute
    client.force_login(admin_user)
    _session_seen_ago(client, 10 * 60, ends_in=timedelta(minutes=1))

    # when
    response = client.get(reverse("home"))

    # then the session lasts another 8 hours
    assert response.status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + timedelta(hours=7)


@pytest.mark.django_db
def test_a_session_is_not_written_on_every_request(client, admin_user):
    # given a user seen a minute ago
    client.force_login(admin_user)
    _session_seen_ago(client, 60, ends_in=timedelta(hours=7))
    before = Session.objects.get().expire_date

    # when
    client.get(reverse("home"))

    # then the session row was left alone
    assert Session.objects.get().expire_date == before


@pytest.mark.django_db
def test_an_idle_session_is_signed_out(client, admin_user):
    client.force_login(admin_user)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- error pages ----------------------------------------------------------------------------------------


def _fails(request):
    raise RuntimeError("customer Ingrid Lindqvist 19811218-9876 could not be read")


urlpatterns = [path("fails/", _fails)]


@pytest.mark.django_db
def test_an_unknown_page_is_kunds_own_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert b'id="not-found"' in response.content


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_page_shows_kunds_500_without_the_exception(client):
    # given DEBUG off, and a view that fails with personal data in its message
    assert django_settings.DEBUG is False
    client.raise_request_exception = False

    # when
    response = client.get("/fails/")

    # then
    assert response.status_code == 500
    html = response.content.decode()
    assert 'id="server-error"' in html
    assert "Lindqvist" not in html and "RuntimeError" not in html and "Traceback" not in html


def test_the_500_page_needs_no_database_and_no_request_context():
    # Without the django_db mark, any query would fail this test.
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b'id="server-error"' in response.content
