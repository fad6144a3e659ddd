import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kund.core.cli import KundCommand, bad_input, not_done
from kund.webhooks import delivery, services
from kund.webhooks.models import EVENT_TYPES, Delivery, Subscription


class Command(KundCommand):
    help = (
        "Connected systems told of every erasure (SPEC B-8): `add URL --secret SECRET [--events ...]` "
        "subscribes one, `list` shows them, `test ID` sends a test event, `resume` queues again the "
        "events a stopped worker left (run it when the workers start), `deliver` sends every due event "
        "now from this process."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{add,list,test,resume,deliver}"
        )
        add = actions.add_parser("add", help="subscribe a connected system")
        add.add_argument("url")
        add.add_argument(
            "--secret", help="Standard Webhooks secret (whsec_…); made and printed once if left out"
        )
        add.add_argument(
            "--events",
            default=",".join(EVENT_TYPES),
            help=f"comma-separated event types (default: {','.join(EVENT_TYPES)})",
        )
        add.add_argument("--name", default="", help="what the system is, e.g. the accounting system")
        add.add_argument("--json", action="store_true")
        listing = actions.add_parser("list", help="the subscriptions and their deliveries")
        listing.add_argument("--json", action="store_true")
        test = actions.add_parser("test", help="send a subscription a test event now")
        test.add_argument("id")
        actions.add_parser("resume", help="queue again the events a stopped worker left (no worker running)")
        actions.add_parser("deliver", help="send every due event now, from this process")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _add(self, *, url, secret, events, name, json: bool, **options):
        chosen = [e.strip() for e in (events or "").split(",") if e.strip()]
        try:
            subscription, secret_used = services.subscription_create(
                actor=None, url=url, secret=secret or "", events=chosen, name=name
            )
        except ValidationError as exc:
            raise bad_input("; ".join(f"--{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        made = not secret
        if json:
            data = {"id": subscription.pk, "url": subscription.url, "events": subscription.events}
            if made:
                data["secret"] = secret_used
            self.stdout.write(_json(data))
            return
        self.stdout.write(
            _("subscription %(id)d: %(url)s (%(events)s)")
            % {"id": subscription.pk, "url": subscription.url, "events": ", ".join(subscription.events)}
        )
        if made:
            self.stdout.write(_("secret (shown once): %(secret)s") % {"secret": secret_used})

    def _list(self, *, json: bool, **options):
        rows = []
        for s in Subscription.objects.order_by("pk"):
            states = dict.fromkeys(Delivery.State.values, 0)
            for state in s.deliveries.values_list("state", flat=True):
                states[state] += 1
            rows.append(
                {"id": s.pk, "name": s.name, "url": s.url, "events": s.events, "active": s.active, **states}
            )
        if json:
            self.stdout.write(_json({"subscriptions": rows}))
            return
        for r in rows:
            self.stdout.write(
                _(
                    "%(id)d: %(url)s [%(state)s] %(events)s: "
                    "%(pending)d waiting, %(delivered)d delivered, %(failed)d given up"
                )
                % {**r, "state": _("active") if r["active"] else _("paused"), "events": ",".join(r["events"])}
            )

    def _test(self, *, id, **options):
        subscription = Subscription.objects.filter(pk=int(id) if str(id).isdigit() else 0).first()
        if subscription is None:
            raise bad_input(_("unknown subscription: %(id)s") % {"id": id})
        attempt = services.send_test_event(actor=None, subscription=subscription)
        if not attempt.ok:
            if attempt.status_code:
                raise not_done(_("not delivered: status %(status)d") % {"status": attempt.status_code})
            raise not_done(
                _("not delivered: %(error)s") % {"error": attempt.get_error_display() or attempt.error}
            )
        self.stdout.write(
            _("delivered: status %(status)d in %(ms)d ms")
            % {"status": attempt.status_code, "ms": attempt.duration_ms}
        )

    def _resume(self, **options):
        resumed = delivery.resume_lost(grace=timedelta(0), ignore_claims=True)
        self.stdout.write(
            _("queued %(count)d events again") % {"count": len(resumed)}
            if resumed
            else _("no event to queue again")
        )

    def _deliver(self, **options):
        attempts = delivery.deliver_due(ignore_claims=True)
        ok = sum(1 for a in attempts if a.ok)
        self.stdout.write(
            _("attempted %(count)d: %(ok)d delivered, %(retry)d to retry")
            % {"count": len(attempts), "ok": ok, "retry": len(attempts) - ok}
        )


def _json(data) -> str:
    return json.dumps(data)
