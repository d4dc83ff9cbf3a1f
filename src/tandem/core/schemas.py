from __future__ import annotations

import datetime
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
