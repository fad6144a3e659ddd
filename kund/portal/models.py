"""Customer users (SPEC R-10): the customer's own people, who sign in to the portal at /portal/.

A customer user is not a row of Django's user table. The register, the admin and the API know only that
table (settings.AUTH_USER_MODEL): its sign-in, its session and its tokens can never name a customer user,
so no door of theirs can let one in, whatever rights are granted. A customer user signs in through the
portal's own backend, which answers only a sign-in that asks for a customer user, and holds the portal's
own session (PortalSession, its own cookie with the path /portal/).

Everything here belongs to one customer and is deleted with its customer users when the customer is
deleted or anonymized (kund.privacy.policy): the users, their sessions, and their invitation and
password-reset links. Secrets are stored as SHA-256 hashes only; the link or cookie holds the secret.
"""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The portal rights a staff user chooses when inviting, as CustomerUser's fields.
PORTAL_RIGHTS = (
    ("can_see_protocols", _("See service protocols")),
    ("can_see_installations", _("See installations")),
    ("can_report_faults", _("Report faults")),
    ("can_see_users", _("See the customer's other users")),
)
PORTAL_RIGHT_NAMES = tuple(name for name, _label in PORTAL_RIGHTS)


class CustomerUser(AbstractBaseUser):
    """A login to the portal, belonging to exactly one customer. The e-mail address is the user name."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="portal_users",
    )
    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    can_see_protocols = models.BooleanField(_("sees service protocols"), default=True)
    can_see_installations = models.BooleanField(_("sees installations"), default=True)
    can_report_faults = models.BooleanField(_("reports faults"), default=True)
    can_see_users = models.BooleanField(_("sees the customer's other users"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    # Never staff, never an administrator, no permission of the register: whatever asks, the answer is no.
    is_staff = False
    is_superuser = False

    objects = models.Manager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("customer user")
        verbose_name_plural = _("customer users")

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def invited(self) -> bool:
        """Invited, and no password set yet."""
        return not self.has_usable_password()

    def rights(self) -> list[str]:
        return [name for name in PORTAL_RIGHT_NAMES if getattr(self, name)]

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False


class CustomerUserToken(models.Model):
    """A link that lets a customer user set a password: an invitation (made by staff) or a password reset
    (asked for by the user). Single use, it expires, and only its hash is stored."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        RESET = "reset", _("password reset")

    customer_user = models.ForeignKey(CustomerUser, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation or password-reset link")
        verbose_name_plural = _("invitation and password-reset links")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.pk}"


class PortalSession(models.Model):
    """A signed-in customer user. The cookie holds the key; this row holds its hash, so a copy of the
    database signs nobody in, and a customer user's sessions can be found and ended by the user."""

    customer_user = models.ForeignKey(CustomerUser, on_delete=models.CASCADE, related_name="sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("portal session")
        verbose_name_plural = _("portal sessions")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
