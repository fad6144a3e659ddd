"""The subscription form: checks input and says what is wrong beside the field; the view hands the cleaned
data to kund.webhooks.services, which checks it again for the command line."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kund.webhooks import services
from kund.webhooks.models import CUSTOMER_ANONYMIZED, CUSTOMER_DELETED, EVENT_TYPES

EVENT_CHOICES = [
    (CUSTOMER_DELETED, _("A customer was deleted (customer.deleted)")),
    (CUSTOMER_ANONYMIZED, _("A customer was anonymized (customer.anonymized)")),
]


class SubscriptionForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What the connected system is, e.g. the accounting system."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Kund POSTs each event here as JSON, signed as Standard Webhooks specifies."),
        widget=forms.URLInput(attrs={"class": "form-control", "placeholder": "https://"}),
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=200,
        required=False,
        help_text=_("Leave empty and Kund makes one; it is shown once."),
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "placeholder": "whsec_…"}
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EVENT_CHOICES,
        initial=list(EVENT_TYPES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event type.")},
    )

    def clean_url(self):
        try:
            return services.clean_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        return services.clean_secret(secret) if secret else ""
