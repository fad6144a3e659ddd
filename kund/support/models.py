"""Support tickets and their posted replies."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kund.core.models import NumberedRecord, PkReferenced, customer_link


class SupportTicket(NumberedRecord):
    REF_PREFIX = "T"

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    customer = customer_link("support_tickets")
    created_at = models.DateTimeField(_("created at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    internal_comment = models.TextField(_("internal comment"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")


class TicketReply(PkReferenced, models.Model):
    REF_PREFIX = "TR"

    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="replies")
    posted_at = models.DateTimeField(_("posted at"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("Empty when the customer wrote the reply."),
    )
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["posted_at"]
        verbose_name = _("ticket reply")
        verbose_name_plural = _("ticket replies")

    def __str__(self) -> str:
        return f"{self.ticket} {self.posted_at:%Y-%m-%d}"
