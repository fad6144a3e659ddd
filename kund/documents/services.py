"""Adding and removing a customer's documents (SPEC §3 "documents (uploaded files)", R-9's upload and
"delete uploaded files" rights, asked by the views), each in the card's change history (R-4). A document
is stored under a random name (kund.core.files); its original name — often the customer's — is never
kept, only its extension. The file goes with its row when the row is deleted
(kund.core.files.remove_files_with_rows)."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kund.audit.models import ChangeRecord
from kund.audit.services import record_event
from kund.documents.models import Document

logger = logging.getLogger(__name__)


def max_document_bytes() -> int:
    return getattr(settings, "KUND_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)


def check_document(upload) -> None:
    """A ValidationError that says why an upload cannot be a document: empty, or too large."""
    if upload is None or not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_document_bytes():
        raise ValidationError(
            _("The file is too large: at most %(mb)d MB.") % {"mb": max_document_bytes() // (1024 * 1024)},
            code="too_large",
        )


@transaction.atomic
def document_upload(*, customer, actor, title: str, upload) -> Document:
    check_document(upload)
    document = Document(customer=customer, title=title.strip(), uploaded_by=actor)
    document.file.save(upload.name, upload, save=True)
    record_document(document, actor=actor, added=True)
    logger.info("document %s added to customer id %s", document.pk, customer.pk)
    return document


@transaction.atomic
def document_delete(*, document: Document, actor) -> None:
    logger.info("document %s of customer id %s deleted", document.pk, document.customer_id)
    record_document(document, actor=actor, added=False)
    document.delete()


def record_document(document: Document, *, actor, added: bool) -> None:
    """The card's history (R-4) of a document added or deleted, by any door (the card, the admin). It is
    named by its reference only: a title may name someone, and a deleted document's title must not
    outlive it in the history."""
    event = ChangeRecord.Event.DOCUMENT_ADDED if added else ChangeRecord.Event.DOCUMENT_DELETED
    old, new = ("", document.ref) if added else (document.ref, "")
    record_event(customer=document.customer, actor=actor, event=event, field="document", old=old, new=new)
