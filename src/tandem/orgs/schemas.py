"""API input and output shapes for organizations, people, teams, invitations and tokens."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import ConfigDict, EmailStr, Field

from tandem.core.ids import Id
from tandem.orgs.models import NAME_MAX, Role, TokenScope


class In(Schema):
    """Inputs refuse unknown fields, so a typo is an error rather than a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    time_zone: str
    fiscal_year_start_month: int
    language: str
    reminder_weekday: int = Field(..., description="Day of the weekly reminders and digests: 0 Monday … 6 Sunday")
    reminder_hour: int = Field(..., description="Hour of the weekly reminders and digests (0–23, local time)")


class OrganizationPatch(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    fiscal_year_start_month: int | None = Field(None, ge=1, le=12)
    language: str | None = None
    reminder_weekday: int | None = Field(None, ge=0, le=6, description="0 Monday … 6 Sunday")
    reminder_hour: int | None = Field(None, ge=0, le=23, description="In the organization's time zone")


class TeamRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    email: str = Field(..., alias="user.email")
    full_name: str = Field(..., alias="user.full_name")
    role: Role
    job_title: str
    manager: int | None = Field(None, alias="manager_id")
    manager_name: str | None
    teams: list[TeamRef]
    is_active: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_manager_name(obj) -> str | None:
        return obj.manager.display_name if obj.manager_id else None

    @staticmethod
    def resolve_teams(obj) -> list[TeamRef]:
        return [TeamRef(id=t.id, name=t.name) for t in obj.teams.all()]


class PersonPatch(In):
    role: Role | None = None
    job_title: str | None = Field(None, max_length=NAME_MAX)
    manager: Id | None = None
    is_active: bool | None = None


class MeOut(Schema):
    person: PersonOut
    organization: OrganizationOut
    organizations: list[OrganizationOut]


class ProfilePatch(In):
    full_name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    language: str | None = None


class TeamOut(Schema):
    id: int
    name: str
    parent: int | None = Field(None, alias="parent_id")
    manager: int | None = Field(None, alias="manager_id")
    manager_name: str | None
    member_count: int

    @staticmethod
    def resolve_manager_name(obj) -> str | None:
        return obj.manager.display_name if obj.manager_id else None


class PersonRef(Schema):
    id: int
    full_name: str


class TeamDetailOut(TeamOut):
    members: list[PersonRef]

    @staticmethod
    def resolve_members(obj) -> list[dict[str, object]]:
        return [{"id": m.id, "full_name": m.display_name} for m in obj.members.all()]


class TeamIn(In):
    name: str = Field(..., min_length=1, max_length=NAME_MAX)
    parent: Id | None = None
    manager: Id | None = None
    members: list[Id] = Field(default_factory=list)


class TeamPatch(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    parent: Id | None = None
    manager: Id | None = None
    members: list[Id] | None = None


class TeamMemberIn(In):
    person: Id


class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    team: int | None = Field(None, alias="team_id")
    status: str
    created_at: datetime.datetime
    expires_at: datetime.datetime


class InvitationCreated(InvitationOut):
    link: str = Field(..., description="The invitation link. It is shown only once.")


class InvitationIn(In):
    email: EmailStr
    role: Role = Role.MEMBER
    team: Id | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: TokenScope = Field(..., description="full: acts as its owner; ingest: may only send data points")
    person: int = Field(..., alias="membership_id")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="The token. It is shown only once; store it safely.")


class TokenIn(In):
    name: str = Field(..., min_length=1, max_length=NAME_MAX)
    scope: TokenScope = Field(
        TokenScope.FULL,
        description="full (acts as you) or ingest (administrators only: an organization token that may only "
        "send data points)",
    )
