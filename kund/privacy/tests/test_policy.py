"""B-4: every field of every model is classified, and the policy says what SPEC §4's table says."""

import pytest
from django.apps import apps
from django.db import models

from kund.core.rights import KUND_APP_LABELS
from kund.privacy import policy

LINKED = {t.model for t in (policy.CUSTOMER, *policy.TABLES)}


def _classifiable(field) -> bool:
    """Every field holds a value to classify but the row's id and the links between the customer's own
    rows (customer, order, ticket, …); links to users, groups and other reference data are classified."""
    if field.primary_key:
        return False
    if field.is_relation and field.related_model is not None:
        return field.related_model._meta.label not in LINKED
    return True


def _kund_models():
    return [m for m in apps.get_models() if m._meta.app_label in KUND_APP_LABELS]


def test_b4_every_kund_model_is_in_the_policy():
    # given every model of Kund's apps
    labels = {m._meta.label for m in _kund_models()}
    # when compared with the policy
    covered = {t.model for t in (policy.CUSTOMER, *policy.TABLES)} | set(policy.UNLINKED)
    # then none is missing, and the policy names no model that does not exist
    assert labels - covered == set(), "models the erasure policy does not know"
    assert covered - labels == set(), "the policy names models that do not exist"


@pytest.mark.parametrize("table", (policy.CUSTOMER, *policy.TABLES), ids=lambda t: t.model)
def test_b4_every_field_is_classified(table):
    # given a linked model's fields that can hold a value
    model = apps.get_model(table.model)
    names = {f.name for f in model._meta.concrete_fields if _classifiable(f)}
    # then the policy gives each one a rule, and only real fields
    assert names - set(table.fields) == set(), f"unclassified fields on {table.model}"
    assert set(table.fields) - names == set(), f"the policy names fields {table.model} does not have"


@pytest.mark.parametrize("table", policy.TABLES, ids=lambda t: t.model)
def test_link_reaches_the_customer(table):
    # the lookup is valid: filtering by it builds a query without error
    model = apps.get_model(table.model)
    str(model.objects.filter(**{f"{table.link}__in": [1]}).query)


def test_every_text_field_that_changes_can_be_cleared():
    for table in (policy.CUSTOMER, *policy.TABLES):
        model = apps.get_model(table.model)
        for name, rule in table.assignments().items():
            field = model._meta.get_field(name)
            if rule is policy.CLEAR:
                assert field.null or field.blank, f"{table.model}.{name} cannot be emptied"
            if rule in (policy.XXXX, policy.XXXX_NAME):
                assert isinstance(field, models.CharField), f"{table.model}.{name} cannot hold Xxxx"


X, E, K = "Xxxx", "empty", "kept"
XX = "Xxxx Xxxx"  # seed 001: "Anna Andersson omvandlas till Xxxx Xxxx" (a company: Xxxx)
# SPEC §4's table, written out from the SPEC (not from the policy), row by row.
SPEC_TABLE = {
    "customers.Customer": {
        "first_name": X,
        "last_name": X,
        "name": XX,
        "organisation_number": E,
        "vat_number": E,
        "email_consent": "no",
        "post_consent": "no",
        "invoice_company_name": X,
        "invoice_attention": E,
        "invoice_address1": E,
        "invoice_address2": E,
        "invoice_address3": E,
        "invoice_city": E,
        "invoice_latitude": "zero",
        "invoice_longitude": "zero",
        "visit_company_name": X,
        "visit_address1": E,
        "visit_address2": E,
        "visit_address3": E,
        "visit_city": E,
        "visit_latitude": "zero",
        "visit_longitude": "zero",
        "delivery_company_name": X,
        "delivery_address1": E,
        "delivery_city": E,
        "delivery_latitude": "zero",
        "contact_person": X,
        "phone": E,
        "mobile": E,
        "fax": E,
        "email": E,
        "website": E,
        "birth_date": "year",
        # Seed 003: the status "deceased" records a fact; its date keeps only the year, as the birth date.
        "deceased_on": "year",
        # kept
        "gender": K,
        "invoice_postal_code": K,
        "visit_postal_code": K,
        "delivery_postal_code": K,
        "group": K,
        "invoice_region": K,
        "invoice_country": K,
        "visit_region": K,
        "visit_country": K,
        "info": K,
        "internal_info": K,
    },
    "customers.Branch": {
        "name": X,
        "address": E,
        "postal_code": E,
        "city": E,
        "phone": E,
        "email": E,
        "contact": E,
        "country": E,
    },
    "crm.Activity": {
        "subject": X,
        "contact_name": X,
        "text": E,
        "contact_email": E,
        "contact_phone": E,
        # Seed 001: "Om det finns en kundkoppling till aktiviteten/händelsen så anonymiseras den också."
        "second_contact_name": X,
        "second_contact_email": E,
        "second_contact_phone": E,
        "date": K,
        "kind": K,
    },
    # The same activities reached from their second customer: only the link's details change.
    "crm.Activity/second_customer": {
        "second_contact_name": X,
        "second_contact_email": E,
        "second_contact_phone": E,
        "subject": K,
        "text": K,
        "contact_name": K,
        "contact_email": K,
        "contact_phone": K,
        "date": K,
    },
    "support.SupportTicket": {
        "name": X,
        "email": E,
        "phone": E,
        "subject": E,
        "text": E,
        "internal_comment": E,
    },
    "support.TicketReply": {"text": E},
    "crm.EmailMessage": {
        "name": X,
        "email": E,
        "phone": E,
        "subject": E,
        "text": E,
        "replies": E,
        "internal_comment": E,
    },
    "sales.Quote": {
        "customer_reference": E,
        "invoice_name": E,
        "invoice_attention": E,
        "invoice_address": E,
        "invoice_postal_code": E,
        "invoice_city": E,
        "delivery_name": E,
        "delivery_attention": E,
        "delivery_address": E,
        "delivery_postal_code": E,
        "delivery_city": E,
        "published_comment": K,
        "terms": K,
        "internal_comment": K,
        "invoice_region": K,
        "invoice_country": K,
        "delivery_region": K,
        "delivery_country": K,
    },
    "sales.Order": {
        "customer_reference": E,
        "customer_order_reference": E,
        "notification_mobile": E,
        "invoice_name": E,
        "invoice_attention": E,
        "invoice_address": E,
        "invoice_postal_code": E,
        "invoice_city": E,
        "delivery_name": E,
        "delivery_attention": E,
        "delivery_address": E,
        "delivery_postal_code": E,
        "delivery_city": E,
        "published_comment": K,
        "terms": K,
        "internal_comment": K,
        "delivery_region": K,
        "delivery_country": K,
    },
    "sales.Delivery": {
        "customer_reference": E,
        "notification_mobile": E,
        # Seed 001, "Leveransinformation": "gäller både för faktura- och leveransaddress".
        "invoice_name": E,
        "invoice_attention": E,
        "invoice_address": E,
        "invoice_postal_code": E,
        "invoice_city": E,
        "invoice_region": K,
        "invoice_country": K,
        "delivery_name": E,
        "delivery_attention": E,
        "delivery_address": E,
        "delivery_postal_code": E,
        "delivery_city": E,
        "published_comment": K,
        "terms": K,
        "internal_comment": K,
    },
    "sales.TradeInvoice": {
        "customer_display": X,
        "name": E,
        "address": E,
        "postal_code": E,
        "city": E,
        "recipient_org_number": E,
        "recipient_vat_number": E,
        "recipient_name": E,
        "email": E,
        "phone": E,
        # Seed 001, "Handelsfaktura": "adressuppgifter för mottagare och avsändare".
        "sender_name": E,
        "sender_address": E,
        "sender_postal_code": E,
        "sender_city": E,
        "sender_country": K,
    },
    "sales.DropshipOrder": {
        "order_reference": E,
        "phone": E,
        "mobile": E,
        "invoice_name": E,
        "invoice_attention": E,
        "invoice_address": E,
        "invoice_postal_code": E,
        "invoice_city": E,
        "delivery_name": E,
        "delivery_attention": E,
        "delivery_address": E,
        "delivery_postal_code": E,
        "delivery_city": E,
        "published_comment": K,
        "terms": K,
        "internal_comment": K,
    },
    "sales.Purchase": {
        "order_reference": E,
        "phone": E,
        "mobile": E,
        "published_comment": E,
        "delivery_name": E,
        "delivery_attention": E,
        "delivery_address": E,
        "delivery_postal_code": E,
        "delivery_city": E,
        "terms": K,
        "internal_comment": K,
    },
    "sales.InboundDelivery": {
        "order_reference": E,
        "phone": E,
        "mobile": E,
        "published_comment": E,
        "delivery_name": E,
        "delivery_attention": E,
        "delivery_address": E,
        "delivery_postal_code": E,
        "delivery_city": E,
        # Seed 001, "Inleverans av Inköp kopplat till dropship-order": "Krav/Villkor, Intern kommentar:
        # Bibehålls".
        "terms": K,
        "internal_comment": K,
        "delivery_country": K,
    },
    "crm.Agreement": {"customer_reference": X, "recipient": X, "email": E},
    "billing.PaymentReminder": {
        "customer_name": E,
        "customer_address": E,
        "customer_postal_code": E,
        "customer_city": E,
        "customer_email": E,
    },
    "billing.Receipt": {
        "customer_name": K,
        "customer_address": K,
        "customer_org_number": K,
        "sent_to_email": E,
        "sent_to_mobile": E,
    },
    "billing.Invoice": {
        "customer_name": K,
        "customer_address": K,
        "customer_postal_code": K,
        "customer_city": K,
        "customer_org_number": K,
        "customer_email": K,
    },
    "billing.AgreementInvoice": {"customer_name": K, "customer_address": K, "customer_org_number": K},
}
EXPECTED_ACTION = {
    X: "xxxx",
    XX: "xxxx_name",
    E: "clear",
    K: "keep",
    "no": "no",
    "zero": "zero",
    "year": "year_only",
}


def _table(key: str) -> policy.Table:
    """SPEC_TABLE's key: a model label, or "label/link" for a model's second link to a customer."""
    label, _slash, link = key.partition("/")
    if not link:
        return policy.table_for(label)
    (table,) = [t for t in policy.tables_for(label) if t.link == f"{link}_id"]
    return table


@pytest.mark.parametrize("model_label", sorted(SPEC_TABLE))
def test_policy_matches_spec_table(model_label):
    table = _table(model_label)
    for field_name, fate in SPEC_TABLE[model_label].items():
        assert table.fields[field_name].action == EXPECTED_ACTION[fate], f"{model_label}.{field_name}"


def test_credit_information_is_deleted_on_anonymization():
    assert policy.table_for("customers.CreditInfo").rows == policy.DELETE_ROWS
    assert policy.table_for("customers.CreditFile").rows == policy.DELETE_ROWS


def test_invoices_are_never_rewritten():
    """A-3: invoices and agreement invoices are kept as they are."""
    for label in ("billing.Invoice", "billing.AgreementInvoice"):
        table = policy.table_for(label)
        assert table.rows == policy.KEEP_ROWS
        assert not table.assignments()


def test_e2_transactions_are_every_linked_record_but_the_customers_own():
    kinds = {t.model for t in policy.TRANSACTION_TABLES}
    owned = {
        "customers.Branch",
        "customers.CreditInfo",
        "customers.CreditFile",
        "customers.CustomFieldValue",
        "documents.Document",
        "audit.ChangeRecord",
        "customers.Notification",
    }
    assert not kinds & owned
    assert {
        "crm.Activity",
        "crm.Agreement",
        "billing.AgreementInvoice",
        "crm.Project",
        "crm.ProjectGroupMembership",
        "billing.Invoice",
        "crm.EmailMessage",
        "sales.Order",
        "sales.OrderExtraInfo",
        "billing.Receipt",
        "billing.ReminderFee",
        "crm.ResellerLink",
        "sales.Quote",
    } <= kinds


def test_e3_blockers():
    reasons = {(t.model, b.reason) for t in policy.BLOCKER_TABLES for b in t.blockers}
    assert {
        ("sales.Order", "not delivered"),
        ("sales.Order", "not invoiced"),
        ("billing.Invoice", "not paid"),
        ("crm.Agreement", "ongoing agreement"),
    } <= reasons
