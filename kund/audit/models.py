"""Change history of customers (SPEC R-4), the erasure log (SPEC B-2) and the checks of its chain.

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
        # A document uploaded to or deleted from the card (field "document"; the value: its reference and
        # title, cleared with the other values when the customer is anonymized).
        DOCUMENT_ADDED = 42, _("document added")
        DOCUMENT_DELETED = 43, _("document deleted")

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
        # The log's page lists newest first, by time, filtered by time and action, a page at a time
        # (kund.audit.selectors): both indexes end in the order it reads, so no page sorts or counts rows.
        # Times rise as rows are appended, so each index grows at its end, not on random pages: the two
        # cost a 1M-row log on SQLite about half a second per 100,000 rows appended (a mass anonymization
        # of 100,000 customers takes some 15 s), where an index on the hash cost a quarter of the pages.
        indexes = [
            models.Index(fields=["at", "sequence"], name="erasure_log_at"),
            models.Index(fields=["action", "at", "sequence"], name="erasure_log_action_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.customer_number}"


class ErasureLogCheck(models.Model):
    """One check of the erasure log's whole chain, asked for in the web (B-2): the same verification as
    `kund verify_erasure_log` (erasure_log.verify_chain), run in the request when the log is short and by
    the background worker when it is long, with its progress and its result on this row."""

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting for the background worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveBigIntegerField(_("rows to check"), default=0)  # the chain's length when asked
    checked = models.PositiveBigIntegerField(_("rows checked"), default=0)
    ok = models.BooleanField(_("intact"), null=True)
    broken_at = models.PositiveBigIntegerField(_("broken at row"), null=True, blank=True)
    code = models.CharField(_("what is wrong"), max_length=20, blank=True)  # erasure_log's codes
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)  # moves with the progress: a silent check has stopped
    error = models.CharField(max_length=200, blank=True)  # the kind of failure, for the log; no data

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("erasure log check")
        verbose_name_plural = _("erasure log checks")

    def __str__(self) -> str:
        return f"#{self.pk} {self.state}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.checked * 100 // self.total) if self.total else 0
