from django import forms
from django.utils.translation import gettext_lazy as _

from kund.api.tokens import NAME_MAX_LENGTH
from kund.customers.forms import BootstrapForm


class TokenForm(BootstrapForm, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What the token is for, such as the system that will use it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
