"""B-2: the erasure log's hash chain shows any change, removal or reordering."""

import pytest
from django.utils import timezone

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
