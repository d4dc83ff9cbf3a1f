"""API shapes for cycles, objectives, key results, check-ins and comments."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.core.ids import Id
from tandem.kpis.models import Visibility
from tandem.okrs.models import TITLE_MAX, Confidence, CycleKind, CycleState, KpiRule, ObjectiveKind, ResultType
from tandem.orgs.models import NAME_MAX

Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=6)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class CycleOut(Schema):
    id: int
    name: str
    kind: CycleKind
    start: datetime.date
    end: datetime.date
    state: CycleState


class CycleIn(In):
    name: str = Field(..., min_length=1, max_length=NAME_MAX)
    kind: CycleKind = CycleKind.QUARTER
    start: datetime.date
    end: datetime.date


class CyclePatch(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    kind: CycleKind | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None


class CycleStateIn(In):
    state: CycleState = Field(..., description="The next state: planning → active → closing → closed")


class MilestoneOut(Schema):
    id: int
    title: str
    done: bool


class KeyResultOut(Schema):
    id: int
    objective: int = Field(..., alias="objective_id")
    title: str
    type: ResultType
    start_value: Decimal
    target_value: Decimal
    current_value: Decimal
    unit: str
    weight: Decimal
    owner: int = Field(..., alias="owner_id")
    kpi: int | None = Field(None, alias="kpi_id")
    kpi_rule: KpiRule
    progress: Decimal = Field(..., description="0.0–1.0: (current − start) / (target − start), clamped")
    confidence: str
    last_check_in_at: datetime.datetime | None
    score: Decimal | None
    score_reason: str
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_milestones(obj: Any) -> list[Any]:
        return list(obj.milestones.all())


class KeyResultFields(In):
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    type: ResultType | None = None
    start_value: Amount | None = None
    target_value: Amount | None = None
    unit: str | None = Field(None, max_length=40)
    weight: Annotated[Decimal, Field(max_digits=7, decimal_places=2)] | None = None
    owner: Id | None = None
    kpi: Id | None = Field(None, description="A KPI whose data moves this key result")
    kpi_rule: KpiRule | None = None


class KeyResultIn(KeyResultFields):
    objective: Id
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)
    milestones: list[Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]] | None = Field(
        None, max_length=50, description="For a milestones key result: its steps"
    )


class ObjectiveOut(Schema):
    id: int
    cycle: int = Field(..., alias="cycle_id")
    title: str
    description: str
    owner: int | None = Field(None, alias="owner_id")
    team: int | None = Field(None, alias="team_id")
    level: str
    kind: ObjectiveKind
    parent: int | None = Field(None, alias="parent_id")
    visibility: Visibility
    progress: Decimal
    aligned_count: int = Field(..., alias="descendants", description="Objectives aligned under it, at any depth")
    aligned_progress: Decimal | None = Field(None, description="Their mean progress")
    score: Decimal | None
    success_line: float = Field(..., description="0.7 for aspirational objectives, 1.0 for committed ones")
    went_well: str
    to_change: str
    carried_from: int | None = Field(None, alias="carried_from_id")


class ObjectiveFields(In):
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=5000)
    owner: Id | None = Field(None, description="A person; or give a team; neither makes a company objective")
    team: Id | None = None
    kind: ObjectiveKind | None = None
    parent: Id | None = Field(None, description="The objective it aligns to")
    visibility: Visibility | None = None


class ObjectiveIn(ObjectiveFields):
    cycle: Id
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)


class CheckInIn(In):
    value: Amount
    confidence: Confidence | None = None
    note: str = Field("", max_length=5000)


class CheckInOut(Schema):
    id: int
    key_result: int = Field(..., alias="key_result_id")
    value: Decimal
    confidence: str
    note: str
    source: str = Field(..., description="manual, or kpi for an automatic update from the linked KPI")
    author: int | None = Field(None, alias="author_id")
    created_at: datetime.datetime


class ScoreIn(In):
    score: Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
    reason: str = Field("", max_length=5000)


class ReflectIn(In):
    went_well: str = Field("", max_length=5000)
    to_change: str = Field("", max_length=5000)


class CarryOverIn(In):
    cycle: Id = Field(..., description="The cycle to copy the objective into")


class CommentIn(In):
    body: str = Field(..., min_length=1, max_length=5000)
    key_result: Id | None = None


class CommentOut(Schema):
    id: int
    objective: int = Field(..., alias="objective_id")
    key_result: int | None = Field(None, alias="key_result_id")
    author: int = Field(..., alias="author_id")
    body: str
    created_at: datetime.datetime


class MilestoneIn(In):
    done: bool


class TemplateOut(Schema):
    id: str = Field(..., description='A built-in key ("sales_new_logos") or "org:<id>" for your own')
    kind: str
    function: str
    name: str
    description: str
    key_results: list[str]
    builtin: bool


class TemplateList(Schema):
    items: list[TemplateOut]
    count: int


class TemplateSaveIn(In):
    name: str = Field("", max_length=NAME_MAX, description="Defaults to the objective's title or KPI's name")
    objective: Id | None = None
    kpi: Id | None = None


class FromTemplateIn(In):
    template: str = Field(..., min_length=1, max_length=80)
    cycle: Id
    owner: Id | None = None
    team: Id | None = None
    parent: Id | None = None
    language: str | None = Field(None, max_length=8, description="en or vi; default: yours")


class ContributionActionOut(Schema):
    id: int
    title: str
    status: str
    due_date: datetime.date | None
    overdue: bool
    kpi: int | None = Field(None, description="The KPI it moves, or null for a key result's action")
    key_result: int | None = Field(None, description="The key result it moves, or null for a KPI's action")


class ContributionKeyResultOut(Schema):
    id: int
    title: str
    type: ResultType
    start_value: Decimal
    current_value: Decimal
    target_value: Decimal
    unit: str
    owner: int
    mine: bool = Field(..., description="Owned by the person (else they have an open action on it)")
    progress: Decimal
    confidence: str
    last_check_in_at: datetime.datetime | None
    score: Decimal | None
    actions: list[ContributionActionOut] = Field(..., description="The person's open actions on it")


class ContributionStepOut(Schema):
    """One objective of a chain. A private objective you may not see has ``private`` true and nothing else."""

    private: bool
    id: int | None = None
    title: str | None = None
    level: str | None = None
    owner: int | None = None
    team: int | None = None
    owner_name: str | None = Field(None, description="The owner's name, the team's, or 'Company'")
    mine: bool = Field(False, description="Owned by the person")
    progress: Decimal | None = None
    score: Decimal | None = None
    key_results: list[ContributionKeyResultOut] = Field(default_factory=list)
    children: list[ContributionStepOut] = Field(default_factory=list, description="Objectives aligned under it")


class ContributionKpiOut(Schema):
    id: int
    name: str
    unit: str
    period: str
    status: str = Field(..., description="green, amber, red or no_data, in the current period")
    value: Decimal | None
    target: Decimal | None


class ContributionOut(Schema):
    person: int
    name: str
    cycle: CycleOut | None
    chains: list[ContributionStepOut] = Field(
        ..., description="From the top (company objectives) down to the person's objectives and key results"
    )
    actions: list[ContributionActionOut] = Field(..., description="Open actions not under a key result above")
    kpis: list[ContributionKpiOut] = Field(..., description="KPIs the person owns")
