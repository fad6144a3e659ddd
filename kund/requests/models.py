"""The register of data-subject requests (SPEC B-7): erasure and access requests with their deadlines.

A request is answered within one calendar month of receipt (GDPR art. 12(3)), extendable by up to two
further months with a reason; `deadline` is stored (kept by the services from `received_on` and
`extension_months`, see kund.requests.deadlines) so overdue and due-soon requests are found by index.

States: received → identity checked (by whom, when, how) → done (an erasure, by its erasure-log receipt;
an access export, by the export's event in the customer's history) or refused (with a reason). A request
may be refused before the identity is checked (it could not be), never completed before.

The register holds personal data itself: who asked. It is kept minimal — the customer when known, a free
contact field otherwise — and the erasure policy lists it (kund.privacy.policy): when the customer is
erased, the request keeps only the customer number, its dates, its outcome and its receipt (the links to
the customer and its history are cleared, and so are the contact and the free-text reasons). A closed
request's contact and reasons are cleared after KUND_REQUEST_RETENTION_YEARS (`kund requests purge`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kund.core.models import PkReferenced
from kund.requests.deadlines import MAX_EXTENSION_MONTHS


class DataRequest(PkReferenced, models.Model):
    REF_PREFIX = "REQ"

    class Kind(models.TextChoices):
        ERASURE = "erasure", _("Erasure")
        ACCESS = "access", _("Access")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")
        WEB = "web", _("Web form")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        IDENTITY_CHECKED = "identity_checked", _("Identity checked")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    class IdentityMethod(models.TextChoices):
        ID_DOCUMENT = "id_document", _("Identity document shown")
        E_ID = "e_id", _("Electronic identification (e.g. BankID)")
        KNOWN_CONTACT = "known_contact", _("Confirmed through contact details on file")
        SIGNED_LETTER = "signed_letter", _("Signed letter")
        OTHER = "other", _("Other")

    OPEN_STATES = (State.RECEIVED, State.IDENTITY_CHECKED)
    CLOSED_STATES = (State.DONE, State.REFUSED)
    # What is cleared when the customer is erased and when a closed request's retention period ends: who
    # asked, and free text that may name them. (The policy lists the same fields; a test holds them equal.)
    PERSONAL_FIELDS = ("contact", "extension_reason", "refusal_reason")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(
        _("received by"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,  # the request outlives its customer (cleared by the erasure engine)
        null=True,
        blank=True,
        related_name="data_requests",
    )
    customer_number = models.CharField(_("customer number"), max_length=20, blank=True, db_index=True)
    contact = models.CharField(
        _("who asked"),
        max_length=200,
        blank=True,
        help_text=_("Only when the person is not a customer, or to reach them: a name and an address."),
    )
    received_on = models.DateField(_("received"))
    extension_months = models.PositiveSmallIntegerField(
        _("extended by (months)"), default=0, choices=[(n, str(n)) for n in range(MAX_EXTENSION_MONTHS + 1)]
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.RECEIVED)
    identity_method = models.CharField(
        _("identity checked by means of"), max_length=20, choices=IdentityMethod.choices, blank=True
    )
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity checked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    identity_checked_at = models.DateTimeField(_("identity checked at"), null=True, blank=True)
    erasure = models.ForeignKey(
        "audit.ErasureLogEntry",
        verbose_name=_("erasure"),
        on_delete=models.PROTECT,  # the erasure log is never altered
        null=True,
        blank=True,
        related_name="+",
    )
    export_record = models.ForeignKey(
        "audit.ChangeRecord",
        verbose_name=_("access export"),
        on_delete=models.SET_NULL,  # goes with the customer's history (cleared by the erasure engine)
        null=True,
        blank=True,
        related_name="+",
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    # The deadline the responsible user was last told about (notify_due_requests): one notification per
    # request and deadline, however often it runs; an extension gives a new deadline and a new one.
    notified_deadline = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        indexes = [
            # Open requests by deadline: overdue, due soon, the dashboard's counts.
            models.Index(
                fields=["deadline"], condition=Q(closed_on__isnull=True), name="request_open_deadline"
            ),
            # Closed requests by the day they closed: the retention purge.
            models.Index(
                fields=["closed_on"], condition=Q(closed_on__isnull=False), name="request_closed_on"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(extension_months__lte=MAX_EXTENSION_MONTHS), name="request_extension_at_most_2"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, state__in=["received", "identity_checked"])
                | Q(closed_on__isnull=False, state__in=["done", "refused"]),
                name="request_closed_on_iff_closed",
            ),
        ]

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES

    @property
    def receipt(self) -> str:
        """The erasure-log receipt of the erasure that answered the request (empty if none)."""
        return self.erasure.hash if self.erasure_id else ""
