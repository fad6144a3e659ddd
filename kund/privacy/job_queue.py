"""What erasure jobs need from the task queue (django-tasks, with django-tasks-db's database backend in
production): tasks that take a job's id and nothing else, a task that waits to look at a job again, and
the truth about tasks whose worker died.

A job's tasks are interchangeable: each runs `kund.privacy.runner.run_job`, which claims the job's chunks
one after another until none is left to claim. The job row remembers the id of the task enqueued last
(`task_result_id`); while that task still waits in the queue, some worker will look at the job again.
"""

import logging
from datetime import datetime

from django.db import transaction

from kund.privacy.models import ErasureJob

logger = logging.getLogger(__name__)

# Tasks enqueued for a job at most: each one loops over the job's chunks, so more tasks than workers only
# add tasks that find nothing left to do.
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


def task_waiting(job: ErasureJob) -> bool:
    """Whether the job's last task still waits in the database queue (a worker will pick it up)."""
    if not job.task_result_id:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(pk=job.task_result_id, status=TaskResultStatus.READY).exists()


def look_again_at(job: ErasureJob, when: datetime) -> bool:
    """Make sure a task of the job waits in the queue to run at `when` (the end of the lease of a chunk
    another worker holds): if that worker has died by then, the task takes its chunk over. Inside the
    transaction that holds the job's row lock, so two workers cannot both enqueue one. Returns whether a
    task waits. A backend that cannot defer a task (the tests' immediate one) gets none."""
    if task_waiting(job):
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
    if not task_result_id:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    lost = DBTaskResult.objects.filter(pk=task_result_id, status=TaskResultStatus.RUNNING).first()
    if lost is not None:
        lost.set_failed(
            WorkerLost("the worker stopped while running this erasure job; its work was taken over")
        )
