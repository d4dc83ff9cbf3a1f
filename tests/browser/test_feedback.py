"""1:1 feedback and comments in a real browser: a manager writes in her report's thread about his objective,
he reads it from his inbox and replies (on a phone), another manager finds nothing there, and a mention in
a KPI comment reaches the person mentioned."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tandem.kpis.models import Kpi
from tandem.orgs import demo
from tandem.orgs.models import Membership, Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_one_to_one_thread_between_a_manager_and_her_report(page_for, demo_site):
    lotus = Organization.objects.get(slug="lotus")
    an = Membership.objects.for_org(lotus).get(user__email="an.pham@lotus.example")
    thread_url = f"{demo_site.url}/people/{an.pk}/feedback/"

    manager = page_for()
    sign_in(manager, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    manager.goto(f"{demo_site.url}/people/{an.pk}/")
    expect(manager.get_by_text("@an.pham")).to_be_visible()
    screenshot(manager, "person-with-feedback-link")
    manager.get_by_role("link", name="1:1 feedback").click()
    expect(manager.get_by_role("heading", name="1:1 feedback")).to_be_visible()
    manager.get_by_label("Note").fill("Six pharmacies signed already: what do you need for the last four?")
    manager.get_by_label("About the objective").select_option(label="Open 10 pharmacy accounts in District 7")
    manager.get_by_role("button", name="Add note").click()
    expect(manager.get_by_text("Your note was added; Phạm Minh An was told.")).to_be_visible()
    note = manager.locator("#notes .list-group-item", has_text="Six pharmacies signed already")
    expect(note.get_by_role("link", name="Open 10 pharmacy accounts in District 7")).to_be_visible()
    screenshot(manager, "feedback-thread")

    report = page_for(390, 844)
    sign_in(report, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    report.goto(f"{demo_site.url}/notifications/")
    report.get_by_role("button", name=re.compile("Trần Thu Linh wrote in your 1:1 feedback")).click()
    expect(report).to_have_url(re.compile(rf"/people/{an.pk}/feedback/#note-\d+$"))
    expect(report.get_by_text("Six pharmacies signed already")).to_be_visible()
    report.get_by_label("Note").fill("Two distributors are late; a joint visit next week would help.")
    report.get_by_role("button", name="Add note").click()
    expect(report.get_by_text("Your note was added; Trần Thu Linh was told.")).to_be_visible()
    expect(report.locator("#notes .list-group-item")).to_have_count(2)
    assert report.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(report, "feedback-thread-phone")

    other = page_for()
    sign_in(other, demo_site.url, "minh.le@lotus.example", demo.PASSWORD)
    response = other.goto(thread_url)
    assert response is not None and response.status == 404
    other.goto(f"{demo_site.url}/people/{an.pk}/")
    expect(other.get_by_role("link", name="1:1 feedback")).to_have_count(0)


def test_a_mention_in_a_kpi_comment_reaches_the_person(page_for, demo_site):
    lotus = Organization.objects.get(slug="lotus")
    revenue = Kpi.objects.for_org(lotus).get(key="net_revenue")

    manager = page_for()
    sign_in(manager, demo_site.url, "linh.tran@lotus.example", demo.PASSWORD)
    manager.goto(f"{demo_site.url}/kpis/{revenue.pk}/")
    comments = manager.locator("#comments")
    expect(comments.get_by_text("Mention someone with @")).to_be_visible()
    comments.get_by_label("Comment").fill("@an.pham the pharmacies pushed revenue up this month, well done.")
    comments.get_by_role("button", name="Comment").click()
    expect(manager).to_have_url(re.compile(rf"/kpis/{revenue.pk}/#comment-\d+$"))
    expect(manager.locator("#comments").get_by_text("the pharmacies pushed revenue up")).to_be_visible()
    manager.locator("#comments").scroll_into_view_if_needed()
    screenshot(manager, "kpi-comments")

    an = page_for()
    sign_in(an, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    expect(an.locator("#bell [data-unread-count]")).to_be_visible()
    an.locator("#bell").click()
    mention = an.get_by_role("button", name=re.compile("Trần Thu Linh mentioned you on “Net revenue”"))
    expect(mention).to_be_visible()
    screenshot(an, "mention-inbox")
    mention.click()
    expect(an).to_have_url(re.compile(rf"/kpis/{revenue.pk}/#comment-\d+$"))
    expect(an.locator("#comments").get_by_text("the pharmacies pushed revenue up")).to_be_visible()
