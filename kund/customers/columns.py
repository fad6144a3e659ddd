"""The columns of a customer register file (SPEC §8): the import reads them, the list's export writes
them, so an exported file imports back.

Each column is (English header, Swedish header, the Customer attribute it carries). The English header
is what the export writes; the importer accepts either.
"""

import unicodedata

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("customer_number", "kundnummer", "number"),
    ("kind", "typ", "kind"),
    ("first_name", "förnamn", "first_name"),
    ("last_name", "efternamn", "last_name"),
    ("name", "namn", "name"),
    ("organisation_number", "organisationsnummer", "organisation_number"),
    ("email", "e-post", "email"),
    ("phone", "telefon", "phone"),
    ("address", "adress", "invoice_address1"),
    ("postal_code", "postnummer", "invoice_postal_code"),
    ("city", "ort", "invoice_city"),
    ("country", "land", "invoice_country"),
)

ENGLISH_HEADERS: tuple[str, ...] = tuple(english for english, _swedish, _attribute in COLUMNS)
ATTRIBUTES: tuple[str, ...] = tuple(attribute for _english, _swedish, attribute in COLUMNS)

# --- what the importer accepts beyond COLUMNS (R-8) -------------------------------------------------

# Columns the importer also reads, in the same shape. The export does not write them (yet); a file that
# has them imports them.
EXTRA_IMPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("vat_number", "momsregistreringsnummer", "vat_number"),
    ("mobile", "mobil", "mobile"),
)
IMPORT_COLUMNS: tuple[tuple[str, str, str], ...] = COLUMNS + EXTRA_IMPORT_COLUMNS

# Further spellings of a header, by the column's English header. Compared after header_key().
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_number": ("number", "kundnr", "customer_no"),
    "kind": ("type", "kundtyp"),
    "name": ("customer_name", "kundnamn", "company_name", "företagsnamn"),
    "organisation_number": ("orgnr", "organisation_no", "organization_number", "personnummer"),
    "email": ("e-mail", "mail"),
    "phone": ("telephone", "telefonnummer"),
    "mobile": ("mobile_phone", "mobiltelefon"),
    "address": ("address1", "adress1", "street", "gatuadress"),
    "postal_code": ("zip", "zip_code", "postcode"),
    "city": ("postort", "town"),
    "vat_number": ("vat", "momsnummer", "momsnr"),
}


def header_key(header: str) -> str:
    """A header as the importer compares it: case, spaces, underscores and hyphens do not matter."""
    text = unicodedata.normalize("NFC", str(header)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def header_index() -> dict[str, str]:
    """Every accepted spelling (as header_key) → the column's English header."""
    index: dict[str, str] = {}
    for english, swedish, _attribute in IMPORT_COLUMNS:
        for spelling in (english, swedish, *ALIASES.get(english, ())):
            index[header_key(spelling)] = english
    return index
