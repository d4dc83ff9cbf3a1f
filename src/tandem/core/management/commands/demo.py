"""``tandem demo``: the whole product on one machine with one command."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.orgs import demo


class Command(BaseCommand):
    help = (
        "Migrate the embedded database, load the demo organization (once), then run the "
        "background worker and the web server until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database and data only.")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not 0 < port < 65536:
            self.stderr.write("--port must be between 1 and 65535.")
            raise SystemExit(2)
        call_command("migrate", interactive=False, verbosity=0)
        created = demo.load()
        self.stdout.write(("Loaded" if created else "Kept") + f" the demo organization in {settings.DATA_DIR}")
        if options["no_serve"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self._print_logins(host, port)
        self._run(host, port)

    def _print_logins(self, host: str, port: int) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.stdout.write(self.style.SUCCESS(f"\nTandem is starting on http://{shown}:{port}/"))
        self.stdout.write(f"Demo logins (password: {demo.PASSWORD}):")
        for email, description in demo.LOGINS:
            self.stdout.write(f"  {email:<28} {description}")
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _run(self, host: str, port: int) -> None:
        env = os.environ.copy()
        env["TANDEM_DATA_DIR"] = str(settings.DATA_DIR)
        # The demo may listen on every interface; then any Host header is fine, as on a laptop.
        hosts = ["*"] if host in ("0.0.0.0", "::") else [host, "127.0.0.1", "localhost"]
        env.setdefault("ALLOWED_HOSTS", ",".join(hosts))
        tandem = [sys.executable, "-m", "tandem.cli"]
        # Each child leads its own process group, so a stop reaches its own sub-processes (granian's
        # workers) and a Ctrl-C is delivered once, by us, rather than twice.
        children = [
            subprocess.Popen([*tandem, "worker"], env=env, start_new_session=True),
            subprocess.Popen(
                [*tandem, "serve", "--host", host, "--port", str(port), "--workers", "1", "--skip-collectstatic"],
                env=env,
                start_new_session=True,
            ),
        ]

        def signal_all(sig: int) -> None:
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, sig)

        def on_term(*_args: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        interrupted = False
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            interrupted = True
        signal_all(signal.SIGINT)
        deadline = time.monotonic() + 10
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Whatever is left of either group (a stuck worker process) is stopped for good.
        signal_all(signal.SIGKILL)
        if not interrupted:
            raise CommandError(f"The web server or the worker stopped on its own (is port {port} free?); see above.")
        self.stdout.write("Tandem stopped.")
