"""Events to connected systems (SPEC B-8, GDPR art. 19): who subscribes, the outbox, and every attempt.

A `Delivery` is one event for one subscription: the outbox row, written in the erasure's own transaction
(kund.webhooks.outbox), so an erasure is never unannounced and an announcement never tells of an erasure
that did not happen. The worker delivers it (kund.webhooks.delivery) and records each `Attempt`.

Nothing here is personal: an event is its type, the customer number, the time and the erasure's receipt
(the erasure log's hash); an attempt is its time, status code, duration and the kind of error. No body
is stored, sent or received beyond those four values.
"""

import uuid
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CUSTOMER_DELETED = "customer.deleted"
CUSTOMER_ANONYMIZED = "customer.anonymized"
TEST_EVENT = "webhook.test"
EVENT_TYPES = (CUSTOMER_DELETED, CUSTOMER_ANONYMIZED)


def new_webhook_id() -> str:
    """Standard Webhooks' `webhook-id`: unique per event and subscription, the same on every retry."""
    return f"msg_{uuid.uuid4().hex}"


class Subscription(models.Model):
    """A connected system that wants to hear of erasures: where to POST, the secret to sign with, which
    event types. Made by an administrator."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=500)
    # Standard Webhooks' form, `whsec_` and base64. Kept as it is: it signs every delivery.
    secret = models.CharField(_("secret"), max_length=200)
    events = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name or self.url

    def wants(self, event_type: str) -> bool:
        return event_type in self.events


class Delivery(models.Model):
    """One event for one subscription: the outbox row, and where its delivery stands."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("given up")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=40, unique=True, default=new_webhook_id)
    event_type = models.CharField(_("event"), max_length=40)
    customer_number = models.CharField(_("customer number"), max_length=20, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    receipt = models.CharField(_("receipt"), max_length=64, blank=True)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Set while an attempt is under way, to when it is surely over: no two attempts of one event at once.
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["subscription", "state"], name="webhook_delivery_sub_state"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.customer_number} → {self.subscription_id}"

    def payload(self) -> dict:
        """SPEC §9: the event as the subscriber gets it, the same on every attempt."""
        at = self.occurred_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return {"type": self.event_type, "customer": self.customer_number, "at": at, "receipt": self.receipt}


class Attempt(models.Model):
    """One POST of a delivery: when, the answer's status code, how long it took, and what went wrong."""

    class Error(models.TextChoices):
        NONE = "", _("none")
        STATUS = "status", _("error status")
        TIMEOUT = "timeout", _("timeout")
        CONNECTION = "connection", _("connection failed")
        TLS = "tls", _("TLS error")
        INVALID = "invalid", _("invalid URL")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    at = models.DateTimeField(_("time"), db_index=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.CharField(_("error"), max_length=12, choices=Error.choices, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
