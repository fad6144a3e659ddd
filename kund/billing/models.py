"""Billing records. Invoices, agreement invoices and receipts are vouchers: bookkeeping law keeps them
and their frozen copy of the customer's details unchanged (SPEC A-3), so they point at the customer with
PROTECT and nothing in Kund ever rewrites them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kund.core.models import NumberedRecord, PkReferenced, customer_link


class FrozenCustomerDetails(models.Model):
    """The customer's details as they were when the voucher was issued (the legal copy)."""

    customer_number = models.CharField(_("customer number"), max_length=20)
    customer_name = models.CharField(_("customer name"), max_length=200)
    customer_address = models.CharField(_("address"), max_length=300, blank=True)
    customer_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    customer_city = models.CharField(_("city"), max_length=100, blank=True)
    customer_country = models.CharField(_("country"), max_length=2, blank=True)
    customer_org_number = models.CharField(_("organisation number"), max_length=20, blank=True)
    customer_vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)

    class Meta:
        abstract = True


class Invoice(NumberedRecord, FrozenCustomerDetails):
    """An invoice blocks anonymization until it is paid (SPEC E-3)."""

    REF_PREFIX = "F"

    customer = customer_link("invoices")
    order = models.ForeignKey(
        "sales.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    date = models.DateField(_("date"), db_index=True)
    due_date = models.DateField(_("due date"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    paid = models.BooleanField(_("paid"), default=False)
    customer_email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "date"], name="invoice_customer_date"),
            # The erasure planner's blocker check (SPEC E-3), answered from this index alone.
            models.Index(fields=["customer"], condition=models.Q(paid=False), name="invoice_unpaid"),
        ]


class AgreementInvoice(NumberedRecord, FrozenCustomerDetails):
    REF_PREFIX = "AF"

    customer = customer_link("agreement_invoices")
    agreement = models.ForeignKey("crm.Agreement", on_delete=models.PROTECT, related_name="invoices")
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    paid = models.BooleanField(_("paid"), default=False)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("agreement invoice")
        verbose_name_plural = _("agreement invoices")
        # The erasure planner's blocker check (SPEC E-3), answered from this index alone.
        indexes = [
            models.Index(fields=["customer"], condition=models.Q(paid=False), name="agreement_invoice_unpaid")
        ]


class Receipt(NumberedRecord, FrozenCustomerDetails):
    """A cash-register receipt. The voucher is kept; only where it was sent (e-mail, mobile) is cleared."""

    REF_PREFIX = "K"

    customer = customer_link("receipts")
    date = models.DateField(_("date"), db_index=True)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    sent_to_email = models.EmailField(_("sent to e-mail"), blank=True)
    sent_to_mobile = models.CharField(_("sent to mobile"), max_length=40, blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        indexes = [models.Index(fields=["customer", "date"], name="receipt_customer_date")]


class PaymentReminder(NumberedRecord):
    REF_PREFIX = "PR"

    customer = customer_link("payment_reminders")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    date = models.DateField(_("date"))
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    customer_address = models.CharField(_("address"), max_length=300, blank=True)
    customer_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    customer_city = models.CharField(_("city"), max_length=100, blank=True)
    customer_email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")


class ReminderFee(PkReferenced, models.Model):
    REF_PREFIX = "RF"

    customer = customer_link("reminder_fees")
    reminder = models.ForeignKey(PaymentReminder, on_delete=models.PROTECT, related_name="fees")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("reminder fee")
        verbose_name_plural = _("reminder fees")
