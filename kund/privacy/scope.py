"""The customers one erasure transaction works on, held in a temporary table of the connection.

Every statement of a chunk selects its rows with `IN (SELECT customer_id FROM the scope)` instead of
binding the same list of ids again: the list is written once, each statement compiles in a fraction of
the time, and no statement runs into a database's limit on bound parameters. The table holds ids and
actions only — nothing personal — and is emptied at the start of each chunk.
"""

import json

from django.db import connection
from django.db.models.expressions import RawSQL

TABLE = "kund_erasure_scope"


def fill(ids: list[int]) -> None:
    """Start a chunk: the scope holds exactly these customer ids, with no action yet."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {TABLE} "
                "(customer_id bigint PRIMARY KEY, action varchar(20)) ON COMMIT DELETE ROWS"
            )
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(f"INSERT INTO {TABLE} (customer_id) SELECT unnest(%s::bigint[])", [ids])
            # Every statement of the chunk joins its customers to a table that may hold millions of
            # rows. An index lookup per customer is what keeps a chunk's cost proportional to the chunk,
            # so the planner gets the scope's real size (a temporary table has no statistics, and it
            # guessed hundreds of rows for one customer) and, for this transaction only, no hash or merge
            # join of a whole table.
            cursor.execute(f"ANALYZE {TABLE}")
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
        else:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {TABLE} (customer_id integer PRIMARY KEY, action text)"
            )
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(
                f"INSERT INTO {TABLE} (customer_id) SELECT value FROM json_each(%s)", [_array(ids)]
            )


def mark(actions: dict[str, list[int]]) -> None:
    """Set the action of each customer to be erased (the others keep none)."""
    with connection.cursor() as cursor:
        for action, ids in actions.items():
            if not ids:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {TABLE} SET action = %s WHERE customer_id = ANY(%s::bigint[])", [action, ids]
                )
            else:
                cursor.execute(
                    f"UPDATE {TABLE} SET action = %s WHERE customer_id IN (SELECT value FROM json_each(%s))",
                    [action, _array(ids)],
                )
        if connection.vendor == "postgresql" and any(actions.values()):
            # Again, now that the actions are set: each statement of the chunk selects one action's
            # customers, and the planner must know how many there are.
            cursor.execute(f"ANALYZE {TABLE}")


def _array(ids: list[int]) -> str:
    """The ids as one JSON array, which SQLite's json_each() turns back into rows: one bound parameter
    for the whole chunk instead of one statement per customer."""
    return json.dumps([int(i) for i in ids])


def select(action: str | None = None) -> tuple[str, list]:
    """SQL selecting the scope's customer ids (of one action), with its parameters."""
    if action is None:
        return f"SELECT customer_id FROM {TABLE}", []
    return f"SELECT customer_id FROM {TABLE} WHERE action = %s", [action]


def ids(action: str | None = None) -> RawSQL:
    """The scope's customer ids (of one action), for `field__in=`."""
    return RawSQL(*select(action))
