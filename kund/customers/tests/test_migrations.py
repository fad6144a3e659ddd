"""The database-level guards of the customer table come out of the migrations themselves.

SQLite alters a table by rebuilding it, which drops the table's triggers: the ones reserving every
customer number (R-1/D-2, migration 0002) and the ones keeping the search index current (A-7,
migration 0012). Each migration that rebuilds the customer table must put them back (0003, 0011 and
0012 do). Nothing repairs them after `migrate`, so a new migration that forgets fails here — the test
database is built by running every migration."""

import importlib
import re

import pytest
from django.db import connection

from kund.customers import search

_reservation = importlib.import_module("kund.customers.migrations.0002_number_reservation_trigger")


def _trigger_names(statements) -> set[str]:
    return {re.search(r"CREATE TRIGGER (\w+)", sql).group(1) for sql in statements if "CREATE TRIGGER" in sql}


@pytest.mark.django_db
def test_r1_a7_every_trigger_of_the_customer_table_outlives_the_migrations():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                           [search.CUSTOMER_TABLE])  # fmt: skip
            expected = _trigger_names(_reservation.SQLITE_FORWARD) | set(search.SQLITE_TRIGGERS)
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [search.CUSTOMER_TABLE],
            )
            expected = _trigger_names(_reservation.POSTGRES_FORWARD)
        present = {row[0] for row in cursor.fetchall()}
    assert expected <= present, f"lost by a migration that rebuilt the table: {sorted(expected - present)}"
    # and the search index is whole: its repair finds nothing to do
    assert search.ensure_search_index() is False
