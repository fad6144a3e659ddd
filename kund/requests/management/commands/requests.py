"""`kund requests add|list|notify|purge` (SPEC §9, B-7): the request register from the command line.

    kund requests add --customer NUMBER --kind erasure|access --received YYYY-MM-DD [--channel C] [--as U]
    kund requests list [--overdue] [--json] [--as U]
    kund requests notify       tell responsible users about requests due within 7 days (idempotent)
    kund requests purge        clear who asked from requests closed longer ago than the retention period

Exit status as SPEC §8: 0 done; 1 not done for a business reason (no right, an open request of the kind
already there); 2 bad input (unknown customer, bad date or kind), with one line on stderr.
"""

import json
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kund.core import rules
from kund.core.cli import KundCommand, acting_user, bad_input, not_done
from kund.customers.cli import customer_by_number, unknown_customer
from kund.requests import selectors, services
from kund.requests.models import DataRequest

ACTIONS = ("add", "list", "notify", "purge")


def as_dict(request: DataRequest, *, on: date) -> dict:
    """One request as `list --json` and `add --json` print it: no name, no contact, no free text."""
    overdue, due_soon = selectors.overdue_flags(request, on=on)
    return {
        "id": request.pk,
        "ref": request.ref,
        "kind": request.kind,
        "customer": request.customer_number or None,
        "channel": request.channel,
        "received": request.received_on.isoformat(),
        "deadline": request.deadline.isoformat(),
        "extension_months": request.extension_months,
        "state": request.state,
        "overdue": overdue,
        "due_soon": due_soon,
        "closed": request.closed_on.isoformat() if request.closed_on else None,
        "receipt": request.receipt or None,
        "responsible": request.responsible.get_username() if request.responsible_id else None,
    }


class Command(KundCommand):
    help = (
        "The register of data-subject requests (erasure, access) and their deadlines: add one, list them, "
        "notify responsible users of requests due soon, purge expired contact details."
    )

    def add_arguments(self, parser):
        # Checked in handle(), not by argparse: a bad value is then one line and exit status 2 (SPEC §8).
        parser.add_argument("action", nargs="?", help=f"one of: {', '.join(ACTIONS)}")
        parser.add_argument("--customer", metavar="NUMBER", help="add: the customer who asked")
        parser.add_argument("--kind", help="add: erasure or access")
        parser.add_argument("--received", metavar="YYYY-MM-DD", help="add: the day the request arrived")
        parser.add_argument(
            "--channel", help=f"add: how it arrived, one of {', '.join(DataRequest.Channel.values)} (email)"
        )
        parser.add_argument("--overdue", action="store_true", help="list: only requests past their deadline")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--as", dest="username", help="the acting user (needs the right to handle requests)"
        )

    def handle(self, *args, action, username, **options):
        if action not in ACTIONS:
            raise bad_input(
                _("say what to do: kund requests {%(actions)s} (got %(value)r)")
                % {"actions": ",".join(ACTIONS), "value": action}
            )
        if action in ("notify", "purge"):
            if username:
                raise bad_input(
                    _("requests %(action)s runs without a user: leave out --as") % {"action": action}
                )
            getattr(self, f"_{action}")(as_json=options["json"])
            return
        # The input is checked before anything is looked up: bad input is bad input for anyone.
        added = self._parse_add(options) if action == "add" else None
        actor = acting_user(username)
        if not rules.may_handle_requests(actor):
            raise _no_right(actor)
        if action == "add":
            self._add(actor, *added, as_json=options["json"])
        else:
            self._list(actor, overdue=options["overdue"], as_json=options["json"])

    def _parse_add(self, options) -> tuple[str, str, date, str]:
        number, kind, received = options["customer"], options["kind"], options["received"]
        channel = options["channel"] or DataRequest.Channel.EMAIL
        if not number or not kind or not received:
            raise bad_input(_("requests add needs --customer, --kind and --received"))
        if kind not in DataRequest.Kind.values:
            raise bad_input(
                _("bad --kind %(value)r: use one of %(choices)s")
                % {"value": kind, "choices": ", ".join(DataRequest.Kind.values)}
            )
        if channel not in DataRequest.Channel.values:
            raise bad_input(
                _("bad --channel %(value)r: use one of %(choices)s")
                % {"value": channel, "choices": ", ".join(DataRequest.Channel.values)}
            )
        try:
            received_on = date.fromisoformat(received)
        except ValueError:
            raise bad_input(
                _("bad --received date %(value)r: use YYYY-MM-DD") % {"value": received}
            ) from None
        problem = services.check_received_on(received_on)
        if problem:
            raise bad_input(
                _("bad --received date %(value)s: %(problem)s") % {"value": received, "problem": problem}
            )
        return number, kind, received_on, channel

    def _add(self, actor, number: str, kind: str, received_on: date, channel: str, *, as_json: bool) -> None:
        customer = customer_by_number(number)
        if not rules.may_view(actor, customer):
            raise unknown_customer(number)
        try:
            created = services.request_register(
                actor=actor, kind=kind, received_on=received_on, customer=customer, channel=channel
            )
        except PermissionDenied:
            raise _no_right(actor) from None
        except services.RequestRefused as refused:
            raise not_done(str(refused)) from None
        if as_json:
            self.stdout.write(json.dumps(as_dict(created, on=services.today())))
        else:
            registered = {
                DataRequest.Kind.ERASURE: _(
                    "request %(ref)s registered: erasure for customer %(number)s, received %(received)s, "
                    "deadline %(deadline)s"
                ),
                DataRequest.Kind.ACCESS: _(
                    "request %(ref)s registered: access for customer %(number)s, received %(received)s, "
                    "deadline %(deadline)s"
                ),
            }
            self.stdout.write(
                registered[created.kind]
                % {
                    "ref": created.ref,
                    "number": created.customer_number,
                    "received": created.received_on.isoformat(),
                    "deadline": created.deadline.isoformat(),
                }
            )

    def _list(self, actor, *, overdue: bool, as_json: bool) -> None:
        on = services.today()
        show = selectors.SHOW_OVERDUE if overdue else selectors.SHOW_OPEN
        rows = [
            as_dict(r, on=on)
            for r in selectors.filtered(
                selectors.requests_for(actor).select_related("responsible", "erasure"), show=show, on=on
            )
        ]
        if as_json:
            self.stdout.write(json.dumps({"requests": rows}))
            return
        if not rows:
            self.stdout.write(_("no overdue requests") if overdue else _("no open requests"))
        for row in rows:
            flag = " " + _("OVERDUE") if row["overdue"] else (" " + _("due soon") if row["due_soon"] else "")
            self.stdout.write(
                _(
                    "%(ref)s %(kind)s %(customer)s received %(received)s "
                    "deadline %(deadline)s%(flag)s (%(state)s)"
                )
                % {
                    "ref": f"{row['ref']:<10}",
                    "kind": f"{DataRequest.Kind(row['kind']).label:<8}",
                    "customer": f"{row['customer'] or '-':<12}",
                    "received": row["received"],
                    "deadline": row["deadline"],
                    "flag": flag,
                    "state": DataRequest.State(row["state"]).label,
                }
            )

    def _notify(self, *, as_json: bool) -> None:
        sent = services.notify_due_requests()
        self.stdout.write(
            json.dumps({"notified": sent}) if as_json else _("notified: %(count)d") % {"count": sent}
        )

    def _purge(self, *, as_json: bool) -> None:
        result = services.purge_closed_requests()
        if as_json:
            self.stdout.write(
                json.dumps({"cleared": result.cleared, "closed_before": result.before.isoformat()})
            )
        else:
            self.stdout.write(
                ngettext(
                    "cleared who asked from %(count)d request closed before %(day)s",
                    "cleared who asked from %(count)d requests closed before %(day)s",
                    result.cleared,
                )
                % {"count": result.cleared, "day": result.before.isoformat()}
            )


def _no_right(actor):
    return not_done(
        _("user %(username)s does not have the right to handle data-subject requests")
        % {"username": actor.get_username()}
    )
