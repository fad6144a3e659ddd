"""The confirmation on the erasure page (SPEC E-5): validated on the server, the error beside the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kund.privacy.planner import Action


class ErasureConfirmForm(forms.Form):
    """Which action the page offered, and the tick that the user has read the information.

    The action only chooses the door (delete or anonymize); whether it still applies is decided again by
    the service, inside its transaction."""

    action = forms.ChoiceField(
        choices=[(Action.DELETE.value, _("Delete")), (Action.ANONYMIZE.value, _("Anonymize"))],
        widget=forms.HiddenInput,
    )
    confirm = forms.BooleanField(
        label=_("I have read the information about deletion and anonymization"),
        error_messages={"required": _("Tick the box to confirm that you have read the information.")},
    )
