"""Shared fixtures: the demo company's personas, built once per test session.

Personas (see ``tandem.orgs.demo``): an admin, a sales manager, a salesperson in her team,
a warehouse lead in another team, a viewer, and an outsider from another organization.
"""

from __future__ import annotations

import logging
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.test import Client, override_settings
from huey.contrib.djhuey import HUEY

from tandem.orgs import demo, services
from tandem.orgs.middleware import SESSION_KEY
from tandem.orgs.models import Membership

PERSONAS = {
    "admin": ("admin@lotus.example", "lotus"),
    "sales_manager": ("linh.tran@lotus.example", "lotus"),
    "salesperson": ("an.pham@lotus.example", "lotus"),
    "warehouse_lead": ("minh.le@lotus.example", "lotus"),
    "viewer": ("sarah.hughes@lotus.example", "lotus"),
    "outsider": ("outsider@orchid.example", "orchid"),
}


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    # Tasks run inline in tests; one test (test_worker) drives a real Redis queue itself.
    HUEY.immediate = True
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # The tests' SQLite "ERP" files live in pytest's temporary folders.
        CONNECTOR_SQLITE_DIRS=[*settings.CONNECTOR_SQLITE_DIRS, tempfile.gettempdir()],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_test_settings, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        demo.load()


def persona(name: str) -> Membership:
    email, slug = PERSONAS[name]
    return (
        Membership.objects.unscoped()
        .select_related("user", "organization")
        .get(user__email=email, organization__slug=slug)
    )


@pytest.fixture
def admin(db) -> Membership:  # type: ignore[no-untyped-def]
    return persona("admin")


@pytest.fixture
def sales_manager(db) -> Membership:  # type: ignore[no-untyped-def]
    return persona("sales_manager")


@pytest.fixture
def salesperson(db) -> Membership:  # type: ignore[no-untyped-def]
    return persona("salesperson")


@pytest.fixture
def warehouse_lead(db) -> Membership:  # type: ignore[no-untyped-def]
    return persona("warehouse_lead")


@pytest.fixture
def viewer(db) -> Membership:  # type: ignore[no-untyped-def]
    return persona("viewer")


@pytest.fixture
def outsider(db) -> Membership:  # type: ignore[no-untyped-def]
    return persona("outsider")


def signed_in(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.organization_id
    session.save()
    return client


def bearer(membership: Membership) -> Client:
    _token, raw = services.token_create(by=membership, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def web() -> Callable[[Membership], Client]:
    return signed_in


@pytest.fixture
def api() -> Callable[[Membership], Client]:
    return bearer


@dataclass
class Mailbox:
    """What a real SMTP server, started for one test, received: parsed messages, in arrival order."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class _Receiver:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        self.mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    """A real SMTP server (aiosmtpd) on 127.0.0.1, with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    mailbox = Mailbox(host="127.0.0.1", port=free_port())
    controller = Controller(_Receiver(mailbox), hostname=mailbox.host, port=mailbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = mailbox.host, mailbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield mailbox
    finally:
        controller.stop()
