"""``/api/v1/notifications``: the caller's own inbox."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.notifications import selectors, services
from tandem.notifications.events import KINDS, Channel
from tandem.orgs.models import Membership

router = Router(tags=["notifications"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


class NotificationOut(Schema):
    id: int
    event: str
    text: str = Field(..., description="What happened, in your language")
    object_type: str
    object_id: str
    url: str
    actor: int | None = Field(None, alias="actor_id")
    read_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_text(obj: Any) -> str:
        return selectors.sentence(obj)


class ReadIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[Id] | None = Field(None, max_length=1000, description="Leave out to mark every notification read")


class ReadOut(Schema):
    marked: int
    unread: int


@router.get("/notifications", response=list[NotificationOut])
@paginate(Pagination)
def notification_list(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.notifications(membership=_me(request), unread=unread)


@router.post("/notifications/read", response=ReadOut)
def notifications_read(request: HttpRequest, payload: ReadIn) -> Any:
    marked = services.notifications_mark_read(by=_me(request), ids=payload.ids)
    return {"marked": marked, "unread": selectors.unread_count(membership=_me(request))}


class PreferenceOut(Schema):
    kind: str
    label: str
    description: str
    channel: Channel
    default: Channel


class PreferencesOut(Schema):
    items: list[PreferenceOut]
    count: int


class PreferencesIn(Schema):
    model_config = ConfigDict(extra="forbid")
    channels: dict[str, Channel] = Field(
        ..., description="Kind → channel (in_app, email, both, none); kinds left out keep theirs"
    )


def _preferences(membership: Membership) -> dict[str, Any]:
    chosen = services.preferences_of(membership=membership)
    items = [
        {
            "kind": key,
            "label": str(kind.label),
            "description": str(kind.help),
            "channel": chosen[key],
            "default": kind.default,
        }
        for key, kind in KINDS.items()
    ]
    return {"items": items, "count": len(items)}


@router.get("/notification-preferences", response=PreferencesOut)
def notification_preferences(request: HttpRequest) -> Any:
    """Every kind of notification with the channel it reaches you by."""
    return _preferences(_me(request))


@router.patch("/notification-preferences", response=PreferencesOut)
def notification_preferences_update(request: HttpRequest, payload: PreferencesIn) -> Any:
    services.notification_preferences_set(by=_me(request), channels={k: str(v) for k, v in payload.channels.items()})
    return _preferences(_me(request))
