"""SPEC B-5: the residue scan (kund.privacy.residue) and its redaction in the same transaction as the
anonymization, through the real engine."""

import io
import json

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer, CustomField, CustomFieldValue
from kund.demo.testing.factories import Person
from kund.documents.models import Document
from kund.privacy import residue
from kund.privacy.planner import plan_customer
from kund.privacy.residue import (
    EMAIL,
    NAME,
    ORGANISATION_NUMBER,
    PERSONAL_NUMBER,
    PHONE,
    UNREADABLE,
    details_for,
    find,
    redact,
)
from kund.privacy.services import customer_anonymize, erase_customers
from kund.privacy.tests.residue_cases import (
    LOOK_ALIKES,
    customer_with_order,
    document,
    docx_bytes,
    pdf_bytes,
    scanned_pdf_bytes,
)
from kund.sales.models import Order

pytestmark = pytest.mark.django_db

JOHANS = details_for(
    first_name="Johan",
    last_name="Lundqvist",
    names=["Johan Lundqvist", "Anna Wahlström"],
    emails=["ANNA.Svensson@Example.se"],
    phones=["070-123 45 67", "073-111 22 33"],
    numbers=["19800101-1234"],
)


def found(text: str, details=JOHANS) -> list[tuple[str, str]]:
    return [(hit.found, text[hit.start : hit.end]) for hit in find(text, details)]


# --- the scanner, text by text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "070-123 45 67",
        "070-1234567",
        "070 123 45 67",
        "0701234567",
        "+46 70 123 45 67",
        "+46 (0)70 123 45 67",
        "+46701234567",
        "0046 70 123 45 67",
        "(070) 123 45 67",
    ],
)
def test_own_phone_is_found_as_a_number_whatever_its_spacing(spelling):
    assert found(f"Nås på {spelling} efter kl. 17.") == [(PHONE, spelling)]


@pytest.mark.parametrize(
    "spelling",
    [
        "070-123 45 67",
        "0701234567",
        "+46 70 123 45 67",
        "+46 (0)70 123 45 67",
        "0046 70 123 45 67",
        "+46701234567",
    ],
)
def test_own_phone_is_compared_as_a_number_even_where_phonenumbers_finds_nothing(spelling, monkeypatch):
    monkeypatch.setattr(residue, "PhoneNumberMatcher", lambda *args, **kwargs: [])
    assert found(f"Tel:{spelling}.") == [(PHONE, spelling)]
    assert found(f"Tel {spelling}1") == []  # a longer number is another number


def test_own_phone_is_found_next_to_another_number():
    text = "Tel 070-123 45 67 073-111 22 33"
    assert found(text) == [(PHONE, "070-123 45 67"), (PHONE, "073-111 22 33")]


@pytest.mark.parametrize("spelling", ["19800101-1234", "800101-1234", "8001011234", "198001011234"])
def test_own_personal_number_is_found_with_or_without_century_and_separator(spelling):
    # 19800101-1234 fails the checksum: the customer's own number is found all the same
    assert found(f"Pnr: {spelling}.") == [(PERSONAL_NUMBER, spelling)]


def test_own_organisation_number_of_a_company():
    company = details_for(kind=Customer.Kind.COMPANY, names=["Lundqvist Bygg AB"], numbers=["556677-8899"])
    assert found("Org.nr 5566778899, Lundqvist Bygg AB", company) == [
        (ORGANISATION_NUMBER, "5566778899"),
        (NAME, "Lundqvist Bygg AB"),
    ]


@pytest.mark.parametrize("spelling", ["anna.svensson@example.se", "ANNA.Svensson@Example.se"])
def test_own_email_is_found_whatever_its_case(spelling):
    assert found(f"({spelling})") == [(EMAIL, spelling)]


@pytest.mark.parametrize(
    "spelling",
    ["Johan Lundqvist", "JOHAN LUNDQVIST", "johan  lundqvist", "Johan\nLundqvist", "Lundqvist", "Lundqvists"],
)
def test_own_name_is_found_whatever_its_case_and_spacing(spelling):
    assert found(f"Kontakt: {spelling}, tack") == [(NAME, spelling)]


@pytest.mark.parametrize(
    "spelling", ["Anna Wahlström", "Wahlström", "Wahlstrom", "WAHLSTRÖM", "Wahlstro\u0308m"]
)
def test_contact_persons_name_is_found_without_regard_to_diacritics(spelling):
    assert found(f"{spelling}!") == [(NAME, spelling)]


def test_first_name_alone_short_last_name_alone_and_a_name_inside_a_word_are_not_names():
    ek = details_for(first_name="Per", last_name="Ek", names=["Per Ek"])
    assert found("Per ringer. Ek och Ekholm.", ek) == []
    assert found("Per Ek ringer.", ek) == [(NAME, "Per Ek")]
    assert found("Johan ringer från Lundqvistgatan.") == []


def test_any_email_phone_and_valid_personal_or_organisation_number_is_found_whoever_it_belongs_to():
    text = (
        "Lars Johansson ringer från 013-56 71 37 eller 08-123 456, lars@firma.se. "
        "Pnr 811218-9876, org.nr 556677-8899."
    )
    assert found(text) == [
        (PHONE, "013-56 71 37"),
        (PHONE, "08-123 456"),
        (EMAIL, "lars@firma.se"),
        (PERSONAL_NUMBER, "811218-9876"),
        (ORGANISATION_NUMBER, "556677-8899"),
    ]


def test_numbers_that_fail_the_checksum_are_not_someone_elses_personal_number():
    assert found("Referens 811218-9875 och 556677-8898") == []


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_personal_data(text):
    assert found(text) == []
    assert found(text, None) == []


def test_a_name_inside_an_email_address_is_one_finding():
    assert found("Skriv till johan.lundqvist@example.se") == [(EMAIL, "johan.lundqvist@example.se")]


def test_redaction_replaces_the_words_and_keeps_the_rest():
    text = "Kontaktperson Johan Lundqvist, nås på 073-111 22 33 efter kl. 17."
    assert redact(text, find(text, JOHANS)) == "Kontaktperson Xxxx, nås på Xxxx efter kl. 17."
    assert redact(
        "Lars Johansson ringer från 013-56 71 37", find("Lars Johansson ringer från 013-56 71 37")
    ) == ("Lars Johansson ringer från Xxxx")


# --- documents ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content",
    [
        ("brev.txt", b"Hej Johan Lundqvist!\n"),
        ("brev.txt", "Hälsningar från Västerås, Johan Lundqvist\n".encode("cp1252")),
        ("kunder.csv", b"namn;telefon\nJohan Lundqvist;070-123 45 67\n"),
        ("avtal.pdf", pdf_bytes("Avtal", "Johan Lundqvist, 070-123 45 67")),
        ("avtal.docx", docx_bytes("Avtal", "Kontakt: Johan Lundqvist")),
        ("tabell.docx", docx_bytes("Kontaktlista", table_cell="070-123 45 67")),
    ],
)
def test_document_text_is_read_in_each_format(name, content):
    stored = default_storage.save(f"documents/test/{name}", io.BytesIO(content))
    text = residue.document_text(stored)
    assert text is not None and find(text, JOHANS)


@pytest.mark.parametrize(
    "name,content",
    [
        ("skannat.pdf", scanned_pdf_bytes()),
        ("trasig.pdf", b"%PDF-1.4 avtal"),
        ("trasig.docx", b"PK\x03\x04 inte en docx"),
        ("bild.jpg", b"\xff\xd8\xff\xe0 JFIF"),
    ],
)
def test_a_file_that_cannot_be_read_is_unreadable_not_passed(name, content):
    stored = default_storage.save(f"documents/test/{name}", io.BytesIO(content))
    assert residue.document_text(stored) is None


def test_a_file_over_the_cap_or_missing_is_unreadable(monkeypatch):
    stored = default_storage.save("documents/test/stor.txt", io.BytesIO(b"x" * 100))
    monkeypatch.setattr(residue, "MAX_DOCUMENT_BYTES", 99)
    assert residue.document_text(stored) is None
    assert residue.document_text("documents/test/finns-inte.txt") is None


# --- through the engine -------------------------------------------------------------------------------


def test_anonymizing_redacts_the_person_in_kept_text_and_keeps_the_rest(admin_user):
    # given the customer's own details written into kept free text on the customer and an order
    customer, order = customer_with_order()
    Customer.objects.filter(pk=customer.pk).update(
        info="Kontaktperson Johan Lundqvist, nås på 070-745 38 49 efter kl. 17.",
        internal_info="Pnr 800101-1234. Skriv till JOHAN.Lundqvist@example.se",
    )
    Order.objects.filter(pk=order.pk).update(
        internal_comment="Lars Johansson ringer från 013-56 71 37",
        published_comment="Levereras 2023-11-25 kl. 17",
    )
    field, _created = CustomField.objects.get_or_create(name="Anhörig")
    custom = CustomFieldValue.objects.create(customer=customer, field=field, value="Lundqvists granne")

    # when the customer is anonymized
    customer_anonymize(customer=customer, actor=admin_user)

    # then the person's words are Xxxx and every other word is where it was
    after = Customer.objects.get(pk=customer.pk)
    assert after.info == "Kontaktperson Xxxx, nås på Xxxx efter kl. 17."
    assert after.internal_info == "Pnr Xxxx. Skriv till Xxxx"
    order.refresh_from_db()
    assert order.internal_comment == "Lars Johansson ringer från Xxxx"
    assert order.published_comment == "Levereras 2023-11-25 kl. 17"
    assert order.terms == "30 dagar netto"
    assert CustomFieldValue.objects.get(pk=custom.pk).value == "Xxxx granne"


def test_the_log_counts_redacted_rows_per_table_and_holds_no_text(admin_user):
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Johan nås på 070-745 38 49")
    document(customer, "Brev", "brev.txt", b"Hej Johan Lundqvist")
    customer_anonymize(customer=customer, actor=admin_user)
    entry = ErasureLogEntry.objects.get()
    # the factory's internal information names the customer's mobile number
    assert {k: v for k, v in entry.counts.items() if k.startswith(residue.COUNTS_PREFIX)} == {
        "residue:customers.Customer": 1,
        "residue:sales.Order": 1,
        "residue:documents.Document": 1,
    }
    logged = str(ErasureLogEntry.objects.values().get())
    for value in ("Johan", "Lundqvist", "070-745 38 49", "073-111 22 33"):
        assert value not in logged


def test_a_document_holding_the_person_is_deleted_with_its_file_and_admin_log_after_commit(
    admin_user, django_capture_on_commit_callbacks
):
    # given documents in every format Kund reads, one holding the person in its title only, one it
    # cannot read, and one that names no one
    customer, _order = customer_with_order()
    doomed = [
        document(customer, "Brev", "brev.txt", b"Hej Johan Lundqvist!"),
        document(customer, "Lista", "lista.csv", b"namn;telefon\nJ L;070-745 38 49\n"),
        document(customer, "Avtal", "avtal.pdf", pdf_bytes("Avtal med Johan Lundqvist")),
        document(customer, "Offert", "offert.docx", docx_bytes("Till: johan.lundqvist@example.se")),
        document(customer, "Ritning Lundqvist", "ritning.txt", b"Altan 4 x 6 m"),
        document(customer, "Kontrakt (skannat)", "kontrakt.pdf", scanned_pdf_bytes()),
    ]
    kept = document(customer, "Ritning", "ritning.txt", b"Altan 4 x 6 m, order O-1042, 1 234,50 kr")
    files = [d.file.name for d in doomed]
    LogEntry.objects.log_actions(user_id=admin_user.pk, queryset=doomed, action_flag=ADDITION)

    # when the customer is anonymized
    with django_capture_on_commit_callbacks(execute=True):
        customer_anonymize(customer=customer, actor=admin_user)

    # then only the document without the person is left, and no file or admin log entry of the others
    assert list(Document.objects.filter(customer=customer)) == [kept]
    assert default_storage.exists(kept.file.name)
    assert not any(default_storage.exists(name) for name in files)
    content_type = ContentType.objects.get_for_model(Document)
    assert not LogEntry.objects.filter(content_type=content_type).exists()


def test_a_mass_run_redacts_each_customer_by_its_own_details(admin_user):
    # given three customers, each naming itself and the next one in its internal information
    people = [
        Person(first_name="Anna", last_name="Wahlström", email="anna@example.se", phone="070-111 11 11"),
        Person(first_name="Bo", last_name="Ekholm", email="bo@example.se", phone="070-222 22 22"),
        Person(first_name="Cilla", last_name="Östberg", email="cilla@example.se", phone="070-333 33 33"),
    ]
    customers = [customer_with_order(p)[0] for p in people]
    for customer, person, other in zip(customers, people, people[1:] + people[:1], strict=True):
        Customer.objects.filter(pk=customer.pk).update(
            internal_info=f"{person.last_name.upper()} känner {other.first_name} {other.last_name}"
        )

    # when they are anonymized in one chunk
    result = erase_customers(customer_ids=[c.pk for c in customers], actor=admin_user)

    # then each customer's own name is gone, another's full name is left (it is not this customer's)
    assert result.counts()["anonymized"] == 3
    texts = [Customer.objects.get(pk=c.pk).internal_info for c in customers]
    assert texts == ["Xxxx känner Bo Ekholm", "Xxxx känner Cilla Östberg", "Xxxx känner Anna Wahlström"]


def test_the_scan_reads_a_chunk_in_as_many_queries_for_one_customer_as_for_many(admin_user):
    # given customers with kept text in several tables
    customers = []
    for n in range(4):
        person = Person(first_name="Johan", last_name=f"Lundqvist{'x' * n}", phone=f"070-745 38 4{n}")
        customer, order = customer_with_order(person)
        Order.objects.filter(pk=order.pk).update(internal_comment=f"Ring {person.phone}")
        document(customer, "Brev", "brev.txt", b"Hej")
        customers.append(customer)

    def queries(ids) -> int:
        with CaptureQueriesContext(connection) as captured:
            residue.scan_customers(ids)
        return len(captured.captured_queries)

    # then the number of queries does not grow with the customers
    assert queries([customers[0].pk]) == queries([c.pk for c in customers])
    assert len(residue.scan_customers([c.pk for c in customers])) == 4


@pytest.mark.parametrize(
    "first,last,text,name",
    [
        ("Karin", "Lindqvist-Berg", "Paket till LINDQVIST-BERGS kontor", "LINDQVIST-BERGS"),
        ("Sean", "O'Brien", "Enligt o'brien: ring efter lunch", "o'brien"),
        ("Åsa", "Öhrström", "Hälsningar från Ohrstrom", "Ohrstrom"),
        ("Åsa", "Öhrström", "Åsa  Öhrström skrev", "Åsa  Öhrström"),
        ("Bo", "Ek", "Nyckel hos bo ek.", "bo ek"),
    ],
)
def test_the_scan_of_a_chunk_finds_names_of_every_shape(admin_user, first, last, text, name):
    # given a name with a hyphen, an apostrophe, diacritics or only two letters, in kept text
    person = Person(first_name=first, last_name=last, email="kund@example.se", phone="070-999 88 77")
    customer, order = customer_with_order(person)
    Order.objects.filter(pk=order.pk).update(internal_comment=text)
    # when the customers are scanned as the erasure engine scans a chunk
    findings = residue.scan_customers(Customer.objects.filter(pk=customer.pk).values("pk"))[customer.pk]
    # then the name is found where it stands
    on_order = [f for f in findings if f.kind == "order"]
    assert [(f.found, text[f.start : f.end]) for f in on_order] == [(NAME, name)]


def test_text_changed_between_scan_and_redaction_is_not_overwritten(admin_user):
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Ring 070-745 38 49")
    scan = residue._scan([customer.pk])
    Order.objects.filter(pk=order.pk).update(internal_comment="Ring 070-745 38 49, eller mejla")
    with pytest.raises(residue.ResidueChanged):
        residue.apply(scan)


# --- the plan and the page's context ------------------------------------------------------------------


def test_the_plan_lists_where_the_residue_is_never_what(admin_user):
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Johan Lundqvist ringer från 070-745 38 49")
    pdf = document(customer, "Avtal", "avtal.pdf", pdf_bytes("Pnr 800101-1234"))
    scan = document(customer, "Skannat", "skannat.pdf", scanned_pdf_bytes())

    plan = plan_customer(customer).as_dict()

    listed = plan["residue"]
    assert {"kind": "order", "ref": order.ref, "field": "internal_comment", "found": "phone"} in listed
    assert {"kind": "order", "ref": order.ref, "field": "internal_comment", "found": "name"} in listed
    assert {"kind": "customer", "ref": customer.number, "field": "internal_info", "found": "phone"} in listed
    assert {"kind": "document", "ref": pdf.ref, "field": "file", "found": "personal_number"} in listed
    assert {"kind": "document", "ref": scan.ref, "field": "file", "found": UNREADABLE} in listed
    text = json.dumps(plan, ensure_ascii=False)
    for value in ("Johan", "Lundqvist", "070-745", "073-111", "800101"):
        assert value not in text


def test_the_context_of_a_finding_is_the_text_around_it(admin_user):
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(
        internal_comment="Kontaktperson Johan Lundqvist, nås på 070-745 38 49 efter kl. 17."
    )
    pdf = document(customer, "Avtal", "avtal.pdf", pdf_bytes("Avtal med Johan Lundqvist"))
    findings = residue.scan_customers([customer.pk])[customer.pk]

    contexts = {f.found: residue.context_of(f, width=10) for f in findings if f.kind == "order"}
    assert contexts["name"] == residue.Context("aktperson ", "Johan Lundqvist", ", nås på 0")
    assert (contexts["phone"].match, contexts["phone"].after) == ("070-745 38 49", " efter kl.")
    in_pdf = next(f for f in findings if f.model == "documents.Document" and f.row_id == pdf.pk)
    assert residue.context_of(in_pdf).match == "Johan Lundqvist"


def test_rows_holding_only_repeated_texts_with_nothing_in_them_are_not_read_and_the_rest_are(
    admin_user, monkeypatch
):
    # given texts the scan has seen repeat: payment terms, a date, and two that hold Johan's details
    repeated = ["30 dagar netto", "Leverans 2023-11-25", "Ring Lundqvist", "Pnr 8001011234"]
    residue._count_frequent(repeated * residue.FREQUENT_ROWS)
    customer, order = customer_with_order()
    Order.objects.filter(pk=order.pk).update(internal_comment="Leverans 2023-11-25")
    naming = [
        Order.objects.create(
            customer=customer,
            number=order.number + n,
            date=order.date,
            delivered=True,
            invoiced=True,
            terms="30 dagar netto",
            internal_comment=comment,
        )
        for n, comment in enumerate(("Ring Lundqvist", "Pnr 8001011234"), start=1)
    ]
    orders_read = []
    fetch = residue._fetch

    def spy(build, key, **kwargs):
        rows = fetch(build, key, **kwargs)
        if build().model is Order:
            orders_read.extend(row[1] for row in rows)
        return rows

    monkeypatch.setattr(residue, "_fetch", spy)

    # when the customer is scanned
    findings = residue.scan_customers([customer.pk])[customer.pk]

    # then the order whose texts hold nothing for Johan is not read; those naming him are, and found
    assert sorted(orders_read) == sorted(o.pk for o in naming)
    on_orders = {(f.ref, f.found) for f in findings if f.kind == "order"}
    assert on_orders == {(naming[0].ref, "name"), (naming[1].ref, "personal_number")}


def test_a_text_something_was_found_in_is_never_remembered_as_frequent(admin_user):
    # given many customers' orders with the same payment terms, each with a comment naming its customer
    customers = [customer_with_order() for _ in range(3)]
    for customer, order in customers:
        Order.objects.filter(pk=order.pk).update(
            terms="30 dagar netto", internal_comment=f"Ring {customer.last_name} på 070-745 38 49"
        )

    # when they are scanned, more than once
    for _round in range(residue.FREQUENT_ROWS):
        residue.scan_customers([customer.pk for customer, _order in customers])

    # then the terms are remembered as a text to leave unread, the comments that held the person are not
    assert "30 dagar netto" in residue._most_frequent()
    assert not any("070-745" in text or "Ring" in text for text in residue._FREQUENT)


def test_a_text_seen_in_few_rows_is_not_tried(admin_user):
    residue._count_frequent(["30 dagar netto"] * (residue.FREQUENT_ROWS - 1))
    assert residue._most_frequent() == []
    residue._count_frequent(["30 dagar netto"])
    assert residue._most_frequent() == ["30 dagar netto"]
