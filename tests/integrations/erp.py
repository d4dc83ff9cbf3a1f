"""A small "ERP" for the connector tests: orders, invoices and stock counts, built the same way in a fresh
database on the real PostgreSQL and MariaDB servers on 127.0.0.1 and in an SQLite file.

``erp`` is parametrized over the three; each test gets an :class:`Erp` with the connection URL a person would
paste (with a password, so tests can check it never leaks), the data it holds, and the sums a correct sync
must reproduce. A server that is not installed is skipped with the reason printed.
"""

from __future__ import annotations

import datetime
import os
import socket
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

FIRST_DAY = datetime.date(2026, 9, 1)
DAYS = 91
SKUS = ("RICE-25KG", "FISH-SAUCE-1L", "COFFEE-500G")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/mysql"
PASSWORD = "erp-Pa55word-7c1"
NAME = f"tandem_erp_test_{os.getpid()}"

SCHEMA = """
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    order_no VARCHAR(20) NOT NULL,
    customer VARCHAR(100) NOT NULL,
    ordered_on DATE NOT NULL,
    status VARCHAR(20) NOT NULL,
    units INTEGER NOT NULL,
    total NUMERIC(14, 2) NOT NULL
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    invoice_no VARCHAR(20) NOT NULL,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    issued_on DATE NOT NULL,
    amount NUMERIC(14, 2) NOT NULL,
    paid BOOLEAN NOT NULL
);
CREATE TABLE stock (
    id INTEGER PRIMARY KEY,
    sku VARCHAR(30) NOT NULL,
    warehouse VARCHAR(30) NOT NULL,
    counted_on DATE NOT NULL,
    quantity INTEGER NOT NULL,
    count_text VARCHAR(20) NOT NULL,
    counted_text VARCHAR(20) NOT NULL
)
"""


@dataclass
class Erp:
    """One ERP database: how to reach it and what it holds."""

    backend: str
    url: str
    admin: Engine
    orders: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    password: str = PASSWORD

    def units_per_day(self) -> dict[datetime.date, int]:
        days: dict[datetime.date, int] = defaultdict(int)
        for order in self.orders:
            if order["status"] != "cancelled":
                days[order["ordered_on"]] += order["units"]
        return dict(days)

    def run(self, *statements: str, **params: Any) -> None:
        with self.admin.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), params)

    def scalar(self, statement: str) -> Any:
        with self.admin.connect() as connection:
            return connection.execute(text(statement)).scalar()


def erp_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Three months of a Vietnamese distributor's daily orders, their invoices, and daily stock counts."""
    orders, invoices, stock = [], [], []
    customers = ("Saigon Mart", "Hanoi Foods", "Da Nang Retail", "Mekong Traders")
    for i in range(DAYS):
        day = FIRST_DAY + datetime.timedelta(days=i)
        for j in range(1 + i % 4):
            n = len(orders) + 1
            units = 1 + (i * 7 + j * 3) % 9
            orders.append(
                {
                    "id": n,
                    "order_no": f"SO-{n:05d}",
                    "customer": customers[(i + j) % 4],
                    "ordered_on": day,
                    "status": "cancelled" if n % 17 == 0 else "shipped",
                    "units": units,
                    "total": Decimal(units * 125_000 + j * 500) / 100,
                }
            )
            invoices.append(
                {
                    "id": n,
                    "invoice_no": f"INV-{n:05d}",
                    "order_id": n,
                    "issued_on": day + datetime.timedelta(days=1),
                    "amount": orders[-1]["total"],
                    "paid": n % 2 == 0,
                }
            )
        for k, sku in enumerate(SKUS):
            quantity = 500 + (i * 13 + k * 101) % 250
            stock.append(
                {
                    "id": len(stock) + 1,
                    "sku": sku,
                    "warehouse": "Binh Duong",
                    "counted_on": day,
                    "quantity": quantity,
                    # A count typed by hand into the ERP: one "n/a" and one day written the local way.
                    "count_text": "n/a" if (i, k) == (10, 1) else str(quantity),
                    "counted_text": "31/02/2026" if (i, k) == (20, 2) else day.isoformat(),
                }
            )
    return orders, invoices, stock


def fill(engine: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orders, invoices, stock = erp_rows()
    with engine.begin() as connection:
        for statement in SCHEMA.split(";"):
            connection.execute(text(statement))
        for table, rows in (("orders", orders), ("invoices", invoices), ("stock", stock)):
            columns = list(rows[0])
            connection.execute(
                text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"),
                rows,
            )
    return orders, stock


def reachable(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session", name="pg_erp")
def pg_erp_fixture() -> Iterator[Erp]:
    if not reachable(5432):
        pytest.skip("PostgreSQL is not installed or not running on 127.0.0.1:5432: the PostgreSQL ERP is skipped")
    server = create_engine(PG_ADMIN, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME}"))
        connection.execute(text(f"CREATE DATABASE {NAME}"))
    admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}", poolclass=NullPool)
    orders, stock = fill(admin)
    # The server trusts local connections, so any password works: this one is there to be kept secret.
    erp = Erp("postgresql", f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/{NAME}", admin, orders, stock)
    yield erp
    admin.dispose()
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
    server.dispose()


@pytest.fixture(scope="session", name="mariadb_erp")
def mariadb_erp_fixture() -> Iterator[Erp]:
    if not reachable(3306):
        pytest.skip("MariaDB is not installed or not running on 127.0.0.1:3306: the MariaDB ERP is skipped")
    server = create_engine(MARIADB_ADMIN, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    user = f"erp_{os.getpid()}"
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME}"))
        connection.execute(text(f"CREATE DATABASE {NAME}"))
        for host in ("localhost", "127.0.0.1", "%"):
            connection.execute(text(f"DROP USER IF EXISTS '{user}'@'{host}'"))
            connection.execute(text(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{PASSWORD}'"))
            # A reporting user, as a careful admin would give a connector: it may only read.
            connection.execute(text(f"GRANT SELECT ON {NAME}.* TO '{user}'@'{host}'"))
    admin = create_engine(f"mysql+pymysql://root@127.0.0.1:3306/{NAME}", poolclass=NullPool)
    orders, stock = fill(admin)
    yield Erp("mariadb", f"mysql://{user}:{PASSWORD}@127.0.0.1:3306/{NAME}", admin, orders, stock)
    admin.dispose()
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {NAME}"))
        for host in ("localhost", "127.0.0.1", "%"):
            connection.execute(text(f"DROP USER IF EXISTS '{user}'@'{host}'"))
    server.dispose()


# As Django does when SQLite is its own database: amounts go into SQLite as text.
sqlite3.register_adapter(Decimal, str)


@pytest.fixture(scope="session", name="sqlite_erp")
def sqlite_erp_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Erp]:
    path: Path = tmp_path_factory.mktemp("erp") / "erp.sqlite3"
    admin = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    orders, stock = fill(admin)
    yield Erp("sqlite", f"sqlite:///{path}", admin, orders, stock, password="")
    admin.dispose()


@pytest.fixture(name="erp", params=["postgresql", "mariadb", "sqlite"])
def erp_fixture(request: pytest.FixtureRequest) -> Erp:
    """The same ERP on each of the three databases in turn."""
    return request.getfixturevalue(
        {"postgresql": "pg_erp", "mariadb": "mariadb_erp", "sqlite": "sqlite_erp"}[request.param]
    )


def make_kpi(by: Any, key: str, *, frequency: str = "day", aggregation: str = "sum", owner: Any = None) -> Any:
    """An active KPI the connector feeds: one point a day unless told otherwise."""
    from tandem.kpis import services

    kpi = services.kpi_create(
        by=by,
        key=key,
        name=key.replace("_", " ").capitalize(),
        owner=(owner or by).pk,
        target=Decimal(100),
        red_threshold=Decimal(90),
        frequency=frequency,
        aggregation=aggregation,
    )
    return services.kpi_submit(by=by, kpi=kpi)


def make_connector(
    by: Any, *, kind: str, secrets: dict[str, Any], config: dict[str, Any], kpi: Any = None, **more: Any
) -> Any:
    """A connector saved as the services would: settings cleaned, credentials sealed."""
    from tandem.integrations import crypto, sources
    from tandem.integrations.models import Connector

    config, secrets = sources.config_clean(kind=kind, config=config, secrets=secrets)
    return Connector.objects.for_org(by.organization).create(
        organization=by.organization,
        name=more.pop("name", f"ERP {kind}"),
        kind=kind,
        owner=by,
        kpi=kpi,
        config=config,
        sealed_secrets=crypto.seal(secrets),
        created_by=by,
        **more,
    )


def points_of(kpi: Any) -> dict[datetime.date, Decimal]:
    from tandem.kpis.models import DataPoint

    return dict(DataPoint.objects.for_org(kpi.organization_id).filter(kpi=kpi).values_list("date", "value"))
