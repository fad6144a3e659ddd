"""The retention rule form: checks input and says what is wrong beside the field; the view hands the
cleaned data to kund.retention.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kund.customers.models import Customer
from kund.retention.models import RetentionRule


class RuleForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Private persons and companies")), *Customer.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Active and inactive")), *Customer.Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    years = forms.IntegerField(
        label=_("Years"),
        min_value=1,
        max_value=100,
        help_text=_("N in the criteria: counted back from the day the rule runs."),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    limit = forms.IntegerField(
        label=_("At most per run"),
        min_value=1,
        required=False,
        help_text=_("Customers that can be erased per run; empty for the register's setting."),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    class Meta:
        model = RetentionRule
        fields = ["name", "criteria", "years", "kind", "status", "mode", "limit", "enabled"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "criteria": forms.RadioSelect,
            "mode": forms.RadioSelect,
            "enabled": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }


class ApproveForm(forms.Form):
    understood = forms.BooleanField(
        label=_(
            "I have reviewed this report and understand that its customers will be deleted or anonymized "
            "and that this cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
