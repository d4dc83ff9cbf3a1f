"""Database ids as the outside world may send them: positive and within a 64-bit integer.

Larger numbers would overflow the database driver and answer 500; here they are a 404 in URLs
and a field error in the API.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def parse_id(raw: str | None) -> int | None:
    """A query-string id, or None when it is absent or not a usable id."""
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw) or None


class IdConverter:
    """``<id:name>`` in URL patterns: 1 to 18 digits, so every match fits the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
