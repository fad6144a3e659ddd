"""B-3: after erasure, the erased values are found nowhere — not in any table, not in the SQLite file's
free pages or write-ahead log — except the copies invoices and receipts keep by law (A-3). With B-5 that
holds where people wrote the details too: in kept free text, in any spelling, and in documents."""

import subprocess
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from kund.billing.models import AgreementInvoice, Invoice, Receipt
from kund.crm.models import Activity
from kund.customers.models import Customer
from kund.demo import seeder
from kund.demo.seeder import seed_demo
from kund.documents.models import Document
from kund.privacy import jobs, policy, residue
from kund.privacy.planner import Action, plan_customers
from kund.privacy.services import erase_customers
from kund.sales.models import Delivery

VOUCHER_FIELDS = ("customer_name", "customer_address", "customer_org_number", "customer_email")


def _values_of(customer: Customer) -> list[str]:
    values = [
        f"{customer.first_name} {customer.last_name}".strip(),
        customer.email,
        customer.phone,
        customer.mobile,
        customer.organisation_number,
    ]
    return [v for v in values if v and len(v) >= 6]


def _unique(value: str) -> bool:
    from django.db.models import Q

    q = Q(email__iexact=value) | Q(phone=value) | Q(mobile=value) | Q(organisation_number=value)
    q |= Q(name__iexact=value) | Q(contact_person__iexact=value)
    return Customer.objects.filter(q).count() == 1


def _kept_by_law(customer_id: int, value: str) -> int:
    """How many times the vouchers kept by bookkeeping law hold the value (their legal copy)."""
    needle, hits = value.lower(), 0
    for model in (Invoice, AgreementInvoice, Receipt):
        fields = [f for f in VOUCHER_FIELDS if any(f == x.name for x in model._meta.fields)]
        for row in model.objects.filter(customer_id=customer_id).values_list(*fields):
            hits += sum(str(v).lower().count(needle) for v in row)
    return hits


def _raw_bytes(file: Path) -> bytes:
    """The file's bytes, read by another process. Opening and closing the database file in this one
    would drop every POSIX lock this process's SQLite connections hold on it (a close() releases all of
    a process's locks on the file); a worker process closing its connection later would then think it
    was the last one and delete the write-ahead log out from under them."""
    return subprocess.run(["cat", str(file)], capture_output=True, check=True).stdout


def _sqlite_hits() -> Callable[[str], int]:
    """Counts a value's occurrences in the database file and its write-ahead log as they are now: both
    are read once, and every value of the scan is counted in that copy."""
    path = Path(connection.settings_dict["NAME"])
    # SQLite's lower() folds ASCII only, as bytes.lower() does
    files = [_raw_bytes(file).lower() for file in (path, Path(f"{path}-wal")) if file.exists()]
    return lambda value: sum(data.count(value.encode().lower()) for data in files)


def _postgres_hits() -> Callable[[str], int]:
    """Counts a value's occurrences (case-insensitively) in every text column of every table as they
    are now: the columns are read once, and every value of the scan is counted in that copy."""
    texts = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')
            texts.extend(value.lower() for (value,) in cursor.fetchall())
    copy = "\x00".join(texts)  # no value spans two cells
    return lambda value: copy.count(value.lower())


def _where(value: str) -> list[str]:
    """Which columns hold the value (for the failure message)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                col = f'lower(CAST("{column.name}" AS TEXT))'
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE {col} LIKE lower(%s)', [f"%{value}%"])
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


def _scan() -> Callable[[str], int]:
    """How often a value occurs in the database as it is now."""
    return _sqlite_hits() if connection.vendor == "sqlite" else _postgres_hits()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_b3_erased_values_are_found_nowhere_but_in_vouchers(admin_user):
    # given a seeded register, and some customers of each erasable kind whose details are their own
    seed_demo(customers=300, seed=11)
    plans = plan_customers(Customer.objects.all(), detail=False)
    chosen: dict[str, list[Customer]] = {"delete": [], "anonymize": []}
    # Seed 001's new places first: customers linked to another's activity as its second customer, and
    # customers with deliveries (which carry an invoice address too).
    linked = set(Activity.objects.values_list("second_customer_id", flat=True))
    delivered = set(Delivery.objects.values_list("customer_id", flat=True))
    candidates = Customer.objects.filter(pk__in=[p.customer_id for p in plans.values()])
    for customer in sorted(candidates, key=lambda c: (c.pk not in linked, c.pk not in delivered, c.pk)):
        action = plans[customer.pk].action
        values = _values_of(customer)
        if (
            action in (Action.DELETE, Action.ANONYMIZE)
            and values
            and all(_unique(v) for v in values)
            and len(chosen[action.value]) < 8
        ):
            chosen[action.value].append(customer)
    targets = [(c.pk, v) for group in chosen.values() for c in group for v in _values_of(c)]
    assert len(chosen["delete"]) >= 3 and len(chosen["anonymize"]) >= 3
    assert any(c.pk in linked for c in chosen["anonymize"])
    assert any(c.pk in delivered for c in chosen["anonymize"])
    # the scanner finds them before (so it can fail)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hits = _scan()
    assert all(hits(value) > _kept_by_law(pk, value) for pk, value in targets[:5])

    # when they are erased
    result = erase_customers(
        customer_ids=[c.pk for group in chosen.values() for c in group], actor=admin_user
    )
    assert len(result.deleted) == len(chosen["delete"]) and len(result.anonymized) == len(chosen["anonymize"])

    # then each value is found exactly as often as the vouchers keep it, and a deleted customer's not at all
    hits = _scan()
    law_copies = 0
    for pk, value in targets:
        kept = _kept_by_law(pk, value)
        law_copies += kept
        assert hits(value) == kept, (
            f"customer id {pk}: a value survived outside the vouchers: {_where(value)}"
        )
    for customer in chosen["delete"]:
        assert all(hits(v) == 0 for v in _values_of(customer))
    assert law_copies > 0  # anonymized customers with invoices keep their legal copy


def _index_terms_of(customer_id: int) -> set[str]:
    """The trigrams the SQLite search index holds for a customer, as a search reads the index."""
    from kund.customers.search import FTS_TABLE

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocabulary "
            f"USING fts5vocab(main, {FTS_TABLE}, instance)"
        )
        cursor.execute("SELECT DISTINCT term FROM temp.search_vocabulary WHERE doc = %s", [customer_id])
        return {term for (term,) in cursor.fetchall()}


def _index_has_unmerged_segments() -> bool:
    """Whether FTS5 would find anything to merge: older segments, which may hold entries that a later
    one marks deleted. Asked in a transaction that is rolled back."""
    from django.db import transaction

    from kund.customers.search import FTS_TABLE

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT total_changes()")
        (before,) = cursor.fetchone()
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('merge', -1)")
        cursor.execute("SELECT total_changes()")
        (after,) = cursor.fetchone()
        transaction.set_rollback(True)
    return after - before >= 2


def _trigrams(text: str) -> set[str]:
    from kund.customers.search import fold

    text = fold(text)
    return {text[i : i + 3] for i in range(len(text) - 2)}


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.django_db(transaction=True)
def test_b3_search_index_keeps_nothing_of_erased_customers(admin_user):
    from kund.demo.testing.factories import Person, add_transactions, make_customer

    # given a customer to anonymize and one to delete, each with details of its own, in the index
    kept = make_customer(person=Person(first_name="Berit", last_name="Sandberg", email="berit@exempel.se"))
    ingrid = make_customer(person=Person(last_name="Qvarnström", email="iq@qvarn.se", street="Kvarngatan 3"))
    add_transactions(ingrid)
    olle = make_customer(
        person=Person(first_name="Olle", last_name="Zackrisson", email="olle@zackris.se", personal_number="")
    )
    assert "qva" in _index_terms_of(ingrid.pk) and "zac" in _index_terms_of(olle.pk)

    # when both are erased (the index compacts itself after the erasure has committed)
    result = erase_customers(customer_ids=[ingrid.pk, olle.pk], actor=admin_user)

    # then the index holds only what the anonymized customer is now, nothing of the deleted one
    assert len(result.anonymized) == 1 and len(result.deleted) == 1
    now = Customer.objects.get(pk=ingrid.pk).search_text
    assert _index_terms_of(ingrid.pk) == _trigrams(now)
    assert not _index_terms_of(ingrid.pk) & _trigrams("Qvarnström iq@qvarn.se Kvarngatan 3 Uppsala")
    assert _index_terms_of(olle.pk) == set()
    assert _index_terms_of(kept.pk) >= _trigrams("Berit Sandberg")
    # and no older segment of it still holds them under a delete marker: the index is merged whole
    assert not _index_has_unmerged_segments()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hits = _sqlite_hits()
    assert hits("qvarnström") == hits("iq@qvarn.se") == hits("zackrisson") == 0


@pytest.mark.django_db(transaction=True)
def test_b3_r10_a_customers_portal_users_are_found_nowhere_after_anonymization(admin_user):
    """Customer users are the customer's own people: after the customer is anonymized, their e-mail
    addresses and names are found in no table (and on SQLite in no free page or log), though they were
    in the users, their links, the change history and the fault report they sent."""
    from kund.demo.testing.factories import add_transactions, make_customer
    from kund.portal import services as portal

    # given a customer with portal users: one signed in, with a reset link, who reported a fault; one
    # invited; both recorded in the customer's history, one with changed rights
    customer = make_customer()
    add_transactions(customer)
    staff = get_user_model().objects.create_superuser("portal-admin", password="pw-not-used")
    first, secret = portal.customer_user_invite(
        customer=customer, actor=staff, email="karin.lundmark@ohrlings-bygg.se", name="Karin Lundmark"
    )
    portal.password_set_with_link(link=portal.link_for(secret, "invitation"), password="Blåbärsskog-2026")
    portal.session_start(customer_user=first)
    portal.password_reset_request(email=first.email, base_url="http://testserver/")
    portal.portal_report_fault(customer_user=first, description="Larm E-041 på displayen", phone="")
    second, _secret = portal.customer_user_invite(
        customer=customer, actor=staff, email="olof.stromberg@ohrlings-bygg.se", name="Olof Strömberg"
    )
    portal.customer_user_set_rights(customer_user=second, actor=staff, rights=["can_see_protocols"])
    values = [first.email, first.name, second.email, second.name]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hits = _scan()
    assert all(hits(value) > 0 for value in values)  # the scanner finds them before

    # when the customer is anonymized
    result = erase_customers(customer_ids=[customer.pk], actor=admin_user, allowed=(Action.ANONYMIZE,))
    assert len(result.anonymized) == 1

    # then none of them is found anywhere
    hits = _scan()
    for value in values:
        assert hits(value) == 0, f"{value!r} survived: {_where(value)}"


@pytest.mark.django_db(transaction=True)
def test_b3_seed001_a_second_customers_link_and_a_deliverys_invoice_address_leave_no_trace(admin_user):
    """Seed 001's places the model lacked: a CRM activity's link to a second customer ("kundkopplingen
    … anonymiseras den också") and a delivery's invoice address ("både för faktura- och
    leveransaddress"). After the anonymization their values are found nowhere but in the vouchers."""
    from datetime import date, datetime
    from decimal import Decimal

    from django.utils import timezone

    from kund.demo.testing.factories import Person, make_customer, next_number
    from kund.sales.models import Order

    # given: Anna, whose delivery carries both addresses, and Berit, linked to Anna's meeting
    anna_p = Person(
        first_name="Annelie",
        last_name="Grönqvist",
        email="annelie.gronqvist@example.se",
        phone="0470-71 23 45",
        mobile="073-318 27 64",
        street="Ringvägen 17",
        personal_number="19790412-1236",
    )
    berit_p = Person(
        first_name="Berit",
        last_name="Sjöholm",
        email="berit.sjoholm@example.se",
        phone="0920-24 68 13",
        mobile="076-552 41 39",
        street="Skolgatan 3",
        personal_number="19650301-2386",
    )
    anna = make_customer(person=anna_p, info="", internal_info="")
    berit = make_customer(person=berit_p, info="", internal_info="")
    placed = Order.objects.create(
        customer=anna,
        number=next_number(),
        date=date(2021, 3, 1),
        delivered=True,
        invoiced=True,
        total=Decimal(1),
    )
    Delivery.objects.create(
        customer=anna,
        order=placed,
        number=next_number(),
        date=date(2021, 3, 2),
        invoice_name=anna_p.full_name,
        invoice_attention=anna_p.full_name,
        invoice_address=anna_p.street,
        invoice_postal_code=anna_p.postal_code,
        invoice_city=anna_p.city,
        delivery_name="Grannen",
        delivery_address="Bygatan 1",
    )
    Activity.objects.create(
        customer=anna,
        number=next_number(),
        kind=Activity.Kind.MEETING,
        date=timezone.make_aware(datetime(2021, 2, 1, 10)),
        subject="Platsbesök",
        second_customer=berit,
        second_contact_name=berit_p.full_name,
        second_contact_email=berit_p.email,
        second_contact_phone=berit_p.phone,
    )
    targets = [(c.pk, v) for c, p in ((anna, anna_p), (berit, berit_p)) for v in (*_values_of(c), p.street)]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hits = _scan()
    assert all(hits(value) > 0 for _pk, value in targets)

    # when: Berit is anonymized first (her link on Anna's activity), then Anna (her delivery)
    erase_customers(customer_ids=[berit.pk], actor=admin_user)
    erase_customers(customer_ids=[anna.pk], actor=admin_user)

    # then
    hits = _scan()
    for pk, value in targets:
        assert hits(value) == _kept_by_law(pk, value), (
            f"customer id {pk}: {value!r} survived: {_where(value)}"
        )


# --- B-5: a mass run over a seeded register, where people wrote the details into kept text ----------


def _spellings(customer: Customer) -> list[str]:
    """The customer's e-mail, phones, personal number and full names, and the other spellings the demo
    data writes them in (B-5): a phone as +46 70 …, as bare digits, as +46 (0)70-…; the personal number
    without century (which the one with century contains)."""
    values = [
        customer.email,
        f"{customer.first_name} {customer.last_name}",
        customer.name,
        customer.contact_person,
    ]
    for phone in (customer.phone, customer.mobile):
        if phone:
            values += [phone, *(seeder._phone_spelling(phone, style) for style in range(3))]
    if customer.organisation_number:
        values.append(customer.organisation_number[2:])
    return list(dict.fromkeys(v.strip() for v in values if v and len(v.strip()) >= 6))


def _text_by_customer(*, kept_for_review: bool = False) -> dict[int, str]:
    """Every text column of every table the policy links to a customer (or only the kept free text the
    residue scan reads), lower case, per customer: one query per table."""
    from django.db.models import CharField, FileField, TextField

    texts: dict[int, list[str]] = defaultdict(list)
    for table in (policy.CUSTOMER, *policy.TABLES):
        model = table.model_class
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, CharField | TextField) and not isinstance(f, FileField)
        ]
        if kept_for_review:
            names = [name for name in names if name in table.review_fields()]
        if not names:
            continue
        for owner, *values in model._default_manager.values_list(table.link, *names):
            texts[owner].extend(str(v).lower() for v in values if v)
    return {owner: "\x00".join(values) for owner, values in texts.items()}


def _legal_copies() -> Callable[[int, str], int]:
    """_kept_by_law() for every customer at once: the vouchers' legal copies read in one query a table."""
    copies: dict[int, list[str]] = defaultdict(list)
    for model in (Invoice, AgreementInvoice, Receipt):
        fields = [f for f in VOUCHER_FIELDS if any(f == x.name for x in model._meta.fields)]
        for owner, *values in model.objects.values_list("customer_id", *fields):
            copies[owner].extend(str(v).lower() for v in values)
    joined = {owner: "\x00".join(values) for owner, values in copies.items()}
    return lambda owner, value: joined.get(owner, "").count(value.lower())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_b3_b5_after_a_mass_run_the_details_people_wrote_are_found_nowhere_but_in_vouchers(admin_user):
    # given a seeded register, where people wrote customers' details into kept free text and documents
    seed_demo(customers=400, seed=5)
    through = timezone.localdate() - timedelta(days=366)
    job = jobs.plan_mass_job(actor=admin_user, criteria="both", through=through, limit=10_000)
    ids = list(job.items.exclude(planned="ignore").values_list("customer_id", flat=True))
    # Each erased customer's details, in every spelling, unless another customer's rows hold the same
    # (a namesake, or a phone number someone else's text mentions): those are not this customer's.
    texts = _text_by_customer()
    targets = [
        (customer.pk, value)
        for customer in Customer.objects.filter(pk__in=ids)
        for value in _spellings(customer)
        if not any(value.lower() in text for owner, text in texts.items() if owner != customer.pk)
    ]
    kept_text, kept_by_law = _text_by_customer(kept_for_review=True), _legal_copies()
    in_free_text = [(pk, v) for pk, v in targets if v.lower() in kept_text.get(pk, "")]
    respelled = [(pk, v) for pk, v in in_free_text if v.startswith("+46") or v.isdigit()]
    label = Document._meta.label
    documents = {
        f.row_id for found in residue.scan_in_chunks(ids).values() for f in found if f.model == label
    }
    assert len(in_free_text) >= 10 and respelled and documents
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    hits = _scan()
    assert all(hits(value) > kept_by_law(pk, value) for pk, value in in_free_text)

    # when the mass run erases them
    jobs.start_job(actor=admin_user, job=job, enqueue=False)
    job = jobs.run_job(job_id=job.pk)
    assert job.failed == 0 and job.anonymized > 20 and job.deleted > 5

    # then each detail is found exactly as often as the legal copies of its vouchers keep it
    hits = _scan()
    survived = {(pk, value): _where(value) for pk, value in targets if hits(value) != kept_by_law(pk, value)}
    assert survived == {}
    assert not Document.objects.filter(pk__in=documents).exists()  # and the documents that named them
