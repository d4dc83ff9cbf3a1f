"""Signing in, the shell, and the people and teams page, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tandem.orgs import demo
from tandem.orgs.models import Organization, Team

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_member_signs_in_sees_the_shell_and_the_team_tree(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    # A member's home opens on their own KPIs and OKRs (tests/browser/test_home.py has the rest).
    expect(page.get_by_role("heading", name="Your KPIs and OKRs")).to_be_visible()
    nav = page.get_by_role("navigation").first
    for item in ("Home", "KPIs", "OKRs", "Boards", "Insights", "People", "Settings"):
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    expect(page.get_by_text("Phạm Minh An").first).to_be_visible()
    screenshot(page, "home-member")

    nav.get_by_role("link", name="People", exact=True).click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    tree = page.locator("#team-tree")
    expect(tree.get_by_role("link", name="Leadership")).to_be_visible()
    expect(tree.get_by_role("link", name="Sales North")).to_be_visible()
    expect(tree.get_by_role("link", name="Warehouse")).to_be_visible()
    expect(page.get_by_role("link", name="Trần Thu Linh").first).to_be_visible()
    # Members do not get admin actions.
    expect(page.get_by_role("link", name=re.compile("Invite people"))).to_have_count(0)
    screenshot(page, "people-member")

    page.get_by_placeholder(re.compile("Search")).fill("forklift")
    page.get_by_placeholder(re.compile("Search")).press("Enter")
    expect(page.get_by_role("link", name="Đinh Hoàng Long")).to_be_visible()
    expect(page.get_by_role("link", name="Trần Thu Linh")).to_have_count(0)

    nav.get_by_role("link", name="Insights", exact=True).click()
    expect(page.get_by_text("not built yet")).to_be_visible()


def test_wrong_password_says_so_and_stays_signed_out(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", "not-the-password")
    expect(page.get_by_text(re.compile("correct email and password", re.I))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))
    screenshot(page, "login-wrong-password")


def test_admin_invites_someone_who_joins_through_the_link(page_for, demo_site):
    admin = page_for()
    sign_in(admin, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    admin.goto(f"{demo_site.url}/invitations/")
    admin.get_by_label("Email").fill("new.hire@lotus.example")
    admin.get_by_label("Role").select_option("member")
    admin.get_by_role("button", name=re.compile("Invite|Create invitation|Send")).click()
    link = admin.locator("input[readonly]").first.input_value()
    assert "/invite/" in link
    screenshot(admin, "invitation-created")

    newcomer = page_for()
    newcomer.goto(link)
    expect(newcomer.get_by_text("Lotus Distribution").first).to_be_visible()
    newcomer.get_by_label("Full name").fill("Hồ Ngọc Hà")
    newcomer.get_by_label("Password", exact=True).fill("a-good-long-passphrase")
    newcomer.get_by_label("Password again").fill("a-good-long-passphrase")
    screenshot(newcomer, "invitation-accept")
    newcomer.get_by_role("button", name=re.compile("Join")).click()
    # Home, with nothing of their own yet: it says what to do.
    expect(newcomer.get_by_role("heading", name="Your KPIs and OKRs")).to_be_visible()
    expect(newcomer.get_by_text("You own no KPIs yet.")).to_be_visible()

    again = page_for()
    again.goto(link)
    expect(again.get_by_text("already been used")).to_be_visible()


def test_admin_builds_the_team_tree(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/teams/new/")
    page.get_by_label("Name").fill("Key Accounts")
    teams = Team.objects.for_org(Organization.objects.get(slug="lotus"))
    page.get_by_label("Parent team").select_option(value=str(teams.get(name="Sales").pk))
    page.get_by_role("button", name=re.compile("Create|Save")).click()
    expect(page.get_by_role("heading", name="Key Accounts")).to_be_visible()
    page.goto(f"{demo_site.url}/people/")
    expect(page.locator("#team-tree").get_by_role("link", name="Key Accounts")).to_be_visible()

    # A team cannot move under its own sub-team.
    page.locator("#team-tree").get_by_role("link", name="Sales", exact=True).click()
    page.get_by_role("link", name=re.compile("Edit")).click()
    page.get_by_label("Parent team").select_option(value=str(teams.get(name="Sales North").pk))
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_text("cannot be placed under itself")).to_be_visible()
    screenshot(page, "team-own-ancestor")


def test_phone_width_has_a_menu_button_and_no_sideways_scroll(page_for, demo_site):
    page = page_for(390, 844)
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/people/")
    screenshot(page, "people-phone-closed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(".navbar-toggler").first.click()
    expect(page.get_by_role("link", name="Settings", exact=True).first).to_be_visible()
    screenshot(page, "people-phone")


def test_viewer_switches_organization(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    expect(page.get_by_role("heading", name="Lotus Distribution")).to_be_visible()
    page.get_by_role("button", name=re.compile("Lotus Distribution")).first.click()
    page.get_by_role("button", name="Orchid Foods").click()
    expect(page.get_by_role("heading", name="Orchid Foods")).to_be_visible()
    screenshot(page, "switched-to-orchid")


def test_person_switches_the_interface_to_vietnamese(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/settings/")
    page.get_by_label("Language").select_option("vi")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Đã lưu.")).to_be_visible()
    page.get_by_role("link", name="Nhân sự", exact=True).click()
    expect(page.get_by_role("heading", name="Nhân sự")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    screenshot(page, "people-vietnamese")
