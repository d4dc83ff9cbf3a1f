"""Strict reading of the environment (12-factor configuration).

Every setting Tandem reads from the environment goes through these helpers, so a
typo such as ``DEBUG=ture`` stops the process with a message instead of being
silently taken as false. Secrets may also come from a file named by ``<NAME>_FILE``
(Docker and Kubernetes secrets).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or the content of the file named by ``<name>_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name}: {exc.strerror}") from exc
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder of the embedded default: SQLite files, generated secret, collected static files."""
    path = Path(env_str("TANDEM_DATA_DIR", "tandem-data") or "tandem-data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(directory: Path, *, embedded: bool) -> str:
    """``SECRET_KEY`` from the environment; generated once into the data folder for the embedded default."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not embedded:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DATABASE_URL is set")
    key_file = directory / "secret_key"
    if not key_file.exists():
        # The file holds a secret: create it readable by its owner only.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def encryption_keys(directory: Path, *, embedded: bool) -> list[str]:
    """``ENCRYPTION_KEY``: the Fernet keys that seal connector and webhook credentials at rest, newest first
    (comma-separated, so an old key still opens what it sealed while a new one takes over). Generated once
    into the data folder for the embedded default; required with ``DATABASE_URL``."""
    from cryptography.fernet import Fernet

    keys = env_list("ENCRYPTION_KEY", [])
    if not keys:
        if not embedded:
            raise ImproperlyConfigured(
                "ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) must be set when DATABASE_URL is set; make one with "
                "`tandem encryption-key`"
            )
        key_file = directory / "encryption_key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(Fernet.generate_key().decode())
        keys = [key_file.read_text().strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                "ENCRYPTION_KEY must be 32 url-safe base64-encoded bytes (make one with `tandem encryption-key`)"
            ) from None
    return keys


EMAIL_SCHEMES = {
    "smtp": (False, False),
    "smtp+tls": (True, False),
    "submission": (True, False),
    "smtps": (False, True),
    "smtp+ssl": (False, True),
}


def site_url(url: str) -> str:
    """The address people open Tandem at, for links in emails: ``https://tandem.example.com``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"SITE_URL must look like https://tandem.example.com, not {url!r}")
    return url.rstrip("/")


def email_settings(url: str) -> dict[str, object]:
    """Django e-mail settings from ``EMAIL_URL``: ``smtp://user:pass@host:25``, ``smtp+tls://…``,
    ``smtps://…``, ``console:`` or ``memory:``."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme not in EMAIL_SCHEMES:
        known = ", ".join([*EMAIL_SCHEMES, "console", "memory"])
        raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not one of {known}")
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL needs a host, e.g. smtp://mail.example.com:587")
    use_tls, use_ssl = EMAIL_SCHEMES[parts.scheme]
    query = parse_qs(parts.query)
    settings: dict[str, object] = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
    if "from" in query:
        settings["DEFAULT_FROM_EMAIL"] = query["from"][0]
    return settings
