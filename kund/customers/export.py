"""The customer list's export (SPEC R-2): exactly the filtered list, in the import's columns (SPEC §8) so
an exported file imports back. CSV streams any number of rows; XLSX is written row by row to a
temporary file and has a ceiling, since a spreadsheet holds about a million rows at most. Both are
written by kund.core.spreadsheet, as every list Kund hands out (UTF-8 with a byte-order mark, the
reader's list separator)."""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from kund.core.spreadsheet import XLSX_CONTENT_TYPE, csv_delimiter, csv_lines, neutralise, xlsx_file
from kund.customers.columns import ATTRIBUTES, ENGLISH_HEADERS

XLSX_MAX_ROWS = 100_000
CHUNK = 2_000


def export_rows(customers: QuerySet) -> Iterator[tuple]:
    """The filtered customers' rows in the import's column order, read in chunks (never all at once).
    A cell a spreadsheet would run as a formula gets an apostrophe in front (kund.core.spreadsheet); the
    importer takes it off again."""
    for row in customers.values_list(*ATTRIBUTES).iterator(chunk_size=CHUNK):
        yield tuple(neutralise(value) for value in row)


def _filename(extension: str) -> str:
    return f"customers-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def csv_response(customers: QuerySet) -> StreamingHttpResponse:
    # The separator is chosen now, in the request's language: the lines are written after the view returns.
    lines = csv_lines(ENGLISH_HEADERS, export_rows(customers), delimiter=csv_delimiter())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def xlsx_response(customers: QuerySet) -> FileResponse:
    return FileResponse(
        xlsx_file("customers", ENGLISH_HEADERS, export_rows(customers)),
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
