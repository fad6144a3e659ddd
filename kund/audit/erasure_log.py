"""The erasure log (SPEC B-2): append-only, hash-chained, without personal data.

Each row's hash is SHA-256 over its own content and the previous row's hash, so editing, removing or
reordering any row breaks every hash after it. The hash of a row is the receipt given for that erasure.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from json.encoder import encode_basestring_ascii

from django.conf import settings
from django.db import connection
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


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""  # in the active language


def verify_chain() -> ChainCheck:
    """Recompute every hash in order; report the first row that does not fit."""
    previous = "0" * 64
    expected_sequence = 1
    checked = 0
    for entry in ErasureLogEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            return ChainCheck(
                False, checked, entry.sequence, _("row %(row)d is missing") % {"row": expected_sequence}
            )
        if entry.previous_hash != previous:
            return ChainCheck(False, checked, entry.sequence, _("does not follow the row before it"))
        if entry_hash(entry) != entry.hash:
            return ChainCheck(False, checked, entry.sequence, _("its content was changed"))
        previous = entry.hash
        expected_sequence += 1
        checked += 1
    head = ErasureLogHead.objects.filter(pk=1).first()
    if head is not None and (head.last_sequence != checked or head.last_hash != previous):
        return ChainCheck(False, checked, checked + 1, _("rows at the end of the log were removed"))
    return ChainCheck(True, checked)
