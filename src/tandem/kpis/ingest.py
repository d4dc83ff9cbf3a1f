"""Writing many data points fast: the last step of recording a batch, after every point was validated.

The ORM's ``bulk_create`` builds a model and compiles every field of every row, which caps a batch at a
few thousand points a second. Here the rows go straight to the database: PostgreSQL's ``COPY`` into a
temporary table and one ``INSERT … ON CONFLICT`` from it, SQLite's ``executemany`` of the same upsert.
Either way, sending a point again (same KPI, period, source and key) updates it instead of adding one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import psycopg
from django.db import IntegrityError, connection, transaction

from tandem.kpis.models import DataPoint


class Row(NamedTuple):
    """One validated data point, in the table's column order."""

    organization_id: int
    kpi_id: int
    date: datetime.date
    period_start: datetime.date
    value: Decimal
    source: str
    source_key: str
    note: str
    created_by_id: int | None
    created_at: datetime.datetime


COLUMNS = ", ".join(Row._fields)
CONFLICT = "(kpi_id, period_start, source, source_key)"
UPDATE = "value = EXCLUDED.value, note = EXCLUDED.note, date = EXCLUDED.date"
STAGING = "tandem_incoming_points"


# From this many rows on, new points are first COPYed straight into the table: when none of them was sent
# before (a first import, a connector's new rows) that is the raw COPY's speed; when one was, the COPY stops
# at it, is rolled back, and the batch goes the upsert way.
FAST_PATH_ROWS = 1000


def _copy_new(cursor: Any, table: str, rows: list[Row]) -> bool:
    """COPY the rows into the table, inside a savepoint; False (and nothing written) if one already exists."""
    try:
        # The unique constraint is checked as rows go in; the deferred foreign keys at commit, as before.
        with transaction.atomic(), cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except (IntegrityError, psycopg.IntegrityError):
        return False
    return True


def upsert(rows: list[Row]) -> None:
    """Insert the rows, or update the points they resend; must run inside the batch's transaction."""
    if not rows:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("data points are written inside the transaction that records their audit events")
    table = DataPoint._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if len(rows) >= FAST_PATH_ROWS and _copy_new(cursor, table, rows):
                return
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (organization_id bigint, kpi_id bigint, date date, "
                "period_start date, value numeric(20, 6), source varchar(80), source_key varchar(200), "
                "note varchar(500), created_by_id bigint, created_at timestamptz) ON COMMIT DELETE ROWS"
            )
            with cursor.cursor.copy(f"COPY {STAGING} ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({COLUMNS}) SELECT {COLUMNS} FROM {STAGING} "
                f"ON CONFLICT {CONFLICT} DO UPDATE SET {UPDATE}"
            )
            cursor.execute(f"TRUNCATE {STAGING}")
            return
        ops = connection.ops
        placeholders = ", ".join(["%s"] * len(Row._fields))
        # A batch shares one arrival time: adapt it once.
        stamps = {stamp: ops.adapt_datetimefield_value(stamp) for stamp in {row.created_at for row in rows}}
        cursor.executemany(
            f"INSERT INTO {table} ({COLUMNS}) VALUES ({placeholders}) ON CONFLICT {CONFLICT} DO UPDATE SET {UPDATE}",
            [(*row[:4], str(row.value), *row[5:9], stamps[row.created_at]) for row in rows],
        )
