"""The mass-erasure flow in a browser (SPEC M-1..M-5): criteria, verification, two confirmations, the
progress bar fed by a real background worker, and the result page. Screenshots go to build/screenshots/."""

import re
import signal
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse

from kund.customers.models import Customer
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import bulk_private_customers, enable_crm
from kund.privacy.tests.worker import DATABASE_TASKS, start_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "gammal-kund-rensas-bort"
CUSTOMERS = 1200


@pytest.fixture
def browser_locale() -> str:
    return "en-GB"


def test_mass_flow_from_criteria_to_result_with_the_progress_bar(live_server, page, screenshot_dir, settings):
    # given a register with old private customers, the CRM module on, and a user with the right
    settings.KUND_MASS_ERASURE_LIMIT = CUSTOMERS
    enable_crm()
    bulk_private_customers(CUSTOMERS)
    user = get_user_model().objects.create_user("malin.mass", "malin@kund.test", PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["mass_erase_customers", "view_customer"])
    )

    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', "malin.mass")
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")

    # when she opens Mass erasure from the navbar and asks for both criteria through the end of 2024
    page.click("#nav-mass-erasure")
    page.wait_for_url(live_server.url + reverse("mass_erasure:index"))
    page.check("input[name=criteria][value=both]")
    page.fill("input[name=through]", "2024-12-31")
    page.click("#mass-verify")

    # then the verification shows the totals and offers both lists
    page.wait_for_selector("#verification-counts")
    job = ErasureJob.objects.get()
    assert page.inner_text("#count-selected") == str(CUSTOMERS)
    assert page.inner_text("#count-delete") == str(job.planned_delete)
    assert page.inner_text("#count-anonymize") == str(job.planned_anonymize)
    assert page.inner_text("#count-ignored") == str(job.planned_ignored)
    assert page.locator("#download-to-erase").is_visible() and page.locator("#download-ignored").is_visible()
    page.screenshot(path=screenshot_dir / "mass-1-verification.png", full_page=True)

    # when she ticks the box and starts, and confirms a second time (the worker starts meanwhile)
    with override_settings(TASKS=DATABASE_TASKS):
        page.check("#id_understood")
        page.click("#start-erasure")
        page.wait_for_selector("#confirm-erasure")
        page.screenshot(path=screenshot_dir / "mass-2-confirm.png", full_page=True)
        page.click("#confirm-erasure")

        # then the progress bar shows, and moves on its own to the result page
        page.wait_for_selector("#job-progress-bar")
        page.screenshot(path=screenshot_dir / "mass-3-progress.png", full_page=True)
        worker = start_worker()
        try:
            page.wait_for_selector("#job-done", timeout=45_000)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=10)
    page.screenshot(path=screenshot_dir / "mass-4-result.png", full_page=True)

    job.refresh_from_db()
    assert job.state == "done"
    assert page.inner_text("#count-deleted") == str(job.deleted) == str(job.planned_delete)
    assert page.inner_text("#count-anonymized") == str(job.anonymized) == str(job.planned_anonymize)
    assert page.inner_text("#count-ignored") == str(job.ignored)
    assert page.inner_text("#count-failed") == "0"
    assert re.search(r"not delivered", page.inner_text("#job-items"))
    assert Customer.objects.filter(anonymized_at__isnull=True).count() == job.ignored

    # and the run is listed with who ran it
    page.goto(live_server.url + reverse("mass_erasure:index"))
    assert "malin.mass" in page.inner_text("#mass-runs")
    assert date.today().isoformat() in page.inner_text("#mass-runs")
