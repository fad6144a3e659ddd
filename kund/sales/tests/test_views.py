"""The order list and order page (SPEC A-6, S-4)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.privacy.services import anonymize_customers
from kund.privacy.tests import erasure_cases

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def seller(client):
    user = get_user_model().objects.create_user("nils.seller", "nils@kund.test", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_customer")
    )
    client.force_login(user)
    return user


def test_the_list_needs_the_right_to_view_customers(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("no.rights", password="pw"))

    assert client.get(reverse("sales:order_list")).status_code == 403
    assert client.get(reverse("sales:order_detail", args=[1])).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("sales:order_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a6_the_list_shows_an_anonymized_customer_as_plain_xxxx(
    client, seller, django_assert_max_num_queries
):
    # given
    known = erasure_cases.anonymizable()
    forgotten = erasure_cases.anonymizable()
    forgotten_order = forgotten.orders.get()
    anonymize_customers(customer_ids=[forgotten.pk])

    # when
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sales:order_list"))

    # then
    html = response.content.decode()
    assert f'href="/customers/{known.number}/"' in html
    row = html[html.index(f'data-order="{forgotten_order.ref}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="kund-anonymized-customer">Xxxx Xxxx</span>' in row  # a private person (seed 001)
    assert "anonymized customer" in row
    assert f"/customers/{forgotten.number}/" not in html


def test_s4_the_order_page_of_an_anonymized_customer_shows_xxxx_unlinked(client, seller):
    # given
    customer = erasure_cases.anonymizable()
    placed = customer.orders.get()
    anonymize_customers(customer_ids=[customer.pk])

    # when
    response = client.get(reverse("sales:order_detail", args=[placed.pk]))

    # then: the address copies are cleared (SPEC §4), the kept internal comment stays for review
    html = response.content.decode()
    cell = html[html.index('id="order-customer"') :]
    cell = cell[: cell.index("</dd>")]
    assert "Xxxx" in cell and "href" not in cell and "anonymized customer" in cell
    assert "Maja Lundgren" not in html
    assert "Lämna paketet hos grannen Berit" in html
