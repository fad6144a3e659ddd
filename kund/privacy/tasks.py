"""Background tasks of the erasure engine. Thin: a task takes the job's id, nothing personal, and calls the
job runner (STYLE trait 4). Each erases one chunk of the job, so a worker asked to stop stops after it;
any number of them may run one job at once, on any number of machines."""

from django_tasks import task

from kund.privacy import runner


@task(takes_context=True)
def run_erasure_job(context, job_id: int) -> None:
    runner.run_job(job_id=job_id, task_result_id=str(context.task_result.id), chunks=1)
