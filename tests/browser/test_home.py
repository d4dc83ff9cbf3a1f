"""The home dashboard in a real browser: the salesperson's KPIs and OKRs, data entry and a check-in in place,
the company scope, and a phone that needs no sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tandem.orgs import demo

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_salesperson_records_a_value_and_checks_in_from_home(page_for, demo_site):
    page = page_for(1366, 768)
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/")
    sustain, change = page.locator("#sustain"), page.locator("#change")
    expect(page.get_by_role("heading", name="Your KPIs and OKRs")).to_be_visible()
    expect(page.get_by_role("link", name="Me", exact=True)).to_have_attribute("aria-current", "page")
    expect(sustain.locator(".home-kpi", has_text="Units shipped")).to_be_visible()
    expect(sustain.locator(".home-kpi", has_text="Units shipped").locator(".sparkline svg")).to_have_count(1)
    expect(change.locator(".home-objective", has_text="Open 10 pharmacy accounts in District 7")).to_be_visible()
    # Sustain on the left, Change on the right.
    assert sustain.bounding_box()["x"] < change.bounding_box()["x"]  # type: ignore[index]
    screenshot(page, "home-desktop")

    # Data entry in place: a wrong value keeps the dialog open and says why; a good one goes back home.
    sustain.locator(".home-kpi", has_text="Units shipped").get_by_role("link", name="Record").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Record a value: Units shipped")
    dialog.get_by_label("Value").fill("")
    dialog.get_by_role("button", name="Record").click()
    expect(page.locator("dialog[open]").get_by_text("This field is required.")).to_be_visible()
    screenshot(page, "home-record-dialog-error")
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Value").fill("2700")
    dialog.get_by_label("Note").fill("Two big pharmacy orders")
    screenshot(page, "home-record-dialog")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Record").click()
    expect(page.get_by_text("The value was recorded.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/(\?.*)?$"))

    # A check-in in place.
    key_result = change.locator(".home-kr", has_text="Demo visits")
    key_result.get_by_role("link", name="Check in").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    dialog.get_by_label("New value").fill("31")
    dialog.get_by_text("At risk", exact=True).click()
    dialog.get_by_label("Note").fill("Two visits moved to next week")
    screenshot(page, "home-check-in-dialog")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Checked in: Demo visits.")).to_be_visible()
    key_result = page.locator("#change .home-kr", has_text="Demo visits")
    expect(key_result).to_contain_text("checked in today")
    expect(key_result).to_contain_text("At risk")

    # The company.
    page.get_by_role("link", name="Company", exact=True).click()
    expect(page).to_have_url(re.compile(r"scope=company"))
    expect(page.get_by_role("heading", name="Lotus Distribution")).to_be_visible()
    stock = page.locator("#sustain .home-kpi").filter(has=page.get_by_role("link", name="Stock days", exact=True))
    expect(stock).to_be_visible()
    expect(page.locator("#change .home-objective", has_text="Clear the slow movers")).to_be_visible()
    screenshot(page, "home-company")

    # A team from the select.
    warehouse = page.get_by_label("A team").locator("option", has_text="Warehouse").get_attribute("value")
    page.get_by_label("A team").select_option(warehouse)
    page.wait_for_url(re.compile(r"scope=team&team=\d+"))
    expect(page.get_by_role("heading", name="Warehouse")).to_be_visible()
    expect(page.locator("#change .home-objective")).to_have_count(1)


def test_the_home_page_fits_a_phone(page_for, demo_site):
    page = page_for(390, 844)
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/")
    sustain, change = page.locator("#sustain"), page.locator("#change")
    expect(sustain.locator(".home-kpi", has_text="Units shipped")).to_be_visible()
    # Stacked, Sustain first.
    assert sustain.bounding_box()["y"] < change.bounding_box()["y"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "home-phone")
    sustain.locator(".home-kpi", has_text="Units shipped").get_by_role("link", name="Record").click()
    expect(page.locator("dialog[open]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "home-phone-record-dialog")
    page.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog[open]")).to_have_count(0)

    page.goto(f"{demo_site.url}/?scope=company")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "home-phone-company")


def test_a_manager_starts_with_her_team_and_the_changes_she_decides(page_for, demo_site):
    page = page_for(1366, 768)
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/")
    expect(page.get_by_role("link", name="My team", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
    waiting = page.locator("#change-requests")
    expect(waiting).to_contain_text("Units shipped")
    page.locator(".home-count", has_text="Changes to decide").click()
    expect(waiting).to_be_in_viewport()
    screenshot(page, "home-manager")


def test_someone_with_nothing_of_their_own_is_told_what_to_do(page_for, demo_site):
    page = page_for(1366, 768)
    sign_in(page, demo_site.url, "sarah.hughes@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/?scope=me")
    expect(page.get_by_text("You own no KPIs yet.")).to_be_visible()
    expect(page.get_by_role("link", name="See my team's KPIs")).to_be_visible()
    expect(page.get_by_text(re.compile("You have no objectives in"))).to_be_visible()
    # A viewer records nothing and checks nothing in.
    page.goto(f"{demo_site.url}/")
    expect(page.get_by_role("link", name="Record")).to_have_count(0)
    expect(page.get_by_role("link", name="Check in")).to_have_count(0)
    page.goto(f"{demo_site.url}/?scope=me")
    screenshot(page, "home-empty")
