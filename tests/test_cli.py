"""The ``tandem`` command line: what an admin types."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import Client

from tandem.orgs import demo
from tandem.orgs.models import Membership, Organization


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_token_create_prints_only_a_working_token():
    output = _call("token", "create", "--user", "an.pham@lotus.example")
    token = output.strip()
    assert output.count("\n") == 1 and token.startswith("tdm_") and " " not in token
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["person"]["email"] == "an.pham@lotus.example"


@pytest.mark.django_db
def test_token_create_asks_for_org_when_the_person_has_several():
    with pytest.raises(CommandError, match="--org"):
        _call("token", "create", "--user", "admin@lotus.example")
    token = _call("token", "create", "--user", "admin@lotus.example", "--org", "orchid").strip()
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").json()
    assert me["organization"]["slug"] == "orchid"


@pytest.mark.django_db
def test_token_create_for_unknown_person():
    with pytest.raises(CommandError, match="No active member"):
        _call("token", "create", "--user", "nobody@lotus.example")


@pytest.mark.django_db
def test_createadmin_creates_organization_and_admin(monkeypatch):
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "a-long-and-good-passphrase")
    output = _call("createadmin", "--email", "Boss@Acme.example", "--name", "Ada Boss", "--org", "Acme Trading")
    assert "boss@acme.example is an admin of Acme Trading" in output
    admin = Membership.objects.for_org(Organization.objects.get(slug="acme-trading")).get()
    assert admin.role == "admin" and admin.user.check_password("a-long-and-good-passphrase")


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        _call("createadmin", "--email", "weak@acme.example", "--name", "Weak", "--org", "Weak Co")
    assert not Organization.objects.filter(slug="weak-co").exists()


@pytest.mark.django_db
def test_demo_loader_is_idempotent():
    people = Membership.objects.unscoped().count()
    assert demo.load() is False
    assert Membership.objects.unscoped().count() == people
    lotus = Organization.objects.get(slug="lotus")
    assert Membership.objects.for_org(lotus).count() == len(demo.PEOPLE) == 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _running_with_data_dir(data_dir: Path) -> list[int]:
    """Processes started for this data folder (the demo passes it to its children's environment)."""
    marker = f"TANDEM_DATA_DIR={data_dir}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_quick_start_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    """``tandem demo`` on an empty data folder: migrate, load, serve, run the worker; Ctrl-C stops both."""
    port = _free_port()
    env = {**os.environ, "TANDEM_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.5)
        assert "password" in body.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/vendor/tabler/tabler.min.css") as css:
            assert css.status == 200
        assert (tmp_path / "tandem.sqlite3").exists()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.wait(timeout=60)
        # Nothing of the server or the worker is left running.
        deadline = time.monotonic() + 15
        while _running_with_data_dir(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _running_with_data_dir(tmp_path) == []
        output = proc.stdout.read() if proc.stdout else ""
    finally:
        for pid in _running_with_data_dir(tmp_path):
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0, output
    assert "admin@lotus.example" in output and "Tandem stopped." in output
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)


def test_help_lists_tandem_commands():
    output = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("demo", "serve", "worker", "createadmin", "token", "migrate"):
        assert command in output


def test_demo_says_so_when_the_port_is_taken(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "TANDEM_DATA_DIR": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "tandem.cli", "demo", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert result.returncode != 0
    assert f"is port {port} free?" in result.stderr
    assert _running_with_data_dir(tmp_path) == []


def test_encryption_key_prints_a_key_even_where_the_server_cannot_start_without_one(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "SECRET_KEY": "x"}
    env.pop("ENCRYPTION_KEY", None)
    made = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "encryption-key"], capture_output=True, text=True, env=env, check=True
    )
    key = made.stdout.strip()
    Fernet(key)  # a usable key, and nothing else on the line
    refused = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "check"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert refused.returncode != 0
    assert "ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) must be set" in refused.stderr
