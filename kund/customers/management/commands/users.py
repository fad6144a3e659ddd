"""`kund users` (SPEC R-9 at the command line): the register's users and their rights, for an administrator
(`--as`), through the same services as the users' pages (kund.core.users, kund.core.user_rights), which
ask kund.core.rules and record each change in the user's history.

    kund users list [--json]
    kund users add USERNAME --first-name F --last-name L [--email E] [--rights R,R]
    kund users rights USERNAME [--set R,R]
    kund users deactivate USERNAME | reactivate USERNAME | reset-password USERNAME

`add` and `reset-password` print a new random password once, on standard output and nowhere else (see
kund.core.users): the administrator passes it on, and the user chooses their own after signing in."""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.cli import KundCommand, acting_user, bad_input, not_done
from kund.core.rights import ADMINISTRATOR_GROUP
from kund.core.user_rights import RIGHTS_APP, user_rights, user_set_rights
from kund.core.users import new_password, user_create, user_reset_password, user_set_active
from kund.customers.forms import RIGHTS

OFFERED = [codename for codename, _label in RIGHTS]
OFFERED_PERMISSIONS = Permission.objects.filter(content_type__app_label=RIGHTS_APP, codename__in=OFFERED)
ACTIONS = ["list", "add", "rights", "deactivate", "reactivate", "reset-password"]


def _rights(text: str) -> list[str]:
    words = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [word for word in words if word not in OFFERED]
    if unknown:
        raise bad_input(
            _("unknown right: %(right)s (known: %(known)s)")
            % {"right": unknown[0], "known": ", ".join(OFFERED)}
        )
    return words


def _messages(error: ValidationError) -> str:
    """A service's refusal in one line, each field by its label in the command's language."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    fields = error.message_dict.items()
    return " ".join(f"{_label(field)}: {' '.join(messages)}" for field, messages in fields)


def _label(field: str) -> str:
    try:
        return capfirst(get_user_model()._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


class Command(KundCommand):
    help = (
        "The register's users and their rights (R-9), for an administrator: list; add USERNAME (prints a new "
        "password once); rights USERNAME [--set R,R]; deactivate, reactivate or reset-password USERNAME."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("user", nargs="?", default="", help="the username (every action but list)")
        parser.add_argument("--email", default="", help="add: the user's e-mail address")
        parser.add_argument("--first-name", default="", help="add (required): the user's first name")
        parser.add_argument("--last-name", default="", help="add (required): the user's last name")
        parser.add_argument(
            "--rights", default="", help=f"add: rights, comma-separated, of: {', '.join(OFFERED)}"
        )
        parser.add_argument("--set", dest="set_rights", help="rights: give exactly these (comma-separated)")
        parser.add_argument("--json", action="store_true", help="list, rights: print JSON")
        parser.add_argument("--as", dest="username", help="the acting user (an administrator)")

    def handle(self, *args, action, user, username, **options):
        actor = acting_user(username)
        if not rules.may_manage_users(actor):
            raise not_done(
                _("user %(username)s is not an administrator: only an administrator manages users")
                % {"username": actor.get_username()}
            )
        if action == "list":
            return self._list(as_json=options["json"])
        if not user:
            raise bad_input(_("%(action)s needs a username") % {"action": action})
        try:
            if action == "add":
                return self._add(actor, user, options)
            person = get_user_model().objects.filter(username__iexact=user.strip()).first()
            if person is None:
                raise bad_input(_("unknown user: %(username)s") % {"username": user})
            if action == "rights":
                return self._rights(actor, person, options["set_rights"], as_json=options["json"])
            if action == "reset-password":
                self.stdout.write(user_reset_password(actor=actor, user=person))
                return None
            user_set_active(actor=actor, user=person, active=action == "reactivate")
            done = _("%(username)s is active") if action == "reactivate" else _("%(username)s is deactivated")
            self.stdout.write(done % {"username": person.get_username()})
        except PermissionDenied:
            raise not_done(_("only an administrator manages users")) from None
        except ValidationError as error:
            raise bad_input(_messages(error)) from None
        return None

    def _list(self, *, as_json: bool) -> None:
        people = (
            get_user_model()
            .objects.order_by("username")
            .prefetch_related(
                Prefetch("user_permissions", queryset=OFFERED_PERMISSIONS.all()),
                "groups",
            )
        )
        rows = [
            {
                "username": person.get_username(),
                "active": person.is_active,
                "administrator": person.is_superuser
                or any(group.name == ADMINISTRATOR_GROUP for group in person.groups.all()),
                "rights": sorted(p.codename for p in person.user_permissions.all()),
            }
            for person in people
        ]
        if as_json:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            state = _("active") if row["active"] else _("deactivated")
            role = _("administrator") if row["administrator"] else ",".join(row["rights"]) or "-"
            self.stdout.write(f"{row['username']}\t{state}\t{role}")

    def _add(self, actor, username: str, options) -> None:
        if not (options["first_name"].strip() and options["last_name"].strip()):
            # as the web form: the change history and the erasure log name a user, so people know who
            raise bad_input(_("add needs --first-name and --last-name"))
        rights = _rights(options["rights"])
        password = new_password()
        person = user_create(
            actor=actor,
            username=username.strip(),
            password=password,
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
            rights=rights,
            offered=OFFERED,
        )
        self.stderr.write(
            _("created user %(username)s; the password below is shown once") % {"username": person.username}
        )
        self.stdout.write(password)

    def _rights(self, actor, person, set_rights: str | None, *, as_json: bool) -> None:
        if set_rights is not None:
            user_set_rights(user=person, actor=actor, codenames=_rights(set_rights), offered=OFFERED)
        held = sorted(user_rights(person, OFFERED))
        self.stdout.write(json.dumps(held) if as_json else ",".join(held))
