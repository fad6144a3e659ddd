"""R-10 isolation by construction: for two customers with a portal user each, every portal URL — taken
from the portal's URL configuration, so a new page without a row here fails the suite — is asked with the
other customer's ids, by GET and by POST, and is a 404 every time. Pages without ids show nothing of the
other customer. Every portal page says `Cache-Control: no-store`, and a visitor who is not signed in is
sent to the portal's sign-in."""

from collections.abc import Callable

import pytest
from django.urls import URLPattern, reverse

from kund.portal import urls as portal_urls
from kund.portal.models import CustomerUser
from kund.portal.tests.portal_fixtures import *  # noqa: F403
from kund.portal.tests.portal_fixtures import PNG, Site, portal_sign_in
from kund.service.models import FaultReport

pytestmark = pytest.mark.django_db

# The portal's pages that take ids of a customer's records: how to fill them in with a site's ids.
WITH_IDS: dict[str, Callable[[Site], list]] = {
    "protocol": lambda s: [s.protocol.pk],
    "installation": lambda s: [s.installation.pk],
    "fault": lambda s: [s.fault.pk],
    "fault_file": lambda s: [s.fault.pk, s.photo.pk],
}
# Pages that take a secret instead (invitation and reset links): a link is checked by its hash, not by
# whose customer it is; their tests are in test_invitation.py.
WITH_SECRETS = {"invitation", "password_reset_confirm"}
# Pages without ids, and what a signed-in user may send them.
WITHOUT_IDS: dict[str, Callable[[Site], dict]] = {
    "home": lambda s: {},
    "sign_out": lambda s: {},
    "password_reset": lambda s: {"email": "nobody@example.se"},
    "password_reset_sent": lambda s: {},
    "protocols": lambda s: {},
    "installations": lambda s: {},
    "faults": lambda s: {},
    "fault_new": lambda s: {},
    "users": lambda s: {},
}
PUBLIC = {"home", "sign_out", "password_reset", "password_reset_sent", *WITH_SECRETS}


def _portal_patterns() -> dict[str, URLPattern]:
    return {p.name: p for p in portal_urls.urlpatterns}


def test_every_portal_url_has_a_row_here():
    # given every page of the portal's URL configuration
    names = set(_portal_patterns())

    # then each is listed once, by what it takes
    rows = [*WITH_IDS, *WITH_SECRETS, *WITHOUT_IDS]
    assert len(rows) == len(set(rows))
    assert names == set(rows)
    # and the pages listed with ids are exactly those whose route takes them
    takes_ids = {name for name, p in _portal_patterns().items() if "<int:" in str(p.pattern)}
    assert takes_ids == set(WITH_IDS)


@pytest.mark.parametrize("name", sorted(WITH_IDS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_r10_another_customers_record_is_a_404_by_get_and_post(client, sites, name, method):
    # given the user of the first customer, signed in
    mine, theirs = sites
    portal_sign_in(client, mine.user)
    faults_before = FaultReport.objects.count()
    # (their own record answers, so the 404 below is about whose record it is)
    own = client.get(reverse(f"portal:{name}", args=WITH_IDS[name](mine)))
    assert own.status_code == 200

    # when the other customer's ids are typed into the URL
    send = client.post if method == "post" else client.get
    response = send(reverse(f"portal:{name}", args=WITH_IDS[name](theirs)), {"description": "x"})

    # then it does not exist, and nothing was written
    assert response.status_code == 404
    assert FaultReport.objects.count() == faults_before


def test_r10_an_own_fault_with_another_customers_file_is_a_404(client, sites):
    # given: the user's own fault report, and the other customer's photo in the same URL
    mine, theirs = sites
    portal_sign_in(client, mine.user)

    # when / then
    assert client.get(reverse("portal:fault_file", args=[mine.fault.pk, theirs.photo.pk])).status_code == 404


@pytest.mark.parametrize("name", sorted(set(WITHOUT_IDS) - {"sign_out"}))
def test_r10_pages_without_ids_show_nothing_of_another_customer(client, sites, name):
    # given
    mine, theirs = sites
    portal_sign_in(client, mine.user)

    # when
    response = client.get(reverse(f"portal:{name}"))

    # then
    assert response.status_code == 200
    text = response.content.decode()
    for foreign in (
        theirs.customer.name,
        theirs.user.email,
        theirs.user.name,
        theirs.protocol.ref,
        theirs.fault.ref,
        theirs.protocol.text,
    ):
        assert foreign not in text, (name, foreign)


def test_r10_a_fault_cannot_be_reported_on_another_customers_installation(client, sites):
    # given
    mine, theirs = sites
    portal_sign_in(client, mine.user)
    before = FaultReport.objects.count()

    # when the other customer's installation is posted
    response = client.post(
        reverse("portal:fault_new"),
        {"installation": theirs.installation.pk, "description": "Läcker vatten"},
    )

    # then the form refuses it as a choice it does not offer, and nothing is reported
    assert response.status_code == 200
    assert "installation" in response.context["form"].errors
    assert FaultReport.objects.count() == before


def test_r10_the_users_page_lists_only_the_customers_own_users(client, sites):
    mine, theirs = sites
    colleague = CustomerUser.objects.create(customer=mine.customer, email="ola.lund@ohrlings-bygg.se")
    portal_sign_in(client, mine.user)

    listed = list(client.get(reverse("portal:users")).context["users"])

    assert listed == sorted([mine.user, colleague], key=lambda u: (u.name, u.email))


@pytest.mark.parametrize("name", sorted([*WITH_IDS, *WITHOUT_IDS]))
def test_every_portal_page_says_no_store(client, site, name):
    # given
    portal_sign_in(client, site.user)
    args = WITH_IDS[name](site) if name in WITH_IDS else []

    # when
    send = client.post if name == "sign_out" else client.get
    response = send(reverse(f"portal:{name}", args=args))

    # then
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", sorted(set(WITH_IDS) | (set(WITHOUT_IDS) - PUBLIC)))
def test_a_visitor_who_is_not_signed_in_is_sent_to_the_portals_sign_in(client, site, name):
    # given a visitor without a portal session
    args = WITH_IDS[name](site) if name in WITH_IDS else []
    url = reverse(f"portal:{name}", args=args)

    # when / then
    for send in (client.get, client.post):
        response = send(url, {"description": "x", "file": PNG})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:home") + "?next=")
