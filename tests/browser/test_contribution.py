"""A person's contribution in a real browser: An opens his own from the account menu and follows the chain from
his key results up to the company objective; his manager opens it from his person page, on a desktop and on
a phone; a manager elsewhere finds neither the button nor the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tandem.orgs import demo
from tandem.orgs.models import Membership, Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

COMPANY = "Grow profitably without filling the warehouse"
MINE = "Open 10 pharmacy accounts in District 7"


def _an() -> Membership:
    lotus = Organization.objects.get(slug="lotus")
    return Membership.objects.for_org(lotus).get(user__email="an.pham@lotus.example")


def test_an_opens_his_contribution_from_the_account_menu(page_for, demo_site):
    page = page_for(1366, 768)
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="My contribution").click()
    expect(page.get_by_role("heading", name="My contribution")).to_be_visible()
    chain = page.locator(".contribution-chain")
    expect(chain.get_by_role("link", name=COMPANY)).to_be_visible()
    expect(chain.get_by_role("link", name="Sell what customers keep")).to_be_visible()
    expect(chain.get_by_role("link", name=MINE)).to_be_visible()
    for title in ("Pharmacies signed", "Demo visits", "Referral offer launched"):
        expect(chain.locator(".contribution-kr", has_text=title)).to_be_visible()
    expect(chain.locator(".contribution-kr", has_text="Return rate")).to_contain_text(
        "Check every return from District 7 with the pharmacist"
    )
    kpis = page.locator(".contribution-kpis")
    expect(kpis.get_by_role("link", name="Units shipped")).to_be_visible()
    expect(kpis.locator(".sparkline svg")).to_have_count(1)
    # The chain reads from the top down: the company objective first, his own objective below it.
    titles = chain.locator(".contribution-title").all_inner_texts()
    assert titles.index(COMPANY) < titles.index(MINE)
    screenshot(page, "contribution-desktop")


def test_his_manager_opens_it_from_his_person_page_on_a_phone(page_for, demo_site):
    an = _an()
    page = page_for(390, 844)
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/people/{an.pk}/")
    page.get_by_role("link", name="Contribution", exact=True).click()
    expect(page.get_by_role("heading", name="Contribution of Phạm Minh An")).to_be_visible()
    chain = page.locator(".contribution-chain")
    expect(chain.get_by_role("link", name=COMPANY)).to_be_visible()
    expect(chain.locator(".contribution-kr", has_text="Pharmacies signed")).to_be_visible()
    expect(page.get_by_role("heading", name="KPIs Phạm Minh An owns")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "contribution-phone")

    desktop = page_for(1366, 768)
    sign_in(desktop, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    desktop.goto(f"{demo_site.url}/people/{an.pk}/contribution/")
    expect(desktop.get_by_role("heading", name="Contribution of Phạm Minh An")).to_be_visible()
    screenshot(desktop, "contribution-manager-desktop")


def test_a_manager_elsewhere_finds_neither_the_button_nor_the_page(page_for, demo_site):
    an = _an()
    page = page_for()
    sign_in(page, demo_site.url, "minh.le@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/people/{an.pk}/")
    expect(page.get_by_role("link", name="Contribution", exact=True)).to_have_count(0)
    response = page.goto(f"{demo_site.url}/people/{an.pk}/contribution/")
    assert response is not None and response.status == 404
