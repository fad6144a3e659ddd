"""Reading the register: which customers a user may see or change (SPEC R-9), the list's search
(R-2), and the records the customer card shows (R-3, R-4). Selectors never write."""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kund.audit.models import ChangeRecord
from kund.core import rules
from kund.core.paging import WindowPage, page_number, page_of_rows
from kund.customers import search
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
    """A query as the prefix columns (search_name, …) store text: lower-cased, without surrounding space."""
    return " ".join((text or "").split()).lower()[:SEARCH_MAX_LENGTH]


class ILike(Func):
    """`text ILIKE pattern`: what PostgreSQL's pg_trgm GIN index answers, whatever the case."""

    arity = 2
    output_field = BooleanField()
    template = "%(expressions)s"
    arg_joiner = " ILIKE "


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _prefix(column: str, prefix: str) -> Q:
    """The column begins with the prefix, in a form the column's index answers (see _prefix_search)."""
    if connection.vendor == "sqlite":
        return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix + _AFTER_EVERYTHING})
    return Q(**{f"{column}__startswith": prefix})


def _number_search(query: str, via: str) -> Q:
    """A phone, personal or organisation number however it is written: by prefix of the digits."""
    condition = Q()
    phone = search.query_phone_key(query)
    if len(phone) >= 5:
        condition |= _prefix(f"{via}search_phone", phone) | _prefix(f"{via}search_mobile", phone)
    for prefix in search.identity_prefixes(search.digits(query)):
        condition |= _prefix(f"{via}search_identity", prefix)
    return condition


def _prefix_search(query: str, via: str) -> Q:
    """Names, last names, contact persons and e-mail addresses that begin with the query — for queries of
    one or two letters, which a trigram index cannot answer. On SQLite the range comparison is what lets
    the index answer (its LIKE ignores indexes on columns without NOCASE); on PostgreSQL the indexes'
    pattern operator class serves LIKE."""
    folded_query = fold(query)
    condition = Q()
    for column in SEARCH_COLUMNS:
        column = f"{via}{column}"
        prefix = Q(**{f"{column}__startswith": folded_query})
        if connection.vendor == "sqlite":
            prefix &= Q(**{f"{column}__gte": folded_query, f"{column}__lt": folded_query + _AFTER_EVERYTHING})
        condition |= prefix
    return condition


def _text_search(words: list[str], *, rows: bool, via: str) -> Q:
    """Customers whose search text holds every word. Words of three letters and more through the trigram
    index; shorter ones (the "ab" of "nordkyl ab") only among what those found. With `rows`, every word
    is checked on the customer's row instead, for walking a sort order (see customer_page)."""
    indexed = [w for w in words if len(w) >= search.MIN_WORD and not rows]
    condition = Q()
    for word in words:
        if word not in indexed:
            condition &= Q(GreaterThan(StrIndex(f"{via}search_text", Value(word)), 0))
    if not indexed:
        return condition
    if connection.vendor == "sqlite":
        table = search.FTS_TABLE
        rowids = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [search.fts_query(indexed)])
        return condition & Q(**{f"{via}pk__in": rowids})
    for word in indexed:
        condition &= Q(ILike(F(f"{via}search_text"), Value(_like_pattern(word))))
    return condition


def search_condition(query: str, *, rows: bool = False, via: str = "") -> Q:
    """The condition of customer_search, on customers reached through `via` ("customer__" from an
    invoice): records of the customers that match are found with the same search."""
    query = " ".join((query or "").split())[: search.MAX_QUERY]
    condition = Q(**{f"{via}number": query[:20]})
    if search.is_number_query(query):
        condition |= _number_search(query, via)
    elif all(len(word) < search.MIN_WORD for word in search.words_of(query)):
        condition |= _prefix_search(query, via)
    else:
        condition |= _text_search(search.words_of(query), rows=rows, via=via)
    return condition


def customer_search(customers: QuerySet[Customer], query: str, *, rows: bool = False) -> QuerySet[Customer]:
    """Customers that match what was typed: any part of a name, contact person, e-mail address, street or
    city (every word of the query, in any order, whatever the case and diacritics); a phone, personal or
    organisation number however it is written; or the customer number itself. See kund.customers.search.

    On an index, never a scan of the register: the trigram index for text, B-tree indexes for numbers.
    `rows=True` gives the same customers with the text checked row by row instead, for a caller that
    walks a sort order through a wide search (customer_page).
    """
    if not " ".join((query or "").split()):
        return customers
    return customers.filter(search_condition(query, rows=rows))


def record_search(records: QuerySet, query: str, *, prefix: str) -> QuerySet:
    """Records (invoices, orders) by their number — "1042" or "F-1042" with the record's prefix — or by
    their customer, found as the customer list finds it (search_condition): number, name, contact,
    e-mail, street, city, phone or identity number. Anonymized customers are not found (A-5).

    The customers that match are collected first (an IN on the records' customer index) when they are
    few; a search that matches many is instead checked on each record's customer while the list is
    walked in its own order (date, number), which then finds a page soon."""
    query = " ".join((query or "").split())[: search.MAX_QUERY]
    if not query:
        return records
    if search_is_wide(query, PROBE):
        by_customer = search_condition(query, rows=True, via="customer__") & Q(
            customer__anonymized_at__isnull=True
        )
    else:
        customers = Customer.objects.filter(search_condition(query), anonymized_at__isnull=True)
        by_customer = Q(customer__in=customers.values("pk"))
    reference = query.upper().removeprefix(f"{prefix.upper()}-").strip()
    if reference.isdigit() and len(reference) <= 9:
        by_customer |= Q(number=int(reference))
    return records.filter(by_customer)


def search_is_wide(query: str, limit: int) -> bool:
    """Whether a text search finds more than `limit` customers in the trigram index (anonymized and
    invisible ones included) — on SQLite, where a wide search is better walked along the list's order
    than collected from the index (customer_page). Reads at most limit + 1 entries of the index."""
    query = " ".join((query or "").split())[: search.MAX_QUERY]
    if connection.vendor != "sqlite" or not query or search.is_number_query(query):
        return False
    words = [w for w in search.words_of(query) if len(w) >= search.MIN_WORD]
    if not words:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s "
            "LIMIT %s)",
            [search.fts_query(words), limit + 1],
        )
        return cursor.fetchone()[0] > limit


def count_search_matches(
    customers: QuerySet[Customer], query: str, limit: int, *, whole_register: bool = False
) -> int:
    """How many of `customers` (a row-checked wide search, customer_search(rows=True)) match, counting
    no further than limit + 1: on SQLite the trigram index leads, so the count stops as soon as it
    passes the limit. `whole_register`: `customers` are the whole register bar the anonymized, searched
    and not otherwise filtered — then what the index finds is what matches (an anonymized customer's
    text is "xxxx"), and a wide search (search_is_wide) is known to pass the limit without counting."""
    words = [w for w in search.words_of(query) if len(w) >= search.MIN_WORD]
    if whole_register and words and not any(set(word) <= {"x", " "} for word in search.words_of(query)):
        return limit + 1
    if connection.vendor == "sqlite" and words:
        table = connection.ops.quote_name(Customer._meta.db_table)
        customers = customers.extra(
            tables=[search.FTS_TABLE],
            where=[f"{search.FTS_TABLE}.rowid = {table}.id", f"{search.FTS_TABLE} MATCH %s"],
            params=[search.fts_query(words)],
        )
    return customers.order_by().values("pk")[: limit + 1].count()


# --- one page of a filtered list, fast on a million rows (R-2) -------------------------------------------

PROBE = 3000  # a filter matching fewer rows than this is "narrow"
# A text search's probe: the matches the trigram index finds are collected and sorted when there are no
# more than this many, and walked along the list's order when there are (customer_page, wide).
SEARCH_PROBE = 3000
CHUNK = 2000  # rows of the sort order read at a time for a wide filter
MAX_SCAN = 60_000  # rows of the sort order a wide filter may walk for one page


def probe_size(sort: str, *, searching: bool) -> int:
    """The probe for a page of the list in `sort` (a key of filtersets.SORTS): the search indexes cover a
    longer probe, but only for the number order (they hold the number)."""
    return SEARCH_PROBE if searching and sort.lstrip("-") == "number" else PROBE


class TooWideToSort(Exception):
    """A wide filter whose matches lie far along the sort order (a search sorted by name: the names
    that match start somewhere in the middle). Sorting it would read most of the register."""


@dataclass
class CustomerPage(WindowPage):
    """A page of the list, and how many customers the filter selects when it narrows the list: exactly
    when they are few, else "more than `matches`" (`more`) — never a COUNT(*) over the register."""

    matches: int | None = None
    more: bool = False


def _counted(page: WindowPage, matches: int | None, more: bool = False) -> CustomerPage:
    return CustomerPage(**vars(page), matches=matches, more=more)


def customer_page(
    base: QuerySet[Customer],
    filtered: QuerySet[Customer],
    order: tuple[str, ...],
    number,
    per_page: int,
    probe_size: int | None = None,
    *,
    wide: bool = False,
) -> CustomerPage:
    """One page of `filtered` (a narrowing of `base`) in `order`, with one row more to know of a next page.

    A single "filter, sort, take 25" query is at the mercy of the planner: it tends to use a filter's
    index, collect every match and sort them — fine for a few thousand matches, not for a quarter of a
    million. So: count up to PROBE matches by whatever index the filter has (the LIMIT stops it early).
    Fewer — the filter is narrow, and sorting its matches is cheap. More — the filter is wide, so
    matches are frequent along the sort order: walk the sort's index over `base`, CHUNK rows at a time,
    keeping the rows `filtered` accepts, until the page is full. The chunks stay in the database (a
    subquery), as Python lists of thousands of ids cost more to pass than the queries themselves.
    `wide`: the caller knows the filter is wide (a search the trigram index finds often); no probe.
    The page counts the matches it probed (`matches`); a wide one leaves the count to the caller.
    """
    number = page_number(number)
    start = (number - 1) * per_page
    wanted = start + per_page + 1
    if filtered is base:
        return _counted(page_of_rows(number, per_page, list(filtered.order_by(*order)[start:wanted])), None)
    keys = [name.lstrip("-") for name in order]
    probe_size = probe_size or PROBE
    probe = [] if wide else list(filtered.order_by().values_list("pk", *keys)[:probe_size])
    if not wide and len(probe) < probe_size:
        if connection.vendor != "sqlite":  # PostgreSQL sorts by its collation, which Python does not know
            rows = list(filtered.order_by(*order)[start:wanted])
            return _counted(page_of_rows(number, per_page, rows), len(probe))
        # SQLite compares text by code point, as Python does: sort the probe here, fetch only the page.
        probe.sort(key=lambda row: row[1:], reverse=order[0].startswith("-"))
        rows = _in_order(base, [row[0] for row in probe[start:wanted]])
        return _counted(page_of_rows(number, per_page, rows), len(probe))
    matches = None if wide else probe_size
    ordered = base.order_by(*order)
    ids: list[int] = []
    # Along number and creation order most filters' matches are spread, so the walk soon fills a page.
    spread = keys[0] in {"number", "created_at"}
    if spread and probe and _bunched_far_along(base, order, probe):
        # Not these: a month of creation dates in a register whose numbers were typed in or imported
        # lies in one stretch of the number order, maybe far from its start. The database sorts them.
        rows = list(filtered.order_by(*order)[start:wanted])
        return _counted(page_of_rows(number, per_page, rows), matches, more=True)
    for scanned in range(0, MAX_SCAN if spread else MAX_SCAN // 15, CHUNK):
        chunk = ordered.values("pk")[scanned : scanned + CHUNK]
        accepted = filtered.filter(pk__in=chunk).order_by(*order).values_list("pk", flat=True)
        ids.extend(accepted[: wanted - len(ids)])
        if len(ids) >= wanted or not ordered[scanned + CHUNK : scanned + CHUNK + 1].exists():
            rows = _in_order(base, ids[start:wanted])
            return _counted(page_of_rows(number, per_page, rows), matches, more=True)
    if not spread:
        raise TooWideToSort
    # Matches are frequent along number and creation order (at least PROBE in the register), so only a
    # deep page gets here; the database's own plan is slow but right.
    rows = list(filtered.order_by(*order)[start:wanted])
    return _counted(page_of_rows(number, per_page, rows), matches, more=True)


def _bunched_far_along(base: QuerySet[Customer], order: tuple[str, ...], probe: list[tuple]) -> bool:
    """Whether more than MAX_SCAN rows of the order come before the first match the probe found — a walk
    from the start would read its whole allowance and find nothing. Asked on the order's own index
    (every customer, so an over-estimate at worst) as whether a MAX_SCAN-th row comes before it: no
    COUNT, and no further than MAX_SCAN rows."""
    key = order[0].lstrip("-")
    if order[0].startswith("-"):
        first = max(row[1] for row in probe)
        before = Q(**{f"{key}__gt": first})
    else:
        first = min(row[1] for row in probe)
        before = Q(**{f"{key}__lt": first})
    return Customer.objects.filter(before).order_by().values("pk")[MAX_SCAN - 1 : MAX_SCAN].exists()


def _in_order(customers: QuerySet[Customer], ids: list[int]) -> list[Customer]:
    """The rows of `ids` in that order. Given the unfiltered `base`: the ids were found through the
    filter, so it need not be applied again (a search would look its matches up once more)."""
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
