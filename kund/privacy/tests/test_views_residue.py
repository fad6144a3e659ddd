"""The single customer's erasure page and B-5: each finding of the person in kept text with the words
around it, the choice to keep a document holding the person with a reason (checked again inside the
erasure's transaction), and what stays by law in plain words."""

import pytest
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.customers.tests.register_fixtures import make_user
from kund.demo.testing.factories import Person
from kund.documents.models import Document
from kund.privacy import presenters, residue
from kund.privacy.planner import plan_customer
from kund.privacy.services import ErasureRefused, customer_anonymize
from kund.privacy.tests.residue_cases import customer_with_order, document, docx_bytes, pdf_bytes
from kund.sales.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def officer():
    return make_user("view_customer", "erase_customer", username="erik.privacy")


def _url(customer) -> str:
    return reverse("privacy:customer_erasure", args=[customer.pk])


def _listed(response) -> str:
    return response.context["form"]["listed"].value()


def _johan_with_residue():
    """Johan's phone in an order's comment, his name in one document; another document names nobody."""
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(
        internal_comment="Kontaktperson Johan Lundqvist, nås på 070-745 38 49 efter kl. 17."
    )
    letter = document(customer, "Brev", "brev.pdf", pdf_bytes("Avtal med Johan Lundqvist, Vasteras"))
    drawing = document(customer, "Ritning", "ritning.txt", b"Altan 4 x 6 m")
    return customer, order, letter, drawing


# --- shown before confirming ----------------------------------------------------------------------------


def test_b5_the_page_lists_each_finding_with_the_words_around_it(client, officer):
    # given the person written into an order's internal comment and into a PDF
    customer, order, letter, _drawing = _johan_with_residue()
    client.force_login(officer)

    # when the user opens the anonymize page
    response = client.get(_url(customer))

    # then each finding is listed with what it is and the words around it, and the document's keep box
    html = response.content.decode()
    listed = response.context["residue"]
    by_ref = {line.ref: line for line, _keep in listed}
    comment = by_ref[order.ref]
    assert comment.field_name == "internal comment"
    assert [(f.found, f.context.match) for f in comment.findings] == [
        ("name", "Johan Lundqvist"),
        ("phone number", "070-745 38 49"),
    ]
    assert "aktperson <mark>Johan Lundqvist</mark>, nås på" in html
    assert "<mark>070-745 38 49</mark> efter kl. 17." in html
    assert by_ref[letter.ref].findings[0].context.match == "Johan Lundqvist"
    assert f'name="keep_{letter.pk}"' in html and f'name="reason_{letter.pk}"' in html
    assert _listed(response) == str(letter.pk)


def test_b5_a_document_kund_cannot_read_is_listed_as_such_with_a_keep_box(client, officer):
    customer, _order = customer_with_order()
    broken = document(customer, "Avtal", "avtal.docx", b"not a docx at all")
    client.force_login(officer)

    response = client.get(_url(customer))

    (line, keep) = next((line, keep) for line, keep in response.context["residue"] if line.document_id)
    assert line.document_id == broken.pk and keep is not None
    assert line.findings[0].found.startswith("cannot be read") and line.findings[0].context is None


def test_b5_the_words_around_a_finding_are_shown_only_to_a_user_who_may_see_the_customer(officer):
    # given a user with the erasure right who may view only the customers assigned to him
    customer, _order, _letter, _drawing = _johan_with_residue()
    assigned_only = make_user("view_assigned_customer", "erase_customer", username="lisa.assigned")
    findings = plan_customer(customer).residue

    # then he sees no text of a customer not assigned to him, and the officer does
    assert presenters.residue_lines(findings, customer=customer, user=assigned_only) == []
    assert presenters.residue_lines(findings, customer=customer, user=officer)


def test_b5_a_customer_without_residue_says_so(client, officer):
    customer, _order = customer_with_order()
    Customer.objects.filter(pk=customer.pk).update(internal_info="Betalar alltid i tid.")
    client.force_login(officer)

    html = client.get(_url(customer)).content.decode()

    assert 'id="erasure-residue-none"' in html


# --- keeping a document with a reason -----------------------------------------------------------------


def test_b5_a_document_kept_with_a_reason_stays_and_the_log_says_only_kept_by_decision(client, officer):
    # given the page, and the user keeps the PDF with a reason that names the customer
    customer, order, letter, drawing = _johan_with_residue()
    other = document(customer, "Offert", "offert.docx", docx_bytes("Till johan.lundqvist@example.se"))
    client.force_login(officer)
    listed = _listed(client.get(_url(customer)))
    reason = "Tvist med Johan Lundqvist om avtalet, mål T 1234-24"

    # when the user anonymizes
    response = client.post(
        _url(customer),
        {
            "action": "anonymize",
            "confirm": "on",
            "listed": listed,
            f"keep_{letter.pk}": "on",
            f"reason_{letter.pk}": reason,
        },
    )

    # then the kept document stays with its decision (the name in the reason redacted), the other
    # document holding the person is gone, the one naming nobody stays, and the comment is redacted
    assert response.status_code == 302
    kept = Document.objects.get(pk=letter.pk)
    assert kept.kept_at is not None
    assert kept.kept_reason == "Tvist med Xxxx om avtalet, mål T 1234-24"
    assert not Document.objects.filter(pk=other.pk).exists()
    assert Document.objects.get(pk=drawing.pk).kept_at is None
    assert Order.objects.get(pk=order.pk).internal_comment == "Kontaktperson Xxxx, nås på Xxxx efter kl. 17."
    # and the erasure log counts the decision, without its words
    entry = ErasureLogEntry.objects.get(customer_number=customer.number)
    assert entry.counts["residue:kept by decision:documents.Document"] == 1
    assert entry.counts["residue:documents.Document"] == 1
    logged = str(ErasureLogEntry.objects.values().get())
    for word in ("Tvist", "T 1234-24", "Johan", "avtalet"):
        assert word not in logged


def test_b5_keeping_a_document_needs_a_reason_and_changes_nothing_without_one(client, officer):
    customer, _order, letter, _drawing = _johan_with_residue()
    client.force_login(officer)
    listed = _listed(client.get(_url(customer)))

    response = client.post(
        _url(customer),
        {"action": "anonymize", "confirm": "on", "listed": listed, f"keep_{letter.pk}": "on"},
    )

    assert response.status_code == 200
    assert "Write why the document is kept." in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None
    assert Document.objects.filter(pk=letter.pk, kept_at__isnull=True).exists()


def test_b5_a_document_added_after_the_page_was_shown_refuses_the_erasure(client, officer):
    # given the page as the user saw it, and a document naming the person uploaded after that
    customer, _order, letter, _drawing = _johan_with_residue()
    client.force_login(officer)
    listed = _listed(client.get(_url(customer)))
    late = document(customer, "Kopia", "kopia.txt", b"Johan Lundqvist, 070-745 38 49")

    # when the user confirms what the page showed
    response = client.post(_url(customer), {"action": "anonymize", "confirm": "on", "listed": listed})

    # then nothing is erased, the page says why and now lists the new document too
    assert response.status_code == 200
    assert "its documents changed since the page was shown" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None
    assert Document.objects.filter(pk__in=[letter.pk, late.pk]).count() == 2
    assert _listed(response) == f"{letter.pk},{late.pk}"


def test_b5_the_list_is_checked_inside_the_transaction(admin_user, monkeypatch):
    # given a document that appears between the service's checks and the erasure's scan
    customer, _order, letter, _drawing = _johan_with_residue()
    scan = residue._scan

    def scan_after_an_upload(*args, **kwargs):
        document(customer, "Kopia", "kopia.txt", b"Johan Lundqvist")
        monkeypatch.setattr(residue, "_scan", scan)
        return scan(*args, **kwargs)

    monkeypatch.setattr(residue, "_scan", scan_after_an_upload)

    # when the customer is anonymized with the list the page showed
    with pytest.raises(ErasureRefused):
        customer_anonymize(customer=customer, actor=admin_user, listed_documents=[letter.pk])

    # then the whole erasure was rolled back (the upload made inside it as well)
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None
    assert Document.objects.filter(pk=letter.pk).exists()
    assert not ErasureLogEntry.objects.exists()


def test_b5_a_kept_id_that_is_not_the_customers_document_holding_the_person_keeps_nothing(admin_user):
    # given another customer's document, and one of the customer's own that names nobody
    customer, _order, letter, drawing = _johan_with_residue()
    stranger, _other_order = customer_with_order(
        Person(first_name="Eva", last_name="Strand", email="eva@example.se", phone="070-555 66 77")
    )
    theirs = document(stranger, "Brev", "brev.txt", b"Hej Eva Strand")

    # when the customer is anonymized with those ids "kept"
    keep = {theirs.pk: "av misstag", drawing.pk: "ritningen behövs"}
    customer_anonymize(customer=customer, actor=admin_user, keep_documents=keep)

    # then neither carries a decision, the other customer's document is untouched, and the customer's
    # document holding the person went with the anonymization
    assert Document.objects.get(pk=theirs.pk).kept_reason == ""
    assert Document.objects.get(pk=drawing.pk).kept_at is None
    assert not Document.objects.filter(pk=letter.pk).exists()


def test_b5_the_reason_is_cleared_at_the_next_erasure_and_the_decision_stands(admin_user):
    # given a customer anonymized with a document kept by decision
    customer, _order, letter, _drawing = _johan_with_residue()
    customer_anonymize(customer=customer, actor=admin_user, keep_documents={letter.pk: "Tvist om avtalet"})
    assert Document.objects.get(pk=letter.pk).kept_reason == "Tvist om avtalet"

    # when the customer's residue is redacted again (its next erasure)
    result = residue.redact_anonymized(customer_ids=[customer.pk], actor=admin_user)

    # then the reason is gone, the document stays, and the log says it was kept by decision
    kept = Document.objects.get(pk=letter.pk)
    assert kept.kept_reason == "" and kept.kept_at is not None
    entry = ErasureLogEntry.objects.filter(action="redact").get()
    assert entry.counts == {"residue:kept by decision:documents.Document": 1}
    assert result.customers == 1
    # and later scans leave the kept document alone
    assert residue.scan_customers([customer.pk], from_vouchers=True) == {}


# --- the words: what stays ------------------------------------------------------------------------------


def test_a3_the_page_says_precisely_what_stays_and_under_which_law(client, officer):
    customer, _order = customer_with_order()
    client.force_login(officer)

    html = client.get(_url(customer)).content.decode()

    assert "nothing leads back" not in html
    assert "bokföringslagen" in html and "HGB" in html and "§257" in html
    assert "cleared once 7 years have passed after the end of their fiscal year" in html
    copies = html[html.index('id="erasure-legal-copies"') :]
    assert "Invoices (1): customer number, customer name, address" in copies
    assert "e-mail" in copies[: copies.index("</ul>")]


def test_a3_the_card_of_an_anonymized_customer_says_what_stays(client, admin_user):
    customer, _order = customer_with_order()
    customer_anonymize(customer=customer, actor=admin_user)
    client.force_login(admin_user)

    html = client.get(reverse("customers:detail", args=[customer.number])).content.decode()

    stays = html[html.index('id="anonymized-what-stays"') :]
    assert "legal copies of its details on its invoices, agreement invoices and receipts" in stays
