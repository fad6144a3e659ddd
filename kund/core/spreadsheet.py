"""Cells of the CSV and XLSX files Kund writes, made safe to open in a spreadsheet (CSV injection).

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (a tab or carriage return
first can hide one), so a customer named `=HYPERLINK(...)` could run something on the computer of
whoever opens the export. Every such cell is written with an apostrophe in front, as OWASP advises;
the spreadsheet then shows it as text. That includes harmless text such as the phone number
`+46 70 123 45 67`, so the importer takes the apostrophe off again (`restore`) and an exported file
imports back to the same values (SPEC §8).

The two are exact inverses: a value that already starts with apostrophes followed by a formula character
gets one more, and `restore` takes exactly one off.

The files themselves are written here too, so every list Kund hands out opens the same way: a CSV file
in UTF-8 with a byte-order mark (Excel then reads å, ä and ö right) and the list separator of the
reader's language — `;` in Swedish and German, whose spreadsheets use the comma as the decimal sign and
would put a comma-separated file in one column, `,` in English — or an XLSX workbook.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.utils import translation
from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_START)


def neutralise(value) -> str:
    """The cell as Kund writes it: text, with an apostrophe in front if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """The value a neutralised cell stands for (the importer reads every cell through this)."""
    return text[1:] if text.startswith("'") and _needs_quote(text) else text


# --- the files --------------------------------------------------------------------------------------

BOM = "\ufeff"  # lets Excel read the file as UTF-8; Kund's importer reads it too
SEMICOLON_LANGUAGES = frozenset({"sv", "de"})  # languages whose spreadsheets separate a list by `;`
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_delimiter(language: str | None = None) -> str:
    """The list separator of `language` (the active language by default): `;` or `,`."""
    language = language or translation.get_language() or ""
    return ";" if language.split("-")[0].lower() in SEMICOLON_LANGUAGES else ","


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence], *, delimiter: str) -> Iterator[str]:
    """A CSV file line by line, for streaming: the byte-order mark, the header, the rows as given (their
    cells already neutralised)."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield BOM
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_text(header: Sequence[str], rows: Iterable[Sequence], *, delimiter: str | None = None) -> str:
    """A whole CSV file as text, in the active language's separator unless one is given."""
    return "".join(csv_lines(header, rows, delimiter=delimiter or csv_delimiter()))


def xlsx_file(sheet_name: str, header: Sequence[str], rows: Iterable[Sequence]):
    """An XLSX workbook of one sheet, written row by row to a temporary file that is returned open at its
    start (a FileResponse closes it)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller's response closes it
    workbook.save(handle)
    handle.seek(0)
    return handle


@dataclass
class Sheet:
    """A list held in memory until it is written, as CSV or as XLSX: its header and its rows (cells
    neutralised by whoever adds them). `writerow` as csv.writer's."""

    name: str
    header: Sequence[str]
    rows: list[list] = field(default_factory=list)

    def writerow(self, cells: Sequence) -> None:
        self.rows.append(list(cells))

    def csv(self, *, delimiter: str | None = None) -> str:
        return csv_text(self.header, self.rows, delimiter=delimiter)

    def xlsx(self) -> bytes:
        with xlsx_file(self.name, self.header, self.rows) as handle:
            return handle.read()
