"""Lotus Distribution's ERP, as a SQLite file in the data folder, and the connector that reads it.

The ERP has warehouses, products, orders and daily stock snapshots for the last quarter. One connector
feeds two demo KPIs from it every five minutes: units shipped (orders shipped per day) and warehouse
utilization (pallets in stock per day over the warehouses' capacity). The last quarter of those two KPIs
therefore comes from the ERP rather than from the seeded history, day by day, with the same weekly totals.
While ``tandem demo`` runs, :func:`demo_erp_tick` adds the day's new orders every few minutes, so data
visibly flows in.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import sqlite3
import zoneinfo
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.core.periods import local_today, period_of
from tandem.kpis.models import DataPoint, Kpi
from tandem.orgs.models import Membership

log = logging.getLogger(__name__)

FILE_NAME = "demo-erp.sqlite3"
WEEKS = 13
# The demo organization's time zone: the tick runs without the database and must agree with it on "today".
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
UNITS, UTILIZATION = "units_shipped", "warehouse_utilization"
WAREHOUSES = [("Bình Dương DC", 2600), ("Long An DC", 1400)]
PRODUCTS = [
    ("PAR-500", "Paracetamol 500 mg ×100", 120),
    ("VTC-1000", "Vitamin C 1000 mg ×30", 200),
    ("ORS-20", "Oral rehydration salts ×20", 150),
    ("AMX-250", "Amoxicillin 250 mg ×24", 90),
    ("SAN-60", "Hand sanitiser 60 ml", 300),
]
CUSTOMERS = [
    "Nhà thuốc Long Châu Q7",
    "Pharmacity Thủ Đức",
    "Nhà thuốc An Khang Q1",
    "Bệnh viện Quận 4",
    "Nhà thuốc Phúc Khang",
    "Medicare Bình Thạnh",
    "Nhà thuốc Minh Châu",
]
# Monday to Sunday: pharmacies order on weekdays, a little on Saturday, almost nothing on Sunday.
WEEKDAY_WEIGHTS = [1.15, 1.2, 1.15, 1.1, 1.05, 0.3, 0.05]
QUERY = """SELECT 'units_shipped' AS kpi_key, order_date AS date, SUM(quantity) AS value
FROM orders WHERE status = 'shipped' AND order_date >= :since GROUP BY order_date
UNION ALL
SELECT 'warehouse_utilization', snapshot_date,
       ROUND(100.0 * SUM(pallets) / (SELECT SUM(capacity_pallets) FROM warehouses), 2)
FROM stock WHERE snapshot_date >= :since GROUP BY snapshot_date"""
SCHEMA = """
CREATE TABLE warehouses (id INTEGER PRIMARY KEY, name TEXT NOT NULL, capacity_pallets INTEGER NOT NULL);
CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, units_per_pallet INTEGER NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, order_date TEXT NOT NULL, created_at TEXT NOT NULL, customer TEXT NOT NULL,
    sku TEXT NOT NULL REFERENCES products(sku), quantity INTEGER NOT NULL, status TEXT NOT NULL
);
CREATE INDEX orders_date ON orders (order_date);
CREATE TABLE stock (
    snapshot_date TEXT NOT NULL, warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    sku TEXT NOT NULL REFERENCES products(sku), on_hand_units INTEGER NOT NULL, pallets INTEGER NOT NULL,
    PRIMARY KEY (snapshot_date, warehouse_id, sku)
);
"""


def erp_path() -> Path:
    return Path(settings.DATA_DIR) / FILE_NAME


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """``total`` in whole units over the weights, with a little noise, summing exactly to ``total``."""
    shares = [w * rng.uniform(0.85, 1.15) for w in weights]
    scale = total / sum(shares) if sum(shares) else 0
    parts = [int(s * scale) for s in shares]
    for index in range(total - sum(parts)):
        parts[index % len(parts)] += 1
    return parts


def _orders(
    db: sqlite3.Connection, day: datetime.date, units: int, rng: random.Random, status: str = "shipped"
) -> None:
    rows = []
    while units > 0:
        quantity = min(units, rng.randint(8, 60))
        units -= quantity
        created = datetime.datetime.combine(day, datetime.time(rng.randint(7, 17), rng.randint(0, 59)))
        rows.append(
            (day.isoformat(), created.isoformat(), rng.choice(CUSTOMERS), rng.choice(PRODUCTS)[0], quantity, status)
        )
    db.executemany(
        "INSERT INTO orders (order_date, created_at, customer, sku, quantity, status) VALUES (?, ?, ?, ?, ?, ?)", rows
    )


def _stock(db: sqlite3.Connection, day: datetime.date, utilization: float, rng: random.Random) -> None:
    """The day's snapshot: pallets per warehouse and product adding up to ``utilization`` % of capacity."""
    capacity = sum(c for _n, c in WAREHOUSES)
    pallets = _split(round(capacity * utilization / 100), [1.0] * (len(WAREHOUSES) * len(PRODUCTS)), rng)
    rows = []
    for w_index, (_name, _capacity) in enumerate(WAREHOUSES):
        for p_index, (sku, _product, per_pallet) in enumerate(PRODUCTS):
            count = pallets[w_index * len(PRODUCTS) + p_index]
            rows.append((day.isoformat(), w_index + 1, sku, count * per_pallet, count))
    db.execute("DELETE FROM stock WHERE snapshot_date = ?", [day.isoformat()])
    db.executemany("INSERT INTO stock VALUES (?, ?, ?, ?, ?)", rows)


def _weekly(org_kpis: dict[str, Kpi], key: str, start: datetime.date) -> dict[datetime.date, Decimal]:
    """The seeded history of a demo KPI from ``start`` on: value by period start."""
    return dict(
        DataPoint.objects.for_org(org_kpis[key].organization_id)
        .filter(kpi=org_kpis[key], source="erp", period_start__gte=start)
        .values_list("period_start", "value")
    )


def erp_build(
    path: Path, *, units: dict[datetime.date, Decimal], utilization: dict[datetime.date, Decimal], today: datetime.date
) -> None:
    """Write the ERP file: a day's orders and stock for every day of the weeks given, up to today, following
    the seeded weekly figures (their sums for units, their averages for utilization). Written aside and moved
    into place, so a reader never sees half a file."""
    rng = random.Random(20261202)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    with sqlite3.connect(temporary) as db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO warehouses (name, capacity_pallets) VALUES (?, ?)", WAREHOUSES)
        db.executemany("INSERT INTO products VALUES (?, ?, ?)", PRODUCTS)
        for start in sorted(set(units) | set(utilization)):
            days = [start + datetime.timedelta(days=n) for n in range(7) if start + datetime.timedelta(days=n) <= today]
            if start in units:
                per_day = _split(int(units[start]), [WEEKDAY_WEIGHTS[d.weekday()] for d in days], rng)
                for day, count in zip(days, per_day, strict=True):
                    _orders(db, day, count, rng)
            if start in utilization:
                noise = [rng.uniform(-1.5, 1.5) for _day in days]
                mean = sum(noise) / len(noise)
                for day, wobble in zip(days, noise, strict=True):
                    _stock(db, day, float(utilization[start]) + wobble - mean, rng)
    os.replace(temporary, path)


def load(admin: Membership) -> None:
    """Build the ERP from the seeded history of the two KPIs' last quarter, hand that quarter over to the
    connector (the seeded points it replaces go), and run the connector once so the KPI pages show "last
    data received"."""
    from tandem.integrations import runner, services

    org = admin.organization
    kpis = {
        k.key: k for k in Kpi.objects.for_org(org).filter(key__in=[UNITS, UTILIZATION]).prefetch_related("versions")
    }
    if len(kpis) < 2:
        return
    today = local_today(org.tz)
    first = period_of("week", today, fiscal_start_month=org.fiscal_year_start_month).start - datetime.timedelta(
        weeks=WEEKS - 1
    )
    path = erp_path()
    erp_build(path, units=_weekly(kpis, UNITS, first), utilization=_weekly(kpis, UTILIZATION, first), today=today)
    DataPoint.objects.for_org(org).filter(kpi__in=kpis.values(), source="erp", period_start__gte=first).delete()
    connector = services.connector_create(
        by=admin,
        name="ERP: shipments and warehouse stock",
        kind="sql",
        config={"query": QUERY},
        secrets={"url": f"sqlite:///{path}"},
        schedule_kind="minutes",
        schedule_value="5",
    )
    runner.connector_run(connector=connector, trigger="schedule")


def erp_tick(path: Path, now: datetime.datetime) -> int:
    """Bring the ERP up to ``now``: the orders of the days it missed, today's orders so far (pharmacies order
    from 7:00 to 18:00), and each day's stock snapshot. Returns how many units it added."""
    today = now.astimezone(TZ).date()
    rng = random.Random(now.timestamp())
    with sqlite3.connect(path) as db:
        last = db.execute("SELECT MAX(order_date) FROM orders").fetchone()[0]
        if last is None:
            return 0
        recent = db.execute(
            "SELECT order_date, SUM(quantity) FROM orders WHERE order_date > date(?, '-28 days') GROUP BY order_date",
            [last],
        ).fetchall()
        weighted = [total / WEEKDAY_WEIGHTS[datetime.date.fromisoformat(day).weekday()] for day, total in recent]
        base = sum(weighted) / len(weighted) if weighted else 300
        stock_last = db.execute("SELECT MAX(snapshot_date) FROM stock").fetchone()[0]
        capacity = sum(c for _n, c in WAREHOUSES)
        pallets = db.execute("SELECT SUM(pallets) FROM stock WHERE snapshot_date = ?", [stock_last]).fetchone()[0] or 0
        utilization = 100.0 * pallets / capacity
        added = 0
        day = datetime.date.fromisoformat(last)
        while day <= today:
            hours = (now.astimezone(TZ).hour + now.astimezone(TZ).minute / 60 - 7) / 11 if day == today else 1
            expected = int(base * WEEKDAY_WEIGHTS[day.weekday()] * min(max(hours, 0), 1))
            done = db.execute("SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE order_date = ?", [day.isoformat()])
            missing = expected - int(done.fetchone()[0])
            if missing > 0:
                _orders(db, day, missing, rng)
                added += missing
            if stock_last is None or day.isoformat() >= stock_last:
                utilization = min(99.0, max(50.0, utilization + rng.uniform(-0.4, 0.5)))
                _stock(db, day, utilization, rng)
            day += datetime.timedelta(days=1)
    return added


@db_periodic_task(crontab(minute="*/3"))
def demo_erp_tick() -> None:
    """Every three minutes while the demo runs: the day's new orders land in the demo ERP. Does nothing
    unless ``tandem demo`` made the ERP file."""
    path = erp_path()
    if not path.exists():
        return
    added = erp_tick(path, timezone.now())
    if added:
        log.info("demo ERP: %s units of new orders", added)
