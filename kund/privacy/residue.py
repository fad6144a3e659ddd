"""Residue (SPEC B-5): the person left in kept free text and documents.

Anonymization overwrites every structured field (SPEC §4), but the policy keeps free text for the user
to review (A-1, A-2: info, internal information, comments, descriptions, custom-field values, document
titles) and documents. People write names and numbers there: "Kontaktperson Johan Lundqvist, nås på
070-745 38 49". This module finds them and takes them out.

What is found, in every field the policy marks for review (`policy.Rule.review`) and in the text of
documents (plain text, CSV, PDF with a text layer, DOCX):

- the customer's own details: e-mail addresses (whatever the case), phone numbers compared as numbers
  (`070-123 45 67`, `+46 (0)70 123 45 67` and `0701234567` are one), the personal or organisation number
  with or without century and separator, the full name, the contact person's name, and the last name
  alone when it has at least 4 letters — names compared without regard to case or diacritics, and
  followed by a genitive s ("Lundqvists");
- what is personal whoever it belongs to: any e-mail address, any Swedish phone number (phonenumbers'
  PhoneNumberMatcher, valid numbers written as phone numbers are written: from 0 or +), any checksum-
  valid personal or organisation number (python-stdnum).

A document Kund cannot read (another format, a PDF without a text layer, a broken or oversized file) is
reported as `unreadable`, never passed over in silence. Decision: such a document is deleted with the
anonymization like one whose text holds a finding — Kund cannot show it is free of the person, and the
user sees it listed beforehand.

`scan_customers()` reads a set of customers' kept text in one query per table and matches in Python.
Most kept text repeats (payment terms, stock phrases): the texts a process has seen most often are
checked once per chunk against every customer of it, and rows holding only texts in which none of
them and no pattern can be are left unread in the database.
`redact_chunk()` is the erasure engine's step, inside its transaction and before the customer's own
fields are overwritten: each finding's words become "Xxxx", the rest of the text stays, and a document
holding a finding is deleted (its file removed after commit). Findings say where, never what; only
`context_of()` shows the text around one, for the page that asks the user.
"""

import io
import json
import logging
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import PurePath

import phonenumbers
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum.se import orgnr, personnummer

from kund.customers.models import Customer
from kund.privacy import policy

logger = logging.getLogger(__name__)
# pypdf describes what it finds wrong in a broken file in its log, with pieces of the file: the scan
# reports such a file as unreadable instead, and the log holds no document's content.
logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)

NAME = "name"
EMAIL = "email"
PHONE = "phone"
PERSONAL_NUMBER = "personal_number"
ORGANISATION_NUMBER = "organisation_number"
UNREADABLE = "unreadable"
FOUND = (NAME, EMAIL, PHONE, PERSONAL_NUMBER, ORGANISATION_NUMBER, UNREADABLE)

REDACTED = policy.ANONYMIZED_NAME
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # a larger file is not read: it is reported as unreadable
MIN_LAST_NAME = 4  # letters a last name needs to be looked for on its own
REGION = "SE"
COUNTS_PREFIX = "residue:"  # erasure log counts: "residue:sales.Order": rows redacted (documents: deleted)


class ResidueChanged(Exception):
    """Kept text changed between reading and redacting it; the erasure is retried. Names no data."""


# --- findings -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """Where a customer's residue is: never what it is."""

    customer_id: int
    model: str  # the policy table, "sales.Order"
    kind: str  # the record's kind as plans name it: "order", "customer", "document", …
    ref: str  # "O-1042"
    row_id: int
    field: str  # "internal_comment"; a document's text is its field "file"
    found: str  # one of FOUND
    start: int = 0  # the span in the field's text (a document's: in its extracted text)
    end: int = 0

    def as_dict(self) -> dict:
        """The shape of `erasure_plan --json`'s "residue" (SPEC §9)."""
        return {"kind": self.kind, "ref": self.ref, "field": self.field, "found": self.found}


@dataclass(frozen=True, slots=True)
class Hit:
    found: str
    start: int
    end: int


@dataclass(slots=True)
class Details:
    """A customer's own details, prepared for matching (folded, digits only, parsed)."""

    names: tuple[str, ...] = ()  # folded, single-spaced
    emails: tuple[str, ...] = ()  # folded
    phones: tuple[tuple[int, str], ...] = ()  # (country code, national significant number)
    numbers: tuple[tuple[str, str], ...] = ()  # (the 10 digits YYMMDDNNNN, found kind)

    def __bool__(self) -> bool:
        return bool(self.names or self.emails or self.phones or self.numbers)


# --- folding: case and diacritics, one character for one ----------------------------------------------


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0x41, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        folded = base.casefold()
        if len(folded) != 1:
            folded = char.lower()
        if len(folded) == 1 and folded != char:
            table[code] = folded
    return table


_FOLD = _fold_table()


def _bare(text: str) -> str:
    """Folded, and without combining marks: how names are compared (text keeps its marks for spans)."""
    folded = fold(text)
    return folded if folded.isascii() else "".join(c for c in folded if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case without diacritics (Wahlström → wahlstrom), keeping every character's position, so a
    span found in the folded text is the same span in the text."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


# --- the patterns -------------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+%'-])[\w.+%'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
# A personal or organisation number: YYMMDD or YYYYMMDD, a separator or none, NNNN.
_NUMBER = re.compile(r"(?<!\d)((?:19|20)?)(\d{6})([-+ ]?)(\d{4})(?!\d)")
_PERSONAL_NUMBER_SHAPE = re.compile(r"(?:\d{2})?\d{6}[-+]\d{4}")
# Worth asking phonenumbers about: a + or 0 followed by at least six more digits, as numbers are written.
_PHONE_GATE = re.compile(r"(?:\+|(?<!\d)0)(?:[\s().-]{0,3}\d){6}")
_NON_DIGIT = re.compile(r"\D+")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")
_COMBINING = re.compile(r"[\u0300-\u036f]")

# When two hits cover the same text, the first kind in this order names it.
_PRIORITY = {EMAIL: 0, PERSONAL_NUMBER: 1, ORGANISATION_NUMBER: 1, PHONE: 2, NAME: 3}


def find(text: str, details: Details | None = None, *, memo: dict | None = None) -> list[Hit]:
    """Every residue in one text: the customer's own details (if given) and the patterns. Hits inside a
    larger hit (a last name inside an e-mail address) are left out; overlapping ones are both kept.
    `memo` keeps what is read from each text for one scan: kept text repeats (an order's terms)."""
    if not text:
        return []
    return _find(text, _read(text) if memo is None else _remembered(text, memo), details)


def _find(text: str, read: "_Text", details: Details | None) -> list[Hit]:
    hits = _own(text, read, details) if details else []
    hits += read.patterns
    if read.phone_at:
        hits += read.phones(text, [hit for hit in hits if hit.found == PHONE])
    return _resolve(hits) if hits else hits


def _remembered(text: str, memo: dict) -> "_Text":
    read = memo.get(text)
    if read is None:
        read = memo[text] = _read(text)
    return read


@dataclass(slots=True)
class _Text:
    """What matching needs of one text, worked out once."""

    patterns: list[Hit]  # e-mail addresses, personal and organisation numbers
    phone_at: tuple[int, ...]  # where something is written as phone numbers are (for the matcher)
    folded: str  # case and diacritics folded, combining marks left out
    back: list[int] | None  # where each character of `folded` is in the text, when marks were left out
    digits: str
    has_at: bool
    has_numbers: bool  # an e-mail address, or enough digits for a phone or personal number
    words: frozenset[str]  # its words, folded, also without a final s (a genitive)
    quiet: bool  # no pattern found, no e-mail address, too few digits: only a name could be in it
    phone_hits: list[Hit] | None = None  # what phonenumbers' matcher found, once it was asked
    # Quiet, and none of its words is the last word of any name of the customers scanned: nothing in
    # it for any of them (worked out once per scan, for the kept text that repeats: "30 dagar netto").
    idle: bool | None = None

    def phones(self, text: str, own: list[Hit]) -> list[Hit]:
        """Any phone numbers in the text (phonenumbers' PhoneNumberMatcher). The matcher costs a third
        of a millisecond a text, so it is not asked when every place that looks like a number is one
        of the customer's own phones, found already: it would find only those."""
        if self.phone_hits is None:
            # An own phone written "(070) 123 45 67" is found from its 0: the matcher finds its "(" too.
            own = [h for h in own if not (h.start and text[h.start - 1] == "(")]
            if own and all(any(h.start <= at < h.end for h in own) for at in self.phone_at):
                return []
            self.phone_hits = _phones(text)
        return self.phone_hits

    def span(self, start: int, end: int, text: str) -> tuple[int, int]:
        if self.back is None:
            return start, end
        start, end = self.back[start], self.back[end - 1] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        return start, end


def _read(text: str) -> _Text:
    folded, back = fold(text), None
    if not folded.isascii() and _COMBINING.search(folded):  # stored decomposed: "o" + U+0308 for "ö"
        back = [i for i, char in enumerate(folded) if not unicodedata.combining(char)]
        folded = "".join(folded[i] for i in back)
    digits = _NON_DIGIT.sub("", text) if _DIGIT.search(text) else ""
    has_at = "@" in text
    words = set(_WORD.findall(folded))
    words.update([word[:-1] for word in words if word.endswith("s")])
    patterns, has_numbers = _patterns(text), has_at or len(digits) >= 6
    phone_at = tuple(m.start() for m in _PHONE_GATE.finditer(text)) if digits else ()
    quiet = not (patterns or phone_at or has_numbers)
    return _Text(patterns, phone_at, folded, back, digits, has_at, has_numbers, frozenset(words), quiet)


def _patterns(text: str) -> list[Hit]:
    """What is personal whoever it belongs to, but phone numbers (_phones): e-mail addresses, valid
    personal and organisation numbers."""
    hits = []
    if "@" in text:
        hits += [Hit(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for m in _NUMBER.finditer(text):
        century, head, separator, tail = m.groups()
        if not (century or separator) and head.startswith("0"):
            continue  # ten bare digits from 0 are a phone number as often (0701234567): left to phones
        if personnummer.is_valid(f"{century}{head}-{tail}"):
            hits.append(Hit(PERSONAL_NUMBER, m.start(), m.end()))
        # An organisation number has 2 or more as its third digit (the "month"), no century, and, as it
        # is written, a separator: ten bare digits are as likely an invoice's OCR number.
        elif not century and separator == "-" and head[2] >= "2" and orgnr.is_valid(head + tail):
            hits.append(Hit(ORGANISATION_NUMBER, m.start(), m.end()))
    return hits


def _phones(text: str) -> list[Hit]:
    """Any valid phone number, written as phone numbers are written."""
    return [
        Hit(PHONE, match.start, match.end)
        for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID)
        if _written_as_phone(match.raw_string, text, match.start)
    ]


def _own(text: str, read: _Text, details: Details) -> list[Hit]:
    """The customer's own details: found in any spelling, valid or not."""
    hits = []
    if details.emails and read.has_at:
        for email in details.emails:
            at = read.folded.find(email)
            while at >= 0:
                hits.append(Hit(EMAIL, *read.span(at, at + len(email), text)))
                at = read.folded.find(email, at + 1)
    digits = read.digits
    if digits:
        own = dict(details.numbers)
        if any(ten in digits for ten in own):
            for m in _NUMBER.finditer(text):
                kind = own.get(m[2] + m[4])
                if kind is not None:
                    hits.append(Hit(kind, m.start(), m.end()))
        phones = [(code, national) for code, national in details.phones if national in digits]
        if phones:
            hits += _own_phones(text, phones)
    if details.names:
        hits += _names(text, read, details.names)
    return hits


def _written_as_phone(raw: str, text: str, start: int) -> bool:
    """A valid number is taken for a phone number only as people write one: from 0 or +, not shaped as
    a personal number, not the tail of an article number ("ART-0701234567")."""
    if not raw.startswith(("+", "0", "(0")):
        return False
    if _PERSONAL_NUMBER_SHAPE.fullmatch(raw):
        return False
    return not (start >= 2 and text[start - 1] in "-/" and text[start - 2].isalnum())


# --- the customer's own phone number, compared as a number ------------------------------------------

_SEPARATORS = frozenset(" \t\r\n\u00a0().-/")


def _own_phones(text: str, own: list[tuple[int, str]]) -> list[Hit]:
    """The customer's numbers however they are spaced: their digits with only separators between them,
    after 0 (a Swedish number) or a country code written +46, + 46, 0046 or +46 (0)."""
    positions = [i for i, char in enumerate(text) if char.isdecimal()]
    digits = "".join(text[i] for i in positions)
    hits = []
    for code, national in own:
        at = digits.find(national)
        while at >= 0:
            last = at + len(national) - 1
            after = positions[last] + 1
            if _joined(text, positions, at, last) and not (after < len(text) and text[after].isdecimal()):
                start = _phone_start(text, positions, digits, at, code)
                if start is not None:
                    hits.append(Hit(PHONE, start, after))
            at = digits.find(national, at + 1)
    return hits


def _joined(text: str, positions: list[int], first: int, last: int) -> bool:
    """Whether only separators stand between the digits first..last (indexes into `positions`)."""
    return all(_SEPARATORS.issuperset(text[positions[j] + 1 : positions[j + 1]]) for j in range(first, last))


def _phone_start(text: str, positions: list[int], digits: str, at: int, code: int) -> int | None:
    """Where the number whose national part starts at digit `at` begins, or None if it has no prefix."""
    zero = at - 1
    if zero >= 0 and digits[zero] == "0" and _joined(text, positions, zero, at):
        international = _country_code_start(text, positions, digits, zero, code)  # +46 (0)70…
        if international is not None:
            return international
        start = positions[zero]
        if code == 46 and not (start > 0 and (text[start - 1].isdecimal() or text[start - 1] == "+")):
            return start
    return _country_code_start(text, positions, digits, at, code)


def _country_code_start(text: str, positions: list[int], digits: str, at: int, code: int) -> int | None:
    country = str(code)
    first = at - len(country)
    if first < 0 or digits[first:at] != country or not _joined(text, positions, first, at):
        return None
    start = positions[first]
    plus = start
    while plus > 0 and text[plus - 1] == " ":
        plus -= 1
    if plus > 0 and text[plus - 1] == "+":
        return plus - 1
    if first >= 2 and digits[first - 2 : first] == "00" and _joined(text, positions, first - 2, first):
        start = positions[first - 2]
        if not (start > 0 and text[start - 1].isdecimal()):
            return start
    return None


# --- names --------------------------------------------------------------------------------------------


def _names(text: str, read: _Text, names: tuple[str, ...]) -> list[Hit]:
    """The customer's names in the text, whatever the case, diacritics and spacing between the words,
    with a Swedish genitive (Lundqvists, Lundqvist's, SVT:s) as part of the name."""
    folded = read.folded
    hits = []
    for name in names:
        tokens = name.split(" ")
        last = tokens[-1]
        at = folded.find(last)
        while at >= 0:
            span = _name_at(folded, tokens, at)
            if span is not None:
                hits.append(Hit(NAME, *read.span(*span, text)))
            at = folded.find(last, at + 1)
    return hits


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _name_at(folded: str, tokens: list[str], at: int) -> tuple[int, int] | None:
    """The span of the name whose last word stands at `at`, if the whole name stands there as words."""
    end = at + len(tokens[-1])
    for genitive in ("s", "'s", ":s", ""):
        if folded.startswith(genitive, end) and not (
            end + len(genitive) < len(folded) and _is_word(folded[end + len(genitive)])
        ):
            end += len(genitive)
            break
    else:
        return None
    start = at
    for token in reversed(tokens[:-1]):
        gap = start
        while gap > 0 and folded[gap - 1].isspace():
            gap -= 1
        if gap == start or folded[gap - len(token) : gap] != token:
            return None
        start = gap - len(token)
    if start > 0 and _is_word(folded[start - 1]):
        return None
    return start, end


def _resolve(hits: list[Hit]) -> list[Hit]:
    hits.sort(key=lambda h: (h.start, -h.end, _PRIORITY.get(h.found, 9)))
    kept: list[Hit] = []
    reach = -1
    for hit in hits:
        if hit.end <= reach:  # inside a hit already kept
            continue
        kept.append(hit)
        reach = hit.end
    return kept


def redact(text: str, hits: Iterable[Hit | Finding]) -> str:
    """The text with each hit's words replaced by "Xxxx"; hits that overlap or touch become one."""
    spans: list[list[int]] = []
    for start, end in sorted((h.start, h.end) for h in hits if h.end > h.start):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], REDACTED]
        position = end
    out.append(text[position:])
    return "".join(out)


# --- a customer's own details -------------------------------------------------------------------------


def _clean(value: str | None) -> str:
    return " ".join((value or "").split()).strip(",.;:")


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


_NO_NAME = fold(REDACTED)


def details_for(
    *,
    kind: str = Customer.Kind.PRIVATE,
    first_name: str = "",
    last_name: str = "",
    names: Iterable[str] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    numbers: Iterable[str] = (),
) -> Details:
    """Prepare one customer's details for matching. `names` are full names (the customer name, the
    contact person, an attention line); Xxxx and empty values are skipped."""
    private = kind == Customer.Kind.PRIVATE
    found: set[str] = set()
    first, last = _clean(first_name), _clean(last_name)
    if first and last:
        found.add(f"{first} {last}")
        for token in first.split(" "):  # "Anna Maria Svensson" is also "Maria Svensson"
            found.add(f"{token} {last}")
    full_names = [name for name in map(_clean, names) if name]
    found.update(full_names)
    if private:
        # The last name alone, when it is distinctive enough not to be an ordinary word.
        last_names = {last, *(name.rsplit(" ", 1)[-1] for name in full_names if " " in name)}
        found.update(name for name in last_names if _letters(name) >= MIN_LAST_NAME)
    # A name of fewer letters (an initial, "AB") would redact ordinary words.
    folded_names = {_bare(name) for name in found if _letters(name) >= 3} - {_NO_NAME}

    own_numbers = set()
    for number in numbers:
        digits = _NON_DIGIT.sub("", number or "")
        if len(digits) in (10, 12):
            is_person = private or personnummer.is_valid(number)
            own_numbers.add((digits[-10:], PERSONAL_NUMBER if is_person else ORGANISATION_NUMBER))

    return Details(
        names=tuple(sorted(folded_names)),
        emails=tuple(sorted({_bare(e.strip()) for e in emails if e and "@" in e})),
        phones=tuple(sorted({number for number in map(_parse_phone, phones) if number is not None})),
        numbers=tuple(sorted(own_numbers)),
    )


def _parse_phone(phone: str) -> tuple[int, str] | None:
    """(country code, national significant number). A Swedish number written from 0 is read directly —
    phonenumbers' parse costs a third of a millisecond, and a chunk has thousands of customers."""
    if not phone:
        return None
    digits = _NON_DIGIT.sub("", phone)
    if len(digits) < 7:
        return None
    if digits.startswith("0") and not digits.startswith("00") and not phone.lstrip().startswith("+"):
        return 46, digits[1:]
    try:
        number = phonenumbers.parse(phone, REGION)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.national_significant_number(number)
    return (number.country_code, national) if len(national) >= 6 else None


_DETAIL_FIELDS = (
    "pk",
    "kind",
    "first_name",
    "last_name",
    "name",
    "contact_person",
    "invoice_attention",
    "email",
    "phone",
    "mobile",
    "fax",
    "organisation_number",
)
# What survives anonymization: the legal copy of the customer's details on vouchers.
_VOUCHERS = (
    ("billing.Invoice", ("customer_name", "customer_org_number", "customer_email")),
    ("billing.AgreementInvoice", ("customer_name", "customer_org_number")),
    ("billing.Receipt", ("customer_name", "customer_org_number")),
)


def details_of(customer_ids, *, from_vouchers: bool = False) -> dict[int, Details]:
    """The customers' own details, in one query (and one per voucher table with `from_vouchers`: for
    anonymized customers, whose own fields are gone, the names and numbers their vouchers keep)."""
    return {pk: owner.details for pk, owner in _owners(customer_ids, from_vouchers=from_vouchers).items()}


class _Owner:
    """A customer's details as read; prepared for matching (a fifth of the scan's time) only when one of
    the customer's texts may hold them."""

    __slots__ = ("row", "more", "keys", "odd_keys", "_details", "_reach")

    def __init__(self, row: tuple):
        self.row = row  # _DETAIL_FIELDS without the id
        self._details: Details | None = None
        self._reach: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self.more: dict[str, list[str]] = {"names": [], "numbers": [], "emails": []}  # from vouchers
        # The last word of each name: a text without any of them holds none of the names. A key that is
        # not one word ("lindqvist-berg", "o'brien") is looked for as it is.
        self.keys: set[str] = set()
        self.odd_keys: list[str] = []
        for word in row[2:6]:
            self.add_name(word)

    def add_name(self, name: str | None) -> None:
        words = name.split() if name else None
        if words:
            key = _name_key(words[-1])
            if key.isalnum():
                self.keys.add(key)
            elif key:
                self.odd_keys.append(key)

    @property
    def details(self) -> Details:
        if self._details is None:
            kind, first, last, name, contact, attention, email, phone, mobile, fax, number = self.row
            self._details = details_for(
                kind=kind,
                first_name=first,
                last_name=last,
                names=[name, contact, attention, *self.more["names"]],
                emails=[email, *self.more["emails"]],
                phones=[phone, mobile, fax],
                numbers=[number, *self.more["numbers"]],
            )
        return self._details

    def may_be_in(self, read: "_Text") -> bool:
        """Whether the text can hold any of the customer's details: one of the names' last words stands
        in it as a word (a genitive s aside), its digits hold the last seven digits of one of the
        customer's phone, personal or organisation numbers (each a part of the number as _own() compares
        it, however it is written), or it holds one of the customer's e-mail addresses. Free text is
        full of numbers that are no one's (orders, amounts, dates): most of it is ruled out here."""
        if not self.keys.isdisjoint(read.words):
            return True
        if any(key in read.folded for key in self.odd_keys):
            return True
        if not read.has_numbers:
            return False
        tails, emails = self._reach or self._reach_keys()
        if read.digits and any(tail in read.digits for tail in tails):
            return True
        return read.has_at and any(email in read.folded for email in emails)

    def _reach_keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        email, phone, mobile, fax, number = self.row[6:11]
        values = (phone, mobile, fax, number, *self.more["numbers"])
        tails = tuple(t for t in (_tail(v) for v in values if v) if t)
        emails = tuple(_bare(e.strip()) for e in (email, *self.more["emails"]) if e and "@" in e)
        self._reach = (tails, emails)
        return self._reach


@lru_cache(maxsize=65_536)
def _name_key(word: str) -> str:
    """A name's last word as texts' words are compared (names repeat: worked out once a process)."""
    return _bare(word.strip(",.;:"))


_NOT_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(0x80) if not chr(c).isdigit()))


def _tail(number: str) -> str:
    """The last seven digits of a phone or identity number ("" when it has fewer)."""
    digits = number.translate(_NOT_DIGITS) if number.isascii() else _NON_DIGIT.sub("", number)
    return digits[-7:] if len(digits) >= 7 else ""


def _owners(customer_ids, *, from_vouchers: bool = False, cache_key=None) -> dict[int, _Owner]:
    from django.apps import apps

    rows = _fetch(
        lambda: Customer.objects.filter(pk__in=customer_ids).values_list(*_DETAIL_FIELDS).order_by(),
        None if cache_key is None else (cache_key, "details"),
    )
    owners = {row[0]: _Owner(row[1:]) for row in rows}
    if from_vouchers and owners:
        for label, fields in _VOUCHERS:
            rows = (
                apps.get_model(label)
                ._default_manager.filter(customer_id__in=list(owners))
                .values_list("customer_id", *fields)
                .distinct()
                .order_by()
            )
            for customer_id, name, number, *email in rows:
                owner = owners[customer_id]
                owner.more["names"].append(name)
                owner.more["numbers"].append(number)
                owner.more["emails"] += email
                owner.add_name(name)
    return owners


# --- where kept text is -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One policy table's kept free text: its text fields and its file fields."""

    table: policy.Table
    model: type
    kind: str
    ref_field: str
    prefix: str  # of its records' references ("O" in "O-1042"); the customer is named by its number
    text_fields: tuple[str, ...]
    file_fields: tuple[str, ...]
    decided: bool = False  # its rows can be kept by a user's decision (a document: `kept_at`)

    def ref(self, value) -> str:
        return f"{self.prefix}-{value}" if self.prefix else str(value)

    def rows(self, customer_ids):
        rows = self.model._default_manager.filter(**{f"{self.table.link}__in": customer_ids})
        # A document a user decided to keep with the anonymization is left alone from then on.
        return rows.filter(kept_at__isnull=True) if self.decided else rows


@cache
def sources() -> tuple[Source, ...]:
    """Every kept field the policy marks for review (A-1, A-2), table by table."""
    from django.db.models import FileField

    found = []
    for table in (policy.CUSTOMER, *policy.TABLES):
        names = table.review_fields()
        if not names or table.rows == policy.DELETE_ROWS:
            continue
        model = table.model_class
        files = tuple(n for n in names if isinstance(model._meta.get_field(n), FileField))
        concrete = {f.name for f in model._meta.concrete_fields}
        customer = table is policy.CUSTOMER
        found.append(
            Source(
                table=table,
                model=model,
                kind="customer" if customer else (table.kind or model._meta.model_name),
                ref_field="number" if "number" in concrete else "pk",
                prefix="" if customer else getattr(model, "REF_PREFIX", ""),
                text_fields=tuple(n for n in names if n not in files),
                file_fields=files,
                decided="kept_at" in concrete,
            )
        )
    return tuple(found)


_compiled: dict[tuple, tuple[str, tuple]] = {}


def _fetch(build, key: tuple | None, *, unless: tuple[str, list[str]] | None = None) -> list[tuple]:
    """The query's rows as the driver returns them (ids, texts, numbers: nothing to convert), in one
    call; with a key, its SQL is compiled once per database vendor and reused. `unless` is a condition
    ANDed to the query's (it must end with its WHERE clause) and the list of texts it takes as its one
    parameter."""
    if key is None:
        try:
            sql, params = build().query.sql_with_params()
        except EmptyResultSet:  # such as pk__in=[]
            return []
    else:
        key = (connection.vendor, *key)
        if key not in _compiled:
            _compiled[key] = build().query.sql_with_params()
        sql, params = _compiled[key]
    if unless is not None:
        condition, texts = unless
        listed = _text_list(texts)
        sql, params = f"{sql} AND {condition}", (*params, *[listed] * condition.count("%s"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _text_list(texts: list[str]):
    """A list of texts as one parameter: a JSON array that SQLite's json_each() reads, or an array."""
    return texts if connection.vendor == "postgresql" else json.dumps(texts)


def _none_but(model, names: tuple[str, ...]) -> str:
    """SQL true for a row with a filled field whose text is not in the list given as the parameter of
    each field's test (the texts nothing is in for the chunk): the rows worth reading."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [f"{table}.{quote(model._meta.get_field(name).column)}" for name in names]
    if connection.vendor == "postgresql":
        outside = "NOT ({} = ANY(%s))"
    else:
        outside = "{} NOT IN (SELECT value FROM json_each(%s))"
    return "(" + " OR ".join(f"({c} <> '' AND {outside.format(c)})" for c in columns) + ")"


def _filled(name: str) -> Q:
    return Q(**{f"{name}__isnull": False}) & ~Q(**{name: ""})


# --- reading documents --------------------------------------------------------------------------------

TEXT_SUFFIXES = {".txt", ".text", ".csv", ".tsv", ".md"}


def document_text(name: str) -> str | None:
    """The text of a stored file, read through the storage; None when Kund cannot read it (a format it
    does not know, no text layer, broken, missing, or over MAX_DOCUMENT_BYTES)."""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError):
        return None
    if len(data) > MAX_DOCUMENT_BYTES:
        return None
    suffix = PurePath(name).suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            return _plain_text(data)
        if suffix == ".pdf" or data.startswith(b"%PDF"):
            return _pdf_text(data)
        if suffix == ".docx":
            return _docx_text(data)
    except Exception:  # a broken file of any kind: reported as unreadable, never a crash
        logger.info("a document could not be read for the residue scan (%s)", suffix or "no suffix")
    return None


def _plain_text(data: bytes) -> str:
    """Plain text and CSV (read as it is: a cell's name or number is found between the separators), in
    UTF-8 or, failing that, Windows-1252 as the register's imports accept."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _pdf_text(data: bytes) -> str | None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return None
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return text if text.strip() else None  # no text layer (a scan): cannot be checked


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = []

    def blocks(container) -> None:
        parts.extend(p.text for p in container.paragraphs)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    blocks(cell)

    blocks(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            if part is not None and not part.is_linked_to_previous:
                blocks(part)
    return "\n".join(parts)


# --- scanning -----------------------------------------------------------------------------------------


@dataclass
class _Scan:
    findings: dict[int, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    texts: dict[tuple[str, int, str], str] = field(default_factory=dict)  # the text each finding is in
    files: dict[int, list[str]] = field(default_factory=dict)  # a document's id: its stored files
    owners: dict[int, "_Owner"] = field(default_factory=dict)  # the customers scanned, by id


def scan_customers(customer_ids, *, from_vouchers: bool = False) -> dict[int, list[Finding]]:
    """The residue of each customer (ids: a list or a subquery of customer ids), keyed by customer id;
    customers without residue are left out. One query for the details, one per table with kept text."""
    return dict(_scan(customer_ids, from_vouchers=from_vouchers).findings)


SCAN_CHUNK = 5_000  # customers a chunk, as the erasure engine scans them


def scan_in_chunks(customer_ids: list[int], *, chunk_size: int = SCAN_CHUNK) -> dict[int, list[Finding]]:
    """scan_customers() for any number of customers (a mass run's verification), a chunk at a time as
    the engine scans them: through the erasure scope's temporary table, in a transaction of its own that
    writes nothing else, so no list of ids is bound and each chunk's queries are compiled once a
    process."""
    from kund.privacy import scope

    found: dict[int, list[Finding]] = {}
    for start in range(0, len(customer_ids), chunk_size):
        chunk = customer_ids[start : start + chunk_size]
        with transaction.atomic():
            scope.fill(chunk)
            scope.mark({"anonymize": chunk})
            found.update(_scan(scope.ids("anonymize"), cache_key=scope.TABLE).findings)
    return found


def _scan(
    customer_ids, *, from_vouchers: bool = False, present: set[str] | None = None, cache_key=None
) -> _Scan:
    """`cache_key` names customer ids whose SQL never changes (the erasure engine's scope): the queries
    are then compiled once per process."""
    owners = _owners(customer_ids, from_vouchers=from_vouchers, cache_key=cache_key)
    result = _Scan(owners=owners)
    if not owners:
        return result
    memo: dict[str, _Text] = {}  # what is read from each text, for this scan only
    everyone = _Names(owners)
    unread = everyone.nothing_in(_most_frequent(), memo)
    for source in sources():
        if present is not None and not _may_have_rows(source.table, present):
            continue
        _scan_source(source, customer_ids, owners, result, memo, cache_key, everyone, unread)
    for rows in result.findings.values():
        rows.sort(key=lambda f: (f.kind, f.ref, f.field, f.start))
    return result


def _may_have_rows(table: policy.Table, present: set[str]) -> bool:
    if table is policy.CUSTOMER:
        return True
    return table.model in present or any(model._meta.label in present for model in table.chain())


class _Names:
    """What any of the customers scanned can be found by: the last words of their names (whether a
    quiet text is idle), and the parts of their numbers and their e-mail addresses (whether a frequent
    text holds nothing for any of them)."""

    def __init__(self, owners: dict[int, _Owner]):
        self.owners = owners
        self.keys = set().union(*(owner.keys for owner in owners.values()))
        # Keys that are not one word ("lindqvist-berg", "o'brien"), by their first word: a text can
        # hold one only if it has that word.
        self.odd: dict[str, list[str]] = defaultdict(list)
        for owner in owners.values():
            for key in owner.odd_keys:
                self.odd[(_WORD.findall(key) or [""])[0]].append(key)

    def idle(self, read: _Text) -> bool:
        if read.idle is None:
            read.idle = read.quiet and self.keys.isdisjoint(read.words) and not self._odd_in(read)
        return read.idle

    def _odd_in(self, read: _Text) -> bool:
        odd = self.odd
        if not odd:
            return False
        starts = [word for word in read.words if word in odd]
        if "" in odd:
            starts.append("")
        return any(key in read.folded for word in starts for key in odd[word])

    def nothing_in(self, texts: list[str], memo: dict) -> list[str]:
        """Of these texts, those in which none of the customers' details and no pattern can be: no
        e-mail address, no pattern nor anything written as a phone number, none of the names' last
        words, and none of the customers' numbers' last seven digits among its digits. Rows holding
        only such texts hold nothing for the chunk, and need not be read."""
        found, numbered = [], []
        for text in texts:
            read = _remembered(text, memo)
            if read.has_at or read.patterns or read.phone_at or not self.keys.isdisjoint(read.words):
                continue
            if self._odd_in(read):
                continue
            (numbered if len(read.digits) >= 7 else found).append(text)
        if numbered:  # the customers' numbers are worked out only for a text with enough digits
            tails = set()
            for owner in self.owners.values():
                tails.update((owner._reach or owner._reach_keys())[0])
            for text in numbered:
                digits = memo[text].digits
                if not any(digits[i : i + 7] in tails for i in range(len(digits) - 6)):
                    found.append(text)
        return found


# Kept text that repeats (payment terms, stock phrases) across the chunks a process scans: the texts
# seen most often are, chunk by chunk, left unread in the database where they hold nothing (_Names).
# Only texts in which the scan found nothing are counted, and only those seen in many rows are tried:
# a text that held someone's details is redacted, and must not live on in this process's memory nor be
# sent back to the database as a query's parameter (where a server's statement log could keep it).
_FREQUENT: Counter = Counter()
FREQUENT_TEXTS = 200  # the most frequent texts tried
FREQUENT_KEEP = 2_000  # texts counted at most (the rarer ones are forgotten)
FREQUENT_ROWS = 20  # a text is tried only once seen in this many rows


_FREQUENT_LOCK = threading.Lock()  # a web process may scan in several threads


def _count_frequent(texts: Iterable[str]) -> None:
    seen = Counter(text for text in texts if text and len(text) <= 200)
    with _FREQUENT_LOCK:
        _FREQUENT.update(seen)
        if len(_FREQUENT) > 2 * FREQUENT_KEEP:
            kept = _FREQUENT.most_common(FREQUENT_KEEP)
            _FREQUENT.clear()
            _FREQUENT.update(dict(kept))


def _most_frequent() -> list[str]:
    with _FREQUENT_LOCK:
        return [text for text, n in _FREQUENT.most_common(FREQUENT_TEXTS) if n >= FREQUENT_ROWS]


def forget_frequent() -> None:
    """Forget the texts counted so far (a test that wants a process's first scan)."""
    with _FREQUENT_LOCK:
        _FREQUENT.clear()


def _scan_source(
    source: Source,
    customer_ids,
    owners: dict[int, _Owner],
    result: _Scan,
    memo: dict,
    cache_key,
    everyone: _Names,
    unread: list[str],
) -> None:
    names = (*source.text_fields, *source.file_fields)
    any_filled = Q()
    for name in names:
        any_filled |= _filled(name)
    # Rows whose filled fields all hold texts nothing is in for the chunk are not read (not for a table
    # with files: every document is read).
    unless = None
    if unread and not source.file_fields:
        unless = (_none_but(source.model, source.text_fields), unread)
    rows = _fetch(
        lambda: (
            source.rows(customer_ids)
            .filter(any_filled)
            .values_list(source.table.link, "pk", source.ref_field, *names)
            .order_by()
        ),
        None if cache_key is None else (cache_key, source.table.model),
        unless=unless,
    )
    texts = tuple(enumerate(source.text_fields, start=3))
    held: set[str] = set()  # the texts something was found in: never counted as frequent
    label, kind = source.table.model, source.kind
    files = tuple(enumerate(source.file_fields, start=3 + len(texts)))
    owner_of, read_of, idle = owners.get, memo.get, everyone.idle  # the loop runs once per row: kept lean
    for row in rows:
        owner = None
        found: list[tuple[str, Hit]] = []
        for column, name in texts:
            text = row[column]
            if not text:
                continue
            read = read_of(text) or _remembered(text, memo)
            # Most kept text holds nothing: no pattern, too few digits, none of the customers' names.
            if read.idle or (read.idle is None and idle(read)):
                continue
            owner = owner or owner_of(row[0])
            if owner is None or (read.quiet and owner.keys.isdisjoint(read.words) and not owner.odd_keys):
                continue
            own = owner.may_be_in(read)
            hits = _find(text, read, owner.details if own else None)
            if hits:
                result.texts[(label, row[1], name)] = text
                found += [(name, hit) for hit in hits]
                held.add(text)
        if files:
            owner = owner or owner_of(row[0])
            if owner is None:
                continue
        for column, name in files:
            if row[column]:
                text = document_text(row[column])
                if text is None:
                    found.append((name, Hit(UNREADABLE, 0, 0)))
                else:
                    found += [(name, hit) for hit in find(text, owner.details)]
        if found:
            customer_id, pk, ref = row[0], row[1], source.ref(row[2])
            result.findings[customer_id] += [
                Finding(customer_id, label, kind, ref, pk, name, hit.found, hit.start, hit.end)
                for name, hit in found
            ]
            stored = [row[column] for column, _name in files if row[column]]
            if stored:
                result.files[pk] = stored
    _count_frequent(text for row in rows for column, _name in texts if (text := row[column]) not in held)


# --- redacting ----------------------------------------------------------------------------------------

KEPT = f"{COUNTS_PREFIX}kept by decision:"  # erasure log counts: documents kept by a user's decision


class DocumentsChanged(Exception):
    """The customer's documents holding the person are no longer the ones the page listed (one was added
    or changed since): nothing is erased, and the user looks again. Names no data."""


@dataclass(frozen=True)
class Decisions:
    """What the user decided on the erasure page of one customer (B-5): the documents holding the person
    that are kept, each with its reason, and the documents the page listed (None: not checked). Both are
    checked again inside the erasure's transaction."""

    keep: dict[int, str] = field(default_factory=dict)  # document id → the reason, as written
    listed: frozenset[int] | None = None  # ids of the documents with findings the page showed


def redact_chunk(
    customer_ids,
    *,
    counts: dict[int, dict[str, int]] | None = None,
    cache_key=None,
    decisions: Decisions | None = None,
) -> dict[int, int]:
    """The erasure engine's step (B-5), inside its transaction and before the customer's own fields are
    overwritten: find the chunk's residue and take it out. `customer_ids` is a list or a subquery; with
    `counts` (the erasure log's rows per table, by customer id) only tables where the chunk has rows
    are read, and the rows redacted are added to each customer's counts (`residue:<table>`, no text).
    Returns the findings removed per customer."""
    present = None
    if counts is not None:
        present = {label for rows in counts.values() for label in rows}
    scan = _scan(customer_ids, present=present, cache_key=cache_key)
    return apply(scan, counts=counts, decisions=decisions)


def apply(
    scan: _Scan, *, counts: dict[int, dict[str, int]] | None = None, decisions: Decisions | None = None
) -> dict[int, int]:
    """Redact what a scan found, in the caller's transaction: texts rewritten in one statement per table
    and field, documents with a finding deleted (files removed after commit) unless `decisions` keeps
    them. A text that changed since it was read is not overwritten: ResidueChanged rolls the transaction
    back; so does DocumentsChanged, when the documents holding the person are not the ones listed."""
    from kund.documents.models import Document

    document_label = Document._meta.label
    decisions = decisions or Decisions()
    found_in = {f.row_id for fs in scan.findings.values() for f in fs if f.model == document_label}
    if decisions.listed is not None and not found_in <= decisions.listed:
        raise DocumentsChanged("a document holding the person was not listed")
    # Only a document that holds the person is kept by decision; any other id kept is not the chunk's
    # to decide about (another customer's, or one that no longer holds anything), and is left alone.
    keep = {pk: reason for pk, reason in decisions.keep.items() if pk in found_in}
    edits: dict[tuple[str, str], list[tuple[str, int, str]]] = defaultdict(list)
    doomed: dict[int, int] = {}  # document id → customer id
    kept: dict[int, int] = {}
    touched: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    removed: dict[int, int] = {}
    titles = scan_text_fields(document_label)
    for customer_id, findings in scan.findings.items():
        by_place: dict[tuple[str, int, str], list[Finding]] = defaultdict(list)
        for finding in findings:
            if finding.model == document_label and finding.row_id in keep:
                kept[finding.row_id] = customer_id
                if finding.field in titles:  # a kept document's title is redacted like any kept text
                    by_place[(finding.model, finding.row_id, finding.field)].append(finding)
                continue
            touched[customer_id][finding.model].add(finding.row_id)
            if finding.model == document_label:
                doomed[finding.row_id] = customer_id
            else:
                by_place[(finding.model, finding.row_id, finding.field)].append(finding)
        # What a kept document's file holds stays with it: those findings are not removed.
        removed[customer_id] = len(findings) - sum(
            1 for f in findings if f.model == document_label and f.row_id in keep and f.field not in titles
        )
        for (label, pk, name), found in by_place.items():
            old = scan.texts[(label, pk, name)]
            edits[(label, name)].append((redact(old, found), pk, old))

    from django.apps import apps

    with connection.cursor() as cursor:
        for (label, name), rows in edits.items():
            model = apps.get_model(label)
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(model._meta.get_field(name).column)
            key = connection.ops.quote_name(model._meta.pk.column)
            cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {key} = %s AND {column} = %s", rows)
            if cursor.rowcount != len(rows):
                raise ResidueChanged("kept text changed while it was redacted")
    if doomed:
        _delete_documents(Document, list(doomed), [n for pk in doomed for n in scan.files.get(pk, [])])
    if kept:
        _keep_documents(
            Document, {pk: (keep[pk], scan.owners[customer_id]) for pk, customer_id in kept.items()}
        )
    if counts is not None:
        for customer_id, tables in touched.items():
            row = counts.setdefault(customer_id, {})
            for label, pks in tables.items():
                row[f"{COUNTS_PREFIX}{label}"] = len(pks)
        for customer_id in kept.values():
            row = counts.setdefault(customer_id, {})
            row[f"{KEPT}{document_label}"] = row.get(f"{KEPT}{document_label}", 0) + 1
    return removed


def scan_text_fields(label: str) -> tuple[str, ...]:
    """The kept text fields (not files) the scan reads in a table."""
    return next((s.text_fields for s in sources() if s.table.model == label), ())


def _keep_documents(model, decided: dict[int, tuple[str, "_Owner"]]) -> None:
    """Store each kept document's decision: when, and the reason with the customer's details in it (and
    any e-mail address, phone or personal number) redacted — a reason may name the person too."""
    from django.utils import timezone

    now = timezone.now()
    for pk, (reason, owner) in decided.items():
        reason = reason.strip()
        model._default_manager.filter(pk=pk).update(
            kept_at=now, kept_reason=redact(reason, find(reason, owner.details))
        )


def _delete_documents(model, pks: list[int], files: list[str]) -> None:
    """Delete documents (and Django's admin log entries, which keep their titles, A-7); their files go
    from the storage once the transaction has committed."""
    table = connection.ops.quote_name(model._meta.db_table)
    key = connection.ops.quote_name(model._meta.pk.column)
    log = connection.ops.quote_name(LogEntry._meta.db_table)
    content_type = ContentType.objects.get_for_model(model).pk
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {log} WHERE content_type_id = %s AND object_id = %s",
            [(content_type, str(pk)) for pk in pks],
        )
        cursor.executemany(f"DELETE FROM {table} WHERE {key} = %s", [(pk,) for pk in pks])

    def remove() -> None:
        for name in files:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not remove a document's file after its residue was found")

    if files:
        transaction.on_commit(remove)


# --- the text around a finding (for the one page that shows it) ---------------------------------------


@dataclass(frozen=True)
class Context:
    before: str
    match: str
    after: str


def contexts_of(findings: Iterable[Finding], *, width: int = 40) -> dict[Finding, Context | None]:
    """The text around each finding, as context_of() gives it, reading each row once (one query per
    table) and each document once: for the erasure page, which shows every finding of a customer."""
    from django.apps import apps

    findings = list(findings)
    by_model: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.found != UNREADABLE:
            by_model[finding.model].add(finding.field)
    texts: dict[tuple[str, int, str], str | None] = {}
    for label, names in by_model.items():
        names = sorted(names)
        ids = {f.row_id for f in findings if f.model == label}
        files = next((s.file_fields for s in sources() if s.table.model == label), ())
        rows = apps.get_model(label)._default_manager.filter(pk__in=ids).values_list("pk", *names)
        for pk, *values in rows:
            for name, value in zip(names, values, strict=True):
                texts[(label, pk, name)] = (document_text(value) if name in files else value) or None
    result = {}
    for finding in findings:
        text = texts.get((finding.model, finding.row_id, finding.field))
        result[finding] = None if finding.found == UNREADABLE else _around(text, finding, width)
    return result


def _around(text: str | None, finding: Finding, width: int) -> Context | None:
    if not text or finding.end > len(text):
        return None
    start, end = finding.start, finding.end
    return Context(
        before=text[max(0, start - width) : start], match=text[start:end], after=text[end : end + width]
    )


def context_of(finding: Finding, *, width: int = 40) -> Context | None:
    """The text around a finding, read again from its row (or its document). Only for the page that shows
    a user the findings before they confirm: never logged, never in a plan. None when the text is gone
    or has changed so that the span no longer fits, and for an unreadable document."""
    from django.apps import apps

    if finding.found == UNREADABLE:
        return None
    model = apps.get_model(finding.model)
    value = model._default_manager.filter(pk=finding.row_id).values_list(finding.field, flat=True).first()
    if not value:
        return None
    source = next((s for s in sources() if s.table.model == finding.model), None)
    text = document_text(value) if source and finding.field in source.file_fields else value
    return _around(text, finding, width)


# --- residue left before B-5: `kund residue_scan --anonymized --redact` ----------------------------------

REDACT_CHUNK = 500  # anonymized customers per transaction


@dataclass
class Redaction:
    customers: int = 0  # customers whose residue was redacted
    findings: int = 0  # findings removed (a text's words, or a document deleted)


def redact_anonymized(*, customer_ids: Iterable[int], actor, chunk_size: int = REDACT_CHUNK) -> Redaction:
    """Take out the residue left in customers anonymized before Kund redacted it, as anonymization now
    does. Only anonymized customers the actor may erase (E-4) are touched; each chunk is one transaction
    that locks its customers, scans them with whatever details survive (the vouchers' legal copy, A-3),
    redacts, and appends one erasure log row per customer redacted: action "redact", counts only.
    This is the customers' next erasure: a document kept by a user's decision stays, and the reason
    written for it is cleared."""
    from django.utils import timezone

    from kund.audit import erasure_log
    from kund.core import rules

    rules.require(rules.may_erase_any(actor))
    ids = list(dict.fromkeys(customer_ids))
    result = Redaction()
    for start in range(0, len(ids), chunk_size):
        with transaction.atomic():
            customers = list(
                Customer.objects.select_for_update()
                .filter(pk__in=ids[start : start + chunk_size], anonymized_at__isnull=False)
                .only("pk", "number", "responsible_id", "anonymized_at")
                .order_by("number")
            )
            allowed = [c for c in customers if rules.may_erase(actor, c)]
            scan = _scan([c.pk for c in allowed], from_vouchers=True)
            counts: dict[int, dict[str, int]] = {}
            removed = apply(scan, counts=counts)
            _clear_reasons([c.pk for c in allowed], counts)
            records = [
                {"customer_number": c.number, "action": "redact", "counts": counts[c.pk]}
                for c in allowed
                if c.pk in counts
            ]
            erasure_log.append(records, actor_username=actor.get_username(), at=timezone.now())
        result.customers += len(records)
        result.findings += sum(removed.values())
    return result


def _clear_reasons(customer_ids: list[int], counts: dict[int, dict[str, int]]) -> None:
    """Clear the reasons written for documents kept by decision at an earlier erasure (the decision
    stands); each customer's log row counts its documents kept by decision."""
    from kund.documents.models import Document

    label = Document._meta.label
    reasons = Document.objects.filter(customer_id__in=customer_ids).exclude(kept_reason="")
    for customer_id in reasons.values_list("customer_id", flat=True).order_by():
        row = counts.setdefault(customer_id, {})
        row[f"{KEPT}{label}"] = row.get(f"{KEPT}{label}", 0) + 1
    reasons.update(kept_reason="")
