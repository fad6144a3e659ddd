"""SPEC §9: retries with growing pauses for at least 24 hours, the first within a minute, every pause
multiplied by KUND_WEBHOOK_RETRY_SCALE; and a test event that names no customer."""

import json
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from kund.webhooks import delivery, services
from kund.webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_pauses_grow_and_cover_at_least_24_hours(monkeypatch):
    monkeypatch.delenv("KUND_WEBHOOK_RETRY_SCALE", raising=False)
    pauses = [delivery.pause_after(n) for n in range(1, delivery.MAX_ATTEMPTS)]
    assert pauses[0] <= timedelta(minutes=1)
    assert all(a <= b for a, b in zip(pauses, pauses[1:], strict=False))
    assert sum(pauses, timedelta()) >= timedelta(hours=24)
    assert delivery.pause_after(delivery.MAX_ATTEMPTS) is None


def test_the_retry_scale_multiplies_every_pause(monkeypatch):
    monkeypatch.setenv("KUND_WEBHOOK_RETRY_SCALE", "0.001")
    assert delivery.pause_after(1) == timedelta(seconds=30) * 0.001
    assert delivery.pause_after(9) == timedelta(hours=8) * 0.001
    monkeypatch.setenv("KUND_WEBHOOK_RETRY_SCALE", "nonsense")
    assert delivery.pause_after(1) == timedelta(seconds=30)


def test_a_delivery_is_given_up_after_the_last_attempt(down, monkeypatch):
    # given a delivery to a system that never comes up, and no pause between attempts
    monkeypatch.setenv("KUND_WEBHOOK_RETRY_SCALE", "0")
    subscription, _secret = services.subscription_create(actor=None, url=down.url)
    event = Delivery.objects.create(
        subscription=subscription,
        event_type="customer.deleted",
        customer_number="10023",
        occurred_at=subscription.created_at,
    )
    Delivery.objects.filter(pk=event.pk).update(next_attempt_at=subscription.created_at)

    # when every attempt is made
    for _ in range(delivery.MAX_ATTEMPTS + 2):
        delivery.deliver_due()

    # then it was tried MAX_ATTEMPTS times, each on record, and is given up
    event.refresh_from_db()
    assert event.state == Delivery.State.FAILED
    assert event.attempts == event.attempt_rows.count() == delivery.MAX_ATTEMPTS
    assert set(event.attempt_rows.values_list("error", flat=True)) == {"connection"}

    # and an administrator can send it again
    assert services.retry_failed(actor=None, subscription=subscription) == 1
    event.refresh_from_db()
    assert event.state == Delivery.State.PENDING and event.attempts == 0


def test_a_test_event_is_signed_and_names_no_customer(receiver):
    # given
    subscription, secret = services.subscription_create(actor=None, url=receiver.url)

    # when
    attempt = services.send_test_event(actor=None, subscription=subscription)

    # then
    assert attempt.ok
    event = Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert event["type"] == "webhook.test" and event["customer"] == "" and event["receipt"] == ""
    assert json.loads(receiver.requests[0].body) == event


def test_a_failed_test_event_is_not_retried(down):
    subscription, _secret = services.subscription_create(actor=None, url=down.url)
    attempt = services.send_test_event(actor=None, subscription=subscription)
    assert not attempt.ok and attempt.error == "connection"
    assert attempt.delivery.__class__.objects.get(pk=attempt.delivery_id).state == Delivery.State.FAILED


def test_a_redirect_is_a_failed_attempt_not_a_new_address(receiver):
    # given a system that answers with a redirect
    receiver.fail_first, receiver.fail_status = 1, 302
    subscription, _secret = services.subscription_create(actor=None, url=receiver.url)

    # when
    attempt = services.send_test_event(actor=None, subscription=subscription)

    # then the event was not sent anywhere else
    assert (attempt.status_code, attempt.error) == (302, "status")
    assert len(receiver.requests) == 1
