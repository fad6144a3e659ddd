"""The customer register (SPEC §2, §3).

Everything here belongs to the customer alone and goes with it when it is deleted (SPEC D-1): branches,
credit information and its files, custom-field values, notifications. Records that other law keeps
(invoices, receipts) live in their own apps and point here with PROTECT.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.core.files import RandomName
from kund.core.models import PkReferenced
from kund.customers.search import Digits, PhoneKey, search_text_expression

ANONYMIZED_NAME = "Xxxx"
# An anonymized person's display name: first and last name each Xxxx (seed 001: "Anna Andersson → Xxxx
# Xxxx"). A company's stays ANONYMIZED_NAME.
ANONYMIZED_PERSON_NAME = f"{ANONYMIZED_NAME} {ANONYMIZED_NAME}"


class CustomerGroup(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")

    def __str__(self) -> str:
        return self.name


class NumberReservation(models.Model):
    """Every customer number ever used (SPEC R-1, D-2).

    A database trigger (migration 0002) inserts a row here whenever a customer is created or its number
    changes, and rows are never deleted with the customer: a number that has been used can therefore never
    be issued again, whatever code writes the customer table.
    """

    number = models.CharField(_("customer number"), max_length=20, primary_key=True)
    reserved_at = models.DateTimeField(_("reserved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reserved customer number")
        verbose_name_plural = _("reserved customer numbers")

    def __str__(self) -> str:
        return self.number


class NumberSequence(models.Model):
    """The counter automatic customer numbers are drawn from (one row, pk=1)."""

    next_value = models.PositiveBigIntegerField(default=1000)

    class Meta:
        verbose_name = _("customer number sequence")


# SQLite's lower() folds only ASCII; the Swedish capitals are folded first so both databases agree with
# Python's str.lower() on the query (see kund/customers/selectors.py).
_FOLDED_CAPITALS = (("Å", "å"), ("Ä", "ä"), ("Ö", "ö"), ("É", "é"), ("Ü", "ü"), ("Ø", "ø"), ("Æ", "æ"))


def folded(field_name: str):
    """The lower-cased copy of a text column that the register's search compares prefixes against."""
    expression = models.F(field_name)
    for capital, small in _FOLDED_CAPITALS:
        expression = Replace(expression, models.Value(capital), models.Value(small))
    return Lower(expression)


def search_column(source: str, max_length: int) -> models.GeneratedField:
    """A column the database computes from `source` (SPEC R-2 search). Being generated, it follows every
    write — the ORM, bulk inserts, raw SQL and anonymization alike — and cannot hold an old value."""
    return models.GeneratedField(
        expression=folded(source),
        output_field=models.CharField(max_length=max_length),
        db_persist=True,
        editable=False,
    )


class CustomerQuerySet(models.QuerySet):
    def not_anonymized(self):
        return self.filter(anonymized_at__isnull=True)

    def anonymized(self):
        return self.filter(anonymized_at__isnull=False)


class Customer(models.Model):
    class Kind(models.TextChoices):
        PRIVATE = "private", _("Private person")
        COMPANY = "company", _("Company")
        # A customer-to-be without transactions (seed 001's "kunder/prospects"): converted to a private
        # person or a company, keeping its number, once it buys (customer_convert_prospect).
        PROSPECT = "prospect", _("Prospect")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        # Seed 003's "verstorben", with the date in deceased_on: a fact, not an erasure. Like an inactive
        # customer it cannot be chosen for new business, and mailings leave it out.
        DECEASED = "deceased", _("Deceased")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    number = models.CharField(_("customer number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRIVATE)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    name = models.CharField(_("customer name"), max_length=200)
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=20,
        blank=True,
        help_text=_("Organisation number for companies, personal identity number for private persons."),
    )
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    group = models.ForeignKey(
        CustomerGroup,
        verbose_name=_("customer group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    email_consent = models.BooleanField(_("receives information by e-mail"), default=False)
    post_consent = models.BooleanField(_("receives information by post"), default=False)

    invoice_company_name = models.CharField(_("invoice address: company name"), max_length=200, blank=True)
    invoice_attention = models.CharField(_("invoice address: attention"), max_length=200, blank=True)
    invoice_address1 = models.CharField(_("invoice address: line 1"), max_length=200, blank=True)
    invoice_address2 = models.CharField(_("invoice address: line 2"), max_length=200, blank=True)
    invoice_address3 = models.CharField(_("invoice address: line 3"), max_length=200, blank=True)
    invoice_postal_code = models.CharField(_("invoice address: postal code"), max_length=20, blank=True)
    invoice_city = models.CharField(_("invoice address: city"), max_length=100, blank=True)
    invoice_region = models.CharField(_("invoice address: region"), max_length=100, blank=True)
    invoice_country = models.CharField(_("invoice address: country"), max_length=2, blank=True, default="SE")
    invoice_latitude = models.DecimalField(
        _("invoice address: latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    invoice_longitude = models.DecimalField(
        _("invoice address: longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    visit_company_name = models.CharField(_("visiting address: company name"), max_length=200, blank=True)
    visit_address1 = models.CharField(_("visiting address: line 1"), max_length=200, blank=True)
    visit_address2 = models.CharField(_("visiting address: line 2"), max_length=200, blank=True)
    visit_address3 = models.CharField(_("visiting address: line 3"), max_length=200, blank=True)
    visit_postal_code = models.CharField(_("visiting address: postal code"), max_length=20, blank=True)
    visit_city = models.CharField(_("visiting address: city"), max_length=100, blank=True)
    visit_region = models.CharField(_("visiting address: region"), max_length=100, blank=True)
    visit_country = models.CharField(_("visiting address: country"), max_length=2, blank=True)
    visit_latitude = models.DecimalField(
        _("visiting address: latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    visit_longitude = models.DecimalField(
        _("visiting address: longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    delivery_company_name = models.CharField(_("delivery address: company name"), max_length=200, blank=True)
    delivery_address1 = models.CharField(_("delivery address: line 1"), max_length=200, blank=True)
    delivery_address2 = models.CharField(_("delivery address: line 2"), max_length=200, blank=True)
    delivery_address3 = models.CharField(_("delivery address: line 3"), max_length=200, blank=True)
    delivery_postal_code = models.CharField(_("delivery address: postal code"), max_length=20, blank=True)
    delivery_city = models.CharField(_("delivery address: city"), max_length=100, blank=True)
    delivery_region = models.CharField(_("delivery address: region"), max_length=100, blank=True)
    delivery_country = models.CharField(_("delivery address: country"), max_length=2, blank=True)
    delivery_latitude = models.DecimalField(
        _("delivery address: latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    delivery_longitude = models.DecimalField(
        _("delivery address: longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)

    info = models.TextField(_("info"), blank=True, help_text=_("The free text of the info tab."))
    internal_info = models.TextField(_("internal information"), blank=True)

    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_customers",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    anonymized_at = models.DateTimeField(_("anonymized at"), null=True, blank=True)

    # Search (SPEC R-2): indexed lower-cased copies for prefix search that stays fast on a million rows.
    search_name = search_column("name", 200)
    search_last_name = search_column("last_name", 100)
    search_contact = search_column("contact_person", 200)
    search_email = search_column("email", 254)
    # Search for what people type (kund.customers.search): the folded text the trigram index holds,
    # and phone and personal/organisation numbers as digits, searched by prefix.
    search_text = models.GeneratedField(
        expression=search_text_expression(), output_field=models.TextField(), db_persist=True, editable=False
    )
    search_phone = models.GeneratedField(
        expression=PhoneKey("phone"),
        output_field=models.CharField(max_length=48),
        db_persist=True,
        editable=False,
    )
    search_mobile = models.GeneratedField(
        expression=PhoneKey("mobile"),
        output_field=models.CharField(max_length=48),
        db_persist=True,
        editable=False,
    )
    search_identity = models.GeneratedField(
        expression=Digits("organisation_number"),
        output_field=models.CharField(max_length=48),
        db_persist=True,
        editable=False,
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # SPEC R-9: one permission per right. view/add/change/delete come from Django.
        permissions = [
            ("view_assigned_customer", _("Can view only customers assigned to them")),
            ("change_assigned_customer", _("Can change only customers assigned to them")),
            ("erase_customer", _("Can delete or anonymize a customer (GDPR)")),
            ("mass_erase_customers", _("Can mass delete or anonymize customers")),
            ("upload_customers", _("Can upload a customer register")),
            ("assign_customer", _("Can assign a responsible user")),
            ("delete_customer_files", _("Can delete uploaded files")),
            ("add_customer_user", _("Can create customer users")),
            ("change_customer_user_rights", _("Can change customer users' rights")),
            ("delete_customer_user", _("Can delete customer users")),
        ]
        indexes = [
            models.Index(fields=["kind", "anonymized_at", "created_at"], name="customer_kind_anon_created"),
            # R-2 search: a prefix of each column; anonymized_at and number make the index cover the
            # list's first look at the matches (is it anonymized, where does it sort), so it reads no rows.
            *(
                models.Index(
                    fields=[column, "anonymized_at", "number"],
                    name=f"customer_{column}",
                    opclasses=["varchar_pattern_ops", "timestamptz_ops", "text_ops"],
                )
                for column in ("search_name", "search_last_name", "search_contact", "search_email")
            ),
            # R-2 list filters whose matches are few: inactive customers (of a kind), a country. With
            # anonymized_at the first also covers the dashboard's customers by kind and status (B-11),
            # counted by reading this index alone.
            models.Index(fields=["status", "kind", "anonymized_at"], name="customer_status_kind_anon"),
            models.Index(fields=["invoice_country"], name="customer_invoice_country"),
            # Phone and identity numbers by prefix (kund.customers.search); the text's trigram index is
            # not expressible here (SQLite FTS5, PostgreSQL pg_trgm): see migration 0012.
            *(
                models.Index(fields=[column], name=f"customer_{column}", opclasses=["varchar_pattern_ops"])
                for column in ("search_phone", "search_mobile", "search_identity")
            ),
            # Probable duplicates (kund.customers.duplicates): the create form and every imported row ask
            # who has this organisation or personal identity number.
            models.Index(fields=["organisation_number"], name="customer_organisation_number"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="customer_number_not_empty"),
            # The date of death is there exactly when the customer is deceased.
            models.CheckConstraint(
                condition=Q(status="deceased", deceased_on__isnull=False)
                | (~Q(status="deceased") & Q(deceased_on__isnull=True)),
                name="customer_deceased_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_anonymized(self) -> bool:
        return self.anonymized_at is not None

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_deceased(self) -> bool:
        return self.status == self.Status.DECEASED

    @property
    def is_prospect(self) -> bool:
        return self.kind == self.Kind.PROSPECT


def anonymized_display_name(customer) -> str:
    """How an anonymized customer is named wherever its name is shown: "Xxxx Xxxx" for a person, "Xxxx"
    for a company. The erasure engine writes this into the name itself, so the stored name is used when
    it is one of the two; otherwise (a customer anonymized by hand-made data) the kind decides."""
    if customer.name in (ANONYMIZED_NAME, ANONYMIZED_PERSON_NAME):
        return customer.name
    return ANONYMIZED_NAME if customer.kind == Customer.Kind.COMPANY else ANONYMIZED_PERSON_NAME


class Branch(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="branches"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name


class CreditInfo(models.Model):
    """Credit-check and rating information; deleted on anonymization with its files (SPEC §4)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="credit_infos"
    )
    checked_on = models.DateField(_("checked on"))
    provider = models.CharField(_("provider"), max_length=100, blank=True)
    rating = models.CharField(_("rating"), max_length=20, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("credit information")
        verbose_name_plural = _("credit information")

    def __str__(self) -> str:
        return f"{self.provider} {self.checked_on}"


class CreditFile(PkReferenced, models.Model):
    """A credit report (a PDF) of a credit check; shown as "CR-7", downloaded under that name."""

    REF_PREFIX = "CR"

    credit_info = models.ForeignKey(CreditInfo, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=RandomName("credit"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit report file")
        verbose_name_plural = _("credit report files")


class CustomField(models.Model):
    """A field an administrator defines for every customer (SPEC R-7)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes/no")
        CHOICE = "choice", _("Choice")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For a choice field: one choice per line.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.name

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class CustomFieldValue(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="custom_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.TextField(_("value"), blank=True)

    class Meta:
        verbose_name = _("custom-field value")
        verbose_name_plural = _("custom-field values")
        constraints = [
            models.UniqueConstraint(fields=["customer", "field"], name="custom_value_once_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value}"


class Notification(models.Model):
    """An in-app notification to a user about a customer (SPEC R-6), or about a data-subject request
    that falls due (SPEC B-7).

    It stores no text: the message is rendered from the customer at display time, so anonymizing the
    customer leaves nothing personal here (SPEC A-7); deleting the customer deletes it (SPEC D-1). A new
    order or fault report is named by its reference ("O-1042"), a number only. A
    request's notification names the request only (never its customer), and the request outlives an
    erasure with nothing personal left on it.
    """

    class Verb(models.TextChoices):
        ASSIGNED = "assigned", _("You were made responsible for a customer")
        UNASSIGNED = "unassigned", _("You are no longer responsible for a customer")
        # R-6, seed 004: the responsible user hears of every new order of the customer (and of every
        # fault report, FAULT_REPORTED below).
        NEW_ORDER = "new_order", _("A new order of your customer")
        REQUEST_DUE = "request_due", _("A data-subject request is due soon")
        # a new fault report of the customer is assigned to its responsible user, who is told.
        FAULT_REPORTED = "fault_reported", _("A fault was reported for a customer you are responsible for")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_notifications"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    request = models.ForeignKey(
        "requests.DataRequest", on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    verb = models.CharField(max_length=20, choices=Verb.choices)
    # The record a notification is about, as its reference ("O-1042"): a number, nothing personal.
    record_ref = models.CharField(_("record"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} ({self.customer_id or self.request_id})"
