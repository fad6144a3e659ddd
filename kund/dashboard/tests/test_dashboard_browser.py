"""B-11 and B-7 in a browser: the dashboard as the start page, its chart drawn by Chart.js from the page's
own data, readable at 1366 px and on a phone; a figure leads to its list; a request goes from received
to answered on its page. Saves the screenshots the README shows."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kund.audit import erasure_log
from kund.customers.tests.register_fixtures import anonymize, new_company, new_private
from kund.requests import services
from kund.requests.deadlines import add_months
from kund.requests.models import DataRequest

PASSWORD = "correct-horse-battery"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


@pytest.fixture
def office(db):
    """A register with a year of erasures and requests in every state of urgency."""
    manager = get_user_model().objects.create_superuser("maria.manager", "maria@kund.test", PASSWORD)
    for i in range(6):
        new_private(first_name="Karin", last_name=f"Ek{i}", email=f"karin{i}@example.se")
    new_private(first_name="Jonas", last_name="Berg", email="jonas@example.se", status="inactive")
    for i in range(3):
        new_company(name=f"Bygg {i} AB", organisation_number="", email=f"bygg{i}@example.se")
    anonymize(new_private(first_name="Kalle", last_name="Glömd", email="kalle@example.se"))
    today = timezone.localdate()
    for back in range(12):
        month = add_months(today.replace(day=1), -back)
        at = datetime(month.year, month.month, 10, 14, 0, tzinfo=STOCKHOLM)
        for action, n in (("delete", 1 + back % 3), ("anonymize", 2 + (back * 5) % 7)):
            with transaction.atomic():  # as in an erasure: the log's head is locked while appending
                erasure_log.append(
                    [{"customer_number": f"7{back}{i}", "action": action, "counts": {}} for i in range(n)],
                    actor_username="maria.manager",
                    at=at,
                )
    overdue = services.request_register(
        actor=manager, kind="erasure", received_on=today - timedelta(days=40), contact="Lena Nyström (brev)"
    )
    services.request_register(
        actor=manager,
        kind="access",
        received_on=add_months(today, -1) + timedelta(days=4),
        contact="Anders Holm",
    )
    services.request_register(actor=manager, kind="access", received_on=today, contact="Eva Lind")
    return {"manager": manager, "overdue": overdue}


def _fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_b11_the_dashboard_is_the_start_page_at_1366_px_and_on_a_phone(
    live_server, page, screenshot_dir, office
):
    # given a manager, on a laptop screen
    page.set_viewport_size(DESKTOP)

    # when signing in
    sign_in(page, live_server, "maria.manager")

    # then the start page is the dashboard, its chart drawn from the page's data
    page.wait_for_selector("#erasure-chart[data-ready='1']")
    drawn = page.evaluate(
        "() => window.kundErasureChart.data.datasets.map(set => set.data.reduce((a, b) => a + b, 0))"
    )
    assert sum(drawn) == sum(1 + back % 3 + 2 + (back * 5) % 7 for back in range(12))
    assert page.locator('#customer-counts tr[data-kind="private"] [data-figure="active"]').inner_text() == "6"
    assert page.locator("#dash-overdue .fs-3").inner_text() == "1"
    assert page.locator("#dash-due-soon .fs-3").inner_text() == "1"
    assert page.locator("#retention-empty").is_visible()
    assert _fits_the_width(page)
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)

    # and on a phone every section is there, one under the other, without sideways scrolling
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#erasure-chart[data-ready='1']")
    assert _fits_the_width(page)
    assert page.evaluate(  # the customer table needs no scrolling of its own either
        "() => { const t = document.querySelector('#dash-customers .table-responsive');"
        " return t.scrollWidth <= t.clientWidth; }"
    )
    boxes = [page.locator(f"#dash-{name}").bounding_box() for name in ("customers", "requests", "erasures")]
    assert all(box["width"] <= PHONE["width"] for box in boxes)
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    page.screenshot(path=str(screenshot_dir / "dashboard-phone.png"), full_page=True)

    # and a figure leads to the list behind it
    page.set_viewport_size(DESKTOP)
    page.click("#dash-overdue")
    page.wait_for_url(f"{live_server.url}{reverse('requests:list')}?show=overdue")
    assert page.locator("#request-list tbody tr[data-request]").count() == 1
    assert page.locator(f'tr[data-request="{office["overdue"].pk}"] [data-deadline="overdue"]').is_visible()


@pytest.mark.browser
def test_b7_a_request_from_received_to_refused_in_a_browser(live_server, page, office):
    # given
    sign_in(page, live_server, "maria.manager")
    page.click("#nav-requests")
    page.click("#request-create")

    # when a request is registered without saying who asked, the form says so beside the field
    page.select_option("#id_kind", "access")
    page.fill("#id_received_on", (date.today() - timedelta(days=2)).isoformat())
    page.click("#request-submit")
    assert page.locator('[data-field-error="contact"]').is_visible()

    # and then with it
    page.fill("#id_contact", "Sofia Åberg, sofia.aberg@example.se")
    page.click("#request-submit")
    page.wait_for_selector("#request-state[data-state='received']")

    # the identity is checked, and the request refused with a reason
    page.select_option("#id_method", "known_contact")
    page.click("#identity-submit")
    page.wait_for_selector("#request-state[data-state='identity_checked']")
    page.fill("#id_refuse_reason", "Ingen kund med dessa uppgifter finns i registret.")
    page.click("#refuse-submit")
    page.wait_for_selector("#request-state[data-state='refused']")

    # then
    request = DataRequest.objects.get(contact__startswith="Sofia")
    assert request.state == "refused" and request.identity_method == "known_contact"
    assert "Ingen kund" in page.locator("#request-refusal").inner_text()
