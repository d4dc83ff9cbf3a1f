"""API shapes for KPIs, their periods and data points."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

from tandem.core.ids import Id
from tandem.core.periods import Grain
from tandem.kpis.models import Aggregation, Direction, KpiState, RiskLevel, ThresholdMode, UnitKind, Visibility
from tandem.orgs.models import NAME_MAX

Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=6)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class PeriodTargetOut(Schema):
    start: datetime.date = Field(..., alias="period_start", description="First day of the period")
    target: Decimal


PeriodTargets = dict[str, Amount | None]
PERIOD_TARGETS_HELP = (
    'Targets for single periods, merged into the current ones: {"2026-12-01": "120"} (any day of the period); '
    "null removes one"
)


class VersionOut(Schema):
    number: int
    effective_from: datetime.date
    direction: Direction
    aggregation: Aggregation
    frequency: Grain
    target: Decimal | None
    threshold_mode: ThresholdMode
    amber_threshold: Decimal | None
    red_threshold: Decimal | None
    band_low: Decimal | None
    band_high: Decimal | None
    formula: str
    period_targets: list[PeriodTargetOut]

    @staticmethod
    def resolve_period_targets(obj) -> list:
        return list(obj.period_targets.all())


class KpiOut(Schema):
    id: int
    key: str
    name: str
    description: str
    unit: str
    unit_kind: UnitKind
    currency: str
    owner: int = Field(..., alias="owner_id")
    team: int | None = Field(None, alias="team_id")
    visibility: Visibility
    value_per_unit: Decimal | None
    risk_level: RiskLevel
    risk_notes: str
    state: KpiState
    last_received_at: datetime.datetime | None = Field(None, description="When data last arrived, if ever")
    last_received_source: str = Field(
        "", description='Where it came from: "api", "import", "manual", "connector:<id>" or a pusher\'s own source'
    )
    guardrails: list[int]
    version: VersionOut
    versions: list[VersionOut]

    @staticmethod
    def resolve_guardrails(obj) -> list[int]:
        return sorted(g.pk for g in obj.guardrails.all())

    @staticmethod
    def resolve_version(obj):
        return max(obj.versions.all(), key=lambda v: v.number)

    @staticmethod
    def resolve_versions(obj):
        return sorted(obj.versions.all(), key=lambda v: v.number)


class KpiFields(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(None, max_length=5000)
    unit: str | None = Field(None, max_length=40)
    unit_kind: UnitKind | None = None
    currency: str | None = Field(None, max_length=3)
    owner: Id | None = None
    team: Id | None = None
    visibility: Visibility | None = None
    value_per_unit: Amount | None = None
    risk_level: RiskLevel | None = None
    risk_notes: str | None = Field(None, max_length=5000)
    direction: Direction | None = None
    aggregation: Aggregation | None = None
    frequency: Grain | None = None
    target: Amount | None = None
    threshold_mode: ThresholdMode | None = None
    amber_threshold: Amount | None = None
    red_threshold: Amount | None = None
    band_low: Amount | None = None
    band_high: Amount | None = None
    formula: str | None = Field(None, max_length=500, description="e.g. (net_revenue - cogs) / net_revenue * 100")
    guardrails: list[Id] | None = Field(None, description="KPIs whose health must hold while this one is pushed")
    period_targets: PeriodTargets | None = Field(None, description=PERIOD_TARGETS_HELP)


class KpiIn(KpiFields):
    key: str = Field(..., min_length=1, max_length=60, description="Stable identifier, e.g. gross_margin")
    name: str = Field(..., min_length=1, max_length=NAME_MAX)


class KpiPatch(KpiFields):
    key: str | None = Field(None, min_length=1, max_length=60)


class PeriodOut(Schema):
    period: str
    start: datetime.date
    end: datetime.date
    value: Decimal | None
    target: Decimal | None
    status: str = Field(..., description="green, amber, red or no_data")
    in_progress: bool = Field(False, description="The period has not ended yet")
    projected: Decimal | None = Field(
        None, description="A summed KPI's period in progress: the run rate its status is judged by"
    )
    version: int
    change: Decimal | None = Field(None, description="Against the previous period")
    change_percent: Decimal | None
    change_year: Decimal | None = Field(None, description="Against the same period a year before")
    change_year_percent: Decimal | None
    problem: str | None = Field(None, description="Why a formula KPI has no value for this period")


class PointIn(BaseModel):
    # Loosely typed on purpose: the service checks every row and reports all bad rows at once. A plain
    # pydantic model: ninja's Schema reads ORM objects too, at a cost paid 10,000 times per batch.
    kpi: int | str = Field(..., description="The KPI's id or key")
    date: str = Field(..., max_length=10, description="YYYY-MM-DD")
    value: str | int | float = Field(..., description='A number, e.g. "12.5"')
    source_key: str = Field("", max_length=200, description="Makes resending safe: same key, same point")
    note: str = Field("", max_length=500)


class PointsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: list[PointIn] = Field(..., min_length=1, max_length=10_000)
    source: str = Field("api", min_length=1, max_length=80, description="Where the data comes from")


class PointsOut(Schema):
    received: int


class DataPointOut(Schema):
    id: int
    kpi: int = Field(..., alias="kpi_id")
    date: datetime.date
    period_start: datetime.date
    value: Decimal
    source: str
    source_key: str
    note: str
    created_at: datetime.datetime


class RuleChanges(In):
    direction: Direction | None = None
    aggregation: Aggregation | None = None
    frequency: Grain | None = None
    target: Amount | None = None
    threshold_mode: ThresholdMode | None = None
    amber_threshold: Amount | None = None
    red_threshold: Amount | None = None
    band_low: Amount | None = None
    band_high: Amount | None = None
    formula: str | None = Field(None, max_length=500)
    period_targets: PeriodTargets | None = Field(None, description=PERIOD_TARGETS_HELP)


class ChangeRequestIn(In):
    changes: RuleChanges
    reason: str = Field(..., min_length=1, max_length=5000)
    effective_from: datetime.date | None = Field(
        None, description="A day in the first period the change applies to (default: the next period)"
    )


class DecisionIn(In):
    comment: str = Field("", max_length=5000)


class ChangeRequestOut(Schema):
    id: int
    kpi: int = Field(..., alias="kpi_id")
    requested_by: int = Field(..., alias="requested_by_id")
    reason: str
    changes: dict[str, object]
    effective_from: datetime.date
    state: str
    decided_by: int | None = Field(None, alias="decided_by_id")
    decided_at: datetime.datetime | None
    comment: str
    version: int | None

    @staticmethod
    def resolve_version(obj) -> int | None:
        return obj.version.number if obj.version_id else None


class GuardrailOut(Schema):
    id: int
    key: str
    name: str
    period: str
    value: Decimal | None
    target: Decimal | None
    status: str
    red_line: Decimal | None


class HealthOut(Schema):
    period: str
    value: Decimal | None
    target: Decimal | None
    status: str
    guardrails: list[GuardrailOut]
    watermelon: str | None = Field(None, description="Set when the KPI is green while a guardrail is red")


class KpiFromTemplateIn(In):
    template: str = Field(..., min_length=1, max_length=80)
    key: str | None = Field(None, min_length=1, max_length=60, description="Default: the template's, numbered if taken")
    owner: Id | None = None
    team: Id | None = None
    language: str | None = Field(None, max_length=8)


class KpiCommentIn(In):
    body: str = Field(..., min_length=1, max_length=5000, description="Mention people with @handle (email up to @)")


class KpiCommentOut(Schema):
    id: int
    kpi: int = Field(..., alias="kpi_id")
    author: int = Field(..., alias="author_id")
    body: str
    created_at: datetime.datetime
