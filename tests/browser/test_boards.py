"""Boards in a real browser: the sales manager makes a private board, puts a KPI on it as a chart and an
objective as a card in a section, and shares it with her salesperson, who finds it only once he is a member;
on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tandem.boards.models import Board
from tandem.orgs import demo
from tandem.orgs.models import Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
NAME = "Pharmacy push"


def test_a_private_board_from_creation_to_sharing(page_for, demo_site):
    manager = page_for(1366, 900)
    sign_in(manager, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    manager.goto(f"{demo_site.url}/boards/")
    expect(manager.get_by_role("link", name="Company pulse")).to_be_visible()
    screenshot(manager, "boards-list")
    form = manager.locator("form", has_text="New board")
    form.get_by_label("Name").fill(NAME)
    form.get_by_label("Description").fill("District 7 pharmacies: what must hold, what must move.")
    form.get_by_label("Who sees it").select_option("private")
    form.get_by_role("button", name="Create board").click()
    expect(manager.get_by_role("heading", name=NAME)).to_be_visible()
    expect(manager.get_by_text("Private: visible to its 1 member only")).to_be_visible()

    manager.get_by_placeholder("New section").fill("Sustain")
    manager.get_by_role("button", name="Add section").click()
    expect(manager.locator(".board-section-title", has_text="Sustain")).to_be_visible()

    search = manager.get_by_placeholder("Search KPIs, objectives and key results")
    search.fill("Units shipped")
    manager.get_by_role("button", name="Add Units shipped as a chart").click()
    expect(manager.locator(".board-tile", has_text="Units shipped").locator(".board-chart svg")).to_be_visible()

    search = manager.get_by_placeholder("Search KPIs, objectives and key results")
    search.fill("pharmacy accounts")
    manager.get_by_role("button", name="Add Open 10 pharmacy accounts in District 7 as a card").click()
    objective = manager.locator(".board-tile", has_text="Open 10 pharmacy accounts in District 7")
    expect(objective).to_be_visible()
    expect(objective.get_by_text("Pharmacies signed")).to_be_visible()
    expect(manager.locator(".board-tile", has_text="Units shipped").locator(".board-chart svg")).to_be_visible()
    screenshot(manager, "boards-edit")

    lotus = Organization.objects.get(slug="lotus")
    board = Board.objects.for_org(lotus).get(name=NAME)
    salesperson = page_for(1366, 900)
    sign_in(salesperson, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    salesperson.goto(f"{demo_site.url}/boards/")
    expect(salesperson.get_by_role("link", name="Company pulse")).to_be_visible()
    expect(salesperson.get_by_text(NAME)).to_have_count(0)
    assert salesperson.goto(f"{demo_site.url}/boards/{board.pk}/").status == 404

    manager.get_by_role("link", name="Members").click()
    manager.get_by_label("Find").fill("Phạm Minh")
    expect(manager.locator("#member-person option", has_text="Phạm Minh An")).to_have_count(1)
    manager.get_by_label("Person", exact=True).select_option(label="Phạm Minh An · an.pham@lotus.example")
    manager.get_by_label("Role", exact=True).select_option("viewer")
    manager.get_by_role("button", name="Add", exact=True).click()
    expect(manager.get_by_text("Phạm Minh An was added to the board.")).to_be_visible()
    screenshot(manager, "boards-members")
    manager.get_by_role("link", name="Back to the board").click()
    manager.get_by_role("link", name="Board settings").click()
    expect(manager.get_by_role("heading", name="Board settings")).to_be_visible()
    expect(manager.get_by_text("added an item").first).to_be_visible()
    screenshot(manager, "boards-settings")

    salesperson.goto(f"{demo_site.url}/boards/")
    salesperson.get_by_role("link", name=NAME).click()
    expect(salesperson.get_by_role("heading", name=NAME)).to_be_visible()
    expect(salesperson.get_by_text("Private: visible to its 2 members only")).to_be_visible()
    expect(salesperson.locator(".board-tile", has_text="Units shipped").locator(".board-chart svg")).to_be_visible()
    expect(salesperson.get_by_role("link", name="Arrange")).to_have_count(0)
    screenshot(salesperson, "boards-board")

    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    phone.goto(f"{demo_site.url}/boards/{board.pk}/")
    expect(phone.locator(".board-tile", has_text="Units shipped").locator(".board-chart svg")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "boards-board-phone")
    pulse = Board.objects.for_org(lotus).get(name="Company pulse")
    phone.goto(f"{demo_site.url}/boards/{pulse.pk}/")
    expect(phone.locator(".board-chart svg").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "boards-pulse-phone")

    desk = page_for(1366, 900)
    sign_in(desk, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    desk.goto(f"{demo_site.url}/boards/{pulse.pk}/")
    expect(desk.locator(".board-chart svg").first).to_be_visible()
    screenshot(desk, "boards-pulse")
    desk.goto(f"{demo_site.url}/boards/{pulse.pk}/?edit=1")
    expect(desk.get_by_text("Add to this board")).to_be_visible()
    phone_edit = page_for(390, 844)
    sign_in(phone_edit, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    phone_edit.goto(f"{demo_site.url}/boards/{pulse.pk}/?edit=1")
    assert phone_edit.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_edit, "boards-edit-phone")
