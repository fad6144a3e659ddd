"""In a browser: a prospect converted on its card (seed 001), a mailing taken from the list without the
anonymized and the deceased (seed 003), a customer erased from the list's trash can (seed 000), and three
customers assigned at once from the list (seed 004)."""

import csv
import io
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.customers.models import Customer, Notification
from kund.customers.selectors import TECHNICIANS_GROUP
from kund.customers.services import customer_set_status
from kund.customers.tests.register_fixtures import anonymize, new_private

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "gröna-äpplen-i-korgen"


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


def _person(first: str, last: str, **data) -> Customer:
    email = f"{first}.{last}@example.se".lower().replace("ö", "o").replace("å", "a").replace("ä", "a")
    return new_private(first_name=first, last_name=last, email=email, organisation_number="", **data)


def test_seed001_a_prospect_is_converted_to_a_customer_on_its_card(live_server, page, screenshot_dir):
    """Seed 001's prospects: the card converts one, and the number stays (R-1)."""
    # given
    prospect = _person("Signe", "Wallin", kind=Customer.Kind.PROSPECT, birth_date=None)
    _user("klara.clerk", "view_customer", "change_customer")
    sign_in(page, live_server, "klara.clerk")

    # when: the clerk finds the prospects in the list and opens the card
    page.goto(f"{live_server.url}{reverse('customers:list')}?kind=prospect")
    page.get_by_role("link", name="Signe Wallin").click()
    assert page.locator("#customer-prospect").is_visible()
    page.locator("#customer-convert-kind").select_option("private")
    page.screenshot(path=str(screenshot_dir / "prospect-card.png"), full_page=True)
    page.locator("#customer-convert-submit").click()

    # then
    page.wait_for_load_state()
    assert f"same number {prospect.number}" in page.locator("#messages").inner_text()
    assert page.locator("#customer-convert").count() == 0
    assert page.locator("#customer-prospect").count() == 0
    fresh = Customer.objects.get(pk=prospect.pk)
    assert (fresh.kind, fresh.number) == ("private", prospect.number)
    page.locator("#tab-history").click()
    assert "converted from prospect to customer" in page.locator("#change-history").inner_text()


def test_seed003_a_mailing_from_the_list_leaves_out_the_anonymized_and_the_deceased(live_server, page):
    """Seed 003: anonymized customers are no longer found "über die … Serienbrieffunktion"; neither is
    a deceased one."""
    # given: four who consented to letters, one of them anonymized and one deceased
    consent = {"post_consent": True, "email_consent": True}
    alive = _person("Karin", "Sandberg", **consent)
    also = _person("Olle", "Sandberg", **consent)
    gone = anonymize(_person("Tage", "Sandberg", **consent))
    deceased = customer_set_status(
        customer=_person("Maj", "Sandberg", **consent),
        actor=None,
        status=Customer.Status.DECEASED,
        deceased_on=date(2024, 3, 1),
    )
    _user("vera.viewer", "view_customer")
    sign_in(page, live_server, "vera.viewer")

    # when: the viewer searches, shows the anonymized too, and takes the letters as CSV
    page.goto(f"{live_server.url}{reverse('customers:list')}?q=sandberg&anonymized=1")
    page.locator("#mailing-toggle").click()
    with page.expect_download() as download_info:
        page.locator("#mailing-post-csv").click()
    text = open(download_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115

    # then
    numbers = {row["customer_number"] for row in csv.DictReader(io.StringIO(text))}
    assert numbers == {alive.number, also.number}
    assert gone.number not in numbers and deceased.number not in numbers
    assert "Dear Karin Sandberg" in text
    logged = ChangeRecord.objects.filter(event=ChangeRecord.Event.MAILING_EXPORTED)
    assert set(logged.values_list("customer_id", flat=True)) == {alive.pk, also.pk}


def test_seed000_a_customer_is_erased_from_the_lists_trash_can(live_server, page, screenshot_dir):
    """Seed 000: "ta bort den genom att klicka på soptunnan i listningen"."""
    # given: a customer without transactions, and one the user only looks at
    customer = _person("Sven", "Holmberg")
    number = customer.number
    _user("erik.privacy", "view_customer", "erase_customer")
    sign_in(page, live_server, "erik.privacy")

    # when: the user clicks the row's trash can, ticks the box and deletes
    page.goto(f"{live_server.url}{reverse('customers:list')}?q=holmberg")
    page.screenshot(path=str(screenshot_dir / "list-row-actions.png"), full_page=True)
    page.locator(f'a[data-erase="{number}"]').click()
    page.wait_for_url(live_server.url + reverse("privacy:customer_erasure", args=[customer.pk]))
    page.locator("#id_confirm").check()
    page.locator("#erasure-submit").click()

    # then: back on the list, which says so
    page.wait_for_url(re.compile(r"/customers/$"))
    assert f"Customer {number} has been deleted" in page.locator("#messages").inner_text()
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert ErasureLogEntry.objects.get(customer_number=number).action == "delete"


def test_seed004_three_customers_are_assigned_at_once_from_the_list(live_server, page, screenshot_dir):
    """Seed 004: "välja Tilldela i listan … En meny med alla användare i gruppen öppnas"; each customer
    is assigned as on its card, and the technician is told of each."""
    # given
    customers = [_person(first, "Lindgren") for first in ("Alva", "Bror", "Cilla", "Dag")]
    technician = _user("tim.tekniker")
    technician.groups.add(Group.objects.get_or_create(name=TECHNICIANS_GROUP)[0])
    _user("maria.manager", "view_customer", "assign_customer")
    sign_in(page, live_server, "maria.manager")

    # when: the manager ticks three of the four and assigns them to the technician
    page.goto(f"{live_server.url}{reverse('customers:list')}?q=lindgren")
    for customer in customers[:3]:
        page.locator(f'input[data-select="{customer.number}"]').check()
    choice = page.locator("#bulk-assign select")
    assert choice.locator('optgroup[label="Technicians"] option').all_inner_texts() == ["tim.tekniker"]
    choice.select_option(label="tim.tekniker")
    page.screenshot(path=str(screenshot_dir / "list-assign.png"), full_page=True)
    page.locator("#bulk-assign-submit").click()

    # then: back on the same search, with the three assigned and the fourth not
    page.wait_for_url(re.compile(r"/customers/\?q=lindgren$"))
    assert "tim.tekniker is now responsible for 3 customers" in page.locator("#messages").inner_text()
    assigned = set(Customer.objects.filter(responsible=technician).values_list("pk", flat=True))
    assert assigned == {c.pk for c in customers[:3]}
    assert Notification.objects.filter(recipient=technician, verb=Notification.Verb.ASSIGNED).count() == 3
    for customer in customers[:3]:
        assert "tim.tekniker" in page.locator(f'tr[data-customer="{customer.number}"]').inner_text()
