"""R-9 at the command line: `kund users` for an administrator — list, add with rights and a password shown
once, rights read and set, deactivate and reactivate, a new password — through the same services as the
users' pages, each change in the user's history. Who may run it at all: the permission matrix."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from kund.core.models import UserEvent
from kund.customers.tests.register_fixtures import make_user

pytestmark = pytest.mark.django_db

Event = UserEvent.Event
NAMES = ("--first-name", "Ny", "--last-name", "Person")


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("kontorschef", "chef@kund.test", "pw")


def users(*args, actor="kontorschef") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("users", *args, "--as", actor, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def signs_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def events(username: str) -> list[int]:
    rows = UserEvent.objects.filter(user__username=username).order_by("pk")
    return list(rows.values_list("event", flat=True))


def test_r9_add_makes_a_user_with_the_rights_and_prints_the_password_once(boss):
    # when
    status, out, err = users(
        "add", "karin.lund", "--email", "karin.lund@norrfjall.se", "--first-name", "Karin",
        "--last-name", "Lund", "--rights", "view_customer,assign_customer",
    )  # fmt: skip

    # then the password is the only line on standard output, and it signs in
    assert status == 0 and "created user karin.lund" in err
    password = out.strip()
    assert len(out.splitlines()) == 1 and len(password) >= 20
    assert signs_in("karin.lund", password)
    karin = get_user_model().objects.get(username="karin.lund")
    assert karin.first_name == "Karin" and karin.email == "karin.lund@norrfjall.se"
    assert sorted(p.codename for p in karin.user_permissions.all()) == ["assign_customer", "view_customer"]
    assert events("karin.lund") == [Event.CREATED, Event.RIGHTS_CHANGED]
    assert UserEvent.objects.filter(user=karin, actor=boss).count() == 2
    # and the list shows the user with the rights; the administrator as one
    status, out, _err = users("list", "--json")
    listed = {row["username"]: row for row in json.loads(out)}
    assert listed["karin.lund"] == {
        "username": "karin.lund", "active": True, "administrator": False,
        "rights": ["assign_customer", "view_customer"],
    }  # fmt: skip
    assert listed["kontorschef"]["administrator"] is True
    assert password not in out


def test_r9_rights_are_read_and_set_exactly(boss):
    make_user("view_customer", "upload_customers", username="erik.ek")

    assert users("rights", "erik.ek")[1].strip() == "upload_customers,view_customer"
    status, out, _err = users("rights", "erik.ek", "--set", "view_assigned_customer", "--json")

    assert status == 0 and json.loads(out) == ["view_assigned_customer"]
    assert events("erik.ek") == [Event.RIGHTS_CHANGED]


def test_r9_deactivate_reactivate_and_a_new_password(boss):
    make_user("view_customer", username="erik.ek")

    assert users("deactivate", "erik.ek")[:2] == (0, "erik.ek is deactivated\n")
    assert not get_user_model().objects.get(username="erik.ek").is_active
    assert users("reactivate", "erik.ek")[:2] == (0, "erik.ek is active\n")
    status, out, _err = users("reset-password", "erik.ek")
    assert status == 0 and signs_in("erik.ek", out.strip())
    assert events("erik.ek") == [Event.DEACTIVATED, Event.REACTIVATED, Event.PASSWORD_RESET]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add",), "add needs a username"),
        (("add", "ny.person"), "add needs --first-name and --last-name"),
        (("add", "kontorschef", *NAMES), "Username: That username is already taken."),
        (("add", "ny.person", *NAMES, "--rights", "everything"), "unknown right: everything"),
        (("rights", "nobody"), "unknown user: nobody"),
        (("deactivate", "kontorschef"), "You cannot deactivate yourself."),
        (("reset-password", "kontorschef"), "Change your own password"),
    ],
)
def test_r9_bad_input_is_one_line_and_exit_2_and_changes_nothing(boss, args, message):
    before = get_user_model().objects.count(), UserEvent.objects.count()

    status, _out, error = users(*args)

    assert status == 2 and message in error and "\n" not in error
    assert (get_user_model().objects.count(), UserEvent.objects.count()) == before


def test_r9_only_an_administrator_manages_users(boss):
    make_user("view_customer", "upload_customers", username="erik.ek")

    status, _out, error = users("add", "ny.person", *NAMES, actor="erik.ek")

    assert status == 1 and "only an administrator manages users" in error
    assert not get_user_model().objects.filter(username="ny.person").exists()
