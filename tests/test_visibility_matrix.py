"""The visibility matrix: who may read which KPI, objective, key result and board, on every route that reads one.

The routes come from the same discovery as ``test_matrix.py`` (the URL resolver and the OpenAPI schema), so a
new route joins the matrix by itself:

* a GET route with ``kpi_id``, ``objective_id``, ``key_result_id`` or ``board_id`` in its URL is a *detail*
  route of that kind: 200 when the role may see the object, 404 otherwise (a form shows 200, or 403 to who
  may see but not change it);
* a GET API route with such an object as a query parameter (``?kpi=``, ``?objective=``, ``?root=``…) is a
  *filter* route: 200 when the role may see the object, otherwise the very answer a missing id gets;
* a route whose parameter belongs to one of those objects (a KPI's change request or action, a board's
  member, section or item) is a detail route of that object;
* every other GET route (lists, search, counts, the home page, notifications, exports) is read too, and
  nowhere may the marker title of an object the role may not see appear; the lists named in ``SHOWS`` must
  also show every such object the role may see.

A GET route with a parameter the generator cannot fill, or an export nobody classified, fails
``test_every_read_route_is_classified``. Writes are ``test_matrix.py``'s. Who may see what is written once,
in ``MAY_SEE``; the objects are built once for the module, in a transaction rolled back at its end.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase

from conftest import bearer, persona, signed_in
from tandem.actions import services as action_services
from tandem.api import api as ninja_api
from tandem.boards.models import Board, BoardItem, BoardMember, BoardSection
from tandem.core.periods import local_today
from tandem.core.selectors import AUDITED_TYPES
from tandem.feedback import services as feedback_services
from tandem.integrations import imports as import_services
from tandem.integrations import services as connector_services
from tandem.integrations import webhook_services
from tandem.kpis import points as kpi_points
from tandem.kpis import services as kpi_services
from tandem.okrs import services as okr_services
from tandem.orgs import services as org_services
from tandem.orgs.models import Membership, Team
from test_matrix import PUBLIC, ROUTES, UI_READ_ONLY, Route

pytestmark = pytest.mark.django_db

# --- the rule, written once -------------------------------------------------------------------------------

ROLES = (
    "admin",  # Mai, administrator of Lotus, not a member of the private board
    "manager_up",  # Linh: manages Sales and Sales South (An's team), An's manager; owns the private board
    "manager_elsewhere",  # Minh, manager of the Warehouse
    "member",  # An, salesperson in Sales South, owner of the private KPI and objective
    "viewer",  # Sarah, viewer of Lotus
    "board_member",  # Phúc (Sales North), a viewer-role member of the private board
    "non_member",  # Trang (Sales North), an ordinary member on no board
    "outsider",  # the admin of another organization
)
IN_LOTUS = frozenset(ROLES) - {"outsider"}
# The objects: name -> (kind, visibility). Every metric is An's, in Sales South (the "tree" KPI in Sales North,
# which Linh manages only through the team tree), in the current cycle.
OBJECTS: dict[str, tuple[str, str]] = {
    "public_kpi": ("kpi", "public"),
    "private_kpi": ("kpi", "private"),
    "tree_kpi": ("kpi", "private"),
    "public_objective": ("objective", "public"),
    "private_objective": ("objective", "private"),
    "kr_shared_objective": ("objective", "private"),
    "public_key_result": ("key_result", "public"),
    "private_key_result": ("key_result", "private"),
    "kr_shared_key_result": ("key_result", "private"),
    "public_board": ("board", "public"),
    "private_board": ("board", "private"),
}
OBJECTIVE_OF = {
    "public_key_result": "public_objective",
    "private_key_result": "private_objective",
    "kr_shared_key_result": "kr_shared_objective",
}
# What the boards carry. The private board: the private KPI, the private objective, and the key result of a
# second private objective, which only that key result shares with the board's members. The public board:
# public metrics, and a KPI made private after it was put there (the board services refuse to put one there,
# so the fixture does it directly), which the board shows to nobody.
ON_BOARD = {
    "public_board": ("public_kpi", "public_objective", "public_key_result"),
    "private_board": ("private_kpi", "private_objective", "kr_shared_key_result"),
}
HIDDEN_ON_BOARD = {"public_board": ("private_kpi",)}
BOARD_MEMBERS = frozenset({"manager_up", "board_member"})  # Linh owns the private board, Phúc views it
# Who may see what, off any private board. A private KPI or objective: its owner (An), the managers of its team
# and of the teams above (Linh), its owner's manager (objectives: Linh), administrators. A key result follows
# its objective. A private board: its members only, administrators included only when they are members.
MAY_SEE: dict[tuple[str, str], frozenset[str]] = {
    ("kpi", "public"): IN_LOTUS,
    ("kpi", "private"): frozenset({"admin", "manager_up", "member"}),
    ("objective", "public"): IN_LOTUS,
    ("objective", "private"): frozenset({"admin", "manager_up", "member"}),
    ("key_result", "public"): IN_LOTUS,
    ("key_result", "private"): frozenset({"admin", "manager_up", "member"}),
    ("board", "public"): IN_LOTUS,
    ("board", "private"): BOARD_MEMBERS,
}
MARKERS = {name: "Vismatrix " + name.replace("_", " ").replace("key result", "KR") for name in OBJECTS}


def kind_of(name: str) -> str:
    return OBJECTS[name][0]


def shared_by_private_board(name: str) -> bool:
    """On the private board, or sharing an objective with a key result on it (an objective's key results
    follow it, and a key result on the board shares its objective)."""
    on = set(ON_BOARD["private_board"])
    objective = OBJECTIVE_OF.get(name, name)
    return name in on or objective in on or any(OBJECTIVE_OF[kr] == objective for kr in on & set(OBJECTIVE_OF))


def may_see(role: str, name: str) -> bool:
    kind, visibility = OBJECTS[name]
    if role in MAY_SEE[(kind, visibility)]:
        return True
    return kind != "board" and role in BOARD_MEMBERS and shared_by_private_board(name)


# --- the route table: only what the generator cannot infer ------------------------------------------------

# URL parameters naming an object of the matrix.
KIND_PARAMS = {"kpi_id": "kpi", "objective_id": "objective", "key_result_id": "key_result", "board_id": "board"}
# API query parameters naming one (the OpenAPI schema lists them; the kind is in the name, or here).
QUERY_KINDS = {"kpi": "kpi", "objective": "objective", "key_result": "key_result", "board": "board"}
QUERY_ALIASES = {"parent": "objective", "root": "objective"}
# Pages' query parameters are not in any schema: those naming an object of the matrix.
UI_QUERIES = {"alignment_map": {"root": "objective"}}
# Required query parameters that need a value of their own form, per kind (``{id}`` is the object's id).
REQUIRED_QUERIES = {"audit_list": {"object": "{audit_type}:{id}"}}
# URL parameters of what belongs to an object of the matrix (a KPI's change requests, actions and connectors; a
# board's members, sections and items): a route taking one is a detail route of that object.
FOLLOWS = {
    "request_id": "kpi",
    "action_id": "kpi",
    "member_id": "board",
    "section_id": "board",
    "item_id": "board",
    "connector_id": "kpi",
}
# Other URL parameters: one fixed object each (the member, his team, the cycle...), for a leak check only.
FIXED_PARAMS = (
    "person_id",
    "team_id",
    "cycle_id",
    "invitation_id",
    "thread_id",
    "webhook_id",
    "delivery_id",
    "import_id",
)


@dataclass(frozen=True)
class Shows:
    """A list that shows every object of ``kinds`` its reader may see, given ``query``; ``readers`` may open it
    (anyone else in the organization gets 404), ``placeholder`` stands in for an object the reader may not see."""

    query: str
    kinds: frozenset[str]
    readers: frozenset[str] = IN_LOTUS
    placeholder: str = ""


ALL_METRICS = frozenset({"kpi", "objective", "key_result"})
# A person's contribution page: the person, their managers up the line and of their teams, administrators.
CONTRIBUTION_READERS = frozenset({"admin", "manager_up", "member"})
# The lists that must show what the role may see (every metric of the matrix is An's, in Sales South, in the
# current cycle), by route name (a page and an API operation of the same name share an entry).
SHOWS: dict[str, Shows] = {
    "kpis": Shows("?q=Vismatrix", frozenset({"kpi"})),
    "kpi_list": Shows("?q=Vismatrix&limit=1000", frozenset({"kpi"})),
    "okrs": Shows("?cycle={cycle_id}", frozenset({"objective", "key_result"})),
    "objective_list": Shows("?cycle={cycle_id}&limit=1000", frozenset({"objective"})),
    "key_result_list": Shows("?limit=1000", frozenset({"key_result"})),
    "alignment_map": Shows("?cycle={cycle_id}", frozenset({"objective"})),
    "cycle_alignment": Shows("", frozenset({"objective"}), placeholder='"Private objective"'),
    "home": Shows("?scope=team&team={team_id}", ALL_METRICS),
    "dashboard": Shows("?scope=team&team={team_id}", ALL_METRICS),
    "person_contribution": Shows("", ALL_METRICS, readers=CONTRIBUTION_READERS),
    "boards": Shows("", frozenset({"board"})),
    "board_list": Shows("?limit=1000", frozenset({"board"})),
}
# Reads only who may arrange the board may make (the edit mode's search): 200 for its editors, 403 for its
# other readers. A public board's editors: its owner (Mai) and administrators; the private one's: Linh.
EDITORS_ONLY = frozenset({"board_item_search"})
BOARD_EDITORS = {"public_board": frozenset({"admin"}), "private_board": frozenset({"manager_up"})}
# Detail routes of a board that show its items: every metric on it, to whoever may open it.
SHOWS_ITEMS = frozenset({"board_detail", "board_item_list", "board_data"})
MISSING_ID = 999_999_999


def _operations() -> dict[str, dict[str, Any]]:
    """API operation name -> its OpenAPI operation (query parameters, tags)."""
    found = {}
    for operations in ninja_api.get_openapi_schema()["paths"].values():
        for operation in operations.values():
            found[operation["operationId"].rsplit("_api_", 1)[-1]] = operation
    return found


OPERATIONS = _operations()
READ_ROUTES = [r for r in ROUTES if "GET" in r.methods and r.name not in PUBLIC]


def _query_params(route: Route) -> list[tuple[str, bool]]:
    if route.is_api:
        operation = OPERATIONS.get(route.name, {})
        return [(p["name"], bool(p.get("required"))) for p in operation.get("parameters", []) if p["in"] == "query"]
    return [(name, False) for name in UI_QUERIES.get(route.name, {})]


def _query_kind(route: Route, name: str) -> str | None:
    if not route.is_api:
        return UI_QUERIES.get(route.name, {}).get(name)
    return QUERY_KINDS.get(name.removesuffix("_id")) or QUERY_ALIASES.get(name)


def _is_export(route: Route) -> bool:
    tags = OPERATIONS.get(route.name, {}).get("tags", []) if route.is_api else []
    return "export" in route.name or "export" in tags or "exports" in tags


def unclassified(route: Route) -> list[str]:
    """What the generator cannot fill in for this GET route: empty when it can read it."""
    problems = []
    known = set(KIND_PARAMS) | set(FOLLOWS) | set(FIXED_PARAMS)
    problems += [f"URL parameter {p}" for p in route.params if p not in known]
    for name, required in _query_params(route):
        if required and _query_kind(route, name) is None and name not in REQUIRED_QUERIES.get(route.name, {}):
            problems.append(f"required query parameter {name}")
    if _is_export(route) and route.name not in SHOWS:
        problems.append("an export: say in SHOWS which kinds it lists")
    return problems


# --- the objects ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One GET the matrix sends: ``target`` is the object whose visibility decides the answer (detail and
    filter probes), ``missing`` the same request for an object that does not exist."""

    route: Route
    url: str
    mode: str  # "detail", "filter" or "list"
    target: str | None = None
    missing: str | None = None
    shows: Shows | None = None

    @property
    def is_form(self) -> bool:
        return not self.route.is_api and "POST" in self.route.methods and self.route.name not in UI_READ_ONLY

    def __str__(self) -> str:
        return f"{self.route.name} GET /{self.url.lstrip('/')}"


@dataclass
class World:
    """The matrix's objects and people, the probes, and what each role got back (fetched once per role)."""

    ids: dict[str, int]
    follows: dict[str, dict[str, int]]  # parameter -> object name -> id of what belongs to that object
    fixed: dict[str, int]
    people: dict[str, Membership]
    clients: dict[str, tuple[Client, Client]] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    probes: list[Probe] = field(default_factory=list)

    def get(self, role: str, probe: Probe, url: str | None = None) -> tuple[int, str]:
        url = url or probe.url
        key = (role, url)
        if key not in self.answers:
            web, api = self.clients[role]
            response = (api if probe.route.is_api else web).get(url)
            self.answers[key] = (response.status_code, response.content.decode(errors="replace"))
        return self.answers[key]


def _membership(email: str) -> Membership:
    return (
        Membership.objects.unscoped()
        .select_related("user", "organization")
        .get(user__email=email, organization__slug="lotus")
    )


def _build() -> World:
    admin, linh, an = persona("admin"), persona("sales_manager"), persona("salesperson")
    people = {
        "admin": admin,
        "manager_up": linh,
        "manager_elsewhere": persona("warehouse_lead"),
        "member": an,
        "viewer": persona("viewer"),
        "board_member": _membership("phuc.truong@lotus.example"),
        "non_member": _membership("trang.dang@lotus.example"),
        "outsider": persona("outsider"),
    }
    org = admin.organization
    south = Team.objects.for_org(org).get(name="Sales South")
    north = Team.objects.for_org(org).get(name="Sales North")
    kpis = {}
    # The public KPI is guarded by the tree KPI: green over a red guardrail, a watermelon whose guardrail
    # every list, card and chart may name only to who may see it.
    for name, team, guardrails in (
        ("private_kpi", south, []),
        ("tree_kpi", north, []),
        ("public_kpi", south, ["tree_kpi"]),
    ):
        kpi = kpi_services.kpi_create(
            by=admin,
            key=f"vismatrix_{name}",
            name=MARKERS[name],
            owner=an.pk,
            team=team.pk,
            visibility=OBJECTS[name][1],
            target=Decimal(10),
            red_threshold=Decimal(90),
            guardrails=[kpis[g].pk for g in guardrails],
        )
        kpis[name] = kpi_services.kpi_submit(by=admin, kpi=kpi)
    day = local_today(org.tz).isoformat()
    kpi_points.data_points_record(
        by=admin,
        points=[
            {"kpi": kpis["public_kpi"].pk, "date": day, "value": "1000"},
            {"kpi": kpis["tree_kpi"].pk, "date": day, "value": "0.01"},
        ],
    )
    today = datetime.date.today()
    # The shortest active cycle around today: the current one for every page that shows "now".
    cycle = okr_services.cycle_create(
        by=admin,
        name="Vismatrix cycle",
        start=today - datetime.timedelta(days=3),
        end=today + datetime.timedelta(days=3),
    )
    okr_services.cycle_advance(by=admin, cycle=cycle, state="active")
    public_objective = okr_services.objective_create(
        by=admin, cycle=cycle, title=MARKERS["public_objective"], owner=an.pk
    )
    private_objective = okr_services.objective_create(
        by=an, cycle=cycle, title=MARKERS["private_objective"], owner=an.pk, visibility="private"
    )
    public_kr = okr_services.key_result_create(
        by=admin, objective=public_objective, title=MARKERS["public_key_result"], target_value=10
    )
    private_kr = okr_services.key_result_create(
        by=an, objective=private_objective, title=MARKERS["private_key_result"], target_value=10
    )
    shared_objective = okr_services.objective_create(
        by=an, cycle=cycle, title=MARKERS["kr_shared_objective"], owner=an.pk, visibility="private"
    )
    shared_kr = okr_services.key_result_create(
        by=an, objective=shared_objective, title=MARKERS["kr_shared_key_result"], target_value=10
    )
    boards = {}
    follows: dict[str, dict[str, int]] = {param: {} for param in FOLLOWS}
    metrics_of = {
        **kpis,
        "public_objective": public_objective,
        "private_objective": private_objective,
        "public_key_result": public_kr,
        "kr_shared_key_result": shared_kr,
    }
    for visibility, owner in (("public", admin), ("private", linh)):
        name = f"{visibility}_board"
        metrics = [(kind_of(n), metrics_of[n]) for n in ON_BOARD[name] + HIDDEN_ON_BOARD.get(name, ())]
        board = Board.objects.for_org(org).create(
            organization=org, name=MARKERS[f"{visibility}_board"], visibility=visibility, owner=owner
        )
        member = BoardMember.objects.for_org(org).create(organization=org, board=board, membership=owner, role="owner")
        section = BoardSection.objects.for_org(org).create(organization=org, board=board, title="Vismatrix section")
        follows["member_id"][name], follows["section_id"][name] = member.pk, section.pk
        for position, (kind, metric) in enumerate(metrics):
            item = BoardItem.objects.for_org(org).create(
                organization=org,
                board=board,
                section=section,
                position=position,
                display="chart" if kind == "kpi" else "card",
                **{kind: metric},
            )
            follows["item_id"].setdefault(name, item.pk)
        boards[visibility] = board
    BoardMember.objects.for_org(org).create(
        organization=org, board=boards["private"], membership=people["board_member"], role="viewer"
    )
    for name, kpi in kpis.items():
        change = kpi_services.change_request_create(
            by=admin, kpi=kpi, changes={"target": Decimal(12)}, reason="Vismatrix grows"
        )
        action = action_services.action_create(
            by=admin, kpi=kpi, title=f"Vismatrix action on {name}", owner=an.pk, due_date=today
        )
        follows["request_id"][name] = change.pk
        follows["action_id"][name] = action.pk
        follows["connector_id"][name] = connector_services.connector_create(
            by=admin,
            name=f"Vismatrix connector on {name}",
            kind="sql",
            kpi=kpi,
            config={"query": "SELECT day AS date, units AS value FROM orders"},
            secrets={"url": "sqlite:////tmp/tandem-vismatrix-erp.sqlite3"},
        ).pk
    invitation, _raw = org_services.invitation_create(by=admin, email="vismatrix@lotus.example")
    thread, _opened = feedback_services.feedback_thread_open(by=linh, report=an)
    webhook, _secret = webhook_services.webhook_create(
        by=admin, name="Vismatrix webhook", url="https://lotus.example/hook", events=["check_in.created"]
    )
    ids = {
        **{name: kpi.pk for name, kpi in kpis.items()},
        "public_objective": public_objective.pk,
        "private_objective": private_objective.pk,
        "kr_shared_objective": shared_objective.pk,
        "public_key_result": public_kr.pk,
        "private_key_result": private_kr.pk,
        "kr_shared_key_result": shared_kr.pk,
        "public_board": boards["public"].pk,
        "private_board": boards["private"].pk,
    }
    fixed = {
        "person_id": an.pk,
        "team_id": south.pk,
        "cycle_id": cycle.pk,
        "invitation_id": invitation.pk,
        "thread_id": thread.pk,
        "webhook_id": webhook.pk,
        "delivery_id": webhook_services.webhook_test(by=admin, webhook=webhook).pk,
        "import_id": import_services.data_import_upload(
            by=admin, upload=SimpleUploadedFile("vismatrix.csv", b"KPI,Date,Value\r\nx,2026-11-02,1\r\n")
        ).pk,
    }
    world = World(ids=ids, follows=follows, fixed=fixed, people=people)
    world.clients = {role: (signed_in(m), bearer(m)) for role, m in people.items()}
    for clients in world.clients.values():
        for client in clients:
            client.raise_request_exception = False  # a route that fails is one 500 in the report, not the end
    world.probes = list(_probes(world))
    return world


def _audit_types() -> dict[str, str]:
    """Kind -> its audit type, for the kinds whose history the audit API serves."""
    types = {"kpi": "kpi", "objective": "objective", "key_result": "key_result", "board": "board"}
    return {kind: name for kind, name in types.items() if name in AUDITED_TYPES}


def _probes(world: World) -> Iterator[Probe]:
    """Every GET the matrix sends, generated from the route list."""
    audit_types = _audit_types()
    for route in READ_ROUTES:
        if unclassified(route):
            continue  # test_every_read_route_is_classified names it
        kinds = {KIND_PARAMS[p] for p in route.params if p in KIND_PARAMS}
        kinds |= {FOLLOWS[p] for p in route.params if p in FOLLOWS}
        if len(kinds) > 1:
            raise AssertionError(f"{route.name}: a route of two objects; teach the generator which one decides")
        required = REQUIRED_QUERIES.get(route.name, {})
        filters = {name: _query_kind(route, name) for name, _required in _query_params(route)}
        required_filter = any(req and filters.get(name) for name, req in _query_params(route))
        if kinds or required:
            # A detail route: of the object in its URL, or of the one its required query names (the audit log).
            for name in OBJECTS:
                if kinds and kind_of(name) not in kinds:
                    continue
                query = _required_query(required, kind_of(name), audit_types, world.ids[name])
                if query is None:
                    continue  # the route does not serve this kind
                yield Probe(
                    route,
                    _url(world, route, name, world.ids[name]) + query,
                    "detail",
                    target=name,
                    missing=_url(world, route, name, MISSING_ID)
                    + (_required_query(required, kind_of(name), audit_types, MISSING_ID) or ""),
                )
            continue
        base = route.url(world.fixed)
        for query_name, kind in filters.items():
            if kind is None:
                continue
            for name in (n for n in OBJECTS if kind_of(n) == kind):
                yield Probe(
                    route,
                    f"{base}?{query_name}={world.ids[name]}",
                    "filter",
                    target=name,
                    missing=f"{base}?{query_name}={MISSING_ID}",
                )
        if not required_filter:
            shows = SHOWS.get(route.name)
            query = shows.query.format(**world.fixed) if shows else ""
            yield Probe(route, base + query, "list", shows=shows)


def _url(world: World, route: Route, name: str, object_id: int) -> str:
    """The route's URL for one object (or a missing one): its own id, or the id of what follows it."""
    values: dict[str, object] = dict(world.fixed)
    for param in route.params:
        if param in KIND_PARAMS:
            values[param] = object_id
        elif param in FOLLOWS:
            values[param] = world.follows[param][name] if object_id != MISSING_ID else MISSING_ID
    return route.url(values)


def _required_query(required: dict[str, str], kind: str, audit_types: dict[str, str], object_id: int) -> str | None:
    """The required query string of a route for one object, or None when the route does not take that kind."""
    if not required:
        return ""
    if kind not in audit_types:
        return None
    parts = [
        f"{name}={template.format(audit_type=audit_types[kind], id=object_id)}" for name, template in required.items()
    ]
    return "?" + "&".join(parts)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The objects, built once for the module inside a transaction that is rolled back after its last test
    (each test's own transaction nests inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # Notifications go out after commit: run those callbacks, so the inboxes have something to leak.
            with TestCase.captureOnCommitCallbacks(execute=True):
                built = _build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- the tests --------------------------------------------------------------------------------------------


def test_every_read_route_is_classified():
    problems = [f"{r.name} ({r.pattern}): {', '.join(unclassified(r))}" for r in READ_ROUTES if unclassified(r)]
    assert problems == [], "teach tests/test_visibility_matrix.py how to read these routes"
    names = {r.name for r in ROUTES}
    tables = set(SHOWS) | set(UI_QUERIES) | set(REQUIRED_QUERIES) | EDITORS_ONLY | SHOWS_ITEMS
    stale = sorted(tables - names)
    assert stale == [], f"the tables name routes that no longer exist: {stale}"


def _empty(text: str) -> bool:
    try:
        body = json.loads(text)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("items") == [] and body.get("count") == 0


def _check_status(world: World, role: str, probe: Probe, visible: bool) -> str | None:
    """What is wrong with the status of a detail or filter probe, or None."""
    status, text = world.get(role, probe)
    if status == 405:
        return "405: a POST-only page; list it in test_matrix.UI_POST_ONLY so that it is no read route"
    if visible and probe.route.name in EDITORS_ONLY:
        expected = 200 if role in BOARD_EDITORS[probe.target or ""] else 403
        return None if status == expected else f"{status}, expected {expected} (may see it; editors only)"
    if visible:
        allowed = {200} if probe.route.is_api else {200, 302, 403} if probe.is_form else {200, 302}
        if probe.mode == "filter":
            allowed = {200}
        return None if status in allowed else f"{status}, expected one of {sorted(allowed)} (may see it)"
    if status == 404:
        return None
    # Not 404: tolerated only when a missing object gets the very same answer, so that the answer says nothing
    # about the object: a role turned away before any lookup (403), or a filter that finds nothing either way
    # (an empty list, or the same field error).
    assert probe.missing is not None
    missing_status, missing_text = world.get(role, probe, probe.missing)
    if status == missing_status == 403:
        return None
    same = text == missing_text or (_empty(text) and _empty(missing_text))
    if probe.mode == "filter" and status == missing_status and same:
        return None
    return f"{status}, expected 404 (may not see it; a missing one gets {missing_status})"


@pytest.mark.parametrize("name", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_visibility(role: str, name: str, world: World):
    visible = may_see(role, name)
    marker = MARKERS[name]
    kind = kind_of(name)
    wrong = []
    for probe in world.probes:
        status, text = world.get(role, probe)
        if status >= 500:
            wrong.append(f"{probe}: {status}")
            continue
        if probe.target == name:
            problem = _check_status(world, role, probe, visible)
            if problem:
                wrong.append(f"{probe}: {problem}")
        if not visible and marker in text:
            wrong.append(f"{probe}: shows {marker!r}, which {role} may not see")
        on = probe.target in ON_BOARD and name in ON_BOARD[probe.target] and probe.route.name in SHOWS_ITEMS
        if on and may_see(role, probe.target) and status == 200 and marker not in text:
            wrong.append(f"{probe}: does not show {marker!r}, which is on the board")
        if name in HIDDEN_ON_BOARD.get(probe.target or "", ()) and probe.route.name in SHOWS_ITEMS and marker in text:
            wrong.append(f"{probe}: shows {marker!r}, a private metric on a public board")
        shows = probe.shows
        if shows is None or kind not in shows.kinds or role == "outsider":
            continue
        if role not in shows.readers:
            if status != 404:
                wrong.append(f"{probe}: {status}, expected 404 ({role} may not open it)")
        elif status != 200:
            wrong.append(f"{probe}: {status}, expected 200 ({role} may open it)")
        elif visible and marker not in text:
            wrong.append(f"{probe}: does not show {marker!r}, which {role} may see")
        elif not visible and shows.placeholder and shows.placeholder not in text:
            wrong.append(f"{probe}: no {shows.placeholder} in place of {marker!r}")
    assert wrong == [], f"{role} × {name}:\n  " + "\n  ".join(wrong)


def test_the_matrix_reaches_every_kind(world: World):
    """Each kind has detail routes in the matrix (a kind without any would pass vacuously)."""
    kinds = {kind_of(p.target) for p in world.probes if p.mode == "detail" and p.target}
    assert kinds == {"kpi", "objective", "key_result", "board"}, kinds
    summary = {mode: sum(1 for p in world.probes if p.mode == mode) for mode in ("detail", "filter", "list")}
    assert all(summary.values()), summary
