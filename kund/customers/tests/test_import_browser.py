"""R-8 and B-1 in a browser: upload a register, see the check, import; open a customer's access export.
Saves screenshots under build/screenshots/."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kund.customers.models import Customer
from kund.customers.tests.test_import import SWEDISH_HEADERS, csv_bytes, register_rows

PASSWORD = "correct-horse-battery"


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


@pytest.mark.browser
def test_r8_upload_check_and_import_in_the_browser(page, live_server, screenshot_dir, tmp_path, db):
    # given: a register with two bad rows, then the corrected one
    get_user_model().objects.create_superuser("registrator", "registrator@kund.test", PASSWORD)
    rows = register_rows(40)
    bad = [list(row) for row in rows]
    bad[3][6] = "karin.holm(at)example.se"
    bad[20][9] = "12"
    bad_file, good_file = tmp_path / "kunder-fel.csv", tmp_path / "kunder.csv"
    bad_file.write_bytes(csv_bytes(SWEDISH_HEADERS, bad))
    good_file.write_bytes(csv_bytes(SWEDISH_HEADERS, rows))
    sign_in(page, live_server, "registrator")

    # when: the file with errors
    page.goto(live_server.url + reverse("customer_import:upload"))
    page.screenshot(path=str(screenshot_dir / "import-upload.png"), full_page=True)
    page.set_input_files("#id_file", str(bad_file))
    page.click("#import-upload-submit")

    # then: every bad row, no import button
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors tbody tr").count() == 2
    assert page.locator("#import-confirm").count() == 0
    page.screenshot(path=str(screenshot_dir / "import-errors.png"), full_page=True)

    # when: discard, upload the corrected file and import
    page.click("#import-discard")
    page.set_input_files("#id_file", str(good_file))
    page.click("#import-upload-submit")
    page.wait_for_selector("#import-ok")
    page.screenshot(path=str(screenshot_dir / "import-preview.png"), full_page=True)
    page.click("#import-confirm")

    # then
    page.wait_for_selector("#messages .alert-success")
    assert Customer.objects.count() == 40


@pytest.mark.browser
def test_b1_access_export_page_in_the_browser(page, live_server, screenshot_dir, db):
    admin = get_user_model().objects.create_superuser("dataskydd", "dpo@kund.test", PASSWORD)
    from kund.customers.services import customer_create

    customer = customer_create(
        actor=admin,
        data={
            "kind": "private",
            "first_name": "Karin",
            "last_name": "Holm",
            "email": "karin.holm@example.se",
            "phone": "070-123 45 67",
            "invoice_address1": "Ågatan 3",
            "invoice_postal_code": "582 22",
            "invoice_city": "Linköping",
        },
    )
    sign_in(page, live_server, "dataskydd")

    page.goto(live_server.url + reverse("access_export_html", args=[customer.pk]))

    page.wait_for_selector("#section-customer")
    assert "karin.holm@example.se" in page.content()
    page.screenshot(path=str(screenshot_dir / "access-export.png"), full_page=False)
