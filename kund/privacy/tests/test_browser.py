"""The erasure flow in a browser (SPEC E-1..E-5, A-4..A-6): a user signs in, finds the customer, opens the
card, reads the plan, ticks the box and erases. Screenshots go to build/screenshots/."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy.tests import erasure_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "rätt-häst-batteri-häfta"


@pytest.fixture
def browser_locale() -> str:
    """The walks read the English source texts; the language test below asks for the others."""
    return "en-GB"


def _user(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, f"{username}@kund.test", PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return user


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


def test_anonymize_walk_search_card_confirm_then_gone_from_the_list_and_xxxx_on_invoices(
    live_server, page, screenshot_dir
):
    # given: a customer with a settled order and a paid invoice, and a user with the erasure right
    customer = erasure_cases.anonymizable()
    invoice = customer.invoices.get()
    _user("erik.privacy", "view_customer", "change_customer", "erase_customer")
    sign_in(page, live_server, "erik.privacy")

    # when: the user searches for the customer and opens the card
    page.goto(f"{live_server.url}/customers/?q=Lundgren")
    page.screenshot(path=str(screenshot_dir / "anonymize-search.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Maja Lundgren")).first.click()
    page.wait_for_url(re.compile(rf"/customers/{customer.number}/"))
    panel = page.locator("#erasure-panel")
    assert panel.get_attribute("data-erasure-action") == "anonymize"

    # and opens the erasure page from the card's panel
    panel.locator("#erasure-open").click()
    page.wait_for_url(live_server.url + reverse("privacy:customer_erasure", args=[customer.pk]))
    kept = page.locator("#erasure-kept-list")
    assert "internal information" in kept.inner_text()
    assert "internal comment" in kept.inner_text()
    button = page.locator("#erasure-submit")
    assert button.inner_text().strip() == "Anonymize permanently — cannot be undone"
    assert button.is_disabled()  # E-5: not before the box is ticked
    page.locator("#id_confirm").check()
    assert button.is_enabled()
    page.screenshot(path=str(screenshot_dir / "anonymize-confirm.png"), full_page=True)
    button.click()

    # then: back on the card, which says the customer is anonymized
    page.wait_for_url(re.compile(rf"/customers/{customer.number}/$"))
    assert "has been anonymized" in page.locator("#messages").inner_text()
    assert page.locator("#anonymized-banner").is_visible()
    assert page.locator("#card-tabs").count() == 0
    assert page.locator("#erasure-panel").get_attribute("data-erasure-action") == "already_anonymized"
    page.screenshot(path=str(screenshot_dir / "anonymized-card.png"), full_page=True)
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.anonymized_at is not None and fresh.name == "Xxxx Xxxx"  # seed 001: a person

    # the customer is gone from the list ...
    page.goto(f"{live_server.url}/customers/?q=Lundgren")
    assert "Maja Lundgren" not in page.content()
    page.goto(f"{live_server.url}/customers/?anonymized=1&q={customer.number}")
    assert customer.number in page.content()
    page.screenshot(path=str(screenshot_dir / "show-anonymized.png"), full_page=True)

    # ... and the invoice list shows it as a plain Xxxx with a hint
    page.goto(live_server.url + reverse("billing:invoice_list"))
    cell = page.locator(f'tr[data-invoice="{invoice.ref}"] td.customer-cell')
    assert cell.locator(".kund-anonymized-customer").inner_text() == "Xxxx Xxxx"
    assert "anonymized customer" in cell.inner_text()
    assert cell.locator("a").count() == 0
    page.screenshot(path=str(screenshot_dir / "invoice-list-anonymized.png"), full_page=True)


def test_delete_walk_warns_of_the_documents_and_removes_the_customer(live_server, page, screenshot_dir):
    # given
    customer = erasure_cases.deletable()
    number = customer.number
    _user("erik.privacy", "view_customer", "erase_customer")
    sign_in(page, live_server, "erik.privacy")

    # when: the user opens the erasure page from the card
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    page.locator("#erasure-panel #erasure-open").click()
    warning = page.locator("#erasure-delete-warning")

    # then: a red warning lists the documents that go with the customer (D-1)
    red, green, blue = map(int, re.findall(r"\d+", warning.evaluate("el => getComputedStyle(el).color"))[:3])
    assert red > 2 * green and red > 2 * blue  # Bootstrap's danger text colour
    assert warning.locator("#erasure-documents li").all_inner_texts() == [
        "Offertförfrågan kök",
        "Ritning altan",
    ]
    page.locator("#id_confirm").check()
    page.screenshot(path=str(screenshot_dir / "delete-warning.png"), full_page=True)
    page.locator("#erasure-submit").click()

    # and after confirming, the customer is gone and the list says so
    page.wait_for_url(re.compile(r"/customers/$"))
    assert f"Customer {number} has been deleted" in page.locator("#messages").inner_text()
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert ErasureLogEntry.objects.get(customer_number=number).action == "delete"


def test_blocked_walk_lists_every_blocker_with_a_link(live_server, page, screenshot_dir):
    # given
    customer, open_order, unpaid, agreement = erasure_cases.blocked()
    _user("erik.privacy", "view_customer", "erase_customer")
    sign_in(page, live_server, "erik.privacy")

    # when
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    page.locator("#erasure-panel #erasure-open").click()

    # then: each blocker with its record, and no button to erase
    items = page.locator("#erasure-blockers li")
    texts = items.all_inner_texts()
    assert f"Order {open_order.ref}: not delivered, not invoiced" in texts
    assert f"Invoice {unpaid.ref}: not paid" in texts
    assert f"Agreement {agreement.ref}: ongoing agreement" in texts
    assert page.locator("#erasure-submit").count() == 0
    page.screenshot(path=str(screenshot_dir / "blocked.png"), full_page=True)

    # and the invoice's link leads to the invoice
    page.get_by_role("link", name=f"Invoice {unpaid.ref}").click()
    page.wait_for_url(live_server.url + reverse("billing:invoice_detail", args=[unpaid.pk]))
    assert unpaid.ref in page.locator("h1").inner_text()


def test_without_the_erasure_right_the_card_has_no_panel_and_the_page_is_refused(
    live_server, page, screenshot_dir
):
    # given
    customer = erasure_cases.anonymizable()
    _user("karin.seller", "view_customer", "change_customer")
    sign_in(page, live_server, "karin.seller")

    # when / then: no panel on the card (E-4) ...
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    assert page.locator("#erasure-panel").count() == 0

    # ... and the erasure page itself is forbidden
    erasure_url = live_server.url + reverse("privacy:customer_erasure", args=[customer.pk])
    response = page.goto(erasure_url)
    assert response.status == 403

    # ... and so is a forged POST from the signed-in session, with a valid CSRF token (E-4)
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    token = page.locator('input[name="csrfmiddlewaretoken"]').first.get_attribute("value")
    status = page.evaluate(
        """([url, token]) => fetch(url, {method: "POST", credentials: "same-origin",
             headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token},
             body: "action=anonymize&confirm=on"}).then(async r => [r.status, await r.text()])""",
        [erasure_url, token],
    )
    assert status[0] == 403
    assert 'id="forbidden"' in status[1]  # refused for the missing right, not for the token
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.anonymized_at is None and fresh.name == "Maja Lundgren"
    assert not ErasureLogEntry.objects.filter(customer_number=customer.number).exists()


def test_b10_the_language_picked_in_the_navbar_is_remembered(live_server, page, screenshot_dir):
    # given: a browser that asks for English
    customer = erasure_cases.deletable()
    _user("erik.privacy", "view_customer", "erase_customer")
    sign_in(page, live_server, "erik.privacy")
    erasure_url = live_server.url + reverse("privacy:customer_erasure", args=[customer.pk])
    page.goto(erasure_url)
    assert page.locator("#erasure-submit").inner_text().strip() == "Delete permanently — cannot be undone"

    # when: the user picks Deutsch, then Svenska, in the navbar
    page.locator("#nav-language").click()
    page.locator('button[name="language"][value="de"]').click()
    page.wait_for_url(erasure_url)

    # then: the page and every later page speak German, until the user picks again
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("#erasure-submit").inner_text().strip() == (
        "Endgültig löschen – kann nicht rückgängig gemacht werden"
    )
    page.screenshot(path=str(screenshot_dir / "erasure-de.png"), full_page=True)
    page.goto(live_server.url + reverse("billing:invoice_list"))
    assert page.locator("h1").inner_text() == "Rechnungen"
    page.goto(erasure_url)
    assert "Ich habe die Informationen zum Löschen und Anonymisieren gelesen" in page.content()

    page.locator("#nav-language").click()
    page.locator('button[name="language"][value="sv"]').click()
    page.wait_for_url(erasure_url)
    page.reload()
    assert page.locator("#erasure-submit").inner_text().strip() == "Ta bort för alltid – kan inte ångras"
    page.screenshot(path=str(screenshot_dir / "erasure-sv.png"), full_page=True)
