"""R-8: whatever the file holds, the importer answers with a clear error, asks for decisions on probable
duplicates, or imports — never a crash, and never half a file (hypothesis: random bytes, random headers,
huge cells)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kund.customers.columns import IMPORT_COLUMNS
from kund.customers.importing import DecisionsNeeded, ImportRefused, UnreadableFile, import_customers
from kund.customers.models import Customer
from kund.customers.tests.test_import import SWEDISH_HEADERS, csv_bytes, register_rows, xlsx_bytes

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KNOWN_HEADERS = [spelling for english, swedish, _a in IMPORT_COLUMNS for spelling in (english, swedish)]


@pytest.fixture
def actor(db, django_user_model):
    return django_user_model.objects.create_superuser("fuzzer", "fuzzer@kund.test", "pw")


def attempt(actor, data: bytes) -> None:
    """Import; on refusal nothing was written and the answer is short and readable."""
    before = Customer.objects.count()
    try:
        report = import_customers(actor=actor, data=data)
    except UnreadableFile as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300
        assert Customer.objects.count() == before
    except ImportRefused as refused:
        errors = refused.report.errors
        assert errors and all(e.line >= 2 and e.reason for e in errors)
        assert all(len(e.reason) < 300 for e in errors)
        assert Customer.objects.count() == before
    except DecisionsNeeded as needed:  # rows like customers an earlier example imported
        assert needed.report.duplicates and all(d.line >= 2 for d in needed.report.duplicates)
        assert Customer.objects.count() == before
    else:
        assert Customer.objects.count() == before + report.imported


@FUZZ
@given(data=st.binary(max_size=2_000))
def test_r8_random_bytes_never_crash_the_importer(actor, data):
    attempt(actor, data)


@FUZZ
@given(data=st.binary(max_size=600).map(lambda tail: b"PK\x03\x04" + tail))
def test_r8_broken_xlsx_never_crashes_the_importer(actor, data):
    attempt(actor, data)


cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@FUZZ
@given(
    headers=st.lists(st.one_of(st.sampled_from(KNOWN_HEADERS), cell_text), min_size=1, max_size=8),
    rows=st.lists(st.lists(cell_text, max_size=9), max_size=6),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_r8_random_headers_and_cells_never_crash_the_importer(actor, headers, rows, delimiter, encoding):
    lines = [delimiter.join(headers)] + [delimiter.join(row) for row in rows]
    data = "\n".join(lines).encode(encoding, errors="replace")
    attempt(actor, data)


@FUZZ
@given(
    column=st.integers(min_value=0, max_value=len(SWEDISH_HEADERS) - 1),
    size=st.sampled_from([201, 5_000, 140_000, 1_000_000]),
    char=st.sampled_from(["x", "7", "å", '"', ";"]),
    as_xlsx=st.booleans(),
)
def test_r8_huge_cells_are_refused_cleanly(actor, column, size, char, as_xlsx):
    rows = register_rows(3)
    rows[1][column] = char * size
    if as_xlsx:
        rows[1][column] = rows[1][column][:32_767]  # the most a spreadsheet cell holds
        data = xlsx_bytes(SWEDISH_HEADERS, rows)
    else:
        data = csv_bytes(SWEDISH_HEADERS, rows, encoding="utf-8")
    attempt(actor, data)
