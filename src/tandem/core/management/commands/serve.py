from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run Tandem's production web server (granian, WSGI) after collecting static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, default=2, help="Worker processes (default 2).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker process (default 4).")
        parser.add_argument("--skip-collectstatic", action="store_true", help="Static files are collected already.")

    def handle(self, *args: Any, **options: Any) -> None:
        from granian import Granian
        from granian.constants import Interfaces

        if options["workers"] < 1 or not 0 < options["port"] < 65536:
            self.stderr.write("--workers must be at least 1 and --port between 1 and 65535.")
            raise SystemExit(2)
        if not options["skip_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        Granian(
            "tandem.wsgi:application",
            address=options["host"],
            port=options["port"],
            interface=Interfaces.WSGI,
            workers=options["workers"],
            blocking_threads=options["threads"],
        ).serve()
