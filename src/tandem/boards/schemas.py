"""API shapes for boards, their members, sections and items."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.boards.models import BoardRole, ItemDisplay
from tandem.core.ids import Id
from tandem.kpis.models import Visibility
from tandem.okrs.models import TITLE_MAX
from tandem.orgs.models import NAME_MAX

DESCRIPTION_MAX = 10_000
POSITION_MAX = 10_000


class In(Schema):
    """Inputs refuse unknown fields, so a typo is an error rather than a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class SectionOut(Schema):
    id: int
    title: str
    position: int


class BoardOut(Schema):
    id: int
    name: str
    description: str
    visibility: Visibility
    owner: int = Field(..., alias="owner_id")
    owner_name: str
    item_count: int | None = Field(None, description="The items you see on it")
    member_count: int | None = None
    role: BoardRole | None = Field(None, description="Your role on the board, if you are a member")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_owner_name(obj: Any) -> str:
        return str(obj.owner.display_name)

    @staticmethod
    def resolve_item_count(obj: Any) -> int | None:
        return getattr(obj, "item_count", None)

    @staticmethod
    def resolve_member_count(obj: Any) -> int | None:
        return getattr(obj, "member_count", None)

    @staticmethod
    def resolve_role(obj: Any) -> str | None:
        return getattr(obj, "my_role", None)


class BoardDetailOut(BoardOut):
    sections: list[SectionOut] = Field(..., alias="section_list")
    can_edit: bool = Field(..., description="You may arrange its items and sections")
    can_manage: bool = Field(..., description="You may change its settings and members")


class BoardIn(In):
    name: str = Field(..., min_length=1, max_length=NAME_MAX)
    description: str = Field("", max_length=DESCRIPTION_MAX)
    visibility: Visibility = Field(
        Visibility.PUBLIC, description="public: everyone in the organization; private: its members only"
    )


class BoardPatch(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    visibility: Visibility | None = Field(None, description="A board with private metrics cannot be made public")


class MemberOut(Schema):
    id: int
    person: int = Field(..., alias="membership_id")
    person_name: str
    email: str
    role: BoardRole

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.membership.display_name)

    @staticmethod
    def resolve_email(obj: Any) -> str:
        return str(obj.membership.user.email)


class MemberIn(In):
    person: Id = Field(..., description="An active person of your organization")
    role: BoardRole = BoardRole.VIEWER


class MemberPatch(In):
    role: BoardRole = Field(..., description="The last owner cannot step down")


class SectionIn(In):
    title: str = Field(..., min_length=1, max_length=TITLE_MAX)


class SectionPatch(In):
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    position: int | None = Field(None, ge=0, le=POSITION_MAX, description="0 is the top")


class ItemOut(Schema):
    id: int
    kind: Literal["kpi", "objective", "key_result"]
    kpi: int | None = Field(None, alias="kpi_id")
    objective: int | None = Field(None, alias="objective_id")
    key_result: int | None = Field(None, alias="key_result_id")
    title: str
    display: ItemDisplay
    section: int | None = Field(None, alias="section_id")
    position: int

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return "kpi" if obj.kpi_id else "objective" if obj.objective_id else "key_result"

    @staticmethod
    def resolve_title(obj: Any) -> str:
        metric = obj.kpi or obj.objective or obj.key_result
        return str(getattr(metric, "name", None) or metric.title)


class ItemIn(In):
    kpi: Id | None = Field(None, description="A KPI you can see (or give objective or key_result)")
    objective: Id | None = Field(None, description="An objective you can see")
    key_result: Id | None = Field(None, description="A key result you can see")
    display: ItemDisplay = ItemDisplay.CARD
    section: Id | None = Field(None, description="A section of this board; none puts it above the sections")


class ItemPatch(In):
    display: ItemDisplay | None = None
    section: Id | None = Field(None, description="Another section (the item goes to its end); null: no section")
    position: int | None = Field(None, ge=0, le=POSITION_MAX, description="Its place in its section, 0 is the top")
    move: Literal["up", "down"] | None = Field(None, description="One place up or down in its section")


class TileOut(Schema):
    id: int
    kind: Literal["kpi", "objective", "key_result"]
    metric: int = Field(..., description="The KPI's, objective's or key result's id")
    title: str
    url: str
    display: ItemDisplay
    section: int | None
    summary: dict[str, Any] = Field(..., description="What its card shows: status, value and target, or progress")
    chart: dict[str, Any] = Field(..., description="What its chart draws, as the board page draws it")


class BoardDataOut(Schema):
    items: list[TileOut]
    count: int
