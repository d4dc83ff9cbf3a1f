"""Period arithmetic: properties that must hold for every day, kind and fiscal year start."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.periods import (
    Grain,
    bounds_utc,
    last_n,
    period_of,
    period_of_instant,
    periods_between,
)

days = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 12, 31))
grains = st.sampled_from(list(Grain.values))
months = st.integers(min_value=1, max_value=12)
zones = st.sampled_from(
    [
        "UTC",
        "Asia/Ho_Chi_Minh",
        "America/New_York",
        "Australia/Lord_Howe",
        "Europe/London",
        "America/Santiago",
        "Pacific/Chatham",
    ]
)


@given(day=days, grain=grains, fiscal=months)
def test_every_day_falls_in_exactly_one_period(day, grain, fiscal):
    period = period_of(grain, day, fiscal_start_month=fiscal)
    assert period.contains(day)
    assert not period.previous().contains(day)
    assert not period.next().contains(day)
    assert period_of(grain, period.start, fiscal_start_month=fiscal) == period
    assert period_of(grain, period.end - datetime.timedelta(days=1), fiscal_start_month=fiscal) == period


@given(day=days, grain=grains, fiscal=months)
def test_periods_tile_without_gaps_and_step_back_and_forth(day, grain, fiscal):
    period = period_of(grain, day, fiscal_start_month=fiscal)
    assert period.next().start == period.end
    assert period.previous().end == period.start
    assert period.previous().next() == period
    assert period.next().previous() == period


@given(day=days, fiscal=months)
def test_period_lengths(day, fiscal):
    assert period_of(Grain.DAY, day).days == 1
    assert period_of(Grain.WEEK, day).days == 7 and period_of(Grain.WEEK, day).start.weekday() == 0
    assert 28 <= period_of(Grain.MONTH, day).days <= 31
    assert 89 <= period_of(Grain.QUARTER, day, fiscal_start_month=fiscal).days <= 92
    year = period_of(Grain.YEAR, day, fiscal_start_month=fiscal)
    assert year.days in (365, 366) and year.start.month == fiscal and year.start.day == 1


@given(day=days, fiscal=months)
def test_a_fiscal_year_is_four_quarters_and_twelve_months(day, fiscal):
    year = period_of(Grain.YEAR, day, fiscal_start_month=fiscal)
    quarters = periods_between(
        Grain.QUARTER, year.start, year.end - datetime.timedelta(days=1), fiscal_start_month=fiscal
    )
    assert [q.start for q in quarters][0] == year.start and quarters[-1].end == year.end
    assert len(quarters) == 4
    assert [q.label.split()[0] for q in quarters] == ["Q1", "Q2", "Q3", "Q4"]
    assert len(periods_between(Grain.MONTH, year.start, year.end - datetime.timedelta(days=1))) == 12


@given(
    instant=st.datetimes(
        min_value=datetime.datetime(1990, 1, 1),
        max_value=datetime.datetime(2100, 1, 1),
        timezones=st.just(datetime.UTC),
    ),
    grain=grains,
    zone=zones,
    fiscal=months,
)
def test_instants_fall_in_the_period_of_their_local_date(instant, grain, zone, fiscal):
    period = period_of_instant(grain, instant, tz=zone, fiscal_start_month=fiscal)
    assert period.contains(instant.astimezone(zoneinfo.ZoneInfo(zone)).date())
    start, end = bounds_utc(period, zone)
    assert start < end
    assert start <= instant < end


def test_iso_week_across_the_new_year():
    week = period_of(Grain.WEEK, datetime.date(2021, 1, 3))
    assert (week.start, week.label) == (datetime.date(2020, 12, 28), "2020-W53")


def test_fiscal_year_starting_in_april():
    march = period_of(Grain.QUARTER, datetime.date(2026, 3, 31), fiscal_start_month=4)
    april = period_of(Grain.QUARTER, datetime.date(2026, 4, 1), fiscal_start_month=4)
    assert march.label == "Q4 FY2026" and april.label == "Q1 FY2027"
    assert april.start == datetime.date(2026, 4, 1) and april.end == datetime.date(2026, 7, 1)
    assert period_of(Grain.YEAR, datetime.date(2025, 12, 1), fiscal_start_month=4).label == "FY2026"


def test_calendar_labels():
    assert period_of(Grain.QUARTER, datetime.date(2026, 11, 24)).label == "Q4 2026"
    assert period_of(Grain.YEAR, datetime.date(2026, 11, 24)).label == "2026"
    assert period_of(Grain.MONTH, datetime.date(2024, 2, 29)).days == 29
    assert period_of(Grain.MONTH, datetime.date(2024, 2, 29)).label == "2024-02"
    assert period_of(Grain.DAY, datetime.date(2026, 2, 14)).label == "2026-02-14"


def test_last_n_and_between():
    months = last_n(Grain.MONTH, datetime.date(2026, 2, 10), 3)
    assert [m.label for m in months] == ["2025-12", "2026-01", "2026-02"]
    weeks = periods_between(Grain.WEEK, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert weeks[0].start == datetime.date(2026, 10, 26) and weeks[-1].contains(datetime.date(2026, 11, 30))


def test_local_midnight_in_ho_chi_minh_is_the_evening_before_in_utc():
    day = period_of(Grain.DAY, datetime.date(2026, 11, 24))
    start, end = bounds_utc(day, "Asia/Ho_Chi_Minh")
    assert start == datetime.datetime(2026, 11, 23, 17, 0, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(hours=24)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        period_of_instant(Grain.DAY, datetime.datetime(2026, 1, 1), tz="UTC")
    for month in (0, 13):
        with pytest.raises(ValueError, match="fiscal_start_month"):
            period_of(Grain.YEAR, datetime.date(2026, 1, 1), fiscal_start_month=month)
    with pytest.raises(ValueError, match="unknown period kind"):
        period_of("fortnight", datetime.date(2026, 1, 1))
