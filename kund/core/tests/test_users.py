"""R-9: the register's users, made, deactivated, reactivated and given a new password by an administrator
through kund.core.users (and their rights through kund.core.user_rights), each change in the user's
history. Every door (the users pages: kund/customers/tests/test_views_users.py) calls these."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kund.core.models import UserEvent
from kund.core.user_rights import user_set_rights
from kund.core.users import PASSWORD_ALPHABET, user_create, user_reset_password, user_set_active
from kund.customers.forms import RIGHTS
from kund.customers.tests.register_fixtures import make_user

pytestmark = pytest.mark.django_db

Event = UserEvent.Event
OFFERED = [codename for codename, _label in RIGHTS]
PASSWORD = "Lingonris-vid-Storsjön-7"


def signs_in(username: str, password: str, client: Client | None = None) -> bool:
    """Through the sign-in form, as a person does (the throttle needs the request)."""
    client = client or Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def _events(user) -> list[tuple]:
    return list(
        UserEvent.objects.filter(user=user)
        .order_by("pk")
        .values_list("event", "actor__username", "old_value", "new_value")
    )


def _create(actor, **overrides):
    data = {
        "username": "karin.lund",
        "password": PASSWORD,
        "first_name": "Karin",
        "last_name": "Lund",
        "email": "karin.lund@norrfjall.se",
        "rights": ["view_customer", "erase_customer"],
        "offered": OFFERED,
    }
    return user_create(actor=actor, **{**data, **overrides})


# --- creating -----------------------------------------------------------------------------------------


def test_r9_an_administrator_creates_a_user_who_signs_in_with_exactly_the_rights_granted(admin_user):
    # when
    user = _create(admin_user)

    # then the user is active, signs in with the password and holds the two rights, no more
    fresh = get_user_model().objects.get(username="karin.lund")
    assert fresh.is_active and fresh.get_full_name() == "Karin Lund"
    assert fresh.email == "karin.lund@norrfjall.se"
    assert signs_in("karin.lund", PASSWORD)
    assert {p.split(".")[1] for p in fresh.get_all_permissions()} == {"view_customer", "erase_customer"}
    # and the history says who made the user and granted what
    assert _events(user) == [
        (Event.CREATED, "admin", "", ""),
        (Event.RIGHTS_CHANGED, "admin", "", "erase_customer view_customer"),
    ]


@pytest.mark.parametrize(
    "password",
    ["karin.lund", "12345678901", "password123", "kort"],
    ids=["like-the-username", "only-digits", "common", "too-short"],
)
def test_r9_a_password_the_validators_refuse_is_an_error_on_the_password_and_nothing_is_made(
    admin_user, password
):
    # when
    with pytest.raises(ValidationError) as refused:
        _create(admin_user, password=password)

    # then
    assert set(refused.value.message_dict) == {"password"}
    assert not get_user_model().objects.filter(username="karin.lund").exists()
    assert not UserEvent.objects.exists()


def test_r9_a_username_taken_in_any_case_is_an_error_on_the_username(admin_user):
    # given
    make_user(username="Karin.Lund")

    # when
    with pytest.raises(ValidationError) as refused:
        _create(admin_user)

    # then
    assert set(refused.value.message_dict) == {"username"}
    assert get_user_model().objects.filter(username__iexact="karin.lund").count() == 1


def test_r9_a_user_with_every_right_but_no_administrator_makes_nobody(admin_user):
    # given
    clerk = make_user(*OFFERED, username="sven.clerk")

    # when / then
    with pytest.raises(PermissionDenied):
        _create(clerk)
    assert not get_user_model().objects.filter(username="karin.lund").exists()


# --- deactivating -------------------------------------------------------------------------------------


def test_r9_a_deactivated_user_cannot_sign_in_and_a_session_they_hold_ends(admin_user, client):
    # given a user signed in
    user = _create(admin_user)
    signs_in("karin.lund", PASSWORD, client)
    assert client.get(reverse("customers:list")).status_code == 200

    # when the administrator deactivates them
    user_set_active(actor=admin_user, user=user, active=False)

    # then their session is over and they cannot sign in again; the user still exists, recorded
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not signs_in("karin.lund", PASSWORD)
    assert get_user_model().objects.get(pk=user.pk).is_active is False
    assert _events(user)[-1] == (Event.DEACTIVATED, "admin", "", "")


def test_r9_a_reactivated_user_signs_in_again(admin_user):
    # given
    user = _create(admin_user)
    user_set_active(actor=admin_user, user=user, active=False)

    # when
    user_set_active(actor=admin_user, user=user, active=True)

    # then
    assert signs_in("karin.lund", PASSWORD)
    assert [event for event, *_rest in _events(user)][-2:] == [Event.DEACTIVATED, Event.REACTIVATED]


def test_r9_nobody_deactivates_themselves(admin_user):
    with pytest.raises(ValidationError):
        user_set_active(actor=admin_user, user=admin_user, active=False)

    assert get_user_model().objects.get(pk=admin_user.pk).is_active
    assert not UserEvent.objects.exists()


def test_r9_deactivating_an_inactive_user_again_records_nothing(admin_user):
    user = _create(admin_user)
    user_set_active(actor=admin_user, user=user, active=False)

    user_set_active(actor=admin_user, user=user, active=False)

    assert [event for event, *_rest in _events(user)].count(Event.DEACTIVATED) == 1


# --- resetting a password -----------------------------------------------------------------------------


def test_r9_a_reset_password_is_new_random_and_ends_the_users_sessions(admin_user, client):
    # given a user signed in with the password they were given
    user = _create(admin_user)
    signs_in("karin.lund", PASSWORD, client)

    # when
    password = user_reset_password(actor=admin_user, user=user)

    # then the old password no longer works, the new one does, and the open session is over
    assert len(password) >= 20 and set(password) <= set(PASSWORD_ALPHABET + "-")
    assert client.get(reverse("customers:list")).status_code == 302
    assert not signs_in("karin.lund", PASSWORD)
    assert signs_in("karin.lund", password)
    # recorded, without the password
    event = UserEvent.objects.filter(user=user).latest("pk")
    assert (event.event, event.actor_id) == (Event.PASSWORD_RESET, admin_user.pk)
    assert password not in f"{event.old_value} {event.new_value}"
    # and each reset makes another
    assert user_reset_password(actor=admin_user, user=user) != password


def test_r9_an_administrator_does_not_reset_their_own_password_here(admin_user):
    before = get_user_model().objects.get(pk=admin_user.pk).password

    with pytest.raises(ValidationError):
        user_reset_password(actor=admin_user, user=admin_user)

    assert get_user_model().objects.get(pk=admin_user.pk).password == before


def test_r9_no_one_but_an_administrator_resets_a_password(admin_user):
    user = _create(admin_user)
    clerk = make_user(*OFFERED, username="sven.clerk")

    with pytest.raises(PermissionDenied):
        user_reset_password(actor=clerk, user=user)
    with pytest.raises(PermissionDenied):
        user_set_active(actor=clerk, user=user, active=False)


# --- rights -------------------------------------------------------------------------------------------


def test_r9_a_change_of_rights_is_recorded_with_the_rights_before_and_after(admin_user):
    # given
    clerk = make_user("view_customer", "assign_customer", username="sven.clerk")

    # when
    user_set_rights(user=clerk, actor=admin_user, codenames=["view_assigned_customer"], offered=OFFERED)
    user_set_rights(user=clerk, actor=admin_user, codenames=["view_assigned_customer"], offered=OFFERED)

    # then one row: the second save changed nothing
    assert _events(clerk) == [
        (Event.RIGHTS_CHANGED, "admin", "assign_customer view_customer", "view_assigned_customer")
    ]
