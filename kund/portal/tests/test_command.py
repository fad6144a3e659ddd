"""`kund customer_user add NUMBER EMAIL [--as USERNAME]` (SPEC §9): invites a customer user and prints the
invitation's URL path under /portal/, which opens Django's set-password form; exit statuses as SPEC §8."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.tests.register_fixtures import make_user
from kund.portal.models import CustomerUser
from kund.portal.tests.portal_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("customer_user", *args, stdout=out)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def test_r10_add_prints_the_invitation_path_which_opens_the_set_password_form(client, site):
    # given a staff user with the right
    make_user("view_customer", "add_customer_user", username="anna.admin")

    # when
    status, out = _run("add", site.customer.number, "Ola.Nord@Ohrlings-Bygg.se", "--as", "anna.admin")

    # then one line, a path under /portal/, which opens the form; the user is the customer's, invited
    assert status == 0
    (path,) = out.splitlines()
    assert path.startswith(reverse("portal:home")) and path.startswith("/portal/invitation/")
    page = client.get(path)
    assert page.status_code == 200 and {"new_password1", "new_password2"} <= set(page.context["form"].fields)
    user = CustomerUser.objects.get(email="ola.nord@ohrlings-bygg.se")
    assert user.customer == site.customer and user.invited
    assert user.rights() == ["can_see_protocols", "can_see_installations", "can_report_faults"]
    assert ChangeRecord.objects.filter(customer=site.customer, field="customer_user").exists()


def test_r10_add_takes_a_name_and_rights(site):
    make_user("view_customer", "add_customer_user", username="anna.admin")

    status, _out = _run(
        "add",
        site.customer.number,
        "ola@example.se",
        "--name",
        "Ola Nord",
        "--rights",
        "faults,users",
        "--as",
        "anna.admin",
    )

    user = CustomerUser.objects.get(email="ola@example.se")
    assert status == 0 and user.name == "Ola Nord" and user.rights() == ["can_report_faults", "can_see_users"]


def test_r9_add_without_the_right_exits_1_and_invites_nobody(site):
    make_user("view_customer", username="vera.viewer")

    status, message = _run("add", site.customer.number, "ola@example.se", "--as", "vera.viewer")

    assert status == 1 and "right" in message
    assert not CustomerUser.objects.filter(email="ola@example.se").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("add", "999999", "ola@example.se"),  # an unknown customer
        ("add", "{number}", "not-an-address"),
        ("add", "{number}", "{taken}"),  # an address another customer user has
        ("add", "{number}"),  # no address
        ("add", "{number}", "ola@example.se", "--rights", "everything"),
        ("delete", "{number}", "nobody@example.se"),
    ],
)
def test_r10_bad_input_exits_2_with_one_line(site, other_site, args):
    make_user("view_customer", "add_customer_user", "delete_customer_user", username="anna.admin")
    before = CustomerUser.objects.count()
    args = [a.format(number=site.customer.number, taken=other_site.user.email) for a in args]

    status, message = _run(*args, "--as", "anna.admin")

    assert status == 2 and "\n" not in message and "Traceback" not in message
    assert CustomerUser.objects.count() == before


def test_r10_list_and_delete(site):
    make_user("view_customer", "delete_customer_user", username="anna.admin")

    status, listing = _run("list", site.customer.number, "--as", "anna.admin")
    assert status == 0 and listing.split("\t")[0] == site.user.email

    status, _out = _run("delete", site.customer.number, site.user.email, "--as", "anna.admin")
    assert status == 0 and not CustomerUser.objects.filter(pk=site.user.pk).exists()


def test_r9_delete_without_the_right_exits_1(site):
    make_user("view_customer", "add_customer_user", username="anna.admin")

    status, _message = _run("delete", site.customer.number, site.user.email, "--as", "anna.admin")

    assert status == 1 and CustomerUser.objects.filter(pk=site.user.pk).exists()
