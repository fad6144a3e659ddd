"""What the API reads and writes, as JSON (SPEC B-9). Serializers translate; they decide nothing: the rights
are asked of kund.core.rules by the views, a customer's input is checked by the web's own CustomerForm
(kund.api.customer_input), and the work is done by the services the web and the command line call.

They also describe the API: drf-spectacular builds the OpenAPI document from them, so the document cannot
say something the code does not do.
"""

from collections.abc import Mapping

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kund.customers.filtersets import SORTS
from kund.customers.forms import CUSTOMER_FIELDS, CustomerForm
from kund.customers.models import Customer
from kund.privacy.mass import MAX_YEARS, years_before
from kund.privacy.models import ErasureJob
from kund.privacy.planner import Action
from kund.requests.deadlines import MAX_EXTENSION_MONTHS
from kund.requests.forms import ExtendForm, ReceiptForm, RefuseForm, RequestForm
from kund.requests.models import DataRequest

MAX_ID = 2**63 - 1
UNKNOWN_FIELDS_SHOWN = 20


class JsonText(serializers.CharField):
    """Text in a JSON body must be a JSON string: 0 is not "0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonInteger(serializers.IntegerField):
    """A whole number in a JSON body must be a JSON number: neither "12" nor true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBoolean(serializers.BooleanField):
    """true or false in a JSON body, nothing that merely reads like one ("yes", 1)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictSerializer(serializers.Serializer):
    """Input that names a field the API does not know is refused, not silently half-applied: a typo
    (`emial`) must not pass for a successful change."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(name)[:100] for name in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("There is no such field.")] for name in unknown[:UNKNOWN_FIELDS_SHOWN]}
                )
        return super().to_internal_value(data)


# --- customers ----------------------------------------------------------------------------------------------


class GroupRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="get_username")


# An anonymized customer shows what its card shows: the Xxxx values, no free text, no custom fields.
# Everything still held about it is in its access export.
HIDDEN_WHEN_ANONYMIZED = ("info", "internal_info")


class CustomerSerializer(serializers.ModelSerializer):
    """A customer as the card shows it. `custom_fields` maps each custom field's name to its value as
    text (dates as YYYY-MM-DD, numbers with a point, yes/no as "yes" or "no")."""

    # Stored values, not re-validated: no e-mail or URL format is promised for what is already held.
    email = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)
    gender = serializers.ChoiceField(choices=Customer.Gender.choices, allow_blank=True, read_only=True)
    group = GroupRef(read_only=True, allow_null=True)
    responsible = UserRef(read_only=True, allow_null=True)
    anonymized = serializers.BooleanField(source="is_anonymized", read_only=True)
    custom_fields = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = (
            "number",
            *CUSTOMER_FIELDS,
            "status",
            "responsible",
            "created_at",
            "updated_at",
            "anonymized",
            "anonymized_at",
            "custom_fields",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_custom_fields(self, customer: Customer) -> dict[str, str]:
        if customer.is_anonymized:
            return {}
        return self.context.get("custom_values", {}).get(customer.pk, {})

    # Text, choices and yes/no are shown as stored. They are read straight off the customer rather than
    # through each field's to_representation(), which for a page of 25 customers cost more than the page's
    # query; test_customers holds the result equal to DRF's own.
    PLAIN = (serializers.CharField, serializers.ChoiceField, serializers.BooleanField)

    def to_representation(self, customer: Customer) -> dict:
        data = {}
        for field in self._readable_fields:
            if type(field) in self.PLAIN and not field.source_attrs[1:]:
                value = getattr(customer, field.source)
                data[field.field_name] = (
                    bool(value) if type(field) is serializers.BooleanField else str(value)
                )
            else:
                value = field.get_attribute(customer)
                data[field.field_name] = None if value is None else field.to_representation(value)
        if customer.is_anonymized:
            data.update({name: "" for name in HIDDEN_WHEN_ANONYMIZED})
        return data

    def to_representation_by_drf(self, customer: Customer) -> dict:
        """What DRF itself would give, for the test of to_representation()."""
        data = super().to_representation(customer)
        if customer.is_anonymized:
            data.update({name: "" for name in HIDDEN_WHEN_ANONYMIZED})
        return data


def _input_field(form_field: forms.Field) -> serializers.Field:
    """The JSON type of one of CustomerForm's fields; the form itself checks the value (R-1, R-3)."""
    if isinstance(form_field, forms.ModelChoiceField):
        return JsonInteger(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text=_("An id.")
        )
    if isinstance(form_field, forms.BooleanField):
        return JsonBoolean(required=False)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(required=False, allow_null=True)
    if isinstance(form_field, forms.ChoiceField):
        choices = [(value, label) for value, label in form_field.choices if value != ""]
        blank = any(value == "" for value, _label in form_field.choices)
        return serializers.ChoiceField(choices=choices, required=False, allow_blank=blank)
    return JsonText(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=getattr(form_field, "max_length", None),
    )


def _customer_input(name: str, *, creating: bool) -> type[StrictSerializer]:
    """An input serializer with CustomerForm's own fields, so a field added to the form is in the API and
    in its description at once."""
    form = CustomerForm(custom_fields=(), creating=creating)
    fields: dict[str, serializers.Field] = {
        field_name: _input_field(form_field) for field_name, form_field in form.fields.items()
    }
    fields["status"] = serializers.ChoiceField(choices=Customer.Status.choices, required=False)
    fields["custom_fields"] = serializers.DictField(
        child=JsonText(allow_blank=True, allow_null=True, trim_whitespace=False, max_length=1000),
        required=False,
        help_text=gettext_lazy(
            "Custom-field values by the field's name, as text: YYYY-MM-DD for dates, 12.5 for numbers, "
            '"yes" or "no" for yes/no fields; "" or null clears a value.'
        ),
    )
    return type(name, (StrictSerializer,), fields)


CustomerCreateSerializer = _customer_input("CustomerCreateSerializer", creating=True)
CustomerCreateSerializer.__doc__ = (
    "A new customer. Fields left out take their defaults (a private person in SE); `number` left out is "
    "drawn from the register's sequence. Checked as the web form checks it."
)
CustomerUpdateSerializer = _customer_input("CustomerUpdateSerializer", creating=False)
CustomerUpdateSerializer.__doc__ = (
    "The fields to change; the others keep their values. The whole customer is then checked as the web "
    "form checks it."
)


class CustomerPageSerializer(serializers.Serializer):
    sort = serializers.ChoiceField(choices=list(SORTS), help_text=gettext_lazy("The order of the results."))
    next = serializers.URLField(
        allow_null=True, help_text=gettext_lazy("The next page, or null on the last page.")
    )
    results = CustomerSerializer(many=True)


# --- erasure ------------------------------------------------------------------------------------------------


class BlockerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    ref = serializers.CharField()
    reason = serializers.CharField()


class KeptTextSerializer(serializers.Serializer):
    kind = serializers.CharField()
    ref = serializers.CharField()
    field = serializers.CharField()


class ErasurePlanSerializer(serializers.Serializer):
    """What erasing the customer would do (E-1..E-3, A-2): the object `kund erasure_plan --json` prints."""

    customer = serializers.CharField()
    action = serializers.ChoiceField(choices=[a.value for a in Action])
    blockers = BlockerSerializer(many=True)
    documents_to_delete = serializers.IntegerField()
    kept_free_text = KeptTextSerializer(many=True)
    linked = serializers.DictField(child=serializers.IntegerField())


class EraseSerializer(StrictSerializer):
    confirm = JsonBoolean(help_text=gettext_lazy("Must be true: erasing cannot be undone (E-5)."))
    action = serializers.ChoiceField(
        choices=[Action.DELETE.value, Action.ANONYMIZE.value],
        required=False,
        help_text=gettext_lazy(
            "The action you expect, as the plan gave it. If another action applies now, nothing is done "
            "(409). Left out: whichever applies."
        ),
    )

    def validate_confirm(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(_("Confirm with true: erasing cannot be undone."))
        return value


class EraseResultSerializer(serializers.Serializer):
    customer = serializers.CharField()
    action = serializers.ChoiceField(choices=[Action.DELETE.value, Action.ANONYMIZE.value])
    result = serializers.ChoiceField(choices=["deleted", "anonymized"])
    receipt = serializers.CharField(
        help_text=gettext_lazy("The erasure log row's hash; `kund verify_erasure_log` checks the chain.")
    )


@extend_schema_field({"type": "object", "additionalProperties": True})
class AnyObjectField(serializers.JSONField):
    pass


class AccessExportSerializer(serializers.Serializer):
    """Everything held about the customer (B-1, GDPR art. 15 and 20), as `kund export_customer` prints it:
    the customer row, and every linked table's rows by the table's name."""

    format = serializers.CharField()
    generated_at = serializers.DateTimeField()
    customer_number = serializers.CharField()
    customer = AnyObjectField()
    records = serializers.DictField(child=serializers.ListField(child=AnyObjectField()))


# --- mass erasure -------------------------------------------------------------------------------------------

# Dates whose day after still exists in every time zone and database.
FIRST_DAY = "1900-01-01"
LAST_DAY = "9999-12-30"


class MassErasurePlanSerializer(StrictSerializer):
    criteria = serializers.ChoiceField(choices=ErasureJob.Criteria.choices)
    through = serializers.DateField(
        required=False, help_text=gettext_lazy("The last day included (YYYY-MM-DD); or give `years`.")
    )
    years = JsonInteger(
        required=False,
        min_value=1,
        max_value=MAX_YEARS,
        help_text=gettext_lazy(
            "Instead of `through`: older than this many years, counted back from today (the web form's and "
            "`kund mass_erase --years`)."
        ),
    )
    limit = JsonInteger(
        required=False,
        min_value=1,
        help_text=gettext_lazy(
            "At most this many customers, oldest first; at most the register's limit (M-2)."
        ),
    )

    def validate_through(self, value):
        import datetime

        if not datetime.date.fromisoformat(FIRST_DAY) <= value <= datetime.date.fromisoformat(LAST_DAY):
            raise serializers.ValidationError(
                _("Enter a date from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
            )
        return value

    def validate(self, attrs):
        """A date or a number of years, as the web form asks; the years become the date (shown in the run)."""
        if "through" in attrs and "years" in attrs:
            message = _("Give either a date or a number of years, not both.")
            raise serializers.ValidationError({"years": [message]})
        if "through" not in attrs and "years" not in attrs:
            raise serializers.ValidationError({"through": [_("Give a date or a number of years.")]})
        if "years" in attrs:
            attrs["through"] = years_before(timezone.localdate(), attrs.pop("years"))
        return attrs

    def validate_limit(self, value: int) -> int:
        maximum = self.context["max_limit"]
        if value > maximum:
            raise serializers.ValidationError(
                _("At most %(max)d customers per run (M-2); run it again for the rest.") % {"max": maximum}
            )
        return value


class StartSerializer(StrictSerializer):
    confirm = JsonBoolean(help_text=gettext_lazy("Must be true."))
    confirm_again = JsonBoolean(help_text=gettext_lazy("Must be true as well: starting asks twice (M-5)."))

    def validate(self, attrs):
        errors = {
            name: [_("Confirm with true: the customers will be erased, which cannot be undone.")]
            for name in ("confirm", "confirm_again")
            if attrs.get(name) is not True
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class MassErasureSerializer(serializers.ModelSerializer):
    """A mass run: its verification (M-4) — `selected`, `ignored`, `delete`, `anonymize` as
    `kund mass_erase --json` prints them — and, once started, its state, progress and results (M-5)."""

    id = serializers.IntegerField(read_only=True)
    recent = serializers.SerializerMethodField(
        help_text=gettext_lazy("The date lies within the last year: recent customers may be caught (M-3).")
    )
    selected = serializers.IntegerField(source="total")
    delete = serializers.IntegerField(source="planned_delete")
    anonymize = serializers.IntegerField(source="planned_anonymize")
    progress = serializers.IntegerField(source="percent", help_text=gettext_lazy("Percent processed."))
    created_by = serializers.CharField(source="created_by_username")

    class Meta:
        model = ErasureJob
        fields = (
            "id",
            "state",
            "criteria",
            "through",
            "limit",
            "recent",
            "selected",
            "ignored",
            "delete",
            "anonymize",
            "processed",
            "progress",
            "deleted",
            "anonymized",
            "failed",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields

    def get_recent(self, job: ErasureJob) -> bool:
        from kund.privacy.mass import is_recent

        return job.through is not None and is_recent(job.through)


# --- the erasure log (B-2) ----------------------------------------------------------------------------------


class ErasureLogEntrySerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    customer = serializers.CharField(source="customer_number")
    action = serializers.ChoiceField(choices=["delete", "anonymize"])
    actor = serializers.CharField(source="actor_username")
    at = serializers.DateTimeField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("Rows per table.")
    )
    ruleset_version = serializers.CharField()
    job = serializers.IntegerField(source="job_id", allow_null=True)
    previous_hash = serializers.CharField()
    hash = serializers.CharField(help_text=gettext_lazy("The receipt of this erasure."))


class ErasureLogPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = ErasureLogEntrySerializer(many=True)


# --- data-subject requests (B-7) ----------------------------------------------------------------------------


def _form_max_length(form_class, name: str) -> int:
    """The length the web's form allows a field: the API and its description allow the same."""
    return form_class.base_fields[name].max_length


class ExportRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("The export's event in the customer's history.")
    )
    at = serializers.DateTimeField()


class ErasureCandidateSerializer(serializers.Serializer):
    receipt = serializers.CharField(source="hash")
    action = serializers.ChoiceField(choices=["delete", "anonymize"])
    at = serializers.DateTimeField()


class ExportCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    by = UserRef(source="actor", allow_null=True)


class DataRequestSerializer(serializers.Serializer):
    """A data-subject request as its page shows it. `customer` is the customer's number, which the request
    keeps when the customer is erased; null when whoever asked is not a customer. `overdue` and `due_soon`
    are decided as the register's lists decide them."""

    id = serializers.IntegerField()
    ref = serializers.CharField()
    kind = serializers.ChoiceField(choices=DataRequest.Kind.choices)
    channel = serializers.ChoiceField(choices=DataRequest.Channel.choices)
    customer = serializers.SerializerMethodField()
    contact = serializers.CharField(
        help_text=gettext_lazy("Who asked, when there is no customer or to reach them.")
    )
    received = serializers.DateField(source="received_on")
    deadline = serializers.DateField(
        help_text=gettext_lazy("One calendar month after receipt, plus the extension (GDPR art. 12(3)).")
    )
    extension_months = serializers.IntegerField(min_value=0, max_value=MAX_EXTENSION_MONTHS)
    extension_reason = serializers.CharField()
    state = serializers.ChoiceField(choices=DataRequest.State.choices)
    overdue = serializers.BooleanField(help_text=gettext_lazy("Open and past its deadline."))
    due_soon = serializers.BooleanField(
        help_text=gettext_lazy("Open and due within the next days; its responsible user is told.")
    )
    identity_method = serializers.ChoiceField(choices=DataRequest.IdentityMethod.choices, allow_blank=True)
    identity_checked_by = UserRef(allow_null=True)
    identity_checked_at = serializers.DateTimeField(allow_null=True)
    receipt = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "A done erasure request: the erasure log receipt of the erasure that answered it."
        )
    )
    export = serializers.SerializerMethodField(
        help_text=gettext_lazy("A done access request: the access export that answered it.")
    )
    refusal_reason = serializers.CharField()
    closed = serializers.DateField(source="closed_on", allow_null=True)
    closed_by = UserRef(allow_null=True)
    responsible = UserRef(allow_null=True, help_text=gettext_lazy("Told in the app when it falls due."))
    created_by = UserRef(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_customer(self, request: DataRequest) -> str | None:
        return request.customer_number or None

    def get_receipt(self, request: DataRequest) -> str | None:
        return request.receipt or None

    @extend_schema_field(ExportRefSerializer(allow_null=True))
    def get_export(self, request: DataRequest) -> dict | None:
        if request.exported_at is None:
            return None
        return ExportRefSerializer({"id": request.export_record_id, "at": request.exported_at}).data


class DataRequestDetailSerializer(DataRequestSerializer):
    """A request, and what can answer it while it is open: the latest erasures of its customer (for an
    erasure request) or access exports (for an access request). Either list is empty otherwise."""

    erasure_candidates = ErasureCandidateSerializer(many=True)
    export_candidates = ExportCandidateSerializer(many=True)


class DataRequestPageSerializer(serializers.Serializer):
    next = serializers.URLField(
        allow_null=True, help_text=gettext_lazy("The next page, or null on the last page.")
    )
    results = DataRequestSerializer(many=True)


class DataRequestCreateSerializer(StrictSerializer):
    """A request received. Who asked is the customer (by number) when known, else the contact field.
    Checked as the web's form checks it."""

    kind = serializers.ChoiceField(choices=DataRequest.Kind.choices)
    channel = serializers.ChoiceField(choices=DataRequest.Channel.choices, required=False)
    customer = JsonText(
        required=False,
        allow_blank=True,
        max_length=_form_max_length(RequestForm, "customer_number"),
        help_text=gettext_lazy("The customer's number; left out when the person is not a customer."),
    )
    contact = JsonText(
        required=False,
        allow_blank=True,
        max_length=_form_max_length(RequestForm, "contact"),
        help_text=gettext_lazy("Only without a customer, or to reach the person: a name and an address."),
    )
    received = serializers.DateField(help_text=gettext_lazy("The day it arrived (YYYY-MM-DD)."))
    responsible = JsonInteger(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("The id of the user told when it falls due; left out: the token's user."),
    )


class DataRequestUpdateSerializer(StrictSerializer):
    """The steps to take, in this order, all or none: record the identity check, extend the deadline, and
    close the request with its outcome. A step the request's state does not allow is a 409."""

    identity_method = serializers.ChoiceField(
        choices=DataRequest.IdentityMethod.choices,
        required=False,
        help_text=gettext_lazy("The identity of who asked was checked, by these means."),
    )
    extension_months = JsonInteger(
        required=False,
        min_value=1,
        max_value=MAX_EXTENSION_MONTHS,
        help_text=gettext_lazy("Extend the deadline by this many further months in all; with a reason."),
    )
    extension_reason = JsonText(required=False, max_length=_form_max_length(ExtendForm, "reason"))
    outcome = serializers.ChoiceField(
        choices=[DataRequest.State.DONE.value, DataRequest.State.REFUSED.value],
        required=False,
        help_text=gettext_lazy(
            "done: with `receipt` (an erasure request) or `export` (an access request); refused: with "
            "`refusal_reason`."
        ),
    )
    receipt = JsonText(
        required=False,
        max_length=_form_max_length(ReceiptForm, "receipt"),
        help_text=gettext_lazy("The receipt of the customer's erasure (the erase operation returns it)."),
    )
    export = JsonInteger(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=gettext_lazy("The id of an access export of the customer (see export_candidates)."),
    )
    refusal_reason = JsonText(required=False, max_length=_form_max_length(RefuseForm, "reason"))


# --- problems (RFC 9457), for the description ---------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=gettext_lazy("about:blank, or a urn:kund:problem:… kind."))
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()


class InvalidInputProblemSerializer(ProblemSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=gettext_lazy("The messages by field; nested fields joined by dots."),
    )


class ConflictProblemSerializer(ProblemSerializer):
    action = serializers.ChoiceField(
        choices=[a.value for a in Action],
        required=False,
        help_text=gettext_lazy("For an erasure: the action that applies to the customer now."),
    )
    blockers = BlockerSerializer(many=True, required=False)
