"""The erasure page and the invoice and order lists on the demo register (`kund seed_demo`): every erasure
case the seeder makes renders, and anonymized customers show as plain Xxxx in the lists (E-1, A-6)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.billing.models import Invoice
from kund.customers.models import Customer
from kund.demo.seeder import seed_demo
from kund.privacy.planner import classify
from kund.sales.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return seed_demo(customers=120, seed=7)


@pytest.fixture
def officer(client):
    user = get_user_model().objects.create_user("asa.dataskydd", "asa@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["view_customer", "erase_customer"]
        )
    )
    client.force_login(user)
    return user


def test_e1_every_case_of_the_demo_register_has_its_erasure_page(client, demo, officer):
    # given: one demo customer of each action
    firsts: dict[str, int] = {}
    for pk, action in classify(Customer.objects.all()).values_list("pk", "erasure_action"):
        firsts.setdefault(action, pk)
    assert set(firsts) == {"delete", "anonymize", "blocked", "already_anonymized"}

    for action, pk in firsts.items():
        # when
        response = client.get(reverse("privacy:customer_erasure", args=[pk]))

        # then
        assert response.status_code == 200, action
        assert response.context["action"] == action
        html = response.content.decode()
        assert ('id="erasure-form"' in html) == (action in ("delete", "anonymize"))
        if action == "blocked":
            assert response.context["blockers"] and all(line.url for line in response.context["blockers"])


def test_a6_the_demo_invoice_and_order_lists_show_anonymized_customers_as_plain_xxxx(client, demo, officer):
    # given: the demo register has anonymized customers with invoices and orders
    anonymized = set(Customer.objects.anonymized().values_list("number", flat=True))
    assert anonymized

    for url, model in ((reverse("billing:invoice_list"), Invoice), (reverse("sales:order_list"), Order)):
        # when: the user pages through the whole list
        shown, params = [], {}
        while True:
            response = client.get(url, params)
            assert response.status_code == 200
            html = response.content.decode()
            for number in anonymized:
                assert f'href="/customers/{number}/"' not in html
            key = "invoices" if "invoice" in url else "orders"
            shown += response.context[key]
            if not response.context["page"].has_next:
                break
            params = {"before": response.context["page"].next_cursor}

        # then: every row once, and the anonymized customers' rows as Xxxx
        assert len({row.pk for row in shown}) == len(shown) == model.objects.count()
        forgotten = [row for row in shown if row.customer.number in anonymized]
        assert forgotten
        assert all(
            row.customer.name == ("Xxxx" if row.customer.kind == "company" else "Xxxx Xxxx")
            for row in forgotten
        )
