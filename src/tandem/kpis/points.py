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
from tandem.integrations.webhooks import webhook_emit
from tandem.kpis import access, ingest, selectors
from tandem.kpis.models import Kpi, KpiState, KpiVersion
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
    *,
    by: Membership,
    points: Iterable[dict[str, Any]],
    source: str,
    start_index: int = 0,
    known: dict[str, Kpi] | None = None,
) -> tuple[list[ingest.Row], dict[str, Kpi], list[PointError]]:
    """Validate a batch of data points without writing anything: the rows ready for
    :func:`data_points_write`, the KPIs they reference (by the reference they were sent with) and every bad
    point. The API, file imports and connectors all go through here, so a point is judged the same way
    wherever it comes from.

    Each point: ``kpi`` (id or key), ``date`` (a ``date`` or "YYYY-MM-DD"), ``value``, optional
    ``source_key`` and ``note``. Points without a source key get a random one, so they never collide.

    ``known`` carries the KPIs found by earlier batches of the same import or run (by reference), so each
    KPI is read once per run rather than once per batch; it is filled in as KPIs are found.
    """
    points = list(points)
    references = [str(point.get("kpi", "")) for point in points]
    found = {} if known is None else known
    if missing := set(references) - found.keys():
        found.update(selectors.kpis_by_reference(membership=by, references=missing))
    fiscal = by.organization.fiscal_year_start_month
    organization_id, author_id = by.organization_id, by.pk
    errors: list[PointError] = []
    # Per reference, once: the KPI's id, or why it takes no data; per KPI and day, the period's start.
    usable: dict[str, int | str] = {}
    periods: dict[tuple[int, datetime.date], datetime.date] = {}
    # Each KPI's versions sorted once; many KPIs share a frequency, so a period's start is worked out once
    # per frequency and day.
    by_start: dict[int, list[KpiVersion]] = {}
    starts: dict[tuple[str, datetime.date], datetime.date] = {}
    rows: list[ingest.Row] = []
    seen: set[tuple[int, datetime.date, str]] = set()
    now = timezone.now()
    source = source[:80]
    lowest, highest = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
    limit = Decimal("1e14")
    Row = ingest.Row  # noqa: N806 - hot loop: one name lookup instead of two per point
    for index, (point, reference) in enumerate(zip(points, references, strict=True), start=start_index):
        kpi_id = usable.get(reference)
        if kpi_id is None:
            kpi = found.get(reference)
            if kpi is None:
                kpi_id = usable[reference] = _("No such KPI (by id or key) that you can see.")
            else:
                kpi_id = usable[reference] = _refusal(by, kpi) or kpi.pk
        if isinstance(kpi_id, str):
            errors.append(PointError(index, "kpi", kpi_id))
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
        raw = point.get("value")
        # Databases hand over Decimals already: only the range check is left to do.
        value = (raw if raw.is_finite() and abs(raw) < limit else None) if type(raw) is Decimal else amount_of(raw)
        if value is None:
            errors.append(
                PointError(index, "value", _("Use a number such as 12.5 (at most 14 digits before the point)."))
            )
            continue
        key = str(point.get("source_key") or "")[:200] or f"auto:{uuid.uuid4().hex}"
        start = periods.get((kpi_id, day))
        if start is None:
            versions = by_start.get(kpi_id)
            if versions is None:
                versions = by_start[kpi_id] = selectors.versions_by_start(found[reference])
            frequency = selectors.version_among(versions, day).frequency
            start = starts.get((frequency, day))
            if start is None:
                start = starts[frequency, day] = period_of(frequency, day, fiscal_start_month=fiscal).start
            periods[kpi_id, day] = start
        identity = (kpi_id, start, key)
        if identity in seen:
            errors.append(
                PointError(index, "source_key", _("The same KPI, period and source key appear twice in this batch."))
            )
            continue
        seen.add(identity)
        note = point.get("note")
        rows.append(
            Row(
                organization_id,
                kpi_id,
                day,
                start,
                value.quantize(SIX),
                source,
                key,
                str(note)[:500] if note else "",
                author_id,
                now,
            )
        )
    return rows, found, errors


def data_points_write(
    *, by: Membership, rows: list[ingest.Row], kpis: Iterable[Kpi], source: str, label: str = "", follow: bool = True
) -> int:
    """Write rows that :func:`data_points_check` passed, in one transaction: the points (resent ones
    updated), what follows from new data (key results that track KPIs, KPI alerts), each KPI's "last data
    received", and one audit event per KPI naming the source (``label`` when the source needs words, such
    as the file name of an import). Returns how many points were written.

    ``follow=False`` leaves what follows from new data to one :func:`data_points_follow` call after the last
    of many batches (a connector's run): key results and alerts then look once at the final numbers instead
    of once per batch."""
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
        if follow:
            data_points_follow(organization_id=by.organization_id, kpi_ids=sorted(per_kpi))
        audit.record_many(
            organization=by.organization,
            actor=by,
            entries=[
                (kpis_by_pk[kpi_pk], "data_received", {"points": [None, count], "source": [None, label or source]})
                for kpi_pk, count in per_kpi.items()
            ],
        )
        webhook_emit(
            organization_id=by.organization_id,
            event="data_points.received",
            data={
                "kpis": [{"id": pk, "key": kpis_by_pk[pk].key, "count": n} for pk, n in per_kpi.items()],
                "count": len(rows),
                "source": source,
            },
        )
    return len(rows)


def data_points_follow(*, organization_id: int, kpi_ids: list[int]) -> None:
    """What follows from new data for these KPIs (key results that track them, KPI alerts), inside the
    caller's transaction."""
    for hook in DATA_RECEIVED:
        hook(organization_id=organization_id, kpi_ids=kpi_ids)


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
