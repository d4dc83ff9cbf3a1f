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
