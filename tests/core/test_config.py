"""Configuration is read strictly from the environment."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from tandem import config


@pytest.mark.parametrize("value,expected", [("True", True), ("false", False), ("1", True), ("0", False)])
def test_env_bool_accepts_clear_values(monkeypatch, value, expected):
    monkeypatch.setenv("TANDEM_FLAG", value)
    assert config.env_bool("TANDEM_FLAG", not expected) is expected


@pytest.mark.parametrize("value", ["ture", "yes", "on", "enabled"])
def test_env_bool_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("TANDEM_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="TANDEM_FLAG must be True or False"):
        config.env_bool("TANDEM_FLAG", False)


def test_env_int_checks_number_and_minimum(monkeypatch):
    monkeypatch.setenv("TANDEM_N", "abc")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        config.env_int("TANDEM_N", 1)
    monkeypatch.setenv("TANDEM_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        config.env_int("TANDEM_N", 1, minimum=1)


def test_secret_from_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert config.env_str("SECRET_KEY") == "s3cr3t"


def test_generated_secret_only_for_the_embedded_default(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    first = config.secret_key(tmp_path, embedded=True)
    assert first == config.secret_key(tmp_path, embedded=True)
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        config.secret_key(tmp_path, embedded=False)


def test_email_urls():
    assert config.email_settings("smtp+tls://me%40x.com:pw@mail.example.com")["EMAIL_PORT"] == 587
    smtp = config.email_settings("smtp://mail.example.com:2525?from=tandem@example.com")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["DEFAULT_FROM_EMAIL"]) == (
        "mail.example.com",
        2525,
        "tandem@example.com",
    )
    assert config.email_settings("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured, match="scheme"):
        config.email_settings("pop3://mail.example.com")
    with pytest.raises(ImproperlyConfigured, match="host"):
        config.email_settings("smtp://")


def test_encryption_key_generated_only_for_the_embedded_default(monkeypatch, tmp_path):
    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEY_FILE", raising=False)
    first = config.encryption_keys(tmp_path, embedded=True)
    assert first == config.encryption_keys(tmp_path, embedded=True)
    assert (tmp_path / "encryption_key").stat().st_mode & 0o077 == 0
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEY .* must be set"):
        config.encryption_keys(tmp_path, embedded=False)


def test_encryption_keys_from_the_environment_newest_first(monkeypatch, tmp_path):
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("ENCRYPTION_KEY", f"{new}, {old}")
    assert config.encryption_keys(tmp_path, embedded=False) == [new, old]
    monkeypatch.setenv("ENCRYPTION_KEY", "not-a-fernet-key")
    with pytest.raises(ImproperlyConfigured, match="32 url-safe base64"):
        config.encryption_keys(tmp_path, embedded=False)
