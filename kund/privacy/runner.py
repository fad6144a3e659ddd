"""Running erasure jobs: one job shared by every worker, each customer erased exactly once.

The first worker to run a job cuts its pending customers into chunks (ErasureJobChunk: a range of the
job's items, in their order). Every worker then loops:

1. claim a chunk — a pending one, or a running one whose lease is over because its worker died — with
   SELECT … FOR UPDATE SKIP LOCKED, so that two workers never take the same chunk nor wait for each other;
2. hand the chunk's still-pending customers to the erasure engine
   (kund.privacy.services.erase_customers) as one engine chunk: in its transaction the customers are
   erased, their erasure-log rows appended and each item's result recorded and added to the job's
   counts, together or not at all;
3. mark the chunk done, with who did it and how long it took; claim the next.

A worker killed at any instant therefore leaves every customer erased and recorded, or untouched and
pending. Its chunk stays claimed until the lease runs out (settings.KUND_ERASURE_JOB_LEASE_SECONDS), then
the other workers take it over: a worker that finds nothing left to claim either finishes the job (every
chunk done) or, while chunks are held by others, makes sure a task of the job waits in the queue until
their leases end (kund.privacy.job_queue.look_again_at). No person has to resume the job.

On SQLite, which has one writer at a time and no SKIP LOCKED, the same code takes a job's chunks one at a
time: a worker claims a chunk only while no other chunk of the job is running.
"""

import logging
import math
import os
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Min, Q, Value
from django.db.models.functions import Now
from django.utils import timezone

from kund.audit import erasure_log
from kund.audit.models import ErasureLogEntry
from kund.privacy import job_queue
from kund.privacy.models import ErasureJob, ErasureJobChunk, ErasureJobItem, job_lease
from kund.privacy.services import CHUNK_SIZE, Outcome, erase_customers

logger = logging.getLogger(__name__)

State = ErasureJob.State
Result = ErasureJobItem.Result
Chunk = ErasureJobChunk.State
ACTIVE = (State.QUEUED, State.RUNNING)


def worker_name() -> str:
    """This process, as a chunk records its worker: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def chunk_size(total: int) -> int:
    """About ten steps of progress for a small run (a web run of 500: chunks of 50); the engine's own
    chunk from ten of them up, where a smaller one would only cost throughput. Never more than
    settings.KUND_ERASURE_CHUNK_SIZE."""
    size = max(50, min(CHUNK_SIZE, math.ceil(total / 10)))
    return min(size, settings.KUND_ERASURE_CHUNK_SIZE or size)


def expected_chunks(job: ErasureJob) -> int:
    """How many chunks the job's pending customers make (to know how many workers it can keep busy)."""
    if job.chunks.exists():
        return job.chunks.exclude(state=Chunk.DONE).count()
    pending = job.total - job.processed
    return max(1, math.ceil(pending / chunk_size(job.total)))


def _shares_writes() -> bool:
    """Whether two transactions of this database may erase at once (PostgreSQL); SQLite has one writer."""
    return connection.features.has_select_for_update_skip_locked


# --- recording outcomes ------------------------------------------------------------------------------


def _settle(job_id: int, outcomes: list[Outcome]) -> None:
    """Move the outcomes' pending items to their result. Only pending items change, so an outcome can
    never be recorded twice. Called inside the erasure's transaction."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.result, outcome.reason[:500])].append(outcome.customer_id)
    for (result, reason), ids in groups.items():
        ErasureJobItem.objects.filter(job_id=job_id, result=Result.PENDING, customer_id__in=ids).update(
            result=result, reason=reason
        )


def _results(chunk: ErasureJobChunk) -> Counter:
    """How many of the chunk's items have each result."""
    items = ErasureJobItem.objects.filter(job_id=chunk.job_id, pk__range=(chunk.first_item, chunk.last_item))
    return Counter(dict(items.values_list("result").annotate(n=Count("pk")).order_by()))


def _count(job_id: int, changed: Counter) -> None:
    """Add what a chunk settled to the job's counts, after its transactions committed. Not inside them:
    every chunk would then lock the job's row until its commit, one chunk after the other. A worker that
    dies between the two leaves the counts short until the next recount (when its chunk is taken over,
    on resume, at the job's end)."""
    settled = {
        result: changed[result]
        for result in (Result.DELETED, Result.ANONYMIZED, Result.IGNORED, Result.FAILED)
    }
    ErasureJob.objects.filter(pk=job_id).update(
        processed=F("processed") + sum(settled.values()),
        **{result: F(result) + n for result, n in settled.items()},
        heartbeat_at=timezone.now(),
    )


def settle_from_log(job: ErasureJob) -> int:
    """A pending item whose erasure is in the log under this job was erased: record it so. Cannot happen
    while the items are settled in the erasure's own transaction; kept as the safety net that makes
    exactly-once hold even for an erasure committed without its item (one UPDATE per action). Run when
    a job is cut into chunks and when it is resumed."""
    settled = 0
    for action, result in (("delete", Result.DELETED), ("anonymize", Result.ANONYMIZED)):
        logged = ErasureLogEntry.objects.filter(job_id=job.pk, action=action).values("customer_number")
        settled += ErasureJobItem.objects.filter(
            job=job, result=Result.PENDING, customer_number__in=logged
        ).update(result=result)
    return settled


def recount(job_id: int) -> None:
    counts = dict(
        ErasureJobItem.objects.filter(job_id=job_id).values_list("result").annotate(n=Count("pk")).order_by()
    )
    done = {r: counts.get(r, 0) for r in (Result.DELETED, Result.ANONYMIZED, Result.IGNORED, Result.FAILED)}
    ErasureJob.objects.filter(pk=job_id).update(processed=sum(done.values()), **done)


# --- chunks: cut, claimed, erased --------------------------------------------------------------------


def _batched(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _cut(job: ErasureJob) -> None:
    """Cut the job's pending customers into chunks, in the order of its items. Under the job's row lock,
    once per job (a job whose chunks are all done has nothing pending to cut again)."""
    if settle_from_log(job):
        recount(job.pk)
    pending = job.items.filter(result=Result.PENDING).order_by("pk").values_list("pk", flat=True)
    ErasureJobChunk.objects.bulk_create(
        ErasureJobChunk(job=job, number=number, first_item=ids[0], last_item=ids[-1], size=len(ids))
        for number, ids in enumerate(_batched(pending.iterator(), chunk_size(job.total)), start=1)
    )


def claim_chunk(job_id: int, *, worker: str, task_result_id: str = "") -> ErasureJobChunk | None:
    """Claim the job's next chunk for `worker` under a lease, or None when there is none to claim now (all
    done or held by live workers, or the job is not running). The lease is counted on the database's
    clock, the one clock all machines share."""
    with transaction.atomic():
        job = ErasureJob.objects.filter(pk=job_id, state__in=ACTIVE).first()
        if job is None:
            return None
        if not job.chunks.exists():
            job = ErasureJob.objects.select_for_update().get(pk=job_id)
            if not job.chunks.exists():
                _cut(job)
        chunks = ErasureJobChunk.objects.filter(job_id=job_id)
        if not _shares_writes() and chunks.filter(state=Chunk.RUNNING, lease_until__gte=Now()).exists():
            return None  # SQLite: one chunk of a job at a time
        claimable = chunks.filter(
            Q(state=Chunk.PENDING) | Q(state=Chunk.RUNNING, lease_until__lt=Now())
        ).order_by("number")
        if _shares_writes():
            claimable = claimable.select_for_update(skip_locked=True)
        chunk = claimable.first()
        if chunk is None:
            return None
        lost_task = chunk.task_result_id if chunk.state == Chunk.RUNNING else ""
        lease_end = ExpressionWrapper(Now() + Value(job_lease()), output_field=DateTimeField())
        ErasureJobChunk.objects.filter(pk=chunk.pk).update(
            state=Chunk.RUNNING,
            worker=worker,
            task_result_id=task_result_id,
            attempts=F("attempts") + 1,
            claimed_at=Now(),
            lease_until=lease_end,
        )
        now = timezone.now()
        ErasureJob.objects.filter(pk=job_id, state=State.QUEUED).update(state=State.RUNNING, heartbeat_at=now)
        ErasureJob.objects.filter(pk=job_id, started_at=None).update(started_at=now)
        if chunk.state == Chunk.RUNNING:
            recount(job_id)  # its worker may have died between a commit and adding it to the counts
        if lost_task:
            transaction.on_commit(lambda: job_queue.release_lost_task(lost_task))
    if chunk.state == Chunk.RUNNING:
        logger.warning(
            "erasure job %s: chunk %s taken over from %s, whose lease ran out",
            job_id,
            chunk.number,
            chunk.worker,
        )
    chunk.refresh_from_db()
    return chunk


def run_chunk(chunk: ErasureJobChunk, *, on_progress: Callable[[ErasureJob], None] | None = None) -> None:
    """Erase the chunk's pending customers as one engine chunk, then mark it done."""
    job = ErasureJob.objects.select_related("created_by").get(pk=chunk.job_id)
    ids = list(
        ErasureJobItem.objects.filter(
            job_id=job.pk, pk__range=(chunk.first_item, chunk.last_item), result=Result.PENDING
        )
        .order_by("pk")
        .values_list("customer_id", flat=True)
    )

    before = _results(chunk)

    def after_commit(outcomes: list[Outcome]) -> None:
        # Failures are reported outside any transaction (the engine's retry one by one); settle them
        # here. Everything else was settled inside its chunk's transaction already: what changed is read
        # back, so that a transaction rolled back after recording its outcomes counts for nothing.
        failed = [o for o in outcomes if o.result == "failed"]
        if failed:
            _settle(job.pk, failed)
        _count(job.pk, _results(chunk) - before)
        if on_progress is not None:
            on_progress(ErasureJob.objects.get(pk=job.pk))

    clock = erasure_log.serialized
    waited, held = clock.waited, clock.held
    started = time.perf_counter()
    erase_customers(
        customer_ids=ids,
        actor=job.created_by,
        job_id=job.pk,
        chunk_size=max(1, len(ids)),
        in_transaction=lambda outcomes: _settle(job.pk, outcomes),
        on_chunk=after_commit,
    )
    ErasureJobChunk.objects.filter(pk=chunk.pk).update(
        state=Chunk.DONE,
        finished_at=timezone.now(),
        lease_until=None,
        seconds=time.perf_counter() - started,
        serial_seconds=clock.held - held,
        wait_seconds=clock.waited - waited,
    )


def _release(chunk: ErasureJobChunk) -> None:
    """Give a chunk back at once (its worker stopped it on an error), for whoever resumes the job."""
    ErasureJobChunk.objects.filter(pk=chunk.pk, state=Chunk.RUNNING).update(
        state=Chunk.PENDING, lease_until=None
    )


def finish_or_look_again(
    job_id: int, *, ran_chunk: bool = False, task_result_id: str = ""
) -> ErasureJob | None:
    """After a worker's turn at the job: finish it when every chunk is done. Otherwise, if chunks are left
    that nobody holds and this worker erased one, enqueue a task to take its place; and make sure a task
    looks at the job again when the first lease held by another worker runs out. Only finishing and
    looking again take the job's row lock: while a job is under way, workers pass here without waiting for
    one another."""
    job = ErasureJob.objects.filter(pk=job_id).first()
    if job is None or job.state not in ACTIVE:
        return job
    open_chunks = job.chunks.exclude(state=Chunk.DONE)
    if not open_chunks.exists():
        return _finish(job_id, task_result_id=task_result_id)
    free = open_chunks.filter(Q(state=Chunk.PENDING) | Q(state=Chunk.RUNNING, lease_until__lt=Now()))
    if ran_chunk and free.exists():
        job_queue.enqueue(job.pk)
    lease_end = open_chunks.filter(state=Chunk.RUNNING, lease_until__gte=Now()).aggregate(
        end=Min("lease_until")
    )["end"]
    if lease_end is not None or not ran_chunk:
        with transaction.atomic():
            job = ErasureJob.objects.select_for_update().get(pk=job_id)
            if job.state in ACTIVE:
                job_queue.look_again_at(job, lease_end or timezone.now())
    return job


def watch_active_jobs() -> list[int]:
    """When a machine's workers start (`kund serve`): make sure a task of every queued or running job waits
    in the queue, due when the first lease held by a worker runs out, or at once when none is held. A job
    whose workers all stopped together (the only machine went down) so goes on by itself after a restart;
    a job whose workers are alive gets at most one task more, which finds their chunks held and looks
    again later. Returns the jobs a task waits for."""
    watched = []
    for job_id in ErasureJob.objects.filter(state__in=ACTIVE).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            job = ErasureJob.objects.select_for_update().get(pk=job_id)
            if job.state not in ACTIVE:
                continue
            lease_end = job.chunks.filter(state=Chunk.RUNNING, lease_until__gte=Now()).aggregate(
                end=Min("lease_until")
            )["end"]
            if job_queue.look_again_at(job, lease_end or timezone.now()):
                watched.append(job_id)
    return watched


def _finish(job_id: int, *, task_result_id: str) -> ErasureJob:
    with transaction.atomic():
        job = ErasureJob.objects.select_for_update().get(pk=job_id)
        if job.state not in ACTIVE or job.chunks.exclude(state=Chunk.DONE).exists():
            return job
        recount(job.pk)
        ErasureJob.objects.filter(pk=job.pk).update(state=State.DONE, finished_at=timezone.now())
        # A task that claimed chunks of the job and is still running now either is about to end (its own
        # result then overwrites this) or lost its worker between two chunks: say so in the queue.
        others = set(job.chunks.exclude(task_result_id="").values_list("task_result_id", flat=True))
        for lost in others - {task_result_id}:
            transaction.on_commit(lambda lost=lost: job_queue.release_lost_task(lost))
    job.refresh_from_db()
    logger.info("erasure job %s done", job.pk)
    return job


def run_job(
    *,
    job_id: int,
    on_progress: Callable[[ErasureJob], None] | None = None,
    task_result_id: str = "",
    chunks: int | None = None,
) -> ErasureJob | None:
    """Take part in the job: claim and erase its chunks, at most `chunks` of them (a task: one) or until
    none is left to claim (the command line), then finish the job or leave a task to go on. Safe to call
    any number of times, from any number of processes, and again after a crash: only pending customers
    are erased, each once. Returns the job as it is then, or None when it does not exist."""
    worker = worker_name()
    ran = 0
    while chunks is None or ran < chunks:
        chunk = claim_chunk(job_id, worker=worker, task_result_id=task_result_id)
        if chunk is None:
            break
        try:
            run_chunk(chunk, on_progress=on_progress)
        except Exception as exc:
            logger.exception("erasure job %s failed", job_id)
            _release(chunk)
            ErasureJob.objects.filter(pk=job_id).update(
                state=State.FAILED, error=type(exc).__name__, finished_at=timezone.now()
            )
            raise
        ran += 1
    return finish_or_look_again(job_id, ran_chunk=ran > 0, task_result_id=task_result_id)
