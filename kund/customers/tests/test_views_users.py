"""R-9 in the web: an administrator lists the users, creates one with rights, deactivates one after a
confirmation, reactivates them, gives a new password shown once, and grants rights, each described in a
line. Who may open these pages at all: kund/core/tests/test_permission_matrix.py."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kund.core.models import UserEvent
from kund.customers.forms import RIGHT_DESCRIPTIONS, RIGHTS
from kund.customers.tests.register_fixtures import make_user

pytestmark = pytest.mark.django_db

Event = UserEvent.Event
PASSWORD = "Lingonris-vid-Storsjön-7"
NEW_USER = {
    "username": "karin.lund",
    "first_name": "Karin",
    "last_name": "Lund",
    "email": "karin.lund@norrfjall.se",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "rights": ["view_customer", "assign_customer"],
}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _field_error(response, field: str) -> str:
    found = re.search(rf'data-field-error="{field}">(.*?)</div>', response.content.decode(), re.S)
    return found.group(1) if found else ""


def signs_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


# --- the list -----------------------------------------------------------------------------------------


def test_r9_the_list_shows_each_user_with_name_state_last_sign_in_and_rights(admin_client, admin_user):
    # given a clerk with two rights who signed in once, and a deactivated one with none
    clerk = make_user("view_customer", "erase_customer", username="sven.ek")
    get_user_model().objects.filter(pk=clerk.pk).update(
        first_name="Sven", last_name="Ek", last_login=timezone.now()
    )
    make_user(username="old.timer")
    get_user_model().objects.filter(username="old.timer").update(is_active=False)

    # when
    response = admin_client.get(reverse("users:list"))

    # then
    rows = {row["person"].username: row for row in response.context["rows"]}
    assert rows["sven.ek"]["rights"] == ["View customers", "Delete or anonymize a customer (GDPR)"]
    assert rows["admin"]["administrator"] and not rows["sven.ek"]["administrator"]
    html = _text(response)
    sven = re.search(r'<tr data-user="sven.ek">(.*?)</tr>', html).group(1)
    assert "Sven Ek" in sven and "active" in sven and "never" not in sven
    assert "View customers, Delete or anonymize a customer (GDPR)" in sven
    old = re.search(r'<tr data-user="old.timer">(.*?)</tr>', html).group(1)
    assert "deactivated" in old and "never" in old and "none" in old


def test_r9_the_list_costs_the_same_queries_for_many_users(admin_client, django_assert_max_num_queries):
    # given forty users with rights
    for n in range(40):
        make_user("view_customer", "change_customer", username=f"user.{n:02}")

    # when / then: a fixed number of queries (the session, the user, the page, two prefetches)
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("users:list"))
    assert len(response.context["rows"]) == 41


# --- creating -----------------------------------------------------------------------------------------


def test_r9_an_administrator_creates_a_user_with_two_rights_who_then_signs_in(admin_client):
    # when
    response = admin_client.post(reverse("users:create"), NEW_USER)

    # then the user's page, the user with exactly the two rights, signing in with the password
    user = get_user_model().objects.get(username="karin.lund")
    assert response.status_code == 302 and response["Location"] == reverse("users:detail", args=[user.pk])
    assert user.get_full_name() == "Karin Lund" and user.is_active
    assert {p.split(".")[1] for p in user.get_all_permissions()} == {"view_customer", "assign_customer"}
    assert signs_in("karin.lund", PASSWORD)
    page = admin_client.get(response["Location"])
    assert "The user karin.lund was created." in _text(page)
    assert [row["event"].event for row in page.context["history"]] == [Event.RIGHTS_CHANGED, Event.CREATED]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "karin.lund1", "password_again": "karin.lund1"}, "password", "too similar"),
        ({"password": "12345678", "password_again": "12345678"}, "password", "entirely numeric"),
        ({"password_again": "Lingonris-vid-Storsjon-7"}, "password_again", "The two passwords differ."),
        ({"username": "karin lund"}, "username", "Enter a valid username"),
        ({"email": "karin.lund@"}, "email", "valid email"),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
    ids=["like-the-username", "numeric", "not-the-same", "username-with-a-space", "e-mail", "no-name"],
)
def test_r9_bad_input_is_said_beside_its_field_and_makes_nobody(admin_client, change, field, message):
    # when
    response = admin_client.post(reverse("users:create"), {**NEW_USER, **change})

    # then
    assert response.status_code == 200
    assert message in _field_error(response, field)
    field_input = re.search(rf'<input [^>]*name="{field}"[^>]*>', response.content.decode()).group(0)
    assert "is-invalid" in field_input and f'aria-describedby="id_{field}_error"' in field_input
    assert not get_user_model().objects.filter(username__in=["karin.lund", "karin lund"]).exists()
    assert not UserEvent.objects.exists()


def test_r9_a_username_taken_in_other_letters_is_said_beside_the_username(admin_client):
    make_user(username="Karin.Lund")

    response = admin_client.post(reverse("users:create"), NEW_USER)

    assert "That username is already taken." in _field_error(response, "username")
    assert get_user_model().objects.filter(username__iexact="karin.lund").count() == 1


# --- rights, with what each means -----------------------------------------------------------------------


def test_r9_every_right_offered_has_its_one_line_description():
    assert set(RIGHT_DESCRIPTIONS) == {codename for codename, _label in RIGHTS}
    assert all(str(text).strip() and "\n" not in str(text) for text in RIGHT_DESCRIPTIONS.values())


def test_r9_the_rights_are_shown_each_with_its_description(admin_client):
    # given
    clerk = make_user("erase_customer", username="sven.ek")

    # when
    html = _text(admin_client.get(reverse("users:detail", args=[clerk.pk])))

    # then each right's box, its label and its description, the held one ticked
    for codename, label in RIGHTS:
        block = re.search(rf'<div class="form-check mb-1" data-right="{codename}">(.*?)</div> </div>', html)
        assert block, codename
        assert escape(str(label)) in block.group(1) and escape(
            str(RIGHT_DESCRIPTIONS[codename])
        ) in block.group(1)
        assert ("checked" in block.group(1)) == (codename == "erase_customer")


def test_r9_granting_rights_is_recorded_and_shown_in_the_users_history(admin_client):
    # given
    clerk = make_user("erase_customer", username="sven.ek")

    # when
    response = admin_client.post(
        reverse("users:rights", args=[clerk.pk]), {"rights": ["view_customer", "upload_customers"]}
    )

    # then
    assert response.status_code == 302
    assert {p.split(".")[1] for p in get_user_model().objects.get(pk=clerk.pk).get_all_permissions()} == {
        "view_customer",
        "upload_customers",
    }
    history = _text(admin_client.get(reverse("users:detail", args=[clerk.pk])))
    assert "Rights changed" in history
    assert "granted: View customers, Upload a customer register" in history
    assert "withdrawn: Delete or anonymize a customer (GDPR)" in history


def test_r9_the_rights_pages_of_old_lead_to_the_users_pages(admin_client, admin_user):
    assert admin_client.get(reverse("customers:rights"))["Location"] == reverse("users:list")
    assert admin_client.get(reverse("customers:rights_edit", args=[admin_user.pk]))["Location"] == reverse(
        "users:detail", args=[admin_user.pk]
    )


# --- deactivating ----------------------------------------------------------------------------------------


def test_r9_deactivating_asks_first_then_the_user_cannot_sign_in(admin_client):
    # given a user who signs in
    admin_client.post(reverse("users:create"), NEW_USER)
    user = get_user_model().objects.get(username="karin.lund")
    url = reverse("users:deactivate", args=[user.pk])

    # when the administrator opens the confirmation, or posts without it
    asked = admin_client.get(url)
    unconfirmed = admin_client.post(url)

    # then they are asked, and nothing has happened yet
    for response in (asked, unconfirmed):
        assert response.status_code == 200 and 'id="deactivate-confirm"' in _text(response)
    assert get_user_model().objects.get(pk=user.pk).is_active

    # when they confirm
    done = admin_client.post(url, {"confirmed": "yes"})

    # then
    assert done.status_code == 302
    assert not get_user_model().objects.get(pk=user.pk).is_active
    assert not signs_in("karin.lund", PASSWORD)
    page = _text(admin_client.get(reverse("users:detail", args=[user.pk])))
    assert "karin.lund was deactivated and can no longer sign in." in page
    assert 'id="user-reactivate"' in page and 'id="user-deactivate"' not in page

    # and reactivating lets them in again
    admin_client.post(reverse("users:reactivate", args=[user.pk]))
    assert signs_in("karin.lund", PASSWORD)


def test_r9_an_administrator_is_not_offered_to_deactivate_themselves_and_cannot(admin_client, admin_user):
    # when
    page = _text(admin_client.get(reverse("users:detail", args=[admin_user.pk])))
    asked = admin_client.get(reverse("users:deactivate", args=[admin_user.pk]))
    forced = admin_client.post(reverse("users:deactivate", args=[admin_user.pk]), {"confirmed": "yes"})

    # then
    assert 'id="user-deactivate"' not in page and 'id="user-password"' not in page
    assert asked.status_code == 302 and forced.status_code == 302
    assert "You cannot deactivate yourself." in _text(admin_client.get(forced["Location"]))
    assert get_user_model().objects.get(pk=admin_user.pk).is_active


# --- a new password ----------------------------------------------------------------------------------------


def test_r9_a_new_password_is_shown_once_after_a_confirmation_and_works(admin_client):
    # given
    admin_client.post(reverse("users:create"), NEW_USER)
    user = get_user_model().objects.get(username="karin.lund")
    url = reverse("users:password", args=[user.pk])

    before = get_user_model().objects.get(pk=user.pk).password

    # when the administrator is asked
    asked = admin_client.get(url)

    # then nothing changed yet
    assert 'id="password-confirm"' in _text(asked)
    assert before == get_user_model().objects.get(pk=user.pk).password

    # when they confirm
    shown = admin_client.post(url, {"confirmed": "yes"})

    # then the answer shows the new password, not to be cached
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    password = re.search(r'id="new-password">([^<]+)<', shown.content.decode()).group(1)
    assert signs_in("karin.lund", password) and not signs_in("karin.lund", PASSWORD)
    # and it is kept nowhere the administrator's later pages could show it
    assert password not in str(dict(admin_client.session))
    assert password not in _text(admin_client.get(reverse("users:detail", args=[user.pk])))
    assert UserEvent.objects.filter(user=user, event=Event.PASSWORD_RESET).count() == 1


def test_r9_an_administrator_changes_their_own_password_in_the_menu_not_here(admin_client, admin_user):
    before = get_user_model().objects.get(pk=admin_user.pk).password

    response = admin_client.post(reverse("users:password", args=[admin_user.pk]), {"confirmed": "yes"})

    assert response.status_code == 302
    assert get_user_model().objects.get(pk=admin_user.pk).password == before
    menu = _text(admin_client.get(reverse("users:list")))
    assert f'href="{reverse("password_change")}" id="nav-password"' in menu


def test_the_password_change_page_is_kunds_own(client):
    client.force_login(make_user("view_customer", username="sven.ek"))

    response = client.get(reverse("password_change"))

    assert 'id="password-change-form"' in _text(response) and 'id="navbar"' in _text(response)


# --- the navigation -----------------------------------------------------------------------------------------


def test_r9_the_users_entry_is_in_the_navigation_of_administrators_only(admin_client, client):
    assert 'id="nav-users"' in _text(admin_client.get(reverse("customers:list")))

    clerk = Client()
    clerk.force_login(make_user(*(codename for codename, _label in RIGHTS), username="sven.ek"))
    assert 'id="nav-users"' not in _text(clerk.get(reverse("customers:list")))
