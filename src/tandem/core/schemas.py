from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field


class AuditEventOut(Schema):
    id: int
    actor: int | None = Field(None, alias="actor_id")
    actor_name: str
    object_type: str
    object_id: str
    action: str
    changes: dict[str, Any]
    created_at: datetime.datetime


class DashboardKpiCountsOut(Schema):
    red: int
    amber: int
    green: int
    no_data: int
    total: int


class DashboardCountsOut(Schema):
    kpis: DashboardKpiCountsOut
    watermelons: int = Field(..., description="KPIs on target while one of their guardrails is red")
    objectives: int = Field(..., description="Objectives of the current cycle in scope")
    objectives_at_risk: int = Field(..., description="Of those, the ones with a key result at risk or off track")
    check_ins_due: int = Field(..., description="Key results of active cycles not checked in for 7 days (or ever)")
    change_requests_waiting: int = Field(..., description="KPI change requests waiting for the caller's decision")


class DashboardTeamOut(Schema):
    id: int
    name: str


class DashboardCycleOut(Schema):
    id: int
    name: str
    state: str
    start: datetime.date
    end: datetime.date


class DashboardKpiOut(Schema):
    id: int
    key: str
    name: str
    unit: str
    period: str
    status: str = Field(..., description="green, amber, red or no_data in the current period")
    value: Decimal | None
    target: Decimal | None
    projected: Decimal | None = Field(None, description="A summed KPI's running period: what it is on pace for")
    sparkline: list[Decimal | None] = Field(..., description="The last 12 periods' values, oldest first")
    watermelon: list[str] = Field(..., description="Red guardrails of a KPI that is on target")
    owner: int
    team: int | None
    can_record: bool
    url: str


class DashboardKeyResultOut(Schema):
    id: int
    title: str
    owner: int
    progress: Decimal
    current_value: Decimal
    target_value: Decimal
    unit: str
    confidence: str
    last_check_in_at: datetime.datetime | None
    check_in_due: bool
    follows_kpi: bool
    can_check_in: bool


class DashboardObjectiveOut(Schema):
    id: int
    title: str
    level: str
    owner: int | None
    team: int | None
    progress: Decimal
    confidence: str = Field(..., description="The worst confidence of its key results, or empty")
    at_risk: bool
    url: str
    key_results: list[DashboardKeyResultOut]


class DashboardOut(Schema):
    scope: str = Field(..., description="me, team or company")
    team: DashboardTeamOut | None = Field(None, description="The chosen team (with its sub-teams), if any")
    teams: list[DashboardTeamOut] = Field(..., description="The teams a team scope covers, at their top")
    cycle: DashboardCycleOut | None
    counts: DashboardCountsOut
    kpis: list[DashboardKpiOut] = Field(..., description="At most 20, those that need attention first")
    objectives: list[DashboardObjectiveOut] = Field(..., description="At most 20, those at risk first")
