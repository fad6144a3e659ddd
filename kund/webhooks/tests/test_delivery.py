"""SPEC B-8: every erasure is announced to the connected systems through the outbox, signed as Standard
Webhooks specifies, retried until the system answers, delivered exactly once per event, and without a
trace of the person in any event or attempt.

The receiver is a real HTTP server on 127.0.0.1 (kund.webhooks.tests.receiver); the signatures are
checked with the standardwebhooks library's own verification."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kund.audit.models import ErasureLogEntry
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy.services import customer_delete, customer_erase, erase_customers
from kund.webhooks import delivery, services
from kund.webhooks.models import Attempt, Delivery, Subscription
from kund.webhooks.tests.queue import DATABASE_TASKS, run_queue

pytestmark = pytest.mark.django_db

DELIVERIES = "kund.webhooks.tasks.deliver_event"  # the queue holds the search index's compaction too


def subscribe(url: str, *, events=("customer.deleted", "customer.anonymized")) -> tuple[Subscription, str]:
    return services.subscription_create(actor=None, url=url, events=list(events), name="Bokföringen")


def anonymizable(person: Person | None = None):
    customer = make_customer(person=person)
    add_transactions(customer, person=person)
    return customer


def verify(secret: str, request) -> dict:
    return Webhook(secret).verify(request.body, request.headers)


def test_b8_an_erasure_is_delivered_signed_and_verifies(
    receiver, admin_user, django_capture_on_commit_callbacks
):
    # given a connected system subscribed to both event types, and a customer to anonymize
    subscription, secret = subscribe(receiver.url)
    customer = anonymizable()

    # when the customer is anonymized (the immediate task backend delivers on commit)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = customer_erase(customer=customer, actor=admin_user)

    # then the system got one POST that Standard Webhooks' own verification accepts
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    event = verify(secret, request)
    receipt = ErasureLogEntry.objects.get(customer_number=customer.number).hash
    assert event == {
        "type": "customer.anonymized",
        "customer": customer.number,
        "at": event["at"],
        "receipt": receipt,
    }
    assert outcome.receipt == receipt
    assert event["at"].endswith("Z")
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    # and the delivery is recorded as delivered, with its one attempt
    sent = Delivery.objects.get(subscription=subscription)
    assert sent.state == Delivery.State.DELIVERED and sent.attempts == 1
    assert request.headers["webhook-id"] == sent.webhook_id
    attempt = Attempt.objects.get(delivery=sent)
    assert attempt.status_code == 200 and attempt.error == "" and attempt.duration_ms >= 0


def test_b8_a_signature_with_another_secret_does_not_verify(
    receiver, admin_user, django_capture_on_commit_callbacks
):
    # given
    subscribe(receiver.url)
    customer = make_customer()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        customer_delete(customer=customer, actor=admin_user)

    # then the event is a deletion, and only the subscription's own secret verifies it
    assert json.loads(receiver.requests[0].body)["type"] == "customer.deleted"
    with pytest.raises(WebhookVerificationError):
        verify(services.generate_secret(), receiver.requests[0])


def test_b8_only_the_subscribed_event_types_are_sent(
    receiver, admin_user, django_capture_on_commit_callbacks
):
    # given a system that wants deletions only
    subscribe(receiver.url, events=["customer.deleted"])
    kept, gone = anonymizable(), make_customer(number="730001")

    # when one customer is anonymized and another deleted
    with django_capture_on_commit_callbacks(execute=True):
        erase_customers(customer_ids=[kept.pk, gone.pk], actor=admin_user)

    # then it hears of the deletion only
    assert [json.loads(r.body)["customer"] for r in receiver.requests] == ["730001"]


def test_b8_the_outbox_is_written_in_the_erasures_transaction(receiver, admin_user):
    # given a subscription, and an erasure whose transaction fails after the engine's work (here: the
    # caller's own record of the outcome fails, as a job's would)
    subscribe(receiver.url)
    customer = anonymizable()

    def fail(outcomes):
        raise RuntimeError("the caller's record failed")

    # when
    result = erase_customers(customer_ids=[customer.pk], actor=admin_user, in_transaction=fail)

    # then the erasure did not happen, and neither did its event: no outbox row, nothing sent
    assert result.failed and not result.anonymized
    assert not Delivery.objects.exists()
    assert receiver.requests == []


def test_b8_one_bulk_insert_per_chunk(admin_user):
    # given two subscribed systems and a chunk of customers to delete (nothing listens: the events stay in
    # the outbox, since nothing commits in this test)
    subscribe("http://127.0.0.1:9/a")
    subscribe("http://127.0.0.1:9/b")
    customers = [make_customer(number=str(740000 + i)) for i in range(30)]

    # when they are erased in chunks of 10
    with CaptureQueriesContext(connection) as queries:
        erase_customers(customer_ids=[c.pk for c in customers], actor=admin_user, chunk_size=10)

    # then every erased customer has an event for each system, written by one INSERT per chunk
    assert Delivery.objects.count() == 60
    table = Delivery._meta.db_table
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert len(inserts) == 3


@override_settings(TASKS=DATABASE_TASKS)
def test_b8_receiver_down_at_first_gets_each_event_exactly_once(
    down, admin_user, clock, django_capture_on_commit_callbacks
):
    # given a subscribed system that is down, and two customers erased
    subscription, secret = subscribe(down.url)
    first, second = anonymizable(), make_customer(number="750002")
    with django_capture_on_commit_callbacks(execute=True):
        erase_customers(customer_ids=[first.pk, second.pk], actor=admin_user)

    # when the worker tries (refused), and again after the first pause (refused)
    assert run_queue(counting=DELIVERIES) == 2
    clock.advance(delivery.PAUSES[0] + timedelta(seconds=1))
    assert run_queue(counting=DELIVERIES) == 2
    # and the system comes up before the second pause is over
    down.start()
    clock.advance(delivery.PAUSES[1] + timedelta(seconds=1))
    run_queue()

    # then each event reached it exactly once, and verifies
    assert len(down.requests) == 2
    assert len(set(down.ids())) == 2
    assert {verify(secret, r)["customer"] for r in down.requests} == {first.number, "750002"}
    # and every attempt is on record: two refused, then delivered
    for sent in Delivery.objects.filter(subscription=subscription):
        assert sent.state == Delivery.State.DELIVERED
        errors = list(sent.attempt_rows.order_by("at", "pk").values_list("error", "status_code"))
        assert errors == [("connection", None), ("connection", None), ("", 200)]

    # and a delivered event is never sent again, whatever runs later
    clock.advance(timedelta(days=2))
    run_queue()
    delivery.resume_lost(grace=timedelta(0), ignore_claims=True)
    delivery.deliver_due(ignore_claims=True)
    run_queue()
    assert len(down.requests) == 2


@override_settings(TASKS=DATABASE_TASKS)
def test_b8_an_error_status_is_retried_with_the_same_webhook_id(
    receiver, admin_user, clock, django_capture_on_commit_callbacks
):
    # given a system that answers 500 to the first request
    receiver.fail_first, receiver.fail_status = 1, 500
    _subscription, secret = subscribe(receiver.url)
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        customer_delete(customer=customer, actor=admin_user)

    # when the worker runs, and again after the first pause
    run_queue()
    clock.advance(delivery.PAUSES[0] + timedelta(seconds=1))
    run_queue()

    # then the same event came twice, with the same id, both signed; the second was taken
    assert len(receiver.requests) == 2
    assert receiver.ids()[0] == receiver.ids()[1]
    assert [verify(secret, r)["customer"] for r in receiver.requests] == [customer.number] * 2
    attempts = list(Attempt.objects.order_by("at", "pk").values_list("status_code", "error"))
    assert attempts == [(500, "status"), (200, "")]


@override_settings(TASKS=DATABASE_TASKS)
def test_b8_a_worker_that_died_between_commit_and_delivery_delivers_after_restart(
    receiver, admin_user, clock, django_capture_on_commit_callbacks
):
    # given an erasure committed with its event, whose delivery task a worker had taken when it died (the
    # task is left running, the attempt's claim is held, no attempt was recorded)
    _subscription, secret = subscribe(receiver.url)
    customer = anonymizable()
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=customer, actor=admin_user)
    task = DBTaskResult.objects.ready().get(task_path="kund.webhooks.tasks.deliver_event")
    task.claim("the-worker-that-died")
    Delivery.objects.update(claimed_until=clock.now() + timedelta(seconds=70))
    assert not Attempt.objects.exists() and receiver.requests == []

    # when the workers are started again (`kund webhooks resume` first, as when they start) and run
    from django.core.management import call_command

    call_command("webhooks", "resume", stdout=mock.MagicMock())
    run_queue()

    # then the event is delivered, once, and the dead task no longer claims to run
    assert len(receiver.requests) == 1
    assert verify(secret, receiver.requests[0])["customer"] == customer.number
    assert Delivery.objects.get().state == Delivery.State.DELIVERED
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED


@override_settings(TASKS=DATABASE_TASKS)
def test_b8_an_event_whose_process_died_before_asking_the_worker_is_swept_up(
    receiver, admin_user, clock, django_capture_on_commit_callbacks
):
    # given an erasure that committed its event, but whose process died before it queued the delivery
    subscribe(receiver.url)
    customer = anonymizable()
    with (
        mock.patch("kund.webhooks.outbox.request_delivery"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        customer_erase(customer=customer, actor=admin_user)
    assert Delivery.objects.filter(state="pending").count() == 1
    assert not DBTaskResult.objects.filter(task_path__startswith="kund.webhooks.").exists()

    # when a later erasure schedules the sweep, and the sweep's time comes
    other = make_customer(number="760001")
    with django_capture_on_commit_callbacks(execute=True):
        customer_delete(customer=other, actor=admin_user)
    run_queue()
    assert len(receiver.requests) == 1  # the later one; the lost one is not yet due for the sweep
    clock.advance(delivery.SWEEP_EVERY * 2 + timedelta(seconds=1))
    run_queue()

    # then the lost event is delivered too
    assert sorted(json.loads(r.body)["customer"] for r in receiver.requests) == sorted(
        [customer.number, "760001"]
    )
    assert not Delivery.objects.exclude(state="delivered").exists()
    # and once nothing is pending, the sweep stops queueing itself
    clock.advance(delivery.SWEEP_EVERY * 2)
    run_queue()
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_b8_no_personal_data_in_any_event_or_attempt(
    receiver, admin_user, django_capture_on_commit_callbacks
):
    # given a person with every detail filled, and a subscribed system
    person = Person(
        first_name="Ebba", last_name="Sjöberg", email="ebba.sjoberg@example.se", phone="070-555 12 34"
    )
    subscribe(receiver.url)
    customer = anonymizable(person)

    # when the customer is anonymized and the event delivered
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=customer, actor=admin_user)

    # then no request, no outbox row and no attempt row holds any of the person's details
    assert receiver.requests
    stored = [
        json.dumps(list(Delivery.objects.values()), default=str, ensure_ascii=False),
        json.dumps(list(Attempt.objects.values()), default=str, ensure_ascii=False),
    ]
    sent = [
        json.dumps(json.loads(r.body), ensure_ascii=False) + json.dumps(r.headers) for r in receiver.requests
    ]
    for text in stored + sent:
        for value in (*person.values(), person.last_name, "555 12 34"):
            assert value.lower() not in text.lower(), value
    assert set(json.loads(receiver.requests[0].body)) == {"type", "customer", "at", "receipt"}


def test_b8_a_paused_subscription_keeps_its_events_until_resumed(
    receiver, admin_user, django_capture_on_commit_callbacks
):
    # given a paused subscription
    subscription, _secret = subscribe(receiver.url)
    services.subscription_set_active(actor=admin_user, subscription=subscription, active=False)
    customer = make_customer()

    # when a customer is erased
    with django_capture_on_commit_callbacks(execute=True):
        customer_delete(customer=customer, actor=admin_user)

    # then nothing is sent (a paused subscription gets no new events) ...
    assert receiver.requests == [] and not Delivery.objects.exists()

    # ... while events written before the pause wait, and are sent when it is resumed
    services.subscription_set_active(actor=admin_user, subscription=subscription, active=True)
    waiting = Delivery.objects.create(
        subscription=subscription,
        event_type="customer.deleted",
        customer_number="1",
        occurred_at=customer.created_at,
    )
    Delivery.objects.filter(pk=waiting.pk).update(next_attempt_at=customer.created_at)
    Subscription.objects.filter(pk=subscription.pk).update(active=False)
    assert delivery.attempt(waiting.pk) is None and receiver.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_set_active(actor=admin_user, subscription=subscription, active=True)
    assert len(receiver.requests) == 1
