"""Change history of customers (SPEC R-4) and the erasure log (SPEC B-2).

Change history is a model of Kund's own, written explicitly by the services in the same transaction as
the change (not by signals): it stores only field name, old and new value, so an erasure can scrub or
delete exactly a customer's rows (SPEC A-7), where a snapshot library would keep whole copies of the
person in tables nobody lists.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeRecord(models.Model):
    class Event(models.IntegerChoices):
        CREATED = 1, _("created")
        CHANGED = 2, _("changed")
        NUMBER_CHANGED = 3, _("customer number changed")
        ASSIGNED = 4, _("responsible user changed")
        IMPORTED = 5, _("imported")
        EXPORTED = 6, _("data exported")
        ANONYMIZED = 7, _("anonymized")
        # A prospect became a customer, keeping its number (field "kind": prospect → private/company).
        CONVERTED = 40, _("converted from prospect to customer")
        # Whose address who took for a mailing, and when (field: the channel, "post" or "email").
        MAILING_EXPORTED = 41, _("address exported for a mailing")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="change_records"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.SET_NULL, null=True, blank=True
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    event = models.PositiveSmallIntegerField(_("event"), choices=Event.choices)
    field = models.CharField(_("field"), max_length=100, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        indexes = [models.Index(fields=["customer", "at"], name="change_customer_at")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.field}"


class ErasureLogHead(models.Model):
    """The end of the erasure log's hash chain (one row, pk=1); locked while rows are appended."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class ErasureLogEntry(models.Model):
    """One row per erasure. No personal data: customer number, action, actor, time, counts per table and
    the rule-set version. `hash` covers these and the previous row's hash, so any edit breaks the chain."""

    class Action(models.TextChoices):
        DELETE = "delete", _("deleted")
        ANONYMIZE = "anonymize", _("anonymized")
        # B-5: the person's details found later in an anonymized customer's kept text, taken out.
        REDACT = "redact", _("residue redacted")

    sequence = models.PositiveBigIntegerField(unique=True)
    customer_number = models.CharField(_("customer number"), max_length=20, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor_username = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("when"))
    counts = models.JSONField(_("rows per table"), default=dict)
    ruleset_version = models.CharField(_("rule-set version"), max_length=20)
    job_id = models.PositiveBigIntegerField(_("job"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    # Not indexed: rows are found by sequence or customer number. An index on random SHA-256 values would
    # cost every erasure a write to a random page of it, and the chain already makes each hash unique.
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("erasure log entry")
        verbose_name_plural = _("erasure log")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.customer_number}"
