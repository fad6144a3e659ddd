"""SPEC §9 (B-5): `kund erasure_plan --json`'s residue and `kund residue_scan` — output, exit statuses,
rights, and the redaction of residue left in customers anonymized before Kund redacted it."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.documents.models import Document
from kund.privacy import residue
from kund.privacy.services import customer_anonymize
from kund.privacy.tests.residue_cases import JOHAN, customer_with_order, document
from kund.sales.models import Order

pytestmark = pytest.mark.django_db

PERSONAL = ("Johan", "Lundqvist", "070-745", "073-111", "800101", "johan.lundqvist")


def run(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return str(exc), exc.returncode
    return out.getvalue(), 0


def test_erasure_plan_json_lists_the_residue_where_never_what(admin_user):
    # given the customer's phone number in an order's internal comment
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Johan nås på 070-745 38 49")
    # when the plan is asked for
    text, status = run("erasure_plan", customer.number, "--json")
    # then it names the record, the field and what kind of detail is there, and not the detail
    assert status == 0
    plan = json.loads(text)
    assert {"kind": "order", "ref": order.ref, "field": "internal_comment", "found": "phone"} in plan[
        "residue"
    ]
    assert all(set(found) == {"kind", "ref", "field", "found"} for found in plan["residue"])
    for value in PERSONAL:
        assert value not in text


def test_erasure_plan_text_names_the_residue_too(admin_user):
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Johan nås på 070-745 38 49")
    text, status = run("erasure_plan", customer.number)
    assert status == 0 and f"order {order.ref}, internal comment (a phone number)" in text
    assert "070-745" not in text


@pytest.fixture
def anonymized_with_residue(admin_user, monkeypatch):
    """A customer anonymized as Kund did before B-5: the person left in kept text and a document."""
    customer, order = customer_with_order()
    Customer.objects.filter(pk=customer.pk).update(info="Kontaktperson Johan Lundqvist, 070-745 38 49")
    Order.objects.filter(pk=order.pk).update(internal_comment="Skicka till johan.lundqvist@example.se")
    letter = document(customer, "Brev", "brev.txt", b"Hej Johan Lundqvist!")
    with monkeypatch.context() as patch:
        patch.setattr(residue, "redact_chunk", lambda *args, **kwargs: {})
        customer_anonymize(customer=customer, actor=admin_user)
    return customer, order, letter


def test_residue_scan_finds_residue_left_in_anonymized_customers(anonymized_with_residue):
    customer, order, letter = anonymized_with_residue
    text, status = run("residue_scan", "--anonymized", "--json")
    assert status == 0
    counts = json.loads(text)
    assert counts["customers"] == 1 and counts["redacted"] == 0 and counts["scanned"] == 1
    # the name (known from the invoice's legal copy), the phone, the e-mail address and the letter
    assert counts["findings"] >= 4
    # nothing changed
    assert Document.objects.filter(pk=letter.pk).exists()
    assert "Johan Lundqvist" in Customer.objects.get(pk=customer.pk).info


def test_residue_scan_text_says_where_never_what(anonymized_with_residue):
    customer, order, letter = anonymized_with_residue
    text, status = run("residue_scan", "--anonymized")
    assert status == 0
    assert f"customer {customer.number}: order {order.ref}, internal comment (an e-mail address)" in text
    assert f"customer {customer.number}: document {letter.ref}, file (the name)" in text
    for value in PERSONAL:
        assert value not in text


def test_residue_scan_redacts_with_yes_and_logs_it(anonymized_with_residue):
    # given residue left in an anonymized customer
    customer, order, letter = anonymized_with_residue
    logged = ErasureLogEntry.objects.count()
    # when it is redacted
    text, status = run("residue_scan", "--anonymized", "--redact", "--yes", "--json")
    # then the words are Xxxx, the letter is gone, and one log row without personal data says so
    assert status == 0
    counts = json.loads(text)
    assert counts["customers"] == 1 and counts["redacted"] == counts["findings"] >= 4
    assert Customer.objects.get(pk=customer.pk).info == "Kontaktperson Xxxx, Xxxx"
    order.refresh_from_db()
    assert order.internal_comment == "Skicka till Xxxx"
    assert not Document.objects.filter(pk=letter.pk).exists()
    entry = ErasureLogEntry.objects.order_by("sequence").last()
    assert ErasureLogEntry.objects.count() == logged + 1
    assert (entry.customer_number, entry.action) == (customer.number, "redact")
    assert entry.counts == {
        "residue:customers.Customer": 1,
        "residue:sales.Order": 1,
        "residue:documents.Document": 1,
    }
    assert run("verify_erasure_log")[1] == 0
    # and a second scan finds nothing
    assert json.loads(run("residue_scan", "--anonymized", "--json")[0])["findings"] == 0


def test_residue_scan_redact_needs_yes_and_anonymized_customers(anonymized_with_residue):
    customer, _order, _letter = anonymized_with_residue
    text, status = run("residue_scan", "--anonymized", "--redact")
    assert status == 2 and "--yes" in text
    text, status = run("residue_scan", "--redact", "--yes")
    assert status == 2 and "--anonymized" in text
    assert "Johan Lundqvist" in Customer.objects.get(pk=customer.pk).info


def test_residue_scan_redacting_needs_the_erasure_right(anonymized_with_residue, clerk):
    customer, _order, _letter = anonymized_with_residue
    text, status = run("residue_scan", "--anonymized", "--redact", "--yes", "--as", "clerk")
    assert status == 1 and "right" in text
    assert "Johan Lundqvist" in Customer.objects.get(pk=customer.pk).info
    # scanning needs only the view right
    text, status = run("residue_scan", "--anonymized", "--json", "--as", "clerk")
    assert status == 0 and json.loads(text)["customers"] == 1


def test_residue_scan_needs_a_user_who_may_view_customers(anonymized_with_residue):
    get_user_model().objects.create_user("guest", "guest@kund.test", "pw")
    text, status = run("residue_scan", "--anonymized", "--as", "guest")
    assert status == 1 and "right" in text
    assert run("residue_scan", "--as", "nobody")[1] == 2


def test_residue_scan_without_anonymized_shows_what_anonymizing_would_redact(admin_user):
    customer, order = customer_with_order(JOHAN)
    Order.objects.filter(pk=order.pk).update(internal_comment="Johan Lundqvist ringer")
    text, status = run("residue_scan", "--json")
    assert status == 0
    counts = json.loads(text)
    # the order's comment, and the factory's internal information with the mobile number
    assert counts == {"customers": 1, "findings": 2, "redacted": 0, "scanned": 1}
