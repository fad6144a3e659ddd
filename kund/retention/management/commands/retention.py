import json
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.core.cli import KundCommand, bad_input, not_done, os_error_text
from kund.customers.models import Customer
from kund.privacy import mass
from kund.retention import selectors, services
from kund.retention.models import RetentionRule, RetentionRun


class Command(KundCommand):
    help = (
        "Retention rules (SPEC B-6). `run` runs the due rules and clears the legal copies past their "
        "bookkeeping period — for cron or a systemd timer; `--dry-run` shows what every rule would catch "
        "and changes nothing. `add` and `list` manage the rules; `schedule` queues the worker's daily run."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{run,add,list,schedule}")
        run = actions.add_parser("run", help="run the due rules (each first writes its report)")
        run.add_argument(
            "--dry-run", action="store_true", help="what every enabled rule would catch; no change"
        )
        run.add_argument(
            "--all", action="store_true", dest="every", help="run every enabled rule, due or not"
        )
        run.add_argument("--json", action="store_true", help='print {"rules": [...]} with the counts')
        run.add_argument("--report-dir", help="also write each rule's two review lists (CSV) here")
        add = actions.add_parser("add", help="define a rule")
        add.add_argument("name")
        # Checked by the service, not argparse: a bad value is then one line and exit status 2 (SPEC §8).
        add.add_argument("--criteria", help=f"one of: {', '.join(RetentionRule.Criteria.values)}")
        add.add_argument("--years", help="N of the criteria, 1 to 100")
        add.add_argument("--kind", default="", help=f"{', '.join(Customer.Kind.values)} (default: both)")
        add.add_argument("--status", default="", help=f"{', '.join(Customer.Status.values)} (default: both)")
        add.add_argument(
            "--mode", default=RetentionRule.Mode.REPORT, help=", ".join(RetentionRule.Mode.values)
        )
        add.add_argument(
            "--limit", help="at most this many to erase per run (default: the register's setting)"
        )
        listing = actions.add_parser("list", help="the rules")
        listing.add_argument("--json", action="store_true")
        actions.add_parser("schedule", help="queue the worker's daily run (run when the workers start)")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    # --- run ----------------------------------------------------------------------------------------

    def _run(self, *, dry_run, every, report_dir, **options):
        now = timezone.now()
        results = services.run_rules(now=now, dry_run=dry_run, every=every)
        written = (
            self._write_lists(results, now=now, report_dir=report_dir, dry_run=dry_run) if report_dir else []
        )
        if options["json"]:
            self.stdout.write(json.dumps({"rules": results, "dry_run": dry_run, "lists": written}))
        else:
            for r in results:
                self.stdout.write(_result_line(r))
            for path in written:
                self.stdout.write(_("written: %(path)s") % {"path": path})
        failed = [r["name"] for r in results if r.get("error")]
        if failed:
            raise not_done(_("the erasure of these rules failed: %(rules)s") % {"rules": ", ".join(failed)})

    def _write_lists(self, results, *, now, report_dir, dry_run) -> list[str]:
        directory = Path(report_dir)
        reader = _reader()
        written = []
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for r in results:
                if r.get("builtin"):
                    continue
                if dry_run:
                    rule = RetentionRule.objects.get(name=r["name"])
                    rows = selectors.verify_rule(rule, on=timezone.localdate(now)).rows
                else:
                    rows = services.report_rows(RetentionRun.objects.get(pk=r["report"]))
                if not rows:
                    continue
                to_erase, ignored = mass.csv_lists(rows, reader=reader)
                stem = f"retention-{_slug(r['name'])}-{timezone.localdate(now).isoformat()}"
                for suffix, text in (("to-erase", to_erase), ("ignored", ignored)):
                    path = directory / f"{stem}-{suffix}.csv"
                    path.write_text(text, encoding="utf-8")
                    written.append(str(path))
        except OSError as exc:
            raise bad_input(
                _("cannot write the lists to --report-dir: %(error)s") % {"error": os_error_text(exc)}
            ) from None
        return written

    # --- rules --------------------------------------------------------------------------------------

    def _add(self, *, name, criteria, years, kind, status, mode, limit, **options):
        if not criteria or not years:
            raise bad_input(_("--criteria and --years are required"))
        data = {"name": name, "criteria": criteria, "years": _whole(years, "--years"), "kind": kind}
        data.update(status=status, mode=mode, limit=_whole(limit, "--limit") if limit else None)
        try:
            rule = services.rule_save(actor=None, data=data)
        except ValidationError as exc:
            raise bad_input("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(
            _("rule %(id)d: %(name)s (%(mode)s)")
            % {"id": rule.pk, "name": rule.name, "mode": rule.get_mode_display()}
        )

    def _list(self, **options):
        defined = list(RetentionRule.objects.order_by("name"))
        rules = [
            {
                "id": r.pk,
                "name": r.name,
                "criteria": r.criteria,
                "years": r.years,
                "kind": r.kind,
                "status": r.status,
                "mode": r.mode,
                "limit": r.limit,
                "enabled": r.enabled,
                "next_run_at": r.next_run_at.isoformat() if r.next_run_at else None,
            }
            for r in defined
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"rules": rules}))
            return
        for r in defined:
            self.stdout.write(
                _("%(id)d: %(name)s: %(criteria)s (N = %(years)d); %(mode)s")
                % {
                    "id": r.pk,
                    "name": r.name,
                    "criteria": r.get_criteria_display(),
                    "years": r.years,
                    "mode": r.get_mode_display(),
                }
            )

    def _schedule(self, **options):
        slot = services.ensure_scheduled()
        if slot is None:
            self.stdout.write(
                _("the task backend cannot schedule; run `kund retention run` from cron instead")
            )
        else:
            self.stdout.write(
                _("the daily retention run is queued for %(when)s")
                % {"when": f"{timezone.localtime(slot):%Y-%m-%d %H:%M}"}
            )


def _result_line(r: dict) -> str:
    """One rule's run in a line of the command's language."""
    if r.get("builtin"):
        if "cleared" in r:
            return _(
                "legal copies after the bookkeeping period: %(count)d past their period, cleared %(cleared)d"
            ) % {
                "count": r["legal_copies"],
                "cleared": r["cleared"],
            }
        return _("legal copies after the bookkeeping period: %(count)d past their period") % {
            "count": r["legal_copies"]
        }
    line = (
        _("%(name)s: selected %(selected)d: delete %(delete)d, anonymize %(anonymize)d, ignored %(ignored)d")
        % r
    )
    if "job" in r:
        line += " — " + _("erased: deleted %(deleted)d, anonymized %(anonymized)d, failed %(failed)d") % r
    elif "state" in r:
        line += f" — {RetentionRun.State(r['state']).label}"
    return line


def _whole(value: str, option: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_input(
            _("bad %(option)s %(value)r: use a whole number") % {"option": option, "value": value}
        ) from None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "rule"


def _reader():
    """Whose rights decide whether the review lists name the customers: the first active superuser (the
    operator's), or nobody, and the lists give numbers only."""
    return get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
