"""Data points in: every way a measured value reaches a KPI (the bulk API, the KPI page's form, file
imports, connectors) is checked by :func:`data_points_check` and written by :func:`data_points_write`, so a
point is judged the same way wherever it comes from."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import DomainError, ValidationError, amount_of
from tandem.core.periods import period_of
from tandem.kpis import access, ingest, selectors
from tandem.kpis.models import Kpi, KpiState
from tandem.orgs import access as orgs_access
from tandem.orgs.models import Membership

MAX_POINTS = 10_000
SIX = Decimal("0.000001")
# Called with (organization_id=, kpi_ids=) inside the transaction that recorded new data: the OKR app
# registers the key results that follow KPIs. Explicit, so a reader of data_points_record sees it.
DATA_RECEIVED: list[Callable[..., object]] = []


def _refusal(by: Membership, kpi: Kpi) -> str | None:
    """Why ``by`` cannot record data for this KPI, or None when they can."""
    if kpi.state == KpiState.ARCHIVED:
        return _("%(kpi)s is archived and takes no more data.") % {"kpi": kpi.key}
    if max(kpi.versions.all(), key=lambda v: v.number).formula:
        return _("%(kpi)s is computed by its formula and takes no data.") % {"kpi": kpi.key}
    try:
        access.require_can_record(by, kpi)
    except DomainError:
        return _("You cannot record data for %(kpi)s.") % {"kpi": kpi.key}
    return None


@dataclass(frozen=True, slots=True)
class PointError:
    """Why one point of a batch cannot be written: its index in the batch, the field and the reason."""

    index: int
    field: str
    message: str


def data_points_check(
    *, by: Membership, points: Iterable[dict[str, Any]], source: str, start_index: int = 0
) -> tuple[list[ingest.Row], dict[str, Kpi], list[PointError]]:
    """Validate a batch of data points without writing anything: the rows ready for
    :func:`data_points_write`, the KPIs they reference (by the reference they were sent with) and every bad
    point. The API, file imports and connectors all go through here, so a point is judged the same way
    wherever it comes from.

    Each point: ``kpi`` (id or key), ``date`` (a ``date`` or "YYYY-MM-DD"), ``value``, optional
    ``source_key`` and ``note``. Points without a source key get a random one, so they never collide.
    """
    points = list(points)
    refs = {str(point.get("kpi", "")) for point in points}
    found = selectors.kpis_by_reference(membership=by, references=refs)
    fiscal = by.organization.fiscal_year_start_month
    errors: list[PointError] = []
    # Per KPI, once: why it takes no data (or None), and its versions for the periods of the points' days.
    refusals: dict[int, str | None] = {}
    periods: dict[tuple[int, datetime.date], datetime.date] = {}
    rows: list[ingest.Row] = []
    seen: set[tuple[int, datetime.date, str]] = set()
    now = timezone.now()
    source = source[:80]
    lowest, highest = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
    for index, point in enumerate(points, start=start_index):
        kpi = found.get(str(point.get("kpi", "")))
        if kpi is None:
            errors.append(PointError(index, "kpi", _("No such KPI (by id or key) that you can see.")))
            continue
        if kpi.pk not in refusals:
            refusals[kpi.pk] = _refusal(by, kpi)
        if refusals[kpi.pk]:
            errors.append(PointError(index, "kpi", refusals[kpi.pk] or ""))
            continue
        day = point.get("date")
        if isinstance(day, datetime.datetime):
            day = day.date()
        elif isinstance(day, str):
            try:
                day = datetime.date.fromisoformat(day)
            except ValueError:
                day = None
        if not isinstance(day, datetime.date) or not lowest <= day <= highest:
            errors.append(PointError(index, "date", _("Use a date as YYYY-MM-DD.")))
            continue
        value = amount_of(point.get("value"))
        if value is None:
            errors.append(
                PointError(index, "value", _("Use a number such as 12.5 (at most 14 digits before the point)."))
            )
            continue
        key = str(point.get("source_key") or "")[:200] or f"auto:{uuid.uuid4().hex}"
        start = periods.get((kpi.pk, day))
        if start is None:
            frequency = selectors.version_on(kpi, day).frequency
            start = periods[kpi.pk, day] = period_of(frequency, day, fiscal_start_month=fiscal).start
        identity = (kpi.pk, start, key)
        if identity in seen:
            errors.append(
                PointError(index, "source_key", _("The same KPI, period and source key appear twice in this batch."))
            )
            continue
        seen.add(identity)
        rows.append(
            ingest.Row(
                by.organization_id,
                kpi.pk,
                day,
                start,
                value.quantize(SIX),
                source,
                key,
                str(point.get("note") or "")[:500],
                by.pk,
                now,
            )
        )
    return rows, found, errors


def data_points_write(
    *, by: Membership, rows: list[ingest.Row], kpis: Iterable[Kpi], source: str, label: str = ""
) -> int:
    """Write rows that :func:`data_points_check` passed, in one transaction: the points (resent ones
    updated), what follows from new data (key results that track KPIs, KPI alerts), each KPI's "last data
    received", and one audit event per KPI naming the source (``label`` when the source needs words, such
    as the file name of an import). Returns how many points were written."""
    if not rows:
        return 0
    per_kpi: dict[int, int] = {}
    for row in rows:
        per_kpi[row.kpi_id] = per_kpi.get(row.kpi_id, 0) + 1
    kpis_by_pk = {kpi.pk: kpi for kpi in kpis}
    source = source[:80]
    with transaction.atomic():
        ingest.upsert(rows)
        Kpi.objects.for_org(by.organization_id).filter(pk__in=per_kpi).update(
            last_received_at=rows[0].created_at, last_received_source=source
        )
        for follow in DATA_RECEIVED:
            follow(organization_id=by.organization_id, kpi_ids=sorted(per_kpi))
        audit.record_many(
            organization=by.organization,
            actor=by,
            entries=[
                (kpis_by_pk[kpi_pk], "data_received", {"points": [None, count], "source": [None, label or source]})
                for kpi_pk, count in per_kpi.items()
            ],
        )
    return len(rows)


def data_points_record(*, by: Membership, points: list[dict[str, Any]], source: str = "api") -> dict[str, int]:
    """Record a batch of data points, all or nothing.

    Points that carry a source key are idempotent: sending the same (KPI, period, source, key) again
    updates that point instead of adding one. Every bad point is reported (index, field, reason) and then
    nothing is written.
    """
    orgs_access.require_writer(by)
    if len(points) > MAX_POINTS:
        raise ValidationError("points", _("Send at most %(n)s points per request.") % {"n": MAX_POINTS})
    if not points:
        raise ValidationError("points", _("Send at least one point."))
    rows, found, errors = data_points_check(by=by, points=points, source=source)
    if errors:
        raise ValidationError(errors=[{"field": f"points.{e.index}.{e.field}", "message": e.message} for e in errors])
    return {"received": data_points_write(by=by, rows=rows, kpis=found.values(), source=source)}
