"""kund.core.spreadsheet: cells a spreadsheet would run as formulas are written as text, and read back
to the value they stand for."""

import csv
import io

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from kund.core.spreadsheet import BOM, FORMULA_START, Sheet, csv_delimiter, neutralise, restore


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+46 70 123 45 67", "'+46 70 123 45 67"),
        ("-12.50", "'-12.50"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=already quoted", "''=already quoted"),
        ("070-123 45 67", "070-123 45 67"),
        ("Anna-Karin", "Anna-Karin"),
        ("O'Brien", "O'Brien"),
        ("'quoted", "'quoted"),
        ("", ""),
        (None, ""),
        (-5, "'-5"),
    ],
)
def test_owasp_every_cell_starting_like_a_formula_gets_an_apostrophe(value, written):
    assert neutralise(value) == written


@given(st.text())
def test_restore_gives_back_exactly_what_was_neutralised(text):
    assert restore(neutralise(text)) == text


@given(st.text())
def test_a_neutralised_cell_never_starts_like_a_formula(text):
    assert not neutralise(text).startswith(FORMULA_START)


def test_restore_takes_off_the_apostrophe_people_type_before_a_phone_number():
    assert restore("'+46 8 123 456 78") == "+46 8 123 456 78"
    assert restore("'hello") == "'hello"


# --- the files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "delimiter"), [("sv", ";"), ("de", ";"), ("de-at", ";"), ("en", ","), ("en-gb", ",")]
)
def test_the_list_separator_is_the_readers_spreadsheets(language, delimiter):
    assert csv_delimiter(language) == delimiter
    with translation.override(language):
        assert csv_delimiter() == delimiter


def test_a_sheet_is_written_as_csv_with_a_bom_and_as_xlsx():
    # given a sheet with a name that needs its quotes and a cell already neutralised
    sheet = Sheet("kunder", ["customer_number", "name"])
    sheet.writerow(["1008", "Öberg; Åsa"])
    sheet.writerow(["1009", neutralise("=1+1")])

    # when / then: CSV in the given separator, UTF-8 with a byte-order mark
    text = sheet.csv(delimiter=";")
    assert text.startswith(BOM)
    assert list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=";")) == [
        ["customer_number", "name"],
        ["1008", "Öberg; Åsa"],
        ["1009", "'=1+1"],
    ]
    # and XLSX, the same cells
    rows = list(load_workbook(io.BytesIO(sheet.xlsx()), read_only=True)["kunder"].iter_rows(values_only=True))
    assert rows == [("customer_number", "name"), ("1008", "Öberg; Åsa"), ("1009", "'=1+1")]
