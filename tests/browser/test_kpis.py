"""KPIs in a real browser: create, record data, see the chart and status, request a change, approve it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tandem.orgs import demo
from tandem.orgs.models import Membership, Organization, Team

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_kpi_from_creation_to_an_approved_change(page_for, demo_site):
    lotus = Organization.objects.get(slug="lotus")
    an = Membership.objects.for_org(lotus).get(user__email="an.pham@lotus.example")
    south = Team.objects.for_org(lotus).get(name="Sales South")

    manager = page_for()
    sign_in(manager, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    manager.goto(f"{demo_site.url}/kpis/new/")
    manager.get_by_label("Name", exact=True).fill("New accounts")
    manager.get_by_label("Key", exact=True).fill("new_accounts")
    manager.get_by_label("Owner").select_option(str(an.pk))
    manager.get_by_label("Team", exact=True).select_option(str(south.pk))
    manager.get_by_label("Frequency").select_option("week")
    # An average: a summed KPI's week in progress would be judged by its run rate instead.
    manager.get_by_label("Aggregation").select_option("avg")
    manager.get_by_label("Target", exact=True).fill("10")
    manager.get_by_label("Red below (above) this").fill("80")
    screenshot(manager, "kpi-new")
    manager.get_by_role("button", name="Create draft KPI").click()
    expect(manager.get_by_role("heading", name=re.compile("New accounts"))).to_be_visible()
    manager.get_by_role("button", name=re.compile("Submit")).click()
    expect(manager.get_by_text("is active")).to_be_visible()

    owner = page_for()
    sign_in(owner, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    owner.goto(f"{demo_site.url}/kpis/")
    owner.get_by_role("link", name="New accounts").click()
    owner.get_by_label("Value", exact=True).fill("7")
    owner.get_by_role("button", name="Record", exact=True).click()
    expect(owner.get_by_text("The value was recorded.")).to_be_visible()
    expect(owner.locator("h1 .badge")).to_have_text("Off target")  # 7 of 10 is below the red line at 80%
    expect(owner.locator("#kpi-trend canvas")).to_have_count(1)
    screenshot(owner, "kpi-detail-red")

    owner.get_by_label("New target").fill("8")
    owner.get_by_label("Reason").fill("Two accounts moved to the north team")
    owner.get_by_role("button", name="Send for approval").click()
    expect(owner.get_by_text("sent for approval")).to_be_visible()

    manager.goto(owner.url)
    manager.get_by_role("button", name="Approve").click()
    expect(manager.get_by_text(re.compile("Approved: the new rules apply from"))).to_be_visible()
    expect(manager.get_by_text("v2")).to_be_visible()
    screenshot(manager, "kpi-approved")

    owner.goto(f"{demo_site.url}/kpis/")
    expect(owner.get_by_role("row", name=re.compile("New accounts")).locator(".sparkline svg")).to_have_count(1)
    screenshot(owner, "kpi-list")


def test_bad_value_is_shown_on_the_form(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/kpis/new/")
    page.get_by_label("Name", exact=True).fill("Bad")
    page.get_by_label("Key", exact=True).fill("Bad Key")
    page.get_by_role("button", name="Create draft KPI").click()
    expect(page.get_by_text("lower-case letters")).to_be_visible()


def test_the_demo_watermelon_is_flagged_on_its_page(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/kpis/?mine=1")
    page.get_by_role("link", name="Units shipped").click()
    expect(page.locator("h1 .badge")).to_have_text("On target")
    expect(page.get_by_role("alert")).to_contain_text("Units shipped is on target, but")
    expect(page.get_by_role("alert")).to_contain_text("Stock days is red")
    page.get_by_role("link", name="Month").click()
    expect(page.locator("#kpi-trend canvas")).to_have_count(1)
    screenshot(page, "kpi-watermelon")


def test_the_list_shows_watermelons_filters_by_status_and_fits_a_phone(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/kpis/")
    units = page.get_by_role("row", name=re.compile("Units shipped"))
    expect(units.get_by_text("Watermelon")).to_be_visible()
    expect(units).to_contain_text("Red guardrails: Overdue receivables, Return rate, Stock days")
    page.get_by_label("Status", exact=True).select_option("red")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row", name=re.compile("Stock days"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Units shipped"))).to_have_count(0)
    expect(page.locator("tbody .badge", has_text="On target")).to_have_count(0)
    screenshot(page, "kpi-list-red")

    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    phone.goto(f"{demo_site.url}/kpis/?sort=status")
    expect(phone.locator("tbody tr").first).to_contain_text("Off target")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "kpi-list-phone")
    phone.get_by_role("link", name="Units shipped").click()
    expect(phone.get_by_role("alert")).to_contain_text("Stock days is red")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "kpi-detail-phone")
