from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegisterSettings(models.Model):
    """The register's settings, one row (pk=1), edited by an administrator in the back office."""

    number_min_length = models.PositiveSmallIntegerField(
        _("customer number, minimum length"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    number_max_length = models.PositiveSmallIntegerField(
        _("customer number, maximum length"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    crm_enabled = models.BooleanField(
        _("CRM module enabled"),
        default=False,
        help_text=_("Mass deletion and anonymization needs the CRM module (SPEC M-6)."),
    )
    assigned_as_our_reference = models.BooleanField(
        _("put the assigned user in our reference"),
        default=False,
        help_text=_("New orders get the customer's responsible user as our reference."),
    )

    class Meta:
        verbose_name = _("register settings")
        verbose_name_plural = _("register settings")

    def __str__(self) -> str:
        return str(_("Register settings"))

    def clean(self) -> None:
        if self.number_min_length > self.number_max_length:
            raise ValidationError(
                {"number_min_length": _("The minimum length cannot exceed the maximum length.")}
            )

    @classmethod
    def load(cls) -> "RegisterSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


def customer_link(related_name: str) -> models.ForeignKey:
    """The link from a record the business keeps to its customer.

    PROTECT, never CASCADE: deleting a customer must not take a transaction with it (SPEC E-1 deletes only
    customers without any, and invoices and receipts are kept by bookkeeping law).
    """
    return models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name=related_name,
    )


class PkReferenced:
    """A record without a number of its own, shown as a reference from its id, such as "RS-17"."""

    REF_PREFIX = "R"

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.REF_PREFIX}-{self.pk}"


class NumberedRecord(models.Model):
    """A business record with its own number, shown as a reference such as "O-1042"."""

    REF_PREFIX = "R"

    number = models.PositiveIntegerField(_("number"), unique=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.REF_PREFIX}-{self.number}"
