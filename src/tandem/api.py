"""The REST API: one NinjaAPI under ``/api``, version 1 under ``/api/v1``, OpenAPI docs at ``/api/docs``.

Authentication is a session cookie (the UI, with CSRF) or ``Authorization: Bearer <token>``.
Every error is JSON: ``{"detail": "…", "errors": [{"field": "…", "message": "…"}]}``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from tandem.api_auth import BearerTokenAuth, SessionMembershipAuth
from tandem.core.errors import DomainError, ValidationError


def _refuse_nul(value: Any, where: str) -> None:
    """PostgreSQL text cannot hold NUL characters; refuse them at the door with the field's name."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError(where, _("Text may not contain NUL characters."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, where)
            _refuse_nul(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{where}.{index}")


class StrictParser(Parser):
    """JSON bodies and query strings, with readable errors for broken JSON and NUL characters."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError("body", _("The request body is not valid JSON: %(error)s") % {"error": exc}) from None
        # JSON can only carry NUL as the escape \u0000: walk the body for its field only when it is there.
        if b"\\u0000" in request.body:
            _refuse_nul(data, "")
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> Any:
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_nul(parsed, "")
        return parsed


api = NinjaAPI(
    title="Tandem API",
    version="1",
    description="KPIs and OKRs on one screen. Authenticate with `Authorization: Bearer <token>` "
    "(create one under Settings → API tokens or with `tandem token create`). An ingestion token "
    "(scope `ingest`, made by an administrator) may only call `POST /api/v1/data-points`. "
    "Where a path names a KPI (`/api/v1/kpis/{kpi_id}`…), give its id or its key (`/api/v1/kpis/net_revenue`).",
    auth=[BearerTokenAuth(), SessionMembershipAuth()],
    parser=StrictParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, error_body(exc.message, exc.errors), status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        # loc is like ("body", "payload", "name") or ("query", "limit"): keep the field path.
        location = [str(part) for part in item.get("loc", ())]
        field = ".".join(location[2:] if location[:1] == ["body"] else location[1:]) or location[-1:][0]
        errors.append({"field": field, "message": str(item.get("msg", ""))})
    return api.create_response(request, error_body(_("Some fields are not valid."), errors), status=422)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, error_body(_("Sign in, or send 'Authorization: Bearer <token>'.")), status=401)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(_("Not found.")), status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, DomainError):
        # Ninja wraps the parser's errors ("Cannot parse request body"); ours say which field and why.
        return on_domain_error(request, exc.__cause__)
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


def _register_routers() -> None:
    from tandem.actions.api import router as actions_router
    from tandem.boards.api import router as boards_router
    from tandem.core.api import router as core_router
    from tandem.feedback.api import router as feedback_router
    from tandem.integrations.api import router as connectors_router
    from tandem.integrations.import_api import router as imports_router
    from tandem.integrations.webhook_api import router as webhooks_router
    from tandem.kpis.api import router as kpis_router
    from tandem.notifications.api import router as notifications_router
    from tandem.okrs.api import router as okrs_router
    from tandem.okrs.contribution_api import router as contribution_router
    from tandem.orgs.api import router as orgs_router

    api.add_router("/v1", orgs_router)
    api.add_router("/v1", kpis_router)
    api.add_router("/v1", okrs_router)
    api.add_router("/v1", boards_router)
    api.add_router("/v1", contribution_router)
    api.add_router("/v1", actions_router)
    api.add_router("/v1", notifications_router)
    api.add_router("/v1", feedback_router)
    api.add_router("/v1", core_router)
    api.add_router("/v1", webhooks_router)
    api.add_router("/v1", connectors_router)
    api.add_router("/v1", imports_router)


_register_routers()
