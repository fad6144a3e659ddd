"""Erasure jobs (SPEC §5, §6) and saved selections (S-1).

A job is a row (STYLE trait 8): its state, progress and every customer's outcome are stored as it goes,
so a worker that dies mid-run leaves a job that knows exactly who is still pending. Customers are held by
id and customer number only, as plain values, never as foreign keys: a deleted customer disappears, and
the job must still say what became of it. No name or e-mail is stored here (A-7).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def job_lease() -> timedelta:
    """How long a worker may hold a chunk of a job (settings.KUND_ERASURE_JOB_LEASE_SECONDS). A chunk
    still running after that is taken to have lost its worker: any other worker takes it over. A running
    job touches its heartbeat after every chunk; a job silent for this long may also be resumed by hand
    (kund resume_erasure_jobs, or the job page's resume button)."""
    return timedelta(seconds=settings.KUND_ERASURE_JOB_LEASE_SECONDS)


class SavedSelection(models.Model):
    """A customer list's search result, frozen (S-1): the ids it held, the query string that found them,
    who saved it and when."""

    name = models.CharField(_("name"), max_length=200)
    query = models.CharField(_("filter"), max_length=2000, blank=True)
    size = models.PositiveIntegerField(_("customers"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("saved selection")
        verbose_name_plural = _("saved selections")

    def __str__(self) -> str:
        return self.name


class SelectionMember(models.Model):
    """One customer of a saved selection, by id (a plain value: the selection outlives its customers)."""

    selection = models.ForeignKey(SavedSelection, on_delete=models.CASCADE, related_name="members")
    customer_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["selection", "customer_id"], name="selection_member_once"),
        ]


class ErasureJob(models.Model):
    class Kind(models.TextChoices):
        MASS = "mass", _("Mass erasure")
        SELECTION = "selection", _("Selection erasure")

    class Criteria(models.TextChoices):
        # SPEC M-1; the values are the command line's --criteria.
        PURCHASES_BEFORE = "purchases-before", _("All purchases made on or before the date")
        NEVER_PURCHASED = "never-purchased", _("Created on or before the date and never purchased")
        BOTH = "both", _("Both")
        # Prospects (customers-to-be, kind "prospect") are not private persons, so M-2 does not select
        # them under the criteria above: they have their own.
        PROSPECTS = "prospects", _("Prospects created on or before the date")

    class State(models.TextChoices):
        PLANNED = "planned", _("Verified, not started")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    criteria = models.CharField(_("criteria"), max_length=20, choices=Criteria.choices, blank=True)
    through = models.DateField(_("through"), null=True, blank=True)
    limit = models.PositiveIntegerField(_("limit"), null=True, blank=True)
    selection = models.ForeignKey(
        SavedSelection,
        verbose_name=_("saved selection"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_username = models.CharField(_("started by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    error = models.CharField(_("error"), max_length=200, blank=True)  # an exception's class, no data
    task_result_id = models.CharField(max_length=64, blank=True)

    # The verification (M-4), fixed when the job is planned.
    total = models.PositiveIntegerField(_("selected"), default=0)
    planned_delete = models.PositiveIntegerField(_("to delete"), default=0)
    planned_anonymize = models.PositiveIntegerField(_("to anonymize"), default=0)
    planned_ignored = models.PositiveIntegerField(_("ignored"), default=0)

    # The outcome so far (M-5); processed = deleted + anonymized + ignored + failed.
    processed = models.PositiveIntegerField(_("processed"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    anonymized = models.PositiveIntegerField(_("anonymized"), default=0)
    ignored = models.PositiveIntegerField(_("ignored"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("erasure job")
        verbose_name_plural = _("erasure jobs")
        indexes = [models.Index(fields=["kind", "created_at"], name="erasure_job_kind_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)

    def is_stale(self, now=None) -> bool:
        """Queued or running, but no worker has touched it within the lease: its worker is gone."""
        if not self.is_active:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return (now or timezone.now()) - last > job_lease()

    def counts(self) -> dict[str, int]:
        return {
            "selected": self.total,
            "ignored_planned": self.planned_ignored,
            "delete": self.planned_delete,
            "anonymize": self.planned_anonymize,
            "deleted": self.deleted,
            "anonymized": self.anonymized,
            "ignored": self.ignored,
            "failed": self.failed,
        }


class ErasureJobItem(models.Model):
    """One customer of a job and what became of it. Each moves from pending to its result exactly once,
    in the same transaction as its erasure."""

    class Planned(models.TextChoices):
        DELETE = "delete", _("delete")
        ANONYMIZE = "anonymize", _("anonymize")
        IGNORE = "ignore", _("ignore")

    class Result(models.TextChoices):
        PENDING = "pending", _("pending")
        DELETED = "deleted", _("deleted")
        ANONYMIZED = "anonymized", _("anonymized")
        IGNORED = "ignored", _("ignored")
        FAILED = "failed", _("failed")

    job = models.ForeignKey(ErasureJob, on_delete=models.CASCADE, related_name="items")
    customer_id = models.PositiveBigIntegerField()  # not a foreign key: deleted customers disappear
    customer_number = models.CharField(_("customer number"), max_length=20)
    planned = models.CharField(_("planned"), max_length=10, choices=Planned.choices)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # B-5: findings of the person in kept text that the anonymization will redact, counted at verification.
    residue = models.PositiveIntegerField(_("findings to redact"), default=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("erasure job customer")
        verbose_name_plural = _("erasure job customers")
        constraints = [
            models.UniqueConstraint(fields=["job", "customer_id"], name="erasure_job_item_once"),
        ]
        indexes = [models.Index(fields=["job", "result"], name="erasure_job_item_result")]

    def __str__(self) -> str:
        return f"{self.customer_number} {self.result}"


class ErasureJobChunk(models.Model):
    """A run of a job's customers (a range of its items) that one worker erases in one transaction.

    Any worker may claim a pending chunk, or a running one whose lease is over (its worker is gone):
    `kund.privacy.runner` claims them with SELECT … FOR UPDATE SKIP LOCKED, so the workers of any number
    of machines share one job. What became of each customer is on its item, written in the erasure's own
    transaction; the chunk records who erased it and how long that took."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")

    job = models.ForeignKey(ErasureJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()  # 1, 2, … in the order of the job's items
    first_item = models.PositiveBigIntegerField()  # the items' ids, both ends included
    last_item = models.PositiveBigIntegerField()
    size = models.PositiveIntegerField()  # customers pending when the job was cut into chunks
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The worker that claimed it last: host name and process id, plus the queue's task id.
    worker = models.CharField(max_length=200, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Measured by the worker that finished it: the erasure's wall time, the part of it spent holding the
    # erasure log's chain head (from taking the lock to the commit), which no two chunks can share,
    # and the time it waited for that lock while another chunk held it.
    seconds = models.FloatField(null=True, blank=True)
    serial_seconds = models.FloatField(null=True, blank=True)
    wait_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="erasure_job_chunk_once")]
        indexes = [models.Index(fields=["job", "state"], name="erasure_job_chunk_state")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.number} {self.state}"
