"""API shapes for connectors and their runs. Credentials go in (``secrets``) and never come out: the output
has ``url_masked`` and ``headers_masked`` instead."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.core.ids import Id
from tandem.integrations import selectors
from tandem.integrations.models import ConnectorHealth, ConnectorKind, RunStatus, RunTrigger, ScheduleKind
from tandem.orgs.models import NAME_MAX


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class SecretsIn(In):
    url: str | None = Field(
        None,
        max_length=2000,
        description="SQL: a connection URL (postgresql://, mysql://, sqlite:///…); HTTP: the endpoint's URL. "
        "Write-only; left out on an update, the stored one is kept.",
    )
    headers: dict[str, str] | None = Field(
        None, description='HTTP only: request headers such as {"Authorization": "Bearer …"}. Write-only.'
    )


class RunOut(Schema):
    id: int
    trigger: RunTrigger
    status: RunStatus
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    duration_seconds: int | None = None
    rows_read: int
    rows_written: int
    rows_skipped: int
    error: str
    row_errors: list[dict[str, Any]]

    @staticmethod
    def resolve_duration_seconds(obj: Any) -> int | None:
        if obj.finished_at is None:
            return None
        return max(0, int((obj.finished_at - obj.started_at).total_seconds()))


class ConnectorOut(Schema):
    id: int
    name: str
    kind: ConnectorKind
    kpi: int | None = Field(None, alias="kpi_id", description="The KPI it feeds; null when the rows name theirs")
    kpi_key: str | None = None
    owner: int = Field(..., alias="owner_id", description="The person it writes as")
    owner_name: str
    config: dict[str, Any]
    url_masked: str = Field("", description="The URL with its password masked")
    headers_masked: str = Field("", description="The headers with their values masked")
    schedule_kind: ScheduleKind
    schedule_value: str
    schedule: str = Field("", description="The schedule in words")
    enabled: bool
    health: ConnectorHealth
    consecutive_failures: int
    last_error: str
    next_run_at: datetime.datetime | None
    since: datetime.date | None = Field(None, description="The next run reads rows from this date (:since)")
    last_run: RunOut | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_kpi_key(obj: Any) -> str | None:
        return obj.kpi.key if obj.kpi_id else None

    @staticmethod
    def resolve_owner_name(obj: Any) -> str:
        return str(obj.owner.display_name)

    @staticmethod
    def resolve_url_masked(obj: Any) -> str:
        return selectors.secrets_described(obj).get("url", "")

    @staticmethod
    def resolve_headers_masked(obj: Any) -> str:
        return selectors.secrets_described(obj).get("headers", "")

    @staticmethod
    def resolve_schedule(obj: Any) -> str:
        return selectors.schedule_words(obj.schedule_kind, obj.schedule_value)

    @staticmethod
    def resolve_last_run(obj: Any) -> Any:
        return getattr(obj, "last_run", None)


class ConnectorFields(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    kind: ConnectorKind | None = None
    kpi: Id | None = Field(None, description="The KPI it feeds; leave out when the rows name their KPI (kpi_key)")
    owner: Id | None = Field(None, description="Administrators only: a manager or administrator; by default, you")
    config: dict[str, Any] | None = Field(
        None,
        description='SQL: {"query": "SELECT day AS date, SUM(qty) AS value FROM orders WHERE day >= :since '
        'GROUP BY day", "timeout": 60}. HTTP: {"method": "GET", "body": "", "expression": "items[]", '
        '"next": "next", "max_pages": 100}',
    )
    secrets: SecretsIn | None = None
    schedule_kind: ScheduleKind | None = None
    schedule_value: str | None = Field(
        None, max_length=100, description='"15" (minutes), "07:30" (daily) or a cron expression'
    )
    enabled: bool | None = None


class ConnectorIn(ConnectorFields):
    name: str = Field(..., min_length=1, max_length=NAME_MAX)
    kind: ConnectorKind
    config: dict[str, Any] = Field(default_factory=dict)
    secrets: SecretsIn = Field(default_factory=lambda: SecretsIn(url=None, headers=None))


class PreviewOut(Schema):
    columns: list[str]
    points: list[dict[str, Any]]
    errors: list[dict[str, Any]]
