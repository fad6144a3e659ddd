"""Forms of the request register's pages. They check input and say what is wrong beside the field; they
never write — the views hand cleaned data to kund.requests.services."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kund.audit.models import ChangeRecord
from kund.core import rules
from kund.customers.forms import BootstrapForm
from kund.customers.models import Customer
from kund.requests import selectors, services
from kund.requests.models import DataRequest

RECEIPT = re.compile(r"^[0-9a-f]{64}$")


class _Styled(BootstrapForm, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class RequestFilterForm(_Styled):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (selectors.SHOW_OPEN, _("Open")),
            (selectors.SHOW_OVERDUE, _("Overdue")),
            (selectors.SHOW_DUE_SOON, _("Due within 7 days")),
            (selectors.SHOW_CLOSED, _("Closed")),
            (selectors.SHOW_ALL, _("All")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *DataRequest.Kind.choices]
    )

    def selection(self) -> tuple[str, str]:
        """(show, kind), falling back to the open requests of any kind when the input is bad."""
        if not self.is_valid():
            return selectors.SHOW_OPEN, ""
        return self.cleaned_data["show"] or selectors.SHOW_OPEN, self.cleaned_data["kind"]


class RequestForm(_Styled):
    kind = forms.ChoiceField(label=_("Kind of request"), choices=DataRequest.Kind.choices)
    channel = forms.ChoiceField(
        label=_("Received by"), choices=DataRequest.Channel.choices, initial=DataRequest.Channel.EMAIL
    )
    customer_number = forms.CharField(
        label=_("Customer number"),
        required=False,
        max_length=20,
        help_text=_("Leave empty when the person is not a customer (or not yet found)."),
    )
    contact = forms.CharField(
        label=_("Who asked"),
        required=False,
        max_length=200,
        help_text=_("Only when there is no customer number, or to reach the person: a name and an address."),
    )
    received_on = forms.DateField(label=_("Received"), widget=forms.DateInput(attrs={"type": "date"}))
    responsible = forms.ModelChoiceField(
        label=_("Responsible user"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        help_text=_("Is told in the app when the request falls due."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.customer: Customer | None = None
        self.fields["responsible"].initial = actor.pk
        self.fields["received_on"].initial = services.today()

    def clean_customer_number(self) -> str:
        number = self.cleaned_data["customer_number"].strip()
        if number:
            customer = Customer.objects.filter(number=number).first()
            # A customer the user may not view does not exist for them (as in every other door).
            if customer is None or not rules.may_view(self.actor, customer):
                raise forms.ValidationError(_("No customer has this number."))
            self.customer = customer
        return number

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        problem = services.check_received_on(day)
        if problem:
            raise forms.ValidationError(problem)
        return day

    def clean_responsible(self):
        user = self.cleaned_data["responsible"]
        if not rules.may_handle_requests(user):
            raise forms.ValidationError(_("This user may not handle data-subject requests."))
        return user

    def clean(self):
        data = super().clean()
        contact = (data.get("contact") or "").strip()
        if not self.has_error("customer_number") and self.customer is None and not contact:
            self.add_error("contact", _("Give a customer number, or say here who asked."))
        if self.customer is not None and data.get("kind"):
            if self.customer.is_anonymized and data["kind"] == DataRequest.Kind.ERASURE:
                self.add_error("customer_number", _("This customer is already anonymized."))
            else:
                existing = services.open_request_of(customer=self.customer, kind=data["kind"])
                if existing is not None:
                    self.add_error(
                        "customer_number",
                        _("This customer already has an open request of this kind: %(ref)s.")
                        % {"ref": existing.ref},
                    )
        return data

    def register(self) -> DataRequest:
        """The request as the valid form describes it, registered by its actor (services.request_register,
        which may still refuse: RequestRefused)."""
        data = self.cleaned_data
        return services.request_register(
            actor=self.actor,
            kind=data["kind"],
            channel=data["channel"],
            customer=self.customer,
            contact=data["contact"],
            received_on=data["received_on"],
            responsible=data["responsible"],
        )


class IdentityForm(_Styled):
    method = forms.ChoiceField(
        label=_("Identity checked by means of"), choices=[("", "—"), *DataRequest.IdentityMethod.choices]
    )


class ExtendForm(_Styled):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        coerce=int,
        choices=[(1, _("1 further month")), (2, _("2 further months"))],
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Told to the person within the first month (art. 12(3)). Do not name anyone here."),
    )

    def __init__(self, *args, request: DataRequest, **kwargs):
        kwargs.setdefault("auto_id", "id_extend_%s")  # the request's page holds two "reason" fields
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_months(self):
        months = self.cleaned_data["months"]
        if months <= self.request.extension_months:
            raise forms.ValidationError(
                _("The request is already extended by %(n)d month(s); an extension can only grow.")
                % {"n": self.request.extension_months}
            )
        return months


class ReceiptForm(_Styled):
    receipt = forms.CharField(
        label=_("Erasure receipt"),
        max_length=64,
        help_text=_("The receipt the erasure page or `kund erase` showed (64 characters)."),
    )

    def __init__(self, *args, request: DataRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.entry = None

    def clean_receipt(self):
        receipt = self.cleaned_data["receipt"].strip().lower()
        if not RECEIPT.match(receipt):
            raise forms.ValidationError(_("A receipt is 64 characters, digits 0–9 and letters a–f."))
        self.entry = services.erasure_entry_for(self.request, receipt)
        if self.entry is None:
            raise forms.ValidationError(_("No erasure of this request's customer has this receipt."))
        return receipt


class ExportForm(_Styled):
    export = forms.ModelChoiceField(label=_("Access export"), queryset=ChangeRecord.objects.none())

    def __init__(self, *args, request: DataRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["export"].queryset = ChangeRecord.objects.filter(
            customer_id=request.customer_id, event=ChangeRecord.Event.EXPORTED
        )
        self.fields["export"].error_messages["invalid_choice"] = _(
            "That is not an access export of this request's customer."
        )


class RefuseForm(_Styled):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_refuse_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label=_("Reason for the refusal"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Told to the person with their right to complain (art. 12(4)). Do not name anyone here."),
    )
