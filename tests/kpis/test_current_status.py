"""Statuses judged by the database agree with ``current_statuses``, KPI by KPI, for every frequency,
aggregation, direction and threshold mode, with period targets, later versions, formulas and no data."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest

from tandem.core.periods import local_today, period_of
from tandem.kpis import points as kpi_points
from tandem.kpis import selectors, services
from tandem.kpis.current_status import current_statuses_sql
from tandem.kpis.models import KpiVersion

pytestmark = pytest.mark.django_db

RULES = [
    {"direction": "higher", "threshold_mode": "percent", "red_threshold": Decimal(90)},
    {"direction": "higher", "threshold_mode": "absolute", "amber_threshold": Decimal(50), "red_threshold": Decimal(30)},
    {"direction": "lower", "threshold_mode": "percent", "amber_threshold": Decimal(100), "red_threshold": Decimal(120)},
    {"direction": "lower", "threshold_mode": "absolute", "amber_threshold": Decimal(40), "red_threshold": Decimal(60)},
    {
        "direction": "band",
        "threshold_mode": "absolute",
        "band_low": Decimal(40),
        "band_high": Decimal(60),
        "red_threshold": Decimal(10),
    },
    {
        "direction": "band",
        "threshold_mode": "percent",
        "band_low": Decimal(20),
        "band_high": Decimal(30),
        "red_threshold": Decimal(50),
    },
]


def _both(admin, today):  # type: ignore[no-untyped-def]
    listed = selectors.kpis(membership=admin)
    python = selectors.current_statuses(organization=admin.organization, kpis=listed, today=today)
    sql = current_statuses_sql(organization=admin.organization, kpis=listed, today=today)
    return python, sql


def test_the_demo_company_is_judged_the_same(admin):
    today = local_today(admin.organization.tz)
    python, sql = _both(admin, today)
    assert sql == python
    assert list(sql) == list(python)  # in the list's order
    assert set(sql.values()) >= {"red", "amber", "green"}


def test_every_kind_of_kpi_is_judged_the_same(admin):
    rng = random.Random(7)
    today = local_today(admin.organization.tz)
    points = []
    n = 0
    for frequency in ("day", "week", "month", "quarter", "year"):
        for aggregation in ("sum", "avg", "last", "min", "max"):
            for rules in RULES:
                key = f"zz_cs_{n}"
                absolute = rules["threshold_mode"] == "absolute"
                target = Decimal(rng.choice([10, 50, 100])) if rng.random() > 0.1 or not absolute else None
                services.kpi_create(
                    by=admin,
                    key=key,
                    name=key,
                    frequency=frequency,
                    aggregation=aggregation,
                    target=target,
                    **rules,
                )
                period = period_of(frequency, today, fiscal_start_month=admin.organization.fiscal_year_start_month)
                for _ in range(rng.choice([0, 1, 3])):
                    day = period.start + datetime.timedelta(days=rng.randrange(max(1, (today - period.start).days + 1)))
                    value = Decimal(rng.randrange(0, 12000)) / Decimal(100)
                    points.append({"kpi": key, "date": day.isoformat(), "value": str(value)})
                # A point in the previous period never counts in this one.
                before = period.start - datetime.timedelta(days=1)
                points.append({"kpi": key, "date": before.isoformat(), "value": "1"})
                n += 1
    kpi_points.data_points_record(by=admin, points=points)
    # A period target for this period, and a version that starts in the future, on a few of them.
    for i in range(0, n, 7):
        kpi = selectors.kpi_get(membership=admin, kpi_id=selectors.kpis(membership=admin).get(key=f"zz_cs_{i}").pk)
        services.kpi_update(by=admin, kpi=kpi, period_targets={today.isoformat(): "55"})
    for i in range(3, n, 11):
        version = KpiVersion.objects.for_org(admin.organization).get(kpi__key=f"zz_cs_{i}")
        KpiVersion.objects.for_org(admin.organization).create(
            organization=admin.organization,
            kpi_id=version.kpi_id,
            number=2,
            effective_from=today + datetime.timedelta(days=400),
            direction="lower",
            target=Decimal(1),
            red_threshold=Decimal(200),
        )
    services.kpi_create(
        by=admin,
        key="zz_cs_formula",
        name="F",
        formula="zz_cs_0 + zz_cs_1",
        target=Decimal(50),
        red_threshold=Decimal(90),
    )
    python, sql = _both(admin, today)
    assert sql == python
    assert {"red", "amber", "green", "no_data"} <= set(sql.values())


def test_nothing_listed_is_nothing_judged(admin):
    listed = selectors.kpis(membership=admin).filter(key="no_such_kpi")
    assert current_statuses_sql(organization=admin.organization, kpis=listed, today=datetime.date.today()) == {}
