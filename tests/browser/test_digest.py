"""The managers' digest page in a real browser, on a desktop and on a phone: every section, with links."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.okrs.models import KeyResult
from tandem.orgs import demo
from tandem.orgs.models import Membership, Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

SECTIONS = ("Red and amber KPIs", "Objectives at risk", "Overdue actions", "No check-in for a week")


@pytest.mark.parametrize(("width", "name"), [(1280, "digest"), (390, "digest-phone")])
def test_a_manager_reads_her_digest(page_for, demo_site, width, name):
    lotus = Organization.objects.get(slug="lotus")
    an = Membership.objects.for_org(lotus).get(user__email="an.pham@lotus.example")
    # An has not checked in for nine days.
    nine_days_ago = timezone.now() - datetime.timedelta(days=9)
    KeyResult.objects.for_org(lotus).filter(owner=an, kpi__isnull=True).update(
        last_check_in_at=nine_days_ago, created_at=nine_days_ago
    )

    page = page_for(width=width, height=900)
    sign_in(page, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/notifications/digest/")

    expect(page.get_by_role("heading", name="Weekly digest")).to_be_visible()
    for section in SECTIONS:
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    expect(page.locator("#kpis .badge", has_text="Off target").first).to_be_visible()
    expect(page.locator("#check-ins").get_by_role("link", name="Phạm Minh An")).to_be_visible()
    expect(page.locator("#actions .list-group-item a").first).to_be_visible()
    # Nothing runs off the side of a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, name)

    page.locator("#check-ins").get_by_role("link", name="Phạm Minh An").click()
    expect(page).to_have_url(f"{demo_site.url}/okrs/?owner={an.pk}")


def test_someone_who_manages_no_team_is_told_so(page_for, demo_site):
    page = page_for(width=390, height=700)
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/notifications/digest/")
    expect(page.get_by_text("You manage no team")).to_be_visible()
    for section in SECTIONS:
        expect(page.get_by_role("heading", name=section)).to_have_count(0)
    screenshot(page, "digest-no-team")
