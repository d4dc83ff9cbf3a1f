"""Every listed KPI's status in its current period, judged by the database.

:func:`tandem.kpis.selectors.current_statuses` reads each KPI's version, target and period value into Python
to judge them, which costs a few hundred milliseconds for the thousands of KPIs of a whole company. Here the
database finds each KPI's version in force, aggregates its points in its current period and judges the value
with :func:`tandem.kpis.status_sql.status_expression`; only ``(KPI, status)`` pairs come back. Both give the
same answers (the tests hold them to each other); formula KPIs, computed from other KPIs, are left to
``current_statuses``. :func:`statuses_now` picks the cheaper of the two for a list.

Judging a company's thousands of KPIs still aggregates every point of their current periods, so each KPI
also keeps its status, with the day it was judged (:func:`statuses_keep`): written as data arrives (in
the same transaction, see ``alerts.kpi_alerts_update``) and as its rules change, and refreshed by the worker
every hour, since a running period's judgement moves with the days and two writers of one KPI at the same
instant may each judge it without the other's points. :func:`statuses_kept` reads them, judging afresh only
the KPIs not judged today.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    DateField,
    DecimalField,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import Exact

from tandem.core.periods import Period, period_of
from tandem.kpis import selectors
from tandem.kpis.models import DataPoint, Kpi, KpiVersion, PeriodTarget
from tandem.kpis.status_sql import status_expression
from tandem.orgs.models import Organization

AGGREGATES = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}
VERSION = "kpi__versions__"
AMOUNT: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=6)
# More distinct targets set for the current periods than this, and those KPIs are judged one by one.
MAX_OVERRIDES = 50
# Fewer KPIs than this are judged in Python (see ``statuses_now``).
JUDGED_IN_PYTHON = 300
# Kept statuses are written this many KPIs to a statement.
KEEP_BATCH = 2000


class _RunRate(Func):
    """A summed value so far stretched over its whole period (``selectors.run_rate``): exact numerics on
    PostgreSQL; on SQLite in doubles, never integer division."""

    template = "(%(expressions)s * %(days)s / %(elapsed)s)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="(1.0 * %(expressions)s * %(days)s / %(elapsed)s)")


def _in_force(organization: Organization, today: datetime.date, prefix: str = "") -> Q:
    """The version (reached through ``prefix``) in force today: it started by today and no later one has.
    Every KPI's first version starts before any period (``services.BEGINNING``), so each KPI has one."""
    later = KpiVersion.objects.for_org(organization).filter(
        kpi_id=OuterRef(f"{prefix}kpi_id"),
        effective_from__gt=OuterRef(f"{prefix}effective_from"),
        effective_from__lte=today,
    )
    return Q(Q(**{f"{prefix}effective_from__lte": today}), ~Exists(later))


def statuses_now(*, organization: Organization, kpis: QuerySet[Kpi], today: datetime.date) -> dict[int, str]:
    """Every listed KPI's status in its current period, by KPI id in the list's order, by the cheaper way:
    in Python for a few hundred KPIs (building the database's expression costs more than judging them), by
    the database beyond."""
    if kpis[:JUDGED_IN_PYTHON].count() < JUDGED_IN_PYTHON:
        return selectors.current_statuses(organization=organization, kpis=kpis, today=today)
    return current_statuses_sql(organization=organization, kpis=kpis, today=today)


def statuses_kept(*, organization: Organization, kpis: QuerySet[Kpi], today: datetime.date) -> dict[int, str]:
    """Every listed KPI's status in its current period, by KPI id in the list's order: as kept on the KPI
    where it was judged today, judged now (:func:`statuses_now`) for the rest."""
    # The kept status where judged today, else "" (a company's thousands of rows: no dates to convert).
    kept = Case(When(status_on=today, then=F("status_now")), default=Value(""))
    rows = list(kpis.annotate(kept=kept).values_list("pk", "kept"))
    fresh: dict[int, str] = {}
    if any(not status for _pk, status in rows):
        fresh = statuses_now(organization=organization, kpis=kpis.exclude(status_on=today), today=today)
    return {pk: status or fresh.get(pk, "no_data") for pk, status in rows}


def statuses_keep(
    *, organization: Organization, kpis: QuerySet[Kpi], statuses: dict[int, str], today: datetime.date
) -> None:
    """Keep these KPIs' statuses, judged today, on the KPIs (only the rows that change are written). A KPI
    computed by a formula keeps none: its value moves with other KPIs' data."""
    if not statuses:
        return
    computed = set(
        KpiVersion.objects.for_org(organization)
        .filter(kpi_id__in=kpis.values("pk"))
        .filter(_in_force(organization, today))
        .exclude(formula="")
        .values_list("kpi_id", flat=True)
    )
    changes: dict[tuple[str, datetime.date | None], list[int]] = {}
    for pk, status_now, status_on in kpis.values_list("pk", "status_now", "status_on").order_by():
        wanted = ("", None) if pk in computed or pk not in statuses else (statuses[pk], today)
        if (status_now, status_on) != wanted:
            changes.setdefault(wanted, []).append(pk)
    for (status_now, status_on), ids in changes.items():
        for start in range(0, len(ids), KEEP_BATCH):
            Kpi.objects.for_org(organization).filter(pk__in=ids[start : start + KEEP_BATCH]).update(
                status_now=status_now, status_on=status_on
            )


def statuses_refresh(*, organization: Organization, today: datetime.date, kpis: QuerySet[Kpi] | None = None) -> int:
    """Judge these KPIs (by default every one of the organization) in their current period and keep the
    statuses; the number judged."""
    kpis = Kpi.objects.for_org(organization) if kpis is None else kpis
    statuses = statuses_now(organization=organization, kpis=kpis, today=today)
    statuses_keep(organization=organization, kpis=kpis, statuses=statuses, today=today)
    return len(statuses)


def statuses_forget(*, organization: Organization) -> None:
    """After a change to the organization's periods (its fiscal year): every kept status is judged afresh."""
    Kpi.objects.for_org(organization).exclude(status_on=None).update(status_on=None, status_now="")


def current_statuses_sql(*, organization: Organization, kpis: QuerySet[Kpi], today: datetime.date) -> dict[int, str]:
    """Each KPI's status (green, amber, red or no_data) in its current period, by KPI id in the list's order,
    in a handful of queries whatever the number of KPIs, each returning at most one short row per KPI."""
    order = list(kpis.values_list("pk", flat=True))
    if not order:
        return {}
    listed = Q(kpi_id__in=kpis.values("pk"))
    # The frequencies in use, and the KPIs computed by a formula (left to ``current_statuses``): one short row
    # for each frequency and each formula KPI.
    kinds = (
        KpiVersion.objects.for_org(organization)
        .filter(listed, _in_force(organization, today))
        .annotate(computed=Case(When(formula="", then=None), default=F("kpi_id")))
        .order_by()
        .values_list("frequency", "computed")
        .distinct()
    )
    fiscal = organization.fiscal_year_start_month
    periods: dict[str, Period] = {}
    by_formula: list[int] = []
    for frequency, computed in kinds:
        if frequency not in periods:
            periods[frequency] = period_of(frequency, today, fiscal_start_month=fiscal)
        if computed is not None:
            by_formula.append(computed)
    statuses: dict[int, str] = {}
    if not periods:
        return dict.fromkeys(order, "no_data")
    if by_formula:
        judged_one_by_one = kpis.filter(pk__in=by_formula)
        statuses |= selectors.current_statuses(organization=organization, kpis=judged_one_by_one, today=today)
    # Targets set for the current periods: a handful, given to the database as values (a lookup inside the
    # status expression would run again each time the expression names the target).
    overrides = {
        version_id: target
        for version_id, frequency, start, target in PeriodTarget.objects.for_org(organization)
        .filter(period_start__in={p.start for p in periods.values()})
        .values_list("version_id", "version__frequency", "period_start", "target")
        if frequency in periods and periods[frequency].start == start
    }
    if len(set(overrides.values())) > MAX_OVERRIDES:
        many = kpis.filter(versions__in=list(overrides)).exclude(pk__in=by_formula)
        statuses |= selectors.current_statuses(organization=organization, kpis=many, today=today)
        listed &= ~Q(kpi_id__in=list(statuses))
        overrides = {}
    statuses |= _judged(organization, periods, today, listed, overrides)
    return {pk: statuses.get(pk, "no_data") for pk in order}


def _by_frequency(periods: dict[str, Period], field: str, bound: str) -> Case:
    """A period bound that depends on the version's frequency: the start or end of its current period."""
    return Case(
        *[When(**{field: grain}, then=Value(getattr(period, bound))) for grain, period in periods.items()],
        output_field=DateField(),
    )


def _in_period(periods: dict[str, Period]) -> Q:
    """A data point's filter: in the current period of its version's frequency. The plain dates around all
    those periods let the database (PostgreSQL) see how few points that is and read them through the index."""
    return Q(
        date__gte=_by_frequency(periods, f"{VERSION}frequency", "start"),
        date__lt=_by_frequency(periods, f"{VERSION}frequency", "end"),
    ) & Q(date__gte=min(p.start for p in periods.values()), date__lt=max(p.end for p in periods.values()))


def _rules(overrides: dict[int, Decimal], prefix: str) -> dict[str, Any]:
    """The status expression's arguments from the version's columns, with this period's own targets."""
    by_target: dict[Decimal, list[int]] = {}
    for version_id, amount in overrides.items():
        by_target.setdefault(amount, []).append(version_id)
    target = Case(
        *[
            When(**{f"{prefix}pk__in": ids}, then=Value(amount, output_field=AMOUNT))
            for amount, ids in by_target.items()
        ],
        default=F(f"{prefix}target"),
        output_field=AMOUNT,
    )
    return {
        "target": target,
        "direction": F(f"{prefix}direction"),
        "threshold_mode": F(f"{prefix}threshold_mode"),
        "amber": F(f"{prefix}amber_threshold"),
        "red": F(f"{prefix}red_threshold"),
        "band_low": F(f"{prefix}band_low"),
        "band_high": F(f"{prefix}band_high"),
    }


def _latest_points(
    organization: Organization, periods: dict[str, Period], today: datetime.date, listed: Q
) -> QuerySet[KpiVersion, dict[str, Any]]:
    """For the KPIs judged by their last value: each one's latest point of its period (by day, then
    arrival), found through the index one KPI at a time, as a subquery of point ids."""
    return (
        KpiVersion.objects.for_org(organization)
        .filter(listed, _in_force(organization, today), formula="", aggregation="last")
        .annotate(
            starts=_by_frequency(periods, "frequency", "start"),
            ends=_by_frequency(periods, "frequency", "end"),
            point=Subquery(
                DataPoint.objects.for_org(organization)
                .filter(kpi_id=OuterRef("kpi_id"), date__gte=OuterRef("starts"), date__lt=OuterRef("ends"))
                .order_by("-date", "-id")
                .values("pk")[:1]
            ),
        )
        .values("point")
    )


def _judged(
    organization: Organization,
    periods: dict[str, Period],
    today: datetime.date,
    listed: Q,
    overrides: dict[int, Decimal],
) -> dict[int, str]:
    """The KPIs with points in their current period, judged in one grouped query: by the sum, average,
    minimum or maximum of the period's points, or by the last one alone."""
    runs = tuple((grain, period.days, (today - period.start).days + 1) for grain, period in sorted(periods.items()))
    status = _status(runs, tuple(sorted(overrides.items())))
    kinds = Q(**{f"{VERSION}aggregation__in": list(AGGREGATES)}) | Q(
        **{f"{VERSION}aggregation": "last"}, pk__in=_latest_points(organization, periods, today, listed)
    )
    # One filter() call: the version join that it filters is the one the rules are read from.
    grouped = (
        DataPoint.objects.for_org(organization)
        .filter(
            listed
            & _in_force(organization, today, VERSION)
            & Q(**{f"{VERSION}formula": ""})
            & _in_period(periods)
            & kinds
        )
        .values("kpi_id")
        .annotate(status=status)
    )
    return dict(grouped.values_list("kpi_id", "status"))


@functools.lru_cache(maxsize=64)
def _status(runs: tuple[tuple[str, int, int], ...], overrides: tuple[tuple[int, Decimal], ...]) -> Case:
    """The status of a KPI's group of points, for periods of these lengths (frequency, days, days elapsed)
    and these targets: built once a day and reused, since building it costs about as much as running it
    (expressions are copied, not changed, by each query that uses them)."""
    # Grouped by KPI alone: the rules are the same on every row of a group, so taken as the group's maximum
    # (grouping by the expressions built on them would cost more than the aggregation itself).
    rules = {name: Max(rule) for name, rule in _rules(dict(overrides), VERSION).items()}
    aggregation, frequency = Max(f"{VERSION}aggregation"), Max(f"{VERSION}frequency")
    # A last-value KPI's group holds its latest point only: any aggregate of it is that point's value.
    value = Case(
        *[When(Exact(aggregation, name), then=function("value")) for name, function in AGGREGATES.items()],
        default=Max("value"),
    )
    # A summed period still running is judged by what it is on pace for (``selectors.judged``).
    on_pace = Case(
        *[
            When(Exact(frequency, grain), then=_RunRate(Sum("value"), days=days, elapsed=elapsed))
            for grain, days, elapsed in runs
        ],
    )
    judged = Case(When(Exact(aggregation, "sum"), then=on_pace), default=value)
    return status_expression(value=judged, **rules)
