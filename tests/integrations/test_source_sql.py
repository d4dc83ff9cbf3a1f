"""SQL connectors against a real ERP on PostgreSQL, MariaDB and SQLite: the same tests on all three."""

from __future__ import annotations

import datetime
import logging
import tempfile
from decimal import Decimal

import pytest
import sqlalchemy

from tandem.core.errors import ValidationError
from tandem.core.models import AuditEvent
from tandem.integrations import runner, sources
from tandem.integrations.models import SyncRun

from .erp import (  # noqa: F401 - fixtures
    FIRST_DAY,
    Erp,
    erp_fixture,
    make_connector,
    make_kpi,
    mariadb_erp_fixture,
    pg_erp_fixture,
    points_of,
    sqlite_erp_fixture,
)

pytestmark = pytest.mark.django_db

UNITS = (
    "SELECT ordered_on AS date, SUM(units) AS value FROM orders "
    "WHERE status = 'shipped' AND ordered_on >= :since GROUP BY ordered_on"
)
LAST_DAY = FIRST_DAY + datetime.timedelta(days=90)

# The tests' SQLite files are where pytest keeps its temporary folders (CONNECTOR_SQLITE_DIRS allows it).
TMP = tempfile.gettempdir()


def sql(by, erp: Erp, query: str, kpi=None, **config):  # type: ignore[no-untyped-def]
    return make_connector(by, kind="sql", secrets={"url": erp.url}, config={"query": query, **config}, kpi=kpi)


def refused(connector, field: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        runner.connector_preview(connector=connector)
    [error] = caught.value.errors
    assert error["field"] == field, error
    return error["message"]


# Checks made before anything connects.


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("UPDATE orders SET units = 0", "Only a single SELECT query is allowed, not UPDATE."),
        ("DELETE FROM orders", "Only a single SELECT query is allowed, not DELETE."),
        ("SELECT 1; DROP TABLE orders", "Only a single SELECT query is allowed; this has 2 statements."),
        ("WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone", "not DELETE"),
        ("SELECT * FROM orders FOR UPDATE", "not UPDATE"),
        ("SELECT :since, :until", "The query uses :until"),
        ("", "Write the SELECT query"),
    ],
)
def test_only_one_select_reaches_the_database(query, message):
    with pytest.raises(ValidationError) as caught:
        sources.config_clean(
            kind="sql", config={"query": query}, secrets={"url": "postgresql://erp:pw@127.0.0.1:1/erp"}
        )
    [error] = caught.value.errors
    assert error["field"] == "query" and message in error["message"]


def test_a_cte_and_comments_are_a_select():
    config, _ = sources.config_clean(
        kind="sql",
        config={"query": "-- daily units\nWITH d AS (SELECT 1 AS x) SELECT * FROM d;"},
        secrets={"url": "sqlite:////tmp/erp.sqlite3"},
    )
    assert config["query"].endswith("FROM d") and config["timeout"] == 60


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("postgres://erp:pw@db:5432/erp", "postgresql+psycopg://erp:pw@db:5432/erp"),
        ("postgresql://erp:pw@db/erp", "postgresql+psycopg://erp:pw@db/erp"),
        ("mysql://erp:pw@db/erp", "mysql+pymysql://erp:pw@db/erp"),
        ("mariadb://erp:pw@db/erp", "mysql+pymysql://erp:pw@db/erp"),
        (f"sqlite:///{TMP}/erp.sqlite3", f"sqlite:///{TMP}/erp.sqlite3"),
    ],
)
def test_url_forms_map_to_the_installed_drivers(url, stored):
    _, secrets = sources.config_clean(kind="sql", config={"query": "SELECT 1"}, secrets={"url": url})
    assert secrets == {"url": stored}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mssql+pyodbc://sa:pw@db/erp", "SQL Server needs its driver: pip install pyodbc"),
        ("oracle://scott:tiger@db/erp", "Use a PostgreSQL, MySQL/MariaDB, SQLite or SQL Server URL."),
        ("db.example.com", "This is not a database URL"),
        ("", "Give the database's connection URL."),
        ("postgresql:///erp", "names no database server"),
    ],
)
def test_bad_urls_are_named(url, message):
    with pytest.raises(ValidationError) as caught:
        sources.config_clean(kind="sql", config={"query": "SELECT 1", "timeout": 61}, secrets={"url": url})
    errors = {error["field"]: error["message"] for error in caught.value.errors}
    assert message in errors["url"]
    assert errors["timeout"] == "Give whole seconds from 1 to 60."


def test_tandem_s_own_sqlite_database_is_refused(settings):
    for own in (settings.DATA_DIR / "tandem.sqlite3", settings.HUEY.get("filename") or ""):
        if own:
            with pytest.raises(ValidationError, match="Tandem's own database"):
                sources.config_clean(kind="sql", config={"query": "SELECT 1"}, secrets={"url": f"sqlite:///{own}"})


def test_sqlite_files_are_read_only_from_the_folders_the_admin_named(settings, tmp_path):
    erp = tmp_path / "erp.sqlite3"
    erp.touch()
    settings.CONNECTOR_SQLITE_DIRS = [str(tmp_path / "allowed")]
    with pytest.raises(ValidationError, match="SQLite files are read only from .*allowed"):
        sources.config_clean(kind="sql", config={"query": "SELECT 1"}, secrets={"url": f"sqlite:///{erp}"})
    with pytest.raises(ValidationError, match="read only from"):
        sources.config_clean(
            kind="sql", config={"query": "SELECT 1"}, secrets={"url": f"sqlite:///{tmp_path}/allowed/../erp.sqlite3"}
        )
    settings.CONNECTOR_SQLITE_DIRS = [str(tmp_path)]
    config, secrets = sources.config_clean(
        kind="sql", config={"query": "SELECT 1"}, secrets={"url": f"sqlite:///{erp}"}
    )
    assert secrets["url"].endswith("erp.sqlite3")


def test_describe_masks_the_password():
    shown = sources.describe(
        kind="sql", secrets={"url": "postgresql+psycopg://erp:s3cret-pw@db:5432/erp?sslmode=require"}
    )
    assert shown == {"url": "postgresql+psycopg://erp:••••@db:5432/erp?sslmode=require"}


# The same ERP on the three databases.


def test_preview_shows_the_first_rows_and_writes_nothing(erp, admin):
    kpi = make_kpi(admin, "units_daily")
    connector = sql(admin, erp, UNITS + " ORDER BY ordered_on", kpi=kpi)
    preview = runner.connector_preview(connector=connector, limit=5)
    assert [column.lower() for column in preview.columns] == ["date", "value"]
    assert [p["date"] for p in preview.points] == [
        (FIRST_DAY + datetime.timedelta(days=i)).isoformat() for i in range(5)
    ]
    expected = erp.units_per_day()
    assert [Decimal(p["value"]) for p in preview.points] == [
        expected[FIRST_DAY + datetime.timedelta(days=i)] for i in range(5)
    ]
    assert preview.errors == [] and all(p["kpi"] == str(kpi.pk) for p in preview.points)
    assert points_of(kpi) == {} and not SyncRun.objects.for_org(admin.organization).filter(connector=connector).exists()


def test_run_writes_one_point_a_day_and_a_rerun_changes_nothing(erp, admin):
    kpi = make_kpi(admin, "units_daily")
    connector = sql(admin, erp, UNITS, kpi=kpi)
    run = runner.connector_run(connector=connector, trigger="manual")
    assert run.status == "succeeded", run.error
    expected = erp.units_per_day()
    assert (run.rows_read, run.rows_written, run.rows_skipped) == (len(expected), len(expected), 0)
    assert points_of(kpi) == {day: Decimal(units) for day, units in expected.items()}
    connector.refresh_from_db()
    assert (connector.health, connector.consecutive_failures, connector.since) == ("ok", 0, LAST_DAY)
    kpi.refresh_from_db()
    assert kpi.last_received_source == connector.source and kpi.last_received_at is not None

    again = runner.connector_run(connector=connector, trigger="manual")
    # :since is the last day read: only that day comes back, and it updates its own point.
    assert (again.status, again.rows_read, again.rows_written) == ("succeeded", 1, 1)
    assert points_of(kpi) == {day: Decimal(units) for day, units in expected.items()}


def test_since_brings_new_rows_and_updates_the_last_day(erp, admin):
    kpi = make_kpi(admin, "units_daily")
    connector = sql(admin, erp, UNITS, kpi=kpi)
    runner.connector_run(connector=connector, trigger="manual")
    before = points_of(kpi)
    next_day = LAST_DAY + datetime.timedelta(days=1)
    erp.run(
        "INSERT INTO orders (id, order_no, customer, ordered_on, status, units, total) VALUES "
        "(90001, 'SO-90001', 'Saigon Mart', :last, 'shipped', 5, 100), "
        "(90002, 'SO-90002', 'Saigon Mart', :next, 'shipped', 7, 100)",
        last=LAST_DAY,
        next=next_day,
    )
    try:
        run = runner.connector_run(connector=connector, trigger="schedule")
        assert (run.rows_read, run.rows_written) == (2, 2)
        after = points_of(kpi)
        assert after[LAST_DAY] == before[LAST_DAY] + 5 and after[next_day] == 7
        assert len(after) == len(before) + 1
    finally:
        erp.run("DELETE FROM orders WHERE id > 90000")


def test_rows_name_their_kpis_by_position(erp, admin):
    units = make_kpi(admin, "erp_units")
    invoiced = make_kpi(admin, "erp_invoiced")
    query = (
        "SELECT 'erp_units', ordered_on, SUM(units) FROM orders WHERE status = 'shipped' GROUP BY ordered_on "
        "UNION ALL SELECT 'erp_invoiced', issued_on, SUM(amount) FROM invoices GROUP BY issued_on"
    )
    run = runner.connector_run(connector=sql(admin, erp, query), trigger="manual")
    assert run.status == "succeeded", run.error
    assert sum(points_of(units).values()) == sum(erp.units_per_day().values())
    assert sum(points_of(invoiced).values()) == sum((o["total"] for o in erp.orders), Decimal(0))
    assert run.rows_written == len(points_of(units)) + len(points_of(invoiced)) == run.rows_read


def test_a_value_that_is_not_a_number_and_a_date_that_is_not_a_date_are_row_errors(erp, admin):
    make_kpi(admin, "fish_sauce_stock", aggregation="last")
    make_kpi(admin, "coffee_stock", aggregation="last")
    query = (
        "SELECT CASE sku WHEN 'FISH-SAUCE-1L' THEN 'fish_sauce_stock' ELSE 'coffee_stock' END AS kpi_key, "
        "counted_text AS date, count_text AS value FROM stock WHERE sku <> 'RICE-25KG' ORDER BY id"
    )
    connector = sql(admin, erp, query)
    preview = runner.connector_preview(connector=connector, limit=100)
    assert preview.errors == [
        {"row": 21, "field": "value", "message": "Use a number such as 12.5 (at most 14 digits before the point)."},
        {"row": 42, "field": "date", "message": "Use a date as YYYY-MM-DD."},
    ]
    assert preview.points[20]["value"] == "n/a" and preview.points[41]["date"] == "31/02/2026"
    run = runner.connector_run(connector=connector, trigger="manual")
    assert (run.status, run.rows_read, run.rows_written, run.rows_skipped) == ("succeeded", 182, 180, 2)
    assert run.row_errors == preview.errors


def test_two_rows_for_one_kpi_and_day_are_refused_across_batches(erp, admin, monkeypatch):
    monkeypatch.setattr(runner, "BATCH", 7)
    kpi = make_kpi(admin, "order_totals")
    connector = sql(admin, erp, "SELECT ordered_on AS date, total AS value FROM orders ORDER BY id", kpi=kpi)
    run = runner.connector_run(connector=connector, trigger="manual")
    assert run.rows_written == len({o["ordered_on"] for o in erp.orders}) == 91
    assert run.rows_skipped == len(erp.orders) - 91
    assert len(run.row_errors) == runner.MAX_ROW_ERRORS < run.rows_skipped
    assert run.row_errors[0] == {
        "row": 3,
        "field": "date",
        "message": "Two rows for the same KPI and date: return one row per day (GROUP BY) or a source_key column.",
    }
    # With a key per row, every order is its own point.
    keyed = sql(admin, erp, "SELECT order_no AS source_key, ordered_on AS date, total AS value FROM orders", kpi=kpi)
    run = runner.connector_run(connector=keyed, trigger="manual")
    assert (run.rows_written, run.rows_skipped) == (len(erp.orders), 0)


def test_columns_that_cannot_be_read_as_points(erp, admin):
    kpi = make_kpi(admin, "wide")
    message = refused(sql(admin, erp, "SELECT id, sku, warehouse, quantity FROM stock", kpi=kpi), "query")
    assert message.startswith("The rows have the columns id, sku, warehouse, quantity: name them date and value")
    message = refused(sql(admin, erp, "SELECT counted_on AS date, quantity AS value FROM stock"), "query")
    assert "do not name their KPI" in message


def test_unknown_table_gives_the_database_s_words(erp, admin):
    connector = sql(admin, erp, "SELECT day AS date, 1 AS value FROM sales_lines", kpi=make_kpi(admin, "k"))
    message = refused(connector, "query")
    assert message.startswith("The database refused the query:") and "sales_lines" in message
    run = runner.connector_run(connector=connector, trigger="manual")
    assert run.status == "failed" and "sales_lines" in run.error
    assert erp.password not in run.error or not erp.password


def test_a_slow_query_is_stopped_at_the_timeout(erp, admin):
    slow = {
        "postgresql": "SELECT CURRENT_DATE AS date, 1 AS value FROM (SELECT pg_sleep(5)) AS wait",
        "mariadb": "SELECT CURDATE() AS date, COUNT(*) AS value FROM orders a, orders b, orders c, orders d",
        "sqlite": (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
            "SELECT '2026-01-01' AS date, COUNT(*) AS value FROM n"
        ),
    }[erp.backend]
    connector = sql(admin, erp, slow, kpi=make_kpi(admin, "k"), timeout=1)
    started = datetime.datetime.now()
    assert refused(connector, "timeout") == "The query ran longer than 1 s and was stopped."
    assert (datetime.datetime.now() - started).total_seconds() < 4


def test_the_query_cannot_change_data(erp, admin):
    if erp.backend == "postgresql":
        erp.run("CREATE SEQUENCE IF NOT EXISTS order_numbers")
        query = "SELECT CURRENT_DATE AS date, nextval('order_numbers') AS value"
    elif erp.backend == "mariadb":
        # The connector's database user may only read, and its transaction is read-only besides.
        erp.run("CREATE SEQUENCE IF NOT EXISTS order_numbers")
        query = "SELECT CURDATE() AS date, NEXTVAL(order_numbers) AS value"
    else:
        # A SELECT cannot write in SQLite; the file is opened read-only all the same.
        config = {"query": "SELECT ordered_on AS date, units AS value FROM orders", "timeout": 5}
        with (
            sources.source_open(
                kind="sql", config=config, secrets={"url": erp.url}, since=None, default_kpi=1
            ) as reader,
            pytest.raises(sqlalchemy.exc.OperationalError, match="readonly"),
        ):
            reader.connection.exec_driver_sql("DELETE FROM orders")
        assert erp.scalar("SELECT COUNT(*) FROM orders") == len(erp.orders)
        return
    connector = sql(admin, erp, query, kpi=make_kpi(admin, "k"))
    message = refused(connector, "query")
    assert message.startswith("The query tried to change data; only reading is allowed:"), message


def test_connection_failures_are_named_without_the_password(admin, caplog, pg_erp, mariadb_erp):
    caplog.set_level(logging.DEBUG)
    kpi = make_kpi(admin, "k")
    cases = [
        ("postgresql://erp:Hunter2-secret@127.0.0.1:1/erp", "url", "Cannot reach 127.0.0.1:1: connection refused."),
        ("mysql://erp:Hunter2-secret@127.0.0.1:1/erp", "url", "Cannot reach 127.0.0.1:1: connection refused."),
        (
            "postgresql://nobody:Hunter2-secret@127.0.0.1:5432/postgres",
            "url",
            "The database has no user nobody.",
        ),
        (
            f"mysql://{mariadb_erp.url.split('//')[1].split(':')[0]}:Hunter2-secret@127.0.0.1:3306/x",
            "url",
            "wrong password?",
        ),
        (
            "postgresql://postgres:Hunter2-secret@127.0.0.1:5432/no_such_erp",
            "url",
            "The server has no database no_such_erp.",
        ),
        (f"sqlite:///{TMP}/nowhere/erp.sqlite3", "url", f"There is no SQLite file at {TMP}/nowhere/erp.sqlite3."),
    ]
    for url, field, message in cases:
        connector = make_connector(admin, kind="sql", secrets={"url": url}, config={"query": UNITS}, kpi=kpi)
        got = refused(connector, field)
        assert message in got, (url, got)
        run = runner.connector_run(connector=connector, trigger="manual")
        assert run.status == "failed" and message in run.error
    assert "Hunter2-secret" not in caplog.text
    assert not AuditEvent.objects.for_org(admin.organization).filter(changes__icontains="Hunter2").exists()
