"""Reading the register: which customers a user may see or change (SPEC R-9), the list's search
(R-2), and the records the customer card shows (R-3, R-4). Selectors never write."""

from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer, Notification

SEARCH_COLUMNS = ("search_name", "search_last_name", "search_contact", "search_email")
SEARCH_MAX_LENGTH = 100
# The largest code point: every string that starts with a prefix sorts below prefix + this.
_AFTER_EVERYTHING = "\U0010ffff"


# --- rights (R-9) -----------------------------------------------------------------------------------


def can_view_register(user) -> bool:
    return user.has_perm("customers.view_customer") or user.has_perm("customers.view_assigned_customer")


def customers_visible_to(user, *, include_anonymized: bool = False) -> QuerySet[Customer]:
    """Every customer the user may see: all with the view right, else only those assigned to them.

    Anonymized customers are left out (A-5) unless the caller asks for them (the advanced search's
    "show anonymized customers")."""
    customers = Customer.objects.all()
    if not include_anonymized:
        customers = customers.not_anonymized()
    if user.has_perm("customers.view_customer"):
        return customers
    if user.has_perm("customers.view_assigned_customer"):
        return customers.filter(responsible=user)
    return customers.none()


def can_view(user, customer: Customer) -> bool:
    if user.has_perm("customers.view_customer"):
        return True
    return user.has_perm("customers.view_assigned_customer") and customer.responsible_id == user.pk


def can_change(user, customer: Customer) -> bool:
    """Change (or deactivate) a customer: the change right, or change-only-assigned for one's own."""
    if customer.is_anonymized:
        return False
    if user.has_perm("customers.change_customer"):
        return True
    return user.has_perm("customers.change_assigned_customer") and customer.responsible_id == user.pk


def can_assign(user, customer: Customer) -> bool:
    return not customer.is_anonymized and user.has_perm("customers.assign_customer")


# --- search (R-2) -----------------------------------------------------------------------------------


def fold(text: str) -> str:
    """A query as the search columns store text: lower-cased, without surrounding space."""
    return " ".join((text or "").split()).lower()[:SEARCH_MAX_LENGTH]


def customer_search(customers: QuerySet[Customer], query: str) -> QuerySet[Customer]:
    """Customers whose name, last name, contact person or e-mail begins with the query, whatever the
    case; or whose customer number is the query.

    A prefix search on indexed, lower-cased columns: a substring search (icontains) would read every one
    of a million rows. On SQLite the range comparison is what lets the index answer (its LIKE ignores
    indexes on columns without NOCASE); on PostgreSQL the indexes' pattern operator class serves LIKE.
    """
    folded_query = fold(query)
    if not folded_query:
        return customers
    condition = Q(number=query.strip()[:20])
    for column in SEARCH_COLUMNS:
        prefix = Q(**{f"{column}__startswith": folded_query})
        if connection.vendor == "sqlite":
            prefix &= Q(**{f"{column}__gte": folded_query, f"{column}__lt": folded_query + _AFTER_EVERYTHING})
        condition |= prefix
    return customers.filter(condition)


# --- the customer card (R-3, R-4) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One kind of linked record on the card: where it lives, how it reaches the customer, its date."""

    key: str
    model: str
    label: Promise
    date: str | None
    columns: tuple[str, ...] = ()
    link: str = "customer"

    @property
    def model_class(self):
        return apps.get_model(self.model)

    @property
    def ref_field(self) -> str:
        return "number" if any(f.name == "number" for f in self.model_class._meta.fields) else "id"

    @property
    def sorts(self) -> dict[str, str]:
        """The sort keys a visitor may ask for, and the field each orders by."""
        keys = {"ref": self.ref_field}
        if self.date:
            keys["date"] = self.date
        return keys

    @property
    def default_sort(self) -> str:
        return "-date" if self.date else "-ref"

    def headers(self) -> list[tuple[str, str]]:
        opts = self.model_class._meta
        return [(name, opts.get_field(name).verbose_name) for name in self.columns]


SECTIONS: tuple[Section, ...] = (
    Section("orders", "sales.Order", _("Orders"), "date", ("delivered", "invoiced", "total")),
    Section("quotes", "sales.Quote", _("Quotes"), "date", ("status", "total")),
    Section("invoices", "billing.Invoice", _("Invoices"), "date", ("due_date", "total", "paid")),
    Section(
        "agreement_invoices", "billing.AgreementInvoice", _("Agreement invoices"), "date", ("total", "paid")
    ),
    Section("receipts", "billing.Receipt", _("Receipts"), "date", ("total",)),
    Section("payment_reminders", "billing.PaymentReminder", _("Payment reminders"), "date"),
    Section("reminder_fees", "billing.ReminderFee", _("Reminder fees"), "date", ("amount",)),
    Section("deliveries", "sales.Delivery", _("Deliveries"), "date"),
    Section("dropship_orders", "sales.DropshipOrder", _("Dropship orders"), "date"),
    Section("purchases", "sales.Purchase", _("Purchases"), "date", link="dropship_order__customer"),
    Section("trade_invoices", "sales.TradeInvoice", _("Trade invoices"), "date"),
    Section("agreements", "crm.Agreement", _("Agreements"), "started_on", ("description", "ended_on")),
    Section("activities", "crm.Activity", _("Activities and events"), "date", ("kind",)),
    Section("projects", "crm.Project", _("Projects"), "started_on", ("ended_on",)),
    Section("project_groups", "crm.ProjectGroupMembership", _("Project groups"), "joined_on", ("group",)),
    Section("resellers", "crm.ResellerLink", _("Resellers"), "since", ("commission_percent",)),
    Section("email_history", "crm.EmailMessage", _("E-mail history"), "sent_at", ("document_kind",)),
    Section("support_tickets", "support.SupportTicket", _("Support tickets"), "created_at", ("status",)),
    Section("installations", "service.Installation", _("Installations"), "installed_on"),
    Section("service_orders", "service.ServiceOrder", _("Service orders"), "date", ("status",)),
    Section("service_protocols", "service.ServiceProtocol", _("Service protocols"), "date"),
    Section("fault_reports", "service.FaultReport", _("Fault reports"), "reported_at", ("resolved",)),
    Section("documents", "documents.Document", _("Documents"), "uploaded_at", ("title",)),
    Section("branches", "customers.Branch", _("Branches"), None, ("name", "city")),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}
CARD_ROWS = 10


def section_sort(section: Section, requested: str | None) -> str:
    """The requested sort if the section knows it ("date", "-ref", …), else its default."""
    key = (requested or "").lstrip("-")
    return requested if key in section.sorts else section.default_sort


def section_records(section: Section, customer: Customer, *, sort: str | None = None) -> QuerySet:
    """A customer's records of one kind, sorted; the caller slices (first 10, or a page)."""
    sort = section_sort(section, sort)
    field = section.sorts[sort.lstrip("-")]
    direction = "-" if sort.startswith("-") else ""
    related = [name for name in section.columns if section.model_class._meta.get_field(name).is_relation]
    records = section.model_class.objects.filter(**{section.link: customer})
    if related:
        records = records.select_related(*related)
    return records.order_by(f"{direction}{field}", f"{direction}pk")


def card_sections(customer: Customer) -> list[dict]:
    """Each section's first rows (one query a section): CARD_ROWS and whether there are more."""
    result = []
    for section in SECTIONS:
        rows = list(section_records(section, customer)[: CARD_ROWS + 1])
        result.append(
            {
                "section": section,
                "rows": rows[:CARD_ROWS],
                "more": len(rows) > CARD_ROWS,
                "sort": section.default_sort,
            }
        )
    return result


def change_history(customer: Customer) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(customer=customer).select_related("actor").order_by("-at", "-id")


# --- notifications (R-6) -------------------------------------------------------------------------------


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("customer").order_by("-created_at")
