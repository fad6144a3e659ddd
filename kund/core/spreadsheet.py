"""Cells of the CSV and XLSX files Kund writes, made safe to open in a spreadsheet (CSV injection).

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (a tab or carriage return
first can hide one), so a customer named `=HYPERLINK(...)` could run something on the computer of
whoever opens the export. Every such cell is written with an apostrophe in front, as OWASP advises;
the spreadsheet then shows it as text. That includes harmless text such as the phone number
`+46 70 123 45 67`, so the importer takes the apostrophe off again (`restore`) and an exported file
imports back to the same values (SPEC §8).

The two are exact inverses: a value that already starts with apostrophes followed by a formula character
gets one more, and `restore` takes exactly one off.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_START)


def neutralise(value) -> str:
    """The cell as Kund writes it: text, with an apostrophe in front if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """The value a neutralised cell stands for (the importer reads every cell through this)."""
    return text[1:] if text.startswith("'") and _needs_quote(text) else text
