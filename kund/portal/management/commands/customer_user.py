"""`kund customer_user add NUMBER EMAIL [--as USERNAME]` (SPEC §9, R-10): invite a customer user and
print the invitation's URL path under /portal/. Also `list NUMBER` and `delete NUMBER EMAIL`.

Each action needs its right (R-9), asked of kund.core.rules by the service: `add` the right to create
customer users, `delete` the right to delete them, `list` the right to view the customer."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from kund.core.cli import KundCommand, bad_input, not_done
from kund.customers.cli import customer_and_actor
from kund.portal import services
from kund.portal.models import CustomerUser

RIGHT_WORDS = {
    "protocols": "can_see_protocols",
    "installations": "can_see_installations",
    "faults": "can_report_faults",
    "users": "can_see_users",
}


def _rights(text: str) -> list[str]:
    words = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [word for word in words if word not in RIGHT_WORDS]
    if unknown:
        raise bad_input(
            _("unknown portal right: %(right)s (known: %(known)s)")
            % {"right": unknown[0], "known": ", ".join(RIGHT_WORDS)}
        )
    return [RIGHT_WORDS[word] for word in words]


class Command(KundCommand):
    help = (
        "Customer users of the portal (R-10): `add NUMBER EMAIL` invites one and prints the invitation's "
        "URL path; `list NUMBER`; `delete NUMBER EMAIL`."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "list", "delete"])
        parser.add_argument("number", help="the customer number")
        parser.add_argument("email", nargs="?", default="", help="the customer user's e-mail address")
        parser.add_argument("--name", default="", help="the customer user's name (add)")
        parser.add_argument(
            "--rights",
            default="protocols,installations,faults",
            help="portal rights, comma-separated: protocols, installations, faults, users (add)",
        )
        parser.add_argument("--as", dest="username", help="the acting user (needs the right for the action)")

    def handle(self, *args, action, number, email, name, rights, username, **options):
        customer, actor = customer_and_actor(number, username)
        if action == "list":
            for user in CustomerUser.objects.filter(customer=customer).order_by("email"):
                state = _("invited") if user.invited else _("active")
                words = ",".join(word for word, right in RIGHT_WORDS.items() if getattr(user, right))
                self.stdout.write(f"{user.email}\t{state}\t{words}")
            return
        if not email:
            raise bad_input(_("%(action)s needs the customer user's e-mail address") % {"action": action})
        try:
            if action == "add":
                _user, secret = services.customer_user_invite(
                    customer=customer, actor=actor, email=email, name=name, rights=_rights(rights)
                )
                self.stdout.write(services.invitation_path(secret))
            else:
                user = CustomerUser.objects.filter(customer=customer, email=email.strip().lower()).first()
                if user is None:
                    raise bad_input(
                        _("customer %(number)s has no customer user with that e-mail address")
                        % {"number": customer.number}
                    )
                services.customer_user_delete(customer_user=user, actor=actor)
                self.stdout.write(
                    _("deleted a customer user of customer %(number)s") % {"number": customer.number}
                )
        except PermissionDenied:
            refusals = {
                "add": _("user %(username)s does not have the right to add customer users"),
                "delete": _("user %(username)s does not have the right to delete customer users"),
            }
            raise not_done(refusals[action] % {"username": actor.get_username()}) from None
        except ValidationError as error:
            raise bad_input(" ".join(error.messages)) from None
