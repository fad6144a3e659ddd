"""kund.core.spreadsheet: cells a spreadsheet would run as formulas are written as text, and read back
to the value they stand for."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kund.core.spreadsheet import FORMULA_START, neutralise, restore


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
