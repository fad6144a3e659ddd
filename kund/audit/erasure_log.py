"""The erasure log (SPEC B-2): append-only, hash-chained, without personal data.

Each row's hash is SHA-256 over its own content and the previous row's hash, so editing, removing or
reordering any row breaks every hash after it. The hash of a row is the receipt given for that erasure.

There is one chain, however many workers erase at once: an append locks the chain's head row
(ErasureLogHead, SELECT … FOR UPDATE) and the lock is held until the erasure's transaction commits, so the
appends of concurrent transactions follow one another and each links to the row committed before it. That
stretch — from taking the lock to the commit — is the one part of an erasure that no two workers can do
at the same time; `serialized` measures it in each process (the job runner records it per chunk), since
it is what bounds how far the workers of many machines can speed up one job. Rows are numbered in the
order of their appends, not of their `at`, which is when each erasure's transaction began.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from json.encoder import encode_basestring_ascii

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from kund.audit.models import ErasureLogEntry, ErasureLogHead


def entry_hash(entry: ErasureLogEntry) -> str:
    return _digest(
        sequence=entry.sequence,
        customer_number=entry.customer_number,
        action=entry.action,
        actor=entry.actor_username,
        at=_timestamp(entry.at),
        counts_json=_canonical_json(entry.counts),
        ruleset=entry.ruleset_version,
        job=entry.job_id,
        previous=entry.previous_hash,
    )


def _timestamp(at) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _canonical_json(value) -> str:
    return _CANONICAL.encode(value)


def _digest(
    *,
    sequence: int,
    customer_number: str,
    action: str,
    actor: str,
    at: str,
    counts_json: str,
    ruleset: str,
    job: int | None,
    previous: str,
) -> str:
    """SHA-256 of the row's canonical JSON: its fields under these keys, keys sorted, no spaces, ASCII.
    Written out rather than built by json.dumps(dict), since a mass run hashes one row per customer; a
    property test holds it equal to json.dumps."""
    prefix = _canonical_prefix(
        customer_number=customer_number, action=action, actor=actor, at=at, counts_json=counts_json, job=job
    )
    return hashlib.sha256((prefix + _canonical_suffix(previous, ruleset, sequence)).encode()).hexdigest()


def _canonical_prefix(
    *, customer_number: str, action: str, actor: str, at: str, counts_json: str, job
) -> str:
    """The canonical JSON up to the previous row's hash, which (with the sequence) only the chain's head
    gives: everything before `"previous":"`, in key order."""
    text = encode_basestring_ascii
    job_json = "null" if job is None else str(int(job))
    return (
        f'{{"action":{text(action)},"actor":{text(actor)},"at":{text(at)},"counts":{counts_json},'
        f'"customer_number":{text(customer_number)},"job":{job_json},"previous":"'
    )


def _canonical_suffix(previous: str, ruleset: str, sequence: int) -> str:
    """The rest of the canonical JSON, from the previous row's hash (64 hex digits, nothing to escape)."""
    return f'{previous}","ruleset":{encode_basestring_ascii(ruleset)},"sequence":{int(sequence)}}}'


@dataclass
class SerializedClock:
    """What this process's appends spent on the chain head: `waited` for its lock, `held` from taking it to
    the commit that released it (seconds, summed), and how many appends committed."""

    waited: float = 0.0
    held: float = 0.0
    appends: int = 0

    def _record(self, *, asked: float, locked: float) -> None:
        self.waited += locked - asked
        self.held += time.perf_counter() - locked
        self.appends += 1


serialized = SerializedClock()


@dataclass(frozen=True)
class Appended:
    """What the caller gets back for each appended row: the receipt of one erasure."""

    sequence: int
    customer_number: str
    hash: str


def append(records: list[dict], *, actor_username: str, at, job_id: int | None = None) -> list[Appended]:
    """Append one row per record ({"customer_number", "action", "counts"}); call inside the erasure's
    transaction, as late as it can come (what follows it, up to the commit, holds the head too). The chain
    head is locked until that transaction ends, so concurrent erasures append one after the other.

    Everything that does not depend on the head is prepared before its lock is taken: each row's stored
    values and the SHA-256 state of its canonical JSON up to the previous hash. Under the lock remain the
    end of each hash, one bulk write (_insert, without model instances) and the head's update."""
    if not records:
        return []
    ruleset = settings.KUND_ERASURE_RULESET_VERSION
    at_value = ErasureLogEntry._meta.get_field("at").get_db_prep_save(at, connection)
    at_text = _timestamp(at)
    copy_text = connection.vendor == "postgresql"
    prepared = []
    for record in records:
        number, action = record["customer_number"], record["action"]
        # The canonical JSON of the counts is hashed and also stored: it is valid JSON for their column.
        counts_json = _canonical_json(record["counts"])
        hashing = hashlib.sha256(
            _canonical_prefix(
                customer_number=number,
                action=action,
                actor=actor_username,
                at=at_text,
                counts_json=counts_json,
                job=job_id,
            ).encode()
        )
        values = (number, action, actor_username, at_value, counts_json, ruleset, job_id)
        prepared.append((number, hashing, _copy_line(values) if copy_text else values))

    asked = time.perf_counter()
    head, _created = ErasureLogHead.objects.select_for_update().get_or_create(pk=1)
    locked = time.perf_counter()
    # Measured to the commit, when this runs; after-commit work registered earlier in the transaction runs
    # before it and is counted too (an erasure's removal of files from the storage: with a remote store,
    # the figure overstates the time the head was held).
    transaction.on_commit(lambda: serialized._record(asked=asked, locked=locked))
    appended, rows = [], []
    sequence, previous = head.last_sequence, head.last_hash
    for number, hashing, values in prepared:
        sequence += 1
        hashing.update(_canonical_suffix(previous, ruleset, sequence).encode())
        digest = hashing.hexdigest()
        if copy_text:
            rows.append(f"{sequence}\t{values}\t{previous}\t{digest}\n")
        else:
            rows.append((sequence, *values, previous, digest))
        appended.append(Appended(sequence, number, digest))
        previous = digest
    _insert(rows)
    head.last_sequence, head.last_hash = sequence, previous
    head.save(update_fields=["last_sequence", "last_hash"])
    return appended


COLUMNS = (
    "sequence",
    "customer_number",
    "action",
    "actor_username",
    "at",
    "counts",
    "ruleset_version",
    "job_id",
    "previous_hash",
    "hash",
)

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(values: tuple) -> str:
    """The columns from customer_number to job_id in COPY's text format: tab-separated, with backslash,
    tab, newline and carriage return escaped, and NULL as \\N."""
    return "\t".join(
        "\\N" if value is None else str(value).translate(_COPY_ESCAPES)
        for value in (v.isoformat() if hasattr(v, "isoformat") else v for v in values)
    )


def _insert(rows: list) -> None:
    """One bulk write: on PostgreSQL a COPY of the rows as text lines (an INSERT per row costs a round
    trip, and one INSERT with thousands of placeholders costs the driver more in parsing than the server in
    storing); on SQLite, in the same process, executemany of tuples."""
    table = connection.ops.quote_name(ErasureLogEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(ErasureLogEntry._meta.get_field(n).column) for n in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write("".join(rows))
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


# What can be wrong with the chain: a code each, for the web to say in the reader's language; `problem` is
# the English line the command prints.
MISSING = "missing"  # a row of the sequence is not there
UNLINKED = "unlinked"  # a row does not follow the one before it
CHANGED = "changed"  # a row's content no longer gives its hash
TRUNCATED = "truncated"  # rows at the end are gone (the chain's head knows of more)
FORGED = "forged"  # a row after the end the head knows of, appended behind the log's back


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""
    code: str = ""


def _head() -> tuple[int, str]:
    head = ErasureLogHead.objects.filter(pk=1).values_list("last_sequence", "last_hash").first()
    return head or (0, "0" * 64)


def chain_length() -> int:
    """How many rows the log has, from the chain's head: no count over the whole table."""
    return _head()[0]


def verify_chain(*, progress: Callable[[int], None] | None = None, every: int = 10_000) -> ChainCheck:
    """Recompute every hash in order; report the first row that does not fit. `progress`, if given, is
    told how many rows are checked every `every` rows.

    The chain is checked up to the end the head names when the check begins: erasures that append while
    a long check runs (each appends its rows and moves the head in one transaction) are left for the next
    check, not taken for a break. A row beyond the head, once the head is read again, was appended
    without it: that is a break."""
    last_sequence, last_hash = _head()
    previous = "0" * 64
    expected_sequence = 1
    checked = 0
    entries = ErasureLogEntry.objects.filter(sequence__lte=last_sequence).order_by("sequence")
    for entry in entries.iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            return ChainCheck(
                False,
                checked,
                entry.sequence,
                _("row %(row)d is missing") % {"row": expected_sequence},
                MISSING,
            )
        if entry.previous_hash != previous:
            return ChainCheck(
                False, checked, entry.sequence, _("does not follow the row before it"), UNLINKED
            )
        if entry_hash(entry) != entry.hash:
            return ChainCheck(False, checked, entry.sequence, _("its content was changed"), CHANGED)
        previous = entry.hash
        expected_sequence += 1
        checked += 1
        if progress is not None and checked % every == 0:
            progress(checked)
    if checked != last_sequence or previous != last_hash:
        return ChainCheck(
            False, checked, checked + 1, _("rows at the end of the log were removed"), TRUNCATED
        )
    # Read the last row before the head again: a row an erasure appended is in the head by then.
    beyond = ErasureLogEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    if beyond is not None and beyond > _head()[0]:
        return ChainCheck(False, checked, beyond, _("a row was added after the end of the log"), FORGED)
    return ChainCheck(True, checked)


@dataclass
class ReceiptCheck:
    """One row of the log and whether it holds: its content still gives its hash (the receipt), and it
    sits in the chain between the row before it and the row after it (or the head)."""

    entry: ErasureLogEntry
    ok: bool
    code: str = ""


def verify_entry(entry: ErasureLogEntry) -> ReceiptCheck:
    """The receipt's own check: quick at any length of the log; the whole chain is verify_chain()'s."""
    if entry_hash(entry) != entry.hash:
        return ReceiptCheck(entry, False, CHANGED)
    # The head first: a row appended after it was read is then simply a row after this one.
    last_sequence, last_hash = _head()
    sequence = entry.sequence
    neighbours = {
        row_sequence: (row_hash, row_previous)
        for row_sequence, row_hash, row_previous in ErasureLogEntry.objects.filter(
            sequence__in=[sequence - 1, sequence + 1]
        ).values_list("sequence", "hash", "previous_hash")
    }
    if sequence == 1:
        before = "0" * 64
    elif sequence - 1 in neighbours:
        before = neighbours[sequence - 1][0]
    else:
        return ReceiptCheck(entry, False, MISSING)
    if before != entry.previous_hash:
        return ReceiptCheck(entry, False, UNLINKED)
    after = neighbours.get(sequence + 1)
    if after is not None:
        if after[1] != entry.hash:
            return ReceiptCheck(entry, False, UNLINKED)
    elif last_sequence > sequence:
        return ReceiptCheck(entry, False, MISSING)
    elif (last_sequence, last_hash) != (sequence, entry.hash):
        return ReceiptCheck(entry, False, FORGED)
    return ReceiptCheck(entry, True)
