"""The columns of a customer register file (SPEC §8): the import reads them, the list's export writes
them, so an exported file imports back.

Each column is (English header, Swedish header, the Customer attribute it carries). The English header
is what the export writes; the importer accepts either.
"""

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
