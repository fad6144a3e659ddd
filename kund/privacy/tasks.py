"""Background tasks of the erasure engine. Thin: a task takes the job's id, nothing personal, and calls the
job runner (STYLE trait 4)."""

from django_tasks import task

from kund.privacy import jobs


@task()
def run_erasure_job(job_id: int) -> None:
    jobs.run_job(job_id=job_id)
