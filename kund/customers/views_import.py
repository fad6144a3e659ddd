"""Uploading a customer register in the web interface (SPEC R-8): upload → preview of the first rows with
the column mapping and the full per-row report → import, all or nothing.

The uploaded bytes are kept in the default storage under imports/<uuid> until they are imported or
discarded, and for at most a day; the page names them by that opaque id only (no personal data in URLs),
and the id is remembered in the uploader's session so nobody else can open it.

The file is read and checked once per upload: what the preview page shows (the mapping, the first rows,
the counts and the first errors) is kept beside the upload as imports/<uuid>.json and shown from there
when the page is viewed again, so reloading the page never parses a large file again. It holds no more
personal data than the upload it sits beside, and goes with it. Importing reads and checks the file once
more, since the register may have changed; when that refuses, the kept summary is replaced by the new one.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kund.customers.importing import (
    ImportRefused,
    ImportReport,
    RowError,
    UnreadableFile,
    check_file,
    import_customers,
)

UPLOAD_DIR = "imports"
SESSION_KEY = "kund_customer_imports"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
KEEP_FOR = timedelta(days=1)
ERRORS_SHOWN = 1_000  # the page never lists more; the command line lists them all


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Customer register file"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Windows-1252, separated by , or ;) or XLSX, with a header row."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


@dataclass
class PreviewSummary:
    """What the preview page shows of a checked upload: from the report once, then from its JSON."""

    unreadable: str = ""  # the one-line reason when the file cannot be read at all
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: list[tuple[str, str | None]] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # the first rows of the file
    row_count: int = 0
    bad_rows: int = 0
    errors: list[RowError] = field(default_factory=list)  # at most ERRORS_SHOWN
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.unreadable and not self.error_count

    @property
    def errors_hidden(self) -> int:
        return max(0, self.error_count - len(self.errors))

    @classmethod
    def of_report(cls, report: ImportReport) -> "PreviewSummary":
        parsed = report.parsed
        return cls(
            format=parsed.format,
            encoding=parsed.encoding,
            delimiter=parsed.delimiter,
            headers=list(parsed.headers),
            mapping=list(parsed.mapping),
            rows=parsed.preview(),
            row_count=report.row_count,
            bad_rows=report.bad_rows,
            errors=report.errors[:ERRORS_SHOWN],
            error_count=len(report.errors),
        )

    def to_json(self) -> str:
        data = {**self.__dict__, "errors": [[e.line, e.column, e.reason] for e in self.errors]}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "PreviewSummary":
        data = json.loads(text)
        data["mapping"] = [(header, column) for header, column in data["mapping"]]
        data["rows"] = [(line, cells) for line, cells in data["rows"]]
        data["errors"] = [RowError(line, column, reason) for line, column, reason in data["errors"]]
        return cls(**data)


def _path(upload_id: uuid.UUID) -> str:
    return f"{UPLOAD_DIR}/{upload_id.hex}"


def _summary_path(upload_id: uuid.UUID) -> str:
    return f"{UPLOAD_DIR}/{upload_id.hex}.json"


def _kept_summary(upload_id: uuid.UUID) -> PreviewSummary | None:
    try:
        with default_storage.open(_summary_path(upload_id), "rb") as stored:
            return PreviewSummary.from_json(stored.read().decode("utf-8"))
    except (FileNotFoundError, ValueError, KeyError, TypeError):  # none yet, or not ours to trust
        return None


def _keep_summary(upload_id: uuid.UUID, summary: PreviewSummary) -> None:
    default_storage.delete(_summary_path(upload_id))
    default_storage.save(_summary_path(upload_id), ContentFile(summary.to_json().encode("utf-8")))


def _summarise(data: bytes) -> PreviewSummary:
    try:
        return PreviewSummary.of_report(check_file(data))
    except UnreadableFile as exc:
        return PreviewSummary(unreadable=str(exc))


def _remove_stale_uploads() -> None:
    """Uploads nobody imported or discarded go after a day."""
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - KEEP_FOR
    for name in files:
        try:
            if default_storage.get_modified_time(f"{UPLOAD_DIR}/{name}") < limit:
                default_storage.delete(f"{UPLOAD_DIR}/{name}")
        except (FileNotFoundError, NotImplementedError):
            continue


def _check_own_upload(request: HttpRequest, upload_id: uuid.UUID) -> None:
    if upload_id.hex not in request.session.get(SESSION_KEY, []) or not default_storage.exists(
        _path(upload_id)
    ):
        raise Http404


def _read_upload(upload_id: uuid.UUID) -> bytes:
    try:
        with default_storage.open(_path(upload_id), "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        raise Http404 from None


def _forget(request: HttpRequest, upload_id: uuid.UUID) -> None:
    default_storage.delete(_path(upload_id))
    default_storage.delete(_summary_path(upload_id))
    request.session[SESSION_KEY] = [u for u in request.session.get(SESSION_KEY, []) if u != upload_id.hex]


@login_required
@permission_required("customers.upload_customers", raise_exception=True)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _remove_stale_uploads()
        upload_id = uuid.uuid4()
        default_storage.save(_path(upload_id), ContentFile(form.cleaned_data["file"].read()))
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], upload_id.hex]
        return redirect("customer_import:preview", upload_id=upload_id)
    return render(request, "customers/import/upload.html", {"form": form})


@login_required
@permission_required("customers.upload_customers", raise_exception=True)
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    _check_own_upload(request, upload_id)
    if request.method == "POST":
        if "discard" in request.POST:
            _forget(request, upload_id)
            messages.info(request, _("The uploaded file was discarded; nothing was imported."))
            return redirect("customer_import:upload")
        try:
            report = import_customers(actor=request.user, data=_read_upload(upload_id))
        except UnreadableFile as exc:
            _keep_summary(upload_id, PreviewSummary(unreadable=str(exc)))
            return redirect("customer_import:preview", upload_id=upload_id)
        except ImportRefused as refused:
            # The register changed since the preview (a number was taken): show the new report.
            _keep_summary(upload_id, PreviewSummary.of_report(refused.report))
            return redirect("customer_import:preview", upload_id=upload_id)
        _forget(request, upload_id)
        messages.success(request, _("Imported %(count)d customers.") % {"count": report.imported})
        return redirect("customer_import:upload")

    summary = _kept_summary(upload_id)
    if summary is None:
        summary = _summarise(_read_upload(upload_id))
        _keep_summary(upload_id, summary)
    return render(request, "customers/import/preview.html", {"upload_id": upload_id, "preview": summary})
