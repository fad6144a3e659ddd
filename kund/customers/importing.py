"""Uploading an existing customer register (SPEC R-8): read a CSV or XLSX file, check every row, and
import all of it or nothing.

Three steps, each usable alone (the web page shows the first two before the user confirms the third):

1. `read_file(data)` parses the bytes: XLSX by openpyxl; CSV by the standard library's csv module after
   detecting the encoding (UTF-8, with or without BOM, else Windows-1252) and the delimiter (`;` or `,`,
   whichever the header line has more of). The header row's cells are matched to the columns of
   `kund.customers.columns`. A file that cannot be read at all raises `UnreadableFile` with one line.
2. `check_rows(parsed)` validates every row into cleaned customer data and a list of `RowError(line,
   column, reason)`; lines count the file's lines with the header as line 1.
3. `import_customers(*, actor, data)` writes — only when there is no error at all — every customer in one
   transaction, set-based (bulk inserts in chunks), with one IMPORTED history row each.

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
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
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
from kund.core.models import RegisterSettings
from kund.core.spreadsheet import restore
from kund.customers.columns import IMPORT_COLUMNS, header_index, header_key
from kund.customers.models import Customer, NumberReservation
from kund.customers.services import NUMBER_PATTERN, RESERVED_NUMBERS, allocate_customer_numbers

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
class ImportReport:
    parsed: ParsedFile
    customers: list[dict] = field(default_factory=list)  # cleaned Customer attributes, one per good row
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0

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


def check_rows(parsed: ParsedFile) -> ImportReport:
    """Validate every row; the report holds the cleaned customers and every error."""
    report = ImportReport(parsed=parsed)
    columns = parsed.columns
    header_of = {column: parsed.headers[index] for column, index in columns.items()}
    register = RegisterSettings.load()
    typed: dict[str, tuple[int, str]] = {}  # customer number → (line, header) of its first row

    for line, cells in parsed.rows:
        errors: list[RowError] = []

        def error(column: str, reason: str, line=line, errors=errors) -> None:
            errors.append(RowError(line, header_of.get(column, column), reason))

        values = {
            column: (cells[index].strip() if index < len(cells) else "") for column, index in columns.items()
        }
        customer = _clean_row(values, error, register)
        number = customer.get("number")
        if number:
            if number in typed:
                error(
                    "customer_number",
                    _("customer number %(number)s is also on line %(line)d")
                    % {"number": number, "line": typed[number][0]},
                )
            else:
                typed[number] = (line, header_of["customer_number"])
        if errors:
            report.errors.extend(errors)
        else:
            customer["_line"] = line
            report.customers.append(customer)

    numbers = list(typed)
    for start in range(0, len(numbers), CHUNK_SIZE):
        chunk = numbers[start : start + CHUNK_SIZE]
        for number in NumberReservation.objects.filter(number__in=chunk).values_list("number", flat=True):
            line, header = typed[number]
            report.errors.append(
                RowError(
                    line,
                    header,
                    _("customer number %(number)s has already been used and cannot be issued again")
                    % {"number": number},
                )
            )
    if report.errors:
        order = {english: position for position, (english, _sv, _attr) in enumerate(IMPORT_COLUMNS)}
        by_header = {header_of[c]: order[c] for c in header_of}
        report.errors.sort(key=lambda e: (e.line, by_header.get(e.column, 99)))
        report.customers = []  # all or nothing: none of them will be written
    return report


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


def check_file(data: bytes) -> ImportReport:
    """Read and check a file without writing anything (the preview, --dry-run)."""
    return check_rows(read_file(data))


def import_customers(*, actor, data: bytes, dry_run: bool = False) -> ImportReport:
    """Import every customer of the file, or none (R-8). Raises UnreadableFile for a file that cannot be
    read and ImportRefused (with the report) when any row is bad."""
    report = check_file(data)
    if not report.ok:
        raise ImportRefused(report)
    if not dry_run:
        report.imported = _write(report.customers, actor=actor)
    return report


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
