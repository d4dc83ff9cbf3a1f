"""Period arithmetic: the one place that knows where a day, week, month, quarter or year begins.

Weeks are ISO weeks (Monday to Sunday). Quarters and years follow the organization's
fiscal-year start month; a fiscal year is named by the calendar year in which it ends
(with an April start, April 2025 – March 2026 is FY2026). Instants are placed in periods
by their local date in the organization's time zone. A period is half-open: ``start``
belongs to it, ``end`` is the first day of the next one.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ONE_DAY = datetime.timedelta(days=1)


class Grain(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


def _check_month(fiscal_start_month: int) -> None:
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError(f"fiscal_start_month must be 1 to 12, not {fiscal_start_month}")


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    grain: str
    start: datetime.date
    end: datetime.date
    fiscal_start_month: int = 1

    def next(self) -> Period:
        return period_of(self.grain, self.end, fiscal_start_month=self.fiscal_start_month)

    def previous(self) -> Period:
        return period_of(self.grain, self.start - ONE_DAY, fiscal_start_month=self.fiscal_start_month)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def fiscal_year(self) -> int:
        """The fiscal year this period starts in, named by the calendar year in which that year ends."""
        year_start = period_of(Grain.YEAR, self.start, fiscal_start_month=self.fiscal_start_month).start
        return year_start.year + (0 if self.fiscal_start_month == 1 else 1)

    @property
    def label(self) -> str:
        if self.grain == Grain.DAY:
            return self.start.isoformat()
        if self.grain == Grain.WEEK:
            iso_year, week, _weekday = self.start.isocalendar()
            return f"{iso_year}-W{week:02d}"
        if self.grain == Grain.MONTH:
            return f"{self.start:%Y-%m}"
        year = str(self.fiscal_year) if self.fiscal_start_month == 1 else f"FY{self.fiscal_year}"
        if self.grain == Grain.QUARTER:
            months_in = (self.start.month - self.fiscal_start_month) % 12
            return f"Q{months_in // 3 + 1} {year}"
        return year

    def __str__(self) -> str:
        return self.label


def period_of(grain: str, day: datetime.date, *, fiscal_start_month: int = 1) -> Period:
    """The period of kind ``grain`` that contains ``day``."""
    _check_month(fiscal_start_month)
    if grain == Grain.DAY:
        start, end = day, day + ONE_DAY
    elif grain == Grain.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        end = start + datetime.timedelta(days=7)
    elif grain == Grain.MONTH:
        start = day.replace(day=1)
        end = _add_months(start, 1)
    elif grain in (Grain.QUARTER, Grain.YEAR):
        months_in = (day.month - fiscal_start_month) % 12
        length = 3 if grain == Grain.QUARTER else 12
        start = _add_months(day.replace(day=1), -(months_in % length))
        end = _add_months(start, length)
    else:
        raise ValueError(f"unknown period kind {grain!r}; use one of {', '.join(Grain.values)}")
    return Period(str(Grain(grain)), start, end, fiscal_start_month)


def period_of_instant(
    grain: str, instant: datetime.datetime, *, tz: zoneinfo.ZoneInfo | str, fiscal_start_month: int = 1
) -> Period:
    """The period containing ``instant``, by its local date in ``tz``."""
    if timezone.is_naive(instant):
        raise ValueError("instant must be timezone-aware")
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz
    return period_of(grain, instant.astimezone(zone).date(), fiscal_start_month=fiscal_start_month)


def periods_between(
    grain: str, first: datetime.date, last: datetime.date, *, fiscal_start_month: int = 1
) -> list[Period]:
    """Every period touching the days ``first`` to ``last`` (both included), oldest first."""
    periods = []
    period = period_of(grain, first, fiscal_start_month=fiscal_start_month)
    while period.start <= last:
        periods.append(period)
        period = period.next()
    return periods


def last_n(grain: str, day: datetime.date, n: int, *, fiscal_start_month: int = 1) -> list[Period]:
    """The ``n`` periods ending with the one that contains ``day``, oldest first."""
    periods = [period_of(grain, day, fiscal_start_month=fiscal_start_month)]
    while len(periods) < n:
        periods.append(periods[-1].previous())
    return periods[::-1]


def local_today(tz: zoneinfo.ZoneInfo | str) -> datetime.date:
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz
    return timezone.now().astimezone(zone).date()


def bounds_utc(period: Period, tz: zoneinfo.ZoneInfo | str) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as UTC instants: local midnight at its start, and at its end."""
    zone = zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), tzinfo=zone).astimezone(datetime.UTC)

    return midnight(period.start), midnight(period.end)
