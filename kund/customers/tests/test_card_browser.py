"""The card in a browser (R-3, R-9): every tab of a customer with a record of each kind opens, every record
link leads to a page, and a document is uploaded, downloaded and deleted."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kund.crm.models import Activity
from kund.customers.selectors import SECTIONS
from kund.customers.tests.test_views_browser import PASSWORD, sign_in
from kund.demo.testing.factories import Person, add_owned, add_transactions, make_customer, next_number
from kund.documents.models import Document

pytestmark = pytest.mark.browser

CONTRACT = b"%PDF-1.4 Serviceavtal Bergstr\xc3\xb6m 2025"


@pytest.fixture
def full_card(db):
    get_user_model().objects.create_superuser("maria.manager", "maria@kund.test", PASSWORD)
    person = Person(first_name="Elin", last_name="Bergström", email="elin.bergstrom@example.se")
    customer = make_customer(person=person)
    rows = add_transactions(customer, person=person)
    add_owned(customer, person=person)
    Activity.objects.create(
        customer=make_customer(), number=next_number(), date=rows["activity"].date, second_customer=customer
    )
    return customer


def test_every_tab_opens_and_every_record_link_leads_to_a_page(live_server, page, screenshot_dir, full_card):
    # given
    sign_in(page, live_server, "maria.manager")
    page.goto(live_server.url + reverse("customers:detail", args=[full_card.number]))

    # when every tab is opened, its records' links are collected
    links: list[tuple[str, str, bool]] = []
    for section in SECTIONS:
        page.click(f"#tab-{section.key}")
        pane = page.locator(f"#pane-{section.key}")
        pane.wait_for(state="visible")
        anchors = pane.locator(f'a[data-record="{section.key}"], a[data-download="{section.key}"]')
        assert anchors.count() >= 1, section.key
        for i in range(anchors.count()):
            anchor = anchors.nth(i)
            links.append(
                (section.key, anchor.get_attribute("href"), anchor.get_attribute("data-download") is not None)
            )
    page.screenshot(path=str(screenshot_dir / "customer-card-all-kinds.png"), full_page=True)

    # then each link opens: a page that names the record, or a download
    for key, href, is_download in links:
        if is_download:
            assert page.request.get(live_server.url + href).status == 200, key
        else:
            response = page.goto(live_server.url + href)
            assert response.status == 200, (key, href)
            assert page.locator("h1").count() == 1


def test_upload_download_and_delete_a_document(live_server, page, screenshot_dir, full_card):
    # given
    sign_in(page, live_server, "maria.manager")
    page.goto(live_server.url + reverse("customers:detail", args=[full_card.number]))
    page.click("#tab-documents")

    # when a document is uploaded from the documents tab
    page.fill("#document-upload input[name=title]", "Serviceavtal 2025")
    page.set_input_files(
        "#document-upload input[name=file]",
        files=[{"name": "avtal.pdf", "mimeType": "application/pdf", "buffer": CONTRACT}],
    )
    page.click("#document-upload-submit")
    page.wait_for_url("**/?tab=documents")

    # then it is listed, open, and downloads as it was sent
    document = Document.objects.get(customer=full_card, title="Serviceavtal 2025")
    row = page.locator("#pane-documents tr", has_text="Serviceavtal 2025")
    assert row.is_visible()
    with page.expect_download() as info:
        row.locator("a[data-download]").click()
    assert info.value.suggested_filename == f"{document.ref}.pdf"
    assert Path(info.value.path()).read_bytes() == CONTRACT

    # when it is deleted, after the confirmation
    row.locator("a[data-delete-document]").click()
    assert "Serviceavtal 2025" in page.locator("#document-delete-question").inner_text()
    page.click("#document-delete-confirm")
    page.wait_for_url("**/?tab=documents")

    # then it is gone
    assert page.locator("#pane-documents tr", has_text="Serviceavtal 2025").count() == 0
    assert not Document.objects.filter(pk=document.pk).exists()
