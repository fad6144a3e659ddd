"""Search for what people type (SPEC R-2): any part of a name, contact person, e-mail address, street or
city, without regard to case or diacritics, and phone and personal/organisation numbers however they
are written — on an index, never a scan of the register.

What the database keeps, computed by itself from the customer's own columns (generated columns, so
every writer — the ORM, bulk inserts, raw SQL, the erasure engine's set-based UPDATEs — keeps them
current, and anonymizing a customer rewrites them in the same statement, A-7):

- `search_text`: name, contact person, e-mail, streets and cities, folded (`fold`): lower case, and
  letters without their diacritics (NFKD without combining marks: "Wahlström" is "wahlstrom"; "ø" is
  "o").
- `search_phone`, `search_mobile`: the number as one string of digits with its country code
  (`phone_key`: "090-761 11 99" and "+46 90 761 11 99" are both 46907611199).
- `search_identity`: the digits of the personal or organisation number (19810807-4884 → 198108074884).

The index over `search_text` is a trigram index: SQLite's FTS5 with the trigram tokenizer (an
external-content table over the customer table, kept in step by triggers on it), PostgreSQL's pg_trgm
GIN index. The number columns have ordinary B-tree indexes, searched by prefix.

The query is folded by the very same table in Python (`fold`), so a query and the text it should find
agree by construction.
"""

import re
import unicodedata

import phonenumbers
from django.db import connections, transaction
from django.db.models import CharField, Func, TextField
from django.db.models.expressions import F

PHONE_REGION = "SE"

# --- folding ----------------------------------------------------------------------------------------

# Each letter with a diacritic and the letter it folds to (its NFKD form without combining marks, in
# lower case): the letters of the Nordic languages, German, French and Spanish that registers in Sweden
# meet. SQLite has no translate(), so the database folds with one replace() per letter, and its parser
# takes no more than about two dozen of them nested in a column's definition: the table is kept to what
# matters. A letter not in it (ł, ř, ő) is found as it is written, in either case.
FOLD_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (letter, unicodedata.normalize("NFKD", letter)[0].lower()) for letter in "ÅÄÖÉÜåäöéèêëüáàçñíóú"
) + (("Ø", "o"), ("ø", "o"))
FOLD_FROM = "".join(letter for letter, _ in FOLD_PAIRS)
FOLD_TO = "".join(folded for _, folded in FOLD_PAIRS)
_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FOLD_TABLE = str.maketrans(_ASCII_UPPER + FOLD_FROM, _ASCII_UPPER.lower() + FOLD_TO)


def fold(text: str) -> str:
    """Text as `search_text` holds it: the fold table, then ASCII lower case (as SQLite's lower()).
    Composed first, so a letter typed as a base letter and a combining mark folds as the letter."""
    return unicodedata.normalize("NFC", text or "").translate(_FOLD_TABLE)


class Joined(Func):
    """Text columns joined by spaces, an empty string for NULL: `a || ' ' || b …`, flat, where Django's
    Concat nests a pair per column (and SQLite's parser allows little nesting in a column definition)."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.source_expressions:
            sql, part_params = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(part_params)
        return " || ' ' || ".join(parts), params


class OtherThan(Func):
    """A column's value where it differs from another column's, else NULL (a second address)."""

    function = "NULLIF"
    arity = 2
    output_field = TextField()


class Folded(Func):
    """The database's side of `fold`, for a generated column. SQLite: a chain of replace(), taken only by
    text with a character outside printable ASCII (text rewritten in bulk, an anonymized customer's
    "Xxxx", has none), then lower(). PostgreSQL: one translate(), A–Z included."""

    arity = 1
    output_field = TextField()

    def __init__(self, expression, *, fold_from: str = FOLD_FROM, fold_to: str = FOLD_TO, **extra):
        self.fold_from, self.fold_to = fold_from, fold_to
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        text, params = compiler.compile(self.source_expressions[0])
        chain = text
        for letter, folded in zip(self.fold_from, self.fold_to, strict=True):
            chain = f"REPLACE({chain}, '{letter}', '{folded}')"
        sql = f"(CASE WHEN ({text}) GLOB '*[^ -~]*' THEN LOWER({chain}) ELSE LOWER({text}) END)"
        return sql, (*params, *params, *params)

    def as_postgresql(self, compiler, connection, **extra_context):
        text, params = compiler.compile(self.source_expressions[0])
        source, target = _ASCII_UPPER + self.fold_from, _ASCII_UPPER.lower() + self.fold_to
        return f"TRANSLATE({text}, '{source}', '{target}')", params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"no search folding for {connection.vendor}")


# The customer's own text that search finds. The visiting and delivery addresses count where they
# differ from the invoice address (mostly they are the same).
TEXT_SOURCES = ("name", "contact_person", "email", "invoice_address1", "invoice_address2", "invoice_city")
SECOND_ADDRESSES = (
    ("visit_address1", "invoice_address1"),
    ("visit_city", "invoice_city"),
    ("delivery_address1", "invoice_address1"),
    ("delivery_city", "invoice_city"),
)


def search_text_expression() -> Folded:
    parts = [F(name) for name in TEXT_SOURCES]
    parts += [OtherThan(F(name), F(same_as)) for name, same_as in SECOND_ADDRESSES]
    # The table is passed explicitly so that the migration records it: changing it changes the schema.
    return Folded(Joined(*parts), fold_from=FOLD_FROM, fold_to=FOLD_TO)


# --- numbers: digits only ----------------------------------------------------------------------------

_SEPARATORS = ("(0)", " ", "\u00a0", "-", "+", "(", ")", "/", ".")


def digits(text: str) -> str:
    """The number without the separators people write it with (and a "(0)" trunk prefix)."""
    text = text or ""
    for separator in _SEPARATORS:
        text = text.replace(separator, "")
    return text


class Digits(Func):
    """The database's side of `digits`."""

    arity = 1
    output_field = CharField(max_length=48)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        for separator in _SEPARATORS:
            sql = f"REPLACE({sql}, '{separator}', '')"
        return sql, params


def phone_key(text: str) -> str:
    """A phone number as the country code and number, digits only: +46 90 761 11 99, 0046 90 761 11 99
    and 090-761 11 99 (a Swedish number written nationally) are all 46907611199."""
    number = digits(text)
    if not number:
        return ""
    if (text or "").strip().startswith("+"):
        return number
    if number.startswith("00"):
        return number[2:]
    if number.startswith("0"):
        return "46" + number[1:]
    return number


class PhoneKey(Func):
    """The database's side of `phone_key`."""

    arity = 1
    output_field = CharField(max_length=48)

    def as_sql(self, compiler, connection, **extra_context):
        raw, raw_params = compiler.compile(self.source_expressions[0])
        number, number_params = compiler.compile(Digits(self.source_expressions[0]))
        sql = (
            f"(CASE WHEN {number} = '' THEN '' "
            f"WHEN SUBSTR(TRIM({raw}), 1, 1) = '+' THEN {number} "
            f"WHEN SUBSTR({number}, 1, 2) = '00' THEN SUBSTR({number}, 3) "
            f"WHEN SUBSTR({number}, 1, 1) = '0' THEN '46' || SUBSTR({number}, 2) "
            f"ELSE {number} END)"
        )
        params = (*number_params, *raw_params, *number_params, *number_params, *number_params, *number_params)
        params += (*number_params, *number_params)
        return sql, params


# --- what a query asks for --------------------------------------------------------------------------

MAX_QUERY = 100
MIN_WORD = 3  # a trigram index finds words of three characters and more
_NUMBER_LIKE = re.compile(r"[\d\s\u00a0+()/.\-]+")


def query_phone_key(query: str) -> str:
    """The phone number a query may be, keyed as `phone_key` keys the stored numbers. A whole number is
    read by phonenumbers (Swedish unless it has a country code); the beginning of one, which it would
    read as a short number, by the same rule as the stored numbers."""
    try:
        parsed = phonenumbers.parse(query, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return phone_key(query)
    if not phonenumbers.is_valid_number(parsed):
        return phone_key(query)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def identity_prefixes(number: str) -> list[str]:
    """Prefixes of `search_identity` that a personal or organisation number typed as `number` (digits
    only) matches. 19810807-4884, 810807-4884 and 8108074884 all find 198108074884; 19810807 or 810807
    find everyone born that day."""
    if len(number) < 6:
        return []
    if len(number) >= 12:
        return [number, number[2:]]
    return [number, "19" + number, "20" + number]


def is_number_query(query: str) -> bool:
    """Digits with what people write between them, and enough digits to be a phone or identity number."""
    return bool(_NUMBER_LIKE.fullmatch(query)) and len(digits(query)) >= 5


def words_of(query: str) -> list[str]:
    """The query's words, folded, each once."""
    return list(dict.fromkeys(fold(query[:MAX_QUERY]).split()))


def fts_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word as a quoted string, which the trigram tokenizer turns into a
    phrase of its trigrams — the word as a substring. Quotes in a word are doubled."""
    return " AND ".join('"{}"'.format(word.replace('"', '""')) for word in words)


# --- the index: SQLite FTS5 and PostgreSQL pg_trgm --------------------------------------------------

CUSTOMER_TABLE = "customers_customer"
FTS_TABLE = "customers_customer_search"
PG_TRIGRAM_INDEX = "customer_search_text_trgm"

SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    f"search_text, content='{CUSTOMER_TABLE}', content_rowid='id', tokenize='trigram', "
    "detail='full', columnsize=0)"
)
# The index holds no copy of the text (external content), only its trigrams; these triggers keep it in
# step with every write to the customer table. An UPDATE that leaves the text as it was (a status, a
# responsible user) costs one comparison.
SQLITE_TRIGGERS = {
    "customers_customer_search_insert": (
        f"CREATE TRIGGER customers_customer_search_insert AFTER INSERT ON {CUSTOMER_TABLE} BEGIN "
        f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    "customers_customer_search_delete": (
        f"CREATE TRIGGER customers_customer_search_delete AFTER DELETE ON {CUSTOMER_TABLE} BEGIN "
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    "customers_customer_search_update": (
        f"CREATE TRIGGER customers_customer_search_update AFTER UPDATE ON {CUSTOMER_TABLE} "
        "WHEN old.search_text IS NOT new.search_text OR old.id <> new.id BEGIN "
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}

POSTGRES_FORWARD = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_TRIGRAM_INDEX} ON {CUSTOMER_TABLE} USING gin (search_text gin_trgm_ops)",
)
POSTGRES_BACKWARD = (f"DROP INDEX IF EXISTS {PG_TRIGRAM_INDEX}",)


def ensure_search_index(using: str = "default") -> bool:
    """Create what keeps the trigram index current where it is missing; True if anything was.

    On SQLite, Django rebuilds a table to alter it, which drops the table's triggers: without them the
    index would silently fall behind (A-7). A migration that alters the customer table therefore ends by
    calling this (as 0012 does), which puts them back and rebuilds the index from the table;
    test_migrations guards that the migrations leave every trigger in place. Cheap when all is in place
    (one look at the schema)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if not _has_search_text(connection, cursor):
            return False  # not migrated so far (or migrated back)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s) IS NULL", [PG_TRIGRAM_INDEX])
            if not cursor.fetchone()[0]:
                return False
            for statement in POSTGRES_FORWARD:
                cursor.execute(statement)
            return True
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        missing = [sql for name, sql in SQLITE_TRIGGERS.items() if name not in present]
        if FTS_TABLE in present and not missing:
            return False
        cursor.execute(SQLITE_FTS)
        for statement in missing:
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    return True


def _has_search_text(connection, cursor) -> bool:
    if connection.vendor == "sqlite":
        cursor.execute(f"SELECT 1 FROM pragma_table_xinfo('{CUSTOMER_TABLE}') WHERE name = 'search_text'")
    elif connection.vendor == "postgresql":
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = 'search_text'",
            [CUSTOMER_TABLE],
        )
    else:
        return False
    return cursor.fetchone() is not None


def drop_search_index(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in POSTGRES_BACKWARD:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


# --- after an erasure: the index's own copy of what was erased ------------------------------------------

MERGE_PAGES = 500  # index pages merged per transaction while compacting


def compact_search_index(using: str = "default") -> int:
    """Merge the SQLite trigram index into a single segment; returns the merge steps it took.

    FTS5 (SQLite 3.40) deletes from its index by writing delete markers: from the moment an erasure
    commits, no search finds the customer by what it was (the triggers), but the trigrams it had stay in
    the index's older segments until a merge rewrites them. A full merge leaves none; secure_delete zeroes
    the pages it frees, and the closing checkpoint takes them out of the write-ahead log (SPEC B-3). The
    merge proceeds MERGE_PAGES at a time, each step its own short transaction, so other writers are
    never held up for long. PostgreSQL's index holds no such copy after VACUUM; nothing to do there."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return 0
    steps = 0
    with connection.cursor() as cursor:
        if FTS_TABLE not in connection.introspection.table_names(cursor):
            return 0
        while True:
            with transaction.atomic(using=using):
                cursor.execute("SELECT total_changes()")
                (before,) = cursor.fetchone()
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('merge', %s)", [-MERGE_PAGES]
                )
                cursor.execute("SELECT total_changes()")
                (after,) = cursor.fetchone()
            if after - before < 2:  # FTS5's sign that there was nothing left to merge
                break
            steps += 1
        if not connection.in_atomic_block:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return steps


def compact_after_erasure(using: str = "default") -> None:
    """Have the index compacted in the background once the erasure has committed (SQLite only)."""
    if connections[using].vendor != "sqlite":
        return

    def enqueue():
        from kund.customers.tasks import compact_customer_search_index

        compact_customer_search_index.enqueue()

    transaction.on_commit(enqueue, using=using)
