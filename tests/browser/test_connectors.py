"""Connectors in a real browser: the admin sets up an SQL connector on an ERP file, tests it (rows shown,
nothing saved), saves it, runs it now and finds the run in the history and the data on the KPI; a failing
connector stands out on the list."""

from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tandem.integrations import runner, services
from tandem.integrations.models import Connector, SyncRun
from tandem.kpis import services as kpi_services
from tandem.kpis.models import DataPoint
from tandem.orgs import demo
from tandem.orgs.models import Membership

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
QUERY = "SELECT order_date AS date, SUM(quantity) AS value FROM orders WHERE order_date >= :since GROUP BY order_date"


def _erp(path):  # type: ignore[no-untyped-def]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, order_date TEXT, quantity INTEGER)")
        first = datetime.date(2026, 11, 2)
        db.executemany(
            "INSERT INTO orders (order_date, quantity) VALUES (?, ?)",
            [((first + datetime.timedelta(days=n)).isoformat(), 40 + n) for n in range(14) for _k in range(3)],
        )
    return path


def test_a_connector_from_test_to_run_history(page_for, demo_site, tmp_path):
    admin = (
        Membership.objects.unscoped()
        .select_related("organization", "user")
        .get(user__email="admin@lotus.example", organization__slug="lotus")
    )
    kpi = kpi_services.kpi_create(
        by=admin, key="erp_orders", name="ERP orders", frequency="week", target=Decimal(800), red_threshold=Decimal(90)
    )
    kpi_services.kpi_submit(by=admin, kpi=kpi)
    erp = _erp(tmp_path / "erp.sqlite3")

    page = page_for()
    sign_in(page, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/data/connectors/")
    demo_row = page.locator(".connector-row", has_text="ERP: shipments and warehouse stock")
    expect(demo_row.locator(".connector-health")).to_have_text("Working")
    screenshot(page, "connectors-list")

    page.get_by_role("link", name="New connector").first.click()
    page.get_by_label("Name").fill("Orders from the test ERP")
    page.get_by_label("Source").select_option("sql")
    page.get_by_label("KPI").select_option(label="ERP orders")
    page.get_by_label("Connection URL").fill(f"sqlite:///{erp}")
    page.get_by_label("Query").fill(QUERY)
    expect(page.get_by_label("Endpoint URL")).to_be_hidden()  # the HTTP fields wait for their kind
    page.get_by_label("Schedule", exact=True).select_option("minutes")
    page.get_by_label("Every / at").fill("30")
    page.get_by_role("button", name="Test").click()
    result = page.locator(".connector-test-result")
    expect(result.locator(".preview-points tbody tr")).to_have_count(14)
    expect(result).to_contain_text("2026-11-02")
    assert not Connector.objects.for_org(admin.organization).filter(name="Orders from the test ERP").exists()
    screenshot(page, "connectors-test")

    page.get_by_label("Query").fill("SELECT nothing FROM nowhere")
    page.get_by_role("button", name="Test").click()
    expect(page.locator(".connector-test-result .alert-danger")).to_be_visible()
    screenshot(page, "connectors-test-failure")
    page.get_by_label("Query").fill(QUERY)
    page.get_by_label("Connection URL").fill(f"sqlite:///{erp}")  # write-only: never filled back in
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The connector was saved")).to_be_visible()
    expect(page.get_by_text("Every 30 minutes")).to_be_visible()
    expect(page.get_by_text("No runs yet.")).to_be_visible()

    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_text("A run was started")).to_be_visible()
    run_row = page.locator(".run-row").first
    expect(run_row).to_contain_text("Succeeded")
    expect(run_row).to_contain_text("14")
    screenshot(page, "connectors-detail")
    assert DataPoint.objects.for_org(admin.organization).filter(kpi=kpi).count() == 14

    page.goto(f"{demo_site.url}/kpis/{kpi.pk}/")
    expect(page.get_by_role("heading", name="ERP orders")).to_be_visible()
    screenshot(page, "connectors-kpi-data")

    broken = services.connector_create(
        by=admin,
        name="Broken CRM feed",
        kind="sql",
        kpi=kpi,
        config={"query": "SELECT day AS date, units AS value FROM invoices"},
        secrets={"url": f"sqlite:///{erp}"},
    )
    for _attempt in range(3):
        runner.connector_run(
            connector=Connector.objects.for_org(admin.organization).get(pk=broken.pk), trigger="manual"
        )
    assert SyncRun.objects.for_org(admin.organization).filter(connector_id=broken.pk, status="failed").count() == 3
    page.goto(f"{demo_site.url}/data/connectors/")
    expect(page.locator(".connector-row", has_text="Broken CRM feed").locator(".connector-health")).to_have_text(
        "Failing"
    )
    screenshot(page, "connectors-list-failing")
    page.locator(".connector-row", has_text="Broken CRM feed").get_by_role("link", name="Broken CRM feed").click()
    expect(page.locator(".alert-danger")).to_contain_text("invoices")
    screenshot(page, "connectors-detail-failing")

    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    phone.goto(f"{demo_site.url}/data/connectors/")
    expect(phone.locator(".connector-row").first).to_be_visible()
    screenshot(phone, "connectors-list-phone")
