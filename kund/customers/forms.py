"""Forms of the register's pages. They check input and say what is wrong beside the field; they never
write — the views hand cleaned data to the services."""

import datetime
from decimal import Decimal, InvalidOperation

import phonenumbers
from django import forms
from django.contrib.auth import get_user_model
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr, personnummer

from kund.core.bounds import BoundedDateField
from kund.customers.models import Customer, CustomField
from kund.customers.selectors import assignable_users
from kund.documents.services import check_document

PHONE_REGION = "SE"
PHONE_FIELDS = ("phone", "mobile", "fax")

CUSTOMER_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "name",
    "organisation_number",
    "vat_number",
    "gender",
    "birth_date",
    "group",
    "email_consent",
    "post_consent",
    "contact_person",
    "phone",
    "mobile",
    "fax",
    "email",
    "website",
    "invoice_company_name",
    "invoice_attention",
    "invoice_address1",
    "invoice_address2",
    "invoice_address3",
    "invoice_postal_code",
    "invoice_city",
    "invoice_region",
    "invoice_country",
    "visit_company_name",
    "visit_address1",
    "visit_address2",
    "visit_address3",
    "visit_postal_code",
    "visit_city",
    "visit_region",
    "visit_country",
    "delivery_company_name",
    "delivery_address1",
    "delivery_address2",
    "delivery_address3",
    "delivery_postal_code",
    "delivery_city",
    "delivery_region",
    "delivery_country",
    "info",
    "internal_info",
)


class BootstrapForm:
    """Gives widgets Bootstrap's classes, and marks the fields with errors so they show red."""

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"


def custom_field_name(field: CustomField) -> str:
    return f"custom_{field.pk}"


def _custom_form_field(field: CustomField) -> forms.Field:
    label = field.name
    if field.kind == CustomField.Kind.NUMBER:
        return forms.DecimalField(label=label, required=False, max_digits=18, decimal_places=6)
    if field.kind == CustomField.Kind.DATE:
        return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
    if field.kind == CustomField.Kind.BOOLEAN:
        return forms.NullBooleanField(
            label=label,
            required=False,
            widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
        )
    if field.kind == CustomField.Kind.CHOICE:
        return forms.ChoiceField(
            label=label, required=False, choices=[("", "—")] + [(c, c) for c in field.choice_list]
        )
    return forms.CharField(label=label, required=False, max_length=1000)


def custom_value_as_text(field: CustomField, value) -> str:
    """Custom-field values are stored as text: ISO dates, plain decimals, "yes"/"no"."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def custom_value_initial(field: CustomField, text: str):
    if not text:
        return None
    if field.kind == CustomField.Kind.BOOLEAN:
        return text == "yes"
    if field.kind == CustomField.Kind.DATE:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            return None
    if field.kind == CustomField.Kind.NUMBER:
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return text


class CustomerForm(BootstrapForm, forms.ModelForm):
    """Create and edit a customer (SPEC R-3), with the custom fields (R-7) after the model's own."""

    number = forms.CharField(
        label=_("Customer number"),
        required=False,
        max_length=20,
        help_text=_("Leave empty to take the next number from the sequence."),
    )
    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "info": forms.Textarea(attrs={"rows": 3}),
            "internal_info": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, custom_fields=(), custom_values=None, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["number"]
        self.custom_fields = list(custom_fields)
        custom_values = custom_values or {}
        for field in self.custom_fields:
            name = custom_field_name(field)
            self.fields[name] = _custom_form_field(field)
            self.initial.setdefault(name, custom_value_initial(field, custom_values.get(field.pk, "")))
        self.fields["name"].required = False  # a private person's name is made of first and last name
        if not creating and self.instance.pk is not None:
            # A prospect becomes a customer by its own action (conversion), never by changing the kind
            # here, and a customer does not become a prospect again.
            prospect = self.instance.kind == Customer.Kind.PROSPECT
            self.fields["kind"].choices = [
                (value, label)
                for value, label in Customer.Kind.choices
                if (value == Customer.Kind.PROSPECT) == prospect
            ]
        for name in ("invoice_country", "visit_country", "delivery_country"):
            # A plain text field, so a too-long value gets the helpful message of _clean_country.
            self.fields[name] = forms.CharField(
                label=self.fields[name].label,
                required=False,
                widget=forms.TextInput(attrs={"size": 2, "placeholder": "SE"}),
            )
        self._style()

    # --- one field at a time ---

    def clean_number(self):
        return self.cleaned_data.get("number", "").strip()

    def _clean_phone(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        try:
            parsed = phonenumbers.parse(value, PHONE_REGION)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise forms.ValidationError(
                _("Enter a valid phone number, such as 070-123 45 67 or +46 8 123 456 78."), code="phone"
            )
        return value

    def clean_phone(self):
        return self._clean_phone("phone")

    def clean_mobile(self):
        return self._clean_phone("mobile")

    def clean_fax(self):
        return self._clean_phone("fax")

    def clean_vat_number(self):
        value = (self.cleaned_data.get("vat_number") or "").strip()
        if not value:
            return ""
        try:
            return vat.validate(value)
        except StdnumError:
            raise forms.ValidationError(
                _("Enter a valid EU VAT number with its country prefix, such as SE556036079301."), code="vat"
            ) from None

    def _clean_country(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip().upper()
        if value and not (len(value) == 2 and value.isalpha() and value.isascii()):
            raise forms.ValidationError(_("Enter a two-letter country code, such as SE."), code="country")
        return value

    def clean_invoice_country(self):
        return self._clean_country("invoice_country")

    def clean_visit_country(self):
        return self._clean_country("visit_country")

    def clean_delivery_country(self):
        return self._clean_country("delivery_country")

    # --- the fields together ---

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        number = (cleaned.get("organisation_number") or "").strip()
        if kind == Customer.Kind.PRIVATE:
            full_name = f"{cleaned.get('first_name') or ''} {cleaned.get('last_name') or ''}".strip()
            if not (full_name or cleaned.get("name")):
                self.add_error("last_name", _("Enter the private person's first or last name."))
            elif full_name:
                cleaned["name"] = full_name
            if number:
                try:
                    cleaned["organisation_number"] = personnummer.format(personnummer.validate(number))
                except StdnumError:
                    self.add_error(
                        "organisation_number",
                        _("Enter a valid Swedish personal identity number, such as 19811218-9876."),
                    )
        elif kind == Customer.Kind.PROSPECT:
            # A person-to-be (first or last name) or a company-to-be (a name); its number as either.
            full_name = f"{cleaned.get('first_name') or ''} {cleaned.get('last_name') or ''}".strip()
            if not (full_name or (cleaned.get("name") or "").strip()):
                self.add_error("name", _("Enter the prospect's name, or a first or last name."))
            elif full_name and not (cleaned.get("name") or "").strip():
                cleaned["name"] = full_name
            if number:
                checker = personnummer if full_name else orgnr
                try:
                    cleaned["organisation_number"] = checker.format(checker.validate(number))
                except StdnumError:
                    self.add_error(
                        "organisation_number",
                        _("Enter a valid Swedish personal identity number or organisation number."),
                    )
        elif kind == Customer.Kind.COMPANY:
            if not (cleaned.get("name") or "").strip():
                self.add_error("name", _("Enter the company's name."))
            if number:
                try:
                    cleaned["organisation_number"] = orgnr.format(orgnr.validate(number))
                except StdnumError:
                    self.add_error(
                        "organisation_number",
                        _("Enter a valid Swedish organisation number, such as 556036-0793."),
                    )
        return cleaned

    def customer_data(self) -> dict:
        """The cleaned values of the customer's own fields, as the services take them."""
        return {name: self.cleaned_data[name] for name in CUSTOMER_FIELDS if name in self.cleaned_data}

    def custom_data(self) -> dict[CustomField, str]:
        return {
            field: custom_value_as_text(field, self.cleaned_data.get(custom_field_name(field)))
            for field in self.custom_fields
        }


class ResponsibleField(forms.ModelChoiceField):
    """The responsible user to assign (R-6): every active user, technicians first in a group of their own
    (seed 004: "Klicka på Tilldela så listas alla tekniker i grupper"; see selectors.assignable_users)."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
            required=False,
            empty_label=_("Nobody"),
            label=_("Responsible user"),
            **kwargs,
        )

    choices = property(lambda self: _GroupedUsers(self), forms.ChoiceField.choices.fset)


class _GroupedUsers(BaseChoiceIterator):
    """The choices of a ResponsibleField, read when the widget renders (never at import)."""

    def __init__(self, field: ResponsibleField):
        self.field = field

    def __iter__(self):
        yield ("", self.field.empty_label)
        technicians, others = assignable_users()
        for label, users in ((_("Technicians"), technicians), (_("Other users"), others)):
            if users:
                yield (label, [(user.pk, self.field.label_from_instance(user)) for user in users])


class AssignForm(BootstrapForm, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    responsible = ResponsibleField()


# At most this many customers are assigned in one go from the list (a page of it is 25).
BULK_ASSIGN_LIMIT = 500


class IdsField(forms.Field):
    """Record ids ticked in a list (checkboxes of one name): whole numbers, each once, in their order."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Tick customers in the list.")}

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 0 < pk < 2**63 for pk in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(ids))


class BulkAssignForm(BootstrapForm, forms.Form):
    """Assign one responsible user to the customers ticked in the list (seed 004: "välja Tilldela i
    listan"). The customers are checked against the rules by the view, one by one."""

    customers = IdsField(error_messages={"required": _("Tick the customers to assign first.")})
    responsible = ResponsibleField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_customers(self):
        ids = self.cleaned_data["customers"]
        if len(ids) > BULK_ASSIGN_LIMIT:
            raise forms.ValidationError(
                _("Assign at most %(max)d customers at a time.") % {"max": BULK_ASSIGN_LIMIT}
            )
        return ids


class ConvertForm(forms.Form):
    """A prospect becomes a private person or a company (seed 001's "kunder/prospects")."""

    kind = forms.ChoiceField(
        label=_("Becomes"),
        choices=[
            (Customer.Kind.PRIVATE, Customer.Kind.PRIVATE.label),
            (Customer.Kind.COMPANY, Customer.Kind.COMPANY.label),
        ],
    )


class DeceasedForm(forms.Form):
    """The date of death that goes with the status "deceased" (seed 003)."""

    deceased_on = BoundedDateField(
        label=_("Date of death"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )


class CustomFieldForm(BootstrapForm, forms.ModelForm):
    class Meta:
        model = CustomField
        fields = ("name", "kind", "choices", "position")
        widgets = {"choices": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == CustomField.Kind.CHOICE and not [
            line for line in (cleaned.get("choices") or "").splitlines() if line.strip()
        ]:
            self.add_error("choices", _("A choice field needs at least one choice, one per line."))
        return cleaned


# The rights of SPEC R-9 an administrator grants per user, in the order the article lists them.
RIGHTS = (
    ("view_customer", _("View customers")),
    ("view_assigned_customer", _("View only assigned customers")),
    ("change_customer", _("Change customers")),
    ("change_assigned_customer", _("Change only assigned customers")),
    ("add_customer", _("Create customers")),
    ("erase_customer", _("Delete or anonymize a customer (GDPR)")),
    ("mass_erase_customers", _("Mass delete or anonymize")),
    ("upload_customers", _("Upload a customer register")),
    ("assign_customer", _("Assign a responsible user")),
    ("delete_customer_files", _("Delete uploaded files")),
    ("add_customer_user", _("Create customer users")),
    ("change_customer_user_rights", _("Change customer users' rights")),
    ("delete_customer_user", _("Delete customer users")),
)
# What each right lets its holder do, in one line, shown beside it wherever rights are granted.
RIGHT_DESCRIPTIONS = {
    "view_customer": _("Sees every customer: the list, the cards with their records and files, the exports."),
    "view_assigned_customer": _(
        "Sees only the customers they are the responsible user of — everywhere, exports included."
    ),
    "change_customer": _("Edits and deactivates any customer they can see, except an anonymized one."),
    "change_assigned_customer": _("Edits and deactivates only the customers they are responsible for."),
    "add_customer": _("Creates new customers."),
    "erase_customer": _(
        "Deletes or anonymizes a customer they can see, which cannot be undone, and reads the erasure log."
    ),
    "mass_erase_customers": _(
        "Deletes or anonymizes many private customers at once by date (CRM module on); sees saved selections."
    ),
    "upload_customers": _("Imports customers from a CSV or Excel file."),
    "assign_customer": _("Chooses a customer's responsible user, who is notified."),
    "delete_customer_files": _("Deletes documents uploaded to a customer they can see."),
    "add_customer_user": _("Invites a customer's own people to the customer portal."),
    "change_customer_user_rights": _("Changes what a customer's people may see and do in the portal."),
    "delete_customer_user": _("Removes a customer's people from the customer portal."),
}


class RightsWithDescriptions(forms.CheckboxSelectMultiple):
    """The rights as check boxes, each option carrying its one-line description (RIGHT_DESCRIPTIONS) for
    the template to show under its label."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["description"] = RIGHT_DESCRIPTIONS.get(value, "")
        return option


class RightsForm(forms.Form):
    rights = forms.MultipleChoiceField(
        label=_("Rights"),
        choices=RIGHTS,
        required=False,
        widget=RightsWithDescriptions(attrs={"class": "form-check-input"}),
    )


class DocumentForm(BootstrapForm, forms.Form):
    """A document for the customer's card: a title and a file (kund.documents.services checks the file)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_document(upload)
        return upload
