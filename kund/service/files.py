"""Photos and files sent with fault reports: what may be uploaded, and how one is handed out.

An upload is accepted by what its first bytes say it is, never by the name or type the browser gives:
a JPEG, PNG, WebP or HEIC photo, or a PDF. It is stored under a random name with that type's extension
(kund.service.models.fault_file_name) through Django's storage, and downloaded only through views that
have asked who may see it — always as an attachment under a neutral name, never cached, never sniffed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

from kund.core.files import attachment as core_attachment

# content type -> extension, for the kinds of file a fault report takes
ACCEPTED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
}


def max_upload_bytes() -> int:
    return getattr(settings, "KUND_FAULT_FILE_MAX_BYTES", 10 * 1024 * 1024)


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, among ACCEPTED, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def extension_for(content_type: str) -> str:
    return ACCEPTED.get(content_type, "")


def check_upload(upload) -> str:
    """The accepted content type of an uploaded file, or a ValidationError that says why not."""
    if upload.size > max_upload_bytes():
        raise ValidationError(
            _("The file is too large: at most %(mb)d MB.") % {"mb": max_upload_bytes() // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(_("Send a photo (JPEG, PNG, WebP or HEIC) or a PDF file."), code="not_accepted")
    return content_type


def attachment(record, *, filename: str) -> FileResponse:
    """A stored file, streamed from its storage as an attachment under `filename` with the type it was
    accepted as (kund.core.files.attachment). Missing: a 404."""
    return core_attachment(record.file, filename=filename, content_type=record.content_type or None)
