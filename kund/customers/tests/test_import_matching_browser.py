"""SPEC §8 in a browser: export the customer list, import the file back unchanged (no error, no change),
then with three rows edited (three customers' changes shown, then applied). Every page is reached through
the links a user would follow. Saves screenshots under build/screenshots/."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer
from kund.customers.tests.register_fixtures import new_company, new_private
from kund.customers.tests.test_import_matching import edited
from kund.demo.seeder import seed_demo

PASSWORD = "correct-horse-battery"


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")


def upload(page, path) -> None:
    page.set_input_files("#id_file", str(path))
    page.click("#import-upload-submit")
    page.wait_for_selector("#import-plan")


@pytest.mark.browser
def test_r8_export_the_list_and_import_it_back_unchanged_then_edited(
    page, live_server, screenshot_dir, tmp_path, db
):
    # given a register with the demo's customers, and an office manager
    seed_demo(customers=12, seed=21)
    person = new_private(phone="0701234567")
    company = new_company()
    other = new_private(
        first_name="Maja",
        last_name="Wahlström",
        organisation_number="19810807-4884",
        email="maja.wahlstrom@example.se",
        invoice_city="Umeå",
    )
    manager = get_user_model().objects.create_superuser("kontorschef", "chef@kund.test", PASSWORD)
    count = Customer.objects.count()
    sign_in(page, live_server, "kontorschef")

    # when she exports the list
    page.click("#nav-customers")
    with page.expect_download() as download:
        page.click("#export-csv")
    exported = tmp_path / "kunder.csv"
    download.value.save_as(exported)

    # and uploads the file as it is
    page.click("#customer-import")
    upload(page, exported)

    # then the check finds no error and nothing to change, and offers nothing to import
    assert page.text_content("#import-count-errors") == "0"
    assert page.text_content("#import-count-changed") == "0"
    assert page.text_content("#import-count-new") == "0"
    listed = Customer.objects.not_anonymized().count()  # the list, and so its export, leaves them out
    assert page.text_content("#import-count-unchanged") == str(listed)
    assert page.locator("#import-nothing").is_visible()
    assert page.locator("#import-confirm").count() == 0
    page.screenshot(path=str(screenshot_dir / "import-unchanged.png"), full_page=True)

    # when she edits three rows and uploads the file instead
    changed = tmp_path / "kunder-andrade.csv"
    changed.write_bytes(
        edited(
            exported.read_bytes(),
            "csv",
            {
                person.number: {"last_name": "Lindqvist-Berg"},
                company.number: {"email": "order@ohrlings-bygg.se"},
                other.number: {"city": "Skellefteå"},
            },
        )
    )
    page.click("#import-discard")
    upload(page, changed)

    # then three customers' changes are shown, field by field, old and new
    assert page.text_content("#import-count-changed") == "3"
    assert page.text_content("#import-count-errors") == "0"
    assert page.locator("#import-changes tr.import-change-first").count() == 3
    table = page.text_content("#import-changes")
    for text in ("Last name", "Lindqvist-Berg", "E-mail", "order@ohrlings-bygg.se", "Skellefteå", "Umeå"):
        assert text in table
    page.screenshot(path=str(screenshot_dir / "import-changes.png"), full_page=True)

    # when she imports
    page.click("#import-confirm")

    # then the customers are changed, and their cards show the change in the history
    page.wait_for_selector("#messages .alert-success")
    assert "Updated 3 customers." in page.text_content("#messages")
    assert Customer.objects.count() == count
    assert Customer.objects.get(pk=other.pk).invoice_city == "Skellefteå"
    assert ChangeRecord.objects.filter(actor=manager, event=ChangeRecord.Event.CHANGED).count() == 4
    page.click("#nav-customers")
    page.click(f"tr[data-customer='{other.number}'] a >> nth=0")
    page.wait_for_selector("h1")
    assert "Skellefteå" in page.content()
