"""The erasure policy: SPEC §4's field map as data.

One `Table` per model that holds anything about a customer. Hold it beside SPEC §4's table and check it
row by row: for each model, how it reaches the customer (`link`), whether it counts as a linked
transaction or event (E-2, `kind`), what blocks anonymization (E-3, `blockers`), what happens to its rows
on anonymization (`rows`), and the fate of every field. A field that is not listed fails the coverage
test (B-4), so a new field cannot silently escape erasure.

On delete (D-1) there is no per-field fate: the customer and every row listed with `deleted_with_customer`
go, and a customer with any transaction is never deleted (E-1).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

# --- the fate of one field -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What anonymization does to a field."""

    action: str  # "xxxx", "clear", "year_only", "zero", "no", "keep"
    reason: str = ""

    @property
    def changes(self) -> bool:
        return self.action != "keep"

    @property
    def review(self) -> bool:
        """Kept free text the user must review by hand before anonymizing (A-2)."""
        return self.action == "keep" and self.reason == REVIEW_REASON


REVIEW_REASON = "free text kept, listed for review by hand (A-2)"

XXXX = Rule("xxxx")  # the name becomes "Xxxx"
CLEAR = Rule("clear")  # empty string, or NULL where the field allows it
YEAR_ONLY = Rule("year_only")  # a birth date becomes 1 January of the same year (kept for age statistics)
ZERO = Rule("zero")  # map coordinates become 0.000000
NO = Rule("no")  # a consent flag becomes "no"
KEEP_LAW = Rule("keep", "bookkeeping law: the voucher's legal copy is not altered (A-3)")
KEEP_STATS = Rule("keep", "kept for statistics (A-1)")
REVIEW = Rule("keep", REVIEW_REASON)
NOT_PERSONAL = Rule("keep", "not personal data")
IDENTIFIER = Rule("keep", "the customer number stays reserved and matches the accounting system (R-1)")
GONE = Rule("keep", "the row is deleted on anonymization")

ANONYMIZED_NAME = "Xxxx"


# --- blockers (E-3) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    reason: str
    condition: object  # a function today -> Q over the table's rows


def not_delivered(today: date) -> Q:
    return Q(delivered=False)


def not_invoiced(today: date) -> Q:
    return Q(invoiced=False)


def not_paid(today: date) -> Q:
    return Q(paid=False)


def ongoing(today: date) -> Q:
    return Q(ended_on__isnull=True) | Q(ended_on__gte=today)


# --- one table ---------------------------------------------------------------------------------------

UPDATE = "update"  # the rows stay; the fields are anonymized as listed
DELETE_ROWS = "delete"  # the rows are deleted on anonymization
KEEP_ROWS = "keep"  # the rows stay untouched


@dataclass(frozen=True)
class Table:
    model: str  # "app_label.ModelName"
    link: str  # lookup from the row to the customer's id, e.g. "customer_id", "ticket__customer_id"
    kind: str | None  # its name in plans when it is a linked transaction or event (E-2); None otherwise
    fields: dict[str, Rule]
    rows: str = UPDATE
    blockers: tuple[Blocker, ...] = ()
    deleted_with_customer: bool = False  # D-1: only the customer's, deleted with it
    files: tuple[str, ...] = ()  # file fields whose files are removed from storage when rows go
    note: str = ""

    @property
    def model_class(self):
        from django.apps import apps

        return apps.get_model(self.model)

    def assignments(self) -> dict[str, Rule]:
        return {name: rule for name, rule in self.fields.items() if rule.changes}

    def review_fields(self) -> list[str]:
        return [name for name, rule in self.fields.items() if rule.review]


def _same(rule: Rule, *names: str) -> dict[str, Rule]:
    return dict.fromkeys(names, rule)


def _address_copy(prefix: str) -> dict[str, Rule]:
    """The address copy on quotes, orders, deliveries, dropship orders and purchases (SPEC §4): name,
    attention, address, postal code, city → empty; region and country kept (A-1)."""
    return {
        **_same(
            CLEAR, *(f"{prefix}_{part}" for part in ("name", "attention", "address", "postal_code", "city"))
        ),
        **_same(KEEP_STATS, f"{prefix}_region", f"{prefix}_country"),
    }


def _customer_address(prefix: str, *, attention: bool) -> dict[str, Rule]:
    """An address of the customer itself: company name → Xxxx; attention, lines 1–3, city → empty;
    coordinates → 0, 0; postal code, region and country kept (A-1)."""
    rules = {
        f"{prefix}_company_name": XXXX,
        **_same(CLEAR, f"{prefix}_address1", f"{prefix}_address2", f"{prefix}_address3", f"{prefix}_city"),
        **_same(ZERO, f"{prefix}_latitude", f"{prefix}_longitude"),
        **_same(KEEP_STATS, f"{prefix}_postal_code", f"{prefix}_region", f"{prefix}_country"),
    }
    if attention:
        rules[f"{prefix}_attention"] = CLEAR
    return rules


COMMENTS_KEPT = _same(REVIEW, "published_comment", "terms", "internal_comment")

# The customer itself is anonymized last, by the executor, with these rules.
CUSTOMER = Table(
    model="customers.Customer",
    link="id",
    kind=None,
    fields={
        **_same(XXXX, "first_name", "last_name", "name", "contact_person"),
        **_same(CLEAR, "organisation_number", "vat_number", "phone", "mobile", "fax", "email", "website"),
        **_same(NO, "email_consent", "post_consent"),
        "birth_date": YEAR_ONLY,
        **_customer_address("invoice", attention=True),
        **_customer_address("visit", attention=False),
        # Decision (SPEC §4): the delivery address is treated as the visiting address.
        **_customer_address("delivery", attention=False),
        **_same(KEEP_STATS, "gender", "group"),
        **_same(REVIEW, "info", "internal_info"),
        "number": IDENTIFIER,
        **_same(NOT_PERSONAL, "kind", "status", "responsible", "created_at", "updated_at", "anonymized_at"),
        # R-2 search columns: generated by the database from name, last name, contact person and e-mail,
        # so anonymizing those rewrites them in the same UPDATE (A-7: no stale search index).
        **_same(
            Rule("keep", "generated by the database from an anonymized field (A-7)"),
            "search_name",
            "search_last_name",
            "search_contact",
            "search_email",
        ),
    },
    deleted_with_customer=True,
)

TABLES: tuple[Table, ...] = (
    # --- only the customer's: deleted with it (D-1) ---------------------------------------------------
    Table(
        model="customers.Branch",
        link="customer_id",
        kind=None,
        fields={
            "name": XXXX,
            **_same(CLEAR, "address", "postal_code", "city", "country", "phone", "email", "contact"),
        },
        deleted_with_customer=True,
    ),
    Table(
        model="customers.CreditInfo",
        link="customer_id",
        kind=None,
        rows=DELETE_ROWS,
        fields=_same(GONE, "checked_on", "provider", "rating", "credit_limit", "note"),
        deleted_with_customer=True,
    ),
    Table(
        model="customers.CreditFile",
        link="credit_info__customer_id",
        kind=None,
        rows=DELETE_ROWS,
        fields=_same(GONE, "file", "uploaded_at"),
        files=("file",),
        deleted_with_customer=True,
    ),
    Table(
        model="customers.CustomFieldValue",
        link="customer_id",
        kind=None,
        rows=KEEP_ROWS,
        fields={"value": REVIEW, "field": NOT_PERSONAL},
        deleted_with_customer=True,
    ),
    Table(
        model="customers.Notification",
        link="customer_id",
        kind=None,
        rows=DELETE_ROWS,
        fields=_same(GONE, "recipient", "verb", "created_at", "read_at"),
        deleted_with_customer=True,
        note="Stores no text; removed on anonymization too, so no trace of the assignment remains (A-7).",
    ),
    Table(
        model="documents.Document",
        link="customer_id",
        kind=None,
        rows=KEEP_ROWS,
        fields={"title": REVIEW, "file": REVIEW, **_same(NOT_PERSONAL, "uploaded_at", "uploaded_by")},
        deleted_with_customer=True,
        files=("file",),
    ),
    Table(
        model="audit.ChangeRecord",
        link="customer_id",
        kind=None,
        fields={
            **_same(CLEAR, "old_value", "new_value"),
            **_same(NOT_PERSONAL, "at", "event", "field", "actor"),
        },
        deleted_with_customer=True,
        note="Who changed which field when stays; the values go (A-7).",
    ),
    # --- CRM -------------------------------------------------------------------------------------------
    Table(
        model="crm.Activity",
        link="customer_id",
        kind="activity",
        fields={
            # Decision (SPEC §4): subject and contact name → Xxxx, text and contact details → empty.
            **_same(XXXX, "subject", "contact_name"),
            **_same(CLEAR, "text", "contact_email", "contact_phone"),
            **_same(NOT_PERSONAL, "number", "kind", "date", "user"),
        },
    ),
    Table(
        model="crm.Agreement",
        link="customer_id",
        kind="agreement",
        fields={
            **_same(XXXX, "customer_reference", "recipient"),
            "email": CLEAR,
            "description": REVIEW,
            **_same(NOT_PERSONAL, "number", "started_on", "ended_on", "monthly_amount"),
        },
        # Decision (SPEC E-3): an ongoing agreement blocks anonymization.
        blockers=(Blocker("ongoing agreement", ongoing),),
    ),
    Table(
        model="crm.Project",
        link="customer_id",
        kind="project",
        fields={"name": REVIEW, **_same(NOT_PERSONAL, "number", "started_on", "ended_on")},
    ),
    Table(
        model="crm.ProjectGroupMembership",
        link="customer_id",
        kind="project_group",
        fields=_same(NOT_PERSONAL, "joined_on", "group"),
    ),
    Table(
        model="crm.ResellerLink",
        link="customer_id",
        kind="reseller",
        fields=_same(NOT_PERSONAL, "reseller_name", "since", "commission_percent"),
        note="The reseller is a business partner, not the person.",
    ),
    Table(
        model="crm.EmailMessage",
        link="customer_id",
        kind="email_history",
        fields={
            "name": XXXX,
            **_same(CLEAR, "email", "phone", "subject", "text", "replies", "internal_comment"),
            **_same(NOT_PERSONAL, "document_kind", "document_ref", "sent_at"),
        },
    ),
    # --- sales -----------------------------------------------------------------------------------------
    Table(
        model="sales.Quote",
        link="customer_id",
        kind="quote",
        fields={
            "customer_reference": CLEAR,
            **_address_copy("invoice"),
            **_address_copy("delivery"),
            **COMMENTS_KEPT,
            **_same(NOT_PERSONAL, "number", "date", "valid_until", "status", "total"),
        },
    ),
    Table(
        model="sales.Order",
        link="customer_id",
        kind="order",
        fields={
            **_same(CLEAR, "customer_reference", "customer_order_reference", "notification_mobile"),
            **_address_copy("invoice"),
            **_address_copy("delivery"),
            **COMMENTS_KEPT,
            **_same(NOT_PERSONAL, "number", "date", "delivered", "invoiced", "total", "responsible"),
        },
        blockers=(Blocker("not delivered", not_delivered), Blocker("not invoiced", not_invoiced)),
    ),
    Table(
        model="sales.OrderExtraInfo",
        link="order__customer_id",
        kind="order_extra_info",
        fields={"note": REVIEW, **_same(NOT_PERSONAL, "delivered_on", "invoiced_on")},
    ),
    Table(
        model="sales.Delivery",
        link="customer_id",
        kind="delivery",
        fields={
            **_same(CLEAR, "customer_reference", "notification_mobile"),
            **_address_copy("delivery"),
            **COMMENTS_KEPT,
            **_same(NOT_PERSONAL, "number", "date"),
        },
    ),
    Table(
        model="sales.DropshipOrder",
        link="customer_id",
        kind="dropship_order",
        fields={
            **_same(CLEAR, "order_reference", "phone", "mobile"),
            **_address_copy("invoice"),
            **_address_copy("delivery"),
            **COMMENTS_KEPT,
            **_same(NOT_PERSONAL, "number", "date"),
        },
    ),
    Table(
        model="sales.Purchase",
        link="dropship_order__customer_id",
        kind="purchase",
        fields={
            **_same(CLEAR, "order_reference", "phone", "mobile", "published_comment"),
            **_address_copy("delivery"),
            **_same(REVIEW, "terms", "internal_comment"),
            **_same(NOT_PERSONAL, "number", "date", "supplier_name"),
        },
    ),
    Table(
        model="sales.InboundDelivery",
        link="purchase__dropship_order__customer_id",
        kind="inbound_delivery",
        # Decision (SPEC §4): inbound deliveries of dropship purchases as the purchases.
        fields={
            **_same(CLEAR, "order_reference", "phone", "mobile", "published_comment"),
            **_address_copy("delivery"),
            **_same(NOT_PERSONAL, "number", "date"),
        },
    ),
    Table(
        model="sales.TradeInvoice",
        link="customer_id",
        kind="trade_invoice",
        fields={
            "customer_display": XXXX,
            **_same(
                CLEAR,
                "name",
                "address",
                "postal_code",
                "city",
                "recipient_org_number",
                "recipient_vat_number",
                "recipient_name",
                "email",
                "phone",
            ),
            "country": KEEP_STATS,
            "goods_description": REVIEW,
            **_same(NOT_PERSONAL, "number", "date"),
        },
    ),
    # --- billing ---------------------------------------------------------------------------------------
    Table(
        model="billing.Invoice",
        link="customer_id",
        kind="invoice",
        rows=KEEP_ROWS,
        fields={
            **_same(
                KEEP_LAW,
                "customer_number",
                "customer_name",
                "customer_address",
                "customer_postal_code",
                "customer_city",
                "customer_country",
                "customer_org_number",
                "customer_vat_number",
                "customer_email",
            ),
            **_same(NOT_PERSONAL, "number", "date", "due_date", "total", "paid"),
        },
        blockers=(Blocker("not paid", not_paid),),
    ),
    Table(
        model="billing.AgreementInvoice",
        link="customer_id",
        kind="agreement_invoice",
        rows=KEEP_ROWS,
        fields={
            **_same(
                KEEP_LAW,
                "customer_number",
                "customer_name",
                "customer_address",
                "customer_postal_code",
                "customer_city",
                "customer_country",
                "customer_org_number",
                "customer_vat_number",
            ),
            **_same(NOT_PERSONAL, "number", "date", "due_date", "total", "paid"),
        },
        # Decision: an unpaid agreement invoice is an unpaid invoice (E-3).
        blockers=(Blocker("not paid", not_paid),),
    ),
    Table(
        model="billing.Receipt",
        link="customer_id",
        kind="receipt",
        fields={
            **_same(
                KEEP_LAW,
                "customer_number",
                "customer_name",
                "customer_address",
                "customer_postal_code",
                "customer_city",
                "customer_country",
                "customer_org_number",
                "customer_vat_number",
            ),
            # Decision (SPEC §4): where the receipt was sent is not part of the voucher.
            **_same(CLEAR, "sent_to_email", "sent_to_mobile"),
            **_same(NOT_PERSONAL, "number", "date", "total"),
        },
    ),
    Table(
        model="billing.PaymentReminder",
        link="customer_id",
        kind="payment_reminder",
        fields={
            **_same(
                CLEAR,
                "customer_name",
                "customer_address",
                "customer_postal_code",
                "customer_city",
                "customer_email",
            ),
            **_same(NOT_PERSONAL, "number", "date"),
        },
    ),
    Table(
        model="billing.ReminderFee",
        link="customer_id",
        kind="reminder_fee",
        fields=_same(NOT_PERSONAL, "date", "amount"),
    ),
    # --- support ---------------------------------------------------------------------------------------
    Table(
        model="support.SupportTicket",
        link="customer_id",
        kind="support_ticket",
        fields={
            "name": XXXX,
            **_same(CLEAR, "email", "phone", "subject", "text", "internal_comment"),
            **_same(NOT_PERSONAL, "number", "created_at", "status"),
        },
    ),
    Table(
        model="support.TicketReply",
        link="ticket__customer_id",
        kind=None,  # part of its ticket
        fields={"text": CLEAR, **_same(NOT_PERSONAL, "posted_at", "author")},
    ),
    # --- service ---------------------------------------------------------------------------------------
    Table(
        model="service.Installation",
        link="customer_id",
        kind="installation",
        # Decision: the site of an installation is where the person lives; the postal code stays.
        fields={
            **_same(CLEAR, "site_address", "site_city"),
            "site_postal_code": KEEP_STATS,
            "description": REVIEW,
            **_same(NOT_PERSONAL, "number", "serial_number", "installed_on"),
        },
    ),
    Table(
        model="service.ServiceOrder",
        link="customer_id",
        kind="service_order",
        fields={
            "contact_name": XXXX,
            "contact_phone": CLEAR,
            **_same(REVIEW, "description", "internal_comment"),
            **_same(NOT_PERSONAL, "number", "date", "status", "responsible"),
        },
    ),
    Table(
        model="service.ServiceProtocol",
        link="customer_id",
        kind="service_protocol",
        fields={"signed_by": XXXX, "text": REVIEW, **_same(NOT_PERSONAL, "number", "date")},
    ),
    Table(
        model="service.FaultReport",
        link="customer_id",
        kind="fault_report",
        fields={
            "reporter_name": XXXX,
            **_same(CLEAR, "reporter_email", "reporter_phone"),
            "description": REVIEW,
            **_same(NOT_PERSONAL, "number", "reported_at", "resolved", "responsible"),
        },
    ),
)

# Models that hold nothing about a customer, each with the reason. With CUSTOMER and TABLES this must
# cover every model of Kund's apps (the coverage test, B-4).
UNLINKED: dict[str, str] = {
    "core.RegisterSettings": "register settings",
    "customers.CustomerGroup": "reference data",
    "customers.CustomField": "the definition of a custom field, not its values",
    "customers.NumberSequence": "a counter",
    "customers.NumberReservation": "used numbers stay reserved forever (R-1); a number alone names nobody",
    "crm.ProjectGroup": "reference data",
    "audit.ErasureLogHead": "the end of the hash chain",
    "audit.ErasureLogEntry": "no personal data by design (B-2): customer number, action, actor, counts",
}

TRANSACTION_TABLES = tuple(t for t in TABLES if t.kind is not None)
BLOCKER_TABLES = tuple(t for t in TABLES if t.blockers)


def table_for(model_label: str) -> Table:
    for table in (CUSTOMER, *TABLES):
        if table.model == model_label:
            return table
    raise KeyError(model_label)
