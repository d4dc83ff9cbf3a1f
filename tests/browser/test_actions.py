"""Actions in a real browser: the sales manager adds one on the watermelon KPI for her salesperson and moves
it in place; the salesperson finds it among their actions, overdue first, on a desktop and on a phone."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tandem.core.periods import local_today
from tandem.kpis.models import Kpi
from tandem.okrs.models import Objective
from tandem.orgs import demo
from tandem.orgs.models import Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
TITLE = "Visit the pharmacies that returned the most"


def test_an_action_from_quick_add_to_my_actions(page_for, demo_site):
    lotus = Organization.objects.get(slug="lotus")
    units = Kpi.objects.for_org(lotus).get(key="units_shipped")
    due = local_today(lotus.tz) + datetime.timedelta(days=2)

    manager = page_for()
    sign_in(manager, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    manager.goto(f"{demo_site.url}/kpis/{units.pk}/")
    card = manager.locator("#actions")
    expect(
        card.get_by_text("Stop the extra discount for pharmacies returning more than 5%", exact=True)
    ).to_be_visible()
    card.get_by_role("button", name="Add", exact=True).click()  # nothing filled in: the errors come back in place
    expect(manager.locator("#actions .invalid-feedback").first).to_be_visible()
    screenshot(manager, "actions-kpi-card-errors")
    card = manager.locator("#actions")
    card.get_by_label("Action", exact=True).fill(TITLE)
    card.get_by_label("Owner").select_option(label="Phạm Minh An")
    card.get_by_label("Due").fill(due.isoformat())
    card.get_by_label("Expected effect").fill("−1 pt return rate")
    url = manager.url
    card.get_by_role("button", name="Add", exact=True).click()
    row = manager.locator(".action-row", has_text=TITLE)
    expect(row).to_be_visible()
    assert manager.url == url  # added in place, no page load
    expect(manager.locator("#actions").get_by_text("The action was added")).to_be_visible()
    expect(row).to_contain_text("Phạm Minh An")

    row.get_by_label(f"Status of {TITLE}").select_option("doing")
    expect(manager.locator(".action-row", has_text=TITLE).get_by_label(f"Status of {TITLE}")).to_have_value("doing")
    screenshot(manager, "actions-kpi-card")
    manager.reload()
    expect(manager.locator(".action-row", has_text=TITLE).get_by_label(f"Status of {TITLE}")).to_have_value("doing")

    manager.locator(".action-row", has_text=TITLE).get_by_role("link", name=f"Edit {TITLE}").click()
    expect(manager.get_by_role("heading", name=f"Edit {TITLE}")).to_be_visible()
    manager.get_by_label("Description").fill("Start with the five that returned most in November.")
    screenshot(manager, "actions-edit")
    manager.get_by_role("button", name="Save").click()
    expect(manager.get_by_text("The action was saved.")).to_be_visible()
    assert f"/kpis/{units.pk}/" in manager.url

    objective = Objective.objects.for_org(lotus).get(title="Sell what customers keep")
    manager.goto(f"{demo_site.url}/okrs/objectives/{objective.pk}/")
    expect(manager.locator("#actions .action-row", has_text="Check every return from District 7")).to_be_visible()
    expect(manager.locator("#actions").get_by_label("For key result")).to_be_visible()
    screenshot(manager, "actions-objective-card")

    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    phone.goto(f"{demo_site.url}/kpis/{units.pk}/#actions")
    expect(phone.locator(".action-row", has_text=TITLE)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "actions-kpi-card-phone")

    for width, name in ((1280, "actions-mine"), (390, "actions-mine-phone")):
        page = page_for(width, 844)
        sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
        page.goto(f"{demo_site.url}/actions/")
        expect(page.get_by_role("heading", name="My actions")).to_be_visible()
        titles = page.locator(".action-row .action-title").all_inner_texts()
        overdue = "Stop the extra discount for pharmacies returning more than 5%"
        assert titles.index(overdue) == 0, titles  # overdue first
        assert titles.index("Call the three distributors paying 30+ days late") < titles.index(TITLE), titles
        expect(page.locator(".action-row").first.locator(".badge")).to_have_text("overdue")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, name)
