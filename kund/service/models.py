"""The service side: installations at the customer, service orders, service protocols and fault reports."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.core.models import NumberedRecord, customer_link
from kund.service.files import extension_for


class Installation(NumberedRecord):
    REF_PREFIX = "IN"

    customer = customer_link("installations")
    description = models.CharField(_("description"), max_length=200)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    installed_on = models.DateField(_("installed on"))
    site_address = models.CharField(_("site address"), max_length=300, blank=True)
    site_postal_code = models.CharField(_("site postal code"), max_length=20, blank=True)
    site_city = models.CharField(_("site city"), max_length=100, blank=True)

    class Meta:
        ordering = ["-installed_on"]
        verbose_name = _("installation")
        verbose_name_plural = _("installations")


class ServiceOrder(NumberedRecord):
    REF_PREFIX = "SO"

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    customer = customer_link("service_orders")
    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, null=True, blank=True, related_name="service_orders"
    )
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    internal_comment = models.TextField(_("internal comment"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_service_orders",
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")


class ServiceProtocol(NumberedRecord):
    REF_PREFIX = "SP"

    customer = customer_link("service_protocols")
    service_order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="protocols")
    date = models.DateField(_("date"))
    text = models.TextField(_("text"), blank=True)
    signed_by = models.CharField(_("signed by"), max_length=200, blank=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("service protocol")
        verbose_name_plural = _("service protocols")


class FaultReport(NumberedRecord):
    REF_PREFIX = "FR"

    customer = customer_link("fault_reports")
    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, null=True, blank=True, related_name="fault_reports"
    )
    reported_at = models.DateTimeField(_("reported at"))
    reporter_name = models.CharField(_("reported by"), max_length=200, blank=True)
    reporter_email = models.EmailField(_("reporter e-mail"), blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_fault_reports",
    )

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("fault report")
        verbose_name_plural = _("fault reports")


def fault_file_name(instance, filename: str) -> str:
    """Where a fault report's photo or file is stored: a random name with the extension its content was
    recognised as (kund.service.files), so neither the uploader's file name nor anything else about the
    customer is kept in it, and one name cannot be guessed from another."""
    return f"fault-reports/{uuid.uuid4().hex}{instance.extension}"


class FaultReportFile(models.Model):
    """A photo or file sent with a fault report. Downloaded only through views that check who asks (the
    customer's own portal users, or staff who may view the customer), always as an attachment."""

    fault_report = models.ForeignKey(FaultReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=fault_file_name)
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("fault report file")
        verbose_name_plural = _("fault report files")

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.fault_report.ref}-{self.pk}" if self.fault_report_id else f"FRF-{self.pk}"

    @property
    def extension(self) -> str:
        return extension_for(self.content_type)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
