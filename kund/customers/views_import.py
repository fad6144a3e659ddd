"""Uploading a customer register in the web interface (SPEC R-8): upload → preview of the first rows with
the column mapping and the full per-row report → import, all or nothing.

The uploaded bytes are kept in the default storage under imports/<uuid> until they are imported or
discarded, and for at most a day; the page names them by that opaque id only (no personal data in URLs),
and the id is remembered in the uploader's session so nobody else can open it.

The file is read and checked once per upload: what the preview page shows (the mapping, the first rows,
the counts, the first errors, the changes to existing customers with their old and new values, and the
probable duplicates) is kept beside the upload as imports/<uuid>.json and shown from there when the page
is viewed again, so reloading the page never parses a large file again. Besides what the upload holds it
has the old values of the fields the file changes; it goes with the upload. Importing reads and checks
the file once more, since the register may have changed: when that refuses, or when it would now do
something else than the page showed (ImportReport.plan), nothing is written and the page shows the new
check. The decision on each probable duplicate is taken in the page's form, row by row; importing waits
until every one has its decision.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kund.core import rules
from kund.customers import duplicates as duplicate_matching
from kund.customers.importing import (
    NEW,
    SKIP,
    UPDATE,
    DecisionsNeeded,
    ImportRefused,
    ImportReport,
    RowError,
    UnreadableFile,
    apply_import,
    check_file,
    decide,
)
from kund.customers.models import Customer

UPLOAD_DIR = "imports"
SESSION_KEY = "kund_customer_imports"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
KEEP_FOR = timedelta(days=1)
ERRORS_SHOWN = 1_000  # the page never lists more; the command line lists them all
CHANGES_SHOWN = 1_000  # rows of changes to existing customers listed with their fields
# Each probable duplicate needs its decision in the page's form: past this many, the page cannot take
# them all and sends the user to correct the file or to the command line's --duplicates.
DUPLICATES_SHOWN = 500


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
    new_count: int = 0  # new customers, probable duplicates not counted
    update_count: int = 0  # existing customers the file changes
    unchanged: int = 0  # rows of existing customers that change nothing
    duplicate_count: int = 0
    # [line, customer id, customer number, [[attribute, old, new], …]], at most CHANGES_SHOWN
    updates: list[list] = field(default_factory=list)
    # [line, {"name", "organisation_number", "email"}, [match, …], earlier line, [reason, …]], at most
    # DUPLICATES_SHOWN; a match is {"customer_id", "number", "reasons", "can_update", "changes":
    # [[attribute, old, new], …], "problems"}; the earlier line (0 if none) is a new row of the same file
    # with the same identity number or e-mail
    duplicates: list[list] = field(default_factory=list)
    plan: str = ""  # ImportReport.plan() of the check shown

    @property
    def ok(self) -> bool:
        return not self.unreadable and not self.error_count

    @property
    def errors_hidden(self) -> int:
        return max(0, self.error_count - len(self.errors))

    @property
    def updates_hidden(self) -> int:
        return max(0, self.update_count - len(self.updates))

    @property
    def too_many_duplicates(self) -> bool:
        return self.duplicate_count > len(self.duplicates)

    @property
    def has_work(self) -> bool:
        """Whether importing would write anything (or needs decisions that may)."""
        return bool(self.new_count or self.update_count or self.duplicate_count)

    @property
    def can_import(self) -> bool:
        return self.ok and self.has_work and not self.too_many_duplicates

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
            new_count=len(report.customers),
            update_count=len(report.updates),
            unchanged=report.unchanged,
            duplicate_count=len(report.duplicates),
            updates=[
                [u.line, u.customer_id, u.number, _changes(u.changes, u.old)]
                for u in report.updates[:CHANGES_SHOWN]
            ],
            duplicates=[
                [
                    d.line,
                    {key: d.customer.get(key, "") for key in ("name", "organisation_number", "email")},
                    [
                        {
                            "customer_id": m.customer_id,
                            "number": m.number,
                            "reasons": list(m.reasons),
                            "can_update": m.can_update,
                            "changes": _changes(m.changes, m.old),
                            "problems": list(m.problems),
                        }
                        for m in d.matches
                    ],
                    d.earlier_line,
                    list(d.earlier_reasons),
                ]
                for d in report.duplicates[:DUPLICATES_SHOWN]
            ],
            plan=report.plan(),
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


def _changes(changes: dict, old: dict) -> list[list[str]]:
    return [[attribute, _text(old.get(attribute)), _text(value)] for attribute, value in changes.items()]


def _text(value) -> str:
    return "" if value is None else str(value)


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


def _summarise(data: bytes, actor) -> PreviewSummary:
    try:
        return PreviewSummary.of_report(check_file(data, actor=actor))
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


def _may_upload(view):
    """R-9: the upload right (kund.core.rules), for every method of the view."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not rules.may_upload(request.user):
            raise PermissionDenied(_("You do not have the right to do this."))
        return view(request, *args, **kwargs)

    return checked


@login_required
@_may_upload
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
@_may_upload
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    _check_own_upload(request, upload_id)
    if request.method == "POST":
        if "discard" in request.POST:
            _forget(request, upload_id)
            messages.info(request, _("The uploaded file was discarded; nothing was imported."))
            return redirect("customer_import:upload")
        return _import(request, upload_id)

    summary = _kept_summary(upload_id)
    if summary is None:
        summary = _summarise(_read_upload(upload_id), request.user)
        _keep_summary(upload_id, summary)
    return _render_preview(request, upload_id, summary)


def _import(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """Check the file again and, if it would still do what the page showed, write it with the decisions
    taken in the form."""
    again = redirect("customer_import:preview", upload_id=upload_id)
    try:
        report = check_file(_read_upload(upload_id), actor=request.user)
    except UnreadableFile as exc:
        _keep_summary(upload_id, PreviewSummary(unreadable=str(exc)))
        return again
    shown = _kept_summary(upload_id)
    if not report.ok:  # the register changed since the preview (a number was taken): the new report
        _keep_summary(upload_id, PreviewSummary.of_report(report))
        return again
    if shown is None or shown.plan != report.plan():
        _keep_summary(upload_id, PreviewSummary.of_report(report))
        messages.warning(
            request,
            _(
                "The register has changed since the file was checked; nothing was imported. "
                "Look through the check again."
            ),
        )
        return again
    decisions = {d.line: request.POST.get(f"duplicate-{d.line}", "") for d in report.duplicates}
    try:
        decide(report, decisions)
        apply_import(report, actor=request.user)
    except DecisionsNeeded:
        messages.error(request, _("Decide for every probable duplicate what to do with it."))
        return _render_preview(request, upload_id, shown, decisions=decisions)
    except UnreadableFile as exc:  # a typed number was taken while importing
        _keep_summary(upload_id, PreviewSummary(unreadable=str(exc)))
        return again
    except ImportRefused as refused:
        _keep_summary(upload_id, PreviewSummary.of_report(refused.report))
        return again
    _forget(request, upload_id)
    done = [_("Imported %(count)d customers.") % {"count": report.imported}]
    if report.updated:
        done.append(_("Updated %(count)d customers.") % {"count": report.updated})
    if report.skipped:
        done.append(_("Skipped %(count)d probable duplicates.") % {"count": report.skipped})
    messages.success(request, " ".join(done))
    return redirect("customer_import:upload")


# --- the preview page ---------------------------------------------------------------------------------


def _render_preview(
    request: HttpRequest, upload_id: uuid.UUID, summary: PreviewSummary, *, decisions: dict | None = None
) -> HttpResponse:
    ids = {row[1] for row in summary.updates} | {
        match["customer_id"] for row in summary.duplicates for match in row[2]
    }
    customers = {
        customer.pk: customer
        for customer in Customer.objects.filter(pk__in=ids).only(
            "id", "number", "name", "kind", "anonymized_at", "responsible"
        )
    }

    def shown(customer_id: int) -> Customer | None:
        """The customer to name and link, if the user may view it (else its number alone is shown)."""
        customer = customers.get(customer_id)
        return customer if customer is not None and rules.may_view(request.user, customer) else None

    decisions = decisions or {}
    updates = [
        {"line": line, "number": number, "customer": shown(customer_id), "changes": _presented(changes)}
        for line, customer_id, number, changes in summary.updates
    ]
    duplicates = []
    for line, row, matches, *earlier in summary.duplicates:
        # A check kept by an earlier Kund has no earlier line (the file's own duplicates were not sought).
        earlier_line, earlier_reasons = (*earlier, 0, [])[:2]
        chosen = decisions.get(line, "")
        choices = {NEW, SKIP} | {f"{UPDATE}{m['customer_id']}" for m in matches if m["can_update"]}
        duplicates.append(
            {
                "line": line,
                "row": row,
                "name": f"duplicate-{line}",
                "chosen": chosen,
                "undecided": bool(decisions) and chosen not in choices,
                "new": NEW,
                "skip": SKIP,
                "earlier_line": earlier_line,
                "earlier_reasons": [str(duplicate_matching.REASONS[r]) for r in earlier_reasons],
                "matches": [
                    {
                        **match,
                        "customer": shown(match["customer_id"]),
                        "reasons": [str(duplicate_matching.REASONS[r]) for r in match["reasons"]],
                        "changes": _presented(match["changes"]),
                        "choice": f"{UPDATE}{match['customer_id']}",
                    }
                    for match in matches
                ],
            }
        )
    context = {"upload_id": upload_id, "preview": summary, "updates": updates, "duplicates": duplicates}
    return render(request, "customers/import/preview.html", context)


def _presented(changes: list[list[str]]) -> list[dict]:
    """Changes as the page shows them: the field's label in the user's language, choices by their label."""
    return [
        {"label": _label(attribute), "old": _value(attribute, old), "new": _value(attribute, new)}
        for attribute, old, new in changes
    ]


def _label(attribute: str) -> str:
    return capfirst(Customer._meta.get_field(attribute).verbose_name)


def _value(attribute: str, text: str) -> str:
    choices = Customer._meta.get_field(attribute).choices
    if choices:
        return str(dict(choices).get(text, text))
    return text
