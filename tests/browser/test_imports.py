"""File import in a real browser: the salesperson uploads her CSV export (Vietnamese headers, DD/MM/YYYY dates,
"," as the decimal separator), sees the first rows and the guessed mapping, checks every row, sees the bad ones,
imports the good ones, and finds the import in the history; on a desktop and on a phone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tandem.kpis.models import DataPoint, Kpi
from tandem.orgs import demo
from tandem.orgs.models import Organization

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

CSV = (
    "Chỉ tiêu;Ngày;Giá trị;Ghi chú\r\n"
    "units_shipped;02/11/2026;1.234,5;Tuần 45\r\n"
    "Units shipped;09/11/2026;1.180;\r\n"
    "units_shipped;31/11/2026;900;ngày sai\r\n"
    "no_such_kpi;16/11/2026;1.000;\r\n"
    "units_shipped;23/11/2026;mười;\r\n"
).encode("utf-8-sig")


def test_upload_map_check_and_import_the_good_rows(page_for, demo_site):
    lotus = Organization.objects.get(slug="lotus")
    units = Kpi.objects.for_org(lotus).get(key="units_shipped")
    page = page_for()
    sign_in(page, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    page.goto(f"{demo_site.url}/kpis/")
    page.get_by_role("link", name="Import from a file").click()
    expect(page.get_by_role("heading", name="File imports")).to_be_visible()
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": "xuat-hang-thang-11.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    screenshot(page, "imports-upload")
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="xuat-hang-thang-11.csv")).to_be_visible()
    expect(page.locator("#import-preview")).to_contain_text("1.234,5")
    expect(page.get_by_label("KPI column")).to_have_value("Chỉ tiêu")
    expect(page.get_by_label("Date column")).to_have_value("Ngày")
    expect(page.get_by_label("Dates are written as")).to_have_value("DD/MM/YYYY")
    expect(page.get_by_label("Decimal separator")).to_have_value(",")
    page.get_by_label("Note column (optional)").select_option("Ghi chú")
    url = page.url
    page.get_by_role("button", name="Check every row").click()
    outcome = page.locator("#import-outcome")
    expect(outcome).to_contain_text("2 rows ok, 3 bad")
    assert page.url == url  # checked in place
    bad = page.locator("#import-bad-rows tbody tr")
    expect(bad).to_have_count(3)
    expect(bad.nth(0)).to_contain_text("Not a date as DD/MM/YYYY")
    expect(bad.nth(1)).to_contain_text("no_such_kpi")
    expect(bad.nth(2)).to_contain_text("mười")
    assert [bad.nth(i).locator("td").first.inner_text() for i in range(3)] == ["4", "5", "6"]
    expect(page.get_by_role("button", name="Import 2 rows")).to_have_count(0)
    assert not DataPoint.objects.for_org(lotus).filter(kpi=units, source="import").exists()
    screenshot(page, "imports-check")

    page.get_by_role("button", name="Import the 2 good rows, skip 3").click()
    expect(page.get_by_text("Imported 2 rows from xuat-hang-thang-11.csv. 3 bad rows were skipped.")).to_be_visible()
    row = page.locator("tbody tr", has_text="xuat-hang-thang-11.csv")
    expect(row).to_contain_text("Imported, bad rows skipped")
    expect(row).to_contain_text("Phạm Minh An")
    screenshot(page, "imports-history")
    values = sorted(p.value for p in DataPoint.objects.for_org(lotus).filter(kpi=units, source="import"))
    assert values == [Decimal(1180), Decimal("1234.5")]

    phone = page_for(390, 844)
    sign_in(phone, demo_site.url, "an.pham@lotus.example", demo.PASSWORD)
    phone.goto(f"{demo_site.url}/data/imports/")
    expect(phone.locator("tbody tr", has_text="xuat-hang-thang-11.csv")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "imports-history-phone")
