"""The customer list's export (SPEC R-2): exactly the filtered list, in the import's columns (SPEC §8) so
an exported file imports back. CSV streams any number of rows; XLSX is written row by row to a
temporary file and has a ceiling, since a spreadsheet holds about a million rows at most."""

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from kund.core.spreadsheet import neutralise
from kund.customers.columns import ATTRIBUTES, ENGLISH_HEADERS

XLSX_MAX_ROWS = 100_000
CHUNK = 2_000


def export_rows(customers: QuerySet) -> Iterator[tuple]:
    """The filtered customers' rows in the import's column order, read in chunks (never all at once).
    A cell a spreadsheet would run as a formula gets an apostrophe in front (kund.core.spreadsheet); the
    importer takes it off again."""
    for row in customers.values_list(*ATTRIBUTES).iterator(chunk_size=CHUNK):
        yield tuple(neutralise(value) for value in row)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # lets Excel read the file as UTF-8; the importer reads it too
    yield writer.writerow(ENGLISH_HEADERS)
    for row in rows:
        yield writer.writerow(row)


def _filename(extension: str) -> str:
    return f"customers-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def csv_response(customers: QuerySet) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _csv_lines(export_rows(customers)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def xlsx_response(customers: QuerySet) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("customers")
    sheet.append(list(ENGLISH_HEADERS))
    for row in export_rows(customers):
        sheet.append(list(row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
