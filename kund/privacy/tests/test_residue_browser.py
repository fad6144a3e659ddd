"""B-5 in a browser: the anonymize page shows each finding of the person with the words around it, the
user keeps one document with a reason (its box and reason sit beside the finding, outside the form, and
go with it), and anonymizes. Screenshots go to build/screenshots/."""

import pytest
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.documents.models import Document
from kund.privacy.tests.residue_cases import customer_with_order, document, pdf_bytes
from kund.privacy.tests.test_browser import _user, sign_in
from kund.sales.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_b5_the_findings_are_shown_in_context_and_a_document_is_kept_with_a_reason(
    live_server, page, screenshot_dir
):
    # given Johan's phone in an order's comment and his name in two documents
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Johan Lundqvist ringer från 070-745 38 49")
    contract = document(customer, "Avtal", "avtal.pdf", pdf_bytes("Avtal med Johan Lundqvist"))
    letter = document(customer, "Brev", "brev.txt", b"Hej Johan Lundqvist!")
    _user("erik.privacy", "view_customer", "erase_customer")
    sign_in(page, live_server, "erik.privacy")

    # when the user opens the anonymize page
    page.goto(live_server.url + reverse("privacy:customer_erasure", args=[customer.pk]))

    # then each finding is shown with the words around it
    findings = page.locator("#erasure-residue-list")
    assert "ringer från 070-745 38 49" in findings.inner_text()
    assert findings.locator("mark").all_inner_texts().count("Johan Lundqvist") == 3
    assert "bokföringslagen" in page.locator("#erasure-what-stays").inner_text()

    # and the user keeps the contract with a reason, ticks the confirmation and anonymizes
    page.locator(f"#id_keep_{contract.pk}").check()
    page.locator(f"#id_reason_{contract.pk}").fill("Avtalet tvistas, mål T 1234-24")
    page.screenshot(path=str(screenshot_dir / "anonymize-residue.png"), full_page=True)
    page.locator("#id_confirm").check()
    page.locator("#erasure-submit").click()
    page.wait_for_url(f"**/customers/{customer.number}/")

    # then the contract stays with its reason, the letter is gone, the comment is redacted
    kept = Document.objects.get(pk=contract.pk)
    assert kept.kept_reason == "Avtalet tvistas, mål T 1234-24" and kept.kept_at is not None
    assert not Document.objects.filter(pk=letter.pk).exists()
    assert Order.objects.get(pk=order.pk).internal_comment == "Xxxx ringer från Xxxx"
    entry = ErasureLogEntry.objects.get(customer_number=customer.number)
    assert entry.counts["residue:kept by decision:documents.Document"] == 1
