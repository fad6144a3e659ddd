"""The card in people's words: the change history names fields by their translated labels and choices by
theirs (R-4), and an anonymized customer's card shows no status and no labels of emptied details (A-4)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from kund.customers.models import Customer
from kund.customers.services import customer_set_status, customer_update
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user
from kund.demo.testing.factories import add_transactions, make_customer
from kund.privacy.services import anonymize_customers

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def manager(client):
    user = make_user("view_customer", "change_customer", username="maria.manager")
    client.force_login(user)
    return user


def test_r4_history_names_fields_by_their_labels_and_choices_by_theirs(client, manager, person):
    # given
    customer_update(customer=person, actor=manager, data={"invoice_address1": "Kungsgatan 3 B"})
    customer_set_status(customer=person, actor=manager, status=Customer.Status.INACTIVE)

    # when
    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    full = client.get(reverse("customers:history", args=[person.number])).content.decode()

    # then
    for html in (card, full):
        history = _text(html.split('id="change-history"', 1)[1].split("</table>", 1)[0])
        assert "Invoice address: line 1" in history
        assert "invoice_address1" not in history
        assert "Kungsgatan 3 B" in history
        assert "Status" in history
        assert "Active → Inactive" in history


def test_r4_history_labels_follow_the_users_language(client, manager, person):
    # given
    customer_update(customer=person, actor=manager, data={"invoice_city": "Umeå"})
    with translation.override("sv"):
        label = str(Customer._meta.get_field("invoice_city").verbose_name)

    # when
    html = client.get(
        reverse("customers:history", args=[person.number]), HTTP_ACCEPT_LANGUAGE="sv"
    ).content.decode()

    # then
    history = _text(html.split('id="change-history"', 1)[1].split("</table>", 1)[0])
    assert label[:1].upper() + label[1:] in history
    assert "invoice_city" not in history


def test_a4_anonymized_card_shows_no_status_and_no_emptied_details(client, admin_user):
    # given a company with a contact person, anonymized by the erasure engine
    company = make_customer(
        kind=Customer.Kind.COMPANY,
        name="Lindqvist Rör AB",
        contact_person="Ingrid Lindqvist",
        organisation_number="",
    )
    add_transactions(company)
    assert anonymize_customers(customer_ids=[company.pk]).anonymized
    client.force_login(admin_user)

    # when
    html = client.get(reverse("customers:detail", args=[company.number])).content.decode()

    # then the card says it is anonymized, and shows no status nor the labels of what was emptied
    page = _text(html.split('id="customer-name"', 1)[1])
    assert "This customer has been anonymized" in html
    assert 'id="customer-status"' not in html
    assert "Active" not in page
    assert "Contact person" not in page
    assert "Invoice address" not in page
    assert "Receives information" not in page
    assert "Responsible user" not in page
    assert "Lindqvist" not in html


def test_a4_anonymized_customer_has_no_status_in_the_list(client, admin_user, anonymized):
    client.force_login(admin_user)

    html = client.get(reverse("customers:list"), {"anonymized": "true"}).content.decode()

    row = html.split(f'data-customer="{anonymized.number}"', 1)[1].split("</tr>", 1)[0]
    assert "Active" not in _text(row)
