"""R-10's way in: an invitation link opens Django's set-password form (`new_password1`, `new_password2`),
works once and expires; then `/portal/` signs the user in with Django's sign-in form (`username` = the
e-mail address, `password`). A forgotten password is reset by a link sent by e-mail, under the same
rules. An inactive customer's users cannot sign in."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kund.customers.services import customer_set_status
from kund.customers.tests.register_fixtures import make_user
from kund.portal import services
from kund.portal.models import CustomerUser, CustomerUserToken, PortalSession
from kund.portal.tests.portal_fixtures import *  # noqa: F403
from kund.portal.tests.portal_fixtures import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lingonris-i-november-9"


@pytest.fixture
def invited(site):
    """A customer user just invited by staff, and the invitation's path."""
    staff = make_user("view_customer", "add_customer_user")
    user, secret = services.customer_user_invite(
        customer=site.customer, actor=staff, email="eva.holm@ohrlings-bygg.se", name="Eva Holm"
    )
    return user, services.invitation_path(secret)


def _set_password(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    return client.post(path, {"new_password1": password, "new_password2": again or password})


def _sign_in(client, email: str, password: str):
    return client.post(reverse("portal:home"), {"username": email, "password": password})


def test_r10_invitation_set_password_then_sign_in(client, invited):
    user, path = invited

    # when the invited person opens the link: Django's set-password form
    page = client.get(path)
    assert page.status_code == 200
    assert {"new_password1", "new_password2"} <= set(page.context["form"].fields)
    assert "no-store" in page["Cache-Control"]

    # and sets a password
    response = _set_password(client, path)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")

    # then /portal/ signs them in with Django's sign-in form, e-mail address as user name
    signed_in = _sign_in(client, "Eva.Holm@ohrlings-bygg.se", NEW_PASSWORD)
    assert signed_in.status_code == 302
    cookie = signed_in.cookies[settings.KUND_PORTAL_SESSION_COOKIE]
    assert cookie["path"] == "/portal/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    home = client.get(reverse("portal:home"))
    assert home.context["portal_user"] == user
    user.refresh_from_db()
    assert user.last_login is not None and not user.invited


def test_r10_an_invitation_works_once(client, invited):
    user, path = invited
    assert _set_password(client, path).status_code == 302

    # when the link is used again, to set another password
    again = _set_password(client, path, "Annan-Fin-Losen-77")

    # then it does not work, and the first password stands
    assert again.status_code == 404
    assert "portal-link-invalid" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_r10_an_invitation_expires(client, invited):
    # given an invitation older than its lifetime
    user, path = invited
    CustomerUserToken.objects.filter(customer_user=user).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    # when / then
    assert client.get(path).status_code == 404
    assert _set_password(client, path).status_code == 404
    user.refresh_from_db()
    assert user.invited


def test_r10_an_invitation_lasts_the_configured_days(invited):
    user, _path = invited
    link = CustomerUserToken.objects.get(customer_user=user)
    assert link.expires_at - link.created_at == timedelta(days=settings.KUND_PORTAL_INVITATION_DAYS)


def test_r10_a_link_that_expires_between_opening_and_sending_sets_nothing(client, invited):
    user, path = invited
    link = services.link_for(path.rstrip("/").rsplit("/", 1)[1], CustomerUserToken.Purpose.INVITATION)
    CustomerUserToken.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(services.LinkNotValid):
        services.password_set_with_link(link=link, password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.invited


def test_r10_passwords_are_checked_by_djangos_validators(client, invited):
    user, path = invited

    mismatch = _set_password(client, path, NEW_PASSWORD, "Something-else-entirely-1")
    too_easy = _set_password(client, path, "12345678")

    assert "new_password2" in mismatch.context["form"].errors
    assert "new_password2" in too_easy.context["form"].errors
    user.refresh_from_db()
    assert user.invited
    assert CustomerUserToken.objects.filter(customer_user=user).exists()  # still usable


def test_r10_an_unknown_link_is_the_same_page_as_a_used_one(client):
    response = client.get(reverse("portal:invitation", args=["nonsense-that-was-never-issued"]))
    assert response.status_code == 404
    assert "portal-link-invalid" in response.content.decode()


def test_r10_setting_a_password_ends_every_session_of_the_user(client, site):
    # given a user signed in elsewhere, who asks for a new password
    old_session = services.session_start(customer_user=site.user)
    services.password_reset_request(email=site.user.email, base_url="http://testserver/")
    (message,) = mail.outbox
    path = message.body.split("http://testserver", 1)[1].split()[0]

    # when they set it through the link
    assert _set_password(client, path).status_code == 302

    # then the old session no longer signs anyone in
    assert services.session_user(old_session) is None
    assert not PortalSession.objects.filter(customer_user=site.user).exists()


# --- password reset ------------------------------------------------------------------------------------


def test_r10_password_reset_sends_a_single_use_link(client, site):
    # when the user asks for a reset
    response = client.post(reverse("portal:password_reset"), {"email": site.user.email.upper()})

    # then an e-mail with a link goes to the address, the link opens the set-password form, and works once
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_reset_sent")
    (message,) = mail.outbox
    assert message.to == [site.user.email]
    path = message.body.split("http://testserver", 1)[1].split()[0]
    assert path.startswith("/portal/password-reset/")
    assert client.get(path).status_code == 200
    assert _set_password(client, path).status_code == 302
    assert _set_password(client, path, "Annan-Fin-Losen-77").status_code == 404
    assert _sign_in(client, site.user.email, NEW_PASSWORD).status_code == 302
    assert _sign_in(client, site.user.email, PASSWORD).status_code == 200  # the old one is gone


def test_r10_password_reset_says_the_same_for_an_unknown_address(client, site):
    known = client.post(reverse("portal:password_reset"), {"email": site.user.email})
    unknown = client.post(reverse("portal:password_reset"), {"email": "okand@example.se"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_r10_a_reset_link_expires(client, site):
    services.password_reset_request(email=site.user.email, base_url="http://testserver/")
    path = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]
    CustomerUserToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(path).status_code == 404


def test_r10_an_invitation_link_is_not_a_reset_link(client, invited):
    _user, path = invited
    secret = path.rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("portal:password_reset_confirm", args=[secret])).status_code == 404


# --- signing in and out --------------------------------------------------------------------------------


def test_r10_sign_in_with_a_wrong_password_signs_nobody_in(client, site):
    response = _sign_in(client, site.user.email, "fel-losenord")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert settings.KUND_PORTAL_SESSION_COOKIE not in response.cookies
    assert not PortalSession.objects.exists()


def test_r10_an_invited_user_without_a_password_cannot_sign_in(client, invited):
    user, _path = invited
    assert _sign_in(client, user.email, "").status_code == 200
    assert _sign_in(client, user.email, "!").status_code == 200
    assert not PortalSession.objects.filter(customer_user=user).exists()


def test_r10_a_staff_account_cannot_sign_in_to_the_portal(client, db):
    # given a register user whose user name is an e-mail address
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("maria@ohrlings-bygg.se", password=PASSWORD)

    # when / then
    response = _sign_in(client, "maria@ohrlings-bygg.se", PASSWORD)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not PortalSession.objects.exists()


def test_r10_sign_out_ends_the_session(client, site):
    assert _sign_in(client, site.user.email, PASSWORD).status_code == 302
    secret = client.cookies[settings.KUND_PORTAL_SESSION_COOKIE].value

    response = client.post(reverse("portal:sign_out"))

    assert response.status_code == 302
    assert services.session_user(secret) is None
    assert client.get(reverse("portal:protocols")).status_code == 302


def test_r10_sign_in_goes_on_to_the_page_asked_for_but_never_off_the_portal(client, site):
    to_faults = client.post(
        reverse("portal:home"),
        {"username": site.user.email, "password": PASSWORD, "next": reverse("portal:faults")},
    )
    elsewhere = client.post(
        reverse("portal:home"),
        {"username": site.user.email, "password": PASSWORD, "next": "https://evil.example/portal/"},
    )
    register = client.post(
        reverse("portal:home"), {"username": site.user.email, "password": PASSWORD, "next": "/customers/"}
    )

    assert to_faults["Location"] == reverse("portal:faults")
    assert elsewhere["Location"] == reverse("portal:home")
    assert register["Location"] == reverse("portal:home")


def test_r10_a_session_ends_after_its_idle_time(client, site):
    secret = services.session_start(customer_user=site.user)
    PortalSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert services.session_user(secret) is None


def test_r10_using_the_portal_keeps_the_session_alive(site):
    secret = services.session_start(customer_user=site.user)
    PortalSession.objects.update(expires_at=timezone.now() + timedelta(minutes=10))

    assert services.session_user(secret) == site.user
    assert PortalSession.objects.get().expires_at > timezone.now() + services.session_age() - timedelta(
        minutes=1
    )


def test_r5_an_inactive_customers_users_cannot_sign_in_and_are_signed_out(client, site):
    # given a signed-in user
    assert _sign_in(client, site.user.email, PASSWORD).status_code == 302
    assert client.get(reverse("portal:protocols")).status_code == 200

    # when staff deactivate the customer
    customer_set_status(customer=site.customer, actor=None, status="inactive")

    # then the session no longer works, signing in fails, and no reset link is sent
    assert client.get(reverse("portal:protocols")).status_code == 302
    assert _sign_in(client, site.user.email, PASSWORD).status_code == 200
    client.post(reverse("portal:password_reset"), {"email": site.user.email})
    assert mail.outbox == []
    # and an invitation link of theirs does not open either
    staff = make_user("view_customer", "add_customer_user")
    secret = services.customer_user_invite_again(customer_user=site.user, actor=staff)
    assert client.get(services.invitation_path(secret)).status_code == 404


def test_r10_the_cookie_holds_a_key_the_database_has_only_as_a_hash(client, site):
    assert _sign_in(client, site.user.email, PASSWORD).status_code == 302
    secret = client.cookies[settings.KUND_PORTAL_SESSION_COOKIE].value

    stored = PortalSession.objects.get(customer_user=site.user)

    assert secret and stored.key_hash != secret and stored.key_hash == services.secret_hash(secret)
    assert not CustomerUser.objects.filter(password__contains=PASSWORD).exists()
