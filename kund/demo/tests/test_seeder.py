"""The demo data (kund/demo/seeder.py, SPEC §8 `seed_demo`): every record type and every erasure case of
SPEC §4 in the proportions of CASE_WEIGHTS, realistic Swedish details, deterministic for a seed.

Most tests read one seeded database of 600 customers (six decks of a hundred, so every case count is
exact), written once for the module inside a transaction that is rolled back at its end.
"""

import hashlib
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from stdnum.se import orgnr, personnummer, vat

from kund.billing.models import AgreementInvoice, Invoice, PaymentReminder, Receipt, ReminderFee
from kund.core.models import RegisterSettings
from kund.crm.models import Activity, Agreement, EmailMessage, Project, ProjectGroupMembership, ResellerLink
from kund.customers.models import Branch, CreditFile, Customer, CustomFieldValue
from kund.demo import seeder
from kund.demo.seeder import CASE_WEIGHTS, NUMBERED_MODELS, Case, seed_demo
from kund.documents.models import Document
from kund.sales.models import Delivery, DropshipOrder, InboundDelivery, Order, Purchase, Quote, TradeInvoice
from kund.service.models import FaultReport, Installation, ServiceOrder, ServiceProtocol
from kund.support.models import SupportTicket

CUSTOMERS = 600
SEED = 7
PER_HUNDRED = dict(CASE_WEIGHTS)

# Every model of these apps gets rows; the privacy app's own (saved selections, erasure jobs) come from
# using the register, not from demo data.
SEEDED_APPS = ("core", "audit", "customers", "documents", "crm", "sales", "billing", "support", "service")


def _expected(*cases: Case) -> int:
    return sum(PER_HUNDRED[case] for case in cases) * CUSTOMERS // 100


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            result = seed_demo(customers=CUSTOMERS, seed=SEED)
            yield result
            transaction.set_rollback(True)
        # The module's own connection, closed with it: left open, it outlived the module on PostgreSQL
        # and kept the test database from being dropped at the end of the run.
        connection.close()


@pytest.fixture
def db_seeded(seeded, db):
    return seeded


# The linked transactions and events of SPEC E-2, with the path from each to its customer.
TRANSACTIONS = (
    (Activity, "customer"),
    (Agreement, "customer"),
    (AgreementInvoice, "customer"),
    (Project, "customer"),
    (ProjectGroupMembership, "customer"),
    (ResellerLink, "customer"),
    (EmailMessage, "customer"),
    (Invoice, "customer"),
    (Receipt, "customer"),
    (PaymentReminder, "customer"),
    (ReminderFee, "customer"),
    (Order, "customer"),
    (Delivery, "customer"),
    (Quote, "customer"),
    (DropshipOrder, "customer"),
    (Purchase, "dropship_order__customer"),
    (InboundDelivery, "purchase__dropship_order__customer"),
    (TradeInvoice, "customer"),
    (SupportTicket, "customer"),
    (Installation, "customer"),
    (ServiceOrder, "customer"),
    (ServiceProtocol, "customer"),
    (FaultReport, "customer"),
)


def _transactions_exist() -> Q:
    query = Q()
    for model, path in TRANSACTIONS:
        query |= Exists(model.objects.filter(**{path: OuterRef("pk")}))
    return query


def _own_details_in(field: str, *, via: str = "") -> Q:
    """`field` contains the customer's own name, contact person, e-mail, mobile or phone."""
    query = Q()
    for own in ("name", "contact_person", "email", "mobile", "phone"):
        query |= ~Q(**{f"{via}{own}": ""}) & Q(**{f"{field}__contains": F(f"{via}{own}")})
    return query


# ------------------------------------------------------------------------------- erasure cases


def test_s8_every_case_is_counted_in_the_result(seeded):
    assert seeded.customers == CUSTOMERS
    assert seeded.cases == {case.value: _expected(case) for case in Case}
    assert seeded.anonymized == _expected(Case.ANONYMIZED)


def test_e1_customers_without_transactions_can_be_deleted(db_seeded):
    # when
    without = Customer.objects.filter(~_transactions_exist())

    # then
    assert without.count() == _expected(Case.NO_TRANSACTIONS)
    assert Document.objects.filter(customer__in=without).exists()  # D-1: listed in the red warning
    assert Branch.objects.filter(customer__in=without).exists()


@pytest.mark.parametrize(
    ("case", "blocking"),
    [
        (Case.NOT_DELIVERED, Order.objects.filter(delivered=False)),
        (Case.NOT_INVOICED, Order.objects.filter(invoiced=False)),
        (Case.UNPAID, Invoice.objects.filter(paid=False)),
        (Case.ONGOING_AGREEMENT, Agreement.objects.ongoing(timezone.localdate())),
    ],
    ids=lambda value: value.value if isinstance(value, Case) else "",
)
def test_e3_each_blocker_has_its_customers(db_seeded, case, blocking):
    # when
    customers = Customer.objects.filter(pk__in=blocking.values("customer_id"))

    # then
    assert customers.count() == _expected(case)
    assert not customers.anonymized().exists()


def test_e3_some_unpaid_invoices_are_past_due_with_a_reminder_and_a_fee(db_seeded):
    reminders = PaymentReminder.objects.filter(invoice__paid=False)
    assert reminders.exists()
    assert all(r.fees.count() == 1 for r in reminders)


def test_e1_the_planner_decides_the_cases_in_their_proportions(db_seeded):
    from kund.privacy.planner import plan_customers

    # when
    actions = Counter(
        plan.action.value for plan in plan_customers(Customer.objects.all(), detail=False).values()
    )

    # then
    assert actions == {
        "delete": _expected(Case.NO_TRANSACTIONS),
        "anonymize": _expected(Case.SETTLED, Case.RECENT, Case.OWN_DETAILS_IN_FREE_TEXT),
        "blocked": _expected(Case.NOT_DELIVERED, Case.NOT_INVOICED, Case.UNPAID, Case.ONGOING_AGREEMENT),
        "already_anonymized": _expected(Case.ANONYMIZED),
    }


def test_a2_b5_kept_free_text_holds_the_customers_own_details(db_seeded):
    # when
    places = {
        "customer": Customer.objects.filter(_own_details_in("info") | _own_details_in("internal_info")),
        "order": Customer.objects.filter(
            pk__in=Order.objects.filter(
                _own_details_in("internal_comment", via="customer__")
                | _own_details_in("published_comment", via="customer__")
            ).values("customer_id")
        ),
        "quote": Customer.objects.filter(
            pk__in=Quote.objects.filter(_own_details_in("internal_comment", via="customer__")).values(
                "customer_id"
            )
        ),
        "custom field": Customer.objects.filter(
            pk__in=CustomFieldValue.objects.filter(_own_details_in("value", via="customer__")).values(
                "customer_id"
            )
        ),
    }
    customers = set().union(*(set(qs.values_list("pk", flat=True)) for qs in places.values()))

    # then
    assert len(customers) == _expected(Case.OWN_DETAILS_IN_FREE_TEXT)
    assert all(qs.exists() for qs in places.values()), {name: qs.count() for name, qs in places.items()}


def test_b5_residue_is_also_written_as_people_write_it_and_beside_someone_elses_number(db_seeded):
    # then some customers' internal information repeats their details in another spelling, or names
    # someone else with a phone number, and the scan finds it there
    from kund.privacy import residue

    texts = list(Customer.objects.exclude(internal_info="").values_list("pk", "internal_info"))
    spelled = {
        "phone": [pk for pk, text in texts if re.search(r"Ring (\+46|0\d{6,})", text)],
        "personal number": [pk for pk, text in texts if re.search(r"Pnr \d{6}-\d{4}\.", text)],
        "e-mail": [pk for pk, text in texts if re.search(r"Mejla [A-Z0-9._-]+@", text)],
        "someone else": [pk for pk, text in texts if " ringer från " in text],
    }
    assert all(spelled.values()), {kind: len(pks) for kind, pks in spelled.items()}
    found = residue.scan_customers([pks[0] for pks in spelled.values()])
    assert all(any(f.field == "internal_info" for f in found.get(pks[0], [])) for pks in spelled.values()), (
        found
    )


def test_b5_documents_naming_the_customer_come_as_text_pdf_and_word_and_the_scan_reads_them(db_seeded):
    from kund.privacy import residue

    # given the documents written for some of the customers with their own details in free text
    documents = Document.objects.filter(title__in=seeder.RESIDUE_DOCUMENT_TITLES).select_related("customer")
    formats = [document.file.name.rsplit(".", 1)[1] for document in documents.order_by("pk")]

    # then they come in each format in turn, and each one's text names its customer, as the scan reads it
    assert formats == [seeder.DOCUMENT_FORMATS[i % 3] for i in range(len(formats))] and formats
    for document in documents:
        text = residue.document_text(document.file.name)
        customer = document.customer
        assert f"Kundnummer {customer.number}" in text
        assert (customer.contact_person or customer.name) in text
        if customer.organisation_number:
            assert customer.organisation_number in text
        findings = residue.scan_customers([customer.pk])[customer.pk]
        assert {f.found for f in findings if f.row_id == document.pk} >= {residue.NAME}


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_b5_the_seeders_pdf_and_word_files_read_back_with_their_swedish_letters(kind):
    from kund.privacy import residue

    lines = ["Fullmakt", "Åsa Öhrström (Lindqvist), Storgatan 1", "Personnummer 19811218-9876"]
    content = seeder._pdf("\n".join(lines)) if kind == "pdf" else seeder._docx(lines)
    read = residue._pdf_text if kind == "pdf" else residue._docx_text
    assert [line.strip() for line in read(content).splitlines()] == lines


def test_b5_the_seeders_free_text_without_personal_details_is_not_taken_for_any():
    # given every text the seeder writes where no person is meant (look-alikes among them: order and
    # article numbers, amounts, dates, times, postal codes, giro numbers)
    from kund.privacy import residue

    texts = (
        *seeder.CUSTOMER_INFO,
        *seeder.CUSTOMER_INTERNAL_INFO,
        *seeder.PUBLISHED_COMMENTS,
        *seeder.INTERNAL_COMMENTS,
        *seeder.TERMS_PRIVATE,
        *seeder.TERMS_COMPANY,
        *seeder.DOCUMENT_TITLES,
        *seeder.RESIDUE_DOCUMENT_TITLES,
    )
    # then the scan finds nothing in any of them
    assert {text: residue.find(text) for text in texts if residue.find(text)} == {}
    assert any(re.search(r"\d{4}-\d{4}", text) for text in texts)  # the look-alikes are there


def test_a4_already_anonymized_customers_keep_their_invoices_frozen_copy(db_seeded):
    # when
    anonymized = Customer.objects.anonymized()

    # then
    assert anonymized.count() == _expected(Case.ANONYMIZED)
    # seed 001: a person is "Xxxx Xxxx", a company "Xxxx"
    names = dict(anonymized.values_list("kind", "name").distinct())
    assert names == {"private": "Xxxx Xxxx", "company": "Xxxx"}
    frozen = Invoice.objects.filter(customer__in=anonymized)
    assert frozen.exists()
    assert not frozen.filter(customer_name="Xxxx").exists()


# ------------------------------------------------------------------------------- seeds 001, 003, 004


def test_seed001_prospects_are_customers_to_be_without_transactions(db_seeded):
    """Seed 001's "kunder/prospects": a prospect has bought nothing, so erasure deletes it (E-1)."""
    prospects = Customer.objects.filter(kind=Customer.Kind.PROSPECT)
    assert prospects.count() > 0.1 * _expected(Case.NO_TRANSACTIONS)
    assert not prospects.filter(_transactions_exist()).exists()


def test_seed003_deceased_customers_carry_their_date_after_their_last_business(db_seeded):
    """Seed 003: a customer "per Status auf … verstorben gesetzt"; the status records a fact and erases
    nothing."""
    deceased = Customer.objects.filter(status=Customer.Status.DECEASED)
    assert deceased.exists()
    assert not deceased.filter(deceased_on__isnull=True).exists()
    assert set(deceased.values_list("kind", flat=True)) == {"private"}
    assert not deceased.anonymized().exists()
    assert not Order.objects.filter(customer__in=deceased, date__gt=F("customer__deceased_on")).exists()


def test_seed003_consents_come_in_every_mix_for_mailings(db_seeded):
    """Seed 003's "Serienbrief": some customers take post, some e-mail, some both, some neither."""
    mixes = Counter(Customer.objects.not_anonymized().values_list("post_consent", "email_consent"))
    assert set(mixes) == {(True, True), (True, False), (False, True), (False, False)}


def test_seed001_deliveries_carry_both_addresses_and_some_differ(db_seeded):
    """Seed 001, "Leveransinformation": "gäller både för faktura- och leveransaddress"."""
    live = Delivery.objects.filter(customer__anonymized_at__isnull=True)
    assert not live.filter(invoice_address="").exists()
    assert live.exclude(invoice_address=F("delivery_address")).exists()


def test_seed001_some_activities_link_a_second_customer_with_business_of_its_own(db_seeded):
    """Seed 001: "Om det finns en kundkoppling till aktiviteten/händelsen"; linking does not change what
    erasure decides for the second customer (it has transactions already)."""
    linked = Activity.objects.filter(second_customer__isnull=False)
    assert linked.exists()
    assert not linked.filter(second_customer=F("customer")).exists()
    second = Customer.objects.filter(pk__in=linked.values("second_customer_id"))
    assert second.count() == second.filter(_transactions_exist()).count()
    live = linked.filter(second_customer__anonymized_at__isnull=True).exclude(second_contact_email="")
    assert not live.exclude(second_contact_email=F("second_customer__email")).exists()


def test_seed001_trade_invoices_have_a_sender_block(db_seeded):
    assert not TradeInvoice.objects.filter(sender_name="").exists()
    returns = TradeInvoice.objects.filter(
        sender_name=F("customer__name"), customer__anonymized_at__isnull=True
    )
    assert returns.exists()  # goods sent back by the customer: the sender block is the customer's


def test_seed004_some_staff_are_technicians(db_seeded):
    from django.contrib.auth.models import Group

    from kund.customers.selectors import TECHNICIANS_GROUP

    assert Group.objects.get(name=TECHNICIANS_GROUP).user_set.count() >= 2


# ------------------------------------------------------------------------------- the records


def test_s8_every_model_has_rows(db_seeded):
    empty = [
        model._meta.label
        for label in SEEDED_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.objects.exists()
    ]
    assert empty == []


def test_s8_companies_private_persons_and_prospects(db_seeded):
    kinds = Counter(Customer.objects.values_list("kind", flat=True))
    assert set(kinds) == {"private", "company", "prospect"}
    assert 0.15 < kinds["company"] / CUSTOMERS < 0.35


def test_s8_the_crm_module_is_switched_on(db_seeded):
    assert RegisterSettings.load().crm_enabled is True


def test_s8_identity_numbers_are_valid(db_seeded):
    people = Customer.objects.not_anonymized()
    for kind, number, vat_number in people.values_list("kind", "organisation_number", "vat_number"):
        if kind == Customer.Kind.PROSPECT:  # a person-to-be or a company-to-be
            assert personnummer.is_valid(number) or orgnr.is_valid(number), number
        elif kind == Customer.Kind.PRIVATE:
            assert personnummer.is_valid(number), number
            assert vat_number == ""
        else:
            assert orgnr.is_valid(number), number
            assert vat.is_valid(vat_number) and vat_number == f"SE{number.replace('-', '')}01", vat_number


def test_s8_swedish_phone_numbers_postal_codes_and_coordinates(db_seeded):
    mobile = re.compile(r"^07[02369]-\d{3} \d{2} \d{2}$")
    landline = re.compile(r"^0\d{1,3}-\d{2,3} \d{2} \d{2}$")
    rows = Customer.objects.not_anonymized().values(
        "mobile", "phone", "email", "invoice_postal_code", "visit_latitude", "visit_longitude"
    )
    for row in rows:
        assert row["mobile"] == "" or mobile.match(row["mobile"]), row["mobile"]
        assert row["phone"] == "" or landline.match(row["phone"]), row["phone"]
        assert re.match(r"^\d{3} \d{2}$", row["invoice_postal_code"]), row["invoice_postal_code"]
        assert 55.0 < row["visit_latitude"] < 69.1 and 10.9 < row["visit_longitude"] < 24.2
        if row["email"]:
            validate_email(row["email"])
    assert any(r["phone"].startswith("08-") for r in rows)


def test_s8_emails_are_derived_from_the_names(db_seeded):
    private = Customer.objects.not_anonymized().filter(kind=Customer.Kind.PRIVATE).exclude(email="")
    plain = str.maketrans("åäöéü", "aaoeu")
    derived = [
        c for c in private if c.last_name.lower().translate(plain).split("-")[0][:4] in c.email.split("@")[0]
    ]
    assert len(derived) == private.count()


def test_s8_copies_carry_the_customers_own_details(db_seeded):
    live = Q(customer__anonymized_at__isnull=True)
    assert not Order.objects.filter(live).exclude(invoice_name=F("customer__name")).exists()
    assert (
        not Order.objects.filter(live, customer__kind="private")
        .exclude(delivery_name=F("customer__name"))
        .exists()
    )
    assert not Invoice.objects.exclude(customer_number=F("customer__number")).exists()
    assert not Receipt.objects.filter(live).exclude(customer_name=F("customer__name")).exists()
    assert (
        Order.objects.filter(live, notification_mobile=F("customer__mobile"))
        .exclude(notification_mobile="")
        .exists()
    )


def test_s8_dates_spread_over_ten_years_and_follow_the_customer(db_seeded):
    today = timezone.localdate()
    created = Customer.objects.annotate(day=TruncDate("created_at")).values_list("day", flat=True)
    assert min(created) >= today - timedelta(days=3660)
    assert max(created) <= today
    assert min(created) < today - timedelta(days=8 * 365)
    assert not Order.objects.filter(date__lt=TruncDate("customer__created_at")).exists()
    assert not Invoice.objects.filter(date__lt=TruncDate("customer__created_at")).exists()
    assert Order.objects.filter(date__gte=today - timedelta(days=365)).exists()  # some recent ones


def test_s8_customers_come_in_the_order_they_were_created(db_seeded):
    """As in a real register, a later customer has a later id, number and creation moment: one run's
    customers are drawn first and written oldest first."""
    rows = list(Customer.objects.order_by("pk").values_list("number", "created_at"))
    numbers = [int(number) for number, _created in rows]
    created = [created for _number, created in rows]
    assert numbers == sorted(numbers)
    assert created == sorted(created)
    assert created[0] < created[-1] - timedelta(days=8 * 365)


def test_s8_most_customers_have_only_old_settled_transactions(db_seeded):
    a_year_ago = timezone.localdate() - timedelta(days=365)
    recent = (
        Q(orders__date__gt=a_year_ago) | Q(invoices__date__gt=a_year_ago) | Q(receipts__date__gt=a_year_ago)
    )
    old_only = Customer.objects.filter(_transactions_exist()).exclude(pk__in=Customer.objects.filter(recent))
    assert old_only.count() > CUSTOMERS / 2


def test_s8_documents_are_files_in_storage(db_seeded):
    document = Document.objects.first()
    with document.file.open("rb") as handle:
        assert f"Kundnummer {document.customer.number}".encode() in handle.read()


def test_s8_stored_files_have_random_names(db_seeded):
    # The demo's files are named like every upload: nothing in the name leads to the customer, and a
    # name cannot be guessed from the seed or from another file's name.
    documents = list(Document.objects.values_list("file", flat=True))
    credit_reports = list(CreditFile.objects.values_list("file", flat=True))
    assert documents and credit_reports
    assert all(re.fullmatch(r"documents/[0-9a-f]{32}\.(txt|pdf|docx)", name) for name in documents), (
        documents[:3]
    )
    assert all(re.fullmatch(r"credit/[0-9a-f]{32}\.pdf", name) for name in credit_reports), credit_reports[:3]
    assert len(set(documents)) == len(documents)


def test_r10_a_share_of_companies_have_portal_users(db_seeded):
    from kund.portal.models import CustomerUser
    from kund.service.models import FaultReportFile

    # given the seeded companies that are not anonymized
    companies = Customer.objects.not_anonymized().filter(kind=Customer.Kind.COMPANY)
    with_users = companies.filter(portal_users__isnull=False).distinct()

    # then some of them, and only companies, have portal users, with realistic, unique addresses
    assert 0.2 < with_users.count() / companies.count() < 0.6
    users = CustomerUser.objects.select_related("customer")
    assert {user.customer.kind for user in users} == {Customer.Kind.COMPANY}
    assert not users.filter(customer__anonymized_at__isnull=False).exists()
    emails = [user.email for user in users]
    assert len(emails) == len(set(emails))
    for user in users:
        validate_email(user.email)
        assert user.email.split("@")[1] == user.customer.email.split("@")[1]
    # most have chosen a password (nobody knows it) and signed in; some are still invited
    invited = [user for user in users if user.invited]
    assert 0 < len(invited) < len(emails) / 2
    assert all(user.last_login for user in users if not user.invited)
    # and some fault reports come with a photo in the storage
    photo = FaultReportFile.objects.first()
    with photo.file.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_r10_make_demo_gets_a_portal_login_that_signs_in(db_seeded, client):
    from django.urls import reverse

    from kund.demo.portal import demo_portal_login

    # when `make demo` asks for the portal login, twice
    email = demo_portal_login("Demo-portal-losen-1")
    again = demo_portal_login("Demo-portal-losen-1")

    # then it is the same user, who signs in to the portal with it and sees service protocols
    assert email and again == email
    response = client.post(reverse("portal:home"), {"username": email, "password": "Demo-portal-losen-1"})
    assert response.status_code == 302
    assert client.get(reverse("portal:protocols")).context["page"].object_list


# ------------------------------------------------------------------------------- determinism


def _digest() -> str:
    """What two runs with the same seed must share: customers, their linked numbers, row counts."""
    digest = hashlib.sha256()
    for row in Customer.objects.order_by("number").values_list(
        "number", "name", "organisation_number", "email", "mobile", "invoice_address1", "created_at"
    ):
        digest.update(repr(row).encode())
    for model in NUMBERED_MODELS:
        digest.update(repr(list(model.objects.order_by("number").values_list("number", flat=True))).encode())
    return digest.hexdigest()


def _seed_and_digest(seed: int) -> str:
    with transaction.atomic():  # a fresh database each time: rolled back afterwards
        seed_demo(customers=60, seed=seed)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


@pytest.mark.django_db
def test_s8_same_seed_same_data_other_seed_other_data():
    # when
    first, second, other = _seed_and_digest(3), _seed_and_digest(3), _seed_and_digest(4)

    # then
    assert first == second
    assert other != first


@pytest.mark.django_db
def test_s8_running_twice_adds_customers_without_collision():
    # given
    before = Customer.objects.count()  # the module's seeded customers, if that fixture is active
    seed_demo(customers=40, seed=5)

    # when
    seed_demo(customers=40, seed=5)

    # then
    assert Customer.objects.count() == before + 80
    assert Customer.objects.values("number").distinct().count() == before + 80
    for model in NUMBERED_MODELS:
        assert model.objects.values("number").distinct().count() == model.objects.count()
    # the database's own id sequences were moved past the rows the seeder numbered (PostgreSQL)
    customer = Customer.objects.create(number="Z-1", name="Ny Kund")
    Order.objects.create(customer=customer, number=10**8, date=timezone.localdate())
