"""Searching for what people type, in a browser (R-2): "qvist", a phone number written another way than
it is stored, a personal number without its century, a city without its diacritics; the list at 1366 px;
the invoice list's search and filters. Saves screenshots in build/screenshots (the README shows the list)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from kund.billing.models import Invoice
from kund.customers.tests.register_fixtures import new_company, new_private
from kund.demo.seeder import seed_demo

PASSWORD = "correct-horse-battery"
SEARCH_DONE = "() => !document.querySelector('#customer-search.htmx-request, #customer-table.htmx-swapping')"


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', "maria.manager")
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


@pytest.fixture
def office(db):
    """A register as an office manager finds it: demo customers, and the ones she is looking for."""
    get_user_model().objects.create_superuser("maria.manager", "maria@kund.test", PASSWORD)
    seed_demo(customers=60, seed=21)
    ingrid = new_private(
        first_name="Ingrid",
        last_name="Lindqvist",
        email="ingrid.lindqvist@spray.se",
        phone="090-761 11 99",
        organisation_number="19810807-4884",
        invoice_address1="Storgatan 12",
        invoice_city="Uppsala",
    )
    kyl = new_company(
        name="Wahlströms Kyl & Värme Aktiebolag i Västerbotten",
        contact_person="Åsa Wahlström",
        email="asa.wahlstrom@wahlstroms-kyl-och-varme.se",
        organisation_number="",
        phone="+46 90 12 34 56",
        invoice_address1="Västra Esplanaden 9",
        invoice_postal_code="903 26",
        invoice_city="Umeå",
    )
    for number, day, paid in ((91001, date(2025, 9, 2), True), (91002, date(2025, 10, 1), False)):
        Invoice.objects.create(
            customer=kyl, number=number, date=day, due_date=day, total=Decimal("18400.00"), paid=paid
        )
    return {"ingrid": ingrid, "kyl": kyl}


def _search(page, text: str) -> None:
    """Type into the search field as a person does; the list follows (htmx) without a submit."""
    page.fill("#id_q", "")
    page.type("#id_q", text)
    page.wait_for_function(
        "text => new URL(location.href).searchParams.get('q') === text", arg=text, timeout=10_000
    )
    page.wait_for_function(SEARCH_DONE)


@pytest.mark.browser
@pytest.mark.parametrize(
    "text,who,shot",
    [
        ("qvist", "ingrid", "search-qvist"),  # the middle of a last name
        ("+46 90 761 11 99", "ingrid", "search-phone"),  # stored as 090-761 11 99
        ("810807-4884", "ingrid", "search-personal-number"),  # stored as 19810807-4884
        ("umea", "kyl", "search-city"),  # Umeå, typed without its ring
    ],
)
def test_r2_find_a_customer_by_what_people_type(live_server, page, screenshot_dir, office, text, who, shot):
    customer = office[who]
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/customers/")

    # when
    _search(page, text)

    # then the customer is in the list, and the list says how many match
    row = page.locator(f'tr[data-customer="{customer.number}"]')
    row.wait_for()
    assert row.is_visible()
    assert "match" in page.locator("#match-count").inner_text()
    page.screenshot(path=str(screenshot_dir / f"{shot}.png"), full_page=True)

    # and its card opens at its customer number
    row.locator("a").first.click()
    page.wait_for_url(f"{live_server.url}/customers/{customer.number}/")


@pytest.mark.browser
def test_r2_no_match_says_what_was_searched(live_server, page, screenshot_dir, office):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/customers/?kind=company")

    _search(page, "zzqq")

    message = page.locator("#no-customers").inner_text()
    assert "No customers match." in message
    assert "“zzqq”" in message and "streets and cities" in message
    assert "Kind: Company" in message
    page.screenshot(path=str(screenshot_dir / "search-no-match.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("view", ["compact", "detailed"])
def test_the_list_fits_1366_px(live_server, page, screenshot_dir, office, view):
    # given a laptop's screen
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server)

    # when the list opens newest first, with the longest name and e-mail address of the register on it
    page.goto(f"{live_server.url}/customers/?sort=-created{'&view=detailed' if view == 'detailed' else ''}")
    assert page.locator(f'tr[data-customer="{office["kyl"].number}"]').is_visible()

    # then nothing scrolls sideways, no cell wraps, and every header is whole
    table = page.locator("#customer-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.evaluate(
        "() => { const t = document.querySelector('.table-responsive'); "
        "return t.scrollWidth <= t.clientWidth; }"
    )
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('#customer-list tbody tr')).map(r => r.offsetHeight)"
    )
    assert max(heights) <= (60 if view == "detailed" else 40)
    assert table.locator("th").last.is_visible()
    page.screenshot(path=str(screenshot_dir / f"customer-list-1366-{view}.png"))


@pytest.mark.browser
def test_the_invoice_list_searches_by_customer_and_filters_unpaid(live_server, page, screenshot_dir, office):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/invoices/")

    # when: part of the customer's name, without diacritics, and only what is not paid
    page.fill("#id_q", "wahlstrom")
    page.select_option("#id_paid", "no")
    page.click('#record-filters button[type="submit"]')
    page.wait_for_url("**/invoices/?q=wahlstrom*")

    # then
    rows = page.locator("#invoice-list tbody tr[data-invoice]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-invoice") == "F-91002"
    page.screenshot(path=str(screenshot_dir / "invoice-list-search.png"))
