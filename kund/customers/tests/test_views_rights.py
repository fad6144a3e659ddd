"""R-9: every page and action of the register, tested the same three ways — without the right, with it,
and with the "only assigned" restriction — from one table of cases rather than copied tests."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from kund.customers.models import Customer, Notification
from kund.customers.services import customer_assign
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[Customer], str]
    rights: tuple[str, ...]  # the full right(s) the action needs
    assigned_rights: tuple[str, ...] | None  # the "only assigned" variant; None: no such variant
    ok: int = 200
    data: dict = field(default_factory=dict)

    def request(self, client, customer: Customer):
        send = client.post if self.method == "post" else client.get
        return send(self.url(customer), self.data)


def _detail(name: str, *args) -> Callable[[Customer], str]:
    return lambda customer: reverse(f"customers:{name}", args=[customer.number, *args])


def _plain(name: str, *args) -> Callable[[Customer], str]:
    return lambda customer: reverse(f"customers:{name}", args=list(args))


EDIT_DATA = {
    "kind": "private",
    "first_name": "Ingrid",
    "last_name": "Lindqvist-Berg",
    "organisation_number": "19811218-9876",
    "email": "ingrid.lindqvist@example.se",
    "invoice_country": "SE",
}
# Someone else than `person`: the same details would stop at the probable-duplicate warning.
CREATE_DATA = {
    "kind": "private",
    "first_name": "Maja",
    "last_name": "Wahlström",
    "organisation_number": "19810807-4884",
    "email": "maja.wahlstrom@example.se",
    "invoice_country": "SE",
}

VIEW = ("view_customer",)
VIEW_ASSIGNED = ("view_assigned_customer",)
CASES = [
    Case("list", "get", _plain("list"), VIEW, VIEW_ASSIGNED),
    Case("export csv", "get", _plain("export", "csv"), VIEW, VIEW_ASSIGNED),
    Case("export xlsx", "get", _plain("export", "xlsx"), VIEW, VIEW_ASSIGNED),
    Case("card", "get", _detail("detail"), VIEW, VIEW_ASSIGNED),
    Case("card section", "get", _detail("section", "orders"), VIEW, VIEW_ASSIGNED),
    Case("change history", "get", _detail("history"), VIEW, VIEW_ASSIGNED),
    Case(
        "edit form",
        "get",
        _detail("edit"),
        VIEW + ("change_customer",),
        VIEW_ASSIGNED + ("change_assigned_customer",),
    ),
    Case(
        "edit save",
        "post",
        _detail("edit"),
        VIEW + ("change_customer",),
        VIEW_ASSIGNED + ("change_assigned_customer",),
        ok=302,
        data=EDIT_DATA,
    ),
    Case(
        "deactivate",
        "post",
        _detail("status"),
        VIEW + ("change_customer",),
        VIEW_ASSIGNED + ("change_assigned_customer",),
        ok=302,
        data={"status": "inactive"},
    ),
    Case(
        "assign form",
        "get",
        _detail("assign"),
        VIEW + ("assign_customer",),
        VIEW_ASSIGNED + ("assign_customer",),
    ),
    Case(
        "assign save",
        "post",
        _detail("assign"),
        VIEW + ("assign_customer",),
        VIEW_ASSIGNED + ("assign_customer",),
        ok=302,
        data={"responsible": ""},
    ),
    Case("create form", "get", _plain("create"), ("add_customer",), None),
    Case("create save", "post", _plain("create"), ("add_customer",), None, ok=302, data=CREATE_DATA),
]
IDS = [case.name for case in CASES]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_r9_without_the_right_is_forbidden(client, person, case):
    # given a signed-in user with no rights at all
    client.force_login(make_user())

    # when
    response = case.request(client, person)

    # then
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_r9_with_the_right_is_allowed(client, person, case):
    # given
    client.force_login(make_user(*case.rights))

    # when
    response = case.request(client, person)

    # then
    assert response.status_code == case.ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.assigned_rights], ids=[c.name for c in CASES if c.assigned_rights]
)
def test_r9_only_assigned_reaches_its_own_customers_and_no_others(client, person, company, case):
    # given a user restricted to assigned customers, responsible for the company but not the person
    user = make_user(*case.assigned_rights)
    customer_assign(customer=company, actor=None, responsible=user)
    client.force_login(user)

    # when
    own = case.request(client, company)
    other = case.request(client, person)

    # then the own customer works as with the full right; the other one does not exist for this user
    assert own.status_code == case.ok
    if case.url(person) == case.url(company):  # a page over all customers: the other is simply absent
        assert other.status_code == case.ok
        if case.name != "export xlsx":  # zipped; its rows are checked in test_list_export
            assert person.name.encode() not in _body(other)
            assert company.name.encode() in _body(own)
    else:
        assert other.status_code == 404


@pytest.mark.django_db
def test_r9_list_with_only_assigned_shows_only_the_users_customers(client, person, company):
    # given
    user = make_user("view_assigned_customer")
    customer_assign(customer=company, actor=None, responsible=user)
    client.force_login(user)

    # when
    response = client.get(reverse("customers:list"))

    # then
    numbers = [c.number for c in response.context["page"].object_list]
    assert numbers == [company.number]


@pytest.mark.django_db
def test_r9_view_only_user_sees_the_card_without_edit_deactivate_or_assign(client, person):
    # given
    client.force_login(make_user("view_customer"))

    # when
    response = client.get(reverse("customers:detail", args=[person.number]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    for button in ('id="customer-edit"', 'id="customer-deactivate"', 'id="customer-assign"'):
        assert button not in html


@pytest.mark.django_db
def test_r9_change_only_assigned_cannot_edit_a_customer_it_may_see_but_not_change(client, person):
    # given a user who sees every customer but changes only assigned ones
    client.force_login(make_user("view_customer", "change_assigned_customer"))

    # when
    card = client.get(reverse("customers:detail", args=[person.number]))
    edit = client.get(reverse("customers:edit", args=[person.number]))

    # then
    assert 'id="customer-edit"' not in card.content.decode()
    assert edit.status_code == 403


@pytest.mark.django_db
def test_r9_list_hides_the_create_button_without_the_create_right(client, person):
    client.force_login(make_user("view_customer"))

    response = client.get(reverse("customers:list"))

    assert 'id="customer-create"' not in response.content.decode()


ADMIN_PAGES = [
    ("custom fields", lambda user: reverse("customers:custom_fields")),
    ("users", lambda user: reverse("users:list")),
    ("new user", lambda user: reverse("users:create")),
    ("a user and their rights", lambda user: reverse("users:detail", args=[user.pk])),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", ADMIN_PAGES, ids=[name for name, _url in ADMIN_PAGES])
def test_r9_administrator_pages_refuse_a_user_with_every_single_right(client, name, url):
    # given a user holding every customer right, who is still no administrator
    from kund.customers.forms import RIGHTS

    user = make_user(*(codename for codename, _label in RIGHTS))
    client.force_login(user)

    # when / then
    assert client.get(url(user)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", ADMIN_PAGES, ids=[name for name, _url in ADMIN_PAGES])
def test_r9_administrator_pages_open_for_an_administrator(client, admin_user, name, url):
    client.force_login(admin_user)

    assert client.get(url(admin_user)).status_code == 200


@pytest.mark.django_db
def test_r9_anonymous_visitor_is_sent_to_sign_in(client, person):
    response = client.get(reverse("customers:detail", args=[person.number]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_r9_administrator_grants_rights_to_a_user(client, admin_user):
    # given
    clerk = make_user("view_customer", username="karin.clerk")
    client.force_login(admin_user)

    # when
    response = client.post(
        reverse("users:rights", args=[clerk.pk]),
        {"rights": ["view_assigned_customer", "assign_customer"]},
    )

    # then
    assert response.status_code == 302
    codenames = set(clerk.user_permissions.values_list("codename", flat=True))
    assert codenames == {"view_assigned_customer", "assign_customer"}


@pytest.mark.django_db
def test_r9_unknown_right_in_the_rights_form_is_an_error_beside_the_field(client, admin_user):
    clerk = make_user(username="karin.clerk")
    client.force_login(admin_user)

    response = client.post(reverse("users:rights", args=[clerk.pk]), {"rights": ["superpowers"]})

    assert response.status_code == 200
    assert "superpowers" in response.context["form"].errors["rights"][0]
    assert not clerk.user_permissions.exists()


@pytest.mark.django_db
def test_r6_bell_counts_unread_notifications_and_clears_when_read(client, person, seller):
    # given two assignments of the seller
    customer_assign(customer=person, actor=None, responsible=seller)
    client.force_login(seller)

    # when
    bell = client.get(reverse("customers:notification_bell"))
    client.post(reverse("customers:notifications"))
    bell_after = client.get(reverse("customers:notification_bell"))

    # then
    assert bell.context["unread_count"] == 1
    assert 'id="notification-count"' in bell.content.decode()
    assert bell_after.context["unread_count"] == 0
    assert not Notification.objects.filter(recipient=seller, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_r6_notification_list_shows_only_the_users_own(client, person, company, seller, other_seller):
    customer_assign(customer=person, actor=None, responsible=seller)
    customer_assign(customer=company, actor=None, responsible=other_seller)
    client.force_login(seller)

    response = client.get(reverse("customers:notifications"))

    assert [n.customer_id for n in response.context["page"].object_list] == [person.pk]


@pytest.mark.django_db
def test_r9_only_an_administrator_sees_the_links_to_custom_fields_and_rights(client, admin_user):
    client.force_login(make_user("view_customer"))
    clerk_page = client.get(reverse("customers:list")).content.decode()
    client.force_login(admin_user)
    admin_page = client.get(reverse("customers:list")).content.decode()

    assert 'id="nav-rights"' not in clerk_page and 'id="nav-custom-fields"' not in clerk_page
    assert 'id="nav-rights"' in admin_page and 'id="nav-custom-fields"' in admin_page
