"""The erasure planner (SPEC E-1..E-3, A-2): reads only, and is set-based.

`classify()` annotates any customer queryset with the action that applies, in one query built from
EXISTS subqueries over the policy's tables. `plan_customers()` adds, for the same queryset, the blockers
with their record references, the linked counts per type, the documents a delete would remove, the
kept free text to review and the residue of the person found in it (B-5): a fixed number of queries per
policy table, whatever the number of customers.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from kund.core.batch import without_cyclic_gc
from kund.customers.models import Customer
from kund.privacy import policy
from kund.privacy.residue import Finding, scan_customers


class Action(StrEnum):
    DELETE = "delete"
    ANONYMIZE = "anonymize"
    BLOCKED = "blocked"
    ALREADY_ANONYMIZED = "already_anonymized"


@dataclass(frozen=True)
class BlockerRow:
    kind: str
    ref: str
    reason: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "reason": self.reason}


@dataclass(frozen=True)
class KeptText:
    kind: str
    ref: str
    field: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "field": self.field}


@dataclass(slots=True)
class Plan:
    customer_id: int
    number: str
    action: Action
    blockers: list[BlockerRow] = field(default_factory=list)
    documents_to_delete: int = 0
    kept_free_text: list[KeptText] = field(default_factory=list)
    linked: dict[str, int] = field(default_factory=dict)
    residue: list[Finding] = field(default_factory=list)  # the person in kept text (B-5)

    def as_dict(self) -> dict:
        """The shape of `kund erasure_plan --json` (SPEC §8)."""
        return {
            "customer": self.number,
            "action": str(self.action),
            "blockers": [b.as_dict() for b in self.blockers],
            "documents_to_delete": self.documents_to_delete,
            "kept_free_text": [k.as_dict() for k in self.kept_free_text],
            "linked": dict(self.linked),
            # Where the customer's details are in kept text, never what they are (SPEC §9).
            "residue": list({tuple(f.as_dict().items()): f.as_dict() for f in self.residue}.values()),
        }


def today() -> date:
    return timezone.localdate()


def _exists(table: policy.Table, condition: Q | None = None) -> Exists:
    rows = table.model_class._default_manager.filter(**{table.link: OuterRef("pk")})
    if condition is not None:
        rows = rows.filter(condition)
    return Exists(rows)


def blocked_condition(on: date) -> Q:
    """True for a customer with any blocker (E-3)."""
    condition = Q()
    for table in policy.BLOCKER_TABLES:
        for blocker in table.blockers:
            condition |= _exists(table, blocker.condition(on))
    return condition


# Where most customers of a sales and invoicing business have their transactions. OR stops at the first
# EXISTS that holds, so these are asked first: for most customers the only one asked.
LIKELIEST_TRANSACTIONS = ("sales.Order", "billing.Invoice", "billing.Receipt")


def _implied(table: policy.Table) -> bool:
    """A row reached through another transaction's row (an order's extra information, a purchase of a
    drop-shipping order) exists only if that row does, which is asked about anyway."""
    chain = table.chain()
    if not chain:
        return False
    parent, rest = chain[0]._meta.label, table.link.partition("__")[2]
    # Only if the rest of the way is the parent's own link to the customer.
    return any(t.model == parent and t.link == rest for t in policy.TRANSACTION_TABLES)


def linked_condition() -> Q:
    """True for a customer with any linked transaction or event (E-2)."""
    tables = [t for t in policy.TRANSACTION_TABLES if not _implied(t)]
    tables.sort(key=lambda t: t.model not in LIKELIEST_TRANSACTIONS)  # stable: otherwise the policy's order
    condition = Q()
    for table in tables:
        condition |= _exists(table)
    return condition


def classify(customers: QuerySet, *, on: date | None = None) -> QuerySet:
    """Annotate `erasure_action` (an Action value) on every customer: one query, no Python loop."""
    on = on or today()
    return customers.annotate(
        erasure_action=Case(
            When(anonymized_at__isnull=False, then=Value(Action.ALREADY_ANONYMIZED.value)),
            When(blocked_condition(on), then=Value(Action.BLOCKED.value)),
            When(linked_condition(), then=Value(Action.ANONYMIZE.value)),
            default=Value(Action.DELETE.value),
            output_field=CharField(),
        )
    )


def format_ref(table: policy.Table, value) -> str:
    prefix = getattr(table.model_class, "REF_PREFIX", "")
    return f"{prefix}-{value}" if prefix else str(value)


def _ref_field(table: policy.Table) -> str:
    """Records with a number of their own are named by it ("O-1042"), the others by their id."""
    names = {f.name for f in table.model_class._meta.concrete_fields}
    return "number" if "number" in names else "pk"


def _rows_of(table: policy.Table, ids: QuerySet | None):
    """The table's rows linked to these customers (a queryset of their ids), or to any customer (None)."""
    if ids is None:
        return table.model_class._default_manager.filter(**{f"{table.link}__isnull": False})
    return table.model_class._default_manager.filter(**{f"{table.link}__in": ids})


def _every_customer(customers: QuerySet) -> bool:
    """Whether the queryset is the whole register, unfiltered."""
    query = customers.query
    return not query.where and not query.is_sliced and not query.combinator


# --- executing the planner's queries ---------------------------------------------------------------
# Each query is built by a function; `_run` builds and runs it. With a cache key (the erasure executor's
# chunk scope, whose SQL never changes) the compiled SQL is kept per database and reused: building these
# queries through the ORM costs more than running them for a handful of customers.
_compiled: dict[tuple, tuple[str, tuple]] = {}


def _run(build: Callable[[], QuerySet], key: tuple | None) -> list[tuple]:
    """The query's rows as the database driver returns them (ids, strings, counts: nothing Django would
    convert), fetched in one call rather than through the queryset's iterator, which costs a second for a
    million customers."""
    if key is None:
        try:
            sql, params = build().query.sql_with_params()
        except EmptyResultSet:  # such as pk__in=[]: no query to run
            return []
    else:
        key = (connection.vendor, *key)
        if key not in _compiled:
            _compiled[key] = build().query.sql_with_params()
        sql, params = _compiled[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _keyed(cache_key, *parts) -> tuple | None:
    return None if cache_key is None else (cache_key, *parts)


def _blocker_rows(ids, on: date) -> QuerySet:
    """(customer id, prefix, ref, kind, reason) for every blocker: one UNION ALL query."""
    parts = []
    for table in policy.BLOCKER_TABLES:
        ref_field = _ref_field(table)
        prefix = getattr(table.model_class, "REF_PREFIX", "")
        for blocker in table.blockers:
            parts.append(
                _rows_of(table, ids)
                .filter(blocker.condition(on))
                .annotate(
                    _customer=F(table.link),
                    _prefix=Value(prefix, output_field=CharField()),
                    _ref=F(ref_field),
                    _kind=Value(table.kind, output_field=CharField()),
                    _reason=Value(blocker.reason, output_field=CharField()),
                )
                .values_list("_customer", "_prefix", "_ref", "_kind", "_reason")
                .order_by()
            )
    return parts[0].union(*parts[1:], all=True)


def blockers_of(ids, *, on: date | None = None, cache_key=None) -> dict[int, list[BlockerRow]]:
    """Every blocker of the given customers (a queryset of customer ids; None: of every customer), in one
    query."""
    on = on or today()
    found: dict[int, list[BlockerRow]] = defaultdict(list)
    rows = _run(lambda: _blocker_rows(ids, on), _keyed(cache_key, "blockers", on))
    for customer_id, prefix, ref, kind, reason in sorted(rows, key=lambda r: (r[0], r[3], r[2], r[4])):
        found[customer_id].append(BlockerRow(kind, f"{prefix}-{ref}" if prefix else str(ref), reason))
    return found


def _grouped_counts(ids, tables, label, cache_key=None) -> dict[int, dict[str, int]]:
    """Rows per customer in each table, in ONE query: a UNION ALL of one grouped count per table."""
    tables = tuple(tables)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if not tables:
        return counts
    rows = _run(
        lambda: _counts_query(ids, tables, label), _keyed(cache_key, "counts", tuple(t.model for t in tables))
    )
    for customer_id, name, n in rows:
        # A model listed once per link to a customer (an activity's first and second customer) counts
        # the rows of both links under one label.
        counts[customer_id][name] = counts[customer_id].get(name, 0) + n
    return counts


def _counts_query(ids, tables, label) -> QuerySet:
    parts = [
        _rows_of(table, ids)
        .values(_customer=F(table.link))
        .annotate(_n=Count("pk"), _label=Value(label(table), output_field=CharField()))
        .values_list("_customer", "_label", "_n")
        .order_by()
        for table in tables
    ]
    return parts[0].union(*parts[1:], all=True)


def linked_counts(ids: QuerySet) -> dict[int, dict[str, int]]:
    """Linked transactions and events per type (E-2)."""
    return _grouped_counts(ids, policy.TRANSACTION_TABLES, lambda t: t.kind)


def row_counts(ids, tables, *, cache_key=None) -> dict[int, dict[str, int]]:
    """Rows per customer in each given policy table, keyed by model label (for the erasure log)."""
    return _grouped_counts(ids, tables, lambda t: t.model, cache_key)


def _filled(name: str) -> Q:
    return ~Q(**{name: ""}) & Q(**{f"{name}__isnull": False})


def kept_free_text(ids: QuerySet) -> dict[int, list[KeptText]]:
    """Non-empty kept free-text fields and documents (A-2): one query per table with such fields."""
    found: dict[int, list[KeptText]] = defaultdict(list)
    for table in (policy.CUSTOMER, *policy.TABLES):
        names = table.review_fields()
        if not names:
            continue
        if table is policy.CUSTOMER:
            kind, link, ref_field = "customer", "pk", "number"
            rows = Customer.objects.filter(pk__in=ids)
        else:
            kind, link, ref_field = (
                table.kind or table.model_class._meta.model_name,
                table.link,
                _ref_field(table),
            )
            rows = _rows_of(table, ids)
        any_filled = Q()
        for name in names:
            any_filled |= _filled(name)
        flags = {
            f"_filled_{name}": Case(When(_filled(name), then=Value(True)), default=Value(False))
            for name in names
        }
        for row in (
            rows.filter(any_filled).annotate(**flags).values(link, ref_field, *flags).order_by(ref_field)
        ):
            ref = row[ref_field] if table is policy.CUSTOMER else format_ref(table, row[ref_field])
            found[row[link]].extend(KeptText(kind, ref, name) for name in names if row[f"_filled_{name}"])
    return found


def document_counts(ids: QuerySet) -> dict[int, int]:
    from kund.documents.models import Document

    rows = (
        Document.objects.filter(customer_id__in=ids).values("customer_id").annotate(n=Count("pk")).order_by()
    )
    return {row["customer_id"]: row["n"] for row in rows}


def plan_customers(
    customers: QuerySet, *, detail: bool = True, on: date | None = None, cache_key: str | None = None
) -> dict[int, Plan]:
    """The plan of every customer in the queryset, keyed by customer id.

    Without `detail` only the action and the blockers are filled in (what mass erasure needs); with it
    also the linked counts, documents and kept free text of the single-customer view. `cache_key` names
    a queryset whose SQL is always the same (the executor's scope), so its compiled queries are reused.
    """
    with without_cyclic_gc():
        return _plan_customers(customers, detail=detail, on=on or today(), cache_key=cache_key)


def _plan_customers(customers: QuerySet, *, detail: bool, on: date, cache_key: str | None) -> dict[int, Plan]:
    ids = customers.values("pk")
    # In id order: SQLite then reads the customers as they are stored, not through the number index, and
    # each customer's EXISTS probes land next to the previous customer's in every linked index. (A slice
    # keeps the order it was taken in.)
    in_order = customers if customers.query.is_sliced else customers.order_by("pk")
    classified = _run(
        lambda: classify(in_order, on=on).values_list("pk", "number", "erasure_action"),
        _keyed(cache_key, "classify", on),
    )
    actions = {a.value: a for a in Action}  # a dict lookup costs a tenth of calling Action()
    plans = {
        pk: Plan(customer_id=pk, number=number, action=actions[action]) for pk, number, action in classified
    }
    if not plans:
        return plans
    # Only a blocked or an already anonymized customer can have blockers (classify() tests them first).
    if any(p.action in (Action.BLOCKED, Action.ALREADY_ANONYMIZED) for p in plans.values()):
        # For the whole register, every blocking row counts: the database reads the small indexes of open
        # orders, unpaid invoices and ongoing agreements, instead of looking each customer up in them.
        of = None if _every_customer(customers) else ids
        for customer_id, rows in blockers_of(of, on=on, cache_key=cache_key).items():
            if customer_id in plans:
                plans[customer_id].blockers = rows
    if detail:
        for customer_id, counts in linked_counts(ids).items():
            if customer_id in plans:
                plans[customer_id].linked = counts
        for customer_id, n in document_counts(ids).items():
            if customer_id in plans and plans[customer_id].action == Action.DELETE:
                plans[customer_id].documents_to_delete = n
        reviewed = {pk for pk, plan in plans.items() if plan.action in (Action.ANONYMIZE, Action.BLOCKED)}
        for customer_id, rows in kept_free_text(ids).items():
            if customer_id in reviewed:
                plans[customer_id].kept_free_text = rows
        for customer_id, findings in (scan_customers(reviewed) if reviewed else {}).items():
            plans[customer_id].residue = findings
    return plans


def plan_customer(customer: Customer, *, on: date | None = None) -> Plan:
    """The plan of one customer; Customer.DoesNotExist if it is gone (deleted since it was read)."""
    plan = plan_customers(Customer.objects.filter(pk=customer.pk), detail=True, on=on).get(customer.pk)
    if plan is None:
        raise Customer.DoesNotExist(f"customer id {customer.pk} no longer exists")
    return plan
