"""Database details the ORM does not express."""

from django.db import connections

CUSTOMER_TABLE = "customers_customer"


def make_customer_links_immediate(using: str = "default") -> int:
    """On PostgreSQL, check every foreign key to the customer table when the row is written, not at
    commit (Django makes them DEFERRABLE INITIALLY DEFERRED).

    An immediate check takes its KEY SHARE lock on the customer row at INSERT time, so an order being
    inserted for a customer and that customer's anonymization (which locks the row FOR UPDATE) wait for
    each other: either the order comes first and blocks the anonymization, or it waits until the
    anonymization has committed. A deferred check would let both pass unseen. Returns how many
    constraints were changed; idempotent.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0  # SQLite serializes writers; nothing to do
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE contype = 'f' AND condeferrable AND confrelid = to_regclass(%s)",
            [CUSTOMER_TABLE],
        )
        constraints = cursor.fetchall()
        for table, name in constraints:
            cursor.execute(
                f"ALTER TABLE {connection.ops.quote_name(table)} "
                f"ALTER CONSTRAINT {connection.ops.quote_name(name)} NOT DEFERRABLE"
            )
    return len(constraints)
