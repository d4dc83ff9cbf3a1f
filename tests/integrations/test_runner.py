"""Runs of a connector: retries with backoff, failing after repeated failures (the owner told once), one run
at a time, interrupted runs found, the minute sweep across organizations, an owner who lost the right."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tandem.integrations import connector_tasks, crypto, runner
from tandem.integrations.connector_tasks import connector_run_task, connectors_due_enqueue
from tandem.integrations.models import SyncRun
from tandem.notifications.models import Notification

from .erp import make_connector, make_kpi, points_of, sqlite_erp_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

UNITS = (
    "SELECT ordered_on AS date, SUM(units) AS value FROM orders "
    "WHERE status = 'shipped' AND ordered_on >= :since GROUP BY ordered_on"
)
DOWN = "postgresql://erp:Hunter2-secret@127.0.0.1:1/erp"
NOW = datetime.datetime(2026, 12, 2, 3, 0, tzinfo=datetime.UTC)


def connector_for(by, url: str, kpi, **more):  # type: ignore[no-untyped-def]
    return make_connector(by, kind="sql", secrets={"url": url}, config={"query": UNITS}, kpi=kpi, **more)


def failing_notices(person) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.for_org(person.organization).filter(recipient=person, event="connector.failing"))


@time_machine.travel(NOW, tick=False)
def test_failures_back_off_then_fail_and_the_owner_is_told_once(admin, sqlite_erp):
    kpi = make_kpi(admin, "units_daily")
    connector = connector_for(admin, DOWN, kpi, schedule_kind="minutes", schedule_value="30")
    waits = []
    for failures in (1, 2, 3, 4, 5, 6):
        run = runner.connector_run(connector=connector, trigger="schedule")
        connector.refresh_from_db()
        assert run.status == "failed" and run.error == "Cannot reach 127.0.0.1:1: connection refused."
        assert connector.consecutive_failures == failures and connector.last_error == run.error
        assert connector.health == ("retrying" if failures < 3 else "failing")
        waits.append((connector.next_run_at - NOW).total_seconds() / 60)
    # 1, 2, 4, 8, 16 minutes, never later than the schedule's own next run.
    assert waits == [1, 2, 4, 8, 16, 30]
    [notice] = failing_notices(admin)
    assert notice.params == {
        "title": connector.name,
        "failures": 3,
        "error": "Cannot reach 127.0.0.1:1: connection refused.",
    }
    assert notice.url == f"/data/connectors/{connector.pk}/" and notice.object_id == str(connector.pk)

    connector.sealed_secrets = crypto.seal({"url": sqlite_erp.url})
    connector.save()
    run = runner.connector_run(connector=connector, trigger="retry")
    connector.refresh_from_db()
    assert run.status == "succeeded" and run.trigger == "retry"
    assert (connector.health, connector.consecutive_failures, connector.last_error) == ("ok", 0, "")
    assert connector.next_run_at == NOW + datetime.timedelta(minutes=30)
    assert sum(points_of(kpi).values()) == sum(sqlite_erp.units_per_day().values())

    # Failing again later is a new story: told again on the third failure.
    connector.sealed_secrets = crypto.seal({"url": DOWN})
    connector.save()
    for _ in range(3):
        runner.connector_run(connector=connector, trigger="schedule")
    assert len(failing_notices(admin)) == 2


@time_machine.travel(NOW, tick=False)
def test_a_connector_run_by_hand_retries_until_failing_then_waits_for_a_person(admin):
    connector = connector_for(admin, DOWN, make_kpi(admin, "k"))
    nexts = []
    for _ in range(3):
        runner.connector_run(connector=connector, trigger="manual")
        connector.refresh_from_db()
        nexts.append(connector.next_run_at)
    assert nexts == [NOW + datetime.timedelta(minutes=1), NOW + datetime.timedelta(minutes=2), None]
    assert connector.health == "failing"


def test_one_run_at_a_time(admin, sqlite_erp):
    connector = connector_for(admin, sqlite_erp.url, make_kpi(admin, "k"))
    going = SyncRun.objects.for_org(admin.organization).create(
        organization=admin.organization,
        connector=connector,
        trigger="schedule",
        started_at=timezone.now(),
        worker=runner._worker(),
        heartbeat_at=timezone.now(),
    )
    assert runner.connector_run(connector=connector, trigger="manual") == going
    assert SyncRun.objects.for_org(admin.organization).filter(connector=connector).count() == 1
    going.refresh_from_db()
    assert going.status == "running"


def test_runs_whose_worker_died_or_went_silent_are_marked_interrupted(admin, sqlite_erp):
    connector = connector_for(admin, sqlite_erp.url, make_kpi(admin, "k"))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    now = timezone.now()
    dead = SyncRun.objects.for_org(admin.organization).create(
        organization=admin.organization,
        connector=connector,
        trigger="schedule",
        started_at=now,
        worker=f"{runner.socket.gethostname()}:{dead_pid}",
        heartbeat_at=now,
    )
    silent = SyncRun.objects.for_org(admin.organization).create(
        organization=admin.organization,
        connector=connector,
        trigger="schedule",
        started_at=now - datetime.timedelta(minutes=10),
        worker="another-machine:12",
        heartbeat_at=now - datetime.timedelta(minutes=3, seconds=1),
    )
    run = runner.connector_run(connector=connector, trigger="manual")
    assert run.status == "succeeded" and run.pk not in (dead.pk, silent.pk)
    for stale in (dead, silent):
        stale.refresh_from_db()
        assert stale.status == "failed" and stale.error == "Interrupted: the worker stopped before the run finished."
    assert not os.path.exists(f"/proc/{dead_pid}")


@time_machine.travel(NOW, tick=False)
def test_the_sweep_runs_due_connectors_of_every_organization(admin, outsider, sqlite_erp, tmp_path):
    due = connector_for(admin, sqlite_erp.url, make_kpi(admin, "k"), schedule_kind="hourly", next_run_at=NOW)
    retrying = connector_for(
        admin, DOWN, make_kpi(admin, "k2"), schedule_kind="hourly", next_run_at=NOW, health="retrying", name="Retrying"
    )
    later = connector_for(admin, sqlite_erp.url, make_kpi(admin, "k3"), next_run_at=NOW + datetime.timedelta(minutes=1))
    disabled = connector_for(admin, sqlite_erp.url, make_kpi(admin, "k4"), next_run_at=NOW, enabled=False)
    elsewhere = connector_for(outsider, sqlite_erp.url, make_kpi(outsider, "orchid_units"), next_run_at=NOW)
    assert connectors_due_enqueue() == 3
    runs = {
        run.connector_id: run for run in SyncRun.objects.unscoped().filter(connector__in=[due, retrying, elsewhere])
    }
    assert runs[due.pk].trigger == "schedule" and runs[due.pk].status == "succeeded"
    assert runs[retrying.pk].trigger == "retry" and runs[retrying.pk].status == "failed"
    assert runs[elsewhere.pk].status == "succeeded" and runs[elsewhere.pk].organization_id == outsider.organization_id
    assert not SyncRun.objects.unscoped().filter(connector__in=[later, disabled]).exists()
    due.refresh_from_db()
    assert due.next_run_at == datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.UTC)
    # Nothing is due any more: the next sweep queues nothing.
    assert connectors_due_enqueue() == 0


def test_run_now_task_runs_in_the_worker(admin, sqlite_erp):
    connector = connector_for(admin, sqlite_erp.url, make_kpi(admin, "k"))
    connector_run_task(connector.pk, "manual")
    [run] = SyncRun.objects.for_org(admin.organization).filter(connector=connector)
    assert (run.trigger, run.status, run.rows_written) == ("manual", "succeeded", len(sqlite_erp.units_per_day()))
    connector_run_task(987654321, "manual")  # deleted meanwhile: nothing happens
    connector_tasks.connectors_due.call_local()


def test_an_owner_who_lost_the_right_to_record_gets_row_errors_not_a_crash(salesperson, warehouse_lead, sqlite_erp):
    kpi = make_kpi(warehouse_lead, "stock_turns")
    connector = connector_for(salesperson, sqlite_erp.url, kpi)
    run = runner.connector_run(connector=connector, trigger="manual")
    days = len(sqlite_erp.units_per_day())
    assert run.status == "failed" and run.rows_skipped == days and run.rows_written == 0
    assert run.row_errors[0] == {"row": 1, "field": "kpi", "message": "You cannot record data for stock_turns."}
    assert run.error == f"None of the {days} rows could be written; row 1: You cannot record data for stock_turns."
    assert len(run.row_errors) == days and points_of(kpi) == {}


def test_preview_of_an_unsaved_connector(admin, sqlite_erp):
    from tandem.integrations.models import Connector

    kpi = make_kpi(admin, "k")
    unsaved = Connector(
        organization=admin.organization,
        owner=admin,
        kind="sql",
        kpi=kpi,
        config={"query": UNITS + " ORDER BY ordered_on DESC", "timeout": 5},
        sealed_secrets=crypto.seal({"url": sqlite_erp.url}),
    )
    preview = runner.connector_preview(connector=unsaved, limit=2)
    assert [p["date"] for p in preview.points] == ["2026-11-30", "2026-11-29"]
    assert Decimal(preview.points[0]["value"]) == sqlite_erp.units_per_day()[datetime.date(2026, 11, 30)]


def test_a_big_batch_sent_again_updates_its_points(admin, sqlite_erp):
    """A thousand rows and more go the fast way on PostgreSQL (straight COPY) when they are new; sent again,
    they update the same points."""
    kpi = make_kpi(admin, "lines")
    lines = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1500) "
        "SELECT 'L' || x AS source_key, date('2026-01-01', '+' || (x % 300) || ' days') AS date, "
        "x * FACTOR AS value FROM n"
    )
    config = {"query": lines.replace("FACTOR", "1")}
    connector = make_connector(admin, kind="sql", secrets={"url": sqlite_erp.url}, config=config, kpi=kpi)
    first = runner.connector_run(connector=connector, trigger="manual")
    connector.config = {**connector.config, "query": lines.replace("FACTOR", "2")}
    second = runner.connector_run(connector=connector, trigger="manual")
    assert (first.rows_written, second.rows_written) == (1500, 1500)
    from tandem.kpis.models import DataPoint

    points = DataPoint.objects.for_org(admin.organization).filter(kpi=kpi)
    assert points.count() == 1500 and sum(points.values_list("value", flat=True)) == 2 * 1500 * 1501 // 2
