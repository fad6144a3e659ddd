"""Forms of the portal and of the staff pages for customer users."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kund.portal.models import PORTAL_RIGHTS, CustomerUser
from kund.portal.services import DEFAULT_RIGHTS
from kund.service.files import max_upload_bytes

_INPUT = {"class": "form-control"}


class PortalSignInForm(AuthenticationForm):
    """Django's sign-in form (fields `username` and `password`), where the user name is the e-mail
    address. It signs in through django.contrib.auth.authenticate with the request, asking for a customer
    user (kund.portal.backends), so a throttling backend in front sees every attempt; a staff account is
    refused here as a wrong password would be."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter the e-mail address and password of your portal account."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("E-mail")
        username.max_length = CustomerUser._meta.get_field("email").max_length
        username.widget.attrs.update(
            {**_INPUT, "autocomplete": "username", "inputmode": "email", "maxlength": username.max_length}
        )
        self.fields["password"].widget.attrs.update(_INPUT)

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password, portal=True)
            if not isinstance(self.user_cache, CustomerUser):
                self.user_cache = None
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={**_INPUT, "autocomplete": "email"})
    )


def _installation_label(installation) -> str:
    return f"{installation.ref} {installation.description}"


class FaultReportForm(forms.Form):
    installation = forms.ModelChoiceField(
        label=_("Installation"),
        queryset=None,
        required=False,
        empty_label=_("Not about a particular installation"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=4000,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 5}),
    )
    phone = forms.CharField(
        label=_("Phone number we can reach you on"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "tel", "inputmode": "tel"}),
    )
    file = forms.FileField(
        label=_("Photo or file (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": "image/jpeg,image/png,image/webp,image/heic,application/pdf",
            }
        ),
    )

    def __init__(self, *args, installations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installation"].queryset = installations
        self.fields["installation"].label_from_instance = _installation_label
        megabytes = max_upload_bytes() // (1024 * 1024)
        self.fields["file"].help_text = _("A JPEG, PNG, WebP or HEIC photo, or a PDF; at most %(mb)d MB.") % {
            "mb": megabytes
        }


class PortalRightsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Portal rights"),
            choices=PORTAL_RIGHTS,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **kwargs,
        )


class CustomerUserInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={**_INPUT, "autocomplete": "off"})
    )
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    rights = PortalRightsField(initial=list(DEFAULT_RIGHTS))


class CustomerUserRightsForm(forms.Form):
    rights = PortalRightsField()
