"""The mailing selection (seed 003's "Serienbrief", SPEC A-5): of the customer list as it is filtered, the
customers who may get a letter or an e-mail, as a letter-merge file (CSV or XLSX) with a salutation and
an address block, and on every one of their cards who took their address for it, and when.

Who is in it: the list's customers (the user's own view of the register, R-9) who consented to the
channel (receives information by post, or by e-mail), who are active — neither inactive (R-5) nor
deceased (seed 003: "verstorben … über die Serienbrief Funktionalität auffindbar" is what it must not
be) — and not anonymized (A-5), and who have somewhere to send it to: a street address and a city for a
letter, an e-mail address for an e-mail. Prospects who consented are included: a mailing is how one
reaches them.

The export is logged before the file is written, in one INSERT … SELECT for the whole selection
(kund.audit.services.record_event_for_each), so a mailing to a hundred thousand customers is one
statement, not a hundred thousand.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import Q, QuerySet, TextChoices
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from kund.audit.models import ChangeRecord
from kund.audit.services import record_event_for_each
from kund.core.spreadsheet import neutralise
from kund.customers.models import Customer

CHUNK = 2_000
ADDRESS_LINES = 6  # name, attention, three address lines, postal code and city (the country on the last)
HOME_COUNTRY = "SE"  # a letter within the country carries no country line


class Channel(TextChoices):
    POST = "post", gettext_lazy("Letter (post)")
    EMAIL = "email", gettext_lazy("E-mail")


COLUMNS = {
    Channel.POST: (
        "customer_number",
        "salutation",
        "name",
        "address_block",
        *(f"address_line_{n}" for n in range(1, ADDRESS_LINES + 1)),
        "postal_code",
        "city",
        "country",
    ),
    Channel.EMAIL: ("customer_number", "salutation", "name", "email"),
}

FIELDS = (
    "pk",
    "number",
    "kind",
    "first_name",
    "last_name",
    "name",
    "contact_person",
    "email",
    "invoice_company_name",
    "invoice_attention",
    "invoice_address1",
    "invoice_address2",
    "invoice_address3",
    "invoice_postal_code",
    "invoice_city",
    "invoice_country",
)


def mailing_customers(customers: QuerySet[Customer], channel: str) -> QuerySet[Customer]:
    """Of `customers` (the list as filtered and restricted to what the user may see), those the mailing
    goes to: consented to the channel, active, not anonymized, reachable by it."""
    customers = customers.filter(anonymized_at__isnull=True, status=Customer.Status.ACTIVE)
    if channel == Channel.POST:
        return customers.filter(post_consent=True).exclude(Q(invoice_address1="") | Q(invoice_city=""))
    if channel == Channel.EMAIL:
        return customers.filter(email_consent=True).exclude(email="")
    raise ValueError(f"unknown channel: {channel}")


def _is_company(row: dict) -> bool:
    if row["kind"] == Customer.Kind.COMPANY:
        return True
    return row["kind"] == Customer.Kind.PROSPECT and not (row["first_name"] or row["last_name"])


def salutation(row: dict) -> str:
    """ "Dear Anna Andersson" for a person; for a company its contact person, else "Dear Sir or Madam"."""
    if _is_company(row):
        contact = row["invoice_attention"] or row["contact_person"]
        return _("Dear %(name)s") % {"name": contact} if contact else _("Dear Sir or Madam")
    name = f"{row['first_name']} {row['last_name']}".strip() or row["name"]
    return _("Dear %(name)s") % {"name": name}


def address_lines(row: dict) -> list[str]:
    """The letter's address block from the customer's postal (invoice) address: name, the attention line
    of a company, the address lines, postal code and city, and the country when it is not Sweden."""
    company = _is_company(row)
    lines = [(row["invoice_company_name"] if company else "") or row["name"]]
    attention = row["invoice_attention"] or (row["contact_person"] if company else "")
    if attention:
        lines.append(f"{_('Attn.')} {attention}")
    lines += [row[f"invoice_address{n}"] for n in (1, 2, 3) if row[f"invoice_address{n}"]]
    lines.append(f"{row['invoice_postal_code']} {row['invoice_city']}".strip())
    country = row["invoice_country"]
    if country and country != HOME_COUNTRY:
        lines.append(country)
    return lines


def _cells(row: dict, channel: str) -> tuple:
    common = (row["number"], salutation(row), row["name"])
    if channel == Channel.EMAIL:
        return (*common, row["email"])
    lines = address_lines(row)
    padded = (lines + [""] * ADDRESS_LINES)[:ADDRESS_LINES]
    if len(lines) > ADDRESS_LINES:  # never drop a line: the last cell takes the rest
        padded[-1] = ", ".join(lines[ADDRESS_LINES - 1 :])
    postal = (row["invoice_postal_code"], row["invoice_city"], row["invoice_country"])
    return (*common, "\n".join(lines), *padded, *postal)


def mailing_rows(customers: QuerySet[Customer], channel: str, language: str) -> Iterator[tuple]:
    """The file's rows in number order, read in chunks; every cell neutralised for spreadsheets
    (kund.core.spreadsheet). Salutations are in `language`, the one the user exported in."""
    with translation.override(language):
        for row in customers.order_by("number").values(*FIELDS).iterator(chunk_size=CHUNK):
            yield tuple(neutralise(cell) for cell in _cells(row, channel))


@transaction.atomic
def mailing_record(*, customers: QuerySet[Customer], actor, channel: str) -> int:
    """Record on each customer's card that `actor` took its address for a mailing by `channel`, now
    (seed 003, R-4): one statement for the whole selection. Returns how many were recorded."""
    return record_event_for_each(
        customers=customers, actor=actor, event=ChangeRecord.Event.MAILING_EXPORTED, field=channel
    )


def _filename(channel: str, extension: str) -> str:
    return f"mailing-{channel}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(headers: tuple[str, ...], rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # lets Excel read the file as UTF-8
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow(row)


def csv_response(customers: QuerySet[Customer], channel: str) -> StreamingHttpResponse:
    rows = mailing_rows(customers, channel, translation.get_language())
    response = StreamingHttpResponse(
        _csv_lines(COLUMNS[channel], rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(channel, "csv")}"'
    return response


def xlsx_response(customers: QuerySet[Customer], channel: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("mailing")
    sheet.append(list(COLUMNS[channel]))
    for row in mailing_rows(customers, channel, translation.get_language()):
        sheet.append(list(row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename(channel, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
