"""The home dashboard: counts that agree with a brute-force count, scopes by role and by choice, private KPIs
that stay private, a constant number of queries, data entry in place, and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.core import dashboard
from tandem.core.periods import local_today
from tandem.kpis import points as kpi_points
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpi_services
from tandem.kpis.models import DataPoint, KpiState
from tandem.okrs import selectors as okr_selectors
from tandem.okrs import services as okr_services
from tandem.okrs.models import AT_RISK, CycleState, KeyResult
from tandem.orgs.models import Membership, Team

pytestmark = pytest.mark.django_db


def _today(membership: Membership) -> datetime.date:
    return local_today(membership.organization.tz)


def _board(membership: Membership, scope: str | None = None, team_id: int | None = None) -> dict:  # type: ignore[type-arg]
    return dashboard.dashboard(membership=membership, scope=scope, team_id=team_id, today=_today(membership))


def _team(membership: Membership, name: str) -> Team:
    return Team.objects.for_org(membership.organization).get(name=name)


def _names(board: dict) -> set[str]:  # type: ignore[type-arg]
    return {row["kpi"].name for row in board["kpis"]}


def _titles(board: dict) -> set[str]:  # type: ignore[type-arg]
    return {row["objective"].title for row in board["objectives"]}


def _backdate_check_ins(admin: Membership, titles: list[str], days: int) -> None:
    """Key results last checked in ``days`` ago (or never, for ``days`` < 0): the check-ins that are due."""
    when = None if days < 0 else timezone.now() - datetime.timedelta(days=days)
    KeyResult.objects.for_org(admin.organization).filter(title__in=titles).update(last_check_in_at=when)


def _private_kpi(warehouse_lead: Membership) -> None:
    """A private, red KPI of the warehouse lead's, with data this week."""
    kpi = kpi_services.kpi_create(
        by=warehouse_lead,
        key="zz_secret_shrinkage",
        name="ZZ Secret shrinkage",
        team=_team(warehouse_lead, "Warehouse").pk,
        visibility="private",
        frequency="week",
        aggregation="last",
        target=Decimal(100),
        red_threshold=Decimal(90),
    )
    kpi_services.kpi_submit(by=warehouse_lead, kpi=kpi)
    kpi_points.data_points_record(
        by=warehouse_lead,
        points=[{"kpi": "zz_secret_shrinkage", "date": _today(warehouse_lead).isoformat(), "value": "10"}],
    )


def test_the_counts_agree_with_a_brute_force_count(admin, salesperson):
    _backdate_check_ins(admin, ["Demo visits", "Pharmacies signed"], days=9)
    _backdate_check_ins(admin, ["New accounts signed"], days=-1)
    _backdate_check_ins(admin, ["Net revenue per month"], days=30)  # follows a KPI: never due
    now = timezone.now()
    for person, scope in ((admin, "company"), (salesperson, "company"), (salesperson, "me")):
        today = _today(person)
        counts = _board(person, scope)["counts"]

        kpis = (
            kpi_selectors.kpis(membership=person).filter(state=KpiState.ACTIVE).prefetch_related(*kpi_selectors.RULES)
        )
        if scope == "me":
            kpis = kpis.filter(owner=person)
        statuses = [kpi_selectors.kpi_now(kpi=kpi, today=today)["status"] for kpi in kpis]
        assert counts["kpis"] == {
            "red": statuses.count("red"),
            "amber": statuses.count("amber"),
            "green": statuses.count("green"),
            "no_data": statuses.count("no_data"),
            "total": len(statuses),
        }

        cycle = okr_selectors.current_cycle(membership=person, today=today)
        objectives = list(okr_selectors.objectives(membership=person, cycle_id=cycle.pk))
        if scope == "me":
            objectives = [
                o for o in objectives if o.owner_id == person.pk or o.key_results.filter(owner=person).exists()
            ]
        assert counts["objectives"] == len(objectives)
        assert counts["objectives_at_risk"] == sum(
            1 for o in objectives if any(kr.confidence in AT_RISK for kr in o.key_results.all())
        )

        due = 0
        for kr in KeyResult.objects.for_org(person.organization).select_related("objective__cycle", "objective__owner"):
            if not okr_selectors.may_see_objective(person, kr.objective):
                continue
            if scope == "me" and kr.owner_id != person.pk:
                continue
            stale = kr.last_check_in_at is None or now - kr.last_check_in_at > datetime.timedelta(days=7)
            if kr.objective.cycle.state == CycleState.ACTIVE and kr.kpi_id is None and stale:
                due += 1
        assert counts["check_ins_due"] == due
        assert due >= (2 if scope == "me" else 3)

        waiting = kpi_selectors.change_requests(membership=person, waiting_for_me=True)
        assert counts["change_requests_waiting"] == waiting.count()


def test_each_role_starts_with_its_own_scope(admin, sales_manager, salesperson, viewer):
    mine = _board(salesperson)
    assert mine["scope"].name == "me"
    assert "Units shipped" in _names(mine)
    assert {row["kpi"].owner_id for row in mine["kpis"]} == {salesperson.pk}
    assert "Open 10 pharmacy accounts in District 7" in _titles(mine)
    assert "Clear the slow movers" not in _titles(mine)

    team = _board(sales_manager)
    assert team["scope"].name == "team"
    # She manages Sales and Sales South: Sales North, under Sales, is hers too; the warehouse is not.
    assert {"Units shipped", "New customers", "Net revenue"} <= _names(team)
    assert "Stock days" not in _names(team)
    assert {"Sell what customers keep", "Win 30 new accounts in the south"} <= _titles(team)
    assert "Clear the slow movers" not in _titles(team)
    assert team["scope_teams"] == ["Sales"]

    for person in (admin, viewer):
        company = _board(person)
        assert company["scope"].name == "company"
        assert {"Units shipped", "Stock days"} <= _names(company)


def test_a_member_without_teams_of_their_own_uses_the_teams_they_belong_to(salesperson):
    board = _board(salesperson, "team")
    assert board["scope_teams"] == ["Sales South"]
    assert "Units shipped" in _names(board)
    assert "Win 30 new accounts in the south" in _titles(board)


def test_a_chosen_team_covers_its_sub_teams(admin, salesperson):
    warehouse = _board(salesperson, "team", _team(admin, "Warehouse").pk)
    assert warehouse["scope"].team.name == "Warehouse"
    assert "Stock days" in _names(warehouse)
    assert "Units shipped" not in _names(warehouse)
    assert _titles(warehouse) == {"Clear the slow movers"}
    operations = _board(salesperson, "team", _team(admin, "Operations").pk)
    assert "Stock days" in _names(operations)  # Warehouse is under Operations
    # A team id alone means that team.
    assert _board(salesperson, None, _team(admin, "Warehouse").pk)["scope"].name == "team"


def test_kpis_that_need_attention_come_first(admin):
    board = _board(admin, "company")
    order = {"red": 0, "amber": 1, "watermelon": 2, "no_data": 3, "green": 4}
    ranks = [order["watermelon" if row["watermelon"] else row["status"]] for row in board["kpis"]]
    assert ranks == sorted(ranks)
    assert ranks[0] == 0
    # The demo's watermelon: units shipped on target while its guardrails are red.
    units = next(row for row in board["kpis"] if row["kpi"].name == "Units shipped")
    assert units["watermelon"]
    assert len(board["kpis"]) <= dashboard.KPI_LIMIT


def test_a_private_kpi_is_never_shown_or_counted_for_those_who_may_not_see_it(
    web, api, admin, salesperson, warehouse_lead
):
    before = _board(salesperson, "company")["counts"]["kpis"]
    admin_before = _board(admin, "company")["counts"]["kpis"]
    _private_kpi(warehouse_lead)
    after = _board(salesperson, "company")
    assert after["counts"]["kpis"] == before
    assert "ZZ Secret shrinkage" not in _names(after)
    assert "ZZ Secret shrinkage" not in _names(_board(salesperson, "team", _team(admin, "Warehouse").pk))
    assert "ZZ Secret shrinkage" not in web(salesperson).get("/?scope=company").content.decode()
    assert "ZZ Secret shrinkage" not in api(salesperson).get("/api/v1/dashboard?scope=company").content.decode()

    assert "ZZ Secret shrinkage" in _names(_board(warehouse_lead, "me"))
    company = _board(admin, "company")
    assert "ZZ Secret shrinkage" in _names(company)  # red: among the first
    assert company["counts"]["kpis"]["red"] == admin_before["red"] + 1
    assert "ZZ Secret shrinkage" in web(admin).get("/?scope=company").content.decode()


def test_a_private_guardrail_is_not_named_in_a_watermelon(admin, salesperson, warehouse_lead):
    _private_kpi(warehouse_lead)
    units = kpi_selectors.kpi_get(membership=admin, kpi_id=_kpi_id(admin, "units_shipped"))
    guards = [g.pk for g in units.guardrails.all()] + [_kpi_id(admin, "zz_secret_shrinkage")]
    kpi_services.kpi_update(by=admin, kpi=units, guardrails=guards)
    row = next(r for r in _board(salesperson, "me")["kpis"] if r["kpi"].key == "units_shipped")
    assert row["watermelon"] and "ZZ Secret shrinkage" not in row["watermelon"]
    row = next(r for r in _board(admin, "company")["kpis"] if r["kpi"].key == "units_shipped")
    assert "ZZ Secret shrinkage" in row["watermelon"]


def _kpi_id(membership: Membership, key: str) -> int:
    return kpi_selectors.kpis(membership=membership).get(key=key).pk


def _grow(admin: Membership, salesperson: Membership, n: int, first: int = 0) -> None:
    """``n`` more monthly KPIs of the salesperson's with data, and ``n`` more objectives of hers in the cycle."""
    today = _today(admin)
    team = _team(admin, "Sales South").pk
    for i in range(first, first + n):
        kpi = kpi_services.kpi_create(
            by=admin,
            key=f"zz_grow_{i}",
            name=f"ZZ grow {i}",
            owner=salesperson.pk,
            team=team,
            target=Decimal(10),
            red_threshold=Decimal(90),
        )
        kpi_services.kpi_submit(by=admin, kpi=kpi)
    kpi_points.data_points_record(
        by=admin,
        points=[{"kpi": f"zz_grow_{i}", "date": today.isoformat(), "value": str(i)} for i in range(first, first + n)],
    )
    cycle = okr_selectors.current_cycle(membership=admin, today=today)
    for i in range(first, first + n):
        objective = okr_services.objective_create(
            by=salesperson, cycle=cycle, title=f"ZZ objective {i}", owner=salesperson.pk
        )
        okr_services.key_result_create(by=salesperson, objective=objective, title=f"ZZ KR {i}", target_value=10)


def test_the_home_page_runs_the_same_queries_whatever_the_data(web, admin, salesperson):
    # One of each kind first: each frequency and aggregation among the KPIs costs a query or two of its own.
    _grow(admin, salesperson, 1)
    pages = {(admin, "/?scope=company"), (salesperson, "/?scope=me"), (salesperson, "/?scope=company")}
    few = {}
    for person, url in pages:
        client = web(person)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        few[person.pk, url] = len(queries)
    _grow(admin, salesperson, 30, first=1)
    for person, url in pages:
        client = web(person)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(queries) == few[person.pk, url], (url, few[person.pk, url], len(queries))
        page = response.content.decode()
        assert page.count('class="list-group-item home-kpi') == dashboard.KPI_LIMIT
        assert page.count('class="list-group-item home-objective') <= dashboard.OBJECTIVE_LIMIT
    board = _board(salesperson, "me")
    assert board["counts"]["kpis"]["total"] >= 31
    assert board["counts"]["objectives"] >= 31
    assert len(board["objectives"]) == dashboard.OBJECTIVE_LIMIT


def test_the_home_page_shows_both_columns_with_their_actions(web, salesperson):
    page = web(salesperson).get("/").content.decode()
    assert 'id="sustain"' in page and 'id="change"' in page
    assert "Units shipped" in page and "Open 10 pharmacy accounts in District 7" in page
    assert "/record/?next=%2F" in page  # data entry in place
    assert "/check-in/?next=%2F" in page  # check-in in place
    assert "/kpis/?mine=1&amp;state=active&amp;status=red" in page


def test_an_unknown_team_is_not_found(web, outsider, admin):
    assert web(outsider).get(f"/?scope=team&team={_team(admin, 'Warehouse').pk}").status_code == 404
    assert web(admin).get("/?scope=nonsense").status_code == 200  # an unknown scope is the default one


# Data entry in place (kpi_record with HTMX).


def _record_url(admin: Membership, key: str = "units_shipped") -> str:
    return f"/kpis/{_kpi_id(admin, key)}/record/"


def test_the_record_dialog_opens_in_place_and_records(web, admin, salesperson):
    url = _record_url(admin)
    client = web(salesperson)
    dialog = client.get(f"{url}?next=/%3Fscope%3Dme", HTTP_HX_REQUEST="true")
    assert dialog.status_code == 200
    html = dialog.content.decode()
    assert "<dialog" in html and "Record a value: Units shipped" in html
    assert 'name="next" value="/?scope=me"' in html
    # Without HTMX, the KPI page has the form.
    assert client.get(url)["Location"] == url.replace("record/", "")

    points = DataPoint.objects.for_org(admin.organization).count()
    bad = client.post(url, {"date": _today(admin).isoformat(), "value": "lots", "next": "/"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert "<dialog" in bad.content.decode() and "Enter a number." in bad.content.decode()
    assert DataPoint.objects.for_org(admin.organization).count() == points

    good = client.post(
        url, {"date": _today(admin).isoformat(), "value": "612", "next": "/?scope=me"}, HTTP_HX_REQUEST="true"
    )
    assert good.status_code == 204
    assert good["HX-Redirect"] == "/?scope=me"
    assert DataPoint.objects.for_org(admin.organization).count() == points + 1
    assert "The value was recorded." in client.get("/?scope=me").content.decode()


def test_the_record_dialog_never_sends_people_off_site(web, admin, salesperson):
    response = web(salesperson).post(
        _record_url(admin),
        {"date": _today(admin).isoformat(), "value": "5", "next": "//evil.example/steal"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/"


def test_the_full_page_form_still_works(web, admin, salesperson):
    url = _record_url(admin)
    response = web(salesperson).post(url, {"date": _today(admin).isoformat(), "value": "7"})
    assert response.status_code == 302 and response["Location"] == url.replace("record/", "")
    assert web(salesperson).post(url, {"date": "", "value": "7"}).status_code == 422


def test_a_viewer_or_someone_else_cannot_record(web, admin, viewer, warehouse_lead):
    url = _record_url(admin)
    points = DataPoint.objects.for_org(admin.organization).count()
    assert web(viewer).get(url, HTTP_HX_REQUEST="true").status_code == 403
    data = {"date": _today(admin).isoformat(), "value": "5", "next": "/"}
    assert web(viewer).post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    assert web(warehouse_lead).post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    assert DataPoint.objects.for_org(admin.organization).count() == points
    # The home page offers "Record" only where the person may record.
    assert "/record/" not in web(viewer).get("/").content.decode()


# The API.


def test_the_api_gives_the_same_counts_and_items(api, admin, salesperson):
    client = api(salesperson)
    body = client.get("/api/v1/dashboard").json()
    board = _board(salesperson)
    assert body["scope"] == "me"
    assert body["counts"] == board["counts"]
    assert [k["name"] for k in body["kpis"]] == [row["kpi"].name for row in board["kpis"]]
    units = next(k for k in body["kpis"] if k["key"] == "units_shipped")
    assert set(units) >= {"id", "status", "value", "target", "sparkline", "watermelon", "url", "can_record"}
    assert units["can_record"] is True and len(units["sparkline"]) == 12
    objective = next(o for o in body["objectives"] if o["title"] == "Open 10 pharmacy accounts in District 7")
    assert objective["url"] == f"/okrs/objectives/{objective['id']}/"
    assert {"progress", "confidence", "last_check_in_at", "check_in_due", "can_check_in"} <= set(
        objective["key_results"][0]
    )
    assert body["cycle"]["state"] == "active"

    company = client.get("/api/v1/dashboard?scope=company").json()
    assert company["scope"] == "company" and company["counts"]["kpis"]["total"] > body["counts"]["kpis"]["total"]
    warehouse = _team(admin, "Warehouse")
    team = client.get(f"/api/v1/dashboard?scope=team&team={warehouse.pk}").json()
    assert team["team"] == {"id": warehouse.pk, "name": "Warehouse"}
    assert [o["title"] for o in team["objectives"]] == ["Clear the slow movers"]
    mine = client.get("/api/v1/dashboard?scope=team").json()
    assert [t["name"] for t in mine["teams"]] == ["Sales South"]
    assert client.get("/api/v1/dashboard?scope=everything").status_code == 422


def test_an_outsider_sees_nothing_of_lotus(api, web, outsider, admin):
    body = api(outsider).get("/api/v1/dashboard?scope=company").json()
    text = str(body)
    for marker in ("Units shipped", "Stock days", "Lotus", "Open 10 pharmacy"):
        assert marker not in text
    assert body["counts"]["kpis"]["total"] == 0
    warehouse = _team(admin, "Warehouse").pk
    assert api(outsider).get(f"/api/v1/dashboard?team={warehouse}").status_code == 404
    page = web(outsider).get("/?scope=company").content.decode()
    assert "Units shipped" not in page and "Warehouse" not in page


def test_kept_statuses_and_statuses_judged_by_python_or_the_database_give_the_same_home(
    monkeypatch, admin, salesperson
):
    from tandem.kpis import current_status
    from tandem.kpis.models import Kpi

    people = ((admin, "company"), (salesperson, "me"))
    current_status.statuses_refresh(organization=admin.organization, today=_today(admin))
    kept = {who.pk: _board(who, scope) for who, scope in people}
    # Nothing kept (no worker yet): every status is judged when read, in Python for a few hundred KPIs...
    Kpi.objects.for_org(admin.organization).update(status_on=None, status_now="")
    by_python = {who.pk: _board(who, scope) for who, scope in people}
    # ... and by the database beyond.
    monkeypatch.setattr(current_status, "JUDGED_IN_PYTHON", 0)
    for who, scope in people:
        by_database = _board(who, scope)
        assert by_database["counts"] == by_python[who.pk]["counts"] == kept[who.pk]["counts"]
        ids = [r["kpi"].pk for r in by_database["kpis"]]
        assert ids == [r["kpi"].pk for r in by_python[who.pk]["kpis"]] == [r["kpi"].pk for r in kept[who.pk]["kpis"]]
