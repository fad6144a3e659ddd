"""Forms of the mass-erasure and selection pages. They check input and say what is wrong beside the field;
the views hand cleaned data to kund.privacy.jobs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kund.core.bounds import BoundedDateField
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
        help_text=_("The last day included."),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )


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


class EraseSelectionForm(forms.Form):
    understood = forms.BooleanField(
        label=_(
            "I understand that every customer of this selection will be deleted or anonymized "
            "and that this cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )
