"""Notifications in a real browser: the bell's count rises on an open page when someone else gives you an
action, without a reload; the inbox leads to the action; the preferences page saves a choice."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tandem.actions import services as action_services
from tandem.core.periods import local_today
from tandem.kpis.models import Kpi
from tandem.orgs import demo
from tandem.orgs.models import Membership, Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_bell_rises_when_someone_assigns_an_action(page_for, demo_site, settings):
    settings.BELL_POLL_SECONDS = 1
    lotus = Organization.objects.get(slug="lotus")
    linh = Membership.objects.for_org(lotus).get(user__email="linh.tran@lotus.example")
    an = Membership.objects.for_org(lotus).get(user__email="an.pham@lotus.example")
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/kpis/")
    bell = page.locator("#bell")
    expect(bell).to_be_visible()
    badge = bell.locator("[data-unread-count]")
    before = int(badge.inner_text()) if badge.count() else 0

    action_services.action_create(
        by=linh,
        kpi=Kpi.objects.for_org(lotus).get(key="units_shipped"),
        title="Call the ten pharmacies with the most returns",
        owner=an.pk,
        due_date=local_today(lotus.tz) + datetime.timedelta(days=3),
    )

    expect(page.locator("#bell [data-unread-count]")).to_have_text(str(before + 1), timeout=8_000)
    assert page.url.endswith("/kpis/"), "the count rose in place"
    screenshot(page, "bell-risen")

    page.locator("#bell").click()
    entry = page.get_by_role("button", name="Trần Thu Linh gave you the action “Call the ten pharmacies")
    expect(entry).to_be_visible()
    screenshot(page, "inbox")
    entry.click()
    expect(page.locator(".action-row", has_text="Call the ten pharmacies with the most returns")).to_be_visible()

    page.goto(f"{demo_site.url}/settings/notifications/")
    page.get_by_label("Mentions").select_option("email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_label("Mentions")).to_have_value("email")
    screenshot(page, "notification-preferences")

    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    phone.goto(f"{demo_site.url}/settings/notifications/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "notification-preferences-phone")
