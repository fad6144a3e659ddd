from datetime import timedelta

from django.core.management.base import BaseCommand

from kund.core.cli import bad_input
from kund.privacy.jobs import resume_stale_jobs
from kund.privacy.models import job_lease


class Command(BaseCommand):
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
            seconds = float(stale_after)
        except ValueError:
            seconds = -1
        if seconds < 0:
            raise bad_input(f"bad --stale-after {stale_after!r}: use a number of seconds, 0 or more")
        resumed = resume_stale_jobs(stale_after=timedelta(seconds=seconds))
        if resumed:
            self.stdout.write("resumed erasure jobs: " + ", ".join(str(pk) for pk in resumed))
        else:
            self.stdout.write("no erasure job to resume")
