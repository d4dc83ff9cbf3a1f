from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.errors import DomainError
from tandem.orgs import services
from tandem.orgs.models import Membership, TokenScope


class Command(BaseCommand):
    help = "Manage API tokens. 'tandem token create --user EMAIL [--org SLUG] [--ingest]' prints a new token, once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token acting as a person; prints only the token.")
        create.add_argument("--user", required=True, help="The person's email.")
        create.add_argument("--org", help="Organization slug (needed when the person is in several).")
        create.add_argument("--name", default="command line", help="What the token is for.")
        create.add_argument(
            "--ingest",
            action="store_true",
            help="An ingestion token of the organization (the person must be an administrator): "
            "it may only send data points.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        memberships = (
            Membership.objects.unscoped()
            .select_related("organization", "user")
            .filter(user__email__iexact=options["user"], is_active=True)
        )
        if options["org"]:
            memberships = memberships.filter(organization__slug=options["org"])
        found = list(memberships[:2])
        if not found:
            raise CommandError(
                f"No active member {options['user']}"
                + (f" in organization {options['org']}" if options["org"] else "")
                + "."
            )
        if len(found) > 1:
            slugs = ", ".join(m.organization.slug for m in memberships)
            raise CommandError(f"{options['user']} belongs to several organizations ({slugs}): add --org SLUG.")
        scope = TokenScope.INGEST if options["ingest"] else TokenScope.FULL
        try:
            _token, raw = services.token_create(by=found[0], name=options["name"], scope=scope)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
