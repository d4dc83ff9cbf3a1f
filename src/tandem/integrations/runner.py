"""Running a connector: read its source in batches, judge each batch like any other data
(:func:`tandem.kpis.points.data_points_check`), write the good rows batch by batch, and leave a
:class:`SyncRun` that says what happened.

A run writes each batch in its own transaction, and every point is keyed by (KPI, day) or by the row's own
``source_key``, so a run killed half-way loses nothing the next run does not write again, and duplicates
nothing. Only one run of a connector goes at a time: the claim is a row in the database, so it holds across
worker processes and machines, and a run whose worker died is found and marked interrupted.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django import db
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationError
from tandem.integrations import crypto, schedule, sources
from tandem.integrations.models import Connector, ConnectorHealth, RunStatus, SyncRun
from tandem.kpis.points import data_points_check, data_points_follow, data_points_write
from tandem.notifications.services import notify

log = logging.getLogger(__name__)

BATCH = 10_000
MAX_ROW_ERRORS = 100
# A run that has shown no progress for twice its timeout and this long is taken for dead.
STALE_MARGIN = datetime.timedelta(seconds=60)
RETRY_CAP = datetime.timedelta(hours=1)


@dataclass
class Preview:
    """A dry run's outcome: the source's columns, the first rows as points, and their errors
    (``{"row", "field", "message"}``, rows counted from 1)."""

    columns: list[str]
    points: list[dict[str, Any]]
    errors: list[dict[str, Any]]


@dataclass
class _Tally:
    read: int = 0
    written: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    latest: datetime.date | None = None
    seen: set[int] = field(default_factory=set)
    kpis: set[int] = field(default_factory=set)
    # The KPIs the rows named so far, by reference: read once per run, not once per batch.
    known: dict[str, Any] = field(default_factory=dict)


def _secret_words(connector: Connector, secrets: dict[str, Any]) -> list[str]:
    from tandem.integrations import source_http, source_sql

    if connector.kind == "sql":
        return source_sql.secret_words(str(secrets.get("url") or ""))
    return source_http.secret_words(secrets)


def _scrub(message: str, words: list[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        message = message.replace(word, "••••")
    return message


def _judge(
    *, connector: Connector, batch: list[dict[str, Any]], start: int, tally: _Tally
) -> tuple[list[Any], dict[str, Any], list[dict[str, Any]]]:
    """The batch checked: rows ready to write, their KPIs, and the bad rows (numbered from ``start``).
    Two rows for the same KPI and key in one run are refused here, across batches, because the second
    would silently overwrite the first."""
    kept: list[dict[str, Any]] = []
    positions: list[int] = []
    bad: list[dict[str, Any]] = []
    seen = tally.seen
    for number, point in enumerate(batch, start=start):
        if point["source_key"]:
            identity = hash((str(point["kpi"]), point["source_key"]))
            if identity in seen:
                bad.append(
                    {
                        "row": number,
                        "field": "source_key" if point["explicit_key"] else "date",
                        "message": (
                            _("Two rows with the same KPI and source_key %(key)s.") % {"key": point["source_key"]}
                            if point["explicit_key"]
                            else _(
                                "Two rows for the same KPI and date: return one row per day (GROUP BY) "
                                "or a source_key column."
                            )
                        ),
                    }
                )
                continue
            seen.add(identity)
        kept.append(point)
        positions.append(number)
    rows, found, errors = data_points_check(by=connector.owner, points=kept, source=connector.source, known=tally.known)
    bad.extend({"row": positions[error.index], "field": error.field, "message": error.message} for error in errors)
    bad.sort(key=lambda error: error["row"])
    return rows, found, bad


def connector_preview(*, connector: Connector, limit: int = 20) -> Preview:
    """Dry run: read the first ``limit`` rows, map and check them, write nothing. A source that cannot be
    read raises ValidationError naming the setting at fault (``url``, ``query``, ``expression``…)."""
    if connector.owner_id is None:
        raise ValidationError("owner", _("Choose who the connector acts as."))
    secrets = crypto.unseal(connector.sealed_secrets)
    words = _secret_words(connector, secrets)
    try:
        with sources.source_open(
            kind=connector.kind,
            config=connector.config,
            secrets=secrets,
            since=connector.since,
            default_kpi=connector.kpi_id,
        ) as reader:
            batch = next(iter(reader.batches(limit)), [])
            columns = list(reader.columns)
    except sources.SourceError as error:
        raise ValidationError(error.field, _scrub(error.message, words)) from None
    _rows, _found, errors = _judge(connector=connector, batch=batch, start=1, tally=_Tally())
    points = [
        {
            "row": number,
            "kpi": "" if point["kpi"] is None else str(point["kpi"]),
            "date": point["date"].isoformat() if isinstance(point["date"], datetime.date) else str(point["date"]),
            "value": "" if point["value"] is None else str(point["value"]),
            "source_key": point["source_key"],
            "note": str(point["note"] or ""),
        }
        for number, point in enumerate(batch, start=1)
    ]
    return Preview(columns=columns, points=points, errors=errors)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        # A killed process its parent has not reaped yet still answers signals: a zombie.
        return stat.read_text().rpartition(")")[2].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def _stale(run: SyncRun, *, timeout: int, now: datetime.datetime) -> bool:
    """Whether a ``running`` run is dead: its worker (on this machine) is gone, or it showed no progress
    for longer than any one read may take."""
    host, _sep, pid = run.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and _process_gone(int(pid)):
        return True
    beat = run.heartbeat_at or run.started_at
    return now - beat > datetime.timedelta(seconds=2 * timeout) + STALE_MARGIN


def _claim(connector: Connector, trigger: str) -> tuple[SyncRun, bool]:
    """The new run of the connector, or the run already going (and False): the connector's row is locked
    while running runs are looked at, so two workers never both start one."""
    org = connector.organization_id
    now = timezone.now()
    timeout = int(connector.config.get("timeout") or settings.CONNECTOR_TIMEOUT)
    with transaction.atomic():
        state = (
            Connector.objects.for_org(org)
            .select_for_update()
            .values("consecutive_failures", "since", "health")
            .get(pk=connector.pk)
        )
        for name, value in state.items():
            setattr(connector, name, value)
        going = None
        for run in SyncRun.objects.for_org(org).filter(connector_id=connector.pk, status=RunStatus.RUNNING):
            if _stale(run, timeout=timeout, now=now):
                run.status = RunStatus.FAILED
                run.finished_at = now
                run.error = _("Interrupted: the worker stopped before the run finished.")
                run.save(update_fields=["status", "finished_at", "error"])
                log.warning("connector %s: run %s was interrupted (worker %s)", connector.pk, run.pk, run.worker)
            else:
                going = run
        if going is not None:
            return going, False
        run = SyncRun.objects.for_org(org).create(
            organization_id=org,
            connector=connector,
            trigger=trigger,
            started_at=now,
            worker=_worker(),
            heartbeat_at=now,
        )
    return run, True


def _write(connector: Connector, run: SyncRun, rows: list[Any], found: dict[str, Any], progress: dict[str, Any]) -> int:
    """One batch and the run's progress, in one transaction: the counts on the run never run ahead of or
    behind the points written."""
    with transaction.atomic():
        written = data_points_write(
            by=connector.owner,
            rows=rows,
            kpis=found.values(),
            source=connector.source,
            label=connector.name,
            follow=False,
        )
        SyncRun.objects.for_org(run.organization_id).filter(pk=run.pk).update(
            rows_written=F("rows_written") + written, heartbeat_at=timezone.now(), **progress
        )
    return written


def _write_in_thread(*args: Any) -> int:
    try:
        return _write(*args)
    except BaseException:
        _close_connection()
        raise


def _close_connection() -> None:
    """Close this thread's database connection (``db.connection`` is per thread)."""
    db.connection.close()


def _read(connector: Connector, run: SyncRun, tally: _Tally, secrets: dict[str, Any]) -> str:
    """Read, check and write every batch; returns a note for the run ("" when there is none).

    Outside a transaction (the worker), each batch is written by a thread of its own while the next one is
    read and checked: the database's work and Python's overlap. Inside one (a test, a caller's transaction)
    everything stays on the caller's connection, in order."""
    pipelined = not transaction.get_connection().in_atomic_block
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="connector-writer") if pipelined else None
    pending: Future[int] | None = None
    try:
        with sources.source_open(
            kind=connector.kind,
            config=connector.config,
            secrets=secrets,
            since=connector.since,
            default_kpi=connector.kpi_id,
        ) as reader:
            for batch in reader.batches(BATCH):
                rows, found, bad = _judge(connector=connector, batch=batch, start=tally.read + 1, tally=tally)
                tally.read += len(batch)
                tally.kpis.update({row.kpi_id for row in rows})
                tally.skipped += len(bad)
                tally.errors.extend(bad[: MAX_ROW_ERRORS - len(tally.errors)])
                if rows:
                    newest = max(row.date for row in rows)
                    tally.latest = newest if tally.latest is None else max(tally.latest, newest)
                progress = {"rows_read": tally.read, "rows_skipped": tally.skipped, "row_errors": list(tally.errors)}
                if writer is None:
                    tally.written += _write(connector, run, rows, found, progress)
                    continue
                if pending is not None:
                    tally.written += pending.result()
                # A copy: the next batch's check adds the KPIs it meets to ``found`` while this one is written.
                pending = writer.submit(_write_in_thread, connector, run, rows, dict(found), progress)
            if pending is not None:
                tally.written += pending.result()
                pending = None
            if getattr(reader, "truncated", False):
                return _(
                    "Stopped after %(n)s pages (the most it reads); the next run goes on from the latest date."
                ) % {"n": connector.config.get("max_pages")}
        return ""
    finally:
        if writer is not None:
            # Never leave a batch being written behind a failed run; then close the thread's connection.
            if pending is not None:
                pending.exception()
            writer.submit(_close_connection).result()
            writer.shutdown()


def connector_run(*, connector: Connector, trigger: str) -> SyncRun:
    """One sync, in this process. Never raises for the source's or the data's faults: they go on the run
    (``error``, ``row_errors``) and into the connector's health, retries and, after repeated failures, a
    notification to its owner. Returns the run already going instead when the connector is running."""
    run, fresh = _claim(connector, trigger)
    if not fresh:
        log.info("connector %s: run %s is still going, not starting another", connector.pk, run.pk)
        return run
    tally = _Tally()
    secrets = crypto.unseal(connector.sealed_secrets)
    words = _secret_words(connector, secrets)
    try:
        note = _read(connector, run, tally, secrets)
    except sources.SourceError as error:
        return _failed(connector, run, tally, _scrub(error.message, words))
    except Exception as error:  # noqa: BLE001 - a run records every failure; the worker must go on
        text = _scrub("".join(traceback.format_exception(error)), words)
        log.error("connector %s: run %s failed unexpectedly:\n%s", connector.pk, run.pk, text)
        message = _("Unexpected error (%(type)s): %(error)s") % {
            "type": type(error).__name__,
            "error": _scrub(str(error), words)[:300],
        }
        return _failed(connector, run, tally, message)
    if tally.read and not tally.written:
        first = tally.errors[0] if tally.errors else {"row": "", "message": ""}
        message = _("None of the %(n)s rows could be written; row %(row)s: %(error)s") % {
            "n": tally.read,
            "row": first["row"],
            "error": first["message"],
        }
        return _failed(connector, run, tally, message)
    return _succeeded(connector, run, tally, note)


def _finish(run: SyncRun, tally: _Tally, *, status: str, error: str) -> None:
    """Close the run; what follows from the new data (key results, alerts) is worked out once, here,
    rather than after every batch."""
    if tally.kpis:
        data_points_follow(organization_id=run.organization_id, kpi_ids=sorted(tally.kpis))
    run.status = status
    run.finished_at = timezone.now()
    run.rows_read, run.rows_written, run.rows_skipped = tally.read, tally.written, tally.skipped
    run.row_errors = tally.errors
    run.error = error
    run.heartbeat_at = run.finished_at
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "rows_read",
            "rows_written",
            "rows_skipped",
            "row_errors",
            "error",
            "heartbeat_at",
        ]
    )


def _update(connector: Connector, **changes: Any) -> None:
    """Only the run's own fields, so an edit saved while the run went is kept."""
    Connector.objects.for_org(connector.organization_id).filter(pk=connector.pk).update(**changes)
    for name, value in changes.items():
        setattr(connector, name, value)


def _succeeded(connector: Connector, run: SyncRun, tally: _Tally, note: str) -> SyncRun:
    now = timezone.now()
    since = connector.since
    if tally.latest is not None:
        since = tally.latest if since is None else max(since, tally.latest)
    tz = connector.organization.tz
    with transaction.atomic():
        _finish(run, tally, status=RunStatus.SUCCEEDED, error=note)
        _update(
            connector,
            since=since,
            health=ConnectorHealth.OK,
            consecutive_failures=0,
            last_error="",
            next_run_at=schedule.next_run(connector.schedule_kind, connector.schedule_value, after=now, tz=tz),
        )
    log.info(
        "connector %s: run %s read %s rows, wrote %s, skipped %s",
        connector.pk,
        run.pk,
        tally.read,
        tally.written,
        tally.skipped,
    )
    return run


def retry_at(connector: Connector, failures: int, now: datetime.datetime) -> datetime.datetime | None:
    """When to try again after ``failures`` failed runs in a row: 1, 2, 4, 8… minutes, never later than
    the normal schedule's next run; a connector run only by hand tries again up to an hour apart until it
    is marked failing, then waits for a person."""
    delay = datetime.timedelta(minutes=2 ** min(failures - 1, 20))
    normal = schedule.next_run(
        connector.schedule_kind, connector.schedule_value, after=now, tz=connector.organization.tz
    )
    if normal is None:
        if failures >= settings.CONNECTOR_FAILURES_BEFORE_FAILING:
            return None
        return now + min(delay, RETRY_CAP)
    return min(now + delay, normal)


def _failed(connector: Connector, run: SyncRun, tally: _Tally, message: str) -> SyncRun:
    now = timezone.now()
    failures = connector.consecutive_failures + 1
    threshold = int(settings.CONNECTOR_FAILURES_BEFORE_FAILING)
    with transaction.atomic():
        _finish(run, tally, status=RunStatus.FAILED, error=message)
        _update(
            connector,
            health=ConnectorHealth.FAILING if failures >= threshold else ConnectorHealth.RETRYING,
            consecutive_failures=failures,
            last_error=message,
            next_run_at=retry_at(connector, failures, now),
        )
        if failures == threshold:
            notify(
                actor=None,
                recipients=[connector.owner],
                event="connector.failing",
                obj=connector,
                url=f"/data/connectors/{connector.pk}/",
                params={"title": connector.name, "failures": failures, "error": message},
            )
    log.warning("connector %s: run %s failed (%s in a row): %s", connector.pk, run.pk, failures, message)
    return run
