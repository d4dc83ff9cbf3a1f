"""Period grouping in SQL agrees with core/periods.py, on whichever database the suite runs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.periods import Grain, period_of
from tandem.kpis import selectors, services
from tandem.kpis.models import DataPoint, Kpi


@pytest.fixture
def kpi(admin) -> Kpi:  # type: ignore[no-untyped-def]
    return services.kpi_create(
        by=admin, key="grouping", name="Grouping", target=Decimal(1), red_threshold=Decimal(90), frequency="day"
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.lists(
        st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2040, 12, 31)), min_size=1, max_size=12
    ),
    grain=st.sampled_from([g for g in Grain.values]),
    fiscal=st.integers(min_value=1, max_value=12),
)
def test_sql_periods_match_python_periods(kpi, days, grain, fiscal):
    organization = kpi.organization
    organization.fiscal_year_start_month = fiscal
    organization.save(update_fields=["fiscal_year_start_month"])
    DataPoint.objects.for_org(organization).filter(kpi=kpi).delete()
    DataPoint.objects.for_org(organization).bulk_create(
        DataPoint(
            organization=organization,
            kpi=kpi,
            date=day,
            period_start=day,
            value=Decimal(1),
            source="test",
            source_key=str(i),
        )
        for i, day in enumerate(days)
    )
    expected: dict[object, Decimal] = {}
    for day in days:
        period = period_of(grain, day, fiscal_start_month=fiscal)
        expected[period] = expected.get(period, Decimal(0)) + 1
    found = selectors.period_values(kpi=kpi, grain=grain, first=min(days), last=max(days), aggregation="sum")
    assert found == expected
