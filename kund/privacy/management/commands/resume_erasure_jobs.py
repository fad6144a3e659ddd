from datetime import timedelta

from django.utils.translation import gettext as _

from kund.core.cli import KundCommand, bad_input
from kund.privacy.jobs import resume_stale_jobs
from kund.privacy.models import job_lease

MAX_STALE_AFTER = 7 * 24 * 3600  # a week: a job without a sign of life for longer is surely stale


class Command(KundCommand):
    help = (
        "Queue again the erasure jobs whose workers all stopped mid-run (queued or running, without a sign "
        "of life for --stale-after seconds, and no task of theirs waiting). Running workers take over a "
        "lost worker's share by themselves; this is for when none is left, or the queue was emptied. Each "
        "job continues with the customers still pending, and no customer is erased twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            default=str(int(job_lease().total_seconds())),
            help="seconds without progress after which a job's worker is taken to be gone "
            "(0 when no worker is running, e.g. right before starting them; default: %(default)s)",
        )

    def handle(self, *args, stale_after, **options):
        try:
            seconds = float(stale_after[:30])
        except ValueError:
            seconds = -1
        if not 0 <= seconds <= MAX_STALE_AFTER:  # also refuses nan; inf or 1e308 would overflow a timedelta
            raise bad_input(
                _("bad --stale-after %(value)r: use a number of seconds from 0 to %(most)d")
                % {"value": stale_after[:30], "most": MAX_STALE_AFTER}
            )
        resumed = resume_stale_jobs(stale_after=timedelta(seconds=seconds))
        if resumed:
            self.stdout.write(
                _("resumed erasure jobs: %(jobs)s") % {"jobs": ", ".join(str(pk) for pk in resumed)}
            )
        else:
            self.stdout.write(_("no erasure job to resume"))
