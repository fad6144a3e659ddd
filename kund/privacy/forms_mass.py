"""Forms of the mass-erasure and selection pages. They check input and say what is wrong beside the field;
the views hand cleaned data to kund.privacy.jobs."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.core.bounds import BoundedDateField
from kund.privacy.mass import MAX_YEARS, years_before
from kund.privacy.models import ErasureJob


class MassErasureForm(forms.Form):
    criteria = forms.ChoiceField(
        label=_("Customers to select"),
        choices=ErasureJob.Criteria.choices,
        widget=forms.RadioSelect,
        initial=ErasureJob.Criteria.BOTH,
    )
    # From 1900 to 2999 (kund.core.bounds): the selection counts the day after `through`.
    through = BoundedDateField(
        label=_("Through"),
        required=False,
        help_text=_("The last day included."),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    # Either the date or this: N years back from today, which becomes the date (shown on the next page).
    years = forms.IntegerField(
        label=_("Older than (years)"),
        required=False,
        min_value=1,
        max_value=MAX_YEARS,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "inputmode": "numeric", "style": "width: 8rem"}
        ),
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["years"].help_text = _("Counted back from today, %(today)s.") % {
            "today": self.today.isoformat()
        }

    def clean(self):
        """The date, or N years back from today as the date: one of the two, said beside both."""
        cleaned = super().clean()
        if self.has_error("through") or self.has_error("years"):
            return cleaned
        through, years = cleaned.get("through"), cleaned.get("years")
        if through is not None and years is not None:
            message = _("Give either a date or a number of years, not both.")
        elif through is None and years is None:
            message = _("Give a date or a number of years.")
        else:
            if years is not None:
                cleaned["through"] = years_before(self.today, years)
            return cleaned
        self.add_error("through", message)
        self.add_error("years", message)
        return cleaned


class StartForm(forms.Form):
    """M-5: starting asks twice; the first answer is this box, the second the confirmation page's button."""

    understood = forms.BooleanField(
        label=_(
            "I understand that the customers listed will be deleted or anonymized "
            "and that this cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class SaveSelectionForm(forms.Form):
    name = forms.CharField(label=_("Name of the selection"), max_length=200)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
