"""The background worker: the heartbeat task runs, inline in tests and through a real Redis queue."""

from __future__ import annotations

import datetime
import socket
import uuid

import pytest
from huey import RedisHuey

from tandem.core.models import WorkerHeartbeat
from tandem.core.tasks import worker_heartbeat


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.django_db
def test_heartbeat_task_records_the_beat():
    assert not WorkerHeartbeat.objects.exists()
    worker_heartbeat.call_local()
    first = WorkerHeartbeat.objects.get(name="worker").beat_at
    worker_heartbeat()  # immediate mode in tests: enqueued and run at once
    assert WorkerHeartbeat.objects.get(name="worker").beat_at >= first
    assert WorkerHeartbeat.objects.count() == 1


def test_heartbeat_is_due_every_minute():
    from huey.contrib.djhuey import HUEY

    for minute in (0, 17, 59):
        due = HUEY.read_periodic(datetime.datetime(2026, 11, 24, 9, minute))
        assert any(isinstance(task, worker_heartbeat.task_class) for task in due)


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379 (CI starts one)")
def test_real_redis_queue_runs_a_task():
    queue = RedisHuey(f"tandem-test-{uuid.uuid4().hex}", host="127.0.0.1", port=6379)

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    try:
        result = add(2, 3)
        assert queue.pending_count() == 1
        queue.execute(queue.dequeue())
        assert result.get(blocking=True, timeout=5) == 5
        assert queue.pending_count() == 0
    finally:
        queue.storage.flush_all()


@pytest.mark.django_db
def test_sqlite_statistics_are_kept_after_migrating_and_by_the_worker():
    from django.db import connection

    from tandem.core.tasks import database_statistics
    from tandem.core.upkeep import statistics_refresh

    if connection.vendor != "sqlite":
        assert statistics_refresh() is False, "PostgreSQL's autovacuum keeps its own"
        return
    with connection.cursor() as cursor:
        # The test database was made by migrating, which analyzed it.
        cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("DELETE FROM sqlite_stat1")
        database_statistics.call_local()
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE idx = 'key_result_org_last_check_in'")
        assert cursor.fetchone()[0] == 1


def test_statistics_are_refreshed_once_a_day():
    from huey.contrib.djhuey import HUEY

    from tandem.core.tasks import database_statistics

    def due(hour: int, minute: int) -> bool:
        tasks = HUEY.read_periodic(datetime.datetime(2026, 11, 24, hour, minute))
        return any(isinstance(task, database_statistics.task_class) for task in tasks)

    assert due(3, 40)
    assert not due(3, 41)
    assert not due(4, 40)
