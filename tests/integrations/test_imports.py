"""File imports, through the services: real CSV and Excel files (written with the csv module and openpyxl),
every bad input the issue names, idempotent re-upload, all-or-nothing, and who may import what."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.core.errors import Conflict, PermissionDenied, ValidationError
from tandem.core.models import AuditEvent
from tandem.integrations import imports
from tandem.integrations.models import DataImport, ImportStatus
from tandem.kpis import services as kpi_services
from tandem.kpis.models import DataPoint
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db


# --- files ------------------------------------------------------------------------------------------------


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(tmp_path: Path, sheets: dict[str, list[list[Any]]], merge: str = "") -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    return path.read_bytes()


def upload(by, name: str, content: bytes, encoding: str = "utf-8") -> DataImport:  # type: ignore[no-untyped-def]
    return imports.data_import_upload(by=by, upload=SimpleUploadedFile(name, content), encoding=encoding)


def mapping(data_import: DataImport, by, **raw: Any) -> imports.Mapping:  # type: ignore[no-untyped-def]
    fields = {"kpi_column": "KPI", "date_column": "Date", "value_column": "Value", **raw}
    return imports.mapping_clean(by=by, data_import=data_import, raw=fields)


def fresh(data_import: DataImport) -> DataImport:
    return DataImport.objects.for_org(data_import.organization_id).get(pk=data_import.pk)


@pytest.fixture
def visits(admin, salesperson):  # type: ignore[no-untyped-def]
    """A KPI of the salesperson, in Sales South: she may record data for it."""
    south = Team.objects.for_org(admin.organization).get(name="Sales South")
    kpi = kpi_services.kpi_create(
        by=admin,
        key="pharmacy_visits",
        name="Pharmacy visits",
        team=south.pk,
        owner=salesperson.pk,
        frequency="day",
        target=Decimal(40),
        red_threshold=Decimal(90),
    )
    return kpi_services.kpi_submit(by=admin, kpi=kpi)


@pytest.fixture
def picks(admin, warehouse_lead):  # type: ignore[no-untyped-def]
    """A public KPI of the warehouse: the salesperson sees it but may not record data for it."""
    warehouse = Team.objects.for_org(admin.organization).get(name="Warehouse")
    kpi = kpi_services.kpi_create(
        by=admin,
        key="pick_errors",
        name="Pick errors",
        team=warehouse.pk,
        owner=warehouse_lead.pk,
        frequency="day",
        target=Decimal(5),
        red_threshold=Decimal(90),
    )
    return kpi_services.kpi_submit(by=admin, kpi=kpi)


def points(kpi) -> dict[datetime.date, Decimal]:  # type: ignore[no-untyped-def]
    return {p.date: p.value for p in DataPoint.objects.for_org(kpi.organization_id).filter(kpi=kpi, source="import")}


GOOD = [
    ["KPI", "Date", "Value", "Note"],
    ["pharmacy_visits", "2026-11-02", "12", "first"],
    ["Pharmacy Visits", "2026-11-03", "14.5", ""],
    ["PHARMACY_VISITS", "2026-11-03", "1", "second of the day"],
]


# --- the happy path and idempotency -----------------------------------------------------------------------


def test_a_csv_file_from_upload_to_points(salesperson, visits):
    data_import = upload(salesperson, "visits.csv", csv_bytes(GOOD))
    assert (data_import.file_format, data_import.rows_total, data_import.options["header_row"]) == ("csv", 3, 1)
    preview = imports.data_import_preview(by=salesperson, data_import=data_import)
    assert preview["columns"] == ["KPI", "Date", "Value", "Note"]
    assert preview["rows"][0] == ["pharmacy_visits", "2026-11-02", "12", "first"]
    assert preview["guess"]["kpi_column"] == "KPI" and preview["guess"]["value_column"] == "Value"
    assert preview["guess"]["note_column"] == "Note" and preview["guess"]["date_format"] == "YYYY-MM-DD"

    chosen = mapping(data_import, salesperson, note_column="Note")
    outcome = imports.data_import_check(by=salesperson, data_import=data_import, mapping=chosen)
    assert (outcome.rows_ok, outcome.rows_bad) == (3, 0)
    assert points(visits) == {}  # a check writes nothing

    done = imports.data_import_run(by=salesperson, data_import=data_import, mapping=chosen, skip_bad_rows=False)
    assert (done.status, done.rows_written, done.rows_skipped) == (ImportStatus.IMPORTED, 3, 0)
    assert fresh(done).content in (b"", memoryview(b"")) or bytes(fresh(done).content) == b""
    assert fresh(done).sha256 == data_import.sha256
    stored = DataPoint.objects.for_org(salesperson.organization).filter(kpi=visits).order_by("date", "source_key")
    assert [(p.date.isoformat(), p.value, p.source_key, p.note) for p in stored] == [
        ("2026-11-02", Decimal("12"), "2026-11-02#1", "first"),
        ("2026-11-03", Decimal("14.5"), "2026-11-03#1", ""),
        ("2026-11-03", Decimal("1"), "2026-11-03#2", "second of the day"),
    ]
    event = AuditEvent.objects.for_org(salesperson.organization).filter(object_type="kpi", action="data_received")
    assert event.latest("id").changes["source"] == [None, "visits.csv"]


def test_the_same_file_again_updates_the_same_points(salesperson, admin, visits):
    first = upload(salesperson, "visits.csv", csv_bytes(GOOD))
    imports.data_import_run(by=salesperson, data_import=first, mapping=mapping(first, salesperson), skip_bad_rows=False)
    again = upload(salesperson, "visits (1).csv", csv_bytes(GOOD))
    previous = imports.data_import_preview(by=salesperson, data_import=again)["previous"]
    assert previous.pk == first.pk and previous.uploaded_by == salesperson
    imports.data_import_run(by=salesperson, data_import=again, mapping=mapping(again, salesperson), skip_bad_rows=False)
    assert DataPoint.objects.for_org(admin.organization).filter(kpi=visits).count() == 3

    corrected = [row[:] for row in GOOD]
    corrected[2][2] = "15"
    third = upload(salesperson, "visits-corrected.csv", csv_bytes(corrected))
    assert imports.data_import_preview(by=salesperson, data_import=third)["previous"] is None
    imports.data_import_run(by=salesperson, data_import=third, mapping=mapping(third, salesperson), skip_bad_rows=False)
    assert DataPoint.objects.for_org(admin.organization).filter(kpi=visits).count() == 3
    assert points(visits)[datetime.date(2026, 11, 3)] in (Decimal(15), Decimal(1))
    assert DataPoint.objects.for_org(admin.organization).get(kpi=visits, source_key="2026-11-03#1").value == 15


def test_a_source_key_column_and_one_kpi_for_every_row(salesperson, visits):
    rows = [["Order", "Ngày", "Giá trị"], ["SO-1", "02/11/2026", "1.234,5"], ["SO-2", "03/11/2026", "7"]]
    data_import = upload(salesperson, "orders.csv", csv_bytes(rows, delimiter=";"))
    guess = imports.data_import_preview(by=salesperson, data_import=data_import)["guess"]
    assert (guess["date_column"], guess["value_column"]) == ("Ngày", "Giá trị")
    assert (guess["date_format"], guess["decimal"]) == ("DD/MM/YYYY", ",")
    chosen = imports.mapping_clean(
        by=salesperson,
        data_import=data_import,
        raw={**guess, "kpi": visits.pk, "source_key_column": "Order"},
    )
    imports.data_import_run(by=salesperson, data_import=data_import, mapping=chosen, skip_bad_rows=False)
    stored = DataPoint.objects.for_org(salesperson.organization).filter(kpi=visits).order_by("date")
    assert [(p.source_key, p.value) for p in stored] == [("SO-1", Decimal("1234.5")), ("SO-2", Decimal(7))]


def test_an_excel_file_with_real_dates_and_several_sheets(tmp_path, salesperson, visits):
    content = xlsx_bytes(
        tmp_path,
        {
            "Notes": [["Read me"]],
            "Data": [
                [None],
                ["KPI", "Date", "Value"],
                ["pharmacy_visits", datetime.datetime(2026, 11, 2), 12],
                ["pharmacy_visits", datetime.datetime(2026, 11, 3), 13.25],
            ],
        },
    )
    data_import = upload(salesperson, "book.xlsx", content)
    # "Notes" has no data rows, so the first sheet that reads as a table is the default.
    assert (data_import.file_format, data_import.options["sheet"], data_import.rows_total) == ("xlsx", "Data", 2)
    preview = imports.data_import_preview(by=salesperson, data_import=data_import)
    assert preview["sheets"] == ["Notes", "Data"] and preview["header_row"] == 2
    assert preview["rows"][0] == ["pharmacy_visits", "2026-11-02", "12"]
    assert preview["guess"]["date_format"] == "excel"
    chosen = mapping(data_import, salesperson, date_format="excel")
    imports.data_import_run(by=salesperson, data_import=data_import, mapping=chosen, skip_bad_rows=False)
    assert points(visits) == {datetime.date(2026, 11, 2): Decimal(12), datetime.date(2026, 11, 3): Decimal("13.25")}


# --- all or nothing ---------------------------------------------------------------------------------------


BAD = [
    ["KPI", "Date", "Value"],
    ["pharmacy_visits", "2026-11-02", "12"],
    ["pharmacy_visits", "2026-13-02", "12"],
    ["pharmacy_visits", "2026-11-04", "twelve"],
    ["nobody_knows", "2026-11-05", "1"],
    ["pharmacy_visits", "", "1"],
    ["pharmacy_visits", "2026-11-06", "12,5"],
    ["pick_errors", "2026-11-07", "3"],
    ["pharmacy_visits", "2026-11-08", "8"],
]


def test_every_bad_row_is_reported_with_its_row_column_and_reason(salesperson, visits, picks):
    data_import = upload(salesperson, "bad.csv", csv_bytes(BAD))
    outcome = imports.data_import_check(
        by=salesperson, data_import=data_import, mapping=mapping(data_import, salesperson)
    )
    assert (outcome.rows_ok, outcome.rows_bad) == (2, 6), outcome.bad_rows
    found = {(bad["row"], bad["column"]): bad for bad in outcome.bad_rows}
    assert set(found) == {(3, "Date"), (4, "Value"), (5, "KPI"), (6, "Date"), (7, "Value"), (8, "KPI")}
    assert "YYYY-MM-DD" in found[3, "Date"]["message"] and found[3, "Date"]["text"] == "2026-13-02"
    assert "Not a number" in found[4, "Value"]["message"]
    assert "nobody_knows" in found[5, "KPI"]["message"]
    assert "empty" in found[6, "Date"]["message"]
    assert "decimal separator" in found[7, "Value"]["message"]
    assert "cannot record data for pick_errors" in found[8, "KPI"]["message"]


def test_a_bad_row_means_nothing_is_written_unless_the_good_rows_are_chosen(salesperson, visits, picks):
    data_import = upload(salesperson, "bad.csv", csv_bytes(BAD))
    chosen = mapping(data_import, salesperson)
    with pytest.raises(imports.BadRows) as refused:
        imports.data_import_run(by=salesperson, data_import=data_import, mapping=chosen, skip_bad_rows=False)
    assert "6 rows are bad, so nothing was written" in refused.value.message
    assert {"field": "rows.4.Value", "message": refused.value.outcome.bad_rows[1]["message"]} in refused.value.errors
    assert points(visits) == {}
    rejected = fresh(data_import)
    assert (rejected.status, rejected.rows_written, rejected.rows_skipped) == (ImportStatus.REJECTED, 0, 6)
    assert len(rejected.row_errors) == 6 and bytes(rejected.content)  # kept, to import the good rows later

    done = imports.data_import_run(by=salesperson, data_import=rejected, mapping=chosen, skip_bad_rows=True)
    assert (done.status, done.rows_written, done.rows_skipped) == (ImportStatus.PARTIAL, 2, 6)
    assert points(visits) == {datetime.date(2026, 11, 2): Decimal(12), datetime.date(2026, 11, 8): Decimal(8)}
    with pytest.raises(Conflict):
        imports.data_import_run(by=salesperson, data_import=fresh(done), mapping=chosen, skip_bad_rows=True)


def test_a_failure_while_writing_rolls_every_chunk_back(salesperson, visits, monkeypatch):
    """Points are written chunk by chunk inside one transaction: the third chunk failing undoes the first two."""
    monkeypatch.setattr(imports, "CHUNK", 2)
    rows = [["KPI", "Date", "Value"]] + [["pharmacy_visits", f"2026-11-{day:02d}", day] for day in range(1, 8)]
    data_import = upload(salesperson, "chunks.csv", csv_bytes(rows))
    chosen = mapping(data_import, salesperson)
    calls = []
    real = imports.kpi_points.data_points_write

    def failing(**kwargs: Any) -> int:
        calls.append(len(kwargs["rows"]))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(imports.kpi_points, "data_points_write", failing)
    with pytest.raises(RuntimeError):
        imports.data_import_run(by=salesperson, data_import=data_import, mapping=chosen, skip_bad_rows=False)
    assert calls == [2, 2, 2] and points(visits) == {}
    assert fresh(data_import).status == ImportStatus.UPLOADED


def test_the_same_source_key_twice_in_a_file_is_a_bad_row_even_across_chunks(salesperson, visits, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    rows = [["Key", "Date", "Value"], ["A", "2026-11-02", 1], ["B", "2026-11-02", 2], ["A", "2026-11-02", 3]]
    data_import = upload(salesperson, "keys.csv", csv_bytes(rows))
    chosen = mapping(data_import, salesperson, kpi_column="", kpi=visits.pk, source_key_column="Key")
    outcome = imports.data_import_check(by=salesperson, data_import=data_import, mapping=chosen)
    assert outcome.rows_bad == 1 and outcome.bad_rows[0]["row"] == 4 and "twice" in outcome.bad_rows[0]["message"]


# --- bad files --------------------------------------------------------------------------------------------


def refused(by, name: str, content: bytes, encoding: str = "utf-8") -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        upload(by, name, content, encoding)
    assert DataImport.objects.for_org(by.organization).count() == 0
    return caught.value.message


def test_a_file_above_the_limit_is_refused_before_it_is_read(salesperson, settings):
    settings.IMPORT_MAX_BYTES = 50 * 1024 * 1024

    class Huge(SimpleUploadedFile):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("read a file that is too big")

    big = Huge("big.csv", b"x")
    big.size = 300 * 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        imports.data_import_upload(by=salesperson, upload=big)
    assert caught.value.message == (
        "The file is 300 MB; the limit is 50 MB. Split it, or send the points through the API."
    )
    settings.IMPORT_MAX_BYTES = 2048
    assert "the limit is 0" in refused(salesperson, "a.csv", csv_bytes(GOOD * 60))


def test_empty_unknown_and_disguised_files_are_refused(tmp_path, salesperson):
    assert refused(salesperson, "empty.csv", b"") == "The file is empty."
    assert "Upload a CSV (.csv) or Excel (.xlsx) file" in refused(salesperson, "report.pdf", b"%PDF-1.4")
    assert "save it as .xlsx" in refused(salesperson, "old.xls", b"\xd0\xcf\x11\xe0")
    assert "not a real Excel .xlsx file" in refused(salesperson, "fake.xlsx", b"KPI,Date,Value\n")
    assert "not CSV text" in refused(salesperson, "book.csv", xlsx_bytes(tmp_path, {"S": [["a"]]}))
    assert "damaged" in refused(salesperson, "broken.xlsx", b"PK\x03\x04" + b"\x00" * 100)


def test_a_csv_that_is_not_utf8_says_where_and_what_to_choose(salesperson, visits):
    rows = [["KPI", "Date", "Value", "Note"], ["pharmacy_visits", "2026-11-02", "1", "ok"]]
    rows.append(["pharmacy_visits", "2026-11-03", "2", "café"])
    content = csv_bytes(rows, encoding="cp1252")
    assert refused(salesperson, "latin.csv", content) == (
        "The file is not UTF-8 text (byte 0xE9 at line 3). Choose its encoding, e.g. Windows-1258 for files "
        "saved by Vietnamese Excel."
    )
    data_import = upload(salesperson, "latin.csv", content, encoding="cp1252")
    imports.data_import_run(
        by=salesperson,
        data_import=data_import,
        mapping=mapping(data_import, salesperson, note_column="Note"),
        skip_bad_rows=False,
    )
    assert DataPoint.objects.for_org(salesperson.organization).get(kpi=visits, date="2026-11-03").note == "café"


def test_vietnamese_windows_1258_utf16_and_a_bom(salesperson, visits):
    # Windows-1258 writes some Vietnamese letters as a base letter and a combining mark: read back as one letter.
    windows = ["Chi\u0309 tiêu", "Nga\u0300y", "Gia\u0301 tri\u0323"]
    plain = ["Chỉ tiêu", "Ngày", "Giá trị"]
    for encoding, codec, header in (
        ("cp1258", "cp1258", windows),
        ("utf-16", "utf-16", plain),
        ("utf-8", "utf-8-sig", plain),
    ):
        rows = [header, ["Pharmacy visits", "2026-11-02", "3"]]
        data_import = upload(salesperson, f"{encoding}.csv", csv_bytes(rows, encoding=codec), encoding)
        guess = imports.data_import_preview(by=salesperson, data_import=data_import)["guess"]
        assert [guess["kpi_column"], guess["date_column"], guess["value_column"]] == plain, encoding


def test_header_and_row_count_problems(salesperson, settings):
    assert "no rows" in refused(salesperson, "blank.csv", b"\r\n,,\r\n")
    assert "no rows of data" in refused(salesperson, "header.csv", b"KPI,Date,Value\r\n")
    assert refused(salesperson, "twice.csv", b"Date,Value,date\r\n2026-11-02,1,2\r\n") == (
        "The header row (row 1) names “date” twice (columns 1 and 3): rename one, so each column can be told apart."
    )
    assert "empty name in column 2" in refused(salesperson, "gap.csv", b"Date,,Value\r\n2026-11-02,1,2\r\n")
    settings.IMPORT_MAX_ROWS = 2
    assert refused(salesperson, "long.csv", csv_bytes(GOOD)) == (
        "The file has 3 rows; the limit is 2. Split it, or send the points through the API."
    )


def test_merged_cells_are_named_and_refused(tmp_path, salesperson):
    content = xlsx_bytes(tmp_path, {"Sales": [["KPI", "Date", "Value"], ["pharmacy_visits", "2026-11-02", 1]]}, "A2:A3")
    assert refused(salesperson, "merged.xlsx", content) == (
        "The sheet “Sales” has merged cells (A2:A3). Unmerge them, so that every row holds its own values, and "
        "upload the file again."
    )


def test_a_formula_without_a_saved_value_names_its_cell(tmp_path, salesperson, visits):
    rows = [["KPI", "Date", "Value"], ["pharmacy_visits", "2026-11-02", 5], ["pharmacy_visits", "2026-11-03", "=C2*2"]]
    data_import = upload(salesperson, "formula.xlsx", xlsx_bytes(tmp_path, {"Sales": rows}))
    outcome = imports.data_import_check(
        by=salesperson, data_import=data_import, mapping=mapping(data_import, salesperson)
    )
    assert (outcome.rows_ok, outcome.rows_bad) == (1, 1)
    assert outcome.bad_rows[0]["row"] == 3 and outcome.bad_rows[0]["column"] == "Value"
    assert outcome.bad_rows[0]["message"] == (
        "Cell C3 holds a formula with no saved value: save the file in Excel first, or paste values."
    )


def test_the_mapping_is_checked_against_the_columns_and_the_kpis(salesperson, visits, picks):
    data_import = upload(salesperson, "visits.csv", csv_bytes(GOOD))
    with pytest.raises(ValidationError) as caught:
        imports.mapping_clean(by=salesperson, data_import=data_import, raw={"date_column": "Day", "value_column": ""})
    assert {e["field"] for e in caught.value.errors} == {"kpi_column", "date_column", "value_column"}
    with pytest.raises(ValidationError) as caught:
        mapping(data_import, salesperson, kpi_column="", kpi=picks.pk)
    assert caught.value.errors == [{"field": "kpi", "message": "Choose a KPI you may record data for."}]


# --- who may import ---------------------------------------------------------------------------------------


def test_viewers_cannot_upload_check_or_run(viewer, salesperson, visits):
    with pytest.raises(PermissionDenied):
        upload(viewer, "visits.csv", csv_bytes(GOOD))
    data_import = upload(salesperson, "visits.csv", csv_bytes(GOOD))
    chosen = mapping(data_import, salesperson)
    with pytest.raises(PermissionDenied):
        imports.data_import_check(by=viewer, data_import=data_import, mapping=chosen)
    with pytest.raises(PermissionDenied):
        imports.data_import_run(by=viewer, data_import=data_import, mapping=chosen, skip_bad_rows=False)


def test_a_ten_thousand_row_file_is_checked_in_chunks(salesperson, visits, django_assert_max_num_queries):
    start = datetime.date(2000, 1, 1)
    rows = [["Date", "Value"]] + [[(start + datetime.timedelta(days=i)).isoformat(), i] for i in range(25_000)]
    data_import = upload(salesperson, "long.csv", csv_bytes(rows))
    chosen = mapping(data_import, salesperson, kpi_column="", kpi=visits.pk)
    # A constant number of queries per chunk of 10,000 rows (three chunks here), none per row.
    with django_assert_max_num_queries(70):
        done = imports.data_import_run(by=salesperson, data_import=data_import, mapping=chosen, skip_bad_rows=False)
    assert done.rows_written == 25_000
    assert DataPoint.objects.for_org(salesperson.organization).filter(kpi=visits).count() == 25_000


def test_bytes_are_kept_as_uploaded(salesperson):
    content = csv_bytes(GOOD)
    data_import = upload(salesperson, "C:\\Users\\an\\visits.csv", content)
    assert data_import.file_name == "visits.csv" and bytes(fresh(data_import).content) == content
    assert data_import.size == len(content) and len(data_import.sha256) == 64
    assert io.BytesIO(bytes(fresh(data_import).content)).read(3) == b"KPI"
