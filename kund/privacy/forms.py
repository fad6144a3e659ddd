"""The confirmation on the erasure page (SPEC E-5): validated on the server, the error beside the field;
and, for anonymization, the user's decision on each document holding the person (B-5)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kund.privacy.planner import Action

REASON_MAX = 500


def _ids(value: str) -> list[int] | None:
    """ "12,15" → [12, 15]; None for anything else."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(part.isdigit() and len(part) <= 18 for part in parts):
        return None
    return [int(part) for part in parts]


class ErasureConfirmForm(forms.Form):
    """Which action the page offered, and the tick that the user has read the information.

    The action only chooses the door (delete or anonymize); whether it still applies is decided again by
    the service, inside its transaction.

    For anonymization (B-5), `documents` are the ids of the customer's documents whose text holds the
    person: each gets a box to keep it and a reason, required when the box is ticked. `listed` carries the
    ids the page showed, so the service can refuse if the documents found are no longer those."""

    action = forms.ChoiceField(
        choices=[(Action.DELETE.value, _("Delete")), (Action.ANONYMIZE.value, _("Anonymize"))],
        widget=forms.HiddenInput,
    )
    listed = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
    confirm = forms.BooleanField(
        label=_("I have read the information about deletion and anonymization"),
        error_messages={"required": _("Tick the box to confirm that you have read the information.")},
    )

    def __init__(self, *args, documents: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = list(documents)
        for pk in self.documents:
            self.fields[f"keep_{pk}"] = forms.BooleanField(required=False, label=_("Keep this document"))
            self.fields[f"reason_{pk}"] = forms.CharField(
                required=False,
                max_length=REASON_MAX,
                label=_("Why it is kept"),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def keep_fields(self) -> dict[int, tuple[forms.BoundField, forms.BoundField]]:
        """Each document's box and reason, by document id, for the page."""
        return {pk: (self[f"keep_{pk}"], self[f"reason_{pk}"]) for pk in self.documents}

    def clean_listed(self) -> list[int] | None:
        if "listed" not in self.data:  # not sent by the page (the command line and API have no list)
            return None
        ids = _ids(self.cleaned_data.get("listed", ""))
        if ids is None:
            raise forms.ValidationError(_("The page was not sent as it was shown. Load it again."))
        return ids

    def clean(self):
        cleaned = super().clean()
        for pk in self.documents:
            reason = (cleaned.get(f"reason_{pk}") or "").strip()
            if cleaned.get(f"keep_{pk}") and not reason:
                self.add_error(f"reason_{pk}", _("Write why the document is kept."))
            cleaned[f"reason_{pk}"] = reason
        return cleaned

    def keep_documents(self) -> dict[int, str]:
        """The documents to keep, with their reasons (after is_valid())."""
        data = self.cleaned_data
        return {pk: data[f"reason_{pk}"] for pk in self.documents if data.get(f"keep_{pk}")}
