"""Every record on the card is a link to a read-only page of that record (SPEC R-3), shown to whoever may
view its customer (R-9) and, for an anonymized customer, without a way back to the person (A-6)."""

import re

import pytest
from django.urls import reverse

from kund.crm.models import Activity
from kund.customers.models import Customer
from kund.customers.selectors import RECORD_KINDS, SECTIONS
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user
from kund.demo.testing.factories import Person, add_owned, add_transactions, make_customer, next_number
from kund.privacy.services import anonymize_customers

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    user = make_user("view_customer", username="vera.viewer")
    client.force_login(user)
    return user


@pytest.fixture
def full_customer():
    """A customer with a record of every kind the card shows, and another customer's activity naming it."""
    customer = make_customer(person=Person())
    rows = add_transactions(customer)
    rows.update(add_owned(customer))
    other = make_customer()
    rows["linked_activity"] = Activity.objects.create(
        customer=other, number=next_number(), date=rows["activity"].date, second_customer=customer
    )
    return customer, rows


def _links(html: str) -> dict[str, list[str]]:
    """Each section's record links on the card: {section key: [href, …]}."""
    found: dict[str, list[str]] = {}
    for href, key in re.findall(r'<a href="([^"]+)" data-(?:record|download)="([a-z_]+)"', html):
        found.setdefault(key, []).append(href)
    return found


def test_r3_every_record_on_the_card_links_to_a_page_that_opens(client, viewer, full_customer):
    # given
    customer, rows = full_customer

    # when
    html = client.get(reverse("customers:detail", args=[customer.number])).content.decode()

    # then every record of every section is a link, and every link opens
    links = _links(html)
    assert set(links) == {section.key for section in SECTIONS}
    for key, hrefs in links.items():
        for href in hrefs:
            response = client.get(href)
            assert response.status_code == 200, (key, href)
    assert reverse("sales:order_detail", args=[rows["order"].pk]) in links["orders"]
    assert reverse("billing:invoice_detail", args=[rows["invoice"].pk]) in links["invoices"]
    assert (
        reverse("customers:record", args=["activities", rows["linked_activity"].pk])
        in links["linked_activities"]
    )


def test_r3_record_page_shows_the_fields_by_their_names_and_links_related_records(
    client, viewer, full_customer
):
    # given
    customer, rows = full_customer
    delivery = rows["delivery"]

    # when
    response = client.get(reverse("customers:record", args=["deliveries", delivery.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert delivery.ref in html
    assert "Customer reference" in html
    assert "customer_reference" not in html
    assert f'href="{reverse("sales:order_detail", args=[rows["order"].pk])}"' in html
    assert f'href="/customers/{customer.number}/"' in html
    assert delivery.customer_reference in html


def test_r3_record_of_a_customer_the_user_may_not_view_does_not_exist(client, full_customer):
    # given a user who sees only the customers assigned to them
    customer, rows = full_customer
    user = make_user("view_assigned_customer", username="anna.assigned")
    client.force_login(user)
    url = reverse("customers:record", args=["agreements", rows["agreement"].pk])

    # when / then: not theirs, a 404; assigned to them, the page
    assert client.get(url).status_code == 404
    Customer.objects.filter(pk=customer.pk).update(responsible=user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("kind", ["orders", "documents", "linked_activities", "nonsense"])
def test_r3_record_page_of_a_kind_with_its_own_page_or_none_is_not_found(client, viewer, full_customer, kind):
    customer, rows = full_customer

    assert client.get(reverse("customers:record", args=[kind, rows["order"].pk])).status_code == 404


def test_r3_record_page_of_an_unknown_record_is_not_found(client, viewer, full_customer):
    assert client.get(reverse("customers:record", args=["agreements", 987654])).status_code == 404


def test_a6_record_of_an_anonymized_customer_shows_xxxx_without_a_link(client, viewer, full_customer):
    # given
    customer, rows = full_customer
    name = customer.name
    assert anonymize_customers(customer_ids=[customer.pk]).anonymized

    # when
    response = client.get(reverse("customers:record", args=["support_tickets", rows["support_ticket"].pk]))

    # then the record is shown, its customer a plain "Xxxx Xxxx" with the hint, no way to the card
    html = response.content.decode()
    assert response.status_code == 200
    assert rows["support_ticket"].ref in html
    assert "Xxxx Xxxx" in html
    assert "kund-anonymized-hint" in html
    assert f"/customers/{customer.number}/" not in html
    assert name not in html


def test_r3_every_generic_kind_has_a_page(client, viewer, full_customer):
    # every kind without a page of its own is served by the generic one
    customer, rows = full_customer
    for key, section in RECORD_KINDS.items():
        record = section.model_class.objects.filter(**{section.link: customer}).first()
        assert record is not None, key
        assert client.get(reverse("customers:record", args=[key, record.pk])).status_code == 200, key
