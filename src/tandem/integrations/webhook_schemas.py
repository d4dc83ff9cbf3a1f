"""API shapes for webhooks and their deliveries."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.integrations.webhook_selectors import secret_hint
from tandem.orgs.models import NAME_MAX

EVENTS_HELP = (
    "Events to send: kpi.status_changed, data_points.received, check_in.created, objective.changed, "
    "watermelon.flagged, change_request.decided"
)


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    secret_hint: str = Field("", description="The signing secret, masked")
    created_by: int | None = Field(None, alias="created_by_id")
    created_at: datetime.datetime

    @staticmethod
    def resolve_secret_hint(obj: Any) -> str:
        return secret_hint(obj)


class WebhookCreated(WebhookOut):
    secret: str = Field(..., description="The signing secret. It is shown only once; store it safely.")


class WebhookIn(In):
    name: str = Field(..., min_length=1, max_length=NAME_MAX)
    url: str = Field(..., min_length=1, max_length=500, description="https:// address that receives the events")
    events: list[str] = Field(..., min_length=1, description=EVENTS_HELP)
    active: bool = True


class WebhookPatch(In):
    name: str | None = Field(None, min_length=1, max_length=NAME_MAX)
    url: str | None = Field(None, min_length=1, max_length=500)
    events: list[str] | None = Field(None, min_length=1, description=EVENTS_HELP)
    active: bool | None = None


class DeliveryOut(Schema):
    id: int
    webhook: int = Field(..., alias="webhook_id")
    event: str
    payload: dict[str, Any] = Field(..., description="The body sent: {id, event, created_at, organization, data}")
    status: str = Field(..., description="pending, succeeded or failed")
    attempts: int
    next_attempt_at: datetime.datetime | None
    response_status: int | None
    response_body: str = Field(..., description="The start of the receiver's last answer")
    error: str
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
