"""Mass erasure by date criteria (SPEC M-1..M-4): who is selected, what would happen to them, and the two
review lists as CSV. Reads only; the jobs (kund.privacy.jobs) do the erasing through the engine.

The selection is one query: EXISTS subqueries over the three purchase tables (orders, invoices, receipts,
each indexed on (customer, date)) on the index of private, not anonymized customers by creation time, so
it never walks customers in Python whatever the size of the register.

The limit of a run (M-2) counts the customers that can be erased, not the blocked ones: a run takes the
oldest `limit` customers meeting the criteria that are not blocked (the planner's blocker EXISTS, on the
same query), so running it again always gets further, however many blocked customers come first. The
verification (M-4) still reports the blocked customers met on the way, each with its reason: those older
than the last customer taken (all of them when fewer than `limit` can be erased), oldest first and at
most `limit` of them, so a run lists at most twice its limit. A second query finds them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from kund.billing.models import Invoice, Receipt
from kund.core import rules
from kund.core.spreadsheet import Sheet, neutralise
from kund.customers.models import Customer
from kund.privacy import reasons, residue
from kund.privacy.models import ErasureJob
from kund.privacy.planner import Action, blocked_condition, plan_customers, today
from kund.sales.models import Order

Criteria = ErasureJob.Criteria

# SPEC M-1: a purchase is an order, an invoice or a receipt, each dated by its `date`.
PURCHASE_MODELS = (Order, Invoice, Receipt)


def default_limit() -> int:
    return settings.KUND_MASS_ERASURE_LIMIT


def _purchase_exists(condition: Q | None = None) -> Q:
    found = Q()
    for model in PURCHASE_MODELS:
        rows = model._default_manager.filter(customer=OuterRef("pk"))
        if condition is not None:
            rows = rows.filter(condition)
        found |= Q(Exists(rows))
    return found


def _end_of_day(day: date) -> datetime:
    """The first instant after `day` in the register's time zone: created_at is a moment, `through` a
    local calendar day, inclusive."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def criteria_condition(criteria: str, through: date) -> Q:
    """The purchase criteria of M-1 over private persons (not prospects: see meeting_criteria)."""
    purchased = _purchase_exists()
    purchases_before = purchased & ~_purchase_exists(Q(date__gt=through))
    never_purchased = Q(created_at__lt=_end_of_day(through)) & ~purchased
    if criteria == Criteria.PURCHASES_BEFORE:
        return purchases_before
    if criteria == Criteria.NEVER_PURCHASED:
        return never_purchased
    if criteria == Criteria.BOTH:
        return purchases_before | never_purchased
    raise ValueError(f"unknown criteria: {criteria}")


def meeting_criteria(*, criteria: str, through: date) -> QuerySet:
    """SPEC M-1, M-2: every private person not anonymized who meets the criteria, unordered. Prospects
    have a criterion of their own, "prospects created on or before the date" (seed 001's prospects, seed
    002's "Kunder skapade innan valt datum"): they are no private persons, and have no purchases to ask
    about. The index on (kind, anonymized_at, created_at) serves both."""
    if criteria == Criteria.PROSPECTS:
        return Customer.objects.filter(
            kind=Customer.Kind.PROSPECT, anonymized_at__isnull=True, created_at__lt=_end_of_day(through)
        )
    return Customer.objects.filter(kind=Customer.Kind.PRIVATE, anonymized_at__isnull=True).filter(
        criteria_condition(criteria, through)
    )


def select_customers(
    *, criteria: str, through: date, limit: int | None = None, on: date | None = None
) -> QuerySet:
    """SPEC M-1, M-2: the oldest customers meeting the criteria that can be erased (deleted or
    anonymized: not blocked), at most `limit`. Blocked ones do not use up the limit, so each run gets
    further than the last one however many blocked customers lie before the rest."""
    limit = default_limit() if limit is None else limit
    return (
        meeting_criteria(criteria=criteria, through=through)
        .exclude(blocked_condition(on or today()))
        .order_by("created_at", "pk")[:limit]
    )


def ignored_customers(
    *, criteria: str, through: date, limit: int, before: tuple[datetime, int] | None, on: date | None = None
) -> QuerySet:
    """The blocked customers meeting the criteria that a run reports as ignored (M-4): those older than
    `before` — the (created_at, id) of the last customer selected for erasure, or None when the run took
    every erasable one — oldest first, at most `limit` of them."""
    blocked = meeting_criteria(criteria=criteria, through=through).filter(blocked_condition(on or today()))
    if before is not None:
        created_at, pk = before
        # (created_at, id) < before; the first condition alone lets the index on created_at bound the scan.
        blocked = blocked.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(pk__lt=pk)
        )
    return blocked.order_by("created_at", "pk")[:limit]


# The most years "older than N years" (M-1's date counted back from today) may go back, in the web form
# and in `mass_erase --years`.
MAX_YEARS = 100


def years_before(day: date, years: int) -> date:
    """The same day `years` years earlier (28 February for a 29 February that year lacks): "older than N
    years" as M-1's through date, counted back from today."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def is_recent(through: date, *, today: date | None = None) -> bool:
    """M-3: a date within the last year may catch customers who were created or bought recently."""
    return through > years_before(today or timezone.localdate(), 1)


@dataclass(frozen=True)
class Row:
    """One selected customer in the verification, by id and number only."""

    customer_id: int
    number: str
    action: str  # "delete", "anonymize" or "ignore"
    reason: str = ""  # a code (kund.privacy.reasons)
    residue: int | None = None  # B-5: findings of the person in kept text its anonymization redacts


@dataclass
class Verification:
    """M-4: what a run would do, customer by customer, oldest first."""

    criteria: str
    through: date
    limit: int
    rows: list[Row] = field(default_factory=list)

    @property
    def recent(self) -> bool:
        return is_recent(self.through)

    def _count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def counts(self) -> dict[str, int]:
        return {
            "selected": len(self.rows),
            "ignored": self._count("ignore"),
            "delete": self._count("delete"),
            "anonymize": self._count("anonymize"),
        }


def ignore_reason(plan) -> str:
    """Why the run leaves the customer out, as a code (kund.privacy.reasons), said in the reader's
    language wherever the run is shown."""
    if plan.action == Action.BLOCKED:
        return reasons.of_blockers(plan.blockers)
    if plan.action == Action.ALREADY_ANONYMIZED:
        return reasons.ALREADY_ANONYMIZED
    return ""


def plan_rows(customer_ids: list[int], *, residue: bool = True) -> list[Row]:
    """Plan the given customers (kund.privacy.planner, without detail) in the given order; customers that
    no longer exist are ignored with that reason. With `residue`, those to anonymize get the number of
    findings of the person in their kept text (B-5). One fixed set of queries per chunk of ids."""
    rows: list[Row] = []
    chunk = 20_000  # keeps the IN (...) lists of the planner's queries within every database's limits
    for start in range(0, len(customer_ids), chunk):
        ids = customer_ids[start : start + chunk]
        plans = plan_customers(Customer.objects.filter(pk__in=ids), detail=False)
        to_anonymize = [pk for pk, plan in plans.items() if plan.action == Action.ANONYMIZE]
        found = residue_counts(to_anonymize) if residue else {}
        for pk in ids:
            plan = plans.get(pk)
            if plan is None:
                rows.append(Row(pk, "", "ignore", reasons.NO_LONGER_EXISTS))
            elif plan.action == Action.ANONYMIZE:
                rows.append(
                    Row(pk, plan.number, plan.action.value, residue=found.get(pk, 0) if residue else None)
                )
            elif plan.action == Action.DELETE:
                rows.append(Row(pk, plan.number, plan.action.value))
            else:
                rows.append(Row(pk, plan.number, "ignore", ignore_reason(plan)))
    return rows


def residue_findings(customer_ids: list[int]):
    """The residue of the customers (B-5), chunk by chunk as the engine scans it: set-based, a fixed
    number of queries per chunk whatever its size. Yields (customer id, findings) of those with any."""
    yield from residue.scan_in_chunks(customer_ids).items()


def residue_counts(customer_ids: list[int]) -> dict[int, int]:
    """How many findings the anonymization of each customer will redact (customers without: left out)."""
    return {pk: len(findings) for pk, findings in residue_findings(customer_ids)}


def verify(*, criteria: str, through: date, limit: int | None = None) -> Verification:
    """M-2, M-4: the run's customers, oldest first — up to `limit` that can be erased, and the blocked
    ones met on the way to them (those older than the last one selected; all of them when fewer than
    `limit` can be erased), at most `limit` of those too — planned. Two queries and the planner's."""
    limit = default_limit() if limit is None else limit
    on = today()
    erasable = list(
        select_customers(criteria=criteria, through=through, limit=limit, on=on).values_list(
            "created_at", "pk"
        )
    )
    before = erasable[-1] if len(erasable) == limit else None
    ignored = list(
        ignored_customers(criteria=criteria, through=through, limit=limit, before=before, on=on).values_list(
            "created_at", "pk"
        )
    )
    ids = [pk for _created, pk in sorted(erasable + ignored)]
    return Verification(criteria=criteria, through=through, limit=limit, rows=plan_rows(ids))


# --- the review lists (M-4) -------------------------------------------------------------------------


ERASE_COLUMNS = ["customer_number", "name", "created_at", "last_purchase", "action", "residue"]
# B-5: where the person is in the kept text of the customers to anonymize; never what.
RESIDUE_COLUMNS = ["customer_number", "kind", "ref", "field", "found"]
IGNORED_COLUMNS = ["customer_number", "name", "created_at", "reason"]


def _details(customer_ids: list[int], reader) -> dict[int, dict]:
    """Name, creation date and last purchase of the listed customers, read when the list is written: the
    job keeps ids only. The name only of a customer the reader may view (R-9): the mass right alone does
    not show names; the others are listed by number."""
    details: dict[int, dict] = {}
    chunk = 5_000
    for start in range(0, len(customer_ids), chunk):
        ids = customer_ids[start : start + chunk]
        named = set(rules.restrict(Customer.objects.filter(pk__in=ids), reader).values_list("pk", flat=True))
        for pk, name, created_at in Customer.objects.filter(pk__in=ids).values_list(
            "pk", "name", "created_at"
        ):
            details[pk] = {
                "name": name if pk in named else "",
                "created_at": timezone.localdate(created_at),
                "last_purchase": None,
            }
        for model in PURCHASE_MODELS:
            rows = (
                model._default_manager.filter(customer_id__in=ids)
                .values_list("customer_id")
                .annotate(last=Max("date"))
                .order_by()
            )
            for pk, last in rows:
                current = details.get(pk)
                if current is not None and (
                    current["last_purchase"] is None or last > current["last_purchase"]
                ):
                    current["last_purchase"] = last
    return details


def visible_customers(customer_ids: list[int], reader) -> dict[int, Customer]:
    """Those of the listed customers `reader` may view (R-9), by id, with what a page needs to name and
    link them; the others are shown by number only. One query."""
    if not customer_ids:
        return {}
    customers = rules.restrict(Customer.objects.filter(pk__in=customer_ids), reader)
    return {c.pk: c for c in customers.only("pk", "number", "name", "kind", "anonymized_at")}


def review_sheets(rows: list[Row], *, reader) -> tuple[Sheet, Sheet]:
    """The two review lists: those to erase (with the action) and those ignored (with the reason), as
    `reader` may see them, to be written as CSV or XLSX (kund.core.spreadsheet). Every cell a spreadsheet
    would run as a formula gets an apostrophe in front."""
    details = _details([r.customer_id for r in rows], reader)
    erase_writer, ignored_writer = Sheet("to-erase", ERASE_COLUMNS), Sheet("ignored", IGNORED_COLUMNS)
    for row in rows:
        d = details.get(row.customer_id, {})
        created = d.get("created_at")
        if row.action == "ignore":
            cells = [row.number, d.get("name", ""), created or "", reasons.describe(row.reason)]
            ignored_writer.writerow([neutralise(cell) for cell in cells])
        else:
            last = d.get("last_purchase")
            cells = [
                row.number,
                d.get("name", ""),
                created or "",
                last or "",
                reasons.action_text(row.action),
                row.residue if row.action == "anonymize" else None,  # deleted: nothing is kept
            ]
            erase_writer.writerow([neutralise(cell) for cell in cells])
    return erase_writer, ignored_writer


def csv_lists(rows: list[Row], *, reader) -> tuple[str, str]:
    """The two review lists as CSV files, as every list Kund hands out: UTF-8 with a byte-order mark, in
    the list separator of the active language."""
    to_erase, ignored = review_sheets(rows, reader=reader)
    return to_erase.csv(), ignored.csv()


def residue_sheet(rows: list[Row]) -> Sheet:
    """B-5's review list: for each customer to anonymize whose kept text holds the person, where each
    finding is — kind and reference of the record, field, and what was found (`phone`, `email`, …) —
    never the text. Read now, set-based, chunk by chunk; written as CSV or XLSX like the other review
    lists (kund.core.spreadsheet)."""
    numbers = {row.customer_id: row.number for row in rows if row.action == "anonymize"}
    sheet = Sheet("residue", RESIDUE_COLUMNS)
    found = dict(residue_findings(list(numbers)))
    for pk, number in numbers.items():
        places = {tuple(f.as_dict().values()): None for f in found.get(pk, [])}
        for kind, ref, field_name, what in places:
            sheet.writerow([neutralise(cell) for cell in (number, kind, ref, field_name, what)])
    return sheet
