"""Every read of KPIs and their data, scoped to the organization and to what the caller may see."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Avg,
    Case,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, ExtractMonth, ExtractYear, RowNumber, TruncMonth, TruncWeek
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tandem.boards import visibility as board_visibility
from tandem.core.errors import NotFound
from tandem.core.periods import Grain, Period, last_n, period_of, periods_between
from tandem.kpis import formulas
from tandem.kpis.models import (
    ChangeRequest,
    DataPoint,
    Kpi,
    KpiComment,
    KpiState,
    KpiVersion,
    PeriodTarget,
    Visibility,
)
from tandem.kpis.status import Rule, lines, status
from tandem.orgs.models import Membership, Organization
from tandem.orgs.selectors import managed_team_ids

# What to prefetch with KPIs so their rules are read without a query per KPI.
RULES = ("versions", "versions__period_targets")
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,59}")


def kpis(
    *,
    membership: Membership,
    team_id: int | None = None,
    owner_id: int | None = None,
    state: str | None = None,
    risk_level: str | None = None,
    search: str | None = None,
) -> QuerySet[Kpi]:
    """KPIs the person may see: public ones, and private ones they own, manage (through the team
    tree) or administer, or that are on a private board they are a member of."""
    qs = Kpi.objects.for_org(membership.organization).select_related("owner__user", "team")
    if not membership.is_admin:
        qs = qs.filter(
            Q(visibility=Visibility.PUBLIC)
            | Q(owner=membership)
            | Q(team_id__in=managed_team_ids(membership))
            | board_visibility.shared_kpis(membership)
        )
    if team_id:
        qs = qs.filter(team_id=team_id)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if state:
        qs = qs.filter(state=state)
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(key__icontains=search))
    return qs.order_by("name", "id")


def guardrails_to_choose(*, membership: Membership, kpi: Kpi | None) -> list[Kpi]:
    """The KPIs a KPI form offers as guardrails: every visible one in an organization of a few hundred;
    beyond that, those of the author's teams and of the KPI's team, and its current guardrails."""
    visible = kpis(membership=membership)
    if kpi is not None:
        visible = visible.exclude(pk=kpi.pk)
    from tandem.orgs.selectors import CHOICES_MAX, own_team_ids

    if visible.count() <= CHOICES_MAX:
        return list(visible)

    teams = own_team_ids(membership) | ({kpi.team_id} if kpi is not None and kpi.team_id else set())
    wanted = Q(team_id__in=teams) | Q(owner=membership)
    if kpi is not None:
        wanted |= Q(pk__in=kpi.guardrails.values("pk"))
    return list(visible.filter(wanted).distinct()[:CHOICES_MAX])


def kpi_owners(*, membership: Membership) -> list[Membership]:
    """The people who own at least one KPI the person may see, for the list's owner filter."""
    owner_ids = kpis(membership=membership).values("owner_id")
    return list(
        Membership.objects.for_org(membership.organization)
        .filter(pk__in=owner_ids)
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def kpi_get(*, membership: Membership, kpi_id: int) -> Kpi:
    kpi = kpis(membership=membership).prefetch_related(*RULES, "guardrails").filter(pk=kpi_id).first()
    if kpi is None:
        raise NotFound()
    return kpi


def kpi_get_by_ref(*, membership: Membership, ref: str) -> Kpi:
    """A visible KPI by its id or its key, as API paths name it; anything else is not found."""
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:
        return kpi_get(membership=membership, kpi_id=int(ref))
    if not KEY_PATTERN.fullmatch(ref):
        raise NotFound()  # before the database: a key can hold no NUL or other odd character
    kpi = kpis(membership=membership).prefetch_related(*RULES, "guardrails").filter(key=ref).first()
    if kpi is None:
        raise NotFound()
    return kpi


def may_see_kpi(membership: Membership, kpi: Kpi) -> bool:
    """The same rule as :func:`kpis`, for one KPI already at hand."""
    if membership.organization_id != kpi.organization_id:
        return False
    if kpi.visibility == Visibility.PUBLIC or membership.is_admin:
        return True
    if kpi.owner_id == membership.pk:
        return True
    if kpi.team_id is not None and kpi.team_id in managed_team_ids(membership):
        return True
    return Kpi.objects.for_org(kpi.organization_id).filter(board_visibility.shared_kpis(membership), pk=kpi.pk).exists()


def kpi_comments(*, kpi: Kpi) -> QuerySet[KpiComment]:
    """A KPI's comments, oldest first (the caller may see the KPI)."""
    return (
        KpiComment.objects.for_org(kpi.organization_id)
        .filter(kpi=kpi)
        .select_related("author__user")
        .order_by("created_at", "id")
    )


def kpis_by_reference(*, membership: Membership, references: set[str]) -> dict[str, Kpi]:
    """Visible KPIs by id (as text) or key, for the bulk data endpoint: one query for a whole batch."""
    ids = {int(ref) for ref in references if ref.isascii() and ref.isdigit() and len(ref) <= 18}
    keys = {ref for ref in references if not ref.isdigit()}
    found = kpis(membership=membership).filter(Q(pk__in=ids) | Q(key__in=keys)).prefetch_related(*RULES)
    by_ref: dict[str, Kpi] = {}
    for kpi in found:
        by_ref[str(kpi.pk)] = kpi
        by_ref[kpi.key] = kpi
    return by_ref


def versions_by_start(kpi: Kpi) -> list[KpiVersion]:
    """The KPI's versions, oldest first: what :func:`version_among` chooses from."""
    return sorted(kpi.versions.all(), key=lambda v: v.effective_from)


def version_among(versions: list[KpiVersion], day: datetime.date) -> KpiVersion:
    """Of versions sorted oldest first, the one whose rules applied on ``day`` (the first one for days before
    any version). Callers judging many days sort once with :func:`versions_by_start`."""
    current = versions[0]
    for version in versions:
        if version.effective_from > day:
            break
        current = version
    return current


def version_on(kpi: Kpi, day: datetime.date) -> KpiVersion:
    """The version whose rules applied on ``day`` (the first one for days before any version)."""
    return version_among(versions_by_start(kpi), day)


def kpis_recordable(*, membership: Membership, by: Membership | None = None) -> list[Kpi]:
    """The KPIs ``membership`` sees that ``by`` (by default the same person) may record data for, in one
    query: :func:`tandem.kpis.access.require_can_record`'s rule (the owner, managers of its team or a team
    above, administrators), without archived KPIs and those computed by a formula."""
    by = by or membership
    if not by.can_write:
        return []
    found = kpis(membership=membership).exclude(state=KpiState.ARCHIVED).prefetch_related("versions")
    if not by.is_admin:
        found = found.filter(Q(owner=by) | Q(team_id__in=managed_team_ids(by)))
    return [kpi for kpi in found if not max(kpi.versions.all(), key=lambda v: v.number).formula]


class _WeekStart(TruncWeek):
    """The Monday of a date's ISO week. On SQLite by its own date functions: Django's truncation there is a
    Python function called for every row, which costs more than the rest of a sparkline's query."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.lhs)
        # To the week's Sunday (the same day for a Sunday), then back to its Monday.
        return f"date({sql}, 'weekday 0', '-6 days')", params


class _MonthStart(TruncMonth):
    """The first day of a date's month; on SQLite by its own date functions (see ``_WeekStart``)."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, 'start of month')", params


class _Part(Func):
    """A date's year (``%Y``) or month (``%m``) as an integer; on SQLite by ``strftime`` (see ``_WeekStart``)."""

    output_field = IntegerField()

    def __init__(self, expression: Any, part: str) -> None:
        super().__init__(expression)
        self.part = part

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> Any:
        extract = ExtractYear if self.part == "%Y" else ExtractMonth
        # Cast: PostgreSQL's EXTRACT gives numerics, whose division would not drop the remainder.
        return compiler.compile(Cast(extract(self.source_expressions[0]), IntegerField()))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        # "%%": the query's parameters are "%s" placeholders, so a literal percent sign is doubled.
        return f"CAST(strftime('%{self.part}', {sql}) AS INTEGER)", params


def _period_key(grain: str, fiscal_start_month: int) -> Any:
    """A SQL expression grouping a data point's date into its period, the same on SQLite and PostgreSQL."""
    if grain == Grain.DAY:
        return F("date")
    if grain == Grain.WEEK:
        return _WeekStart("date")
    if grain == Grain.MONTH:
        return _MonthStart("date")
    # Months counted from a fiscal epoch, then whole quarters or years of them (integer division).
    months = _Part("date", "%Y") * 12 + _Part("date", "%m") - fiscal_start_month
    length = 3 if grain == Grain.QUARTER else 12
    return ExpressionWrapper(months / length, output_field=IntegerField())


def _key_to_start(grain: str, key: object, fiscal_start_month: int) -> datetime.date:
    if grain in (Grain.QUARTER, Grain.YEAR):
        length = 3 if grain == Grain.QUARTER else 12
        index = int(key) * length + fiscal_start_month - 1  # type: ignore[call-overload]
        return datetime.date(index // 12, index % 12 + 1, 1)
    if isinstance(key, datetime.datetime):
        return key.date()
    if isinstance(key, str):
        return datetime.date.fromisoformat(key[:10])
    assert isinstance(key, datetime.date)
    return key


def values_by_kpi(
    *,
    organization_id: int,
    fiscal: int,
    aggregations: dict[int, str],
    grain: str,
    first: datetime.date,
    last: datetime.date,
) -> dict[int, dict[Period, Decimal]]:
    """Each period's value for several KPIs at once (``aggregations``: KPI id → sum/avg/last/min/max),
    aggregated in the database: one query for the "last" KPIs and one for all the others."""
    only = period_of(grain, first, fiscal_start_month=fiscal)
    # Within one period there is nothing to group dates by (and SQLite would truncate each row's date).
    single = only.contains(last)
    key = Value(0, output_field=IntegerField()) if single else _period_key(grain, fiscal)
    points = DataPoint.objects.for_org(organization_id).filter(date__gte=first, date__lte=last)
    values: dict[int, dict[Period, Decimal]] = {kpi_id: {} for kpi_id in aggregations}
    rows: list[tuple[int, object, object]] = []
    last_ids = [kpi_id for kpi_id, how in aggregations.items() if how == "last"]
    other_ids = [kpi_id for kpi_id, how in aggregations.items() if how != "last"]
    if last_ids:
        rows.extend(
            points.filter(kpi_id__in=last_ids)
            .annotate(
                period_key=key,
                rank=Window(RowNumber(), partition_by=[F("kpi_id"), key], order_by=[F("date").desc(), F("id").desc()]),
            )
            .filter(rank=1)
            .values_list("kpi_id", "period_key", "value")
        )
    if other_ids:
        for kpi_id, period_key, total, mean, low, high in (
            points.filter(kpi_id__in=other_ids)
            .annotate(period_key=key)
            .values("kpi_id", "period_key")
            .annotate(total=Sum("value"), mean=Avg("value"), low=Min("value"), high=Max("value"))
            .values_list("kpi_id", "period_key", "total", "mean", "low", "high")
        ):
            chosen = {"sum": total, "avg": mean, "min": low, "max": high}[aggregations[kpi_id]]
            rows.append((kpi_id, period_key, chosen))
    for kpi_id, period_key, value in rows:
        period = (
            only if single else period_of(grain, _key_to_start(grain, period_key, fiscal), fiscal_start_month=fiscal)
        )
        values[kpi_id][period] = Decimal(value).quantize(Decimal("0.000001"))  # type: ignore[arg-type]
    return values


def formula_values(
    *,
    kpi: Kpi,
    formula: str,
    grain: str,
    first: datetime.date,
    last: datetime.date,
    today: datetime.date,
    depth: int = 0,
) -> tuple[dict[Period, Decimal | None], dict[Period, str]]:
    """A formula KPI's value per period, from the period values of the KPIs it uses, and the reason
    for each period it cannot compute (division by zero, …)."""
    fiscal = kpi.organization.fiscal_year_start_month
    inputs = list(
        Kpi.objects.for_org(kpi.organization_id)
        .filter(key__in=formulas.referenced_keys(formula))
        .prefetch_related(*RULES)
    )
    plain = {k.pk: version_on(k, today).aggregation for k in inputs if not version_on(k, today).formula}
    by_id = values_by_kpi(
        organization_id=kpi.organization_id, fiscal=fiscal, aggregations=plain, grain=grain, first=first, last=last
    )
    by_key: dict[str, dict[Period, Decimal | None]] = {k.key: dict(by_id[k.pk]) for k in inputs if k.pk in plain}
    for nested in inputs:
        if nested.pk not in plain and depth < 5:
            by_key[nested.key] = formula_values(
                kpi=nested,
                formula=version_on(nested, today).formula,
                grain=grain,
                first=first,
                last=last,
                today=today,
                depth=depth + 1,
            )[0]
    values: dict[Period, Decimal | None] = {}
    problems: dict[Period, str] = {}
    for period in periods_between(grain, first, last, fiscal_start_month=fiscal):
        try:
            values[period] = formulas.evaluate(formula, {key: series.get(period) for key, series in by_key.items()})
        except formulas.FormulaError as exc:
            values[period], problems[period] = None, str(exc)
    return values, problems


def period_values(
    *, kpi: Kpi, grain: str, first: datetime.date, last: datetime.date, aggregation: str
) -> dict[Period, Decimal]:
    """Each period's value from one KPI's data points between two days, aggregated in the database."""
    return values_by_kpi(
        organization_id=kpi.organization_id,
        fiscal=kpi.organization.fiscal_year_start_month,
        aggregations={kpi.pk: aggregation},
        grain=grain,
        first=first,
        last=last,
    )[kpi.pk]


GRAIN_ORDER = [Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR]


def grains_for(frequency: str) -> list[str]:
    """The views a KPI allows: its own frequency and every coarser one."""
    return [str(g) for g in GRAIN_ORDER[GRAIN_ORDER.index(Grain(frequency)) :]]


def _change(now: Decimal | None, then: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    if now is None or then is None:
        return None, None
    delta = now - then
    percent = (delta / abs(then) * 100).quantize(Decimal("0.1")) if then else None
    return delta, percent


def run_rate(value: Decimal | None, period: Period, today: datetime.date, aggregation: str) -> Decimal | None:
    """What a summed KPI's period still in progress is on pace for: its total so far, stretched over the
    whole period. Judging a month's first days against the whole month's target would call every summed
    KPI red at each month's start. None when the period is complete, not summed, or has no value."""
    if value is None or aggregation != "sum" or not period.contains(today):
        return None
    elapsed = (today - period.start).days + 1
    return (value * period.days / elapsed).quantize(Decimal("0.000001"))


def judged(
    value: Decimal | None, period: Period, today: datetime.date, aggregation: str
) -> tuple[Decimal | None, Decimal | None]:
    """The run rate (None unless a summed period is running) and the value the period is judged and compared
    by: the run rate when there is one, else the value itself."""
    projected = run_rate(value, period, today, aggregation)
    return projected, projected if projected is not None else value


def target_on(version: KpiVersion, start: datetime.date) -> Decimal | None:
    """The version's target for the period starting on ``start``: its own for that period, else the default."""
    for override in version.period_targets.all():
        if override.period_start == start:
            return override.target
    return version.target


def _summed_target(version: KpiVersion, period: Period, fiscal: int) -> Decimal | None:
    """A summed KPI's target over a longer period: the targets of its own periods inside it, each counted for
    the share of its days that fall inside (months tile quarters exactly; weeks are spread by days)."""
    overrides = {o.period_start: o.target for o in version.period_targets.all()}
    total = Decimal(0)
    last_day = period.end - datetime.timedelta(days=1)
    for inner in periods_between(version.frequency, period.start, last_day, fiscal_start_month=fiscal):
        target = overrides.get(inner.start, version.target)
        if target is None:
            return None
        inside = (min(inner.end, period.end) - max(inner.start, period.start)).days
        total += target * inside / inner.days
    return total.quantize(Decimal("0.000001"))


def kpi_periods(*, kpi: Kpi, grain: str, count: int, today: datetime.date) -> list[dict[str, Any]]:
    """The last ``count`` periods of a KPI at ``grain``, newest last: value, target, status, and the
    change against the previous period and the same period a year before."""
    fiscal = kpi.organization.fiscal_year_start_month
    periods = last_n(grain, today, count, fiscal_start_month=fiscal)
    year_before = period_of(grain, periods[0].start - datetime.timedelta(days=366), fiscal_start_month=fiscal)
    latest = version_on(kpi, periods[-1].start)
    first, last = min(year_before.start, periods[0].previous().start), periods[-1].end - datetime.timedelta(days=1)
    problems: dict[Period, str] = {}
    values: dict[Period, Decimal | None]
    if latest.formula:
        values, problems = formula_values(
            kpi=kpi, formula=latest.formula, grain=grain, first=first, last=last, today=today
        )
    else:
        values = dict(period_values(kpi=kpi, grain=grain, first=first, last=last, aggregation=latest.aggregation))
    rows = []
    for period in periods:
        version = version_on(kpi, period.start)
        if version.aggregation == "sum" and grain != version.frequency:
            target = _summed_target(version, period, fiscal)
        else:
            target = target_on(version, period_of(version.frequency, period.start, fiscal_start_month=fiscal).start)
        rule = rule_of(version)
        value = values.get(period)
        previous = values.get(period.previous())
        last_year = values.get(period_of(grain, period.start - datetime.timedelta(days=364), fiscal_start_month=fiscal))
        # A period in progress compares what it is on pace for, not its first days, with whole periods.
        projected, judged_by = judged(value, period, today, version.aggregation)
        change, change_pct = _change(judged_by, previous)
        yoy, yoy_pct = _change(judged_by, last_year)
        rows.append(
            {
                "period": period.label,
                "start": period.start,
                "end": period.end,
                "value": value,
                "target": target,
                "in_progress": period.contains(today),
                "projected": projected,
                "status": status(judged_by, target, rule),
                "version": version.number,
                "change": change,
                "change_percent": change_pct,
                "change_year": yoy,
                "change_year_percent": yoy_pct,
                "problem": problems.get(period),
            }
        )
    return rows


def data_points(*, membership: Membership, kpi_id: int, since: datetime.date | None = None) -> QuerySet[DataPoint]:
    """A visible KPI's data points, newest first."""
    return points_of(kpi=kpi_get(membership=membership, kpi_id=kpi_id), since=since)


def points_of(*, kpi: Kpi, since: datetime.date | None = None) -> QuerySet[DataPoint]:
    """The data points of a KPI the caller has already been allowed to see, newest first."""
    points = DataPoint.objects.for_org(kpi.organization_id).filter(kpi=kpi).select_related("created_by__user")
    if since:
        points = points.filter(date__gte=since)
    return points.order_by("-date", "-id")


def last_received(*, kpi: Kpi) -> DataPoint | None:
    """The point that arrived last, to say when data last came in and from where."""
    return DataPoint.objects.for_org(kpi.organization_id).filter(kpi=kpi).order_by("-created_at", "-id").first()


def change_requests(
    *, membership: Membership, kpi_id: int | None = None, state: str | None = None, waiting_for_me: bool = False
) -> QuerySet[ChangeRequest]:
    """Change requests on KPIs the person may see; ``waiting_for_me`` keeps the pending ones they decide."""
    qs = (
        ChangeRequest.objects.for_org(membership.organization)
        .filter(kpi__in=kpis(membership=membership))
        .select_related("kpi", "requested_by__user", "decided_by__user")
    )
    if kpi_id:
        qs = qs.filter(kpi_id=kpi_id)
    if state:
        qs = qs.filter(state=state)
    if waiting_for_me:
        qs = qs.filter(state="pending").exclude(requested_by=membership)
        if not membership.is_admin:
            qs = qs.filter(kpi__team_id__in=managed_team_ids(membership))
    return qs.order_by("-created_at", "-id")


def change_request_get(*, membership: Membership, request_id: int) -> ChangeRequest:
    found = (
        change_requests(membership=membership)
        .prefetch_related("kpi__versions__period_targets")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def kpi_now(*, kpi: Kpi, today: datetime.date) -> dict[str, Any]:
    """The KPI's current period at its own frequency: value, target, status and its red line."""
    version = version_on(kpi, today)
    row = kpi_periods(kpi=kpi, grain=version.frequency, count=1, today=today)[0]
    rule = rule_of(version)
    found = lines(rule, row["target"])
    return row | {"red_line": found[1] if found else None, "direction": version.direction}


def _number(value: Decimal) -> str:
    """A value as people read it in the active language: no trailing zeros, local separators."""
    return number_format(Decimal(f"{value.normalize():f}"), force_grouping=True)


def watermelon(*, membership: Membership, kpi: Kpi, today: datetime.date) -> dict[str, Any]:
    """This KPI's health against its guardrails. It is a watermelon — green outside, red inside — when it
    is green in the current period while at least one guardrail is red; the message says which and how far."""
    own = kpi_now(kpi=kpi, today=today)
    guards = []
    for guard in (
        kpis(membership=membership).filter(pk__in=[g.pk for g in kpi.guardrails.all()]).prefetch_related(*RULES)
    ):
        guards.append({"kpi": guard, **kpi_now(kpi=guard, today=today)})
    red = [g for g in guards if g["status"] == "red"]
    message = None
    if own["status"] == "green" and red:
        parts = []
        for g in red:
            value, line = g["value"], g["red_line"]
            beyond = ""
            if isinstance(value, Decimal) and isinstance(line, Decimal) and line:
                beyond = _(" (%(pct)s%% beyond its red line of %(line)s)") % {
                    "pct": (abs(value - line) / abs(line) * 100).quantize(Decimal("1")),
                    "line": _number(line),
                }
            parts.append(
                _("%(name)s is red at %(value)s%(beyond)s")
                % {
                    "name": g["kpi"].name,
                    "value": _number(value) if isinstance(value, Decimal) else value,
                    "beyond": beyond,
                }
            )
        message = _("%(kpi)s is on target, but %(guards)s.") % {"kpi": kpi.name, "guards": "; ".join(parts)}
    return {"kpi": own, "guardrails": guards, "watermelon": message}


SPARK_PERIODS = 12


def kpi_rows(
    *, membership: Membership, kpis_page: list[Kpi], today: datetime.date, watermelons: bool = True
) -> list[dict[str, Any]]:
    """For a page of KPIs the person may see: the current period's value, target and status, the last twelve
    values for a sparkline, and the names of red guardrails when the KPI is green (a watermelon) — a
    guardrail the person may not see is "a private KPI", never its name. Its guardrails are computed with
    the page, so the number of queries does not depend on the number of KPIs. Without ``watermelons`` (a
    caller that judged the guardrails already) they are not read at all."""
    if not kpis_page:
        return []
    if not watermelons:
        return [row | {"watermelon": []} for row in _status_rows(kpis_page=kpis_page, today=today)]
    guard_links = list(
        Kpi.guardrails.through.objects.filter(from_kpi_id__in=[k.pk for k in kpis_page]).values_list(
            "from_kpi_id", "to_kpi_id"
        )
    )
    on_page = {k.pk for k in kpis_page}
    extra_ids = {to_id for _from, to_id in guard_links if to_id not in on_page}
    extra = (
        list(Kpi.objects.for_org(kpis_page[0].organization_id).filter(pk__in=extra_ids).prefetch_related(*RULES))
        if extra_ids
        else []
    )
    rows = {row["kpi"].pk: row for row in _status_rows(kpis_page=[*kpis_page, *extra], today=today)}
    nameable = on_page | (
        set(kpis(membership=membership).filter(pk__in=extra_ids).values_list("pk", flat=True)) if extra_ids else set()
    )
    for row in rows.values():
        row["watermelon"] = []
    for from_id, to_id in guard_links:
        if from_id in rows and to_id in rows and rows[from_id]["status"] == "green" and rows[to_id]["status"] == "red":
            rows[from_id]["watermelon"].append(rows[to_id]["kpi"].name if to_id in nameable else _("a private KPI"))
    for row in rows.values():
        row["watermelon"].sort()
    return [rows[kpi.pk] for kpi in kpis_page]


STATUS_ORDER = {"red": 0, "amber": 1, "green": 2, "no_data": 3}


def rule_of(version: KpiVersion) -> Rule:
    """The parts of a version that decide a status."""
    return Rule(
        version.direction,
        version.threshold_mode,
        version.amber_threshold,
        version.red_threshold,
        version.band_low,
        version.band_high,
    )


def current_statuses(*, organization: Organization, kpis: QuerySet[Kpi], today: datetime.date) -> dict[int, str]:
    """Every listed KPI's status in its current period, in the list's order, to filter or sort a whole list
    by it. The versions and targets in force come as plain rows and the values in one or two aggregate
    queries per frequency, so thousands of KPIs cost a few queries and no model machinery per KPI."""
    order = list(kpis.values_list("pk", flat=True))
    if not order:
        return {}
    fiscal = organization.fiscal_year_start_month
    in_force: dict[int, KpiVersion] = {}
    for version in (
        KpiVersion.objects.for_org(organization)
        .filter(kpi_id__in=kpis.values("pk"))
        .order_by("kpi_id", "effective_from")
    ):
        if version.kpi_id not in in_force or version.effective_from <= today:
            in_force[version.kpi_id] = version
    statuses: dict[int, str] = {}
    computed = [kpi_id for kpi_id, version in in_force.items() if version.formula]
    if computed:
        found = list(Kpi.objects.for_org(organization).filter(pk__in=computed).prefetch_related(*RULES))
        statuses |= {row["kpi"].pk: row["status"] for row in _status_rows(kpis_page=found, today=today, spark=1)}
    current = {
        frequency: period_of(frequency, today, fiscal_start_month=fiscal)
        for frequency in {v.frequency for v in in_force.values()}
    }
    overrides = {
        (version_id, start): target
        for version_id, start, target in PeriodTarget.objects.for_org(organization)
        .filter(version_id__in=[v.pk for v in in_force.values()], period_start__in=[p.start for p in current.values()])
        .values_list("version_id", "period_start", "target")
    }
    for frequency, period in current.items():
        group = {k: v for k, v in in_force.items() if v.frequency == frequency and not v.formula}
        values = values_by_kpi(
            organization_id=organization.pk,
            fiscal=fiscal,
            aggregations={kpi_id: v.aggregation for kpi_id, v in group.items()},
            grain=frequency,
            first=period.start,
            last=period.end - datetime.timedelta(days=1),
        )
        for kpi_id, version in group.items():
            value = values[kpi_id].get(period)
            target = overrides.get((version.pk, period.start), version.target)
            statuses[kpi_id] = status(judged(value, period, today, version.aggregation)[1], target, rule_of(version))
    return {pk: statuses[pk] for pk in order if pk in statuses}


RISK_ORDER = Case(
    When(risk_level="high", then=Value(0)),
    When(risk_level="medium", then=Value(1)),
    When(risk_level="low", then=Value(2)),
    default=Value(3),
)
SORTS: dict[str, list[Any]] = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "owner": ["owner__user__full_name", "name", "id"],
    "team": [F("team__name").asc(nulls_last=True), "name", "id"],
    "risk": [RISK_ORDER, "name", "id"],
    "status": ["name", "id"],  # then by status, red first, once the statuses are known
}


def kpi_page(
    *,
    organization: Organization,
    kpis: QuerySet[Kpi],
    status: str | None,
    sort: str,
    page: str | None,
    per_page: int,
    today: datetime.date,
) -> tuple[Page[Any], list[Kpi]]:
    """One page of a KPI list in the order asked for, kept to the KPIs with ``status`` in their current
    period when given. Name, owner, team and risk are sorted by the database; a status filter or sort first
    reads every listed KPI's current status, as kept on the KPIs (``current_status.statuses_kept``), so the
    list agrees with the home page's counts."""
    # Imported here: the module judges statuses through this one.
    from tandem.kpis.current_status import statuses_kept

    ordered = kpis.order_by(*SORTS.get(sort, SORTS["name"]))
    if sort != "status" and status is None:
        by_name = Paginator(ordered, per_page).get_page(page)
        return by_name, list(by_name.object_list.prefetch_related(*RULES))  # type: ignore[attr-defined]
    statuses = statuses_kept(organization=organization, kpis=ordered, today=today)
    ids = [pk for pk, current in statuses.items() if status is None or current == status]
    if sort == "status":
        ids.sort(key=lambda pk: STATUS_ORDER[statuses[pk]])
    by_status = Paginator(ids, per_page).get_page(page)
    found = {k.pk: k for k in kpis.filter(pk__in=list(by_status.object_list)).prefetch_related(*RULES)}
    return by_status, [found[pk] for pk in by_status.object_list]


def _status_rows(*, kpis_page: list[Kpi], today: datetime.date, spark: int = SPARK_PERIODS) -> list[dict[str, Any]]:
    """Current value, target, status and the last ``spark`` values for KPIs with their versions prefetched."""
    organization = kpis_page[0].organization
    fiscal = organization.fiscal_year_start_month
    current = {kpi.pk: version_on(kpi, today) for kpi in kpis_page}
    formula_keys = {key for v in current.values() if v.formula for key in formulas.referenced_keys(v.formula)}
    inputs = (
        {k.key: k for k in Kpi.objects.for_org(organization).filter(key__in=formula_keys).prefetch_related(*RULES)}
        if formula_keys
        else {}
    )
    by_frequency: dict[str, list[Kpi]] = {}
    for kpi in kpis_page:
        by_frequency.setdefault(current[kpi.pk].frequency, []).append(kpi)
    rows: dict[int, dict[str, Any]] = {}
    for frequency, group in by_frequency.items():
        periods = last_n(frequency, today, spark, fiscal_start_month=fiscal)
        first, last = periods[0].start, periods[-1].end - datetime.timedelta(days=1)
        aggregations = {kpi.pk: current[kpi.pk].aggregation for kpi in group if not current[kpi.pk].formula}
        for kpi in group:
            for key in formulas.referenced_keys(current[kpi.pk].formula) if current[kpi.pk].formula else ():
                source = inputs.get(key)
                if source is not None and not version_on(source, today).formula:
                    aggregations[source.pk] = version_on(source, today).aggregation
        values: dict[int, dict[Period, Any]] = dict(
            values_by_kpi(
                organization_id=organization.pk,
                fiscal=fiscal,
                aggregations=aggregations,
                grain=frequency,
                first=first,
                last=last,
            )
        )
        for kpi in group:
            formula = current[kpi.pk].formula
            if not formula:
                continue
            series: dict[str, dict[Period, Any]] = {}
            for key in formulas.referenced_keys(formula):
                source = inputs.get(key)
                if source is None:
                    series[key] = {}
                elif version_on(source, today).formula:  # a formula of formulas: rare, computed on its own
                    series[key] = formula_values(
                        kpi=source,
                        formula=version_on(source, today).formula,
                        grain=frequency,
                        first=first,
                        last=last,
                        today=today,
                    )[0]
                else:
                    series[key] = values[source.pk]
            computed: dict[Period, Any] = {}
            for period in periods:
                try:
                    computed[period] = formulas.evaluate(formula, {k: s.get(period) for k, s in series.items()})
                except formulas.FormulaError:
                    computed[period] = None
            values[kpi.pk] = computed
        for kpi in group:
            version = version_on(kpi, periods[-1].start)
            rule = rule_of(version)
            value = values[kpi.pk].get(periods[-1])
            target = target_on(version, periods[-1].start)
            projected, judged_by = judged(value, periods[-1], today, version.aggregation)
            rows[kpi.pk] = {
                "kpi": kpi,
                "period": periods[-1].label,
                "value": value,
                "target": target,
                "projected": projected,
                "status": status(judged_by, target, rule),
                # A running period drawn as what it is on pace for: its first days would look like a collapse.
                "spark": [values[kpi.pk].get(p) for p in periods[:-1]] + [judged_by],
                "spark_labels": [p.label for p in periods],
            }
    return [rows[kpi.pk] for kpi in kpis_page]
