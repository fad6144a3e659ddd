"""What erasure jobs need from the task queue (django-tasks, with django-tasks-db's database backend in
production): tasks that take a job's id and nothing else, a task that waits to look at a job again, and
the truth about tasks whose worker died.

A job's tasks are interchangeable: each erases one chunk of the job (kund.privacy.runner.run_job) and, if
chunks are left that nobody has claimed, enqueues one task to take its place; so a job keeps as many tasks
going as it started with (one per chunk, at most MAX_TASKS_PER_JOB) until it is done, and a worker asked to
stop stops after its chunk. The job row remembers the id of the task enqueued last (`task_result_id`).
"""

import logging
import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from kund.privacy.models import ErasureJob

logger = logging.getLogger(__name__)

# Tasks enqueued at once for a job at most: the most workers that can share one job from its start.
MAX_TASKS_PER_JOB = 64


class WorkerLost(Exception):
    """Recorded on a task result whose worker died while running it."""


def enqueue(job_id: int, *, tasks: int = 1) -> None:
    """Enqueue `tasks` tasks for the job, one for each worker that may share it, now. Call after the
    transaction that made the job runnable has committed (transaction.on_commit)."""
    from kund.privacy.tasks import run_erasure_job

    last = None
    for _ in range(max(1, min(tasks, MAX_TASKS_PER_JOB))):
        last = run_erasure_job.enqueue(job_id)
    ErasureJob.objects.filter(pk=job_id).update(task_result_id=str(last.id))


def enqueue_on_commit(job_id: int, *, tasks: int = 1) -> None:
    transaction.on_commit(lambda: enqueue(job_id, tasks=tasks))


def _in_database_queue(task_result_id: str):
    """The task's row in the database queue (a queryset), or None for a task of another backend."""
    from django_tasks_db.models import DBTaskResult

    try:
        uuid.UUID(task_result_id)
    except ValueError:
        return None
    return DBTaskResult.objects.filter(pk=task_result_id)


def task_waiting(job: ErasureJob, *, by: datetime | None = None) -> bool:
    """Whether the job's last task still waits in the database queue (a worker will pick it up), and, given
    `by`, will be run by then."""
    queued = _in_database_queue(job.task_result_id)
    if queued is None:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import get_date_max

    waiting = queued.filter(status=TaskResultStatus.READY)
    if by is not None:
        waiting = waiting.filter(Q(run_after__lte=by) | Q(run_after=get_date_max()))
    return waiting.exists()


def look_again_at(job: ErasureJob, when: datetime) -> bool:
    """Make sure a task of the job waits in the queue to run by `when` (the end of the lease of a chunk
    another worker holds): if that worker has died by then, the task takes its chunk over. Inside the
    transaction that holds the job's row lock, so two workers cannot both enqueue one. Returns whether a
    task waits. A backend that cannot defer a task (the tests' immediate one) gets none."""
    if task_waiting(job, by=when):
        return True
    from kund.privacy.tasks import run_erasure_job

    if not run_erasure_job.get_backend().supports_defer:
        logger.info("erasure job %s: the task backend cannot look again later", job.pk)
        return False
    result = run_erasure_job.using(run_after=when).enqueue(job.pk)
    job.task_result_id = str(result.id)
    ErasureJob.objects.filter(pk=job.pk).update(task_result_id=job.task_result_id)
    return True


def release_lost_task(task_result_id: str) -> None:
    """django-tasks-db never takes up again a task left RUNNING by a worker that was killed: mark it failed
    so that the queue tells the truth, once its chunk has been taken over."""
    queued = _in_database_queue(task_result_id)
    if queued is None:
        return
    from django_tasks.base import TaskResultStatus

    lost = queued.filter(status=TaskResultStatus.RUNNING).first()
    if lost is not None:
        lost.set_failed(
            WorkerLost("the worker stopped while running this erasure job; its work was taken over")
        )
