"""Webhooks in a real browser: the administrator creates one for a real local receiver, copies the secret
shown once, sends a test ping and sees it delivered in the history; the ingestion token card and a KPI's
"last data received" are looked at too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations import webhook_receiver
from tandem.kpis.models import Kpi
from tandem.orgs import demo
from tandem.orgs.models import Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
receiver = webhook_receiver.receiver  # the fixture: a real HTTP receiver on 127.0.0.1


def test_create_a_webhook_and_send_a_test_ping(page_for, demo_site, receiver: webhook_receiver.Receiver):
    page = page_for()
    sign_in(page, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/data/webhooks/")
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("Name").fill("ERP alerts")
    page.get_by_label("URL").fill("http://")
    page.get_by_role("button", name="Create webhook").click()
    expect(page.get_by_text("Enter a full address", exact=False)).to_be_visible()
    screenshot(page, "webhooks-form-errors")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("A KPI's current period changed colour").check()
    page.get_by_label("Data points were received").check()
    page.get_by_role("button", name="Create webhook").click()
    secret = page.locator("#webhook-secret")
    expect(secret).to_be_visible()
    assert secret.input_value().startswith("whsec_")
    screenshot(page, "webhooks-created-secret-once")
    page.get_by_role("button", name="Send test ping").click()
    expect(page.get_by_text("A test ping was sent")).to_be_visible()
    expect(page.locator("#webhook-secret")).to_have_count(0)
    row = page.locator("#deliveries tbody tr").first
    expect(row).to_contain_text("ping")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("HTTP 200")
    assert [r.headers["X-Tandem-Event"] for r in receiver.requests] == ["ping"]
    screenshot(page, "webhooks-detail-history")
    page.goto(f"{demo_site.url}/data/webhooks/")
    expect(page.get_by_role("link", name="ERP alerts")).to_be_visible()
    screenshot(page, "webhooks-list")
    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    phone.goto(page.url)
    screenshot(phone, "webhooks-list-phone")


def test_ingestion_token_card_and_last_data_received(page_for, demo_site):
    page = page_for()
    sign_in(page, demo_site.url, "admin@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/settings/")
    card = page.locator("#ingestion-tokens")
    card.get_by_label("Ingestion token name").fill("ERP nightly push")
    card.get_by_role("button", name="Create ingestion token").click()
    expect(page.locator("#new-ingest-token")).to_be_visible()
    expect(page.locator("#ingestion-tokens")).to_contain_text("ERP nightly push")
    page.locator("#ingestion-tokens").scroll_into_view_if_needed()
    screenshot(page, "settings-ingestion-tokens")
    lotus = Organization.objects.get(slug="lotus")
    kpi = Kpi.objects.for_org(lotus).filter(last_received_at__isnull=False).first()
    assert kpi is not None
    page.goto(f"{demo_site.url}/kpis/{kpi.pk}/")
    expect(page.locator("#data-flow")).to_contain_text("Last data received")
    screenshot(page, "kpi-last-data-received")
