"""One language per line on the command line (kund.core.cli), for every Kund command's typical output and
errors: the lines of the issue ("Kund 1008 raderades inte: order O-1016 not delivered", "That
användarnamn is already taken") must never happen again.

The catalogs are translated after the code, so the test does not read Swedish: it reads a pseudo-Swedish
in which every message the Swedish catalog is asked for comes back marked, ⟦like this⟧. A line is in
one language when nothing but data (numbers, references, spaces, punctuation) is left outside the marks;
an English word outside them was not asked of the catalog — a fragment glued on in English. In the C
locale, nothing is asked of the Swedish catalog at all, whatever the register's own language."""

import re
from contextlib import suppress
from datetime import date
from unittest.mock import patch

import pytest
from django.contrib.auth import get_user_model
from django.core.management import get_commands, load_command_class
from django.db import connections
from django.utils import translation
from django.utils.translation import trans_real

from kund.privacy.tests.massdata import enable_crm, order, private, user_with

pytestmark = pytest.mark.django_db

MARKED = re.compile(r"⟦[^⟦⟧]*⟧")
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more: "O-1016" and "1008" are data, "not" is a word


@pytest.fixture
def pseudo_swedish(monkeypatch):
    """Swedish whose every message comes back marked."""
    swedish = trans_real.translation("sv")

    def mark(message: str) -> str:
        return f"⟦{message.split(trans_real.CONTEXT_SEPARATOR)[-1]}⟧"

    monkeypatch.setattr(swedish, "gettext", mark)
    monkeypatch.setattr(swedish, "ngettext", lambda singular, plural, n: mark(singular if n == 1 else plural))


def words_outside_the_catalog(line: str) -> list[str]:
    while MARKED.search(line):
        line = MARKED.sub("", line)
    return WORD.findall(line)


class _OpenConnections:
    """Django's run_from_argv closes the database connections when the command ends; the test's
    transaction lives on."""

    def __getitem__(self, alias):
        return connections[alias]

    def close_all(self):
        pass


def run(name: str, *args: str, capsys) -> list[str]:
    """The command as `kund NAME ARGS` runs it; its lines, stdout and stderr."""
    command = load_command_class(get_commands()[name], name)
    with patch("django.core.management.base.connections", _OpenConnections()), suppress(SystemExit):
        command.run_from_argv(["kund", name, *args])
    captured = capsys.readouterr()
    return [line for line in (captured.out + captured.err).splitlines() if line.strip()]


@pytest.fixture
def register(tmp_path):
    admin = get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")
    enable_crm()
    blocked = private("Sofia", "Lund", created=date(2015, 3, 1))
    blocking = order(blocked, date(2016, 3, 1), delivered=False)
    plain = private("Astrid", "Berg", created=date(2015, 1, 1))
    user_with("kalle", "view_customer")
    bad_file = tmp_path / "kunder.csv"
    bad_file.write_text("first_name,last_name,email\nAnna,Berg,inte-en-adress\n", encoding="utf-8")
    return {"admin": admin, "blocked": blocked, "blocking": blocking, "plain": plain, "file": str(bad_file)}


def typical_runs(register) -> list[tuple[str, ...]]:
    """Each Kund command's typical output and errors."""
    blocked, plain = register["blocked"].number, register["plain"].number
    return [
        ("erase",),  # a missing argument (argparse)
        ("erase", blocked, "--yes"),  # blocked: the issue's "Kund 1008 raderades inte: order … not delivered"
        ("erase", plain),  # nothing done without --yes
        ("erase", "999999", "--yes"),  # an unknown customer
        ("erase", plain, "--yes", "--as", "kalle"),  # no right
        ("erasure_plan", blocked),
        ("erasure_plan", plain, "--no-such-option"),
        ("export_customer", plain, "--format", "pdf"),  # a bad choice (argparse)
        ("mass_erase", "--criteria", "both"),
        ("mass_erase", "--criteria", "everyone", "--through", "2020-12-31"),
        ("mass_erase", "--criteria", "both", "--through", "2020-12-31", "--dry-run"),
        ("mass_erase", "--criteria", "both", "--through", "2020-12-31", "--limit"),
        ("import_customers", register["file"]),  # a bad row: "line 2: email: …"
        ("import_customers", "/no/such/file.csv"),
        ("residue_scan", "--redact"),
        ("resume_erasure_jobs", "--stale-after", "soon"),
        ("verify_erasure_log",),
        ("api_token", "revoke", "999"),
        ("customer_user", "add", plain),
        ("requests", "add", "--customer", plain),
        ("requests", "list", "--as", "kalle"),
        ("retention", "add", "old customers"),
        ("webhooks", "test", "999"),
        ("seed_demo", "--customers=-5"),
    ]


def test_in_swedish_every_line_is_swedish(monkeypatch, capsys, pseudo_swedish, register):
    # given a Swedish locale
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    for args in typical_runs(register):
        # when the command runs
        lines = run(*args, capsys=capsys)

        # then it said something, and every line of it is said by the catalog
        assert lines, args
        for line in lines:
            assert not words_outside_the_catalog(line), (args, line)


def test_in_the_c_locale_every_line_is_english(monkeypatch, capsys, pseudo_swedish, register):
    # given the register's own language Swedish (LANGUAGE_CODE = "sv" outside the tests), and the C locale
    monkeypatch.setenv("LANG", "C.UTF-8")
    translation.activate("sv")
    try:
        for args in typical_runs(register):
            lines = run(*args, capsys=capsys)

            # then nothing was asked of the Swedish catalog
            assert lines, args
            assert not any("⟦" in line for line in lines), (args, lines)
    finally:
        translation.deactivate()


def test_the_issues_line_is_one_sentence(monkeypatch, capsys, pseudo_swedish, register):
    # `kund erase` of a blocked customer: the refusal and the blocker, each asked of the catalog whole
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")

    (line,) = run("erase", register["blocked"].number, "--yes", capsys=capsys)

    assert line == (
        f"⟦CommandError: ⟦Customer {register['blocked'].number} was not erased: "
        f"⟦order {register['blocking'].ref} is not delivered⟧⟧⟧"
    )
