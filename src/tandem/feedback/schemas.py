"""API shapes for 1:1 feedback threads and their notes."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.core.ids import Id


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class ThreadOpenIn(In):
    report: Id = Field(..., description="The report; the thread is with their current manager")


class ThreadOut(Schema):
    id: int
    manager: int = Field(..., alias="manager_id")
    manager_name: str
    report: int = Field(..., alias="report_id")
    report_name: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_manager_name(obj: Any) -> str:
        return str(obj.manager.display_name)

    @staticmethod
    def resolve_report_name(obj: Any) -> str:
        return str(obj.report.display_name)


class NoteIn(In):
    body: str = Field(..., min_length=1, max_length=5000)
    kpi: Id | None = Field(None, description="One of the report's own KPIs that both of you can see")
    objective: Id | None = Field(None, description="One of the report's objectives that both of you can see")


class NoteOut(Schema):
    id: int
    thread: int = Field(..., alias="thread_id")
    author: int = Field(..., alias="author_id")
    body: str
    kpi: int | None = Field(None, alias="kpi_id")
    objective: int | None = Field(None, alias="objective_id")
    created_at: datetime.datetime
