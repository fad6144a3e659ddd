"""Reading the register: which customers a user may see or change (SPEC R-9), the list's search
(R-2), and the records the customer card shows (R-3, R-4). Selectors never write."""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kund.audit.models import ChangeRecord
from kund.core import rules
from kund.core.paging import WindowPage, page_number, page_of_rows
from kund.customers.models import Customer, Notification

SEARCH_COLUMNS = ("search_name", "search_last_name", "search_contact", "search_email")
SEARCH_MAX_LENGTH = 100
# The largest code point: every string that starts with a prefix sorts below prefix + this.
_AFTER_EVERYTHING = "\U0010ffff"


# --- rights: asked of kund.core.rules, the one place the rules live ---------------------------


def customers_visible_to(user, *, include_anonymized: bool = False) -> QuerySet[Customer]:
    """Every customer the user may see: all with the view right, else only those assigned to them.

    Anonymized customers are left out (A-5) unless the caller asks for them (the advanced search's
    "show anonymized customers")."""
    customers = Customer.objects.all()
    if not include_anonymized:
        customers = _not_anonymized(customers)
    return rules.restrict(customers, user)


def _not_anonymized(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customer.objects.not_anonymized(), worded for SQLite's planner.

    After ANALYZE, SQLite estimates `anonymized_at IS NULL` from the average rows per value of the
    (kind, anonymized_at, created_at) index — a few, since every anonymized customer has its own time —
    while nearly every row matches; it then skip-scans that index and sorts the whole register for one
    page. The same test on LENGTH(anonymized_at) no index can serve, so the list walks its sort index
    and stops after a page. PostgreSQL knows the share of NULLs and needs no such help.
    """
    if connection.vendor != "sqlite":
        return customers.not_anonymized()
    return customers.alias(anonymized_length=Length("anonymized_at")).filter(anonymized_length__isnull=True)


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


# --- one page of a filtered list, fast on a million rows (R-2) -------------------------------------------

PROBE = 3000  # a filter matching fewer rows than this is "narrow"
# A text search probes further: its indexes cover the probe, so counting matches reads no rows.
SEARCH_PROBE = 10_000
CHUNK = 2000  # rows of the sort order read at a time for a wide filter
MAX_SCAN = 60_000  # rows of the sort order a wide filter may walk for one page


def probe_size(sort: str, *, searching: bool) -> int:
    """The probe for a page of the list in `sort` (a key of filtersets.SORTS): the search indexes cover a
    longer probe, but only for the number order (they hold the number)."""
    return SEARCH_PROBE if searching and sort.lstrip("-") == "number" else PROBE


class TooWideToSort(Exception):
    """A wide filter whose matches lie far along the sort order (a search sorted by name: the names
    that match start somewhere in the middle). Sorting it would read most of the register."""


def customer_page(
    base: QuerySet[Customer],
    filtered: QuerySet[Customer],
    order: tuple[str, ...],
    number,
    per_page: int,
    probe_size: int | None = None,
) -> WindowPage:
    """One page of `filtered` (a narrowing of `base`) in `order`, with one row more to know of a next page.

    A single "filter, sort, take 25" query is at the mercy of the planner: it tends to use a filter's
    index, collect every match and sort them — fine for a few thousand matches, not for a quarter of a
    million. So: count up to PROBE matches by whatever index the filter has (the LIMIT stops it early).
    Fewer — the filter is narrow, and sorting its matches is cheap. More — the filter is wide, so
    matches are frequent along the sort order: walk the sort's index over `base`, CHUNK rows at a time,
    keeping the rows `filtered` accepts, until the page is full. The chunks stay in the database (a
    subquery), as Python lists of thousands of ids cost more to pass than the queries themselves.
    """
    number = page_number(number)
    start = (number - 1) * per_page
    wanted = start + per_page + 1
    if filtered is base:
        return page_of_rows(number, per_page, list(filtered.order_by(*order)[start:wanted]))
    keys = [name.lstrip("-") for name in order]
    probe_size = probe_size or PROBE
    probe = list(filtered.order_by().values_list("pk", *keys)[:probe_size])
    if len(probe) < probe_size:
        if connection.vendor != "sqlite":  # PostgreSQL sorts by its collation, which Python does not know
            return page_of_rows(number, per_page, list(filtered.order_by(*order)[start:wanted]))
        # SQLite compares text by code point, as Python does: sort the probe here, fetch only the page.
        probe.sort(key=lambda row: row[1:], reverse=order[0].startswith("-"))
        return page_of_rows(number, per_page, _in_order(filtered, [row[0] for row in probe[start:wanted]]))
    ordered = base.order_by(*order)
    ids: list[int] = []
    spread = keys[0] in {"number", "created_at"}  # filters are not bunched along these orders
    for scanned in range(0, MAX_SCAN if spread else MAX_SCAN // 15, CHUNK):
        chunk = ordered.values("pk")[scanned : scanned + CHUNK]
        accepted = filtered.filter(pk__in=chunk).order_by(*order).values_list("pk", flat=True)
        ids.extend(accepted[: wanted - len(ids)])
        if len(ids) >= wanted or not ordered[scanned + CHUNK : scanned + CHUNK + 1].exists():
            return page_of_rows(number, per_page, _in_order(filtered, ids[start:wanted]))
    if not spread:
        raise TooWideToSort
    # Matches are frequent along number and creation order (at least PROBE in the register), so only a
    # deep page gets here; the database's own plan is slow but right.
    return page_of_rows(number, per_page, list(filtered.order_by(*order)[start:wanted]))


def _in_order(customers: QuerySet[Customer], ids: list[int]) -> list[Customer]:
    by_id = {customer.pk: customer for customer in customers.filter(pk__in=ids).order_by()}
    return [by_id[pk] for pk in ids if pk in by_id]


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
    download: str = ""  # for records that are files: the URL name of their download (customer, record)
    # The record's own read-only page: the URL name of a page of its app, or "" for the register's
    # generic record page (customers:record, under `page_kind`, the key of the section that owns the kind).
    page: str = ""
    page_kind: str = ""

    @property
    def record_kind(self) -> str:
        return self.page_kind or self.key

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
    Section(
        "orders",
        "sales.Order",
        _("Orders"),
        "date",
        ("delivered", "invoiced", "total"),
        page="sales:order_detail",
    ),
    Section("quotes", "sales.Quote", _("Quotes"), "date", ("status", "total")),
    Section(
        "invoices",
        "billing.Invoice",
        _("Invoices"),
        "date",
        ("due_date", "total", "paid"),
        page="billing:invoice_detail",
    ),
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
    # Seed 001: activities of other customers that link this one as their second customer.
    Section(
        "linked_activities",
        "crm.Activity",
        _("Activities as second customer"),
        "date",
        ("kind",),
        link="second_customer",
        page_kind="activities",
    ),
    Section("projects", "crm.Project", _("Projects"), "started_on", ("ended_on",)),
    Section("project_groups", "crm.ProjectGroupMembership", _("Project groups"), "joined_on", ("group",)),
    Section("resellers", "crm.ResellerLink", _("Resellers"), "since", ("commission_percent",)),
    Section("email_history", "crm.EmailMessage", _("E-mail history"), "sent_at", ("document_kind",)),
    Section("support_tickets", "support.SupportTicket", _("Support tickets"), "created_at", ("status",)),
    Section("installations", "service.Installation", _("Installations"), "installed_on"),
    Section("service_orders", "service.ServiceOrder", _("Service orders"), "date", ("status",)),
    Section("service_protocols", "service.ServiceProtocol", _("Service protocols"), "date"),
    Section(
        "fault_reports",
        "service.FaultReport",
        _("Fault reports"),
        "reported_at",
        ("resolved",),
        page="service:fault_report",
    ),
    Section(
        "documents",
        "documents.Document",
        _("Documents"),
        "uploaded_at",
        ("title",),
        download="customers:document_download",
    ),
    Section(
        "credit_files",
        "customers.CreditFile",
        _("Credit reports"),
        "uploaded_at",
        ("credit_info",),
        link="credit_info__customer",
        download="customers:credit_file_download",
    ),
    Section("branches", "customers.Branch", _("Branches"), None, ("name", "city")),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}
# The kinds shown on the generic record page (customers:record): every kind without a page or a download
# of its own, under the section that reaches it through its own customer.
RECORD_KINDS = {
    section.key: section
    for section in SECTIONS
    if not (section.page or section.download or section.page_kind)
}
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


def section_counts(customer: Customer) -> dict[str, int]:
    """How many records of each kind the customer has, in one query: a counting subquery a section,
    all in the select list of a single row (27 kinds, one round trip)."""
    counts = {}
    for section in SECTIONS:
        records = section.model_class.objects.filter(**{section.link: OuterRef("pk")}).order_by()
        # COUNT without GROUP BY: one number a customer, as a scalar subquery.
        counted = records.annotate(n=Func(F("pk"), function="COUNT")).values("n")
        counts[section.key] = Subquery(counted, output_field=IntegerField())
    row = Customer.objects.filter(pk=customer.pk).annotate(**{f"n_{k}": v for k, v in counts.items()})
    values = row.values(*(f"n_{key}" for key in counts)).first() or {}
    return {key: values.get(f"n_{key}") or 0 for key in counts}


def card_sections(customer: Customer) -> list[dict]:
    """Each section with its count (one query for all), and the first rows of those the customer has
    (one query a non-empty section): CARD_ROWS and whether there are more. An empty section reads
    nothing more."""
    counts = section_counts(customer)
    result = []
    for section in SECTIONS:
        count = counts[section.key]
        rows = list(section_records(section, customer)[: CARD_ROWS + 1]) if count else []
        result.append(
            {
                "section": section,
                "rows": rows[:CARD_ROWS],
                "more": len(rows) > CARD_ROWS,
                "sort": section.default_sort,
                "count": count,
            }
        )
    return result


def change_history(customer: Customer) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(customer=customer).select_related("actor").order_by("-at", "-id")


# --- who can be made responsible (R-6, seed 004) ------------------------------------------------------

# A technician is an active user in this Django group (an administrator puts users in it in the back
# office). Seed 004 assigns customers to technicians, "listed in groups": the assign choice lists them
# first, in a group of their own, then every other active user (a seller can be responsible too).
TECHNICIANS_GROUP = "Technicians"


def assignable_users() -> tuple[list, list]:
    """(technicians, other active users), each by username: two queries."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    in_group = users.filter(groups__name=TECHNICIANS_GROUP)
    return list(in_group), list(users.exclude(pk__in=in_group.values("pk")))


# --- notifications (R-6) -------------------------------------------------------------------------------


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("customer", "request")
        .order_by("-created_at")
    )
