"""Uploading a customer register in the web interface (SPEC R-8): upload → preview of the first rows with
the column mapping and the full per-row report → import, all or nothing.

The uploaded bytes are kept in the default storage under imports/<uuid> until they are imported or
discarded, and for at most a day; the page names them by that opaque id only (no personal data in URLs),
and the id is remembered in the uploader's session so nobody else can open it.
"""

import uuid
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

from kund.customers.importing import ImportRefused, UnreadableFile, check_file, import_customers

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


def _path(upload_id: uuid.UUID) -> str:
    return f"{UPLOAD_DIR}/{upload_id.hex}"


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


def _own_upload(request: HttpRequest, upload_id: uuid.UUID) -> bytes:
    if upload_id.hex not in request.session.get(SESSION_KEY, []):
        raise Http404
    try:
        with default_storage.open(_path(upload_id), "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        raise Http404 from None


def _forget(request: HttpRequest, upload_id: uuid.UUID) -> None:
    default_storage.delete(_path(upload_id))
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
    data = _own_upload(request, upload_id)
    if request.method == "POST":
        if "discard" in request.POST:
            _forget(request, upload_id)
            messages.info(request, _("The uploaded file was discarded; nothing was imported."))
            return redirect("customer_import:upload")
        try:
            report = import_customers(actor=request.user, data=data)
        except (UnreadableFile, ImportRefused):
            # The register changed since the preview (a number was taken): show the report again.
            return redirect("customer_import:preview", upload_id=upload_id)
        _forget(request, upload_id)
        messages.success(request, _("Imported %(count)d customers.") % {"count": report.imported})
        return redirect("customer_import:upload")

    context = {"upload_id": upload_id}
    try:
        report = check_file(data)
    except UnreadableFile as exc:
        context["unreadable"] = str(exc)
    else:
        context.update(
            report=report,
            parsed=report.parsed,
            preview_rows=report.parsed.preview(),
            errors=report.errors[:ERRORS_SHOWN],
            errors_hidden=max(0, len(report.errors) - ERRORS_SHOWN),
        )
    return render(request, "customers/import/preview.html", context)
