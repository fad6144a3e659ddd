"""Erasing customers: delete (SPEC D-1, D-2) and anonymize (SPEC §4, A-1..A-7), as two doors over one core.

`erase_customers()` is the core and the batch form: it takes customer ids, and for each chunk of them,
in one transaction, locks the customers' rows, re-plans them inside the transaction (so a transaction
added concurrently either blocks the erasure or waits for it), and then issues one statement per policy
table for the whole chunk. Every customer is therefore erased completely or not at all. A chunk that fails
is retried one customer at a time, so one bad customer cannot hold back the rest; its reason is reported.

What it knowingly leaves behind: invoices and agreement invoices, and the frozen legal copy of the
customer's details on receipts (bookkeeping law, A-3); kept free text and documents, which the user
reviews by hand (A-2), with the person's details found in them redacted (B-5, kund.privacy.residue);
postal codes, regions, countries, gender, customer group and birth year (A-1); the customer number,
which stays reserved (R-1); the erasure log row, which holds no personal data (B-2); and the request
register's record of a data-subject request (customer number, dates, outcome, receipt), which outlives
the customer as proof the request was answered (B-7).
"""

import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Case, CharField, DateField, Func, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.audit import erasure_log
from kund.core import rules
from kund.core.batch import without_cyclic_gc
from kund.customers.models import Customer
from kund.customers.search import compact_after_erasure
from kund.privacy import policy, reasons, residue, scope
from kund.privacy.planner import Action, Plan, plan_customers, row_counts
from kund.privacy.selections import scrub_selections
from kund.webhooks.outbox import announce_erasures

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000  # customers per transaction
CHECKPOINT_EVERY = 20_000  # customers between SQLite checkpoints in a long batch
DELETE, ANONYMIZE = Action.DELETE.value, Action.ANONYMIZE.value


class ErasureRefused(Exception):
    """The customer cannot be erased the way that was asked. The message names no personal data."""

    def __init__(self, message: str, plan: Plan | None = None):
        super().__init__(message)
        self.plan = plan


class AlreadyErased(ErasureRefused):
    """The customer had been erased by someone else by the time the erasure locked it: deleted (`gone`),
    or already anonymized. What the loser of two simultaneous erasures of one customer is told."""

    def __init__(self, message: str, *, gone: bool):
        super().__init__(message)
        self.gone = gone


@dataclass(slots=True)
class Outcome:
    customer_id: int
    number: str
    result: str  # "deleted", "anonymized", "ignored", "failed"
    reason: str = ""  # a code (kund.privacy.reasons); for "failed", the exception's class
    receipt: str = ""
    # Ignored because someone else erased the customer first: deleted ("gone") or already anonymized.
    erased_before: str = ""  # "", "gone" or "anonymized"


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def _of(self, result: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == result]

    @property
    def deleted(self) -> list[Outcome]:
        return self._of("deleted")

    @property
    def anonymized(self) -> list[Outcome]:
        return self._of("anonymized")

    @property
    def ignored(self) -> list[Outcome]:
        return self._of("ignored")

    @property
    def failed(self) -> list[Outcome]:
        return self._of("failed")

    def counts(self) -> dict[str, int]:
        return {key: len(self._of(key)) for key in ("deleted", "anonymized", "ignored", "failed")}


def _actor_name(actor) -> str:
    return actor.get_username() if actor is not None else "system"


class StartOfYear(Func):
    """1 January of a date's year, computed by the database. (Django's TruncYear calls back into Python
    for every row on SQLite.)"""

    template = "CAST(DATE_TRUNC('year', %(expressions)s) AS date)"
    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s, 'start of year')", **extra_context
        )


def _display_name() -> Case:
    """The anonymized customer's name (policy.XXXX_NAME), from the row's values before the UPDATE: a
    company is "Xxxx", a person "Xxxx Xxxx" (a prospect without a first or last name is taken for a
    company)."""
    nameless_prospect = Q(kind=Customer.Kind.PROSPECT, first_name="", last_name="")
    return Case(
        When(Q(kind=Customer.Kind.COMPANY) | nameless_prospect, then=Value(policy.ANONYMIZED_NAME)),
        default=Value(policy.ANONYMIZED_PERSON_NAME),
        output_field=CharField(),
    )


def _value(model, name: str, rule: policy.Rule):
    model_field = model._meta.get_field(name)
    if rule is policy.XXXX:
        return policy.ANONYMIZED_NAME
    if rule is policy.XXXX_NAME:
        return _display_name()
    if rule is policy.CLEAR:
        return None if model_field.null else ""
    if rule is policy.YEAR_ONLY:
        return StartOfYear(name)
    if rule is policy.ZERO:
        return Decimal("0")
    if rule is policy.NO:
        return False
    raise ValueError(f"no value for rule {rule.action}")


def _rows(table: policy.Table, action: str):
    """The table's rows of the scope's customers (of one action), selected by one nested IN per step of
    the link — `credit_info_id IN (SELECT id FROM the credit information WHERE customer_id IN (the
    scope))` — rather than by a join, which Django's UPDATE and DELETE would wrap in a second copy of the
    table. Each statement so looks its rows up by index from the scope, whatever a table's statistics
    say: with a join of the table to itself, PostgreSQL read the whole table once per row when rows had
    just been loaded and its statistics still said the table was empty."""
    steps = table.link.split("__")
    models = [table.model_class, *table.chain()]
    rows = models[-1]._default_manager.filter(**{f"{steps[-1]}__in": scope.ids(action)})
    for model, step in zip(reversed(models[:-1]), reversed(steps[:-1]), strict=True):
        rows = model._default_manager.filter(**{f"{step}__in": rows.values("pk")})
    return rows


def _may_have_rows(table: policy.Table, present: set[str]) -> bool:
    """Whether the chunk's customers can have rows in the table. Rows found by the count inside the
    transaction, or rows under a parent that exists: a child row (a purchase under a dropship order) can be
    added without touching the locked customer, so it is only ruled out when its parent rows are."""
    return table.model in present or any(model._meta.label in present for model in table.chain())


def _sql_delete(queryset) -> None:
    """DELETE FROM the table WHERE the queryset's condition: one statement, without Django's collector,
    which would load every row to look for cascades. The database's foreign keys still refuse any delete
    that would leave a kept record without its customer. The queryset filters its own table only (see
    _rows), so its condition needs no join."""
    query = queryset.query
    if sum(1 for alias in query.alias_map if query.alias_refcount[alias]) > 1:
        raise ValueError("a delete condition must not join other tables")
    condition, params = query.get_compiler(connection=connection).compile(query.where)
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)


def _collect_files(tables: Iterable[policy.Table], action: str) -> list[str]:
    names: list[str] = []
    for table in tables:
        for file_field in table.files:
            names.extend(n for n in _rows(table, action).values_list(file_field, flat=True) if n)
    return names


def _remove_files_after_commit(names: list[str]) -> None:
    def remove():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not remove an erased customer's file (storage error)")

    if names:
        transaction.on_commit(remove)


def _scrub_admin_log(action: str) -> None:
    """Django's admin log keeps each object's str() (a name, a title): remove the entries of the customer
    and of its own rows (A-7), in one statement."""
    from kund.customers.models import Branch, CreditInfo, CustomFieldValue
    from kund.documents.models import Document

    log = connection.ops.quote_name(LogEntry._meta.db_table)
    in_scope, scope_params = scope.select(action)
    customer_ids = f"SELECT CAST(customer_id AS varchar(20)) FROM ({in_scope}) scoped"
    conditions = [f"(content_type_id = %s AND object_id IN ({customer_ids}))"]
    params: list = [ContentType.objects.get_for_model(Customer).pk, *scope_params]
    for model in (Branch, CreditInfo, CustomFieldValue, Document):
        rows = connection.ops.quote_name(model._meta.db_table)
        conditions.append(
            f"(content_type_id = %s AND object_id IN (SELECT CAST(id AS varchar(20)) FROM {rows} "
            f"WHERE customer_id IN ({in_scope})))"
        )
        params += [ContentType.objects.get_for_model(model).pk, *scope_params]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {log} WHERE {' OR '.join(conditions)}", params)


def _anonymize_rows(present: set[str], now) -> None:
    """SPEC §4's table: one UPDATE (or DELETE) per policy table for all the chunk's customers to anonymize,
    skipping tables where they have no rows."""
    _scrub_admin_log(ANONYMIZE)
    deleted = [t for t in policy.TABLES if t.rows == policy.DELETE_ROWS]
    _remove_files_after_commit(
        _collect_files([t for t in deleted if t.files and _may_have_rows(t, present)], ANONYMIZE)
    )
    # Children before parents (a credit file before its credit information).
    for table in sorted(policy.TABLES, key=lambda t: -len(t.chain())):
        if not _may_have_rows(table, present):
            continue
        if table.rows == policy.DELETE_ROWS:
            _sql_delete(_rows(table, ANONYMIZE))
        elif table.rows == policy.UPDATE:
            values = _update_values(table)
            if values:
                _rows(table, ANONYMIZE).update(**values)
    customer_values = {
        name: _value(Customer, name, rule) for name, rule in policy.CUSTOMER.assignments().items()
    }
    Customer.objects.filter(pk__in=scope.ids(ANONYMIZE)).update(
        **customer_values, anonymized_at=now, updated_at=now
    )


def _update_values(table: policy.Table) -> dict:
    """The values one UPDATE gives a table's rows of the customers being erased: each field by its rule,
    and, for rows that outlive the customer (policy `detach`), their links to it and its records cleared."""
    model = table.model_class
    values = {name: _value(model, name, rule) for name, rule in table.assignments().items()}
    values.update(dict.fromkeys(table.detach))
    return values


def _delete_rows(present: set[str]) -> None:
    """D-1: the customer and what is only the customer's. The PROTECT links (and the database's foreign
    keys) refuse the delete if any transaction appeared, which the re-check inside the transaction rules
    out. Rows that outlive the customer (the request register) are anonymized and let go of it first."""
    for table in policy.TABLES:
        if table.outlives_customer and _may_have_rows(table, present):
            _rows(table, DELETE).update(**_update_values(table))
    owned = [t for t in policy.TABLES if t.deleted_with_customer and _may_have_rows(t, present)]
    _scrub_admin_log(DELETE)
    _remove_files_after_commit(_collect_files([t for t in owned if t.files], DELETE))
    # Children before parents (a credit file before its credit information).
    for table in sorted(owned, key=lambda t: -len(t.chain())):
        _sql_delete(_rows(table, DELETE))
    _sql_delete(Customer.objects.filter(pk__in=scope.ids(DELETE)))


def _reason(plan: Plan, allowed: frozenset[Action]) -> str:
    """Why the customer is left alone, as a code (kund.privacy.reasons): runs store it, and each reader
    sees it in their own language."""
    if plan.action == Action.BLOCKED:
        return reasons.of_blockers(plan.blockers)
    if plan.action == Action.ALREADY_ANONYMIZED:
        return reasons.ALREADY_ANONYMIZED
    if plan.action == Action.ANONYMIZE and Action.ANONYMIZE not in allowed:
        return reasons.ONLY_ANONYMIZE
    if plan.action == Action.DELETE and Action.DELETE not in allowed:
        return reasons.ONLY_DELETE
    return plan.action.value


def _erase_chunk(
    ids: list[int],
    *,
    actor,
    allowed: frozenset[Action],
    job_id,
    in_transaction=None,
    decisions: residue.Decisions | None = None,
) -> list[Outcome]:
    now = timezone.now()
    with transaction.atomic():
        # Lock the customers, then decide again: what was planned outside may no longer hold.
        locked = list(Customer.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        scope.fill(locked)
        plans = plan_customers(
            Customer.objects.filter(pk__in=scope.ids()), detail=False, cache_key=scope.TABLE
        )
        # The erasure log and the outcomes list a chunk's customers by number (the plans come by id).
        by_number = sorted(plans.values(), key=lambda p: p.number)
        to_delete = [p for p in by_number if p.action == Action.DELETE and Action.DELETE in allowed]
        to_anonymize = [p for p in by_number if p.action == Action.ANONYMIZE and Action.ANONYMIZE in allowed]
        scope.mark(
            {DELETE: [p.customer_id for p in to_delete], ANONYMIZE: [p.customer_id for p in to_anonymize]}
        )
        scrub_selections(customer_ids=[p.customer_id for p in to_delete + to_anonymize])

        counts = (
            row_counts(scope.ids(), policy.TABLES, cache_key=scope.TABLE) if to_delete or to_anonymize else {}
        )
        for plan in to_delete + to_anonymize:
            counts.setdefault(plan.customer_id, {})[policy.CUSTOMER.model] = 1
        present_in = {
            action: {label for p in group for label in counts[p.customer_id]}
            for action, group in ((ANONYMIZE, to_anonymize), (DELETE, to_delete))
        }
        if to_anonymize:
            residue.redact_chunk(  # B-5
                scope.ids(ANONYMIZE), counts=counts, cache_key=scope.TABLE, decisions=decisions
            )
            _anonymize_rows(present_in[ANONYMIZE], now)
        if to_delete:
            _delete_rows(present_in[DELETE])

        records = [
            {"customer_number": p.number, "action": action, "counts": counts[p.customer_id]}
            for action, group in ((DELETE, to_delete), (ANONYMIZE, to_anonymize))
            for p in group
        ]
        outcomes = [Outcome(p.customer_id, p.number, "deleted") for p in to_delete]
        outcomes += [Outcome(p.customer_id, p.number, "anonymized") for p in to_anonymize]
        done = {p.customer_id for p in to_delete + to_anonymize}
        outcomes += [
            Outcome(
                p.customer_id,
                p.number,
                "ignored",
                _reason(p, allowed),
                erased_before="anonymized" if p.action == Action.ALREADY_ANONYMIZED else "",
            )
            for p in by_number
            if p.customer_id not in done
        ]
        # Not there to lock: deleted since it was chosen, by a concurrent erasure that committed first.
        gone = set(ids) - set(plans)
        outcomes += [
            Outcome(pk, "", "ignored", reasons.ALREADY_ERASED, erased_before="gone") for pk in sorted(gone)
        ]
        if in_transaction is not None:
            # The caller's record of these outcomes commits (or rolls back) with the erasure itself.
            in_transaction(outcomes)
        # The log last: its head stays locked until the commit, and other chunks' appends wait for it.
        entries = erasure_log.append(records, actor_username=_actor_name(actor), at=now, job_id=job_id)
        receipts = {e.customer_number: e.hash for e in entries}
        for outcome in outcomes[: len(to_delete) + len(to_anonymize)]:
            outcome.receipt = receipts[outcome.number]
        # B-8: the events' outbox rows, in the erasure's transaction. They carry the receipts, which only
        # the log's head gives, so they come after the append: while a connected system is subscribed,
        # writing them is part of what every chunk passes one at a time.
        announce_erasures(outcomes, at=now)
    return outcomes


def _checkpoint_sqlite(mode: str = "TRUNCATE") -> None:
    """SQLite keeps the old pages in the write-ahead log until a checkpoint: fold them into the database
    file (where secure_delete has zeroed freed space) and truncate the log (B-3). In the middle of a
    batch, RESTART folds them too but lets the next chunk overwrite the log's file from its start instead
    of growing it again."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_checkpoint({mode})")


@contextmanager
def _checkpoints_by_batch():
    """On SQLite, hold back the automatic checkpoint while a batch runs; the batch checkpoints every
    CHECKPOINT_EVERY customers and at its end instead. The automatic one runs after every commit that
    leaves the log over 1,000 pages, and so copies the index pages that every chunk touches into the
    database file again after every chunk."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (pages,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")


def erase_customers(
    *,
    customer_ids: Iterable[int],
    actor,
    allowed: Iterable[Action] = (Action.DELETE, Action.ANONYMIZE),
    job_id: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[list[Outcome]], None] | None = None,
    in_transaction: Callable[[list[Outcome]], None] | None = None,
    decisions: residue.Decisions | None = None,
) -> BatchResult:
    """The batch form: erase each customer by the action that applies, chunk by chunk.

    Resumable: a customer already erased is reported as ignored (already anonymized, or already erased
    when it no longer exists) and never erased twice, because each chunk decides inside its own
    transaction. `on_chunk` is called after each chunk has committed, with its outcomes (for progress
    and per-customer results).
    `in_transaction` is called with the deleted, anonymized and ignored outcomes of each chunk inside the
    chunk's transaction, so what the caller records about them commits together with the erasure (a
    background job's per-customer results); if it raises, the chunk is rolled back and retried one
    customer at a time like any failed chunk. It is called before the erasure log's append (the receipts
    are not on the outcomes yet): the log's head is held from the append to the commit, and only the
    events' outbox rows, which need the receipts, come after it.
    `decisions` are the erasure page's on the customer's documents holding the person (B-5): kept ones
    stay, and if the documents are no longer the ones the page listed, residue.DocumentsChanged is raised
    and nothing is erased.
    """
    allowed = frozenset(Action(a) for a in allowed)
    ids = list(dict.fromkeys(customer_ids))
    result = BatchResult()
    with without_cyclic_gc(), _checkpoints_by_batch():
        since_checkpoint = 0
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            outcomes = _erase_chunk_or_each(
                chunk,
                actor=actor,
                allowed=allowed,
                job_id=job_id,
                in_transaction=in_transaction,
                decisions=decisions,
            )
            result.outcomes += outcomes
            if on_chunk is not None:
                on_chunk(outcomes)
            since_checkpoint += len(chunk)
            if since_checkpoint >= CHECKPOINT_EVERY:
                _checkpoint_sqlite("RESTART")
                since_checkpoint = 0
        _checkpoint_sqlite()
    if result.deleted or result.anonymized:
        # The search index's triggers followed every row at once; its older segments still hold the
        # erased trigrams until merged, which a background task does (B-3, kund.customers.search).
        compact_after_erasure()
    return result


def _erase_chunk_or_each(chunk: list[int], **kwargs) -> list[Outcome]:
    """Erase a chunk; if it fails, retry its customers one by one so one bad customer cannot hold back
    the rest, and report each failure by id and exception type only."""
    try:
        return _erase_chunk(chunk, **kwargs)
    except residue.DocumentsChanged:
        raise  # the page's list is out of date: the user looks again, nothing is retried
    except Exception:
        logger.exception("erasure of a chunk of %d customers failed; retrying one by one", len(chunk))
    outcomes = []
    for pk in chunk:
        try:
            outcomes += _erase_chunk([pk], **kwargs)
        except Exception as exc:  # reported per customer, by id only
            logger.exception("erasure of customer id %s failed", pk)
            outcomes.append(Outcome(pk, _number_of(pk), "failed", type(exc).__name__))
    return outcomes


def _number_of(pk: int) -> str:
    return Customer.objects.filter(pk=pk).values_list("number", flat=True).first() or ""


def _erase_one(
    *, customer: Customer, actor, allowed: tuple[Action, ...], decisions: residue.Decisions | None = None
) -> Outcome:
    rules.require(
        rules.may_erase(actor, customer), _("You do not have the right to delete or anonymize this customer.")
    )
    try:
        result = erase_customers(
            customer_ids=[customer.pk], actor=actor, allowed=allowed, decisions=decisions
        )
    except residue.DocumentsChanged:
        raise ErasureRefused(
            _(
                "Customer %(number)s was not erased: its documents changed since the page was shown. "
                "Check the list again."
            )
            % {"number": customer.number}
        ) from None
    outcome = result.outcomes[0]
    if outcome.erased_before == "gone":
        raise AlreadyErased(
            _("Customer %(number)s was not erased: it has already been erased.")
            % {"number": customer.number},
            gone=True,
        )
    if outcome.erased_before:
        raise AlreadyErased(
            _("Customer %(number)s was not erased: %(reason)s")
            % {"number": customer.number, "reason": reasons.describe(outcome.reason)},
            gone=False,
        )
    if outcome.result in ("ignored", "failed"):
        raise ErasureRefused(
            _("Customer %(number)s was not erased: %(reason)s")
            % {"number": customer.number, "reason": reasons.describe(outcome.reason)}
        )
    return outcome


def customer_delete(*, customer: Customer, actor) -> Outcome:
    """Delete a customer that has no linked transactions or events (E-1, D-1)."""
    return _erase_one(customer=customer, actor=actor, allowed=(Action.DELETE,))


def customer_anonymize(
    *,
    customer: Customer,
    actor,
    keep_documents: dict[int, str] | None = None,
    listed_documents: Iterable[int] | None = None,
) -> Outcome:
    """Anonymize a customer that has linked transactions and no blockers (E-1, SPEC §4).

    B-5, from the erasure page: `keep_documents` (document id → the reason written) keeps documents
    whose text holds the person, which are otherwise deleted; `listed_documents` are the documents
    holding the person that the page listed, and the erasure is refused if, inside its transaction, they
    are no longer the ones found (one was added or changed since)."""
    from kund.documents.models import Document

    for pk, reason in (keep_documents or {}).items():
        if not (reason or "").strip():
            ref = f"{Document.REF_PREFIX}-{pk}"
            raise ErasureRefused(_("Write why the document %(ref)s is kept.") % {"ref": ref})
    decisions = None
    if keep_documents or listed_documents is not None:
        decisions = residue.Decisions(
            keep=dict(keep_documents or {}),
            listed=None if listed_documents is None else frozenset(listed_documents),
        )
    return _erase_one(customer=customer, actor=actor, allowed=(Action.ANONYMIZE,), decisions=decisions)


def customer_erase(*, customer: Customer, actor) -> Outcome:
    """Delete or anonymize, whichever applies to the customer (E-1)."""
    return _erase_one(customer=customer, actor=actor, allowed=(Action.DELETE, Action.ANONYMIZE))


def anonymize_customers(*, customer_ids: list[int], actor=None) -> BatchResult:
    """Anonymize many customers (those that cannot be anonymized are reported as ignored). Without an
    actor the log names the system, as for the demo data."""
    return erase_customers(customer_ids=customer_ids, actor=actor, allowed=(Action.ANONYMIZE,))
