"""Demo data (SPEC §8 `seed_demo`): Swedish customers with every kind of linked record and every erasure
case of SPEC §4, spread over the last ten years, deterministic for a seed and fast enough for a million
customers.

Deterministic: one random.Random(seed) draws everything, in a fixed order; Faker, seeded with the same
seed, only builds value pools once (names, streets, companies). The only outside input is today's date,
the anchor of the ten-year window. (The names of the stored files are the exception: random like every
upload's, kund.core.files, since a name that follows from the seed could be guessed.)

Fast: rows draw from the pools instead of calling Faker, and are plain dicts written with one
`executemany` per table and chunk of customers, in one transaction per chunk. Django's bulk_create
prepares every value of every row field by field, which took four fifths of the time; here only
datetimes need adapting. Rows that other rows point at get their primary keys here (after the largest
one in the table, read at the start of each chunk), so children can point at parents before anything is
written; on PostgreSQL the id sequences are moved past them after each chunk. On SQLite the chunk's
transaction holds the write lock from the start; on PostgreSQL nothing else should add such rows while
the seeder runs. Customer numbers come as a block from the register's sequence;
the database trigger reserves them (SPEC R-1).

Every case: every hundred customers draw their case from a shuffled deck with the proportions of
CASE_WEIGHTS, so every case is present in every hundred customers drawn and the proportions are exact.
Across the cases: prospects (a share of the customers without transactions, seed 001), deceased private
persons with their date (a share of those whose business is long settled, seed 003), every mix of
consents to post and e-mail (mailings), deliveries whose invoice and delivery addresses differ, activities
that link a second customer (seed 001), trade invoices with a sender block, and technicians (seed 004).

In the order they came: a register hands out ids and numbers as customers arrive, so in a real one the
oldest customer has the lowest id. The seeder draws every customer's case and creation moment first and
builds them oldest first, so ids, numbers and creation dates rise together here too. (Drawn in id
order, creation dates would be a random shuffle of ids, and everything that reads customers by date,
such as mass erasure's oldest-first selection and its index, would see an order no register has.)
"""

import enum
import io
import operator
import random
import secrets
import struct
import time
import unicodedata
import zipfile
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from faker import Faker
from stdnum import luhn

from kund.audit.models import ChangeRecord
from kund.billing.models import AgreementInvoice, Invoice, PaymentReminder, Receipt, ReminderFee
from kund.core.files import random_name
from kund.core.models import NumberedRecord, RegisterSettings, UserEvent
from kund.crm.models import (
    Activity,
    Agreement,
    EmailMessage,
    Project,
    ProjectGroup,
    ProjectGroupMembership,
    ResellerLink,
)
from kund.customers.models import (
    Branch,
    CreditFile,
    CreditInfo,
    Customer,
    CustomerGroup,
    CustomField,
    CustomFieldValue,
    Notification,
)
from kund.customers.selectors import TECHNICIANS_GROUP
from kund.customers.services import allocate_customer_numbers
from kund.documents.models import Document
from kund.portal.models import CustomerUser
from kund.sales.models import (
    Delivery,
    DropshipOrder,
    InboundDelivery,
    Order,
    OrderExtraInfo,
    Purchase,
    Quote,
    TradeInvoice,
)
from kund.service.models import FaultReport, FaultReportFile, Installation, ServiceOrder, ServiceProtocol
from kund.support.models import SupportTicket, TicketReply

Row = dict[str, object]

DEFAULT_CHUNK_SIZE = 5000
YEARS = 10
OLD_DAYS = 400  # "old": more than about a year ago, so that a mass erasure through a year ago catches it


class Case(enum.StrEnum):
    """What SPEC §4 should decide for a customer, and why."""

    NO_TRANSACTIONS = "no_transactions"  # delete (E-1)
    SETTLED = "settled"  # anonymize: only old, settled transactions
    RECENT = "recent"  # anonymize: settled, some within the last year
    NOT_DELIVERED = "not_delivered"  # blocked (E-3)
    NOT_INVOICED = "not_invoiced"  # blocked (E-3)
    UNPAID = "unpaid"  # blocked (E-3)
    ONGOING_AGREEMENT = "ongoing_agreement"  # blocked (E-3, Decision)
    OWN_DETAILS_IN_FREE_TEXT = "own_details_in_free_text"  # anonymize; kept free text to review (A-2, B-5)
    ANONYMIZED = "anonymized"  # already anonymized


# Customers per hundred.
CASE_WEIGHTS: tuple[tuple[Case, int], ...] = (
    (Case.NO_TRANSACTIONS, 15),
    (Case.SETTLED, 56),
    (Case.RECENT, 10),
    (Case.NOT_DELIVERED, 3),
    (Case.NOT_INVOICED, 3),
    (Case.UNPAID, 3),
    (Case.ONGOING_AGREEMENT, 3),
    (Case.OWN_DETAILS_IN_FREE_TEXT, 5),
    (Case.ANONYMIZED, 2),
)
OLD_SETTLED_CASES = (Case.SETTLED, Case.OWN_DETAILS_IN_FREE_TEXT, Case.ANONYMIZED)
COMPANY_SHARE = 0.25
PROSPECT_SHARE = 0.3  # of the customers without transactions: customers-to-be (seed 001)
DECEASED_SHARE = 0.04  # of the private persons whose business is long settled (seed 003)
SECOND_CUSTOMER_SHARE = 0.15  # of the activities: another customer was there too (seed 001)
RETURN_EVERY = 4  # every fourth trade invoice: goods sent back by the customer (the sender block is theirs)
TECHNICIANS = 4  # of the staff users: members of the "Technicians" group (seed 004)
# The business itself, as the sender (or, for a return, the recipient) of trade invoices.
OWN_ADDRESS = {"name": "Kund Demo AB", "address": "Mätarvägen 5", "postal_code": "724 68", "city": "Västerås"}

# Parents before children.
INSERT_ORDER: tuple[type[models.Model], ...] = (
    Customer,
    Branch,
    CreditInfo,
    CreditFile,
    CustomFieldValue,
    Document,
    ChangeRecord,
    Notification,
    Order,
    OrderExtraInfo,
    Delivery,
    Invoice,
    PaymentReminder,
    ReminderFee,
    Receipt,
    Quote,
    DropshipOrder,
    Purchase,
    InboundDelivery,
    TradeInvoice,
    Activity,
    Agreement,
    AgreementInvoice,
    Project,
    ProjectGroupMembership,
    ResellerLink,
    EmailMessage,
    SupportTicket,
    TicketReply,
    Installation,
    ServiceOrder,
    ServiceProtocol,
    FaultReport,
    FaultReportFile,
    CustomerUser,
)
NUMBERED_MODELS = tuple(m for m in INSERT_ORDER if issubclass(m, NumberedRecord))
# Records that other records of a chunk point at get their ids here, so that their children can be built
# before anything is written; the database numbers the rest.
PARENT_MODELS = frozenset(
    f.related_model for m in INSERT_ORDER for f in m._meta.concrete_fields if f.related_model in INSERT_ORDER
)


@dataclass(frozen=True)
class Locality:
    city: str
    region: str
    postal_codes: tuple[int, int]  # first three digits, from and to
    area_code: str
    latitude: float
    longitude: float
    weight: int


# Swedish towns with their county, postal-code range, telephone area code and rough centre.
LOCALITIES = (
    Locality("Stockholm", "Stockholms län", (111, 129), "08", 59.3293, 18.0686, 30),
    Locality("Solna", "Stockholms län", (169, 171), "08", 59.3600, 18.0009, 4),
    Locality("Södertälje", "Stockholms län", (151, 152), "08", 59.1955, 17.6253, 3),
    Locality("Täby", "Stockholms län", (183, 187), "08", 59.4439, 18.0687, 3),
    Locality("Uppsala", "Uppsala län", (752, 757), "018", 59.8586, 17.6389, 8),
    Locality("Göteborg", "Västra Götalands län", (411, 426), "031", 57.7089, 11.9746, 20),
    Locality("Borås", "Västra Götalands län", (503, 507), "033", 57.7210, 12.9401, 4),
    Locality("Trollhättan", "Västra Götalands län", (461, 469), "0520", 58.2837, 12.2886, 2),
    Locality("Skövde", "Västra Götalands län", (541, 549), "0500", 58.3903, 13.8461, 2),
    Locality("Malmö", "Skåne län", (211, 218), "040", 55.6050, 13.0038, 12),
    Locality("Helsingborg", "Skåne län", (252, 256), "042", 56.0465, 12.6945, 5),
    Locality("Lund", "Skåne län", (222, 227), "046", 55.7047, 13.1910, 5),
    Locality("Kristianstad", "Skåne län", (291, 296), "044", 56.0294, 14.1567, 3),
    Locality("Linköping", "Östergötlands län", (582, 589), "013", 58.4108, 15.6214, 6),
    Locality("Norrköping", "Östergötlands län", (602, 605), "011", 58.5877, 16.1924, 5),
    Locality("Örebro", "Örebro län", (702, 705), "019", 59.2753, 15.2134, 6),
    Locality("Västerås", "Västmanlands län", (721, 725), "021", 59.6099, 16.5448, 6),
    Locality("Eskilstuna", "Södermanlands län", (632, 635), "016", 59.3666, 16.5077, 4),
    Locality("Nyköping", "Södermanlands län", (611, 611), "0155", 58.7530, 17.0079, 2),
    Locality("Jönköping", "Jönköpings län", (551, 556), "036", 57.7826, 14.1618, 6),
    Locality("Växjö", "Kronobergs län", (352, 355), "0470", 56.8777, 14.8091, 4),
    Locality("Kalmar", "Kalmar län", (392, 393), "0480", 56.6634, 16.3568, 3),
    Locality("Karlskrona", "Blekinge län", (371, 373), "0455", 56.1612, 15.5869, 3),
    Locality("Halmstad", "Hallands län", (302, 305), "035", 56.6745, 12.8578, 4),
    Locality("Varberg", "Hallands län", (432, 432), "0340", 57.1057, 12.2508, 3),
    Locality("Karlstad", "Värmlands län", (652, 656), "054", 59.4022, 13.5115, 4),
    Locality("Gävle", "Gävleborgs län", (802, 806), "026", 60.6749, 17.1413, 4),
    Locality("Falun", "Dalarnas län", (791, 791), "023", 60.6065, 15.6355, 3),
    Locality("Borlänge", "Dalarnas län", (781, 784), "0243", 60.4858, 15.4371, 2),
    Locality("Sundsvall", "Västernorrlands län", (852, 857), "060", 62.3908, 17.3069, 4),
    Locality("Östersund", "Jämtlands län", (831, 832), "063", 63.1792, 14.6357, 3),
    Locality("Umeå", "Västerbottens län", (903, 907), "090", 63.8258, 20.2630, 5),
    Locality("Skellefteå", "Västerbottens län", (931, 931), "0910", 64.7507, 20.9528, 2),
    Locality("Luleå", "Norrbottens län", (972, 975), "0920", 65.5848, 22.1547, 3),
    Locality("Kiruna", "Norrbottens län", (981, 981), "0980", 67.8558, 20.2253, 1),
    Locality("Visby", "Gotlands län", (621, 624), "0498", 57.6348, 18.2948, 2),
)

MOBILE_PREFIXES = ("070", "072", "073", "076", "079")
MAIL_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "telia.com",
    "live.se",
    "icloud.com",
    "yahoo.se",
    "bredband.net",
    "spray.se",
    "swipnet.se",
)
CUSTOMER_GROUPS = ("Privatkunder", "Stamkunder", "Företagskunder", "Återförsäljare", "Bostadsrättsföreningar")
PROJECT_GROUPS = ("Nybyggnation", "Renovering", "Energieffektivisering", "Service och underhåll", "IT-drift")
CUSTOM_FIELDS = (  # name, kind, choices
    ("Kundkategori", CustomField.Kind.CHOICE, ("Villa", "Bostadsrätt", "Fritidshus", "Företag", "Förening")),
    ("Antal anställda", CustomField.Kind.NUMBER, ()),
    ("Senaste servicebesök", CustomField.Kind.DATE, ()),
    ("Nyhetsbrev", CustomField.Kind.BOOLEAN, ()),
    ("Övrigt", CustomField.Kind.TEXT, ()),
)
STAFF_COUNT = 8
# --- customer users of the portal (R-10) ---
# A share of the companies has portal users; they and the photos of fault reports are drawn from a random
# generator of their own, so the rest of the demo data is the same for a seed as without them.
PORTAL_COMPANY_SHARE = 0.4
FAULT_PHOTO_SHARE = 0.15

# Free text without anything personal in it. Some of it looks like personal data and is not — order and
# article numbers, amounts, dates, times, postal codes, giro numbers — as real free text does: the
# residue scan (B-5) must leave it as it is, and `make bench` measures its false positives on it.
CUSTOMER_INFO = (
    "Föredrar kontakt via e-post.",
    "Portkod 4411, lgh 1102.",
    "Leveranser till 753 20 Uppsala, lastkaj 3.",
    "Har hund – ring innan besök.",
    "Nyckel finns i nyckelbox vid entrén.",
    "Vill ha offert innan arbete påbörjas.",
    "Parkering på gården är tillåten.",
    "Kunden önskar besök på förmiddagar.",
    "Fakturan ska märkas med projektnummer.",
    "Portkod lämnas vid bokning.",
)
CUSTOMER_INTERNAL_INFO = (
    "Betalar alltid i tid.",
    "Har klagat på leveranstider tidigare.",
    "Kan vara intresserad av serviceavtal.",
    "Kräver skriftlig bekräftelse på alla beställningar.",
    "Rabatt 10 % på arbetskostnad enligt överenskommelse.",
)
PUBLISHED_COMMENTS = (
    "Tack för din beställning!",
    "Leverans sker på vardagar mellan 8 och 16.",
    "Varorna levereras i två kolli.",
    "Kontakta oss vid frågor om leveransen.",
    "Levereras 2023-11-25 kl. 17.30-18.00.",
    "Summa 12 345,00 kr inkl. moms.",
)
INTERNAL_COMMENTS = (
    "Kontrollera lagersaldo innan bekräftelse.",
    "Restnoterad artikel, skickas separat.",
    "Prisjusterad enligt avtal.",
    "Frakt ingår.",
    "Ordernr 1000234, 3 st à 249 kr.",
    "Art.nr 4711-0815 restnoterad till vecka 48.",
    "Betalas till bankgiro 5050-1055 med OCR 1234567890123.",
)
TERMS_PRIVATE = ("20 dagar netto", "Förskottsbetalning", "Kortbetalning")
TERMS_COMPANY = ("30 dagar netto", "15 dagar netto", "Enligt ramavtal")
ACTIVITY_SUBJECTS = {
    Activity.Kind.CALL: ("Uppföljningssamtal", "Fråga om faktura", "Bokning av servicebesök"),
    Activity.Kind.MEETING: ("Möte om offert", "Platsbesök", "Genomgång av behov"),
    Activity.Kind.EMAIL: ("Skickade produktblad", "Svar på förfrågan", "Påminnelse om offert"),
    Activity.Kind.TASK: ("Ta fram offert", "Beställ reservdelar", "Uppdatera kunduppgifter"),
    Activity.Kind.EVENT: ("Mässbesök", "Kundträff", "Öppet hus"),
}
ACTIVITY_KINDS = tuple(ACTIVITY_SUBJECTS)
TICKET_SUBJECTS = (
    "Fel på leveransen",
    "Fråga om faktura",
    "Produkten fungerar inte",
    "Byte av leveransdatum",
    "Inloggning till kundportalen",
)
AGREEMENT_DESCRIPTIONS = (
    "Serviceavtal värmepump",
    "Supportavtal IT",
    "Hyresavtal kaffemaskin",
    "Underhållsavtal ventilation",
    "Larmavtal",
)
PROJECT_NAMES = (
    "Badrumsrenovering",
    "Nytt kontorsnätverk",
    "Byte av fönster",
    "Installation av solceller",
    "Ombyggnad av kök",
    "Flytt av kontor",
)
INSTALLATIONS = (
    "Värmepump luft/vatten",
    "Bergvärmepump",
    "Ventilationsaggregat",
    "Laddbox för elbil",
    "Inbrottslarm",
    "Kaffemaskin",
    "Solcellsanläggning",
)
SERVICE_DESCRIPTIONS = (
    "Årlig service",
    "Byte av filter",
    "Felsökning efter larm",
    "Kontroll av tryck och flöde",
    "Uppgradering av programvara",
)
FAULT_DESCRIPTIONS = (
    "Enheten startar inte.",
    "Konstigt ljud från fläkten.",
    "Felkod visas i displayen.",
    "Ingen värme i radiatorerna.",
    "Larmet går utan anledning.",
)
GOODS = ("Reservdelar", "Elektronikkomponenter", "Verktyg", "Kontorsmöbler", "Textilier")
DOCUMENT_TITLES = ("Offertunderlag", "Ritning", "Avtal (skannat)", "Bilder före installation", "Protokoll")
RESIDUE_DOCUMENT_TITLES = ("Avtal", "Beställning", "Fullmakt", "Anbud", "Leveransbekräftelse")
DOCUMENT_FORMATS = ("txt", "pdf", "docx")
RESIDUE_DOCUMENT_SHARE = 0.1  # of the customers with their own details in free text: a document too (few:
# a PDF or Word file takes the scan some 6 ms to read)
CREDIT_PROVIDERS = ("UC", "Creditsafe", "Dun & Bradstreet", "Syna")
CREDIT_RATINGS = ("AAA", "AA", "A", "B", "C")

_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "ae", "ø": "o"})


def _mail_part(text: str) -> str:
    text = text.lower().translate(_ASCII)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum() or ch in ".-")


@dataclass
class Pools:
    """Values drawn once from Faker and sampled with random afterwards. Repeats are kept on purpose:
    Faker's name lists are weighted by frequency, and a pool that keeps its repeats keeps the weights."""

    female_names: list[str]
    male_names: list[str]
    last_names: list[str]
    companies: list[str]
    streets: list[str]

    @classmethod
    def build(cls, seed: int, size: int = 3000) -> "Pools":
        faker = Faker("sv_SE")
        faker.seed_instance(seed)
        return cls(
            female_names=[faker.first_name_female() for _ in range(size)],
            male_names=[faker.first_name_male() for _ in range(size)],
            last_names=[faker.last_name() for _ in range(size)],
            companies=[faker.company() for _ in range(size)],
            streets=sorted({faker.street_name() for _ in range(size)}),
        )


@dataclass
class SeedResult:
    customers: int = 0
    companies: int = 0
    cases: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # by model name, customers included
    anonymized: int = 0
    files: int = 0
    seconds: float = 0.0

    @property
    def linked_rows(self) -> int:
        return sum(count for name, count in self.rows.items() if name != "customer")


@dataclass
class _Address:
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    latitude: Decimal
    longitude: Decimal

    @property
    def one_line(self) -> str:
        return f"{self.line1}, {self.line2}" if self.line2 else self.line1


@dataclass
class _Party:
    """A customer as its records copy it: who it is, where, and how to reach it."""

    row: Row  # the customer's own row
    company: bool
    first_name: str
    contact: str  # the person to address: the private person, or the company's contact person
    address: _Address  # where invoices go
    delivery: _Address  # where goods go

    @property
    def id(self) -> int:
        return self.row["id"]

    @property
    def number(self) -> str:
        return self.row["number"]

    @property
    def name(self) -> str:
        return self.row["name"]

    @property
    def email(self) -> str:
        return self.row["email"]

    @property
    def mobile(self) -> str:
        return self.row["mobile"]

    @property
    def phone(self) -> str:
        return self.row["phone"]

    @property
    def reach(self) -> str:
        """The number to call: the mobile, else the phone."""
        return self.row["mobile"] or self.row["phone"]

    @property
    def responsible_id(self) -> int | None:
        return self.row.get("responsible_id")

    # The copies records make of the customer, the same on every record of one customer.

    @cached_property
    def invoice_copy(self) -> Row:
        a = self.address
        return {
            "invoice_name": self.name,
            "invoice_attention": self.row["invoice_attention"] if self.company else "",
            "invoice_address": a.one_line,
            "invoice_postal_code": a.postal_code,
            "invoice_city": a.city,
            "invoice_region": a.region,
            "invoice_country": "SE",
        }

    @cached_property
    def delivery_copy(self) -> Row:
        d = self.delivery
        return {
            "delivery_name": self.name,
            "delivery_attention": self.contact if self.company else "",
            "delivery_address": d.one_line,
            "delivery_postal_code": d.postal_code,
            "delivery_city": d.city,
            "delivery_region": d.region,
            "delivery_country": "SE",
        }

    @cached_property
    def frozen(self) -> Row:
        """The customer's details as a voucher freezes them (SPEC A-3)."""
        a = self.address
        return {
            "customer_number": self.number,
            "customer_name": self.name,
            "customer_address": a.one_line,
            "customer_postal_code": a.postal_code,
            "customer_city": a.city,
            "customer_country": "SE",
            "customer_org_number": self.row["organisation_number"],
            "customer_vat_number": self.row.get("vat_number", ""),
        }


class _Chunk:
    """The rows of one chunk of customers, by model; parents have their primary keys already."""

    def __init__(self, next_ids: dict[type[models.Model], int]) -> None:
        self.rows: dict[type[models.Model], list[Row]] = defaultdict(list)
        self.next_ids = next_ids
        self.files = 0
        self.custom_values: dict[tuple[int, int], Row] = {}
        self.orders: dict[int, list[Row]] = defaultdict(list)
        self.quotes: dict[int, list[Row]] = defaultdict(list)
        # Customers of the chunk built so far that have business of their own: an activity may link one
        # as its second customer without changing what erasure decides for it.
        self.linkable: list[_Party] = []

    def add(self, model: type[models.Model], **values) -> Row:
        if model in PARENT_MODELS:
            values["id"] = pk = self.next_ids[model]
            self.next_ids[model] = pk + 1
        self.rows[model].append(values)
        return values

    def set_custom_value(self, customer_id: int, custom_field: CustomField, value: str) -> None:
        """One value per customer and field (a unique constraint): a later value replaces an earlier one."""
        key = (customer_id, custom_field.pk)
        if key in self.custom_values:
            self.custom_values[key]["value"] = value
        else:
            self.custom_values[key] = self.add(
                CustomFieldValue, customer_id=customer_id, field_id=custom_field.pk, value=value
            )

    def save_file(self, name: str, content: bytes) -> str:
        self.files += 1
        return default_storage.save(name, ContentFile(content))


class _Table:
    """Writes rows given as {attname: value} into one model's table; a field a row leaves out gets the
    field's default. Dates, decimals and booleans go to the driver as they are; aware datetimes are
    adapted for the database (SQLite stores them as naive UTC text). Columns the database computes
    (GeneratedField), and the ids of rows nothing points at, are left to it."""

    def __init__(self, model: type[models.Model]) -> None:
        fields = [
            f
            for f in model._meta.concrete_fields
            if not getattr(f, "generated", False) and (model in PARENT_MODELS or not f.primary_key)
        ]
        self.defaults = {f.attname: f.get_default() for f in fields}  # "" for a text field without one
        self.pick = operator.itemgetter(*(f.attname for f in fields))
        self.datetimes = [f.attname for f in fields if isinstance(f, models.DateTimeField)]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"

    def values(self, rows: list[Row]) -> list[tuple]:
        """The rows as the INSERT's parameters."""
        defaults, pick, datetimes = self.defaults, self.pick, self.datetimes
        adapt = connection.ops.adapt_datetimefield_value
        out = []
        for row in rows:
            values = defaults | row
            for name in datetimes:
                values[name] = adapt(values[name])
            out.append(pick(values))
        return out

    def write(self, values: list[tuple]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


class _Arrival(NamedTuple):
    """When a customer came, and the case its records will make of it."""

    days_ago: int
    hour: int
    minute: int
    case: Case

    # A run holds every customer's arrival until it is built, packed into one integer that sorts oldest
    # first, and in the order drawn within a minute: a million of them take 8 MB in an array, where as
    # tuples they took a hundred.
    CASES = tuple(Case)
    DAYS = YEARS * 366  # more than the oldest days_ago

    def packed(self, drawn: int, count: int) -> int:
        """This arrival as the `drawn`-th of `count`."""
        minutes = (self.DAYS - self.days_ago) * 1440 + self.hour * 60 + self.minute
        return (minutes * count + drawn) * len(self.CASES) + self.CASES.index(self.case)

    @classmethod
    def unpacked(cls, code: int, count: int) -> "_Arrival":
        rest, case = divmod(code, len(cls.CASES))
        days, minute_of_day = divmod(rest // count, 1440)
        return cls(cls.DAYS - days, minute_of_day // 60, minute_of_day % 60, cls.CASES[case])


@dataclass
class _Built:
    """One chunk, ready to be written: INSERT parameters by model, and what the run reports."""

    values: dict[type[models.Model], list[tuple]]
    cases: Counter
    companies: int
    to_anonymize: list[int]
    files: int


class DemoSeeder:
    """Builds and writes the demo customers. One instance per run; `run` does the work."""

    def __init__(self, *, seed: int, today: date | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE):
        self.seed = seed
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self.today = today or timezone.localdate()
        self.chunk_size = chunk_size
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.pools = Pools.build(seed)
        self.localities = [loc for loc in LOCALITIES for _ in range(loc.weight)]
        # Dates by days ago, from a little in the future (negative) to the start of the window.
        self.dates = {k: self.today - timedelta(days=k) for k in range(-800, YEARS * 366 + 1)}
        self.deck: list[Case] = []
        self.next_number: dict[type[models.Model], int] = {}
        self.portal_rng = random.Random(f"{seed}-portal")
        self.residue_rng = random.Random(f"{seed}-residue")  # B-5's extra residue (see _own_details_…)
        self.residue_documents = 0
        self.portal_emails: set[str] = set()

    # ----------------------------------------------------------------------------------------- setup

    def _prepare(self) -> None:
        register = RegisterSettings.load()
        if not register.crm_enabled:
            register.crm_enabled = True
            register.save(update_fields=["crm_enabled"])
        self.groups = {name: CustomerGroup.objects.get_or_create(name=name)[0].pk for name in CUSTOMER_GROUPS}
        self.project_groups = [ProjectGroup.objects.get_or_create(name=name)[0].pk for name in PROJECT_GROUPS]
        self.custom_fields = {}
        for position, (name, kind, choices) in enumerate(CUSTOM_FIELDS):
            self.custom_fields[name], _created = CustomField.objects.get_or_create(
                name=name, defaults={"kind": kind, "choices": "\n".join(choices), "position": position}
            )
        self.staff = self._staff_users()
        # The portal users who have chosen a password share the hash of one nobody knows (one hashing per
        # run); `make demo` gives one of them a password of its own (scripts/demo).
        self.portal_password = make_password(secrets.token_urlsafe(24))
        for model in NUMBERED_MODELS:  # linked records' numbers go on from the largest one there is
            top = model.objects.aggregate(top=Max("number"))["top"] or 0
            self.next_number[model] = max(top, 999) + 1
        self.tables = {model: _Table(model) for model in INSERT_ORDER}

    def _staff_users(self) -> list[tuple[int, str]]:
        """A few staff users (sellers, technicians): responsible for customers, authors of the work."""
        user_model = get_user_model()
        names = random.Random(f"{self.seed}-staff")
        staff = []
        technicians, _created = Group.objects.get_or_create(name=TECHNICIANS_GROUP)
        for i in range(1, STAFF_COUNT + 1):
            first = names.choice(self.pools.female_names if i % 2 else self.pools.male_names)
            last = names.choice(self.pools.last_names)
            user, created = user_model.objects.get_or_create(
                username=f"demo-staff-{i:02d}",
                defaults={"first_name": first, "last_name": last, "is_staff": True},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                UserEvent.objects.create(user=user, actor=None, event=UserEvent.Event.CREATED)
            if i <= TECHNICIANS:
                user.groups.add(technicians)
            staff.append((user.pk, user.get_username()))
        return staff

    def _staff_id(self) -> int:
        return self._pick(self.staff)[0]

    # ------------------------------------------------------------------------------------------ run

    def run(self, count: int, *, progress: Callable[[str], None] | None = None) -> SeedResult:
        started = time.monotonic()
        self._prepare()
        result = SeedResult(customers=count)
        rows: dict[str, int] = defaultdict(int)
        done = 0
        arrivals = self._arrivals(count)
        with _bulk_load_settings():
            while done < count:
                numbers = allocate_customer_numbers(min(self.chunk_size, count - done))
                with transaction.atomic():  # on SQLite this takes the write lock before the ids are read
                    coming = [_Arrival.unpacked(code, count) for code in arrivals[done : done + len(numbers)]]
                    built = self._build(numbers, coming, next_ids=self._next_ids())
                    for model, values in built.values.items():
                        self.tables[model].write(values)
                        rows[model._meta.model_name] += len(values)
                    self._move_sequences()
                result.anonymized += self._anonymize(built.to_anonymize)
                for case, n in built.cases.items():
                    result.cases[case] = result.cases.get(case, 0) + n
                result.companies += built.companies
                result.files += built.files
                done += sum(built.cases.values())
                if progress:
                    elapsed = time.monotonic() - started
                    progress(
                        gettext("seed_demo: %(done)s/%(count)s customers (%(share)s), %(seconds).1f s")
                        % {
                            "done": f"{done:,}",
                            "count": f"{count:,}",
                            "share": f"{done / count:.0%}",
                            "seconds": elapsed,
                        }
                    )
        self._check_erasure_log()
        result.rows = dict(sorted(rows.items()))
        result.seconds = time.monotonic() - started
        return result

    def _check_erasure_log(self) -> None:
        """The erasure log's chain checked once, as its page does (B-2), so the demo shows a result."""
        from kund.audit import erasure_log, log_checks
        from kund.audit.models import ErasureLogCheck

        check = ErasureLogCheck.objects.create(total=erasure_log.chain_length())
        log_checks.check_run(check_id=check.pk)

    def _next_ids(self) -> dict[type[models.Model], int]:
        return {model: (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for model in PARENT_MODELS}

    def _arrivals(self, count: int) -> array:
        """Every customer's case and creation moment, oldest first (see the module docstring), packed."""
        arrivals = array("q")
        for drawn in range(count):
            case = self._draw_case()
            days_ago = self._created_days_ago(case)
            arrival = _Arrival(days_ago, self._between(7, 18), self._between(0, 59), case)
            arrivals.append(arrival.packed(drawn, count))
        return array("q", sorted(arrivals))

    def _build(
        self, numbers: list[str], arrivals: list[_Arrival], *, next_ids: dict[type[models.Model], int]
    ) -> _Built:
        """Build one chunk of customers with these numbers and all their records."""
        chunk = _Chunk(next_ids)
        cases: Counter = Counter()
        companies, to_anonymize = 0, []
        for number, arrival in zip(numbers, arrivals, strict=True):
            case = arrival.case
            party = self._customer(chunk, number, arrival)
            company = party.company and party.row["kind"] == Customer.Kind.COMPANY  # not a prospect
            if company:
                self._portal_users(chunk, party, arrival.days_ago)
            cases[case.value] += 1
            companies += company
            if case is Case.ANONYMIZED:
                to_anonymize.append(party.id)
        self._portal_emails_not_taken(chunk)
        values = {
            model: self.tables[model].values(chunk.rows[model]) for model in INSERT_ORDER if chunk.rows[model]
        }
        return _Built(values, cases, companies, to_anonymize, chunk.files)

    def _move_sequences(self) -> None:
        """PostgreSQL hands out ids from a sequence, which does not see rows written with their own ids."""
        statements = connection.ops.sequence_reset_sql(
            no_style(), sorted(PARENT_MODELS, key=INSERT_ORDER.index)
        )
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def _anonymize(self, customer_ids: list[int]) -> int:
        """The already-anonymized case, made by the erasure engine itself."""
        if not customer_ids:
            return 0
        from kund.privacy.services import anonymize_customers

        return len(anonymize_customers(customer_ids=customer_ids, actor=None).anonymized)

    def _draw_case(self) -> Case:
        if not self.deck:
            self.deck = [case for case, weight in CASE_WEIGHTS for _ in range(weight)]
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    # ---------------------------------------------------------------------------------------- values

    # random.Random's randint and choice cost several times more than random(); these draw the same
    # way for a seed, and the seeder calls them millions of times.
    def _pick(self, seq):
        return seq[int(self._random() * len(seq))]

    def _between(self, low: int, high: int) -> int:
        return low + int(self._random() * (high - low + 1))

    def _number(self, model: type[models.Model]) -> int:
        number = self.next_number[model]
        self.next_number[model] = number + 1
        return number

    def _day(self, days_ago: int) -> date:
        day = self.dates.get(days_ago)
        return day if day is not None else self.today - timedelta(days=days_ago)

    def _days_ago(self, newest: int, oldest: int) -> int:
        return self._between(newest, max(newest, oldest))

    def _moment(self, day: date) -> datetime:
        """A time during the working day."""
        return self._at(day, self._between(7, 18), self._between(0, 59))

    def _at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def _amount(self, low: int, high: int) -> Decimal:
        """Whole kronor between low and high."""
        return Decimal(self._between(low, high))

    def _mobile(self) -> str:
        prefix = self._pick(MOBILE_PREFIXES)
        return f"{prefix}-{self._between(100, 999)} {self._between(10, 99)} {self._between(10, 99)}"

    def _landline(self, area_code: str) -> str:
        if len(area_code) == 2 or (len(area_code) == 3 and self._random() < 0.5):  # 08-123 45 67
            return f"{area_code}-{self._between(100, 999)} {self._between(10, 99)} {self._between(10, 99)}"
        return f"{area_code}-{self._between(10, 99)} {self._between(10, 99)} {self._between(10, 99)}"

    def _address(self, locality: Locality | None = None, *, box: bool = False) -> _Address:
        loc = locality or self._pick(self.localities)
        if box:
            line1, line2 = f"Box {self._between(100, 9999)}", ""
        else:
            line1 = f"{self._pick(self.pools.streets)} {self._between(1, 120)}"
            line2 = f"Lgh {self._between(10, 16)}{self._between(1, 3):02d}" if self._random() < 0.15 else ""
        return _Address(
            line1=line1,
            line2=line2,
            postal_code=f"{self._between(*loc.postal_codes)} {self._between(0, 99):02d}",
            city=loc.city,
            region=loc.region,
            latitude=Decimal(f"{loc.latitude + (self._random() - 0.5) * 0.12:.6f}"),
            longitude=Decimal(f"{loc.longitude + (self._random() - 0.5) * 0.2:.6f}"),
        )

    def _personnummer(self, birth: date, female: bool) -> str:
        """A valid personal identity number, YYYYMMDD-NNNC: the third serial digit is even for women."""
        serial = self._between(0, 99) * 10 + self._between(0, 4) * 2 + (0 if female else 1)
        digits = f"{birth:%y%m%d}{serial:03d}"
        return f"{birth:%Y%m%d}-{serial:03d}{luhn.calc_check_digit(digits)}"

    def _orgnr(self, company_name: str) -> str:
        """A valid organisation number, NNNNNN-NNNC: 55… for a limited company, 969… for a partnership."""
        if company_name.endswith((" HB", " KB")):
            digits = f"969{self._between(0, 999999):06d}"
        else:
            digits = f"55{self._between(6, 9)}{self._between(0, 999999):06d}"
        return f"{digits[:6]}-{digits[6:]}{luhn.calc_check_digit(digits)}"

    def _person_email(self, first: str, last: str, birth: date | None) -> str:
        first, last = _mail_part(first), _mail_part(last)
        style = self._between(0, 4)
        if style == 0:
            local = f"{first}.{last}"
        elif style == 1:
            local = f"{first}{last}"
        elif style == 2:
            local = f"{first[0]}.{last}"
        elif style == 3 and birth:
            local = f"{first}.{last}{birth:%y}"
        else:
            local = f"{first}_{last}{self._between(1, 999)}"
        return f"{local}@{self._pick(MAIL_DOMAINS)}"

    # ------------------------------------------------------------------------------------- customers

    def _customer(self, chunk: _Chunk, number: str, arrival: _Arrival) -> _Party:
        case, created_ago = arrival.case, arrival.days_ago
        created_at = self._at(self._day(created_ago), arrival.hour, arrival.minute)
        values = {"number": number, "created_at": created_at, "updated_at": created_at}
        if self._random() < COMPANY_SHARE:
            party = self._company(chunk, values)
        else:
            party = self._private_person(chunk, values)
        row = party.row
        if self._random() < 0.6:
            names = ("Företagskunder", "Återförsäljare", "Bostadsrättsföreningar") if party.company else None
            row["group_id"] = self.groups[self._pick(names or ("Privatkunder", "Stamkunder"))]
        if self._random() < 0.3:
            row["responsible_id"] = self._staff_id()
        if self._random() < 0.3:
            row["info"] = self._pick(CUSTOMER_INFO)
        if self._random() < 0.15:
            row["internal_info"] = self._pick(CUSTOMER_INTERNAL_INFO)

        if case is Case.NO_TRANSACTIONS and self._random() < PROSPECT_SHARE:
            row["kind"] = Customer.Kind.PROSPECT  # a customer-to-be: nothing bought yet (seed 001)
        self._history(chunk, party, created_ago)
        if case is Case.SETTLED and not party.company and self._random() < DECEASED_SHARE:
            self._deceased(chunk, party)
        self._belongings(chunk, party, created_ago, extra=case is Case.NO_TRANSACTIONS)
        if case is Case.RECENT:
            self._transactions(chunk, party, newest=10, oldest=created_ago)
            self._order(chunk, party, self._days_ago(10, min(300, created_ago)))
        elif case in OLD_SETTLED_CASES:
            self._transactions(chunk, party, newest=OLD_DAYS, oldest=created_ago)
        elif case is not Case.NO_TRANSACTIONS:
            if created_ago > 120 and self._random() < 0.6:
                self._transactions(chunk, party, newest=100, oldest=created_ago)
            self._blocker(chunk, party, case, created_ago)
        if case is Case.OWN_DETAILS_IN_FREE_TEXT:
            self._own_details_in_free_text(chunk, party, created_ago)
        if case is not Case.NO_TRANSACTIONS:
            chunk.linkable.append(party)
        return party

    def _created_days_ago(self, case: Case) -> int:
        window = YEARS * 365
        if case is Case.NO_TRANSACTIONS:
            return self._days_ago(0, window)
        if case is Case.RECENT:
            return self._days_ago(120, window)
        if case in OLD_SETTLED_CASES:
            return self._days_ago(OLD_DAYS + 10, window)
        return self._days_ago(60, window)  # a blocker

    def _private_person(self, chunk: _Chunk, values: Row) -> _Party:
        roll = self._random()
        Gender = Customer.Gender
        gender = Gender.FEMALE if roll < 0.49 else Gender.MALE if roll < 0.98 else Gender.OTHER
        female = gender == Gender.FEMALE or (gender == Gender.OTHER and self._random() < 0.5)
        first = self._pick(self.pools.female_names if female else self.pools.male_names)
        last = self._pick(self.pools.last_names)
        if self._random() < 0.08:  # a double-barrelled surname
            last = f"{last}-{self._pick(self.pools.last_names)}"
        birth = self._day(self._between(18 * 365, 90 * 365))
        locality = self._pick(self.localities)
        address = self._address(locality)
        delivery = self._address() if self._random() < 0.1 else address  # a summer house, say
        name = f"{first} {last}"
        other_contact = self._random() < 0.05  # a relative who handles the customer's affairs
        row = chunk.add(
            Customer,
            **values,
            kind=Customer.Kind.PRIVATE,
            first_name=first,
            last_name=last,
            name=name,
            organisation_number=self._personnummer(birth, female),
            gender=gender,
            birth_date=birth,
            email_consent=self._random() < 0.4,
            post_consent=self._random() < 0.25,
            contact_person=f"{self._pick(self.pools.female_names)} {last}" if other_contact else "",
            phone=self._landline(locality.area_code) if self._random() < 0.35 else "",
            mobile=self._mobile() if self._random() < 0.92 else "",
            email=self._person_email(first, last, birth) if self._random() < 0.92 else "",
            **_address_fields("invoice", address),
            **_address_fields("visit", address),
            **(_address_fields("delivery", delivery) if delivery is not address else {}),
        )
        return _Party(
            row=row, company=False, first_name=first, contact=name, address=address, delivery=delivery
        )

    def _company(self, chunk: _Chunk, values: Row) -> _Party:
        name = self._pick(self.pools.companies)
        org = self._orgnr(name)
        first = self._pick(self.pools.female_names if self._random() < 0.5 else self.pools.male_names)
        last = self._pick(self.pools.last_names)
        contact = f"{first} {last}"
        domain = name.removesuffix(" AB").removesuffix(" HB").removesuffix(" KB").replace("&", "och")
        domain = _mail_part(domain).replace(".", "") + ".se"
        locality = self._pick(self.localities)
        visit = self._address(locality)
        invoice = self._address(locality, box=True) if self._random() < 0.2 else visit
        delivery = self._address() if self._random() < 0.15 else visit
        row = chunk.add(
            Customer,
            **values,
            kind=Customer.Kind.COMPANY,
            name=name,
            organisation_number=org,
            vat_number=f"SE{org.replace('-', '')}01",
            email_consent=self._random() < 0.6,
            post_consent=self._random() < 0.3,
            invoice_company_name=name,
            invoice_attention=contact if self._random() < 0.5 else "Ekonomiavdelningen",
            visit_company_name=name,
            delivery_company_name=name,
            contact_person=contact,
            phone=self._landline(locality.area_code),
            mobile=self._mobile() if self._random() < 0.7 else "",
            fax=self._landline(locality.area_code) if self._random() < 0.1 else "",
            email=f"{_mail_part(first)}.{_mail_part(last)}@{domain}"
            if self._random() < 0.6
            else f"info@{domain}",
            website=f"https://www.{domain}" if self._random() < 0.6 else "",
            **_address_fields("invoice", invoice),
            **_address_fields("visit", visit),
            **_address_fields("delivery", delivery),
        )
        return _Party(
            row=row, company=True, first_name=first, contact=contact, address=invoice, delivery=delivery
        )

    # -------------------------------------------------- what belongs to the customer alone (SPEC D-1)

    def _history(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        """Change history (SPEC R-4): created, and for some customers later changes with the old values."""
        row = party.row
        actor = self._staff_id() if self._random() < 0.8 else None
        chunk.add(
            ChangeRecord,
            customer_id=party.id,
            actor_id=actor,
            at=row["created_at"],
            event=ChangeRecord.Event.CREATED,
        )
        latest = row["created_at"]
        if party.responsible_id is not None:  # assigned, with the in-app notification of SPEC R-6
            at = latest = self._moment(self._day(self._days_ago(0, created_ago)))
            username = next(name for pk, name in self.staff if pk == party.responsible_id)
            chunk.add(
                ChangeRecord,
                customer_id=party.id,
                actor_id=actor,
                at=at,
                event=ChangeRecord.Event.ASSIGNED,
                field="responsible",
                new_value=username,
            )
            if self._random() < 0.5:
                read = self._random() < 0.8
                chunk.add(
                    Notification,
                    recipient_id=party.responsible_id,
                    customer_id=party.id,
                    verb=Notification.Verb.ASSIGNED,
                    created_at=at,
                    read_at=at + timedelta(hours=self._between(1, 72)) if read else None,
                )
        changes = []
        if row["mobile"] and self._random() < 0.1:
            changes.append(("mobile", self._mobile(), row["mobile"]))
        if row["email"] and self._random() < 0.08:
            changes.append(
                ("email", f"{_mail_part(party.first_name)}@{self._pick(MAIL_DOMAINS)}", row["email"])
            )
        if self._random() < 0.06:
            changes.append(("invoice_address1", self._address().line1, row["invoice_address1"]))
        if self._random() < 0.06:
            row["status"] = Customer.Status.INACTIVE
            changes.append(("status", Customer.Status.ACTIVE, Customer.Status.INACTIVE))
        for field_name, old, new in changes:
            at = self._moment(self._day(self._days_ago(0, created_ago)))
            latest = max(latest, at)
            chunk.add(
                ChangeRecord,
                customer_id=party.id,
                actor_id=self._staff_id(),
                at=at,
                event=ChangeRecord.Event.CHANGED,
                field=field_name,
                old_value=old,
                new_value=new,
            )
        row["updated_at"] = latest

    def _deceased(self, chunk: _Chunk, party: _Party) -> None:
        """Seed 003's "verstorben": the status with the date, after the last of the customer's business
        (which is all older than OLD_DAYS), recorded in its history. It erases nothing."""
        row = party.row
        day = self._day(self._days_ago(30, OLD_DAYS - 10))
        at = self._moment(day + timedelta(days=self._between(3, 20)))
        for field_name, old, new in (
            ("status", row.get("status", Customer.Status.ACTIVE), Customer.Status.DECEASED),
            ("deceased_on", "", day.isoformat()),
        ):
            chunk.add(
                ChangeRecord,
                customer_id=party.id,
                actor_id=self._staff_id(),
                at=at,
                event=ChangeRecord.Event.CHANGED,
                field=field_name,
                old_value=old,
                new_value=new,
            )
        row["status"], row["deceased_on"] = Customer.Status.DECEASED, day
        row["updated_at"] = max(row["updated_at"], at)

    def _belongings(self, chunk: _Chunk, party: _Party, created_ago: int, *, extra: bool) -> None:
        """Branches, credit information, documents and custom-field values; `extra` gives customers
        without transactions more of them, so that their deletion has something to delete."""
        if self._random() < (0.35 if extra else 0.2 if party.company else 0.02):
            for _ in range(self._between(1, 3)):
                self._branch(chunk, party)
        if self._random() < (0.1 if party.company else 0.01):
            self._credit_info(chunk, party, created_ago)
        if self._random() < (0.2 if extra else 0.04):
            for _ in range(self._between(1, 2)):
                self._document(chunk, party, created_ago)
        if self._random() < 0.3:
            self._custom_values(chunk, party, created_ago)

    def _branch(self, chunk: _Chunk, party: _Party) -> None:
        address = self._address()
        if party.company:
            name = f"{party.name} {address.city}"
            email = f"{_mail_part(address.city)}@{party.email.split('@')[1]}"
        else:
            name, email = f"Fritidshus {address.city}", party.email
        chunk.add(
            Branch,
            customer_id=party.id,
            name=name,
            address=address.one_line,
            postal_code=address.postal_code,
            city=address.city,
            country="SE",
            phone=self._landline(self._pick(LOCALITIES).area_code),
            email=email,
            contact=f"{self._pick(self.pools.male_names)} {self._pick(self.pools.last_names)}",
        )

    def _credit_info(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        checked_on = self._day(self._days_ago(0, created_ago))
        rating = self._pick(CREDIT_RATINGS)
        info = chunk.add(
            CreditInfo,
            customer_id=party.id,
            checked_on=checked_on,
            provider=self._pick(CREDIT_PROVIDERS),
            rating=rating,
            credit_limit=self._amount(5, 500) * 1000,
            note="Ingen anmärkning." if rating.startswith("A") else "Betalningsanmärkning finns.",
        )
        report = "\n".join(
            (
                f"Kreditupplysning {checked_on}",
                party.name,
                party.row["organisation_number"],
                f"Rating: {rating}",
            )
        )
        name = chunk.save_file(random_name("credit", "report.pdf"), _pdf(report))
        chunk.add(CreditFile, credit_info_id=info["id"], file=name, uploaded_at=self._moment(checked_on))

    def _document(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        uploaded = self._moment(self._day(self._days_ago(0, created_ago)))
        title = self._pick(DOCUMENT_TITLES)
        body = f"{title}\nKundnummer {party.number}\n"
        if self._random() < 0.5:  # a document that names the customer (SPEC A-2: reviewed by hand)
            body += (
                f"{party.name}\n{party.address.one_line}\n{party.address.postal_code} {party.address.city}\n"
            )
        name = chunk.save_file(random_name("documents", "document.txt"), body.encode())
        chunk.add(
            Document,
            customer_id=party.id,
            title=title,
            file=name,
            uploaded_at=uploaded,
            uploaded_by_id=self._staff_id(),
        )

    def _custom_values(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        fields = self.custom_fields
        choices = fields["Kundkategori"].choice_list
        if choices:
            value = "Företag" if party.company and "Företag" in choices else self._pick(choices)
            chunk.set_custom_value(party.id, fields["Kundkategori"], value)
        if party.company and self._random() < 0.6:
            chunk.set_custom_value(party.id, fields["Antal anställda"], str(self._between(1, 250)))
        if self._random() < 0.4:
            visited = self._day(self._days_ago(0, created_ago))
            chunk.set_custom_value(party.id, fields["Senaste servicebesök"], visited.isoformat())
        if self._random() < 0.5:
            newsletter = "true" if self._random() < 0.5 else "false"
            chunk.set_custom_value(party.id, fields["Nyhetsbrev"], newsletter)
        if self._random() < 0.2:
            chunk.set_custom_value(party.id, fields["Övrigt"], self._pick(CUSTOMER_INFO))

    def _own_details_in_free_text(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        """Kept free text that names the customer or repeats its e-mail or phone (SPEC A-2, B-5), as people
        write it: in two of the places below as the register has it, for half of them once more in
        another spelling (or with someone else's number beside it), and for some in a document (text,
        PDF or Word). Anonymization redacts it, and the plan points at it beforehand."""
        row = party.row
        reach = party.reach or party.email or party.contact
        for place in self.rng.sample(("info", "internal_info", "order", "quote", "custom"), 2):
            orders, quotes = chunk.orders[party.id], chunk.quotes[party.id]
            if place == "info":
                row["info"] = f"Kontaktperson {party.contact}, nås på {reach} efter kl. 17."
            elif place == "internal_info":
                row["internal_info"] = f"Fakturor skickas till {party.email or reach}, inte på papper."
            elif place == "order" and orders:
                order = self._pick(orders)
                if self._random() < 0.5:
                    order["internal_comment"] = f"{party.contact} ringer från {reach} innan leverans."
                else:
                    order["published_comment"] = f"Leverans till {party.contact}, {party.delivery.one_line}."
            elif place == "quote" and quotes:
                self._pick(quotes)["internal_comment"] = f"Offerten mejlad till {party.email or reach}."
            else:
                chunk.set_custom_value(party.id, self.custom_fields["Övrigt"], f"Nås på {reach}")
        # Drawn from a generator of their own, like the portal's, so the rest is the same as without.
        more = self.residue_rng
        if more.random() < 0.5:
            row["internal_info"] = " ".join(filter(None, (row.get("internal_info"), self._respelled(party))))
        if more.random() < RESIDUE_DOCUMENT_SHARE:
            self._residue_document(chunk, party, created_ago)

    def _respelled(self, party: _Party) -> str:
        """The customer's number or identity number as people also write them, or someone else's phone."""
        more = self.residue_rng
        roll = more.random()
        number = party.row["organisation_number"]
        if roll < 0.3 and party.reach:
            return f"Ring {_phone_spelling(party.reach, more.randrange(3))} dagtid."
        if roll < 0.6 and number:
            return f"Pnr {number[2:]}." if not party.company else f"Org.nr {number.replace('-', '')}."
        if roll < 0.8 and party.email:
            return f"Mejla {party.email.upper()} vid frågor."
        other = f"{more.choice(self.pools.male_names)} {more.choice(self.pools.last_names)}"
        area = more.choice(LOCALITIES).area_code  # a number shaped as _landline() shapes them
        pairs = " ".join(str(more.randrange(10, 100)) for _ in range(2))
        head = more.randrange(100, 1000) if len(area) == 2 else more.randrange(10, 100)
        return f"{other} ringer från {area}-{head} {pairs}."

    def _residue_document(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        """A document whose text names the customer, in one of the formats Kund reads (B-5)."""
        more = self.residue_rng
        title = more.choice(RESIDUE_DOCUMENT_TITLES)
        number = party.row["organisation_number"]
        lines = [
            title,
            f"Kundnummer {party.number}",
            f"{party.contact}, {party.address.one_line}, {party.address.postal_code} {party.address.city}",
        ]
        if number:
            lines.append(f"{'Org.nr' if party.company else 'Personnummer'} {number}")
        if party.reach:
            lines.append(f"Telefon {_phone_spelling(party.reach, more.randrange(3))}")
        kind = DOCUMENT_FORMATS[self.residue_documents % len(DOCUMENT_FORMATS)]  # each in turn
        self.residue_documents += 1
        if kind == "pdf":
            content = _pdf("\n".join(lines))
        elif kind == "docx":
            content = _docx(lines)
        else:
            content = "\n".join(lines).encode()
        chunk.add(
            Document,
            customer_id=party.id,
            title=title,
            file=chunk.save_file(random_name("documents", f"document.{kind}"), content),
            uploaded_at=self._at(
                self._day(more.randint(OLD_DAYS, max(OLD_DAYS, created_ago))), more.randint(7, 18), 0
            ),
            uploaded_by_id=more.choice(self.staff)[0],
        )

    # ------------------------------------------------------------------------- transactions (SPEC E-2)

    def _transactions(self, chunk: _Chunk, party: _Party, *, newest: int, oldest: int) -> None:
        """Settled business between `oldest` and `newest` days ago: everything delivered, invoiced and
        paid, every agreement ended, so that nothing blocks anonymization."""

        def when() -> int:
            return self._days_ago(newest, oldest)

        for _ in range(self._pick((1, 1, 2, 2, 3, 4, 6) if party.company else (1, 1, 1, 2, 2, 3))):
            self._order(chunk, party, when())
        if self._random() < 0.5:
            for _ in range(self._between(1, 2)):
                self._quote(chunk, party, when())
        if not party.company and self._random() < 0.4:
            for _ in range(self._between(1, 2)):
                self._receipt(chunk, party, when())
        if self._random() < 0.2:
            self._invoice(chunk, party, None, when())
        if self._random() < 0.4:
            for _ in range(self._between(1, 3)):
                self._activity(chunk, party, when())
        if party.email and self._random() < 0.05:
            self._email(
                chunk, party, EmailMessage.DocumentKind.DOCUMENT, "", self._day(when()), "Produktblad"
            )
        if self._random() < 0.1:
            self._ticket(chunk, party, when())
        if self._random() < 0.1:
            started = when()
            self._agreement(chunk, party, started, ended=self._days_ago(newest, started))
        if party.company and self._random() < 0.2:
            self._project(chunk, party, when())
        if self._random() < 0.05:
            chunk.add(
                ProjectGroupMembership,
                group_id=self._pick(self.project_groups),
                customer_id=party.id,
                joined_on=self._day(when()),
            )
        if self._random() < 0.03:
            chunk.add(
                ResellerLink,
                customer_id=party.id,
                reseller_name=self._pick(self.pools.companies),
                since=self._day(when()),
                commission_percent=Decimal(self._between(5, 15)),
            )
        if party.company and self._random() < 0.08:
            self._trade_invoice(chunk, party, when())
        if self._random() < 0.12:
            self._installation(chunk, party, when(), newest)

    def _blocker(self, chunk: _Chunk, party: _Party, case: Case, created_ago: int) -> None:
        """One record that blocks anonymization (SPEC E-3), recent, as such records usually are."""
        if case is Case.NOT_DELIVERED:  # paid in advance, not delivered yet
            self._order(chunk, party, self._days_ago(1, min(40, created_ago)), delivered=False)
        elif case is Case.NOT_INVOICED:  # delivered, not invoiced yet
            self._order(chunk, party, self._days_ago(3, min(60, created_ago)), invoiced=False)
        elif case is Case.UNPAID:  # some of them past due, with a reminder and a fee
            self._order(chunk, party, self._days_ago(5, min(90, created_ago)), paid=False)
        else:  # an agreement without an end date, or ending in the future
            ended = None if self._random() < 0.7 else -self._between(30, 700)
            self._agreement(chunk, party, self._days_ago(30, created_ago), ended=ended)

    def _comments(self, party: _Party) -> Row:
        return {
            "published_comment": self._pick(PUBLISHED_COMMENTS) if self._random() < 0.3 else "",
            "terms": self._pick(TERMS_COMPANY if party.company else TERMS_PRIVATE),
            "internal_comment": self._pick(INTERNAL_COMMENTS) if self._random() < 0.2 else "",
        }

    def _order(
        self,
        chunk: _Chunk,
        party: _Party,
        days_ago: int,
        *,
        delivered: bool = True,
        invoiced: bool = True,
        paid: bool = True,
    ) -> None:
        day = self._day(days_ago)
        order = chunk.add(
            Order,
            number=self._number(Order),
            customer_id=party.id,
            date=day,
            delivered=delivered,
            invoiced=invoiced,
            customer_reference=party.contact,
            customer_order_reference=f"IO-{self._between(1000, 99999)}"
            if party.company and self._random() < 0.5
            else "",
            notification_mobile=party.mobile if self._random() < 0.6 else "",
            total=self._amount(200, 60000 if party.company else 25000),
            responsible_id=party.responsible_id,
            **party.invoice_copy,
            **party.delivery_copy,
            **self._comments(party),
        )
        chunk.orders[party.id].append(order)
        if party.responsible_id is not None and self._random() < 0.3:  # told of the new order
            at = self._moment(day)
            chunk.add(
                Notification,
                recipient_id=party.responsible_id,
                customer_id=party.id,
                verb=Notification.Verb.NEW_ORDER,
                record_ref=f"{Order.REF_PREFIX}-{order['number']}",
                created_at=at,
                read_at=at + timedelta(hours=self._between(1, 48)) if days_ago > 7 else None,
            )
        lead = self._between(1, min(14, days_ago - 1)) if days_ago > 1 else 0
        delivered_ago = days_ago - lead
        invoiced_ago = delivered_ago if delivered else days_ago
        chunk.add(
            OrderExtraInfo,
            order_id=order["id"],
            delivered_on=self._day(delivered_ago) if delivered else None,
            invoiced_on=self._day(invoiced_ago) if invoiced else None,
            note="Delleverans." if self._random() < 0.05 else "",
        )
        ref = f"{Order.REF_PREFIX}-{order['number']}"
        if party.email and self._random() < 0.3:
            self._email(chunk, party, EmailMessage.DocumentKind.ORDER, ref, day, "Orderbekräftelse")
        if delivered:
            chunk.add(
                Delivery,
                number=self._number(Delivery),
                customer_id=party.id,
                order_id=order["id"],
                date=self._day(delivered_ago),
                customer_reference=party.contact,
                notification_mobile=order["notification_mobile"],
                **party.invoice_copy,  # seed 001: a delivery carries both addresses
                **party.delivery_copy,
                **self._comments(party),
            )
        if invoiced:
            self._invoice(chunk, party, order, invoiced_ago, paid=paid)
        if self._random() < 0.04:
            self._dropship(chunk, party, order, delivered_ago if delivered else None)

    def _invoice(
        self, chunk: _Chunk, party: _Party, order: Row | None, days_ago: int, *, paid: bool = True
    ) -> None:
        day = self._day(days_ago)
        due_days = 30 if party.company else 20
        due = self._day(days_ago - due_days)
        invoice = chunk.add(
            Invoice,
            number=self._number(Invoice),
            customer_id=party.id,
            order_id=order["id"] if order else None,
            date=day,
            due_date=due,
            total=order["total"] if order else self._amount(100, 20000),
            paid=paid,
            customer_email=party.email,
            **party.frozen,
        )
        if party.email and self._random() < 0.25:
            ref = f"{Invoice.REF_PREFIX}-{invoice['number']}"
            self._email(chunk, party, EmailMessage.DocumentKind.INVOICE, ref, day, "Faktura")
        # Unpaid and past due, or paid only after a reminder.
        if days_ago - due_days > 10 and (not paid or self._random() < 0.06):
            reminded = self._day(days_ago - due_days - 10)
            reminder = chunk.add(
                PaymentReminder,
                number=self._number(PaymentReminder),
                customer_id=party.id,
                invoice_id=invoice["id"],
                date=reminded,
                customer_name=party.name,
                customer_address=party.address.one_line,
                customer_postal_code=party.address.postal_code,
                customer_city=party.address.city,
                customer_email=party.email,
            )
            chunk.add(
                ReminderFee,
                customer_id=party.id,
                reminder_id=reminder["id"],
                date=reminded,
                amount=Decimal(60),
            )

    def _receipt(self, chunk: _Chunk, party: _Party, days_ago: int) -> None:
        chunk.add(
            Receipt,
            number=self._number(Receipt),
            customer_id=party.id,
            date=self._day(days_ago),
            total=self._amount(50, 5000),
            sent_to_email=party.email if self._random() < 0.5 else "",
            sent_to_mobile=party.mobile if self._random() < 0.3 else "",
            **party.frozen,
        )

    def _quote(self, chunk: _Chunk, party: _Party, days_ago: int) -> None:
        day = self._day(days_ago)
        status = (
            Quote.Status.OPEN if days_ago < 30 else self._pick((Quote.Status.ACCEPTED, Quote.Status.DECLINED))
        )
        quote = chunk.add(
            Quote,
            number=self._number(Quote),
            customer_id=party.id,
            date=day,
            valid_until=self._day(days_ago - 30),
            status=status,
            customer_reference=party.contact,
            total=self._amount(500, 90000),
            **party.invoice_copy,
            **party.delivery_copy,
            **self._comments(party),
        )
        chunk.quotes[party.id].append(quote)
        if party.email and self._random() < 0.4:
            ref = f"{Quote.REF_PREFIX}-{quote['number']}"
            self._email(chunk, party, EmailMessage.DocumentKind.QUOTE, ref, day, "Offert")

    def _email(self, chunk: _Chunk, party: _Party, kind: str, ref: str, day: date, subject: str) -> None:
        what = f"{subject} {ref}".strip()
        greeting = party.contact.split(maxsplit=1)[0]
        chunk.add(
            EmailMessage,
            customer_id=party.id,
            document_kind=kind,
            document_ref=ref,
            sent_at=self._moment(day),
            name=party.contact,
            email=party.email,
            phone=party.reach,
            subject=what,
            text=f"Hej {greeting}!\n\nHär kommer {what[0].lower()}{what[1:]}.\n\nVänliga hälsningar",
            replies=f"Tack, mottaget!\n/{greeting}" if self._random() < 0.2 else "",
            internal_comment=self._pick(INTERNAL_COMMENTS) if self._random() < 0.1 else "",
        )

    def _activity(self, chunk: _Chunk, party: _Party, days_ago: int) -> None:
        kind = self._pick(ACTIVITY_KINDS)
        subject = self._pick(ACTIVITY_SUBJECTS[kind])
        second: Row = {}
        if chunk.linkable and self._random() < SECOND_CUSTOMER_SHARE:
            other = self._pick(chunk.linkable)  # built before this one: created earlier
            if other is not party:
                second = {
                    "second_customer_id": other.id,
                    "second_contact_name": other.contact,
                    "second_contact_email": other.email,
                    "second_contact_phone": other.reach,
                }
        chunk.add(
            Activity,
            number=self._number(Activity),
            customer_id=party.id,
            kind=kind,
            date=self._moment(self._day(days_ago)),
            user_id=self._staff_id(),
            subject=subject,
            text=f"{subject} med {party.contact}." if self._random() < 0.5 else "",
            contact_name=party.contact,
            contact_email=party.email,
            contact_phone=party.reach,
            **second,
        )

    def _ticket(self, chunk: _Chunk, party: _Party, days_ago: int) -> None:
        opened = self._moment(self._day(days_ago))
        ticket = chunk.add(
            SupportTicket,
            number=self._number(SupportTicket),
            customer_id=party.id,
            created_at=opened,
            status=SupportTicket.Status.CLOSED,
            name=party.contact,
            email=party.email,
            phone=party.reach,
            subject=self._pick(TICKET_SUBJECTS),
            text=f"Hej! Jag behöver hjälp med min beställning.\nMvh {party.contact}",
            internal_comment=self._pick(INTERNAL_COMMENTS) if self._random() < 0.2 else "",
        )
        for i in range(self._between(1, 3)):
            staff = i % 2 == 0
            chunk.add(
                TicketReply,
                ticket_id=ticket["id"],
                posted_at=opened + timedelta(hours=4 * (i + 1)),
                author_id=self._staff_id() if staff else None,
                text=(
                    f"Hej {party.first_name}, vi har tittat på ärendet och återkommer."
                    if staff
                    else f"Tack för hjälpen!\n/{party.first_name}"
                ),
            )

    def _agreement(self, chunk: _Chunk, party: _Party, started_ago: int, *, ended: int | None) -> None:
        """An agreement from `started_ago` days ago to `ended` days ago (negative: in the future; None:
        no end date), invoiced every quarter; the agreement invoices are paid."""
        agreement = chunk.add(
            Agreement,
            number=self._number(Agreement),
            customer_id=party.id,
            description=self._pick(AGREEMENT_DESCRIPTIONS),
            started_on=self._day(started_ago),
            ended_on=None if ended is None else self._day(ended),
            customer_reference=party.contact,
            recipient=party.name,
            email=party.email,
            monthly_amount=self._amount(99, 2500),
        )
        last = max(ended or 0, 0)
        for quarter in range(self._between(1, 4)):
            invoiced_ago = started_ago - quarter * 91
            if invoiced_ago < last:
                break
            chunk.add(
                AgreementInvoice,
                number=self._number(AgreementInvoice),
                customer_id=party.id,
                agreement_id=agreement["id"],
                date=self._day(invoiced_ago),
                due_date=self._day(invoiced_ago - 30),
                total=agreement["monthly_amount"] * 3,
                paid=True,
                **party.frozen,
            )

    def _project(self, chunk: _Chunk, party: _Party, days_ago: int) -> None:
        chunk.add(
            Project,
            number=self._number(Project),
            customer_id=party.id,
            name=self._pick(PROJECT_NAMES),
            started_on=self._day(days_ago),
            ended_on=self._day(max(0, days_ago - self._between(10, 120))),
        )

    def _trade_invoice(self, chunk: _Chunk, party: _Party, days_ago: int) -> None:
        """Goods sent to the customer, from the business; or, for a return, sent back by the customer (the
        sender block is then the customer's). Seed 001 anonymizes both blocks."""
        d = party.delivery
        customer = {"name": party.name, "address": d.one_line, "postal_code": d.postal_code, "city": d.city}
        number = self._number(TradeInvoice)
        returned = number % RETURN_EVERY == 0  # a fixed share, however few trade invoices there are
        sender, recipient = (customer, OWN_ADDRESS) if returned else (OWN_ADDRESS, customer)
        chunk.add(
            TradeInvoice,
            number=number,
            customer_id=party.id,
            date=self._day(days_ago),
            customer_display=party.name,
            **recipient,
            country="SE",
            **{f"sender_{key}": value for key, value in sender.items()},
            sender_country="SE",
            recipient_org_number=party.row["organisation_number"],
            recipient_vat_number=party.row.get("vat_number", ""),
            recipient_name=party.contact,
            email=party.email,
            phone=party.phone or party.mobile,
            goods_description=self._pick(GOODS),
        )

    def _dropship(self, chunk: _Chunk, party: _Party, order: Row, delivered_ago: int | None) -> None:
        reach = {"phone": party.phone, "mobile": party.mobile}
        reference = order["customer_order_reference"] or party.contact
        dropship = chunk.add(
            DropshipOrder,
            number=self._number(DropshipOrder),
            customer_id=party.id,
            order_id=order["id"],
            date=order["date"],
            order_reference=reference,
            **reach,
            **party.invoice_copy,
            **party.delivery_copy,
            **self._comments(party),
        )
        purchase = chunk.add(
            Purchase,
            number=self._number(Purchase),
            dropship_order_id=dropship["id"],
            supplier_name=self._pick(self.pools.companies),
            date=order["date"],
            order_reference=reference,
            published_comment=f"Direktleverans till {party.contact}.",
            terms="30 dagar netto",
            **reach,
            **party.delivery_copy,
        )
        if delivered_ago is not None:  # the goods came in from the supplier and went on to the customer
            chunk.add(
                InboundDelivery,
                number=self._number(InboundDelivery),
                purchase_id=purchase["id"],
                date=self._day(delivered_ago),
                order_reference=reference,
                published_comment=purchase["published_comment"],
                terms=purchase["terms"],
                internal_comment=self._pick(INTERNAL_COMMENTS) if self._random() < 0.2 else "",
                **reach,
                **party.delivery_copy,
            )

    def _installation(self, chunk: _Chunk, party: _Party, days_ago: int, newest: int) -> None:
        site = party.delivery
        installation = chunk.add(
            Installation,
            number=self._number(Installation),
            customer_id=party.id,
            description=self._pick(INSTALLATIONS),
            serial_number=f"SN{self._between(10**7, 10**8 - 1)}",
            installed_on=self._day(days_ago),
            site_address=site.one_line,
            site_postal_code=site.postal_code,
            site_city=site.city,
        )
        if self._random() < 0.6:
            day = self._day(self._days_ago(newest, days_ago))
            description = self._pick(SERVICE_DESCRIPTIONS)
            service_order = chunk.add(
                ServiceOrder,
                number=self._number(ServiceOrder),
                customer_id=party.id,
                installation_id=installation["id"],
                date=day,
                status=ServiceOrder.Status.DONE,
                contact_name=party.contact,
                contact_phone=party.reach,
                description=description,
                internal_comment=self._pick(INTERNAL_COMMENTS) if self._random() < 0.2 else "",
                responsible_id=party.responsible_id or self._staff_id(),
            )
            chunk.add(
                ServiceProtocol,
                number=self._number(ServiceProtocol),
                customer_id=party.id,
                service_order_id=service_order["id"],
                date=day,
                text=f"{description} utförd. Inga anmärkningar.",
                signed_by=party.contact,
            )
        if self._random() < 0.3:
            fault = chunk.add(
                FaultReport,
                number=self._number(FaultReport),
                customer_id=party.id,
                installation_id=installation["id"],
                reported_at=self._moment(self._day(self._days_ago(newest, days_ago))),
                reporter_name=party.contact,
                reporter_email=party.email,
                reporter_phone=party.reach,
                description=self._pick(FAULT_DESCRIPTIONS),
                resolved=True,
                responsible_id=party.responsible_id,
            )
            if self.portal_rng.random() < FAULT_PHOTO_SHARE:
                self._fault_photo(chunk, fault)

    # ------------------------------------------------------------- customer users of the portal

    def _portal_users(self, chunk: _Chunk, party: _Party, created_ago: int) -> None:
        """One to three of the company's people with a portal login: most have chosen a password and
        signed in at some time, some are still invited; the first sees everything but the other users."""
        rng = self.portal_rng
        if rng.random() >= PORTAL_COMPANY_SHARE:
            return
        domain = party.email.rsplit("@", 1)[1] if "@" in party.email else "example.se"
        for i in range(1 + int(rng.random() * 3)):
            first = rng.choice(self.pools.female_names if rng.random() < 0.5 else self.pools.male_names)
            last = rng.choice(self.pools.last_names)
            email = f"{_mail_part(first)}.{_mail_part(last)}@{domain}"
            if email in self.portal_emails:
                email = f"{_mail_part(first)}.{_mail_part(last)}.{party.number}@{domain}"
            self.portal_emails.add(email)
            since = self._day(int(rng.random() * max(created_ago, 1)))
            invited = rng.random() < 0.2
            chunk.add(
                CustomerUser,
                customer_id=party.id,
                email=email,
                name=f"{first} {last}",
                password=f"!{rng.getrandbits(128):032x}" if invited else self.portal_password,
                last_login=None if invited else self._moment(self._day(int(rng.random() * 90))),
                can_see_protocols=True,
                can_see_installations=i == 0 or rng.random() < 0.5,
                can_report_faults=i == 0 or rng.random() < 0.7,
                can_see_users=i == 0 and rng.random() < 0.5,
                created_at=self._moment(since),
                created_by_id=self.staff[int(rng.random() * len(self.staff))][0],
            )

    def _portal_emails_not_taken(self, chunk: _Chunk) -> None:
        """An address already in the register (from an earlier run) gets the customer number added."""
        rows = chunk.rows[CustomerUser]
        taken = set(
            CustomerUser.objects.filter(email__in=[row["email"] for row in rows]).values_list(
                "email", flat=True
            )
        )
        numbers = {row["id"]: row["number"] for row in chunk.rows[Customer]}
        for row in rows:
            if row["email"] in taken:
                local, domain = row["email"].split("@")
                row["email"] = f"{local}.{numbers[row['customer_id']]}@{domain}"

    def _fault_photo(self, chunk: _Chunk, fault: Row) -> None:
        """A photo sent with a fault report, stored through the storage under a random name."""
        colour = (int(self.portal_rng.random() * 200), 90, 60)
        name = chunk.save_file(f"fault-reports/{self.portal_rng.getrandbits(128):032x}.png", _png(colour))
        chunk.add(
            FaultReportFile,
            fault_report_id=fault["id"],
            file=name,
            content_type="image/png",
            uploaded_at=fault["reported_at"],
        )


@contextmanager
def _bulk_load_settings() -> Iterator[None]:
    """SQLite caches 2 MB of pages by default, and folds its write-ahead log into the database every 4 MB:
    the indexes of a million customers need a larger cache to stay fast while they grow, and fewer
    checkpoints write each page fewer times. Both settings are the connection's own and are restored."""
    if connection.vendor != "sqlite":
        yield
        return
    pragmas = {"cache_size": -512 * 1024, "wal_autocheckpoint": 20000}  # 512 MiB; 20,000 pages
    with connection.cursor() as cursor:
        before = {}
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            before[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def _address_fields(prefix: str, address: _Address) -> Row:
    return {
        f"{prefix}_address1": address.line1,
        f"{prefix}_address2": address.line2,
        f"{prefix}_postal_code": address.postal_code,
        f"{prefix}_city": address.city,
        f"{prefix}_region": address.region,
        f"{prefix}_country": "SE",
        f"{prefix}_latitude": address.latitude,
        f"{prefix}_longitude": address.longitude,
    }


def _png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    """A small PNG of one colour: a stand-in for a photo of a fault."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def _pdf(text: str) -> bytes:
    """A one-page PDF showing the text in a text layer: enough for a viewer to open and for the residue
    scan to read (B-5), small enough for a million. Written by hand: no PDF library is needed for one
    font and a few lines. The text is encoded as WinAnsi, which the font declares, so å, ä and ö read
    back as themselves."""

    def shown(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    lines = " T* ".join(f"({shown(line)}) Tj" for line in text.splitlines())
    stream = f"BT /F1 11 Tf 14 TL 72 770 Td {lines} ET".encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_DOCX_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)


def _docx(paragraphs: list[str]) -> bytes:
    """A Word document (.docx) of a few paragraphs: the three parts a reader needs, written by hand.
    python-docx writes one through its default template (styles, theme, fonts: 36 KB and 40 ms each),
    too heavy for thousands of demo documents; Word and python-docx both read this one."""
    from xml.sax.saxutils import escape

    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>' for text in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _DOCX_CONTENT_TYPES)
        package.writestr("_rels/.rels", _DOCX_RELATIONSHIPS)
        package.writestr("word/document.xml", document)
    return out.getvalue()


def _phone_spelling(number: str, style: int) -> str:
    """A Swedish number as people also write it: +46 70 745 38 49, 0707453849 or +46 (0)70-745 38 49."""
    area, _dash, rest = number.partition("-")
    if style == 0:
        return f"+46 {area[1:]} {rest}"
    if style == 1:
        return "".join(ch for ch in number if ch.isdigit())
    return f"+46 (0){area[1:]}-{rest}"


def seed_demo(
    *, customers: int, seed: int, progress: Callable[[str], None] | None = None, **options
) -> SeedResult:
    """Add `customers` demo customers with their records; see the module docstring."""
    return DemoSeeder(seed=seed, **options).run(customers, progress=progress)
