"""A real worker is killed (SIGKILL) in the middle of a sync; the next run writes every point exactly once.

The worker runs as Tandem runs embedded: its own data folder, an SQLite database and the SQLite queue. The
source is a PostgreSQL ERP of 100,000 orders that pauses before its 60,001st row, so the kill lands
after the first batches are written and before the last, every time.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .erp import PG_ADMIN, reachable

ROWS = 100_000
PAUSE_AT = 60_001
NAME = f"tandem_erp_kill_{os.getpid()}"
SETUP = """
import django, sys
django.setup()
from decimal import Decimal
from tandem.integrations import crypto, sources
from tandem.integrations.models import Connector
from tandem.kpis import services
from tandem.orgs.models import Membership
admin = Membership.objects.unscoped().select_related("organization").get(user__email="boss@erp.example")
kpi = services.kpi_create(by=admin, key="units", name="Units", target=Decimal(1), red_threshold=Decimal(90),
                          frequency="day", aggregation="sum")
services.kpi_submit(by=admin, kpi=kpi)
config, secrets = sources.config_clean(kind="sql", config={"query": sys.argv[1]}, secrets={"url": sys.argv[2]})
Connector.objects.for_org(admin.organization).create(organization=admin.organization, name="ERP", kind="sql",
    owner=admin, kpi=kpi, config=config, sealed_secrets=crypto.seal(secrets))
"""
ENQUEUE = """
import django
django.setup()
from tandem.integrations.connector_tasks import connector_run_task
connector_run_task(1, "manual")
"""
QUERY = (
    "SELECT order_no AS source_key, ordered_on AS date, units AS value FROM big_orders "
    f"WHERE CASE WHEN id = {PAUSE_AT} AND EXISTS (SELECT 1 FROM pause) "
    "THEN (SELECT true FROM pg_sleep(40)) ELSE true END"
)


@pytest.fixture
def big_erp() -> Iterator[str]:
    if not reachable(5432):
        pytest.skip("PostgreSQL is not installed or not running on 127.0.0.1:5432: the worker-kill test needs its ERP")
    server = create_engine(PG_ADMIN, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {NAME}"))
    erp = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}", poolclass=NullPool)
    with erp.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE big_orders AS SELECT g AS id, 'SO-' || g AS order_no, "
                "DATE '2026-01-01' + (g % 300) AS ordered_on, (g % 7) + 1 AS units "
                f"FROM generate_series(1, {ROWS}) AS g"
            )
        )
        connection.execute(text("CREATE TABLE pause (since timestamptz DEFAULT now())"))
        connection.execute(text("INSERT INTO pause DEFAULT VALUES"))
    yield f"postgresql://postgres:secret@127.0.0.1:5432/{NAME}"
    erp.dispose()
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    server.dispose()


def tandem(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True, text=True, timeout=60)


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tandem.cli", "worker"], env=env, stdout=out, stderr=out, start_new_session=True
        )


def runs(db: Path) -> list[tuple[int, str, int, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(
            "SELECT id, status, rows_written, error FROM integrations_syncrun ORDER BY id"
        ).fetchall()


def wait_for(condition, timeout: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except sqlite3.OperationalError:
            pass  # the table is being written or not there yet
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s; the worker said:\n{log.read_text()[-3000:]}")


def test_a_worker_killed_mid_sync_loses_and_duplicates_nothing(tmp_path, big_erp):
    env = {**os.environ, "TANDEM_DATA_DIR": str(tmp_path), "TANDEM_ADMIN_PASSWORD": "a-long-and-good-passphrase"}
    for name in ("DATABASE_URL", "REDIS_URL", "ENCRYPTION_KEY"):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    db, log = tmp_path / "tandem.sqlite3", tmp_path / "worker.log"
    tandem(env, "-m", "tandem.cli", "migrate", "-v0")
    tandem(env, "-m", "tandem.cli", "createadmin", "--email", "boss@erp.example", "--name", "Boss", "--org", "ERP Co")
    tandem(env, "-c", SETUP, QUERY, big_erp)

    first = worker(env, log)
    try:
        tandem(env, "-c", ENQUEUE)
        wait_for(lambda: runs(db) and runs(db)[0][2] >= PAUSE_AT - 1, 40, "the batches before the pause", log)
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    [(_, status, written, _)] = runs(db)
    assert status == "running" and written == PAUSE_AT - 1
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM kpis_datapoint").fetchone() == (written,)

    erp = create_engine(big_erp.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool)
    with erp.begin() as connection:
        connection.execute(text("DELETE FROM pause"))
        expected = connection.execute(text("SELECT COUNT(*), SUM(units) FROM big_orders")).one()
    erp.dispose()

    second = worker(env, log)
    try:
        tandem(env, "-c", ENQUEUE)
        wait_for(lambda: len(runs(db)) == 2 and runs(db)[1][1] != "running", 40, "the second run", log)
    finally:
        os.killpg(second.pid, signal.SIGINT)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()
    killed, rerun = runs(db)
    assert killed[1:] == ("failed", PAUSE_AT - 1, "Interrupted: the worker stopped before the run finished.")
    assert rerun[1:3] == ("succeeded", ROWS)
    with sqlite3.connect(db) as connection:
        count, total, keys = connection.execute(
            "SELECT COUNT(*), SUM(CAST(value AS INTEGER)), COUNT(DISTINCT source_key) FROM kpis_datapoint"
        ).fetchone()
    assert (count, total, keys) == (expected[0], expected[1], ROWS)
