"""R-9's three rights about customer users — create, change their rights, delete — each guarding its own
pages and service, for a customer the staff user may view; every change in the customer's history
(R-4); and the customer card's portal panel."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.tests.register_fixtures import anonymize, make_user
from kund.portal import services
from kund.portal.models import CustomerUser, CustomerUserToken, PortalSession
from kund.portal.tests.portal_fixtures import *  # noqa: F403
from kund.portal.tests.portal_fixtures import portal_sign_in

pytestmark = pytest.mark.django_db

VIEW = "view_customer"
CREATE = "add_customer_user"
CHANGE = "change_customer_user_rights"
DELETE = "delete_customer_user"


def _history(customer) -> list[tuple[str, str, str]]:
    rows = ChangeRecord.objects.filter(customer=customer, field__startswith="customer_user").order_by(
        "at", "pk"
    )
    return list(rows.values_list("field", "old_value", "new_value"))


# --- create customer users --------------------------------------------------------------------------------


def test_r9_create_customer_users_right_invites_and_is_recorded(client, site):
    # given a staff user with the right to create customer users
    clerk = make_user(VIEW, CREATE)
    client.force_login(clerk)

    # when they invite someone, with two portal rights
    response = client.post(
        reverse("customer_users:invite", args=[site.customer.number]),
        {
            "email": " Eva.Holm@Ohrlings-Bygg.se ",
            "name": "Eva Holm",
            "rights": ["can_see_protocols", "can_report_faults"],
        },
    )

    # then the user exists, invited (no password yet), the page shows the link once, and the history says so
    assert response.status_code == 200
    user = CustomerUser.objects.get(email="eva.holm@ohrlings-bygg.se")
    assert (user.customer, user.name, user.invited, user.created_by) == (
        site.customer,
        "Eva Holm",
        True,
        clerk,
    )
    assert user.rights() == ["can_see_protocols", "can_report_faults"]
    url = response.context["invitation_url"]
    assert "/portal/invitation/" in url
    assert CustomerUserToken.objects.get(customer_user=user).token_hash not in url
    assert _history(site.customer)[-1] == (
        "customer_user",
        "",
        "eva.holm@ohrlings-bygg.se: can_see_protocols, can_report_faults",
    )
    assert ChangeRecord.objects.filter(customer=site.customer).latest("pk").actor == clerk


@pytest.mark.parametrize("rights", [(VIEW,), (VIEW, CHANGE, DELETE)])
def test_r9_without_the_create_right_nobody_is_invited(client, site, rights):
    # given a staff user who may view the customer, but not create customer users
    client.force_login(make_user(*rights))
    before = CustomerUser.objects.count()

    # when / then
    url = reverse("customer_users:invite", args=[site.customer.number])
    assert client.get(url).status_code == 403
    assert client.post(url, {"email": "eva.holm@ohrlings-bygg.se"}).status_code == 403
    again = reverse("customer_users:invite_again", args=[site.customer.number, site.user.pk])
    assert client.post(again).status_code == 403
    assert CustomerUser.objects.count() == before
    with pytest.raises(PermissionDenied):
        services.customer_user_invite(customer=site.customer, actor=make_user(*rights), email="x@example.se")


def test_r9_the_create_right_needs_a_customer_the_user_may_view(client, site):
    # given the right to create customer users, but only for assigned customers, and this one is not
    client.force_login(make_user("view_assigned_customer", CREATE))

    # then the customer does not exist for them
    assert client.get(reverse("customer_users:invite", args=[site.customer.number])).status_code == 404


def test_r9_an_address_can_belong_to_one_customer_user_only(client, site, other_site):
    client.force_login(make_user(VIEW, CREATE))

    response = client.post(
        reverse("customer_users:invite", args=[site.customer.number]),
        {"email": other_site.user.email.upper()},
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert CustomerUser.objects.filter(email=other_site.user.email).get() == other_site.user


def test_r9_an_anonymized_customer_gets_no_customer_users(site):
    anonymize(site.customer)
    site.customer.refresh_from_db()
    boss = make_user(VIEW, CREATE, CHANGE, DELETE)

    with pytest.raises(PermissionDenied):
        services.customer_user_invite(customer=site.customer, actor=boss, email="ny@example.se")


def test_r9_a_new_invitation_voids_the_earlier_link(client, site):
    # given an invited user and their link
    boss = make_user(VIEW, CREATE)
    user, first = services.customer_user_invite(customer=site.customer, actor=boss, email="ny@example.se")

    # when a new invitation is made
    client.force_login(boss)
    response = client.post(reverse("customer_users:invite_again", args=[site.customer.number, user.pk]))

    # then the new link works and the first does not
    assert response.status_code == 200
    assert client.get(reverse("portal:invitation", args=[first])).status_code == 404
    assert client.get(response.context["invitation_url"]).status_code == 200
    assert _history(site.customer)[-1] == ("customer_user_invitation", "", "ny@example.se")


# --- change customer users' rights -----------------------------------------------------------------------


def test_r9_change_rights_right_changes_portal_rights_and_is_recorded(client, site):
    # given
    client.force_login(make_user(VIEW, CHANGE))
    user = site.user
    assert user.rights() == [
        "can_see_protocols",
        "can_see_installations",
        "can_report_faults",
        "can_see_users",
    ]

    # when
    response = client.post(
        reverse("customer_users:edit", args=[site.customer.number, user.pk]),
        {"rights": ["can_see_protocols"]},
    )

    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.rights() == ["can_see_protocols"]
    field, old, new = _history(site.customer)[-1]
    assert field == "customer_user_rights"
    assert old == f"{user.email}: can_see_protocols, can_see_installations, can_report_faults, can_see_users"
    assert new == f"{user.email}: can_see_protocols"


def test_r9_a_right_taken_away_closes_its_portal_pages(client, site):
    # given a signed-in customer user who sees the faults
    portal_sign_in(client, site.user)
    assert client.get(reverse("portal:faults")).status_code == 200

    # when staff take the right away
    services.customer_user_set_rights(customer_user=site.user, actor=make_user(VIEW, CHANGE), rights=[])

    # then the page is gone for them, and so is the form
    assert client.get(reverse("portal:faults")).status_code == 404
    assert client.post(reverse("portal:fault_new"), {"description": "Läcker"}).status_code == 404


@pytest.mark.parametrize("rights", [(VIEW,), (VIEW, CREATE, DELETE)])
def test_r9_without_the_change_right_nothing_changes(client, site, rights):
    client.force_login(make_user(*rights))
    url = reverse("customer_users:edit", args=[site.customer.number, site.user.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"rights": []}).status_code == 403
    site.user.refresh_from_db()
    assert site.user.can_report_faults
    with pytest.raises(PermissionDenied):
        services.customer_user_set_rights(customer_user=site.user, actor=make_user(*rights), rights=[])


def test_r9_another_customers_user_is_a_404_on_this_customers_pages(client, site, other_site):
    client.force_login(make_user(VIEW, CREATE, CHANGE, DELETE))

    for name in ("customer_users:edit", "customer_users:delete", "customer_users:invite_again"):
        url = reverse(name, args=[site.customer.number, other_site.user.pk])
        assert client.post(url, {"rights": []}).status_code == 404, name
    assert CustomerUser.objects.filter(pk=other_site.user.pk, can_report_faults=True).exists()


# --- delete customer users -------------------------------------------------------------------------------


def test_r9_delete_right_deletes_the_user_with_their_sessions_and_links(client, site):
    # given a signed-in customer user with a pending reset link, and their history
    staff = make_user(VIEW, CHANGE, DELETE)
    services.customer_user_set_rights(customer_user=site.user, actor=staff, rights=["can_see_protocols"])
    portal_sign_in(client, site.user)
    services.password_reset_request(email=site.user.email, base_url="http://testserver/")
    assert PortalSession.objects.filter(customer_user=site.user).exists()
    email, reference = site.user.email, f"CU-{site.user.pk}"

    # when staff with the delete right delete the user
    client.force_login(staff)
    response = client.post(reverse("customer_users:delete", args=[site.customer.number, site.user.pk]))

    # then the user, their sessions and links are gone, and the portal session no longer works
    assert response.status_code == 302
    assert not CustomerUser.objects.filter(pk=site.user.pk).exists()
    assert not PortalSession.objects.filter(customer_user_id=site.user.pk).exists()
    assert not CustomerUserToken.objects.filter(customer_user_id=site.user.pk).exists()
    assert client.get(reverse("portal:faults")).status_code == 302
    # and the history keeps what happened under the user's reference, not the address
    history = _history(site.customer)
    assert history[-1] == ("customer_user", reference, "")
    assert not any(email in old or email in new for _field, old, new in history)
    assert any(reference in new for _field, _old, new in history)


@pytest.mark.parametrize("rights", [(VIEW,), (VIEW, CREATE, CHANGE)])
def test_r9_without_the_delete_right_nobody_is_deleted(client, site, rights):
    client.force_login(make_user(*rights))

    response = client.post(reverse("customer_users:delete", args=[site.customer.number, site.user.pk]))

    assert response.status_code == 403
    assert CustomerUser.objects.filter(pk=site.user.pk).exists()
    with pytest.raises(PermissionDenied):
        services.customer_user_delete(customer_user=site.user, actor=make_user(*rights))


# --- the list and the card --------------------------------------------------------------------------------


def test_r10_the_list_shows_each_action_only_to_the_holder_of_its_right(client, site):
    urls = {
        CREATE: reverse("customer_users:invite", args=[site.customer.number]),
        CHANGE: reverse("customer_users:edit", args=[site.customer.number, site.user.pk]),
        DELETE: reverse("customer_users:delete", args=[site.customer.number, site.user.pk]),
    }
    for right in urls:
        client.force_login(make_user(VIEW, right))
        page = client.get(reverse("customer_users:list", args=[site.customer.number])).content.decode()
        assert site.user.email in page
        assert {r: f'"{u}"' in page for r, u in urls.items()} == {r: r == right for r in urls}, right


def test_r10_the_card_shows_the_portal_panel_with_open_fault_reports(client, site):
    client.force_login(make_user(VIEW))

    page = client.get(reverse("customers:detail", args=[site.customer.number])).content.decode()

    assert 'id="portal-panel"' in page
    assert reverse("service:fault_report", args=[site.customer.number, site.fault.pk]) in page
    assert reverse("customer_users:list", args=[site.customer.number]) in page
