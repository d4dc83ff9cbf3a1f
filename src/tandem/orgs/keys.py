"""Random, URL-safe secrets for invitation links and API tokens, stored only as SHA-256 hashes.

The secrets carry 256 bits of randomness, so an unsalted hash is enough to make a
leaked database useless for signing in, and it lets a token be found in one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "tdm_"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> tuple[str, str]:
    """A new token and its short public prefix (shown in lists to tell tokens apart)."""
    raw = TOKEN_PREFIX + new_secret()
    return raw, raw[: len(TOKEN_PREFIX) + 6]


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
