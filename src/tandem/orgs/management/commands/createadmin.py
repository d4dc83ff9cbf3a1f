from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.errors import DomainError
from tandem.orgs import services


class Command(BaseCommand):
    help = (
        "Create an organization's first administrator (and the organization if it does not exist). "
        "The password is asked for, or read from TANDEM_ADMIN_PASSWORD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="The person's full name.")
        parser.add_argument("--org", required=True, help="The organization's name.")
        parser.add_argument("--slug", default="", help="Short identifier (default: from the name).")
        parser.add_argument("--time-zone", default="UTC")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("TANDEM_ADMIN_PASSWORD") or getpass.getpass("Password: ")
        try:
            membership = services.admin_bootstrap(
                email=options["email"],
                full_name=options["name"],
                password=password,
                organization_name=options["org"],
                slug=options["slug"],
                time_zone=options["time_zone"],
            )
        except DomainError as exc:
            details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors) or exc.message
            raise CommandError(details) from None
        self.stdout.write(
            f"{membership.user.email} is an admin of {membership.organization.name} "
            f"(slug {membership.organization.slug})."
        )
