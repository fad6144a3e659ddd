"""Erasure reaches files only through Django's `STORAGES` (SPEC §9): a mass-erasure job run by the job
runner against a second storage backend — in memory, or on the file system in a directory of its own —
reads documents (residue, B-5) and removes the erased customers' files through that storage, and writes
nothing under MEDIA_ROOT."""

from datetime import date

import pytest
from django.core.files.base import ContentFile

from kund.demo.testing.factories import add_owned, add_transactions
from kund.demo.testing.storage import second_storage  # noqa: F401  (the fixture)
from kund.documents.models import Document
from kund.privacy import jobs
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import enable_crm, mass_eraser, private

pytestmark = pytest.mark.django_db


def _document(customer, title: str, name: str, content: bytes) -> Document:
    document = Document(customer=customer, title=title)
    document.file.save(name, ContentFile(content), save=True)
    return document


def test_a_mass_erasure_reads_and_removes_files_only_through_the_storage(
    second_storage,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # given, in the second storage: a customer to delete with a scanned contract and a credit report, and
    # a customer to anonymize with a credit report, a fault-report photo, a scanned contract and a letter
    # that names her (both go with the anonymization, B-5) and a drawing that names nobody
    enable_crm()
    eraser = mass_eraser()
    leaving = private("Gunnar", "Holm", created=date(2015, 2, 1))
    leaving_files = add_owned(leaving)
    staying = private("Astrid", "Berg", created=date(2015, 1, 1))
    staying_files = {**add_owned(staying), **add_transactions(staying, day=date(2016, 3, 1))}
    letter = _document(staying, "Brev", "brev.txt", b"Hej Astrid Berg! Tack for bestallningen.")
    drawing = _document(staying, "Ritning", "ritning.txt", b"Altan 4 x 6 m, order O-1042")
    gone = [
        leaving_files["document"].file.name,
        leaving_files["credit_file"].file.name,
        staying_files["credit_file"].file.name,
        staying_files["fault_photo"].file.name,
        staying_files["document"].file.name,  # a PDF without a text layer: unreadable, so it goes
        letter.file.name,
    ]
    kept = {drawing.file.name}
    storage = second_storage.storage
    assert all(storage.exists(name) for name in [*gone, *kept])
    if second_storage.location is not None:
        assert second_storage.files_on_disk() == {*gone, *kept}

    # when a mass-erasure job takes both, run by the job runner as a worker runs it
    job = jobs.plan_mass_job(actor=eraser, criteria="both", through=date(2020, 1, 1), limit=10)
    jobs.start_job(actor=eraser, job=job, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_job(job_id=job.pk)

    # then one customer was deleted and one anonymized
    job.refresh_from_db()
    assert job.state == ErasureJob.State.DONE and (job.deleted, job.anonymized, job.failed) == (1, 1, 0)
    # and every erased file went through the storage's delete, and is gone from it; the rest is still there
    assert second_storage.names("delete") >= set(gone)
    assert not any(storage.exists(name) for name in gone)
    assert all(storage.exists(name) for name in kept)
    if second_storage.location is not None:
        assert second_storage.files_on_disk() == kept
    # and the documents the residue step read were opened through the storage
    assert {letter.file.name, drawing.file.name} <= second_storage.names("open")
    # and nothing reached MEDIA_ROOT directly
    second_storage.assert_media_root_untouched()
