"""File imports through their interfaces: the API (multipart upload, check, run, lists) and the pages (upload,
preview, check in place, run), with their refusals and query counts."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.integrations.models import DataImport, ImportStatus
from tandem.kpis.models import DataPoint

from .test_imports import BAD, GOOD, csv_bytes, picks, upload, visits, xlsx_bytes

pytestmark = pytest.mark.django_db
__all__ = ["picks", "visits"]  # fixtures

MAPPING = {"kpi_column": "KPI", "date_column": "Date", "value_column": "Value"}


def post_json(client, url: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


# --- API --------------------------------------------------------------------------------------------------


def test_api_upload_check_and_run(api, salesperson, visits, picks):
    client = api(salesperson)
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("bad.csv", csv_bytes(BAD))})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["columns"] == ["KPI", "Date", "Value"] and body["rows"][0] == ["pharmacy_visits", "2026-11-02", "12"]
    assert body["mapping"]["kpi_column"] == "KPI" and body["status"] == "uploaded" and body["rows_total"] == 8
    assert body["already_imported"] is None
    url = f"/api/v1/imports/{body['id']}"

    checked = post_json(client, f"{url}/check", MAPPING)
    assert checked.status_code == 200
    assert (checked.json()["rows_ok"], checked.json()["rows_bad"], checked.json()["more_bad_rows"]) == (2, 6, 0)
    assert checked.json()["bad_rows"][0] == {
        "row": 3,
        "column": "Date",
        "message": "Not a date as YYYY-MM-DD: “2026-13-02”.",
        "text": "2026-13-02",
    }

    refused = post_json(client, f"{url}/run", MAPPING)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("6 rows are bad, so nothing was written.")
    assert refused.json()["errors"][0] == {"field": "rows.3.Date", "message": "Not a date as YYYY-MM-DD: “2026-13-02”."}
    assert not DataPoint.objects.for_org(salesperson.organization).filter(kpi=visits).exists()

    done = post_json(client, f"{url}/run", {**MAPPING, "skip_bad_rows": True})
    assert done.status_code == 201
    assert (done.json()["status"], done.json()["rows_written"], done.json()["rows_skipped"]) == ("partial", 2, 6)
    assert DataPoint.objects.for_org(salesperson.organization).filter(kpi=visits).count() == 2
    assert client.get(url).json()["row_errors"][0]["row"] == 3
    listed = client.get("/api/v1/imports").json()
    assert listed["count"] == 1 and listed["items"][0]["uploaded_by_name"] == salesperson.display_name
    again = post_json(client, f"{url}/run", {**MAPPING, "skip_bad_rows": True})
    assert again.status_code == 409


def test_api_refusals_are_readable(api, salesperson, settings, visits):
    client = api(salesperson)
    settings.IMPORT_MAX_BYTES = 1024
    big = client.post("/api/v1/imports", {"file": SimpleUploadedFile("big.csv", b"x" * 5000)})
    assert big.status_code == 422 and big.json()["errors"][0]["field"] == "file"
    latin = client.post("/api/v1/imports", {"file": SimpleUploadedFile("a.csv", "Date,Value\n1,é\n".encode("cp1252"))})
    assert latin.status_code == 422 and "byte 0xE9 at line 2" in latin.json()["detail"]
    missing = client.post("/api/v1/imports", {"encoding": "utf-8"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
    created = client.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("v.csv", csv_bytes(GOOD)), "encoding": "cp1258"}
    )
    assert created.status_code == 201
    wrong = post_json(client, f"/api/v1/imports/{created.json()['id']}/check", {**MAPPING, "value_column": "Amount"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [{"field": "value_column", "message": "The file has no column “Amount”."}]
    unknown = post_json(client, f"/api/v1/imports/{created.json()['id']}/check", {**MAPPING, "date_format": "D/M"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "date_format"


def test_api_viewer_and_outsider(api, viewer, outsider, salesperson, admin, sales_manager):
    data_import = upload(salesperson, "visits.csv", csv_bytes(GOOD))
    refused = api(viewer).post("/api/v1/imports", {"file": SimpleUploadedFile("v.csv", csv_bytes(GOOD))})
    assert refused.status_code == 403
    for who in (outsider, viewer, sales_manager):  # another organization, and others' imports, are not found
        assert api(who).get(f"/api/v1/imports/{data_import.pk}").status_code == 404
        assert post_json(api(who), f"/api/v1/imports/{data_import.pk}/check", MAPPING).status_code in (403, 404)
    assert api(outsider).get("/api/v1/imports").json() == {"items": [], "count": 0}
    assert api(admin).get(f"/api/v1/imports/{data_import.pk}").status_code == 200  # administrators see all


# --- pages ------------------------------------------------------------------------------------------------


def test_upload_preview_check_and_import_the_good_rows(web, salesperson, visits, picks):
    client = web(salesperson)
    page = client.get("/data/imports/")
    assert page.status_code == 200 and 'accept=".csv,.xlsx"' in page.content.decode()
    response = client.post(
        "/data/imports/", {"file": SimpleUploadedFile("bad.csv", csv_bytes(BAD)), "encoding": "utf-8"}
    )
    assert response.status_code == 302
    data_import = DataImport.objects.for_org(salesperson.organization).get()
    assert response["Location"] == f"/data/imports/{data_import.pk}/"
    preview = client.get(response["Location"]).content.decode()
    assert "header found on row 1" in preview and "nobody_knows" in preview
    assert '<option value="KPI" selected>' in preview  # the guessed mapping

    form = {
        **MAPPING,
        "kpi": "",
        "note_column": "",
        "source_key_column": "",
        "date_format": "YYYY-MM-DD",
        "decimal": ".",
    }
    checked = client.post(f"/data/imports/{data_import.pk}/check/", form, headers={"HX-Request": "true"})
    text = checked.content.decode()
    assert checked.status_code == 200 and "<html" not in text
    assert "2 rows ok" in text and "6 bad" in text and "Import the 2 good rows, skip 6" in text
    assert 'name="skip_bad_rows" value="0"' not in text  # "Import N rows" only when every row is good
    assert not DataPoint.objects.for_org(salesperson.organization).filter(kpi=visits).exists()
    signature = text.split('name="checked" value="')[1].split('"')[0]

    changed = client.post(
        f"/data/imports/{data_import.pk}/run/",
        {**form, "date_format": "DD/MM/YYYY", "skip_bad_rows": "1", "checked": signature},
    )
    assert changed.status_code == 422 and "The mapping changed since the check" in changed.content.decode()
    done = client.post(f"/data/imports/{data_import.pk}/run/", {**form, "skip_bad_rows": "1", "checked": signature})
    assert done.status_code == 302 and done["Location"] == "/data/imports/"
    history = client.get("/data/imports/").content.decode()
    assert "Imported 2 rows from bad.csv. 6 bad rows were skipped." in history
    assert "Imported, bad rows skipped" in history
    outcome = client.get(f"/data/imports/{data_import.pk}/").content.decode()
    assert "2026-13-02" in outcome and "Which column holds what" not in outcome


def test_a_good_file_imports_and_is_recognised_the_next_time(web, salesperson, visits):
    client = web(salesperson)
    client.post("/data/imports/", {"file": SimpleUploadedFile("v.csv", csv_bytes(GOOD)), "encoding": "utf-8"})
    first = DataImport.objects.for_org(salesperson.organization).get()
    form = {**MAPPING, "date_format": "YYYY-MM-DD", "decimal": "."}
    checked = client.post(f"/data/imports/{first.pk}/check/", form).content.decode()
    assert "3 rows ok" in checked and "Import 3 rows" in checked  # without HTMX: the whole page
    assert client.post(f"/data/imports/{first.pk}/run/", {**form, "skip_bad_rows": "0"}).status_code == 302
    client.post("/data/imports/", {"file": SimpleUploadedFile("v.csv", csv_bytes(GOOD)), "encoding": "utf-8"})
    second = DataImport.objects.for_org(salesperson.organization).exclude(pk=first.pk).get()
    page = client.get(f"/data/imports/{second.pk}/").content.decode()
    assert "This file was imported on" in page and "importing it again updates the same points" in page
    assert first.status == ImportStatus.UPLOADED  # (the object in hand; the row moved on)


def test_upload_errors_show_on_the_form(web, salesperson, tmp_path):
    client = web(salesperson)
    merged = xlsx_bytes(tmp_path, {"S": [["Date", "Value"], ["2026-11-02", 1], ["2026-11-03", 2]]}, "A2:A3")
    response = client.post("/data/imports/", {"file": SimpleUploadedFile("m.xlsx", merged), "encoding": "utf-8"})
    assert response.status_code == 422 and "merged cells (A2:A3)" in response.content.decode()
    empty = client.post("/data/imports/", {"encoding": "utf-8"})
    assert empty.status_code == 422


def test_sheet_choice_for_a_workbook(web, salesperson, tmp_path):
    content = xlsx_bytes(
        tmp_path, {"North": [["Date", "Value"], ["2026-11-02", 1]], "South": [["Ngày", "Giá trị"], ["x", 2]]}
    )
    data_import = upload(salesperson, "book.xlsx", content)
    page = web(salesperson).get(f"/data/imports/{data_import.pk}/?sheet=South").content.decode()
    assert '<option value="South" selected>' in page and "Giá trị" in page


def test_viewers_see_the_page_but_cannot_upload(web, viewer):
    client = web(viewer)
    page = client.get("/data/imports/")
    assert page.status_code == 200 and "Viewers can see imports but cannot import files." in page.content.decode()
    response = client.post(
        "/data/imports/", {"file": SimpleUploadedFile("v.csv", csv_bytes(GOOD)), "encoding": "utf-8"}
    )
    assert response.status_code == 403


def test_the_history_runs_a_constant_number_of_queries(
    web, admin, salesperson, sales_manager, django_assert_max_num_queries
):
    for who in (admin, salesperson, sales_manager) * 4:
        upload(who, "v.csv", csv_bytes(GOOD))
    client = web(admin)
    client.get("/data/imports/")
    with django_assert_max_num_queries(12) as captured:
        page = client.get("/data/imports/")
    assert page.content.decode().count("/data/imports/") >= 12
    assert not any("content" in q["sql"] and "integrations_dataimport" in q["sql"] for q in captured.captured_queries)


def test_the_kpi_list_links_to_imports(web, salesperson, viewer):
    assert 'href="/data/imports/"' in web(salesperson).get("/kpis/").content.decode()
    assert "Import from a file" not in web(viewer).get("/kpis/").content.decode()
