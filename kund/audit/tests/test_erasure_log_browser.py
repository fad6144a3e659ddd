"""B-2 in a browser: a user with the erasure right erases a customer, opens the erasure log from the
navigation, finds the erasure, looks its receipt up (verified) and checks the chain. Screenshots go to
build/screenshots/."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.privacy.services import customer_erase
from kund.privacy.tests import erasure_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "rätt-häst-batteri-häfta"


def test_b2_the_log_shows_the_erasure_its_receipt_verifies_and_the_chain_is_intact(
    live_server, page, screenshot_dir
):
    # given two customers erased by a user with the erasure right
    user = get_user_model().objects.create_user("erik.privacy", "erik@kund.test", PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["view_customer", "erase_customer"]
        )
    )
    deleted = erasure_cases.deletable()
    customer_erase(customer=deleted, actor=user)
    anonymized = erasure_cases.anonymizable()
    receipt = customer_erase(customer=anonymized, actor=user).receipt

    # when the user signs in and opens the log from the navigation
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', "erik.privacy")
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")
    page.click("#nav-administration")
    page.click("#nav-erasure-log")
    page.wait_for_url(live_server.url + reverse("erasure_log:list"))

    # then both erasures, newest first, with who did it
    rows = page.locator("#erasure-log tbody tr")
    assert rows.count() == 2
    newest = rows.nth(0).inner_text()
    assert anonymized.number in newest and "Anonymized" in newest and "erik.privacy" in newest
    assert "Deleted" in rows.nth(1).inner_text()

    # when the user pastes the receipt the erasure gave
    page.fill("#id_q", receipt)
    page.click("#receipt-lookup-submit")

    # then it is found and verified
    page.wait_for_url(re.compile(r"/erasure-log/receipt/\?q="))
    found = page.locator(f'[data-receipt="{receipt}"]')
    assert found.get_attribute("data-verified") == "true"
    assert "Verified" in found.inner_text() and anonymized.number in found.inner_text()
    page.screenshot(path=str(screenshot_dir / "erasure-log-receipt.png"), full_page=True)

    # when they go back to the log and check the chain
    page.click(f'nav[aria-label="breadcrumb"] a[href="{reverse("erasure_log:list")}"]')
    page.click("#chain-check-start")

    # then the chain is intact, both rows checked
    page.wait_for_url(re.compile(r"/erasure-log/check/\d+/$"))
    result = page.locator("#chain-result")
    result.wait_for()
    assert "The chain is intact: 2 rows checked." in result.inner_text()
    page.goto(live_server.url + reverse("erasure_log:list"))
    assert page.locator("#chain-check").get_attribute("data-ok") == "true"
    page.screenshot(path=str(screenshot_dir / "erasure-log.png"), full_page=True)
