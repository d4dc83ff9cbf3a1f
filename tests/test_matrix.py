"""The tenancy and permission matrix: every route of the UI and the API, from the URL resolver.

A new route fails ``test_every_route_is_classified`` until it is given a class and, for
writes, a valid request body below — so no route escapes the checks:

* an outsider (an admin of another organization) asking for Lotus's objects gets 404,
  lists show nothing of Lotus, and nothing of Lotus changes;
* a viewer of Lotus cannot change anything (403, or 404 for what viewers may not even see);
* signed-out visitors are sent to sign in (UI) or get 401 (API).
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tandem.actions import services as action_services
from tandem.api import api as ninja_api
from tandem.boards import services as board_services
from tandem.core.models import AuditEvent
from tandem.feedback import services as feedback_services
from tandem.integrations import imports as import_services
from tandem.integrations import services as connector_services
from tandem.integrations import webhook_services
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpi_services
from tandem.okrs import services as okr_services
from tandem.okrs import templating
from tandem.orgs import services
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db

# Routes anyone may open, signed in or not.
PUBLIC = {"login", "logout", "healthz", "invitation_accept", "openapi-json", "openapi-view", "api-root"}
# A person's own things: every role, viewers included, may change them (password, profile, own tokens).
SELF_SERVICE = {
    "password_change",
    "password_change_done",
    "organization_switch",
    "me_update",
    "notifications_read",
    "notification_preferences",
    "notification_preferences_update",
    "token_create",
    "token_revoke",
    "settings",
}

# A valid body per write, so that a refusal proves the permission check and not a validation error.
API_BODIES: dict[str, dict] = {
    "organization_update": {"name": "Renamed"},
    "me_update": {"full_name": "Renamed Person"},
    "person_update": {"job_title": "Changed"},
    "team_create": {"name": "Matrix team"},
    "team_update": {"name": "Matrix rename"},
    "team_delete": {},
    "team_member_add": {"person": "{person_id}"},
    "team_member_remove": {},
    "invitation_create": {"email": "matrix@example.com"},
    "invitation_revoke": {},
    "token_create": {"name": "matrix"},
    "token_revoke": {},
    "kpi_create": {"key": "matrix_kpi", "name": "Matrix KPI", "target": "10", "red_threshold": "90"},
    "kpi_update": {"description": "changed by the matrix"},
    "kpi_delete": {},
    "kpi_submit": {},
    "kpi_archive": {},
    "data_points_record": {"points": [{"kpi": "{kpi_id}", "date": "2026-11-02", "value": "5"}]},
    "change_request_create": {"changes": {"target": "9"}, "reason": "matrix"},
    "change_request_approve": {"comment": "ok"},
    "change_request_reject": {"comment": "no"},
    "cycle_create": {"name": "Matrix cycle", "start": "2027-01-01", "end": "2027-03-31"},
    "cycle_update": {"name": "Matrix rename"},
    "cycle_advance": {"state": "closing"},
    "objective_create": {"cycle": "{cycle_id}", "title": "Matrix objective", "owner": "{person_id}"},
    "objective_update": {"title": "Matrix rename"},
    "objective_delete": {},
    "objective_reflect": {"went_well": "matrix"},
    "objective_carry_over": {"cycle": "{cycle_id}"},
    "comment_create": {"body": "matrix"},
    "kpi_comment_create": {"body": "matrix"},
    "feedback_thread_open": {"report": "{person_id}"},
    "feedback_note_create": {"body": "matrix"},
    "key_result_create": {"objective": "{objective_id}", "title": "Matrix KR", "target_value": "5"},
    "key_result_update": {"title": "Matrix rename"},
    "key_result_delete": {},
    "check_in_create": {"value": "3", "confidence": "on_track"},
    "key_result_score": {"score": "0.5", "reason": "matrix"},
    "milestone_update": {"done": True},
    "action_create": {"kpi": "{kpi_id}", "title": "Matrix action", "due_date": "2099-12-31"},
    "action_update": {"status": "doing"},
    "action_delete": {},
    "notifications_read": {},
    "notification_preferences_update": {"channels": {"mentions": "email"}},
    "template_save": {"objective": "{objective_id}"},
    "template_delete": {},
    "objective_from_template": {"template": "marketing_free_trial_acquisition", "cycle": "{cycle_id}"},
    "kpi_from_template": {"template": "units_sold"},
    "board_create": {"name": "Matrix board"},
    "board_update": {"name": "Matrix rename"},
    "board_delete": {},
    "board_member_add": {"person": "{person_id}", "role": "viewer"},
    "board_member_update": {"role": "editor"},
    "board_member_remove": {},
    "board_section_create": {"title": "Matrix section"},
    "board_section_update": {"title": "Matrix rename"},
    "board_section_delete": {},
    "board_item_add": {"kpi": "{kpi_id}"},
    "board_item_update": {"display": "chart"},
    "board_item_remove": {},
    "webhook_create": {"name": "Matrix webhook", "url": "https://example.com/hook", "events": ["check_in.created"]},
    "webhook_update": {"name": "Matrix rename"},
    "webhook_delete": {},
    "webhook_secret_rotate": {},
    "webhook_test": {},
    "webhook_delivery_redeliver": {},
    "connector_create": {
        "name": "Matrix connector",
        "kind": "sql",
        "config": {"query": "SELECT day AS date, units AS value FROM orders"},
        "secrets": {"url": "sqlite:////tmp/tandem-matrix-erp.sqlite3"},
    },
    "connector_update": {"name": "Matrix rename"},
    "connector_delete": {},
    "connector_run": {},
    "connector_test": {},
    "import_upload": {"encoding": "utf-8"},  # and a file: see MULTIPART
    "import_check": {"kpi_column": "KPI", "date_column": "Date", "value_column": "Value"},
    "import_run": {"kpi_column": "KPI", "date_column": "Date", "value_column": "Value", "skip_bad_rows": False},
}
UI_BODIES: dict[str, dict] = {
    "person_edit": {"role": "member", "job_title": "Changed", "manager": "", "is_active": "on"},
    "team_create": {"name": "Matrix team"},
    "team_edit": {"name": "Matrix rename"},
    "team_delete": {},
    "invitations": {"email": "matrix@example.com", "role": "member", "team": ""},
    "invitation_revoke": {},
    "organization_switch": {"organization": "{organization_id}"},
    "settings": {
        "section": "organization",
        "name": "Renamed",
        "time_zone": "UTC",
        "fiscal_year_start_month": "1",
        "language": "en",
        "reminder_weekday": "0",
        "reminder_hour": "9",
    },
    "token_revoke": {},
    "password_change": {},
    "kpi_create": {
        "name": "Matrix KPI",
        "key": "matrix_kpi",
        "owner": "{person_id}",
        "unit_kind": "number",
        "frequency": "month",
        "aggregation": "sum",
        "direction": "higher",
        "target": "10",
        "threshold_mode": "percent",
        "red_threshold": "90",
        "visibility": "public",
        "risk_level": "none",
    },
    "kpi_record": {"date": "2026-11-02", "value": "5"},
    "kpi_edit": {
        "name": "Matrix rename",
        "key": "lotus_revenue",
        "owner": "{person_id}",
        "unit_kind": "number",
        "visibility": "public",
        "risk_level": "none",
    },
    "kpi_archive": {},
    "kpi_delete": {},
    "kpi_period_target": {"day": "2026-12-01", "target": "11"},
    "kpi_submit": {},
    "kpi_change_request": {"target": "9", "reason": "matrix"},
    "change_request_approve": {"comment": "ok"},
    "change_request_reject": {"comment": "no"},
    "cycles": {"name": "Matrix cycle", "kind": "quarter", "start": "2027-01-01", "end": "2027-03-31"},
    "cycle_advance": {"state": "closing"},
    "objective_create": {
        "title": "Matrix objective",
        "owner": "{person_id}",
        "kind": "committed",
        "visibility": "public",
    },
    "objective_edit": {"title": "Matrix rename", "kind": "committed", "visibility": "public"},
    "objective_delete": {},
    "key_result_create": {
        "title": "Matrix KR",
        "type": "number",
        "start_value": "0",
        "target_value": "5",
        "weight": "1",
    },
    "objective_reflect": {"went_well": "matrix"},
    "objective_carry_over": {"cycle": "{cycle_id}"},
    "comment_add": {"body": "matrix"},
    "kpi_comment_add": {"body": "matrix"},
    "feedback_thread": {"body": "matrix"},
    "key_result_edit": {
        "title": "Matrix rename",
        "type": "number",
        "start_value": "0",
        "target_value": "5",
        "weight": "1",
    },
    "key_result_delete": {},
    "key_result_check_in": {"value": "3", "confidence": "on_track"},
    "key_result_score": {"score": "0.5", "reason": "matrix"},
    "milestone_toggle": {"done": "1"},
    "action_create": {"kpi": "{kpi_id}", "title": "Matrix action", "due_date": "2099-12-31"},
    "action_status": {"status": "doing"},
    "action_edit": {"title": "Matrix rename", "owner": "{person_id}", "due_date": "2099-12-31", "status": "doing"},
    "action_delete": {},
    "notifications_read": {},
    "notification_preferences": {"mentions": "email"},
    "template_use": {"template": "marketing_free_trial_acquisition", "cycle": "{cycle_id}"},
    "template_save": {"objective": "{objective_id}"},
    "board_create": {"name": "Matrix board", "visibility": "public"},
    "board_edit": {"name": "Matrix rename", "visibility": "public"},
    "board_delete": {},
    "board_members": {"person": "{person_id}", "role": "viewer"},
    "board_member_update": {"role": "editor"},
    "board_member_remove": {},
    "board_section_add": {"title": "Matrix section"},
    "board_section_update": {"title": "Matrix rename"},
    "board_section_delete": {},
    "board_item_add": {"kind": "kpi", "metric": "{kpi_id}", "display": "card"},
    "board_item_update": {"display": "chart"},
    "board_item_remove": {},
    "webhook_create": {"name": "Matrix webhook", "url": "https://example.com/hook", "events": "check_in.created"},
    "webhook_edit": {"name": "Matrix rename", "url": "https://example.com/hook", "events": "check_in.created"},
    "webhook_delete": {},
    "webhook_secret_rotate": {},
    "webhook_test": {},
    "webhook_redeliver": {},
    "connector_create": {
        "name": "Matrix connector",
        "kind": "sql",
        "url": "sqlite:////tmp/tandem-matrix-erp.sqlite3",
        "query": "SELECT day AS date, units AS value FROM orders",
        "schedule_kind": "manual",
    },
    "connector_edit": {
        "name": "Matrix rename",
        "kind": "sql",
        "query": "SELECT 1 AS date, 2 AS value",
        "schedule_kind": "manual",
    },
    "connector_preview": {
        "name": "Matrix connector",
        "kind": "sql",
        "url": "sqlite:////tmp/tandem-matrix-erp.sqlite3",
        "query": "SELECT 1 AS date, 2 AS value",
        "schedule_kind": "manual",
    },
    "connector_test": {},
    "connector_run": {},
    "connector_delete": {},
    "imports": {"encoding": "utf-8"},  # and a file: see MULTIPART
    "import_check": {"kpi_column": "KPI", "date_column": "Date", "value_column": "Value", "date_format": "YYYY-MM-DD"},
    "import_run": {"kpi_column": "KPI", "date_column": "Date", "value_column": "Value", "skip_bad_rows": "0"},
}
# Uploads (API and UI route names): sent as multipart with a fresh small CSV file (a file is read only once).
MULTIPART = {"import_upload", "imports"}
MATRIX_CSV = b"KPI,Date,Value\r\nlotus_revenue,2026-11-02,5\r\n"
# UI routes that accept only POST.
UI_POST_ONLY = {
    "team_delete",
    "invitation_revoke",
    "organization_switch",
    "token_revoke",
    "kpi_archive",
    "kpi_delete",
    "kpi_period_target",
    "kpi_submit",
    "kpi_change_request",
    "change_request_approve",
    "change_request_reject",
    "cycle_advance",
    "objective_delete",
    "key_result_create",
    "objective_reflect",
    "objective_carry_over",
    "comment_add",
    "kpi_comment_add",
    "key_result_delete",
    "key_result_score",
    "milestone_toggle",
    "action_create",
    "action_status",
    "action_delete",
    "notifications_read",
    "template_use",
    "template_save",
    "board_delete",
    "board_member_update",
    "board_member_remove",
    "board_section_add",
    "board_section_update",
    "board_section_delete",
    "board_item_add",
    "board_item_update",
    "board_item_remove",
    "webhook_delete",
    "webhook_secret_rotate",
    "webhook_test",
    "webhook_redeliver",
    "connector_preview",
    "connector_test",
    "connector_run",
    "connector_delete",
    "import_check",
    "import_run",
}
# UI routes that only ever read (a POST to them is not a write path).
UI_READ_ONLY = {
    "home",
    "kpis",
    "kpi_detail",
    "okrs",
    "boards",
    "board_detail",
    "board_item_search",
    "insights",
    "people",
    "person_detail",
    "person_contribution",
    "team_detail",
    "password_change_done",
    "alignment_map",
    "objective_detail",
    "objective_children",
    "templates",
    "notifications",
    "actions",
    "notifications_bell",
    "digest",
    "webhooks",
    "webhook_detail",
    "connectors",
    "connector_detail",
    "import_detail",
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    methods: tuple[str, ...]
    is_api: bool

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.pattern)

    def url(self, values: dict[str, object]) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.pattern)


def _walk(patterns, prefix=""):  # type: ignore[no-untyped-def]
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def _api_methods() -> dict[str, str]:
    """Operation name -> HTTP method, from the OpenAPI schema ninja builds from the same routes."""
    methods = {}
    for operations in ninja_api.get_openapi_schema()["paths"].values():
        for method, operation in operations.items():
            methods[operation["operationId"].rsplit("_api_", 1)[-1]] = method.upper()
    return methods


def all_routes() -> list[Route]:
    api_methods = _api_methods()
    routes = []
    for pattern, name in _walk(get_resolver().url_patterns):
        is_api = pattern.startswith("api/") and name not in PUBLIC
        if is_api:
            methods: tuple[str, ...] = (api_methods[name],)
        elif name in UI_READ_ONLY or name in PUBLIC:
            methods = ("GET",)
        elif name in UI_POST_ONLY:
            methods = ("POST",)
        else:
            methods = ("GET", "POST")
        routes.append(Route(name=name, pattern=pattern, methods=methods, is_api=is_api))
    return routes


ROUTES = all_routes()
WRITES = {"POST", "PATCH", "PUT", "DELETE"}


def _fill(template: object, values: dict[str, object], as_int: bool) -> object:
    """Put the Lotus object ids into a body template ("{person_id}" becomes the id)."""
    if isinstance(template, dict):
        return {key: _fill(value, values, as_int) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values, as_int) for value in template]
    if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        filled = template.format(**values)
        return int(filled) if as_int else filled
    return template


def _body(route: Route, values: dict[str, object]) -> dict:
    template = (API_BODIES if route.is_api else UI_BODIES).get(route.name, {})
    return _fill(template, values, as_int=route.is_api)  # type: ignore[return-value]


def _send(client: Client, route: Route, method: str, values: dict[str, object]):  # type: ignore[no-untyped-def]
    url = route.url(values)
    if method == "GET":
        return client.get(url)
    if route.name in MULTIPART:
        return client.post(url, {**_body(route, values), "file": SimpleUploadedFile("matrix.csv", MATRIX_CSV)})
    if route.is_api:
        return client.generic(method, url, data=json.dumps(_body(route, values)), content_type="application/json")
    return client.post(url, _body(route, values))


@pytest.fixture
def lotus_objects(admin, salesperson):  # type: ignore[no-untyped-def]
    """One object of each kind in Lotus, addressed by the URL parameter names."""
    invitation, raw = services.invitation_create(by=admin, email="pending@lotus.example")
    token, _raw = services.token_create(by=salesperson, name="Lotus token")
    leaf = Team.objects.for_org(admin.organization).get(name="Warehouse")
    kpi = kpi_services.kpi_create(
        by=admin, key="lotus_revenue", name="Lotus revenue", target=Decimal(10), red_threshold=Decimal(90)
    )
    kpi_services.kpi_submit(by=admin, kpi=kpi)
    change = kpi_services.change_request_create(
        by=admin,
        kpi=kpi_selectors.kpi_get(membership=admin, kpi_id=kpi.pk),
        changes={"target": Decimal(12)},
        reason="Lotus grows",
    )
    cycle = okr_services.cycle_create(
        by=admin, name="Lotus matrix cycle", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    okr_services.cycle_advance(by=admin, cycle=cycle, state="active")
    objective = okr_services.objective_create(by=admin, cycle=cycle, title="Lotus matrix objective")
    key_result = okr_services.key_result_create(by=admin, objective=objective, title="Lotus KR", target_value=10)
    steps = okr_services.key_result_create(
        by=admin, objective=objective, title="Lotus steps", type="milestones", milestones=["One", "Two"]
    )
    saved = templating.template_save_objective(by=admin, objective=objective, name="Lotus saved template")
    action = action_services.action_create(
        by=admin, kpi=kpi, title="Lotus matrix action", owner=salesperson.pk, due_date=datetime.date(2099, 12, 31)
    )
    thread, _opened = feedback_services.feedback_thread_open(by=admin, report=salesperson)
    board = board_services.board_create(by=admin, name="Lotus matrix board", visibility="public")
    board_section = board_services.board_section_create(by=admin, board=board, title="Lotus matrix section")
    board_item = board_services.board_item_add(by=admin, board=board, kpi=kpi, section=board_section)
    board_member = board_services.board_member_add(by=admin, board=board, person=salesperson.pk, role="viewer")
    webhook, _secret = webhook_services.webhook_create(
        by=admin, name="Lotus matrix webhook", url="https://lotus.example/hook", events=["check_in.created"]
    )
    delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    connector = connector_services.connector_create(
        by=admin,
        name="Lotus matrix connector",
        kind="sql",
        kpi=kpi,
        config={"query": "SELECT day AS date, units AS value FROM orders"},
        secrets={"url": "sqlite:////tmp/tandem-matrix-erp.sqlite3"},
    )
    data_import = import_services.data_import_upload(
        by=admin, upload=SimpleUploadedFile("lotus-matrix.csv", MATRIX_CSV)
    )
    return {
        "board_id": board.pk,
        "section_id": board_section.pk,
        "item_id": board_item.pk,
        "member_id": board_member.pk,
        "template_id": saved.pk,
        "thread_id": thread.pk,
        "cycle_id": cycle.pk,
        "objective_id": objective.pk,
        "key_result_id": key_result.pk,
        "milestone_id": steps.milestones.first().pk,
        "action_id": action.pk,
        "person_id": salesperson.pk,
        "team_id": leaf.pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
        "token": raw,
        "kpi_id": kpi.pk,
        "request_id": change.pk,
        "organization_id": admin.organization_id,
        "webhook_id": webhook.pk,
        "delivery_id": delivery.pk,
        "connector_id": connector.pk,
        "import_id": data_import.pk,
    }


def test_every_route_is_classified():
    unclassified = []
    for route in ROUTES:
        if route.name in PUBLIC or route.name in UI_READ_ONLY:
            continue
        bodies = API_BODIES if route.is_api else UI_BODIES
        if any(m in WRITES for m in route.methods) and route.name not in bodies:
            unclassified.append(route.pattern + " " + route.name)
    assert unclassified == [], "give these routes a body in tests/test_matrix.py"
    assert len(ROUTES) >= 45


# Lotus-only facts (Lotus's admin is also a viewer in Orchid, so her own name may show there).
LOTUS_MARKERS = (
    "an.pham@lotus.example",
    "Lotus Distribution",
    "Phạm Minh An",
    "Warehouse",
    "pending@lotus.example",
    "Lotus token",
    "Lotus matrix cycle",
    "Lotus matrix objective",
    "Lotus KR",
    "Lotus saved template",
    "Lotus matrix action",
    "Lotus matrix board",
    "Lotus matrix section",
    "Lotus matrix webhook",
    "Lotus matrix connector",
    "lotus-matrix.csv",
)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name not in PUBLIC], ids=lambda r: f"{r.name}:{r.pattern}")
def test_outsider_cannot_read_or_change_lotus(route, outsider, lotus_objects, web, api):
    lotus_before = AuditEvent.objects.for_org(lotus_objects["organization_id"]).count()
    # API routes are tried with a token and with the UI's session; pages with the session.
    for client in (api(outsider), web(outsider)) if route.is_api else (web(outsider),):
        for method in route.methods:
            response = _send(client, route, method, lotus_objects)
            text = response.content.decode(errors="replace")
            if route.params and route.name not in ("organization_switch",):
                assert response.status_code == 404, f"{method} {route.url(lotus_objects)}: {response.status_code}"
            else:
                assert response.status_code < 500, f"{method} {route.url(lotus_objects)}: {response.status_code}"
                leaked = [m for m in LOTUS_MARKERS if m in text]
                assert not leaked, f"{method} {route.url(lotus_objects)} shows {leaked}"
    assert AuditEvent.objects.for_org(lotus_objects["organization_id"]).count() == lotus_before


@pytest.mark.parametrize(
    "route",
    [
        r
        for r in ROUTES
        if r.name not in PUBLIC
        and r.name not in SELF_SERVICE
        and any(m in WRITES for m in r.methods)
        or (r.name == "settings")
    ],
    ids=lambda r: f"{r.name}:{r.pattern}",
)
def test_viewer_cannot_write(route, viewer, lotus_objects, web, api):
    client = api(viewer) if route.is_api else web(viewer)
    before = AuditEvent.objects.for_org(viewer.organization).count()
    for method in (m for m in route.methods if m in WRITES):
        response = _send(client, route, method, lotus_objects)
        assert response.status_code in (403, 404), f"{method} {route.url(lotus_objects)}: {response.status_code}"
    assert AuditEvent.objects.for_org(viewer.organization).count() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name not in PUBLIC], ids=lambda r: f"{r.name}:{r.pattern}")
def test_signed_out_visitors_are_turned_away(route, client, lotus_objects):
    for method in route.methods:
        response = _send(client, route, method, lotus_objects)
        if route.is_api:
            assert response.status_code == 401, f"{method} {route.pattern}"
        elif method == "GET":
            assert response.status_code == 302 and "/login/" in response["Location"], route.pattern
        else:
            assert response.status_code in (302, 403, 405), route.pattern
