"""CRM records linked to a customer: activities and events, agreements, projects and project groups,
reseller links and the e-mail history of documents. All count as transactions (SPEC E-2)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kund.core.models import NumberedRecord, PkReferenced, customer_link


class Activity(NumberedRecord):
    """An activity or event of a customer. It may link a second customer (seed 001: "Om det finns en
    kundkoppling till aktiviteten/händelsen"), with the details of the person met there; anonymizing
    either customer anonymizes those details (kund/privacy/policy.py lists both ways)."""

    REF_PREFIX = "A"

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        TASK = "task", _("Task")
        EVENT = "event", _("Event")

    customer = customer_link("activities")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    date = models.DateTimeField(_("date"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    second_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("second customer"),
        # PROTECT as every link to a customer: the activity is an event of the second customer too.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_activities",
    )
    second_contact_name = models.CharField(_("second customer's contact name"), max_length=200, blank=True)
    second_contact_email = models.EmailField(_("second customer's contact e-mail"), blank=True)
    second_contact_phone = models.CharField(_("second customer's contact phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(second_customer=models.F("customer")),
                name="activity_second_customer_other",
            ),
        ]


class AgreementQuerySet(models.QuerySet):
    def ongoing(self, today):
        return self.filter(models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=today))


class Agreement(NumberedRecord):
    """An agreement is ongoing until its end date has passed (no end date: ongoing)."""

    REF_PREFIX = "AG"

    customer = customer_link("agreements")
    description = models.CharField(_("description"), max_length=200)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    customer_reference = models.CharField(_("customer reference"), max_length=200, blank=True)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    monthly_amount = models.DecimalField(_("monthly amount"), max_digits=12, decimal_places=2, default=0)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        # Whether a customer has an ongoing agreement (the erasure planner's blocker check, SPEC E-3),
        # answered from this index alone.
        indexes = [models.Index(fields=["customer", "ended_on"], name="agreement_customer_ended")]


class Project(NumberedRecord):
    REF_PREFIX = "P"

    customer = customer_link("projects")
    name = models.CharField(_("name"), max_length=200)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")


class ProjectGroup(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("project group")
        verbose_name_plural = _("project groups")

    def __str__(self) -> str:
        return self.name


class ProjectGroupMembership(PkReferenced, models.Model):
    REF_PREFIX = "PG"

    group = models.ForeignKey(ProjectGroup, on_delete=models.CASCADE, related_name="memberships")
    customer = customer_link("project_group_memberships")
    joined_on = models.DateField(_("joined on"))

    class Meta:
        verbose_name = _("project group membership")
        verbose_name_plural = _("project group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "customer"], name="project_group_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.customer_id}"


class ResellerLink(PkReferenced, models.Model):
    REF_PREFIX = "RS"

    customer = customer_link("reseller_links")
    reseller_name = models.CharField(_("reseller"), max_length=200)
    since = models.DateField(_("since"))
    commission_percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("reseller link")
        verbose_name_plural = _("reseller links")

    def __str__(self) -> str:
        return self.reseller_name


class EmailMessage(PkReferenced, models.Model):
    REF_PREFIX = "M"

    """A message in the e-mail history of a quote, order, invoice or document sent to the customer."""

    class DocumentKind(models.TextChoices):
        QUOTE = "quote", _("Quote")
        ORDER = "order", _("Order")
        INVOICE = "invoice", _("Invoice")
        DOCUMENT = "document", _("Document")

    customer = customer_link("email_messages")
    document_kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    document_ref = models.CharField(_("document reference"), max_length=30, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    replies = models.TextField(_("replies"), blank=True)
    internal_comment = models.TextField(_("internal comment"), blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("e-mail history entry")
        verbose_name_plural = _("e-mail history")
