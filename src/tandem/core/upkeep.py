"""Keeping the embedded database's planner statistics fresh.

PostgreSQL's autovacuum analyzes tables as they change. SQLite keeps statistics only when told (``ANALYZE``):
without them, or with statistics older than an index, its planner may read a company's tens of thousands of
key results where an index leads to the few it needs. So SQLite is analyzed after every migration that
changed something and once a day by the worker.
"""

from __future__ import annotations

import logging
import time

from django.db import connections

log = logging.getLogger(__name__)


def statistics_refresh(*, using: str = "default") -> bool:
    """``ANALYZE`` the database when it is SQLite; True if it was."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log.info("SQLite statistics refreshed in %.1f s", time.perf_counter() - started)
    return True
