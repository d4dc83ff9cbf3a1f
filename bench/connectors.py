"""Benchmark: a SQL connector pulling a million rows from a PostgreSQL "ERP" into the bench organization.

    python bench/connectors.py [--rows 1000000] [--kpis 50] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench SECRET_KEY=bench \
        ENCRYPTION_KEY=$(tandem encryption-key) python bench/connectors.py

Uses Tandem's database as ``bench/run.py`` does (``DATABASE_URL``, else SQLite in ``TANDEM_DATA_DIR``,
default ``bench/data``) and its "bench" organization (created small when absent: ``--people``, ``--teams``).
The ERP is a PostgreSQL database of its own (``ERP_URL``, default ``tandem_bench_erp`` on 127.0.0.1),
created once: ``--rows`` order lines, each naming one of the first ``--kpis`` bench KPIs, with its own key,
so every row becomes one data point. Prints points per second of one full run, next to the raw limit of
``bench/run.py`` (COPY or executemany of finished rows into the same table), then removes what it wrote.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import run  # noqa: E402  (bench/run.py, next to this file)

ERP_URL = os.environ.get("ERP_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tandem_bench_erp")


def erp_create(rows: int, kpis: int) -> None:
    """The ERP's order lines, made once per size: (kpi_key, day, amount, line_no)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(ERP_URL)
    server = create_engine(url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).scalar():
            connection.execute(text(f"CREATE DATABASE {url.database}"))
    server.dispose()
    erp = create_engine(url, poolclass=NullPool)
    with erp.begin() as connection:
        table = f"order_lines_{rows}_{kpis}"
        exists = connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
        if not exists:
            started = time.perf_counter()
            connection.execute(
                text(
                    f"CREATE TABLE {table} AS SELECT 'kpi_' || lpad((g % {kpis})::text, 5, '0') AS kpi_key, "
                    "CURRENT_DATE - (g % 1000) AS day, round((g % 997) * 1.25, 2) AS amount, "
                    f"'L' || g AS line_no FROM generate_series(1, {rows}) AS g"
                )
            )
            print(f"ERP: {rows} order lines in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    erp.dispose()


def measure_sql_connector(rows: int = 1_000_000, kpis: int = 50, profile: bool = False) -> float:
    """Points per second of one run of a SQL connector reading ``rows`` rows into the bench organization."""
    from django.db import connection

    from tandem.integrations import crypto, runner, sources
    from tandem.integrations.models import Connector
    from tandem.kpis.models import DataPoint
    from tandem.orgs.models import Membership, Organization

    erp_create(rows, kpis)
    org = Organization.objects.get(slug="bench")
    admin = (
        Membership.objects.for_org(org).select_related("organization", "user").get(user__email="person0@bench.example")
    )
    query = f"SELECT kpi_key, day AS date, amount AS value, line_no AS source_key FROM order_lines_{rows}_{kpis}"
    config, secrets = sources.config_clean(kind="sql", config={"query": query}, secrets={"url": ERP_URL})
    connector = Connector.objects.for_org(org).create(
        organization=org, name="Bench ERP", kind="sql", owner=admin, config=config, sealed_secrets=crypto.seal(secrets)
    )
    try:
        started = time.perf_counter()
        if profile:
            import cProfile
            import pstats

            with cProfile.Profile() as profiler:
                sync = runner.connector_run(connector=connector, trigger="manual")
            pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(30)
        else:
            sync = runner.connector_run(connector=connector, trigger="manual")
        elapsed = time.perf_counter() - started
        assert sync.status == "succeeded" and sync.rows_written == rows, (sync.status, sync.error, sync.rows_written)
        return rows / elapsed
    finally:
        DataPoint.objects.for_org(org).filter(source=connector.source).delete()
        connector.delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE kpis_datapoint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kpis", type=int, default=50)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print where the time goes (cProfile)")
    args = parser.parse_args()
    run.setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    run.generate(args.people, args.teams)
    run.generate_kpis(max(args.kpis, 50), max(args.kpis, 50) * 20)
    rate = measure_sql_connector(args.rows, args.kpis, args.profile)
    raw = run.measure_raw_ingest(5, args.kpis)
    label = f"SQL connector, {args.rows:,} rows from PostgreSQL into {connection.vendor}"
    print(f"{label:<58} {rate:9.0f} points/s")
    print(f"{'raw COPY/executemany, 10,000 points':<58} {raw:9.0f} points/s  (connector at {rate / raw:.2f}x)")


if __name__ == "__main__":
    main()
