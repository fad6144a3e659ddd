"""Retention rules (SPEC B-6): which customers are erased without anyone asking each time, and the report of
every run.

A rule selects by the criteria of mass erasure (M-1) counted back from the day it runs ("all purchases
more than N years ago", "created more than N years ago and never purchased", both) or by "no activity
for N years", narrowed by kind and status. Its mode says what a run does after writing its report: only
report, wait for an administrator to approve the report, or erase at once. A run that erases does it as
a mass-erasure job (kund.privacy.jobs): the same engine, limits and log.

A run's report holds customer ids and numbers with the planned action and reason, never a name (A-7);
the review lists with names are made when they are downloaded, for the reader's rights.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.customers.models import Customer
from kund.privacy.models import ErasureJob, ErasureJobItem


class RetentionRule(models.Model):
    class Criteria(models.TextChoices):
        # The first three are M-1's (kund.privacy.mass), with the date N years before the run.
        PURCHASES_BEFORE = "purchases-before", _("All purchases made more than N years ago")
        NEVER_PURCHASED = "never-purchased", _("Created more than N years ago and never purchased")
        BOTH = "both", _("Either of the two")
        NO_ACTIVITY = "no-activity", _("No activity for N years")

    class Mode(models.TextChoices):
        REPORT = "report", _("Report only")
        APPROVE = "approve", _("Erase after an administrator approves the dry-run")
        AUTOMATIC = "automatic", _("Erase automatically")

    name = models.CharField(_("name"), max_length=100, unique=True)
    criteria = models.CharField(_("criteria"), max_length=20, choices=Criteria.choices)
    years = models.PositiveSmallIntegerField(_("years"))
    kind = models.CharField(_("kind"), max_length=10, choices=Customer.Kind.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Customer.Status.choices, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REPORT)
    limit = models.PositiveIntegerField(_("at most per run"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # Due when this has passed (or was never set): the first run of each day, by the worker or by cron.
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return self.name

    def is_due(self, now) -> bool:
        return self.enabled and (self.next_run_at is None or self.next_run_at <= now)


class RetentionRun(models.Model):
    """One run of a rule, or of the built-in clearing of legal copies: its report (M-4's counts, and its
    customers in the items), and what followed."""

    class State(models.TextChoices):
        REPORTED = "reported", _("Reported")
        AWAITING = "awaiting", _("Awaiting approval")
        SUPERSEDED = "superseded", _("Replaced by a newer report")
        STARTED = "started", _("Erasure started")
        DONE = "done", _("Done")

    rule = models.ForeignKey(
        RetentionRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    rule_name = models.CharField(_("rule"), max_length=100)
    builtin = models.BooleanField(default=False)  # the legal copies after the bookkeeping period
    mode = models.CharField(_("mode"), max_length=10, choices=RetentionRule.Mode.choices, blank=True)
    created_at = models.DateTimeField(_("run at"), default=timezone.now)
    run_by_username = models.CharField(_("run by"), max_length=150)
    through = models.DateField(_("through"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)

    selected = models.PositiveIntegerField(_("selected"), default=0)
    planned_delete = models.PositiveIntegerField(_("to delete"), default=0)
    planned_anonymize = models.PositiveIntegerField(_("to anonymize"), default=0)
    planned_ignored = models.PositiveIntegerField(_("ignored"), default=0)
    cleared = models.PositiveIntegerField(_("legal copies cleared"), default=0)

    job = models.ForeignKey(
        ErasureJob, verbose_name=_("erasure job"), on_delete=models.SET_NULL, null=True, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by_username = models.CharField(_("approved by"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        indexes = [models.Index(fields=["rule", "created_at"], name="retention_run_rule_created")]

    def __str__(self) -> str:
        return f"{self.rule_name} {self.created_at:%Y-%m-%d %H:%M}"

    def counts(self) -> dict[str, int]:
        return {
            "selected": self.selected,
            "delete": self.planned_delete,
            "anonymize": self.planned_anonymize,
            "ignored": self.planned_ignored,
        }


class RetentionRunItem(models.Model):
    """One customer of a run's report, by id and number, with what would happen and why not."""

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="items")
    customer_id = models.PositiveBigIntegerField()  # not a foreign key: the report outlives erasures
    customer_number = models.CharField(_("customer number"), max_length=20)
    action = models.CharField(_("action"), max_length=10, choices=ErasureJobItem.Planned.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("retention run customer")
        verbose_name_plural = _("retention run customers")

    def __str__(self) -> str:
        return f"{self.customer_number} {self.action}"
