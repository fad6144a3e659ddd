"""The erasure log (SPEC B-2): append-only, hash-chained, without personal data.

Each row's hash is SHA-256 over its own content and the previous row's hash, so editing, removing or
reordering any row breaks every hash after it. The hash of a row is the receipt given for that erasure.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from json.encoder import encode_basestring_ascii

from django.conf import settings
from django.db import connection

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
    text = encode_basestring_ascii
    job_json = "null" if job is None else str(int(job))
    canonical = (
        f'{{"action":{text(action)},"actor":{text(actor)},"at":{text(at)},"counts":{counts_json},'
        f'"customer_number":{text(customer_number)},"job":{job_json},"previous":{text(previous)},'
        f'"ruleset":{text(ruleset)},"sequence":{int(sequence)}}}'
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Appended:
    """What the caller gets back for each appended row: the receipt of one erasure."""

    sequence: int
    customer_number: str
    hash: str


def append(records: list[dict], *, actor_username: str, at, job_id: int | None = None) -> list[Appended]:
    """Append one row per record ({"customer_number", "action", "counts"}); call inside the erasure's
    transaction. The chain head is locked, so concurrent erasures append one after the other.

    The rows are written in one bulk write (_insert) without model instances: a mass run writes one row
    per customer, and building and preparing a model object per row cost more than storing it."""
    if not records:
        return []
    head, _created = ErasureLogHead.objects.select_for_update().get_or_create(pk=1)
    ruleset = settings.KUND_ERASURE_RULESET_VERSION
    at_value = ErasureLogEntry._meta.get_field("at").get_db_prep_save(at, connection)
    at_text = _timestamp(at)
    appended, rows = [], []
    sequence, previous = head.last_sequence, head.last_hash
    for record in records:
        sequence += 1
        number, action = record["customer_number"], record["action"]
        # The canonical JSON is hashed and also stored: it is valid JSON for the counts column.
        counts_json = _canonical_json(record["counts"])
        digest = _digest(
            sequence=sequence,
            customer_number=number,
            action=action,
            actor=actor_username,
            at=at_text,
            counts_json=counts_json,
            ruleset=ruleset,
            job=job_id,
            previous=previous,
        )
        row = (sequence, number, action, actor_username, at_value, counts_json, ruleset, job_id, previous)
        rows.append((*row, digest))
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


def _insert(rows: list[tuple]) -> None:
    """One bulk write: COPY on PostgreSQL (an INSERT per row costs a round trip, and one INSERT with
    thousands of placeholders costs the driver more in parsing than the server in storing); on SQLite,
    in the same process, executemany."""
    table = connection.ops.quote_name(ErasureLogEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(ErasureLogEntry._meta.get_field(n).column) for n in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
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
            return ChainCheck(False, checked, entry.sequence, f"row {expected_sequence} is missing", MISSING)
        if entry.previous_hash != previous:
            return ChainCheck(False, checked, entry.sequence, "does not follow the row before it", UNLINKED)
        if entry_hash(entry) != entry.hash:
            return ChainCheck(False, checked, entry.sequence, "its content was changed", CHANGED)
        previous = entry.hash
        expected_sequence += 1
        checked += 1
        if progress is not None and checked % every == 0:
            progress(checked)
    if checked != last_sequence or previous != last_hash:
        return ChainCheck(False, checked, checked + 1, "rows at the end of the log were removed", TRUNCATED)
    # Read the last row before the head again: a row an erasure appended is in the head by then.
    beyond = ErasureLogEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    if beyond is not None and beyond > _head()[0]:
        return ChainCheck(False, checked, beyond, "a row was added after the end of the log", FORGED)
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
