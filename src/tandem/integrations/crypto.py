"""Credentials sealed at rest: connector connection URLs, HTTP headers, webhook signing secrets.

Fernet (AES-128-CBC with an HMAC-SHA256 tag) under the keys of ``ENCRYPTION_KEY``; the first key seals,
every key opens, so a key can be rotated by putting the new one first. Nothing here ever logs a value.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def seal(secrets: dict[str, Any]) -> str:
    """The secrets as one opaque token, for a ``sealed_secrets`` field."""
    return _fernet(tuple(settings.ENCRYPTION_KEYS)).encrypt(json.dumps(secrets).encode()).decode()


def unseal(token: str) -> dict[str, Any]:
    """The secrets a token holds; empty for an empty token. A token no configured key opens is a
    configuration error (the key was changed without keeping the old one), not bad user input."""
    if not token:
        return {}
    try:
        return dict(json.loads(_fernet(tuple(settings.ENCRYPTION_KEYS)).decrypt(token.encode())))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored credential cannot be decrypted with ENCRYPTION_KEY: keep the old key after the new one"
        ) from None


def mask(secret: str) -> str:
    """How a secret is shown back: enough to recognise it, never enough to use it."""
    if len(secret) <= 8:
        return "••••"
    return f"{secret[:3]}••••{secret[-2:]}"
