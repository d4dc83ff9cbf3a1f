"""Where a connector's data points come from: a SQL query (:mod:`source_sql`) or an HTTP/JSON endpoint
(:mod:`source_http`), behind one small interface.

:func:`config_clean` checks what a person typed before anything is saved; :func:`describe` says what may be
shown back of the credentials; :func:`source_open` reads the source as batches of point-shaped dicts
(``kpi``, ``date``, ``value``, ``source_key``, ``note``) that :func:`tandem.kpis.points.data_points_check`
judges like any other data. A source that cannot be read raises :class:`SourceError` naming the setting at
fault and saying why, in words that never contain a password.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationError
from tandem.integrations.models import ConnectorKind

FIRST_SINCE = datetime.date(1900, 1, 1)
# Column names a row may use, the first found wins: ``kpi_key`` or ``kpi`` names the KPI.
KPI_COLUMNS = ("kpi_key", "kpi")
OPTIONAL = ("source_key", "note")


class SourceError(Exception):
    """A source that cannot be read: the setting at fault (``url``, ``query``, ``expression``…) and why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


class Reader(Protocol):
    """An open source: its column names, then its rows as point-shaped dicts, a batch at a time."""

    columns: list[str]

    def batches(self, size: int) -> Iterator[list[dict[str, Any]]]: ...


def config_clean(
    *, kind: str, config: dict[str, Any], secrets: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validated, normalised ``(config, secrets)`` of a connector of ``kind``, or a ValidationError listing
    every setting at fault (``url``, ``query``, ``headers``, ``method``, ``body``, ``expression``, ``next``,
    ``max_pages``, ``timeout``) with what to do about it. Connects to nothing."""
    from tandem.integrations import source_http, source_sql

    errors: list[dict[str, str]] = []
    if kind == ConnectorKind.SQL:
        cleaned = source_sql.config_clean(config=config or {}, secrets=secrets or {}, errors=errors)
    elif kind == ConnectorKind.HTTP:
        cleaned = source_http.config_clean(config=config or {}, secrets=secrets or {}, errors=errors)
    else:
        kinds = ", ".join(ConnectorKind.values)
        raise ValidationError("kind", _("Choose one of: %(kinds)s.") % {"kinds": kinds})
    if errors:
        raise ValidationError(errors=errors)
    return cleaned


def describe(*, kind: str, secrets: dict[str, Any]) -> dict[str, str]:
    """What may be shown back of the credentials: the URL with its password masked, each header with its
    value masked, e.g. ``{"url": "postgresql+psycopg://erp:••••@db:5432/erp", "headers": "Authorization:
    Bea••••23"}``."""
    from tandem.integrations import source_http, source_sql

    if kind == ConnectorKind.SQL:
        return source_sql.describe(secrets=secrets or {})
    if kind == ConnectorKind.HTTP:
        return source_http.describe(secrets=secrets or {})
    return {}


def source_open(
    *,
    kind: str,
    config: dict[str, Any],
    secrets: dict[str, Any],
    since: datetime.date | None,
    default_kpi: int | None,
) -> AbstractContextManager[Reader]:
    """The source opened for reading (a context manager that closes its connection): rows dated from
    ``since`` on when the source uses it (``:since`` in a query, ``{since}`` in a URL or body)."""
    from tandem.integrations import source_http, source_sql

    since = since or FIRST_SINCE
    if kind == ConnectorKind.SQL:
        return source_sql.open_reader(config=config, secrets=secrets, since=since, default_kpi=default_kpi)
    if kind == ConnectorKind.HTTP:
        return source_http.open_reader(config=config, secrets=secrets, since=since, default_kpi=default_kpi)
    raise SourceError("kind", _("This connector has no kind of source Tandem knows."))


def timeout_clean(config: dict[str, Any], errors: list[dict[str, str]]) -> int:
    """The seconds a query or request may take: 1 to ``CONNECTOR_TIMEOUT``, which is also the default."""
    limit = int(settings.CONNECTOR_TIMEOUT)
    raw = config.get("timeout")
    if raw in (None, ""):
        return limit
    try:
        seconds = int(str(raw).strip())
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= limit:
        errors.append({"field": "timeout", "message": _("Give whole seconds from 1 to %(max)s.") % {"max": limit}})
        return limit
    return seconds


def as_date(raw: object) -> object:
    """A date column as a ``date`` when it is one in any usual shape (a date, a datetime, "2026-03-01",
    "2026-03-01 00:00:00", "2026-03-01T08:00:00Z"); anything else unchanged, for the check to refuse."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.datetime.fromisoformat(text).date()
        except ValueError:
            return raw
    return raw


class Mapper:
    """Turns a source's rows into point-shaped dicts: by column name (``date``, ``value``, ``kpi_key`` or
    ``kpi``, ``source_key``, ``note``, any case), or by position as (date, value) or (kpi_key, date, value).
    A row without a source key is keyed by its date, so a re-run updates the day's point instead of adding
    one."""

    def __init__(self, columns: Sequence[str], *, default_kpi: int | None, field: str) -> None:
        lowered = [str(column).strip().lower() for column in columns]
        self.default_kpi = default_kpi
        self.kpi: int | None = None
        self.source_key: int | None = None
        self.note: int | None = None
        if "date" in lowered and "value" in lowered:
            self.date = lowered.index("date")
            self.value = lowered.index("value")
            self.kpi = next((lowered.index(name) for name in KPI_COLUMNS if name in lowered), None)
            self.source_key = lowered.index("source_key") if "source_key" in lowered else None
            self.note = lowered.index("note") if "note" in lowered else None
        elif len(lowered) == 2:
            self.date, self.value = 0, 1
        elif len(lowered) == 3:
            self.kpi, self.date, self.value = 0, 1, 2
        else:
            raise SourceError(
                field,
                _(
                    "The rows have the columns %(columns)s: name them date and value (and optionally kpi_key, "
                    "source_key, note), or return exactly (date, value) or (kpi_key, date, value)."
                )
                % {"columns": ", ".join(map(str, columns)) or "—"},
            )
        if self.kpi is None and default_kpi is None:
            raise SourceError(
                field,
                _("The rows do not name their KPI: choose the connector's KPI, or return a kpi_key column."),
            )

    def point(self, row: Sequence[Any]) -> dict[str, Any]:
        day = as_date(row[self.date])
        kpi = row[self.kpi] if self.kpi is not None else self.default_kpi
        key = row[self.source_key] if self.source_key is not None else None
        if key is None or key == "":
            key = day.isoformat() if isinstance(day, datetime.date) else ""
            explicit = False
        else:
            explicit = True
        return {
            "kpi": kpi,
            "date": day,
            "value": row[self.value],
            "source_key": str(key),
            "note": row[self.note] if self.note is not None else "",
            "explicit_key": explicit,
        }
