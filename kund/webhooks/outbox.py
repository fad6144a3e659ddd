"""The outbox (SPEC B-8): every erasure writes its events in its own transaction.

`announce_erasures()` is called by the erasure engine inside each chunk's transaction (kund.privacy.services),
after the erasure log has given each erased customer its receipt. One query reads the active
subscriptions, one bulk insert writes a delivery per erased customer and subscribed system; the worker is
asked to deliver them once the transaction has committed. If the transaction rolls back, no event
exists; if the process dies between the commit and the request to the worker, the rows are there and the
sweep (kund.webhooks.delivery.resume_lost) hands them to a worker later.
"""

from collections.abc import Iterable

from django.db import transaction

from kund.webhooks.models import CUSTOMER_ANONYMIZED, CUSTOMER_DELETED, Delivery, Subscription

EVENT_OF_RESULT = {"deleted": CUSTOMER_DELETED, "anonymized": CUSTOMER_ANONYMIZED}


def announce_erasures(outcomes: Iterable, *, at) -> list[int]:
    """Write the outbox rows for a chunk's erased customers (outcomes with result "deleted" or
    "anonymized", each with its number and receipt). Call inside the erasure's transaction. Returns the
    deliveries' ids."""
    erased = [o for o in outcomes if o.result in EVENT_OF_RESULT]
    if not erased:
        return []
    subscriptions = list(Subscription.objects.filter(active=True).values_list("pk", "events"))
    rows = [
        Delivery(
            subscription_id=pk,
            event_type=EVENT_OF_RESULT[o.result],
            customer_number=o.number,
            occurred_at=at,
            receipt=o.receipt,
            next_attempt_at=at,
        )
        for o in erased
        for pk, events in subscriptions
        if EVENT_OF_RESULT[o.result] in events
    ]
    if not rows:
        return []
    ids = [d.pk for d in Delivery.objects.bulk_create(rows, batch_size=2000)]
    transaction.on_commit(lambda: request_delivery(ids))
    return ids


def request_delivery(delivery_ids: list[int]) -> None:
    """Ask the worker to deliver these events now: one task per delivery, queued in one transaction. The
    sweep is scheduled as well, so a delivery whose worker dies is taken up again."""
    from kund.webhooks import delivery

    delivery.enqueue(delivery_ids)
    delivery.ensure_sweep()
