"""SPEC §4 anonymization, field by field, on a customer with a row in every linked table."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.billing.models import AgreementInvoice, Invoice, Receipt
from kund.customers.models import CreditFile, CreditInfo, Customer, CustomFieldValue, Notification
from kund.customers.services import customer_assign, customer_update
from kund.demo.seeder import seed_demo
from kund.demo.testing.factories import Person, add_owned, add_transactions, make_customer
from kund.documents.models import Document
from kund.privacy import policy, residue
from kund.privacy.planner import Action, plan_customer, plan_customers
from kund.privacy.services import ErasureRefused, customer_anonymize, customer_delete, erase_customers

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(admin_user):
    customer = make_customer(actor=admin_user)
    rows = add_transactions(customer)
    rows.update(add_owned(customer))
    return customer, rows


def _expected(model, name, rule, before):
    field = model._meta.get_field(name)
    if rule is policy.XXXX:
        return "Xxxx"
    if rule is policy.XXXX_NAME:  # the customers here are private persons
        return "Xxxx Xxxx"
    if rule is policy.CLEAR:
        return None if field.null else ""
    if rule is policy.YEAR_ONLY:
        return None if before is None else date(before.year, 1, 1)
    if rule is policy.ZERO:
        return Decimal("0")
    if rule is policy.NO:
        return False
    return before


def _values(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def _check_row(model, table, before: dict, after: dict, label: str) -> None:
    for name, rule in table.fields.items():
        attname = model._meta.get_field(name).attname
        if name in ("updated_at", "anonymized_at"):
            continue
        if rule is policy.DERIVED:  # recomputed by the database from anonymized fields
            assert not before[attname] or after[attname] != before[attname], f"{label}.{name}"
            continue
        if rule.review:  # kept, with the person's details in it redacted (B-5): see test_residue.py
            continue
        assert after[attname] == _expected(model, name, rule, before[attname]), f"{label}.{name}"


def test_every_policy_field_of_every_linked_row_ends_as_the_policy_says(settled, admin_user):
    # given a customer with every linked record, each full of the person's details
    customer, rows = settled
    before = {key: _values(type(row), row.pk) for key, row in rows.items()}
    customer_before = _values(Customer, customer.pk)
    # when it is anonymized
    customer_anonymize(customer=customer, actor=admin_user)
    # then every field of the customer and of each kept row is as the policy says
    _check_row(Customer, policy.CUSTOMER, customer_before, _values(Customer, customer.pk), "customer")
    for key, row in rows.items():
        model = type(row)
        table = policy.table_for(model._meta.label)
        # deleted rows, and the document: a scan Kund cannot read goes with the anonymization (B-5)
        if table.rows == policy.DELETE_ROWS or key == "document":
            assert not model.objects.filter(pk=row.pk).exists(), key
        else:
            _check_row(model, table, before[key], _values(model, row.pk), key)


def test_spec_customer_fields(settled, admin_user):
    customer, _rows = settled
    customer_anonymize(customer=customer, actor=admin_user)
    c = Customer.objects.get(pk=customer.pk)
    # names → Xxxx; a private person's name → Xxxx Xxxx (seed 001: "Anna Andersson … Xxxx Xxxx")
    assert (c.first_name, c.last_name, c.contact_person) == ("Xxxx",) * 3
    assert c.name == "Xxxx Xxxx"
    assert (c.invoice_company_name, c.visit_company_name, c.delivery_company_name) == ("Xxxx",) * 3
    # cleared
    assert c.organisation_number == c.vat_number == c.phone == c.mobile == c.fax == c.email == c.website == ""
    assert c.invoice_attention == c.invoice_address1 == c.invoice_address2 == c.invoice_address3 == ""
    assert c.invoice_city == c.visit_city == c.delivery_city == c.visit_address1 == c.delivery_address1 == ""
    # generalized
    assert c.birth_date == date(1981, 1, 1)
    assert (c.invoice_latitude, c.invoice_longitude) == (Decimal("0"), Decimal("0"))
    assert (c.visit_latitude, c.visit_longitude, c.delivery_latitude) == (Decimal("0"),) * 3
    assert not c.email_consent and not c.post_consent
    # A-1 kept
    assert c.gender == Customer.Gender.FEMALE
    assert c.invoice_postal_code == c.visit_postal_code == c.delivery_postal_code == "114 55"
    assert (c.invoice_region, c.invoice_country) == ("Uppsala län", "SE")
    # A-2 kept for review by hand
    assert c.info and c.internal_info
    assert c.anonymized_at is not None


def test_a3_invoices_and_receipts_frozen_copy_is_byte_identical(settled, admin_user):
    customer, rows = settled
    vouchers = [Invoice, AgreementInvoice]
    before = {m: list(m.objects.filter(customer=customer).values()) for m in vouchers}
    receipt_before = Receipt.objects.filter(customer=customer).values().get()
    customer_anonymize(customer=customer, actor=admin_user)
    for m in vouchers:
        after = list(m.objects.filter(customer=customer).values())
        assert after == before[m]
    receipt_after = Receipt.objects.filter(customer=customer).values().get()
    changed = {k for k in receipt_before if receipt_before[k] != receipt_after[k]}
    assert changed == {"sent_to_email", "sent_to_mobile"}


def test_credit_information_and_its_files_are_deleted(
    settled, admin_user, django_capture_on_commit_callbacks
):
    customer, rows = settled
    from django.core.files.storage import default_storage

    name = rows["credit_file"].file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        customer_anonymize(customer=customer, actor=admin_user)
    assert not CreditInfo.objects.filter(customer=customer).exists()
    assert not CreditFile.objects.filter(pk=rows["credit_file"].pk).exists()
    assert not default_storage.exists(name)


def test_a2_documents_and_custom_values_are_kept_unless_they_hold_the_person(settled, admin_user):
    # given the customer's scanned contract (a PDF without a text layer Kund could read), and a drawing's
    # note that names no one
    customer, rows = settled
    note = Document.objects.create(
        customer=customer,
        title="Ritning altan",
        file=ContentFile(b"Altan 4 x 6 m, tryckimpregnerat virke.\n", name="ritning.txt"),
    )
    # when the customer is anonymized
    customer_anonymize(customer=customer, actor=admin_user)
    # then the note and the custom value stay; the document Kund cannot check goes with it (B-5)
    assert list(Document.objects.filter(customer=customer)) == [note]
    assert CustomFieldValue.objects.get(customer=customer).value == "1234"


def test_a7_change_history_values_notifications_and_admin_log_are_scrubbed(admin_user, settled):
    # given history with old and new values, a notification and an admin log entry naming the person
    customer, _rows = settled
    customer_update(customer=customer, actor=admin_user, data={"email": "ny.adress@example.se"})
    customer_assign(customer=customer, actor=admin_user, responsible=admin_user)
    LogEntry.objects.log_actions(
        user_id=admin_user.pk, queryset=[Customer.objects.get(pk=customer.pk)], action_flag=CHANGE
    )
    assert ChangeRecord.objects.filter(customer=customer).exclude(old_value="").exists()
    # when anonymized
    customer_anonymize(customer=customer, actor=admin_user)
    # then who/when/which field stays, the values do not
    history = ChangeRecord.objects.filter(customer=customer)
    assert history.count() >= 3
    assert set(history.values_list("old_value", flat=True)) == {""}
    assert set(history.values_list("new_value", flat=True)) == {""}
    assert not Notification.objects.filter(customer=customer).exists()
    ct = ContentType.objects.get_for_model(Customer)
    assert not LogEntry.objects.filter(content_type=ct, object_id=str(customer.pk)).exists()


def test_b2_one_log_row_without_personal_data(settled, admin_user):
    customer, _rows = settled
    outcome = customer_anonymize(customer=customer, actor=admin_user)
    entry = ErasureLogEntry.objects.get()
    assert outcome.receipt == entry.hash
    assert entry.customer_number == customer.number and entry.action == "anonymize"
    assert entry.actor_username == "admin"
    assert entry.counts["sales.Order"] == 1 and entry.counts["customers.Customer"] == 1
    text = str(ErasureLogEntry.objects.values().get())
    for value in Person().values():
        assert value not in text


def test_a4_anonymized_customer_cannot_be_anonymized_again_or_changed(settled, admin_user):
    customer, _rows = settled
    customer_anonymize(customer=customer, actor=admin_user)
    assert plan_customer(customer).action == Action.ALREADY_ANONYMIZED
    with pytest.raises(ErasureRefused):
        customer_anonymize(customer=customer, actor=admin_user)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        customer_update(customer=customer, actor=admin_user, data={"first_name": "Ingrid"})
    assert ErasureLogEntry.objects.count() == 1


@pytest.mark.parametrize(
    "block",
    [
        ("order", {"delivered": False}),
        ("order", {"invoiced": False}),
        ("invoice", {"paid": False}),
        ("agreement", {"ended_on": None}),
    ],
    ids=["order-not-delivered", "order-not-invoiced", "invoice-not-paid", "ongoing-agreement"],
)
def test_e3_each_blocker_refuses_anonymization_and_changes_nothing(settled, admin_user, block):
    customer, rows = settled
    key, change = block
    type(rows[key]).objects.filter(pk=rows[key].pk).update(**change)
    before = model_to_dict(Customer.objects.get(pk=customer.pk))
    with pytest.raises(ErasureRefused) as refused:
        customer_anonymize(customer=customer, actor=admin_user)
    assert rows[key].ref in str(refused.value)
    assert model_to_dict(Customer.objects.get(pk=customer.pk)) == before
    assert not ErasureLogEntry.objects.exists()


def test_e4_anonymize_needs_the_erasure_right(settled, clerk, eraser):
    customer, _rows = settled
    with pytest.raises(PermissionDenied):
        customer_anonymize(customer=customer, actor=clerk)
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None
    customer_anonymize(customer=customer, actor=eraser)
    assert Customer.objects.get(pk=customer.pk).anonymized_at is not None


def test_delete_door_refuses_a_customer_with_transactions(settled, admin_user):
    customer, _rows = settled
    with pytest.raises(ErasureRefused):
        customer_delete(customer=customer, actor=admin_user)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_two_customers_in_one_batch_do_not_touch_a_third(admin_user):
    a = make_customer(actor=admin_user, person=Person(first_name="Anna", email="anna@example.se"))
    b = make_customer(actor=admin_user, person=Person(first_name="Bertil", email="bertil@example.se"))
    c = make_customer(actor=admin_user, person=Person(first_name="Cecilia", email="cecilia@example.se"))
    for customer in (a, b, c):
        add_transactions(customer, person=Person(first_name=customer.first_name, email=customer.email))
    result = erase_customers(customer_ids=[a.pk, b.pk], actor=admin_user)
    assert result.counts() == {"deleted": 0, "anonymized": 2, "ignored": 0, "failed": 0}
    untouched = Customer.objects.get(pk=c.pk)
    assert untouched.first_name == "Cecilia" and untouched.anonymized_at is None
    from kund.sales.models import Order

    assert Order.objects.get(customer=c).invoice_name == "Cecilia Lindqvist"
    assert Order.objects.get(customer=a).invoice_name == ""


def test_b2_a_batch_is_logged_by_customer_number_whatever_the_ids(admin_user):
    """Numbers can be typed in, so a later customer may have a lower number; the log still lists a batch
    by number."""
    customers = [
        make_customer(actor=admin_user, person=Person(first_name=f"Kund{n}"), number=n)
        for n in ("30003", "10001", "20002")
    ]
    for customer in customers[:2]:
        add_transactions(customer)
    result = erase_customers(customer_ids=[c.pk for c in customers], actor=admin_user)
    assert result.counts() == {"deleted": 1, "anonymized": 2, "ignored": 0, "failed": 0}
    logged = list(ErasureLogEntry.objects.order_by("sequence").values_list("customer_number", "action"))
    assert logged == [("20002", "delete"), ("10001", "anonymize"), ("30003", "anonymize")]
    assert [o.number for o in result.outcomes] == ["20002", "10001", "30003"]


def _seeded_erasable() -> list:
    """A seeded register's customers that can be erased, by their plans."""
    seed_demo(customers=120, seed=5)
    plans = plan_customers(Customer.objects.all(), detail=False)
    return [p for p in plans.values() if p.action in (Action.DELETE, Action.ANONYMIZE)]


def test_b2_log_counts_are_each_customers_rows_in_every_table(admin_user):
    # given a seeded register, and every customer that can be erased, counted table by table beforehand
    erasable = _seeded_erasable()
    assert {p.action for p in erasable} == {Action.DELETE, Action.ANONYMIZE}
    expected = {}
    for plan in erasable:
        rows = {"customers.Customer": 1}
        for table in policy.TABLES:
            n = table.model_class._default_manager.filter(**{table.link: plan.customer_id}).count()
            if n:  # a model listed once per link to a customer (an activity's second customer) sums them
                rows[table.model] = rows.get(table.model, 0) + n
        expected[plan.number] = rows
    # the batch's counts come from several statements; make sure they had something to count
    assert any(len(rows) > 8 for rows in expected.values())

    # when they are erased in one batch, in chunks that mix deleted and anonymized customers
    seeded = ErasureLogEntry.objects.count()  # the seed erases a few customers of its own
    erase_customers(customer_ids=[p.customer_id for p in erasable], actor=admin_user, chunk_size=25)

    # then each log row counts exactly the rows its customer had, table by table (and, apart, the rows
    # whose kept text held the person, B-5)
    logged = {
        number: {table: n for table, n in counts.items() if not table.startswith(residue.COUNTS_PREFIX)}
        for number, counts in ErasureLogEntry.objects.filter(sequence__gt=seeded).values_list(
            "customer_number", "counts"
        )
    }
    assert logged == expected


def test_each_erasing_statement_finds_its_rows_from_the_scope_without_reading_its_table_twice(admin_user):
    # given a seeded register, whose customers have rows in tables linked through other tables
    erasable = [p.customer_id for p in _seeded_erasable()]

    # when they are erased
    with CaptureQueriesContext(connection) as queries:
        erase_customers(customer_ids=erasable, actor=admin_user, chunk_size=50)

    # then no UPDATE or DELETE selects its rows through a second copy of its own table (PostgreSQL read
    # that copy whole once per row when the table's statistics were stale), the chained ones included
    writes = {}
    for query in queries.captured_queries:
        found = re.match(r'(UPDATE|DELETE FROM) "(\w+)"', query["sql"])
        if found:
            writes.setdefault(found[2], []).append(query["sql"][found.end() :])
    assert {"customers_creditfile", "sales_inbounddelivery", "support_ticketreply"} <= set(writes)
    for table, statements in writes.items():
        for rest in statements:
            assert f'FROM "{table}"' not in rest and f'JOIN "{table}"' not in rest, (table, rest[:300])
