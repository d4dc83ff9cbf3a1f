"""How the API knows who is calling: a session cookie (the UI) or ``Authorization: Bearer <token>``.

A personal token acts as its owner. An organization's ingestion token (scope ``ingest``) is refused by the
default :class:`BearerTokenAuth` with a 403 that says what it may do; only operations that list
:class:`IngestTokenAuth` (sending data points) accept it, so the rule lives here and not in each view.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from tandem.core.errors import DomainError, PermissionDenied
from tandem.orgs import selectors, services
from tandem.orgs.keys import TOKEN_PREFIX
from tandem.orgs.models import Membership, TokenScope


class Unauthorized(DomainError):
    status = 401


class BearerTokenAuth(HttpBearer):
    """A personal API token; it acts as its owner in the token's organization. An ingestion token is
    refused here: only the operations that name :class:`IngestTokenAuth` accept it."""

    scopes: frozenset[str] = frozenset({TokenScope.FULL})

    def authenticate(self, request: HttpRequest, token: str) -> Membership:
        if not token.startswith(TOKEN_PREFIX) or len(token) < 20:
            raise Unauthorized(_("The API token is malformed: expected 'Authorization: Bearer tdm_…'."))
        found = selectors.membership_for_token(token)
        if found is None:
            raise Unauthorized(_("The API token is not valid: it may have been revoked. Create a new one."))
        api_token, membership = found
        if api_token.scope not in self.scopes:
            raise PermissionDenied(
                _("This is an ingestion token: it may only send data points (POST /api/v1/data-points).")
            )
        services.token_touch(api_token)
        request.user = membership.user
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization  # type: ignore[attr-defined]
        return membership

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if header is not None and not header.lower().startswith("bearer "):
            raise Unauthorized(_("Send the token as 'Authorization: Bearer <token>'."))
        return super().__call__(request)


class IngestTokenAuth(BearerTokenAuth):
    """A personal token or an organization's ingestion token: for the operations that receive data."""

    scopes = frozenset({TokenScope.FULL, TokenScope.INGEST})


class SessionMembershipAuth(SessionAuth):
    """The signed-in person's active organization, as chosen in the UI."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        if request.user.is_authenticated:
            return getattr(request, "membership", None)
        return None
