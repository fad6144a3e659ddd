"""A customer's uploaded files (documents, credit reports): stored under names nobody can guess, read and
removed only through Django's storage API (so an S3-compatible store is a setting), and handed out only
as attachments, by views that have asked kund.core.rules first. Nothing serves the storage directly."""

import logging
import re
import uuid
from functools import partial
from pathlib import PurePosixPath

from django.db import transaction
from django.db.models.signals import post_delete
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible

logger = logging.getLogger(__name__)

_SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")


def safe_extension(name: str) -> str:
    """The extension of an uploaded file's name (".pdf"), lower-cased, or "" when it is anything but a
    few letters and digits. The rest of the name — often the customer's — is never kept."""
    suffix = PurePosixPath(name or "").suffix.lower()
    return suffix if _SAFE_EXTENSION.fullmatch(suffix) else ""


def random_name(folder: str, original_name: str) -> str:
    """`folder/<32 random hex digits><extension>`: a name that says nothing about the customer and that
    cannot be guessed from another one."""
    return f"{folder}/{uuid.uuid4().hex}{safe_extension(original_name)}"


@deconstructible(path="kund.core.files.RandomName")
class RandomName:
    """`upload_to` for a FileField: every upload is stored under a random_name() in `folder`."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return random_name(self.folder, filename)

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def attachment(field_file, *, filename: str, content_type: str | None = None) -> FileResponse:
    """A download of a stored file, streamed from its storage: always an attachment under `filename` (a
    neutral name such as "DOC-12.pdf", never the customer's), never cached, never sniffed into something
    a browser would run. A file missing from the storage is a 404, like an unknown one."""
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- files go with their rows ---------------------------------------------------------------------------


def _delete_stored(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("could not remove a deleted record's file (storage error)")


def _remove_files_of(sender, instance, using, *, field_names: tuple[str, ...], **kwargs) -> None:
    for field_name in field_names:
        field_file = getattr(instance, field_name)
        if field_file.name:
            # After the commit: a rolled-back delete keeps its row, so it must keep its file too.
            transaction.on_commit(partial(_delete_stored, field_file.storage, field_file.name), using=using)


def remove_files_with_rows(model, *field_names: str) -> None:
    """When a row of `model` is deleted through Django's ORM — a queryset's or an object's delete(), a
    cascade from the customer, the admin's delete page and its "delete selected" action — its files in
    `field_names` are removed from their storage once the transaction has committed.

    The erasure engine (kund.privacy.services) deletes with plain SQL statements, which send no signals:
    it removes the files of the rows it deletes itself, in one pass, and reports its own storage errors.
    """
    post_delete.connect(
        partial(_remove_files_of, field_names=field_names),
        sender=model,
        weak=False,
        dispatch_uid=f"kund-remove-files-{model._meta.label_lower}",
    )
