import json
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.core.bounds import EARLIEST_DATE, LATEST_DATE, date_in_range, whole_number
from kund.core.cli import KundCommand, acting_user, bad_input, not_done, os_error_text
from kund.privacy import jobs, mass, reasons
from kund.privacy.models import ErasureJob

CRITERIA = [c.value for c in ErasureJob.Criteria]
# The most customers one run may take (unless the register's own limit is higher): a run is reviewed
# customer by customer before it starts (M-4), and every id of it is held in one job.
MAX_LIMIT = 100_000


class Command(KundCommand):
    help = (
        "Delete or anonymize, by date criteria, private customers (or, with --criteria prospects, "
        "prospects) who are not anonymized yet, oldest first (SPEC §5). --dry-run shows what would "
        "happen; --yes does it, which cannot be undone."
    )

    def add_arguments(self, parser):
        # Required, but checked in handle(): a missing one is then one line and exit status 2 (SPEC §8),
        # where argparse would print its usage as well.
        parser.add_argument("--criteria", help=f"required; one of: {', '.join(CRITERIA)}")
        parser.add_argument("--through", help="the last day included, YYYY-MM-DD (or --years)")
        parser.add_argument(
            "--years",
            help="instead of --through: older than N years, counted back from today (as the web form's)",
        )
        parser.add_argument("--limit", help="at most this many customers (default: the register's setting)")
        parser.add_argument("--dry-run", action="store_true", help="show the verification, erase nothing")
        parser.add_argument("--yes", action="store_true", help="confirm: erase, which cannot be undone")
        parser.add_argument(
            "--report-dir",
            help="with --dry-run: write the two review lists (CSV) here, and where the person is in the kept "
            "text of those to anonymize (residue, B-5)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object with the counts")
        parser.add_argument("--as", dest="username", help="the acting user (needs the mass-erasure right)")

    def handle(self, *args, criteria, through, years, limit, dry_run, yes, report_dir, username, **options):
        criteria, through, limit = self._parse(criteria, through, years, limit)
        if years is not None:  # the date it stands for, as the web page says it
            self.stderr.write(
                _("Older than %(years)d years: customers through %(through)s.")
                % {"years": int(years), "through": through.isoformat()}
            )
        if not (yes or dry_run):
            raise bad_input(_("nothing done: add --dry-run to see what would be erased, or --yes to erase"))
        actor = acting_user(username)
        try:
            jobs.require_mass_erasure(actor)
        except PermissionDenied:
            raise not_done(
                _("user %(username)s does not have the mass-erasure right")
                % {"username": actor.get_username()}
            ) from None
        except jobs.JobRefused as exc:
            raise not_done(str(exc)) from None

        if mass.is_recent(through):
            self.stderr.write(
                _(
                    "warning: the date lies within the last year; recently created or recently buying "
                    "customers may be caught (M-3)"
                )
            )
        if dry_run:
            self._dry_run(actor, criteria, through, limit, report_dir, as_json=options["json"])
        else:
            self._run(actor, criteria, through, limit, as_json=options["json"])

    def _parse(
        self, criteria: str | None, through: str | None, years: str | None, limit: str | None
    ) -> tuple[str, date, int]:
        if criteria is None or (through is None and years is None):
            raise bad_input(_("--criteria and --through (or --years) are required"))
        if through is not None and years is not None:
            raise bad_input(_("give either --through or --years, not both"))
        if criteria not in CRITERIA:
            raise bad_input(
                _("bad --criteria %(value)r: use one of %(choices)s")
                % {"value": criteria, "choices": ", ".join(CRITERIA)}
            )
        if years is not None:
            count = whole_number(years, minimum=1, maximum=mass.MAX_YEARS)
            if count is None:
                raise bad_input(
                    _("bad --years %(value)r: use a whole number from 1 to %(most)d")
                    % {"value": years[:30], "most": mass.MAX_YEARS}
                )
            through = mass.years_before(timezone.localdate(), count).isoformat()
        try:
            day = date.fromisoformat(through)
        except ValueError:
            raise bad_input(_("bad --through date %(value)r: use YYYY-MM-DD") % {"value": through}) from None
        if not date_in_range(day):
            raise bad_input(
                _("bad --through date %(value)r: use a date from %(first)s to %(last)s")
                % {"value": through, "first": EARLIEST_DATE, "last": LATEST_DATE}
            )
        if limit is None:
            return criteria, day, mass.default_limit()
        most = max(MAX_LIMIT, mass.default_limit())
        number = whole_number(limit, minimum=1, maximum=most)
        if number is None:
            raise bad_input(
                _("bad --limit %(value)r: use a whole number from 1 to %(most)d")
                % {"value": limit[:30], "most": most}
            )
        return criteria, day, number

    def _dry_run(self, actor, criteria, through, limit, report_dir, *, as_json: bool) -> None:
        verification = mass.verify(criteria=criteria, through=through, limit=limit)
        counts = verification.counts()
        # B-5: findings of the person in kept text the anonymizations would redact (where: the CSV).
        counts["residue"] = sum(row.residue or 0 for row in verification.rows if row.action == "anonymize")
        written = []
        if report_dir and verification.rows:
            directory = Path(report_dir)
            try:
                directory.mkdir(parents=True, exist_ok=True)
                to_erase, ignored = mass.csv_lists(verification.rows, reader=actor)
                residue = mass.residue_sheet([row for row in verification.rows if row.residue]).csv()
                stem = f"mass-erasure-{criteria}-{through.isoformat()}"
                for suffix, text in (("to-erase", to_erase), ("ignored", ignored), ("residue", residue)):
                    path = directory / f"{stem}-{suffix}.csv"
                    path.write_text(text, encoding="utf-8")
                    written.append(str(path))
            except OSError as exc:
                raise bad_input(
                    _("cannot write the lists to --report-dir: %(error)s") % {"error": os_error_text(exc)}
                ) from None
        if as_json:
            self.stdout.write(json.dumps({**counts, "dry_run": True, "lists": written}))
        else:
            self.stdout.write(self._counts_line(counts))
            for path in written:
                self.stdout.write(_("written: %(path)s") % {"path": path})
        if not verification.rows:
            raise not_done(_("nothing selected: no customer meets the criteria"))

    def _run(self, actor, criteria, through, limit, *, as_json: bool) -> None:
        try:
            job = jobs.plan_mass_job(actor=actor, criteria=criteria, through=through, limit=limit)
        except jobs.NothingSelected:
            if as_json:
                self.stdout.write(json.dumps({"selected": 0, "ignored": 0, "delete": 0, "anonymize": 0}))
            raise not_done(_("nothing selected: no customer meets the criteria")) from None
        planned = {
            "selected": job.total,
            "ignored": job.planned_ignored,
            "delete": job.planned_delete,
            "anonymize": job.planned_anonymize,
        }
        if not as_json:
            self.stdout.write(self._counts_line(planned))
        # The command line does the work itself, in this process, as the same job a worker would run (if
        # this process dies, `kund resume_erasure_jobs` hands what is left to the worker).
        jobs.start_job(actor=actor, job=job, enqueue=False)
        bar = _ProgressBar(self.stdout) if (not as_json and self.stdout.isatty()) else None
        job = jobs.run_job(job_id=job.pk, on_progress=bar.update if bar else None) or job
        job.refresh_from_db()
        if bar:
            bar.close()
        result = {"deleted": job.deleted, "anonymized": job.anonymized, "failed": job.failed}
        if as_json:
            self.stdout.write(json.dumps({**planned, **result, "ignored": job.ignored, "job": job.pk}))
        else:
            self.stdout.write(
                _(
                    "done (job %(job)d): deleted %(deleted)d, anonymized %(anonymized)d, "
                    "ignored %(ignored)d, failed %(failed)d"
                )
                % {
                    "job": job.pk,
                    "deleted": job.deleted,
                    "anonymized": job.anonymized,
                    "ignored": job.ignored,
                    "failed": job.failed,
                }
            )
            for item in job.items.filter(result="failed").order_by("pk")[:50]:
                self.stdout.write(
                    "  "
                    + _("failed: %(number)s: %(reason)s")
                    % {"number": item.customer_number, "reason": reasons.describe(item.reason)}
                )

    @staticmethod
    def _counts_line(counts: dict) -> str:
        line = (
            _("selected %(selected)d: delete %(delete)d, anonymize %(anonymize)d, ignored %(ignored)d")
            % counts
        )
        if counts.get("residue"):
            line += "; " + _("findings of the person in kept text to redact: %(count)d") % {
                "count": counts["residue"]
            }
        return line


class _ProgressBar:
    """A one-line progress bar, redrawn in place; only on a terminal."""

    WIDTH = 40

    def __init__(self, stream):
        self.stream = stream

    def update(self, job: ErasureJob) -> None:
        filled = self.WIDTH * job.percent // 100
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {job.processed}/{job.total}", ending="")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("")
