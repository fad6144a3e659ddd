"""The erasure log (SPEC B-2): append-only, hash-chained, without personal data.

Each row's hash is SHA-256 over its own content and the previous row's hash, so editing, removing or
reordering any row breaks every hash after it. The hash of a row is the receipt given for that erasure.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db import connection

from kund.audit.models import ErasureLogEntry, ErasureLogHead


def entry_hash(entry: ErasureLogEntry) -> str:
    content = {
        "sequence": entry.sequence,
        "customer_number": entry.customer_number,
        "action": entry.action,
        "actor": entry.actor_username,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "counts": entry.counts,
        "ruleset": entry.ruleset_version,
        "job": entry.job_id,
        "previous": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(
    records: list[dict], *, actor_username: str, at, job_id: int | None = None
) -> list[ErasureLogEntry]:
    """Append one row per record ({"customer_number", "action", "counts"}); call inside the erasure's
    transaction. The chain head is locked, so concurrent erasures append one after the other."""
    if not records:
        return []
    head, _created = ErasureLogHead.objects.select_for_update().get_or_create(pk=1)
    entries = []
    sequence, previous = head.last_sequence, head.last_hash
    for record in records:
        sequence += 1
        entry = ErasureLogEntry(
            sequence=sequence,
            customer_number=record["customer_number"],
            action=record["action"],
            actor_username=actor_username,
            at=at,
            counts=record["counts"],
            ruleset_version=settings.KUND_ERASURE_RULESET_VERSION,
            job_id=job_id,
            previous_hash=previous,
        )
        entry.hash = entry_hash(entry)
        previous = entry.hash
        entries.append(entry)
    _insert(entries)
    head.last_sequence, head.last_hash = sequence, previous
    head.save(update_fields=["last_sequence", "last_hash"])
    return entries


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


def _insert(entries: list[ErasureLogEntry]) -> None:
    """One multi-row statement batch; the ORM's bulk_create spends more on preparing fields than the
    database spends on storing them, and a mass run writes one row per customer."""
    fields = [ErasureLogEntry._meta.get_field(name) for name in COLUMNS]
    table = connection.ops.quote_name(ErasureLogEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    rows = [[f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields] for e in entries]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""


def verify_chain() -> ChainCheck:
    """Recompute every hash in order; report the first row that does not fit."""
    previous = "0" * 64
    expected_sequence = 1
    checked = 0
    for entry in ErasureLogEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            return ChainCheck(False, checked, entry.sequence, f"row {expected_sequence} is missing")
        if entry.previous_hash != previous:
            return ChainCheck(False, checked, entry.sequence, "does not follow the row before it")
        if entry_hash(entry) != entry.hash:
            return ChainCheck(False, checked, entry.sequence, "its content was changed")
        previous = entry.hash
        expected_sequence += 1
        checked += 1
    head = ErasureLogHead.objects.filter(pk=1).first()
    if head is not None and (head.last_sequence != checked or head.last_hash != previous):
        return ChainCheck(False, checked, checked + 1, "rows at the end of the log were removed")
    return ChainCheck(True, checked)
