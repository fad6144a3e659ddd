"""SPEC B-8 with a real worker: `kund db_worker` killed with kill -9 while it is sending an event (after
the erasure committed, before the answer was recorded), then the workers started again as they are
started (`kund webhooks resume` first): the event is delivered, with the same `webhook-id`, so a receiver
that dedupes by it takes it in exactly once."""

import signal
import threading

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from kund.demo.testing.factories import add_transactions, make_customer
from kund.privacy.services import customer_erase
from kund.privacy.tests.worker import start_worker, wait_for
from kund.webhooks import services
from kund.webhooks.models import Attempt, Delivery
from kund.webhooks.tests.queue import DATABASE_TASKS

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_b8_a_worker_killed_mid_delivery_delivers_after_restart(receiver, admin_user, monkeypatch):
    # given a connected system that holds the request open until told, and an erasure committed with its
    # event queued for a real worker
    monkeypatch.setenv("KUND_WEBHOOK_TIMEOUT", "30")
    receiver.hold = threading.Event()
    _subscription, secret = services.subscription_create(actor=admin_user, url=receiver.url)
    customer = make_customer()
    add_transactions(customer)
    with override_settings(TASKS=DATABASE_TASKS):
        customer_erase(customer=customer, actor=admin_user)
    assert Delivery.objects.get().state == Delivery.State.PENDING

    # when the worker is killed -9 while the system has the request
    worker = start_worker()
    try:
        wait_for(lambda: len(receiver.requests) == 1, timeout=60, worker=worker, what="the first POST")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    receiver.hold.set()
    assert not Attempt.objects.exists(), "the answer must not have been recorded"

    # and the workers are started again as they are started: `kund webhooks resume`, then a worker
    with override_settings(TASKS=DATABASE_TASKS):
        call_command("webhooks", "resume", stdout=open("/dev/null", "w"))  # noqa: SIM115
    worker = start_worker()
    try:
        wait_for(
            lambda: Delivery.objects.filter(state=Delivery.State.DELIVERED).exists(),
            timeout=60,
            worker=worker,
            what="the delivery after the restart",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)

    # then the event came again with the same id: taken in once by a receiver that dedupes by it
    assert len(receiver.requests) == 2
    assert len(receiver.unique()) == 1
    event = Webhook(secret).verify(receiver.requests[1].body, receiver.requests[1].headers)
    assert event["customer"] == customer.number and event["type"] == "customer.anonymized"
    # and one attempt is on record, and the killed worker's task no longer claims to run
    assert list(Attempt.objects.values_list("status_code", flat=True)) == [200]
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
