"""B-2: the erasure log's hash chain shows any change, removal or reordering."""

import hashlib
import json

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kund.audit import erasure_log
from kund.audit.models import ErasureLogEntry

pytestmark = pytest.mark.django_db


def _append(n: int):
    records = [
        {"customer_number": str(1000 + i), "action": "delete", "counts": {"customers.Customer": 1}}
        for i in range(n)
    ]
    return erasure_log.append(records, actor_username="admin", at=timezone.now())


def test_chain_of_rows_verifies():
    _append(3)
    _append(2)
    check = erasure_log.verify_chain()
    assert check.ok and check.checked == 5
    assert list(ErasureLogEntry.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda: ErasureLogEntry.objects.filter(sequence=2).update(counts={"customers.Customer": 2}),
        lambda: ErasureLogEntry.objects.filter(sequence=2).update(customer_number="4711"),
        lambda: ErasureLogEntry.objects.filter(sequence=2).delete(),
        lambda: ErasureLogEntry.objects.filter(sequence=4).delete(),
        lambda: ErasureLogEntry.objects.filter(sequence=3).update(at=timezone.now()),
    ],
    ids=["counts", "number", "middle-row-removed", "last-row-removed", "time"],
)
def test_any_tampering_breaks_the_chain(tamper):
    _append(4)
    tamper()
    check = erasure_log.verify_chain()
    assert not check.ok and check.broken_at is not None


def test_rows_hold_no_personal_fields():
    names = {f.name for f in ErasureLogEntry._meta.get_fields()}
    assert names == {
        "id",
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
    }


@given(
    number=st.text(max_size=20),
    actor=st.text(max_size=30),
    counts=st.dictionaries(st.text(max_size=30), st.integers(min_value=0, max_value=10**6), max_size=6),
    job=st.none() | st.integers(min_value=1, max_value=10**12),
)
def test_hash_is_sha256_of_the_canonical_json(number, actor, counts, job):
    """The hand-written canonical form is exactly json.dumps of the row's content with sorted keys."""
    content = {
        "sequence": 7,
        "customer_number": number,
        "action": "anonymize",
        "actor": actor,
        "at": "2026-01-02T03:04:05.000006+00:00",
        "counts": counts,
        "ruleset": "2026.1",
        "job": job,
        "previous": "0" * 64,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    fields = {k: v for k, v in content.items() if k != "counts"}
    assert erasure_log._digest(**fields, counts_json=erasure_log._canonical_json(counts)) == expected


# --- checking while erasures go on, with progress (the web's "check the chain") -----------------------------


def test_the_check_reports_its_progress():
    _append(5)
    seen = []

    check = erasure_log.verify_chain(progress=seen.append, every=2)

    assert check.ok and check.checked == 5
    assert seen == [2, 4]


def test_erasures_made_while_a_check_runs_are_left_for_the_next_check_not_taken_for_a_break():
    # given a log, and an erasure that lands while the check is half-way
    _append(4)

    def erasure_meanwhile(checked: int) -> None:
        if checked == 2:
            _append(3)

    # when
    during = erasure_log.verify_chain(progress=erasure_meanwhile, every=2)
    after = erasure_log.verify_chain()

    # then the check covered the log as it began; the next one covers the new rows too
    assert (during.ok, during.checked) == (True, 4)
    assert (after.ok, after.checked) == (True, 7)


def test_a_row_added_after_the_end_without_the_head_breaks_the_chain():
    # given a row written straight into the table after the last one, hashed correctly, the head left
    _append(3)
    last = ErasureLogEntry.objects.get(sequence=3)
    forged = ErasureLogEntry(
        sequence=4,
        customer_number="4711",
        action="delete",
        actor_username="admin",
        at=timezone.now(),
        counts={"customers.Customer": 1},
        ruleset_version=last.ruleset_version,
        previous_hash=last.hash,
    )
    forged.hash = erasure_log.entry_hash(forged)
    forged.save()

    # when
    check = erasure_log.verify_chain()

    # then
    assert (check.ok, check.broken_at, check.code) == (False, 4, erasure_log.FORGED)
    assert not erasure_log.verify_entry(forged).ok


@pytest.mark.parametrize(
    ("tamper", "broken_at", "code"),
    [
        (lambda: ErasureLogEntry.objects.filter(sequence=2).update(customer_number="4711"), 2, "changed"),
        (lambda: ErasureLogEntry.objects.filter(sequence=2).delete(), 3, "missing"),
        (lambda: ErasureLogEntry.objects.filter(sequence=4).delete(), 4, "truncated"),
        (lambda: ErasureLogEntry.objects.filter(sequence=3).update(previous_hash="f" * 64), 3, "unlinked"),
    ],
    ids=["changed", "middle-row-removed", "last-row-removed", "relinked"],
)
def test_each_break_has_its_code_for_the_web_to_say(tamper, broken_at, code):
    _append(4)
    tamper()

    check = erasure_log.verify_chain()

    assert (check.ok, check.broken_at, check.code) == (False, broken_at, code)


# --- one receipt -------------------------------------------------------------------------------------------


def test_every_receipt_of_an_intact_log_verifies():
    receipts = _append(3) + _append(1)

    verdicts = [erasure_log.verify_entry(ErasureLogEntry.objects.get(hash=r.hash)) for r in receipts]

    assert [v.ok for v in verdicts] == [True] * 4


@pytest.mark.parametrize(
    ("tamper", "row", "code"),
    [
        (
            lambda: ErasureLogEntry.objects.filter(sequence=2).update(counts={"customers.Customer": 9}),
            2,
            "changed",
        ),
        (lambda: ErasureLogEntry.objects.filter(sequence=1).delete(), 2, "missing"),
        (lambda: ErasureLogEntry.objects.filter(sequence=3).delete(), 2, "missing"),
        (lambda: ErasureLogEntry.objects.filter(sequence=3).update(previous_hash="f" * 64), 2, "unlinked"),
        (lambda: ErasureLogEntry.objects.filter(sequence=1).update(hash="e" * 64), 2, "unlinked"),
    ],
    ids=[
        "its-content",
        "the-row-before-gone",
        "the-last-row-gone",
        "the-row-after-relinked",
        "before-relinked",
    ],
)
def test_a_receipt_does_not_verify_when_its_row_or_its_place_in_the_chain_changed(tamper, row, code):
    _append(3)
    tamper()

    verdict = erasure_log.verify_entry(ErasureLogEntry.objects.get(sequence=row))

    assert (verdict.ok, verdict.code) == (False, code)


def test_values_with_backslashes_tabs_and_line_breaks_are_stored_as_given_and_verify():
    # given a row whose values the bulk write's text format has to escape
    counts = {"a\tb": 1, "c\nd\\e": 2, "f\rg": 3}

    # when
    appended = erasure_log.append(
        [{"customer_number": "10\\23\t4", "action": "delete", "counts": counts}],
        actor_username="ad\\min\tx\r\ny",
        at=timezone.now(),
        job_id=7,
    )

    # then
    entry = ErasureLogEntry.objects.get()
    assert (entry.customer_number, entry.actor_username, entry.job_id) == ("10\\23\t4", "ad\\min\tx\r\ny", 7)
    assert entry.counts == counts
    assert entry.hash == appended[0].hash == erasure_log.entry_hash(entry)
    assert erasure_log.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_the_time_holding_the_chain_head_is_measured_from_its_lock_to_the_commit():
    # given
    clock = erasure_log.serialized
    held, appends = clock.held, clock.appends

    # when an erasure appends in a transaction that goes on for a while after the append
    from django.db import transaction

    with transaction.atomic():
        _append(2)
        assert clock.appends == appends  # nothing counted before the commit
        ErasureLogEntry.objects.filter(sequence__lte=0).exists()

    # then the append is counted, with the time from the lock to the commit
    assert clock.appends == appends + 1
    assert clock.held > held
