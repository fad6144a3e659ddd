"""Erasing a saved selection in a browser (SPEC S-1..S-3 with M-4, M-5): an administrator saves a search
of the customer list as a selection, reads its customers, has its erasure checked, reads the
verification, confirms twice, and finds the selection erased and its run among the earlier runs.
Screenshots go to build/screenshots/."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kund.customers.models import Customer
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy.models import ErasureJob, SavedSelection
from kund.privacy.tests.massdata import enable_crm, private

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "sandbergs-kunder-rensas"


@pytest.fixture
def browser_locale() -> str:
    return "en-GB"


def sandbergs() -> dict:
    """Three of the Sandberg family, each erased differently: Lars with settled records in every linked
    table (anonymized), Elsa who never bought (deleted), Oskar with orders not delivered (left out)."""
    lars = Person(
        first_name="Lars",
        last_name="Sandberg",
        email="lars.sandberg@bredband.se",
        phone="090-761 11 99",
        mobile="070-311 22 33",
        street="Storgatan 40",
        postal_code="903 26",
        city="Umeå",
        personal_number="19620514-2397",
    )
    oskar = Person(
        first_name="Oskar",
        last_name="Sandberg",
        email="oskar.sandberg@telia.se",
        phone="090-12 34 56",
        mobile="073-998 87 76",
        street="Västra Esplanaden 3",
        postal_code="903 25",
        city="Umeå",
        personal_number="19890221-7710",
    )
    customers = {"lars": make_customer(person=lars), "oskar": make_customer(person=oskar)}
    add_transactions(customers["lars"], person=lars)
    add_transactions(customers["oskar"], person=oskar, settled=False)
    customers["elsa"] = private("Elsa", "Sandberg", created=date(2016, 9, 1))
    customers["other"] = private("Nils", "Forsberg", created=date(2016, 9, 2))
    return customers


def test_selection_erased_through_its_check_and_two_confirmations(live_server, page, screenshot_dir):
    # given the Sandbergs, the CRM module on, and an administrator signed in
    customers = sandbergs()
    enable_crm()
    get_user_model().objects.create_superuser("anna.admin", "anna@kund.test", PASSWORD)
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', "anna.admin")
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")

    # when she searches the customer list for the family and saves the result as a selection
    page.goto(f"{live_server.url}{reverse('customers:list')}?q=sandberg")
    page.click("#save-selection-toggle")
    page.fill("#selection-name", "Familjen Sandberg")
    page.click("#save-selection-submit")
    page.wait_for_selector("#selection-members")
    selection = SavedSelection.objects.get()

    # then its page lists its three customers, named and linked, and offers the check
    members = page.locator("#selection-members tbody tr")
    assert members.count() == 3
    for key in ("lars", "elsa", "oskar"):
        row = page.locator(f'#selection-members tr[data-customer="{customers[key].number}"]')
        assert row.get_by_role("link", name=re.compile("Sandberg")).is_visible()
    assert customers["other"].number not in page.inner_text("#selection-members")
    page.screenshot(path=str(screenshot_dir / "selection-1-members.png"), full_page=True)

    # when she has the erasure checked: nothing is erased, the mass run's verification shows
    page.click("#check-selection")
    page.wait_for_selector("#verification-counts")
    job = ErasureJob.objects.get()
    assert job.state == "planned" and Customer.objects.count() == 4
    assert page.inner_text("#count-selected") == "3"
    assert page.inner_text("#count-delete") == "1"
    assert page.inner_text("#count-anonymize") == "1"
    assert page.inner_text("#count-ignored") == "1"
    ignored = page.locator(f'#job-items tr[data-customer="{customers["oskar"].number}"]')
    assert "not delivered" in ignored.inner_text()
    assert ignored.get_by_role("link", name="Oskar Sandberg").is_visible()
    page.screenshot(path=str(screenshot_dir / "selection-2-verification.png"), full_page=True)

    # when she starts without ticking the box: asked to tick it, nothing started
    page.click("#start-erasure")
    page.wait_for_selector('[data-field-error="understood"]')
    # when she ticks it and starts: the second question
    page.check("#id_understood")
    page.click("#start-erasure")
    page.wait_for_selector("#confirm-erasure")
    job.refresh_from_db()
    assert job.state == "planned" and Customer.objects.count() == 4
    page.screenshot(path=str(screenshot_dir / "selection-3-confirm.png"), full_page=True)

    # when she confirms: the run goes through (the test settings run tasks at once) to its result
    page.click("#confirm-erasure")
    page.wait_for_selector("#job-done")
    assert "1 deleted, 1 anonymized, 1 ignored, 0 failed" in page.inner_text("#job-done")
    job.refresh_from_db()
    assert job.state == "done"
    assert not Customer.objects.filter(pk=customers["elsa"].pk).exists()
    assert Customer.objects.get(pk=customers["lars"].pk).anonymized_at is not None
    assert Customer.objects.get(pk=customers["oskar"].pk).anonymized_at is None
    page.screenshot(path=str(screenshot_dir / "selection-4-result.png"), full_page=True)

    # and the selection's page tells the state: which run, each customer's, the filter gone
    page.click("#job-selection")
    page.wait_for_selector("#selection-members")
    assert page.inner_text("#selection-remaining") == "1"
    assert "Done" in page.inner_text(f'#selection-jobs tr[data-run="{job.pk}"]')
    row = page.locator(f'#selection-members tr[data-customer="{customers["elsa"].number}"]')
    assert row.get_attribute("data-state") == "deleted"
    row = page.locator(f'#selection-members tr[data-customer="{customers["lars"].number}"]')
    assert row.get_attribute("data-state") == "anonymized" and "Lars" not in row.inner_text()
    selection.refresh_from_db()
    assert selection.query == "" and selection.name == "Familjen Xxxx"
    # Oskar remains (his orders are not delivered): the erasure is offered again, for him
    assert page.locator("#check-selection").is_visible()
    page.screenshot(path=str(screenshot_dir / "selection-5-after.png"), full_page=True)

    # and the run is among the mass erasure's earlier runs, with the selection, whose name no longer
    # names the family (A-7: the erasure took the erased customers' names out of it)
    page.goto(live_server.url + reverse("mass_erasure:index"))
    run = page.locator(f'#mass-runs tr[data-run="{job.pk}"]').inner_text()
    assert "Familjen Xxxx" in run and "Sandberg" not in run and "anna.admin" in run
    page.screenshot(path=str(screenshot_dir / "selection-6-earlier-runs.png"), full_page=True)
