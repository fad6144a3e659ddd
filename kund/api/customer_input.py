"""A customer's input from the API, checked by the web's own CustomerForm (SPEC R-1, R-3, R-7), so the API
and the web page accept and refuse exactly the same customers with the same messages.

The JSON, already of the right types (kund.api.serializers), becomes the form's data: on top of the
customer's current values for a change (PATCH sends only what changes), or of the model's defaults for a
new customer. Custom fields are named by their name in the API and by `custom_<id>` in the form.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kund.api.problems import NON_FIELD, field_errors, form_errors, invalid
from kund.customers.forms import CustomerForm, custom_field_name
from kund.customers.models import Customer, CustomField, CustomFieldValue

CUSTOM = "custom_fields"
# Not a field of the form: the status has its own service.
STATUS = "status"
YES_NO = {"yes": True, "no": False, "": None}


@dataclass
class CheckedCustomer:
    form: CustomerForm
    status: str | None

    def customer_data(self) -> dict:
        return self.form.customer_data()

    def custom_data(self) -> dict:
        return self.form.custom_data()


def stored_custom_values(customer_ids) -> dict[int, dict[str, str]]:
    """The custom-field values of these customers as the API shows them: {customer id: {name: text}}."""
    values: dict[int, dict[str, str]] = {}
    rows = CustomFieldValue.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "field__name", "value"
    )
    for customer_id, name, value in rows:
        values.setdefault(customer_id, {})[name] = value
    return values


def _custom_form_value(field: CustomField, text: str | None):
    """A custom field's text (as the API shows it) as its form field takes it."""
    text = "" if text is None else text
    if field.kind == CustomField.Kind.BOOLEAN:
        if text.strip().lower() not in YES_NO:
            raise ValueError
        return YES_NO[text.strip().lower()]
    return text


def check_customer(validated: dict, *, customer: Customer | None) -> CheckedCustomer:
    """Run the input through CustomerForm: a new customer when `customer` is None, else a change to it.
    Raises a 400 problem with the form's own messages, by the API's field names."""
    custom_fields = list(CustomField.objects.all())
    by_name = {field.name: field for field in custom_fields}
    current_custom = {}
    if customer is not None:
        current_custom = dict(
            CustomFieldValue.objects.filter(customer=customer).values_list("field_id", "value")
        )
    creating = customer is None
    options = {"custom_fields": custom_fields, "custom_values": current_custom, "creating": creating}
    # Unbound, the form's initial values are the customer's, or a new customer's defaults (SE, private).
    start = CustomerForm(instance=customer or Customer(), **options)
    data = {name: start.initial.get(name, field.initial) for name, field in start.fields.items()}

    errors: dict[str, list[str]] = {}
    for name, text in (validated.get(CUSTOM) or {}).items():
        field = by_name.get(name)
        if field is None:
            errors[f"{CUSTOM}.{name[:100]}"] = [_("There is no custom field of this name.")]
            continue
        try:
            data[custom_field_name(field)] = _custom_form_value(field, text)
        except ValueError:
            errors[f"{CUSTOM}.{name}"] = [_('Enter "yes", "no" or "".')]
    for name, value in validated.items():
        if name not in (CUSTOM, STATUS):
            data[name] = value  # None empties a field, as an empty input does
    if errors:
        raise invalid(errors)

    form = CustomerForm(data, instance=customer, **options)
    if not form.is_valid():
        raise invalid(api_errors(form.errors, custom_fields))
    return CheckedCustomer(form=form, status=validated.get(STATUS))


def api_errors(errors, custom_fields) -> dict[str, list[str]]:
    """The form's errors under the API's names: `custom_fields.<name>` for `custom_<id>`."""
    names = {custom_field_name(field): f"{CUSTOM}.{field.name}" for field in custom_fields}
    flat = form_errors(errors) if hasattr(errors, "get_json_data") else field_errors(errors)
    return {names.get(name, name): messages for name, messages in flat.items()}


def service_errors(error: ValidationError, custom_fields=()) -> dict[str, list[str]]:
    """A service's ValidationError (a number already used, an anonymized customer) by field."""
    if hasattr(error, "error_dict"):
        return api_errors(error.message_dict, custom_fields)
    return {NON_FIELD: list(error.messages)}
