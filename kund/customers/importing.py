"""Uploading an existing customer register (SPEC R-8): read a CSV or XLSX file, check every row, and
import all of it or nothing.

Three steps, each usable alone (the web page shows the first two before the user confirms the third):

1. `read_file(data)` parses the bytes: XLSX by openpyxl; CSV by the standard library's csv module after
   detecting the encoding (UTF-8, with or without BOM, else Windows-1252) and the delimiter (`;` or `,`,
   whichever the header line has more of). The header row's cells are matched to the columns of
   `kund.customers.columns`. A file that cannot be read at all raises `UnreadableFile` with one line.
2. `check_rows(parsed, actor=...)` validates every row and sorts the good ones into new customers,
   updates of existing customers (with each field's old and new value), rows that change nothing, and
   probable duplicates; bad rows become `RowError(line, column, reason)`, lines counting the file's
   lines with the header as line 1.
3. `decide(report, decisions)` takes the user's decision on each probable duplicate (import as new,
   update the matched customer, skip), and `apply_import(report, actor=...)` writes — only when there is
   no error at all — everything in one transaction: new customers set-based (bulk inserts in chunks) with
   one IMPORTED history row each, updates one by one through customer_update, which records each changed
   field in the customer's history as the edit form does (R-4). `import_customers` does all three.

Matching the register (an exported file imports back, SPEC §8):
- A row whose customer number is a customer the user may view (kund.core.rules) is that customer: the
  row updates it. The user needs to be allowed to change it (rules.may_change) and it must not be
  anonymized (A-4) — unless the row changes nothing, which is counted as unchanged and is never an
  error: an exported file imported back unchanged imports with no error and no change. A cell that reads
  as the export writes the stored value is unchanged (see _changes).
- A customer number of a customer the user may not view is refused exactly as the number of a deleted
  customer is ("has already been used"): the file learns nothing about who is in the register.
- A new row (no customer number, or one never used) with the organisation/personal number or e-mail of
  a customer in the register is a probable duplicate (kund.customers.duplicates) and waits for a
  decision. New rows are not compared with each other.

Decisions:
- kind: an empty kind is "private" when a first or last name is given, else "company".
- A private person needs a first or last name; the customer name is then "first last" (as
  customer_create does) unless the file gives one. A company needs a name.
- organisation_number is a personal identity number for a private person (stored as YYYYMMDD-NNNN) and
  an organisation number for a company (NNNNNN-NNNN), both checked by python-stdnum.
- Phone numbers are parsed with region SE and stored in national format for Swedish numbers
  ("070-123 45 67"), international format otherwise ("+47 22 12 34 56").
- country: an ISO 3166 code, "Sverige"/"Sweden" and a few neighbours' names; empty means SE.
- Columns that match nothing are ignored and shown as such in the preview; a file needs a name column
  (name, first_name or last_name).
- Typed customer numbers are checked like validate_customer_number does (characters, the register's
  length, never used — R-1), but the "never used" check is one query per chunk of 500 numbers rather
  than one per row, so that 100,000 rows stay fast.
- A file is refused as a whole, while it is read, past MAX_ROWS customer rows, MAX_LINES lines,
  MAX_COLUMNS columns or MAX_CELL_CHARS characters in a cell. An XLSX workbook is a zip archive, and a
  small one can unpack to gigabytes of rows: it is read as a stream (openpyxl's read-only mode, never the
  whole sheet in memory), only its first MAX_COLUMNS + 1 columns (a sheet that uses column
  MAX_COLUMNS + 1 is refused; what lies further right is not read), and refused before it is opened
  when its parts unpack to more than MAX_XLSX_UNPACKED_BYTES (or one part other than a sheet, such as
  the shared strings openpyxl reads whole, to more than MAX_XLSX_PART_BYTES).
- A cell the export neutralised for spreadsheets (`'=…`, `'+46…`) is read without that apostrophe
  (kund.core.spreadsheet.restore), so an exported file imports back to the same values.
"""

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr, personnummer

from kund.audit.models import ChangeRecord
from kund.core import rules
from kund.core.models import RegisterSettings
from kund.core.spreadsheet import restore
from kund.customers import duplicates
from kund.customers.columns import IMPORT_COLUMNS, header_index, header_key
from kund.customers.models import Customer, NumberReservation
from kund.customers.services import (
    NUMBER_PATTERN,
    RESERVED_NUMBERS,
    allocate_customer_numbers,
    customer_update,
    ensure_kind_changeable,
)

CHUNK_SIZE = 500
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
PREVIEW_ROWS = 10
# What one file may hold (see the module docstring): more is refused as a whole, with a clear message.
MAX_ROWS = 100_000  # customer rows, not counting the header and empty lines
MAX_LINES = 1_048_576  # lines, empty ones included (the most a spreadsheet has)
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024  # 100,000 exported customers unpack to some 80 MB
MAX_XLSX_PART_BYTES = 64 * 1024 * 1024
NAME_COLUMNS = ("name", "first_name", "last_name")
ATTRIBUTE = {english: attribute for english, _swedish, attribute in IMPORT_COLUMNS}
ATTRIBUTE_ORDER = {attribute: position for position, (_e, _s, attribute) in enumerate(IMPORT_COLUMNS)}
# The longest cell each column accepts: the field's length; kind and country are translated first.
LIMITS = {
    english: None if english in ("kind", "country") else Customer._meta.get_field(attribute).max_length
    for english, _swedish, attribute in IMPORT_COLUMNS
}

KIND_VALUES = {
    "private": Customer.Kind.PRIVATE,
    "privat": Customer.Kind.PRIVATE,
    "privatperson": Customer.Kind.PRIVATE,
    "person": Customer.Kind.PRIVATE,
    "company": Customer.Kind.COMPANY,
    "företag": Customer.Kind.COMPANY,
    "foretag": Customer.Kind.COMPANY,
    "business": Customer.Kind.COMPANY,
    # The list exports prospects too; a file exported from it imports back.
    "prospect": Customer.Kind.PROSPECT,
    "prospekt": Customer.Kind.PROSPECT,
}
COUNTRY_NAMES = {
    "sverige": "SE",
    "sweden": "SE",
    "norge": "NO",
    "norway": "NO",
    "danmark": "DK",
    "denmark": "DK",
    "finland": "FI",
    "suomi": "FI",
    "island": "IS",
    "iceland": "IS",
    "tyskland": "DE",
    "germany": "DE",
    "deutschland": "DE",
}
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS)  # ISO 3166-1 alpha-2 codes in practice

_email_validator = EmailValidator()
PLAIN_PHONE = re.compile(r"^\+?[0-9][0-9 \-./]*$")
PHONE_SEPARATORS = re.compile(r"[ \-./]")


class UnreadableFile(Exception):
    """The file as a whole cannot be read: one line, without personal data, for the user."""


class DecisionsNeeded(Exception):
    """Some probable duplicates have no decision; nothing was imported. `report.duplicates` lists them."""

    def __init__(self, report: "ImportReport"):
        super().__init__(
            _("%(count)d rows are probable duplicates; nothing was imported.")
            % {"count": len(report.duplicates)}
        )
        self.report = report


class ImportRefused(Exception):
    """The file has bad rows; nothing was imported. `report.errors` lists them."""

    def __init__(self, report: "ImportReport"):
        super().__init__(_("%(count)d rows have errors; nothing was imported.") % {"count": report.bad_rows})
        self.report = report


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the header as the file spells it
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.reason}"


@dataclass
class ParsedFile:
    format: str  # "csv" or "xlsx"
    headers: list[str]
    mapping: list[tuple[str, str | None]]  # each header → the column's English name, or None: ignored
    rows: list[tuple[int, list[str]]]  # (line number, cells); empty rows left out
    encoding: str = ""
    delimiter: str = ""

    @property
    def columns(self) -> dict[str, int]:
        """English column name → the index of its cell in a row."""
        return {column: index for index, (_header, column) in enumerate(self.mapping) if column}

    def preview(self, count: int = PREVIEW_ROWS) -> list[tuple[int, list[str]]]:
        width = len(self.headers)
        return [(line, (cells + [""] * width)[:width]) for line, cells in self.rows[:count]]


@dataclass
class Update:
    """A row whose customer number is a customer the user may change, and what it changes there."""

    line: int
    customer_id: int
    number: str
    changes: dict[str, object]  # Customer attribute → the new value, only those that differ
    old: dict[str, object]  # Customer attribute → the value it replaces


@dataclass
class Match:
    """An existing customer a new row probably duplicates (kund.customers.duplicates)."""

    customer_id: int
    number: str
    reasons: tuple[str, ...]  # keys of duplicates.REASONS
    changeable: bool = False  # the user may change it: the row may update it instead
    changes: dict[str, object] = field(default_factory=dict)  # what the row would change in it
    old: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why the row cannot update it, if it cannot

    @property
    def can_update(self) -> bool:
        return self.changeable and not self.problems


@dataclass
class Duplicate:
    """A new row (no customer number, or an unused one) with the organisation/personal number or e-mail
    of a customer in the register, or of an earlier new row of the same file: imported only as the user
    decides (DECISIONS)."""

    line: int
    customer: dict  # the cleaned new customer, as in ImportReport.customers
    matches: list[Match]
    earlier_line: int = 0  # the first earlier new row of the file with the same number or e-mail, if any
    earlier_reasons: tuple[str, ...] = ()  # keys of duplicates.REASONS: what it has in common with it

    def choices(self) -> list[str]:
        """The decisions that may be taken for this row."""
        updates = [f"{UPDATE}{match.customer_id}" for match in self.matches if match.can_update]
        return [NEW, *updates, SKIP]


# The decisions on a probable duplicate: import it as a new customer anyway, update the matched customer
# ("update:<customer id>"), or leave the row out.
NEW, SKIP, UPDATE = "new", "skip", "update:"


@dataclass
class ImportReport:
    parsed: ParsedFile
    customers: list[dict] = field(default_factory=list)  # cleaned new customers, not probable duplicates
    errors: list[RowError] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)  # rows that change an existing customer
    duplicates: list[Duplicate] = field(default_factory=list)  # new rows that need a decision
    unchanged: int = 0  # rows of existing customers that change nothing
    imported: int = 0
    updated: int = 0
    skipped: int = 0

    def plan(self) -> str:
        """A fingerprint of what applying the report would do: the same file checked against a register
        that has changed since gives another one (the preview that was confirmed is no longer true)."""
        plan = {
            "new": [customer["_line"] for customer in self.customers],
            "updates": [
                [u.line, u.customer_id, [[a, str(u.old[a]), str(v)] for a, v in u.changes.items()]]
                for u in self.updates
            ],
            "duplicates": [
                [
                    d.line,
                    [[m.customer_id, m.can_update, sorted(map(str, m.changes.items()))] for m in d.matches],
                    d.earlier_line,
                ]
                for d in self.duplicates
            ],
            "unchanged": self.unchanged,
        }
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def row_count(self) -> int:
        return len(self.parsed.rows)

    @property
    def bad_rows(self) -> int:
        return len({error.line for error in self.errors})


# --- 1. reading ----------------------------------------------------------------------------------------


def read_file(data: bytes) -> ParsedFile:
    """Parse the bytes of a CSV or XLSX file into its header and rows (raises UnreadableFile)."""
    if not data or not data.strip():
        raise UnreadableFile(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _with_header("xlsx", _xlsx_rows(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(_("Old Excel files (.xls) cannot be read; save the file as XLSX or CSV."))
    text, encoding = _decode(data)
    if "\x00" in text:
        raise UnreadableFile(_("The file is neither a CSV text file nor an XLSX workbook."))
    delimiter = _delimiter(text)
    parsed = _with_header("csv", _csv_rows(text, delimiter))
    parsed.encoding, parsed.delimiter = encoding, delimiter
    return parsed


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(_("The file is not text in UTF-8 or Windows-1252.")) from None


def _delimiter(text: str) -> str:
    """`;` or `,`: whichever the header line holds more of (a one-column file: `,`)."""
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1  # a quoted cell may span lines: the next row starts after them
    except csv.Error:
        raise UnreadableFile(
            _("Line %(line)d cannot be read as CSV (a quote or a cell too large).") % {"line": line}
        ) from None


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook that would unpack to too much before openpyxl opens it. A zip entry never
    unpacks to more than the size its header gives (the zipfile module stops there), so the sum of
    those sizes bounds what reading it can cost."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except Exception:  # a damaged archive raises errors of many kinds; all mean the same
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from None
    too_big = sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED_BYTES or any(
        part.file_size > MAX_XLSX_PART_BYTES
        for part in parts
        if not part.filename.startswith("xl/worksheets/")
    )
    if too_big:
        raise UnreadableFile(
            _("The workbook unpacks to more than %(size)d MB; save it as CSV or split it.")
            % {"size": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError):
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from None
    except Exception:  # openpyxl raises many kinds of errors on damaged workbooks; all mean the same
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise UnreadableFile(_("The workbook has no sheet."))
        # Bounds of our own: by default openpyxl pads every row to the width the sheet claims (up to
        # 16,384 columns) and every gap in the row numbers with empty rows (up to any number).
        rows = sheet.iter_rows(min_row=1, max_row=MAX_LINES + 1, max_col=MAX_COLUMNS + 1, values_only=True)
        for line, values in enumerate(rows, start=1):
            end = len(values)
            while end and values[end - 1] is None:
                end -= 1
            yield line, [_cell_text(value) for value in values[:end]]
    except UnreadableFile:
        raise
    except Exception:
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from None
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed as 12345 comes back as 12345.0
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _within_limits(rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The rows that hold something, each checked against MAX_LINES, MAX_COLUMNS and MAX_CELL_CHARS, and
    no more than MAX_ROWS of them after the header (raises UnreadableFile as soon as one is exceeded)."""
    count = 0
    for line, cells in rows:
        if line > MAX_LINES:
            raise UnreadableFile(_("The file has more than %(max)s lines.") % {"max": f"{MAX_LINES:,}"})
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > MAX_COLUMNS:
            if any(cell.strip() for cell in cells[MAX_COLUMNS:]):
                raise UnreadableFile(
                    _("Line %(line)d has more than %(max)d columns.") % {"line": line, "max": MAX_COLUMNS}
                )
            cells = cells[:MAX_COLUMNS]
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise UnreadableFile(
                _("Line %(line)d has a cell of more than %(max)s characters.")
                % {"line": line, "max": f"{MAX_CELL_CHARS:,}"}
            )
        count += 1
        if count > MAX_ROWS + 1:  # the header and MAX_ROWS customers
            raise UnreadableFile(
                _("The file has more than %(max)s rows; split it into files of at most %(max)s rows.")
                % {"max": f"{MAX_ROWS:,}"}
            )
        yield line, cells


def _with_header(kind: str, rows: Iterable[tuple[int, list[str]]]) -> ParsedFile:
    rows = _within_limits(rows)
    for _line, cells in rows:
        headers = [cell.strip() for cell in cells]
        break
    else:
        raise UnreadableFile(_("The file has no header row."))
    while headers and not headers[-1]:
        headers.pop()
    index = header_index()
    mapping: list[tuple[str, str | None]] = []
    seen: dict[str, str] = {}
    for header in headers:
        column = index.get(header_key(header))
        if column in seen:
            raise UnreadableFile(
                _("The columns “%(first)s” and “%(second)s” mean the same thing.")
                % {"first": seen[column][:50], "second": header[:50]}
            )
        if column:
            seen[column] = header
        mapping.append((header, column))
    if not seen:
        raise UnreadableFile(
            _("No column of the header row is known; expected for example: %(columns)s.")
            % {"columns": "customer_number, kind, first_name, last_name, name, email"}
        )
    if not any(column in seen for column in NAME_COLUMNS):
        raise UnreadableFile(_("The file needs a name column: name, first_name or last_name."))
    data_rows = [(line, [restore(cell) for cell in cells]) for line, cells in rows]
    return ParsedFile(format=kind, headers=headers, mapping=mapping, rows=data_rows)


# --- 2. checking -----------------------------------------------------------------------------------------


def check_rows(parsed: ParsedFile, *, actor=None) -> ImportReport:
    """Validate every row; the report holds the new customers, the updates, the probable duplicates and
    every error. `actor` is the user importing: which customers the rows may update is theirs to know
    (kund.core.rules); without one, no row updates anybody (a number in use is refused)."""
    report = ImportReport(parsed=parsed)
    checker = _Checker(report, actor)
    chunk: list[_Row] = []
    for line, cells in parsed.rows:
        chunk.append(checker.read(line, cells))
        if len(chunk) == CHUNK_SIZE:
            checker.match(chunk)
            chunk = []
    checker.match(chunk)
    if report.errors:
        order = {english: position for position, (english, _sv, _attr) in enumerate(IMPORT_COLUMNS)}
        by_header = {checker.header_of[c]: order[c] for c in checker.header_of}
        report.errors.sort(key=lambda e: (e.line, by_header.get(e.column, 99)))
        # all or nothing: none of them will be written
        report.customers, report.updates, report.duplicates, report.unchanged = [], [], [], 0
    return report


@dataclass
class _Row:
    line: int
    values: dict[str, str]  # English column → the cell, stripped
    number: str = ""  # the customer number as typed, to look up (not a repeated one)
    repeated: int = 0  # the line the same customer number is on first, if it is on an earlier line
    customer: dict = field(default_factory=dict)  # the cleaned attributes, as a new customer
    problems: list[tuple[str, str]] = field(default_factory=list)  # (English column, reason), as a new one


class _Checker:
    """check_rows' state: rows are read one by one, then matched against the register a chunk at a time
    (one query per chunk and question, never one per row)."""

    def __init__(self, report: ImportReport, actor):
        self.report, self.actor = report, actor
        self.columns = report.parsed.columns
        self.header_of = {column: report.parsed.headers[index] for column, index in self.columns.items()}
        self.register = RegisterSettings.load()
        self.typed: dict[str, int] = {}  # customer number → the line of its first row
        # The new rows so far, to find the file's own duplicates: identity number / e-mail → first line.
        self.new_numbers: dict[str, int] = {}
        self.new_emails: dict[str, int] = {}

    def error(self, line: int, column: str, reason: str) -> None:
        self.report.errors.append(RowError(line, self.header_of.get(column, column), reason))

    def read(self, line: int, cells: list[str]) -> _Row:
        """The row's cells by column. It is cleaned as a new customer only if it turns out to be one
        (match): a row of an existing customer is compared with it first, which costs far less."""
        values = {
            column: (cells[index].strip() if index < len(cells) else "")
            for column, index in self.columns.items()
        }
        row = _Row(line, values)
        # The number as typed finds an existing customer even when the register's rules for new numbers
        # have changed since it was issued (a longer number, say).
        number = values.get("customer_number", "")
        if number in self.typed:
            row.repeated = self.typed[number]
        elif number:
            self.typed[number] = line
            row.number = number
        return row

    def _clean(self, row: _Row) -> None:
        """Clean the row as a new customer: its attributes, and its problems as one."""
        row.customer = _clean_row(
            dict(row.values), lambda column, reason: row.problems.append((column, reason)), self.register
        )
        if row.repeated:
            row.problems.append(
                (
                    "customer_number",
                    _("customer number %(number)s is also on line %(line)d")
                    % {"number": row.values["customer_number"], "line": row.repeated},
                )
            )
            row.customer.pop("number", None)  # reported; not looked up again

    def match(self, rows: list[_Row]) -> None:
        """Sort a chunk of rows into updates, rows that change nothing, new customers, probable duplicates
        and errors."""
        numbers = [row.number for row in rows if row.number]
        existing = {
            customer.number: customer
            for customer in Customer.objects.filter(number__in=numbers).only(*duplicates.FIELDS).order_by()
        }
        used = set(
            NumberReservation.objects.filter(
                number__in=[n for n in numbers if n not in existing]
            ).values_list("number", flat=True)
        )
        new_rows = []
        for row in rows:
            customer = existing.get(row.number) if row.number else None
            if customer is not None and rules.may_view(self.actor, customer):
                self._update(row, customer)
                continue
            self._clean(row)
            for column, reason in row.problems:
                self.error(row.line, column, reason)
            number = row.customer.get("number")
            if number and (customer is not None or number in used):
                # A customer the user may not view is told apart from a deleted one by nothing: its
                # number is simply one that was used, as the create form would say.
                self.error(
                    row.line,
                    "customer_number",
                    _("customer number %(number)s has already been used and cannot be issued again")
                    % {"number": number},
                )
            elif not row.problems:
                new_rows.append(row)
        self._find_duplicates(new_rows)

    def _update(self, row: _Row, customer: Customer) -> None:
        number = customer.number
        changes, old, problems = _changes(customer, row, self.register, by_number=True)
        if not changes and not problems:
            self.report.unchanged += 1
            return
        if customer.is_anonymized:
            problems = [
                (
                    "customer_number",
                    _("customer %(number)s is anonymized and cannot be changed") % {"number": number},
                )
            ]
        elif not rules.may_change(self.actor, customer):
            problems = [("customer_number", _("you may not change customer %(number)s") % {"number": number})]
        if problems:
            for column, reason in problems:
                self.error(row.line, column, reason)
            return
        self.report.updates.append(Update(row.line, customer.pk, number, changes, old))

    def _find_duplicates(self, rows: list[_Row]) -> None:
        candidates = duplicates.customers_with_identity(
            organisation_numbers=[row.customer.get("organisation_number", "") for row in rows],
            emails=[row.customer.get("email", "") for row in rows],
        )
        by_number: dict[str, list[Customer]] = {}
        by_email: dict[str, list[Customer]] = {}
        for candidate in candidates:
            if key := duplicates.identity_key(candidate.organisation_number):
                by_number.setdefault(key, []).append(candidate)
            if candidate.email:
                by_email.setdefault(duplicates.email_key(candidate.email), []).append(candidate)
        for row in rows:
            new = {**row.customer, "_line": row.line}
            organisation_number, email = new.get("organisation_number", ""), new.get("email", "")
            found = {
                c.pk: c
                for c in by_number.get(duplicates.identity_key(organisation_number), [])
                + by_email.get(duplicates.email_key(email), [])
            }
            earlier_line, earlier_reasons = self._earlier_row(row.line, organisation_number, email)
            if not found and not earlier_line:
                self.report.customers.append(new)
                continue
            matches = []
            for candidate in sorted(found.values(), key=lambda c: c.number):
                reasons = duplicates.reasons_for(
                    candidate, organisation_number=organisation_number, email=email
                )
                match = Match(candidate.pk, candidate.number, reasons)
                if rules.may_change(self.actor, candidate):
                    changes, old, problems = _changes(candidate, row, self.register, by_number=False)
                    match.changeable, match.changes, match.old = True, changes, old
                    match.problems = [reason for _column, reason in problems]
                matches.append(match)
            self.report.duplicates.append(Duplicate(row.line, new, matches, earlier_line, earlier_reasons))

    def _earlier_row(self, line: int, organisation_number: str, email: str) -> tuple[int, tuple[str, ...]]:
        """The first earlier new row of the file with this identity number or e-mail, and what they share
        (0 and nothing if none); and this row noted for the rows after it. Two rows for one new customer
        would otherwise become two customers without anyone being asked."""
        number, key = duplicates.identity_key(organisation_number), duplicates.email_key(email)
        by_number = self.new_numbers.get(number, 0) if number else 0
        by_email = self.new_emails.get(key, 0) if key else 0
        if number:
            self.new_numbers.setdefault(number, line)
        if key:
            self.new_emails.setdefault(key, line)
        earlier = min((at for at in (by_number, by_email) if at), default=0)
        reasons = tuple(
            reason
            for reason, at in (("organisation_number", by_number), ("email", by_email))
            if at and at == earlier
        )
        return earlier, reasons


def _as_cell(value) -> str:
    """A stored value as the export writes it (before neutralising), stripped as the importer reads it."""
    return ("" if value is None else str(value)).strip()


def _changes(
    customer: Customer, row: _Row, register: RegisterSettings, *, by_number: bool
) -> tuple[dict, dict, list[tuple[str, str]]]:
    """What the row changes in `customer`: (new values, old values, problems) by Customer attribute.

    A row found by its customer number says what the customer's fields are: an empty cell empties the
    field. A new row matched as a probable duplicate (by_number=False) only adds what it has: its empty
    cells, its customer number and a kind it did not give change nothing.

    A cell that reads as the export writes the stored value is unchanged, and is not checked again: an
    exported file imports back as it is, even where the register holds a value the importer would not
    accept today (a phone number typed in another form). The row is checked as the customer would be
    after the change, with the customer's own values for what it leaves alone; a problem the customer
    already has without the change is not the file's.
    """
    stored = {column: _as_cell(getattr(customer, ATTRIBUTE[column])) for column in LIMITS}
    merged = dict(stored)
    changed = set()
    for column, text in row.values.items():
        if column == "customer_number" or (not by_number and not text):
            continue
        if column == "kind" and not text:
            continue  # an empty kind is the customer's own, not a guess from the names
        if text != stored[column]:
            merged[column] = text
            changed.add(column)
    if not changed:
        return {}, {}, []
    before: list[tuple[str, str]] = []
    _clean_row(dict(stored), lambda column, reason: before.append((column, reason)), register)
    problems: list[tuple[str, str]] = []
    cleaned = _clean_row(dict(merged), lambda column, reason: problems.append((column, reason)), register)
    problems = [problem for problem in problems if problem not in before]
    if not problems and "kind" in changed:
        try:
            ensure_kind_changeable(customer, cleaned["kind"])
        except ValidationError as error:
            problems = [("kind", reason) for reason in error.messages]
    if problems:
        return {}, {}, problems
    attributes = {ATTRIBUTE[column] for column in changed}
    kind = cleaned.get("kind", customer.kind)
    if kind == Customer.Kind.PRIVATE and "name" not in changed and changed & {"first_name", "last_name"}:
        attributes.add("name")  # a person's name is their first and last name, as the edit form has it
        cleaned["name"] = f"{cleaned.get('first_name', '')} {cleaned.get('last_name', '')}".strip()
    changes, old = {}, {}
    for attribute in sorted(attributes, key=ATTRIBUTE_ORDER.__getitem__):
        new_value = cleaned.get(attribute, "")
        if new_value != getattr(customer, attribute):
            changes[attribute], old[attribute] = new_value, getattr(customer, attribute)
    return changes, old, []


def _clean_row(values: dict[str, str], error, register: RegisterSettings) -> dict:
    customer: dict = {}

    for column, value in values.items():
        limit = LIMITS[column]
        if limit and len(value) > limit:
            error(
                column,
                _("at most %(limit)d characters (this has %(length)d)")
                % {"limit": limit, "length": len(value)},
            )
            values[column] = ""

    number = values.get("customer_number", "")
    if number:
        if not NUMBER_PATTERN.match(number):
            error("customer_number", _("a customer number may contain only letters, digits and hyphens"))
        elif number.lower() in RESERVED_NUMBERS:
            error(
                "customer_number",
                _("“%(number)s” is the name of a page and cannot be a customer number") % {"number": number},
            )
        elif not register.number_min_length <= len(number) <= register.number_max_length:
            error(
                "customer_number",
                _("a customer number must have %(min)d to %(max)d characters")
                % {"min": register.number_min_length, "max": register.number_max_length},
            )
        else:
            customer["number"] = number

    first, last, name = values.get("first_name", ""), values.get("last_name", ""), values.get("name", "")
    kind_text = values.get("kind", "")
    if kind_text:
        kind = KIND_VALUES.get(kind_text.casefold())
        if kind is None:
            error(
                "kind",
                _("unknown kind “%(kind)s”: use private, company or prospect") % {"kind": kind_text[:40]},
            )
            return customer
    else:
        kind = Customer.Kind.PRIVATE if (first or last) else Customer.Kind.COMPANY
    customer["kind"] = kind
    if kind == Customer.Kind.PRIVATE:
        if not (first or last):
            where = next(column for column in ("first_name", "last_name", "name") if column in values)
            error(where, _("a private person needs a first or last name"))
        name = name or f"{first} {last}".strip()
    elif kind == Customer.Kind.PROSPECT:
        name = name or f"{first} {last}".strip()
        if not name:
            where = next(column for column in ("name", "first_name", "last_name") if column in values)
            error(where, _("a prospect needs a name"))
    elif not name:
        error("name", _("a company needs a name"))
    customer.update(first_name=first, last_name=last, name=name[:200])

    org = values.get("organisation_number", "")
    if org:
        # A prospect with a first or last name is a person-to-be: its number is a personal identity number.
        as_kind = Customer.Kind.PRIVATE if kind == Customer.Kind.PROSPECT and (first or last) else kind
        customer["organisation_number"] = _organisation_number(org, as_kind, error)

    vat = values.get("vat_number", "")
    if vat:
        try:
            customer["vat_number"] = eu_vat.validate(vat)
        except StdnumError:
            error("vat_number", _("not a valid EU VAT number"))

    email = values.get("email", "")
    if email:
        try:
            _email_validator(email)
            customer["email"] = email
        except ValidationError:
            error("email", _("not a valid e-mail address"))

    for column in ("phone", "mobile"):
        if values.get(column):
            customer[ATTRIBUTE[column]] = _phone(values[column], column, error)

    country = _country(values.get("country", ""), error)
    customer["invoice_country"] = country
    postal_code = values.get("postal_code", "")
    if postal_code:
        customer["invoice_postal_code"] = _postal_code(postal_code, country, error)
    for column in ("address", "city"):
        if values.get(column):
            customer[ATTRIBUTE[column]] = values[column]
    return customer


def _organisation_number(value: str, kind: str, error) -> str:
    try:
        if kind == Customer.Kind.PRIVATE:
            return personnummer.format(personnummer.validate(value))
        return orgnr.format(orgnr.validate(value))
    except StdnumError:
        if kind == Customer.Kind.PRIVATE:
            error("organisation_number", _("not a valid Swedish personal identity number"))
        else:
            error("organisation_number", _("not a valid Swedish organisation number"))
        return ""


def _phone(value: str, column: str, error) -> str:
    if PLAIN_PHONE.match(value):
        # Only digits and separators: phonenumbers parses the bare digits about twice as fast.
        value = PHONE_SEPARATORS.sub("", value)
    try:
        number = phonenumbers.parse(value[:60], "SE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        error(column, _("not a valid phone number"))
        return ""
    if number.country_code == 46:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _country(value: str, error) -> str:
    if not value:
        return "SE"
    code = COUNTRY_NAMES.get(value.casefold(), value.upper())
    if code not in COUNTRY_CODES:
        error(
            "country",
            _("unknown country “%(country)s”: use a two-letter code such as SE") % {"country": value[:40]},
        )
        return ""
    return code


def _postal_code(value: str, country: str, error) -> str:
    if country == "SE":
        digits = value.replace(" ", "")
        if len(digits) != 5 or not digits.isdigit():
            error("postal_code", _("a Swedish postal code has five digits"))
            return ""
        return f"{digits[:3]} {digits[3:]}"
    return value


# --- 3. writing ------------------------------------------------------------------------------------------


def check_file(data: bytes, *, actor=None) -> ImportReport:
    """Read and check a file without writing anything (the preview, --dry-run)."""
    return check_rows(read_file(data), actor=actor)


def decide(report: ImportReport, decisions: Mapping[int, str], *, default: str | None = None) -> None:
    """Take the user's decision on every probable duplicate (by line: NEW, SKIP or UPDATE + the matched
    customer's id; `default`, NEW or SKIP, for a line without one): the rows join the new customers or
    the updates, or are left out. Raises DecisionsNeeded, deciding nothing, when a row has no decision
    that may be taken for it."""
    chosen = {}
    for duplicate in report.duplicates:
        choice = decisions.get(duplicate.line) or default
        if choice not in duplicate.choices():
            raise DecisionsNeeded(report)
        chosen[duplicate.line] = choice
    for duplicate in report.duplicates:
        choice = chosen[duplicate.line]
        if choice == NEW:
            report.customers.append(duplicate.customer)
        elif choice == SKIP:
            report.skipped += 1
        else:
            match = next(m for m in duplicate.matches if f"{UPDATE}{m.customer_id}" == choice)
            if match.changes:
                report.updates.append(
                    Update(duplicate.line, match.customer_id, match.number, match.changes, match.old)
                )
            else:
                report.unchanged += 1
    report.customers.sort(key=lambda customer: customer["_line"])  # numbers are drawn in the file's order
    report.updates.sort(key=lambda update: update.line)
    report.duplicates = []


def apply_import(report: ImportReport, *, actor) -> ImportReport:
    """Write a checked report whose duplicates are decided: the new customers and the updates, all or
    none. Each update goes through customer_update, which records its changes in the customer's history
    as the edit form's do (R-4); the new customers get an IMPORTED history row each."""
    if not report.ok or report.duplicates:
        raise ValueError("only a checked report without errors and with every duplicate decided")
    with transaction.atomic():
        report.imported = _write(report.customers, actor=actor)
        report.updated = _apply_updates(report, actor=actor)
    return report


def import_customers(
    *,
    actor,
    data: bytes,
    dry_run: bool = False,
    decisions: Mapping[int, str] | None = None,
    on_duplicate=None,
) -> ImportReport:
    """Import every customer of the file, or none (R-8): new rows are created, rows whose customer number
    is a customer the actor may change update it. Raises UnreadableFile for a file that cannot be read,
    ImportRefused (with the report) when any row is bad and DecisionsNeeded when a probable duplicate has
    no decision (`decisions` by line, `on_duplicate` for the rest)."""
    report = check_file(data, actor=actor)
    if not report.ok:
        raise ImportRefused(report)
    decide(report, decisions or {}, default=on_duplicate)
    if not dry_run:
        apply_import(report, actor=actor)
    return report


def _apply_updates(report: ImportReport, *, actor) -> int:
    """Update the customers one by one through the service; a refusal there (the customer changed in a
    way the check could not know) refuses the whole import, every such row listed."""
    index = report.parsed.columns.get("customer_number")
    header = report.parsed.headers[index] if index is not None else ""
    errors = []
    for update in report.updates:
        try:
            customer_update(customer=Customer(pk=update.customer_id), actor=actor, data=update.changes)
        except ValidationError as error:
            errors.extend(RowError(update.line, header, message) for message in error.messages)
        except Customer.DoesNotExist:
            errors.append(
                RowError(update.line, header, _("customer %(number)s is gone") % {"number": update.number})
            )
    if errors:
        report.errors, report.imported = errors, 0
        raise ImportRefused(report)
    return len(report.updates)


@transaction.atomic
def _write(customers: list[dict], *, actor) -> int:
    """Insert the customers and their IMPORTED history rows, CHUNK_SIZE at a time.

    One prepared INSERT run with executemany per chunk rather than bulk_create: Customer has some 60
    columns, so on SQLite (999 parameters per statement) bulk_create sends 15 rows per statement and
    spends most of its time compiling them; this is several times faster for 100,000 rows. Every value
    still goes through its field's get_db_prep_save, and the database's own triggers (the number
    reservation, R-1) fire as for any insert.
    """
    if not customers:
        return 0
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    missing = sum(1 for customer in customers if "number" not in customer)
    # The file's typed numbers are not reserved until their rows are written: skip them when drawing.
    typed = {customer["number"] for customer in customers if "number" in customer}
    drawn: list[str] = []
    while len(drawn) < missing:  # in chunks: the allocator checks each batch in one IN (...) query
        batch = allocate_customer_numbers(min(CHUNK_SIZE * 10, missing - len(drawn)))
        drawn.extend(number for number in batch if number not in typed)
    numbers = iter(drawn)
    insert_customers = _Inserter(Customer, now=now)
    insert_history = _Inserter(ChangeRecord, now=now)
    with _sqlite_page_cache(insert_customers.connection):
        _write_chunks(customers, numbers, actor_id, insert_customers, insert_history)
    return len(customers)


@contextmanager
def _sqlite_page_cache(connection, kib: int = SQLITE_IMPORT_CACHE_KIB):
    """A roomy page cache while importing into SQLite: the customer table has a dozen indexes, and with
    the default 2 MB their pages are evicted and read back for every chunk (100,000 rows took 76 s
    instead of 53 s in bench/import_bench.py). Restored afterwards; other databases are left alone."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _write_chunks(customers, numbers, actor_id, insert_customers, insert_history) -> None:
    for start in range(0, len(customers), CHUNK_SIZE):
        chunk = []
        for data in customers[start : start + CHUNK_SIZE]:
            row = {key: value for key, value in data.items() if not key.startswith("_")}
            if "number" not in row:
                row["number"] = next(numbers)
            chunk.append(row)
        try:
            with transaction.atomic():
                insert_customers(chunk)
        except IntegrityError as exc:  # a concurrent writer took a typed number after the check
            raise UnreadableFile(
                _("A customer number of the file was taken while importing; nothing was imported.")
            ) from exc
        ids = Customer.objects.filter(number__in=[row["number"] for row in chunk]).values_list(
            "id", flat=True
        )
        insert_history(
            [{"customer": pk, "actor": actor_id, "event": ChangeRecord.Event.IMPORTED.value} for pk in ids]
        )


class _Inserter:
    """INSERT rows given as {field name: value} into a model's table; every other column gets its
    default, auto_now/auto_now_add columns get `now`."""

    def __init__(self, model, *, now):
        self.connection = connections[router.db_for_write(model)]
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        self.by_name = {f.name: f for f in self.fields}
        self.index = {f.name: i for i, f in enumerate(self.fields)}
        self.defaults = [self._prepare(f, self._default(f, now)) for f in self.fields]
        quote = self.connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )

    @staticmethod
    def _default(field, now):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.name == "created_at":
            return now
        return field.get_default()

    def _prepare(self, field, value):
        return field.get_db_prep_save(value, connection=self.connection)

    def __call__(self, rows: list[dict]) -> None:
        if not rows:
            return
        index = self.index
        params = []
        for row in rows:
            values = list(self.defaults)
            for name, value in row.items():
                # Text goes to the database as it is; anything else through its field.
                values[index[name]] = (
                    value if type(value) is str else self._prepare(self.by_name[name], value)
                )
            params.append(values)
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, params)
