"""Sales records: quotes, orders (with extra order information), deliveries, dropship orders, the purchases
linked to them and their inbound deliveries, and trade invoices. Each keeps its own copy of the
addresses it was made out to (SPEC §2)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kund.core.models import NumberedRecord, PkReferenced, customer_link


class InvoiceAddressCopy(models.Model):
    invoice_name = models.CharField(_("invoice name"), max_length=200, blank=True)
    invoice_attention = models.CharField(_("invoice attention"), max_length=200, blank=True)
    invoice_address = models.CharField(_("invoice address"), max_length=300, blank=True)
    invoice_postal_code = models.CharField(_("invoice postal code"), max_length=20, blank=True)
    invoice_city = models.CharField(_("invoice city"), max_length=100, blank=True)
    invoice_region = models.CharField(_("invoice region"), max_length=100, blank=True)
    invoice_country = models.CharField(_("invoice country"), max_length=2, blank=True)

    class Meta:
        abstract = True


class DeliveryAddressCopy(models.Model):
    delivery_name = models.CharField(_("delivery name"), max_length=200, blank=True)
    delivery_attention = models.CharField(_("delivery attention"), max_length=200, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    delivery_postal_code = models.CharField(_("delivery postal code"), max_length=20, blank=True)
    delivery_city = models.CharField(_("delivery city"), max_length=100, blank=True)
    delivery_region = models.CharField(_("delivery region"), max_length=100, blank=True)
    delivery_country = models.CharField(_("delivery country"), max_length=2, blank=True)

    class Meta:
        abstract = True


class Comments(models.Model):
    published_comment = models.TextField(_("published comment"), blank=True)
    terms = models.TextField(_("terms"), blank=True)
    internal_comment = models.TextField(_("internal comment"), blank=True)

    class Meta:
        abstract = True


class Quote(NumberedRecord, InvoiceAddressCopy, DeliveryAddressCopy, Comments):
    REF_PREFIX = "Q"

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    customer = customer_link("quotes")
    date = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    customer_reference = models.CharField(_("customer reference"), max_length=200, blank=True)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")


class Order(NumberedRecord, InvoiceAddressCopy, DeliveryAddressCopy, Comments):
    """An order blocks anonymization until it is both delivered and invoiced (SPEC E-3)."""

    REF_PREFIX = "O"

    customer = customer_link("orders")
    date = models.DateField(_("date"), db_index=True)
    delivered = models.BooleanField(_("delivered"), default=False)
    invoiced = models.BooleanField(_("invoiced"), default=False)
    customer_reference = models.CharField(_("customer reference"), max_length=200, blank=True)
    customer_order_reference = models.CharField(_("customer order reference"), max_length=200, blank=True)
    notification_mobile = models.CharField(_("mobile for notifications"), max_length=40, blank=True)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_orders",
    )
    # The seller's own reference on the order (who at our end handles it): the responsible user's name
    # when the register setting "put the assigned user in our reference" is on (seed 004).
    our_reference = models.CharField(_("our reference"), max_length=200, blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "date"], name="order_customer_date"),
            # The erasure planner's blocker checks (SPEC E-3) for every customer: a customer's open orders
            # are found in these small indexes without reading the customer's order rows.
            models.Index(
                fields=["customer"], condition=models.Q(delivered=False), name="order_not_delivered"
            ),
            models.Index(fields=["customer"], condition=models.Q(invoiced=False), name="order_not_invoiced"),
        ]


class OrderExtraInfo(PkReferenced, models.Model):
    REF_PREFIX = "OX"

    """Extra order information: when the order was delivered and invoiced, and a free-text note."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="extra")
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    invoiced_on = models.DateField(_("invoiced on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("extra order information")
        verbose_name_plural = _("extra order information")

    def __str__(self) -> str:
        return f"{self.order}"


class Delivery(NumberedRecord, InvoiceAddressCopy, DeliveryAddressCopy, Comments):
    """A delivery carries both addresses, as quotes and orders do (seed 001: "gäller både för faktura- och
    leveransaddress")."""

    REF_PREFIX = "D"

    customer = customer_link("deliveries")
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    date = models.DateField(_("date"))
    customer_reference = models.CharField(_("customer reference"), max_length=200, blank=True)
    notification_mobile = models.CharField(_("mobile for notifications"), max_length=40, blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")


class DropshipContact(models.Model):
    order_reference = models.CharField(_("order reference"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)

    class Meta:
        abstract = True


class DropshipOrder(NumberedRecord, DropshipContact, InvoiceAddressCopy, DeliveryAddressCopy, Comments):
    REF_PREFIX = "DS"

    customer = customer_link("dropship_orders")
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="dropship_orders"
    )
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("dropship order")
        verbose_name_plural = _("dropship orders")


class Purchase(NumberedRecord, DropshipContact, DeliveryAddressCopy, Comments):
    """A purchase from a supplier made for a dropship order; it reaches the customer through it."""

    REF_PREFIX = "PO"

    dropship_order = models.ForeignKey(DropshipOrder, on_delete=models.PROTECT, related_name="purchases")
    supplier_name = models.CharField(_("supplier"), max_length=200)
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")


class InboundDelivery(NumberedRecord, DropshipContact, DeliveryAddressCopy):
    """The goods of a dropship purchase coming in; it keeps its own terms and internal comment (seed 001:
    "Krav/Villkor, Intern kommentar bibehålls")."""

    REF_PREFIX = "ID"

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="inbound_deliveries")
    date = models.DateField(_("date"))
    published_comment = models.TextField(_("published comment"), blank=True)
    terms = models.TextField(_("terms"), blank=True)
    internal_comment = models.TextField(_("internal comment"), blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("inbound delivery")
        verbose_name_plural = _("inbound deliveries")


class TradeInvoice(NumberedRecord):
    """A commercial invoice (customs document) for goods sent to or from the customer. It carries two
    address blocks (seed 001: "adressuppgifter för mottagare och avsändare"): the recipient's (name,
    address, postal code, city, country) and the sender's (sender_*) — the customer's own address when
    the goods come from the customer, as in a return."""

    REF_PREFIX = "TI"

    customer = customer_link("trade_invoices")
    date = models.DateField(_("date"))
    customer_display = models.CharField(_("customer"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    recipient_org_number = models.CharField(_("recipient organisation number"), max_length=20, blank=True)
    recipient_vat_number = models.CharField(_("recipient VAT number"), max_length=20, blank=True)
    recipient_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    goods_description = models.TextField(_("goods"), blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    sender_address = models.CharField(_("sender address"), max_length=300, blank=True)
    sender_postal_code = models.CharField(_("sender postal code"), max_length=20, blank=True)
    sender_city = models.CharField(_("sender city"), max_length=100, blank=True)
    sender_country = models.CharField(_("sender country"), max_length=2, blank=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name = _("trade invoice")
        verbose_name_plural = _("trade invoices")
