"""Forms of the users pages (SPEC R-9). They check what can be checked without the database and say what
is wrong beside the field; kund.core.users checks again (a username taken, Django's password validators
against the user's own details) and the view puts its errors beside the same fields."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kund.customers.forms import BootstrapForm, RightsForm


class UserCreateForm(BootstrapForm, RightsForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What the user signs in with: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        help_text=_(
            "At least 8 characters, not only digits, not a common password and not like the user's name; "
            "the user can change it after signing in."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Initial password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ("username", "first_name", "last_name", "email", "password", "password_again", "rights")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def mark_errors(self) -> None:
        """Mark the fields with errors the service found after validation (a username taken meanwhile, the
        password validators) as the form marks its own."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", "").split():
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                    attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    def clean_username(self):
        return get_user_model().normalize_username(self.cleaned_data["username"].strip())

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again is not None and password != again:
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned
