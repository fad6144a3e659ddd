"""Test data for the residue scan (SPEC B-5): a customer whose own details are written into kept free
text, documents in each format Kund reads, and texts that look personal but are not."""

import io
import itertools
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile

from kund.billing.models import Invoice
from kund.customers.models import Customer
from kund.demo.testing.factories import Person, make_customer
from kund.documents.models import Document
from kund.sales.models import Order

_numbers = itertools.count(880_000)

JOHAN = Person(
    first_name="Johan",
    last_name="Lundqvist",
    email="johan.lundqvist@example.se",
    phone="070-745 38 49",
    mobile="073-111 22 33",
    street="Kopparbergsvägen 8",
    postal_code="722 14",
    city="Västerås",
    personal_number="19800101-1234",
)

# Texts that look like personal data and are not: order numbers, amounts, dates, times, article
# numbers, postal codes, giro and OCR numbers. The scan must leave every one of them as it is.
LOOK_ALIKES = (
    "O-1042",
    "Order O-1042 levererad",
    "1 234,50 kr",
    "Summa 12 345,00 kr inkl. moms",
    "2023-11-25",
    "Levereras 2023-11-25 kl. 17",
    "kl. 17",
    "kl. 17.30-18.00",
    "Art.nr 4711-0815",
    "artikel 100234",
    "753 20 Uppsala",
    "Postnummer 753 20",
    "Faktura 5001234",
    "OCR 1234567890123",
    "Bankgiro 5050-1055",
    "Lgh 1102, portkod 4411",
    "30 dagar netto",
    "Ordernr 1000234, 3 st à 249 kr",
    "Serienummer HP-2023-0099",
    "Betald 25/11/2023",
)


def customer_with_order(person: Person = JOHAN, **fields) -> tuple[Customer, Order]:
    """A private customer with one settled order and its paid invoice: ready to anonymize."""
    customer = make_customer(person=person, **fields)
    order = Order.objects.create(
        customer=customer,
        number=next(_numbers),
        date=date(2023, 11, 25),
        delivered=True,
        invoiced=True,
        total=Decimal("1234.50"),
        terms="30 dagar netto",
    )
    Invoice.objects.create(
        customer=customer,
        order=order,
        number=next(_numbers),
        date=date(2023, 11, 25),
        due_date=date(2023, 12, 25),
        total=Decimal("1234.50"),
        paid=True,
        customer_number=customer.number,
        customer_name=person.full_name,
        customer_org_number=person.personal_number,
        customer_email=person.email,
    )
    return customer, order


def pdf_bytes(*lines: str) -> bytes:
    """A one-page PDF with a text layer showing the lines (ASCII), built by hand."""
    shown = " T* ".join(f"({line}) Tj" for line in lines)
    return _pdf(f"BT /F1 11 Tf 14 TL 72 770 Td {shown} ET".encode("latin-1"))


def scanned_pdf_bytes() -> bytes:
    """A PDF page without a text layer, as a scanner makes one (here: a grey box where the image is)."""
    return _pdf(b"0.5 g 72 500 450 300 re f")


def _pdf(stream: bytes) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def docx_bytes(*paragraphs: str, table_cell: str = "") -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table_cell:
        document.add_table(rows=1, cols=1).cell(0, 0).text = table_cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def document(customer: Customer, title: str, name: str, content: bytes) -> Document:
    return Document.objects.create(customer=customer, title=title, file=ContentFile(content, name=name))
