"""SPEC R-1/D-2 at the database level: every customer number written to the customer table is also
inserted into the reservation table, whose primary key refuses a number that was ever used before —
also after the customer that had it was deleted, and whatever code (ORM, bulk insert, raw SQL) writes."""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER customers_customer_reserve_number
    AFTER INSERT ON customers_customer
    BEGIN
        INSERT INTO customers_numberreservation (number, reserved_at)
        VALUES (NEW.number, strftime('%Y-%m-%d %H:%M:%f', 'now'));
    END
    """,
    """
    CREATE TRIGGER customers_customer_reserve_changed_number
    AFTER UPDATE OF number ON customers_customer
    WHEN NEW.number <> OLD.number
    BEGIN
        INSERT INTO customers_numberreservation (number, reserved_at)
        VALUES (NEW.number, strftime('%Y-%m-%d %H:%M:%f', 'now'));
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_customer_reserve_number",
    "DROP TRIGGER IF EXISTS customers_customer_reserve_changed_number",
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION customers_reserve_number() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.number IS DISTINCT FROM OLD.number THEN
            INSERT INTO customers_numberreservation (number, reserved_at) VALUES (NEW.number, now());
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER customers_customer_reserve_number
    AFTER INSERT OR UPDATE OF number ON customers_customer
    FOR EACH ROW EXECUTE FUNCTION customers_reserve_number()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_customer_reserve_number ON customers_customer",
    "DROP FUNCTION IF EXISTS customers_reserve_number()",
]


def forward(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
