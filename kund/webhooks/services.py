"""Subscriptions of connected systems (SPEC B-8): made, paused and tested by an administrator. Every door
(the pages, `kund webhooks`) calls these; the rules live in kund.core.rules."""

import base64
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from kund.core import rules
from kund.webhooks import delivery
from kund.webhooks.models import EVENT_TYPES, TEST_EVENT, Attempt, Delivery, Subscription

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    """A new secret in Standard Webhooks' form: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_secret(secret: str) -> str:
    secret = (secret or "").strip()
    try:
        Webhook(secret)
    except Exception:  # binascii.Error, EmptyWebhookSecretError, …: the library's own judgement
        raise ValidationError(
            _("The secret must be a Standard Webhooks secret: “whsec_” followed by base64."), code="secret"
        ) from None
    return secret


def clean_url(url: str) -> str:
    url = (url or "").strip()
    URLValidator(schemes=["http", "https"], message=_("Enter an http or https URL."))(url)
    return url


def clean_events(events) -> list[str]:
    chosen = [e.strip() for e in (events or []) if e and e.strip()]
    unknown = sorted(set(chosen) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(
            _("Unknown event types: %(types)s. Use %(known)s.")
            % {"types": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)},
            code="events",
        )
    if not chosen:
        raise ValidationError(_("Choose at least one event type."), code="events")
    return [e for e in EVENT_TYPES if e in chosen]


def require_manager(actor) -> None:
    """An administrator; None is the operator at the command line (`kund webhooks`), who needs no right."""
    if actor is None:
        return
    rules.require(rules.may_manage_webhooks(actor), _("Only an administrator manages connected systems."))


def subscription_create(
    *, actor, url: str, secret: str = "", events=EVENT_TYPES, name: str = ""
) -> tuple[Subscription, str]:
    """Subscribe a connected system. Without a secret one is made. Returns the subscription and its
    secret, which the caller shows once. Bad input raises ValidationError and changes nothing."""
    require_manager(actor)
    errors = {}
    try:
        url = clean_url(url)
    except ValidationError as exc:
        errors["url"] = exc.messages
    try:
        secret = clean_secret(secret) if secret else generate_secret()
    except ValidationError as exc:
        errors["secret"] = exc.messages
    try:
        events = clean_events(events)
    except ValidationError as exc:
        errors["events"] = exc.messages
    if errors:
        raise ValidationError(errors)
    subscription = Subscription.objects.create(
        name=(name or "").strip()[:100],
        url=url,
        secret=secret,
        events=events,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return subscription, secret


def subscription_set_active(*, actor, subscription: Subscription, active: bool) -> Subscription:
    """Pause or resume a subscription. Paused, its events wait; resumed, the due ones are sent."""
    require_manager(actor)
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(active=active)
        if active:
            due = list(
                Delivery.objects.filter(
                    subscription=subscription,
                    state=Delivery.State.PENDING,
                    next_attempt_at__lte=timezone.now(),
                ).values_list("pk", flat=True)
            )
            if due:
                transaction.on_commit(lambda: (delivery.enqueue(due), delivery.ensure_sweep()))
    subscription.refresh_from_db()
    return subscription


def send_test_event(*, actor, subscription: Subscription) -> Attempt:
    """Send the subscriber a test event now, in this process, once (no retries); the attempt is recorded
    like any other. The event names no customer."""
    require_manager(actor)
    now = timezone.now()
    test = Delivery.objects.create(
        subscription=subscription, event_type=TEST_EVENT, occurred_at=now, next_attempt_at=now
    )
    # Sent even when the subscription is paused: it is the administrator's own check.
    answer = delivery.post(delivery.signed_request(test, subscription.secret, now=now))
    return delivery.record(test, answer, at=now)


def retry_failed(*, actor, subscription: Subscription) -> int:
    """Send again the events given up after the last retry (never a delivered one). Returns how many."""
    require_manager(actor)
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(subscription=subscription, state=Delivery.State.FAILED)
            .exclude(event_type=TEST_EVENT)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(
            state=Delivery.State.PENDING, attempts=0, next_attempt_at=now, claimed_until=None
        )
        if ids and subscription.active:
            transaction.on_commit(lambda: (delivery.enqueue(ids), delivery.ensure_sweep()))
    return len(ids)
