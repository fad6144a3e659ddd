"""The customer portal in a browser (SPEC R-10): staff invite a customer's technician; on a phone-sized
screen (375 × 740) the invited person sets a password, signs in, reads a service protocol and reports a
fault with a photo; the responsible technician sees it on the customer card. Saves the screenshots the
README shows (build/screenshots/portal-*.png)."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.customers.services import customer_assign
from kund.customers.tests.register_fixtures import new_company
from kund.demo.seeder import _png
from kund.demo.testing.factories import next_number
from kund.service.models import FaultReport, Installation, ServiceOrder, ServiceProtocol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "correct-horse-battery"
PORTAL_PASSWORD = "Blåbärsskog-i-Sundbyberg-26"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def portal_data(db):
    """A company with a heat pump, its yearly service and the protocol; a manager who may invite portal
    users; and the technician responsible for the company."""
    manager = get_user_model().objects.create_superuser("maria.manager", "maria@kund.test", STAFF_PASSWORD)
    technician = get_user_model().objects.create_user("tomas.tekniker", "tomas@kund.test", STAFF_PASSWORD)
    technician.user_permissions.add(Permission.objects.get(codename="view_customer"))
    customer = new_company(
        actor=manager, visit_address1="Industrivägen 4", visit_postal_code="172 66", visit_city="Sundbyberg"
    )
    customer_assign(customer=customer, actor=manager, responsible=technician)
    installation = Installation.objects.create(
        customer=customer,
        number=next_number(),
        description="Bergvärmepump NIBE S1255",
        serial_number="SN-06612390",
        installed_on=date(2023, 9, 12),
        site_address="Industrivägen 4",
        site_postal_code="172 66",
        site_city="Sundbyberg",
    )
    order = ServiceOrder.objects.create(
        customer=customer,
        installation=installation,
        number=next_number(),
        date=date(2025, 10, 2),
        status=ServiceOrder.Status.DONE,
        description="Årlig service av värmepump",
    )
    protocol = ServiceProtocol.objects.create(
        customer=customer,
        service_order=order,
        number=next_number(),
        date=date(2025, 10, 2),
        text="Filter bytt. Köldmedium kontrollerat, inga läckor.\nTryckvakt justerad.",
        signed_by="Tomas Tekniker",
    )
    return {"customer": customer, "protocol": protocol, "technician": technician}


def _staff_sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


def _loaded_photo_width(page, selector: str) -> int:
    """The width of the photo an <img> shows, once the browser has loaded it through the download view."""
    page.wait_for_function(
        "(selector) => { const img = document.querySelector(selector); return img && img.complete; }",
        arg=selector,
    )
    return page.locator(selector).evaluate("img => img.naturalWidth")


def _fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_r10_invite_set_password_sign_in_on_a_phone_read_a_protocol_report_a_fault(
    live_server, browser, page, screenshot_dir, tmp_path, portal_data
):
    customer, protocol = portal_data["customer"], portal_data["protocol"]

    # given: the manager invites the company's caretaker from the customer card
    _staff_sign_in(page, live_server, "maria.manager")
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    page.click("#portal-panel-manage")
    page.click("#customer-user-invite")
    page.fill("#id_email", "karin.lund@ohrlings-bygg.se")
    page.fill("#id_name", "Karin Lund")
    page.click("#customer-user-invite-send")
    invitation = page.locator("#invitation-url").input_value()
    assert "/portal/invitation/" in invitation
    page.screenshot(path=str(screenshot_dir / "portal-invitation.png"), full_page=True)

    # when: on her phone, she opens the link and chooses a password
    phone = browser.new_context(
        locale="en-GB", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(10_000)
    mobile = phone.new_page()
    mobile.goto(invitation)
    assert _fits_the_screen(mobile)
    mobile.fill("#id_new_password1", PORTAL_PASSWORD)
    mobile.fill("#id_new_password2", PORTAL_PASSWORD)
    mobile.click("#portal-set-password")

    # and signs in at /portal/ with her e-mail address
    mobile.wait_for_url(f"{live_server.url}/portal/")
    mobile.fill("#id_username", "karin.lund@ohrlings-bygg.se")
    mobile.fill("#id_password", PORTAL_PASSWORD)
    mobile.screenshot(path=str(screenshot_dir / "portal-sign-in.png"), full_page=True)
    mobile.click("#portal-sign-in")
    mobile.wait_for_selector("#portal-welcome")
    assert "Karin Lund" in mobile.locator("#portal-welcome").inner_text()
    assert _fits_the_screen(mobile)
    mobile.screenshot(path=str(screenshot_dir / "portal-home.png"), full_page=True)

    # then she reads the service protocol, through the phone's menu
    mobile.click(".navbar-toggler")
    mobile.click("#portal-nav-protocols")
    mobile.click(f'[data-protocol="{protocol.ref}"]')
    assert "Tryckvakt justerad" in mobile.locator("#portal-protocol-text").inner_text()
    assert _fits_the_screen(mobile)
    mobile.screenshot(path=str(screenshot_dir / "portal-protocol.png"), full_page=True)

    # and reports a fault on the heat pump with a photo
    photo = tmp_path / "IMG_4711.png"
    photo.write_bytes(_png((180, 40, 40), size=120))
    mobile.click("text=Report a fault on this installation")
    mobile.fill("#id_description", "Värmepumpen piper och visar larm E-041 sedan i morse.")
    mobile.fill("#id_phone", "070-555 12 34")
    mobile.set_input_files("#id_file", str(photo))
    assert _fits_the_screen(mobile)
    mobile.screenshot(path=str(screenshot_dir / "portal-fault-form.png"), full_page=True)
    mobile.click("#portal-fault-send")
    mobile.wait_for_selector("#portal-fault")
    report = FaultReport.objects.get(customer=customer, description__startswith="Värmepumpen piper")
    assert _loaded_photo_width(mobile, "#portal-fault-files img") == 120
    assert mobile.locator('[data-fault-state="open"]').is_visible()
    mobile.screenshot(path=str(screenshot_dir / "portal-fault.png"), full_page=True)
    phone.close()

    # and the responsible technician sees it: notified, on the customer card, with the photo
    page.context.clear_cookies()
    _staff_sign_in(page, live_server, "tomas.tekniker")
    assert page.locator("#notification-count").inner_text().startswith("2")  # assigned, and the fault
    page.goto(live_server.url + reverse("customers:notifications"))
    assert "A fault was reported" in page.locator("#notification-list").inner_text()
    page.goto(f"{live_server.url}/customers/{customer.number}/")
    page.click("#tab-fault_reports")
    assert page.locator('#pane-fault_reports table[data-section="fault_reports"] tbody tr').count() == 1
    page.click(f'#portal-panel-faults [data-fault="{report.ref}"]')
    page.wait_for_selector("#fault-report")
    assert "tomas.tekniker" in page.locator("#fault-report-responsible").inner_text()
    assert "E-041" in page.locator("#fault-report-description").inner_text()
    assert _loaded_photo_width(page, "#fault-report-files img") == 120
    page.screenshot(path=str(screenshot_dir / "portal-staff-fault.png"), full_page=True)
