"""The register in a browser (R-2, R-3, R-6, A-4): search, open the card, its tabs and the bell. Saves the
screenshots the README shows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kund.customers.custom_fields import custom_values_set
from kund.customers.models import CustomerGroup, CustomField
from kund.customers.services import customer_assign, customer_update
from kund.customers.tests.register_fixtures import anonymize, new_company, new_private
from kund.demo.testing.factories import Person, add_transactions
from kund.sales.services import order_create

PASSWORD = "correct-horse-battery"


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


@pytest.fixture
def card_data(db):
    """A company with a year of business: orders, every other kind of record, history and a custom field."""
    manager = get_user_model().objects.create_superuser("maria.manager", "maria@kund.test", PASSWORD)
    technician = get_user_model().objects.create_user("tomas.tekniker", "tomas@kund.test", PASSWORD)
    customer = new_company(
        actor=manager,
        group=CustomerGroup.objects.create(name="Storkunder"),
        visit_address1="Industrivägen 4",
        visit_postal_code="172 66",
        visit_city="Sundbyberg",
    )
    add_transactions(
        customer,
        person=Person(first_name="Per", last_name="Åkesson", email="per.akesson@ohrlings-bygg.se"),
        day=date(2025, 3, 14),
    )
    for i in range(11):
        order_create(
            customer=customer,
            actor=manager,
            data={
                "date": date(2025, 4, 1) + timedelta(days=17 * i),
                "delivered": i > 1,
                "invoiced": i > 2,
                "total": Decimal("4850.00") + 1375 * i,
            },
        )
    level = CustomField.objects.create(
        name="Avtalsnivå", kind=CustomField.Kind.CHOICE, choices="Guld\nSilver"
    )
    custom_values_set(customer=customer, actor=manager, values={level: "Guld"})
    customer_update(customer=customer, actor=manager, data={"phone": "08-123 456 99"})
    customer_assign(customer=customer, actor=manager, responsible=technician)
    customer_assign(customer=customer, actor=manager, responsible=manager)
    new_private(first_name="Åsa", last_name="Öberg", email="asa.oberg@telia.se", organisation_number="")
    return {"manager": manager, "customer": customer}


@pytest.mark.browser
def test_r3_search_open_the_card_and_its_tabs(live_server, page, screenshot_dir, card_data):
    customer = card_data["customer"]

    # given a signed-in manager, with a notification waiting in the bell
    sign_in(page, live_server, "maria.manager")
    assert page.locator("#notification-count").inner_text().startswith("1")

    # when: search the list by the start of the name, case-insensitively
    page.goto(f"{live_server.url}/customers/")
    page.fill("#id_q", "öhrl")
    page.press("#id_q", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#customer-list tbody tr').length === 1")
    assert page.locator(f'tr[data-customer="{customer.number}"]').is_visible()
    page.screenshot(path=str(screenshot_dir / "customer-list.png"), full_page=True)

    # and open the card
    page.click(f'tr[data-customer="{customer.number}"] a.link-body-emphasis')
    page.wait_for_url(f"{live_server.url}/customers/{customer.number}/")

    # then the card shows the orders tab, its first 10 rows and "show all"
    assert "Öhrlings Byggservice AB" in page.locator("#customer-name").inner_text()
    assert page.locator('#pane-orders table[data-section="orders"] tbody tr').count() == 10
    assert page.locator('[data-show-all="orders"]').is_visible()
    page.screenshot(path=str(screenshot_dir / "customer-card.png"), full_page=True)

    # and the other tabs open: invoices, change history
    page.click("#tab-invoices")
    assert page.locator("#pane-invoices table tbody tr").count() == 1
    page.click("#tab-history")
    assert page.locator("#change-history").is_visible()
    assert "responsible" in page.locator("#change-history").inner_text()

    # sorting a section swaps it in place (htmx)
    page.click("#tab-orders")
    page.click('#section-orders th a:has-text("Reference")')
    page.wait_for_selector("#section-orders .bi-caret-up-fill")
    assert page.url == f"{live_server.url}/customers/{customer.number}/"


@pytest.mark.browser
def test_a4_anonymized_card_in_a_browser(live_server, page, screenshot_dir, card_data):
    # given
    gone = anonymize(new_private(first_name="Kalle", last_name="Glömd", email="kalle.glomd@example.se"))
    sign_in(page, live_server, "maria.manager")

    # when
    page.goto(f"{live_server.url}/customers/{gone.number}/")

    # then
    assert page.locator("#anonymized-banner").is_visible()
    assert page.locator("#card-tabs").count() == 0
    assert page.locator("#customer-edit").count() == 0
    page.screenshot(path=str(screenshot_dir / "customer-card-anonymized.png"), full_page=True)
