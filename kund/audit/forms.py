"""The erasure log page's filter and receipt lookup: what is wrong is said beside the field, and a filter
that is wrong shows no rows rather than all of them."""

import re
from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.audit.models import ErasureLogEntry
from kund.core.bounds import BoundedDateField

CUSTOMER_NUMBER_MAX = ErasureLogEntry._meta.get_field("customer_number").max_length
HEX = re.compile(r"[0-9a-fA-F]+")


def _date_widget():
    return forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


class LogFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("every action")), *ErasureLogEntry.Action.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    since = BoundedDateField(label=_("From"), required=False, widget=_date_widget())
    until = BoundedDateField(label=_("To"), required=False, widget=_date_widget())

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period lies before its start."))
        return cleaned

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The chosen days, both included, as moments in the register's time zone: from the start of the
        first day to the start of the day after the last."""
        zone = timezone.get_current_timezone()
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        start = datetime.combine(since, time.min, tzinfo=zone) if since else None
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None
        return start, end


class ReceiptLookupForm(forms.Form):
    q = forms.CharField(
        label=_("Receipt or customer number"),
        max_length=200,
        help_text=_("Paste the receipt an erasure gave (64 characters), or type a customer number."),
        widget=forms.TextInput(
            attrs={"class": "form-control font-monospace", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_q(self):
        text = self.cleaned_data["q"].strip()
        if len(text) > CUSTOMER_NUMBER_MAX and HEX.fullmatch(text) and len(text) != 64:
            raise forms.ValidationError(_("A receipt is 64 characters, digits 0–9 and letters a–f."))
        if len(text) > CUSTOMER_NUMBER_MAX and len(text) != 64:
            raise forms.ValidationError(
                _("Neither a receipt (64 characters) nor a customer number (at most %(max)s characters).")
                % {"max": CUSTOMER_NUMBER_MAX}
            )
        if len(text) == 64 and not HEX.fullmatch(text):
            raise forms.ValidationError(_("A receipt is 64 characters, digits 0–9 and letters a–f."))
        return text
