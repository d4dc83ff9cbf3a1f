"""API list pagination: ``{"items": [...], "count": N}`` with ``?limit=`` (1–1000) and ``?offset=``."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 1000
MAX_OFFSET = 100_000_000


class Pagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination with both numbers bounded, so no request overflows the database."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
