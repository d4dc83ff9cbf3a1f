"""OKRs in a real browser: create an objective with two key results, align it, check in from the tree in place,
see the progress and the alignment map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tandem.orgs import demo

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_an_objective_from_creation_to_check_in_and_the_map(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/okrs/")
    screenshot(page, "okr-tree")
    page.get_by_role("link", name="New objective").click()
    page.get_by_label("Objective", exact=True).fill("Delight the pharmacies of District 4")
    page.get_by_label("Aligned to").select_option(label="Win 30 new accounts in the south")
    page.get_by_role("button", name="Add objective").click()
    expect(page.get_by_role("heading", name="Delight the pharmacies of District 4")).to_be_visible()

    for title, start, target in (("Repeat orders", "0", "25"), ("Complaints per month", "12", "4")):
        page.locator("summary", has_text="Add a key result").click()
        page.get_by_label("Key result", exact=True).fill(title)
        page.get_by_label("From", exact=True).fill(start)
        page.get_by_label("To", exact=True).fill(target)
        page.get_by_role("button", name="Add key result").click()
        expect(page.get_by_text("The key result was added.")).to_be_visible()
    screenshot(page, "okr-objective-new")

    page.goto(f"{demo_site.url}/okrs/?mine=1")
    row = page.locator(".okr-row", has_text="Delight the pharmacies of District 4")
    row.locator("li", has_text="Complaints per month").get_by_role("link", name="Check in").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    dialog.get_by_label("New value").fill("8")  # half way from 12 down to 4
    dialog.get_by_text("At risk", exact=True).click()
    expect(dialog.get_by_label("At risk")).to_be_checked()
    dialog.get_by_label("Note").fill("Two distributors still late")
    screenshot(page, "okr-check-in-dialog")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Checked in: Complaints per month.")).to_be_visible()
    row = page.locator(".okr-row", has_text="Delight the pharmacies of District 4")
    expect(row.locator("li", has_text="Complaints per month")).to_contain_text("50%")
    expect(row.locator(".col-md-3").first).to_contain_text("25%")  # (0 + 0.5) / 2
    expect(row.locator("li", has_text="Complaints per month")).to_contain_text("At risk")

    page.goto(f"{demo_site.url}/okrs/map/")
    expect(page.locator("#alignment-map canvas")).to_have_count(1)
    screenshot(page, "okr-map")


def test_the_tree_unfolds_in_place_and_fits_a_phone(page_for, demo_site):
    page = page_for(390, 844)
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/okrs/")
    expect(page.locator(".okr-row", has_text="Open 10 pharmacy accounts in District 7")).to_have_count(0)
    page.locator(".okr-row", has_text="Sell what customers keep").get_by_role(
        "button", name=re.compile("Show the")
    ).click()
    expect(page.locator(".okr-row", has_text="Win 30 new accounts in the south")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "okr-tree-phone")
