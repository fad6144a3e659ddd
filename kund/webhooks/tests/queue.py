"""The database task queue, worked in this process: what `kund db_worker` does with each task that is due,
without its loop (which closes the database connection between tasks, and so a test's transaction).
With `timezone.now` moved on, tasks queued with a later `run_after` become due."""

from datetime import UTC, datetime, timedelta

from django.test import TestCase
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_queue(*, limit: int = 1000, counting: str = "") -> int:
    """Run every task that is due, the ones they queue included, in the queue's order. Returns how many
    ran of those whose path starts with `counting` (every task by default: an erasure also queues the
    search index's compaction on SQLite); a task that fails fails the test."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-test",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        result = DBTaskResult.objects.ready().first()
        if result is None:
            return ran
        result.claim(worker.worker_id)
        # A test's own transaction never commits: run what a task leaves for after its commit (the next
        # attempt it queues) as a real commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            worker.run_task(result)
        result.refresh_from_db()
        if result.status == TaskResultStatus.FAILED:
            raise AssertionError(f"task {result.task_path} failed:\n{result.traceback}")
        ran += result.task_path.startswith(counting)
    raise AssertionError(f"more than {limit} tasks: a task that queues itself at once?")


class Clock:
    """timezone.now, moved on by hand: no test waits for a pause to pass."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)
