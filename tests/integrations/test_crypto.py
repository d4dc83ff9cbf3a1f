"""Credentials sealed at rest: only the configured keys open them, and a rotated key keeps old ones readable."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from tandem.integrations import crypto

SECRETS = {"url": "postgresql://erp:hunter2@db.example.com/erp", "headers": {"Authorization": "Bearer abc"}}


def test_sealed_secrets_open_again_and_do_not_show_the_password(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = crypto.seal(SECRETS)
    assert "hunter2" not in token
    assert crypto.unseal(token) == SECRETS
    assert crypto.unseal("") == {}


def test_a_rotated_key_still_opens_what_the_old_one_sealed(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    token = crypto.seal(SECRETS)
    settings.ENCRYPTION_KEYS = [new, old]
    assert crypto.unseal(token) == SECRETS
    settings.ENCRYPTION_KEYS = [new]
    with pytest.raises(ImproperlyConfigured, match="keep the old key"):
        crypto.unseal(token)


def test_mask_shows_too_little_to_use():
    assert crypto.mask("Bearer abcdefghijkl") == "Bea••••kl"
    assert crypto.mask("short") == "••••"
