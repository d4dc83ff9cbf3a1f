"""API shapes for actions."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.actions.models import EFFECT_MAX, ActionStatus
from tandem.core.ids import Id
from tandem.okrs.models import TITLE_MAX

DESCRIPTION_MAX = 10_000


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class ActionOut(Schema):
    id: int
    kpi: int | None = Field(None, alias="kpi_id")
    key_result: int | None = Field(None, alias="key_result_id")
    objective: int | None = Field(None, description="The key result's objective, for an action on a key result")
    title: str
    description: str
    owner: int = Field(..., alias="owner_id")
    owner_name: str
    due_date: datetime.date | None
    status: ActionStatus
    overdue: bool = Field(False, description="Open and due before today, in the organization's time zone")
    expected_effect: str
    created_by: int | None = Field(None, alias="created_by_id")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    completed_at: datetime.datetime | None

    @staticmethod
    def resolve_objective(obj: Any) -> int | None:
        return obj.key_result.objective_id if obj.key_result_id else None

    @staticmethod
    def resolve_owner_name(obj: Any) -> str:
        return str(obj.owner.display_name)


class ActionFields(In):
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    owner: Id | None = Field(None, description="A person of your organization; by default, you")
    due_date: datetime.date | None = Field(None, description="Today or later")
    status: ActionStatus | None = None
    expected_effect: str | None = Field(None, max_length=EFFECT_MAX, description='e.g. "+5% conversion"')


class ActionIn(ActionFields):
    kpi: Id | None = Field(None, description="The KPI the action is for (or give key_result)")
    key_result: Id | None = Field(None, description="The key result the action is for (or give kpi)")
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)
