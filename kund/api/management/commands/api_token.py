"""`kund api_token create USERNAME [--name NAME]` prints a new API token once (SPEC B-9); `list [USERNAME]`
shows tokens without their secrets; `revoke ID` makes one stop working. Bad input exits 2 with one line."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kund.api.models import ApiToken
from kund.api.tokens import token_create, token_revoke
from kund.core.cli import KundCommand, bad_input


def _user(username: str):
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None or not user.is_active:
        raise bad_input(_("unknown or inactive user: %(username)s") % {"username": username})
    return user


class Command(KundCommand):
    help = "Make, list and revoke API tokens. A token acts with its user's rights."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", metavar="{create,list,revoke}", required=True)
        create = commands.add_parser("create", help="make a token and print it (only this once)")
        create.add_argument("username")
        create.add_argument("--name", default="command line", help="what the token is for")
        listing = commands.add_parser("list", help="list tokens (never their secrets)")
        listing.add_argument("username", nargs="?")
        revoke = commands.add_parser("revoke", help="revoke a token by its id (see list)")
        revoke.add_argument("id")

    def handle(self, *args, action=None, **options):
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options.get("username"))
        elif action == "revoke":
            self._revoke(options["id"])
        else:
            raise bad_input(_("say what to do: create USERNAME, list [USERNAME] or revoke ID"))

    def _create(self, username: str, name: str) -> None:
        user = _user(username)
        try:
            made = token_create(user=user, name=name)
        except ValidationError as error:
            raise bad_input(" ".join(error.messages)) from None
        self.stdout.write(made.secret)
        self.stderr.write(
            _("token %(id)d for %(username)s (%(name)s): shown only this once")
            % {"id": made.token.pk, "username": user.get_username(), "name": made.token.name},
            style_func=str,
        )

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("pk")
        if username:
            tokens = tokens.filter(user=_user(username))
        for token in tokens:
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else _("never")
            created = _("created %(when)s") % {"when": token.created_at.isoformat(timespec="seconds")}
            self.stdout.write(
                f"{token.pk}\t{token.user.get_username()}\t{token.prefix}…\t{token.name}\t{created}\t"
                + _("last used %(when)s") % {"when": used}
            )

    def _revoke(self, token_id: str) -> None:
        known = token_id.isdigit() and len(token_id) <= 18
        token = ApiToken.objects.filter(pk=int(token_id)).first() if known else None
        if token is None:
            raise bad_input(_("no API token with id %(id)s") % {"id": token_id})
        token_revoke(token=token)
        self.stdout.write(_("revoked token %(id)s") % {"id": token_id})
