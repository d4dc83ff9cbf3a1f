"""API shapes for file imports."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from tandem.core.ids import Id

DateFormat = Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", "excel"]


class BadRowOut(Schema):
    row: int = Field(..., description="The row number as a spreadsheet shows it: the file's first row is 1")
    column: str
    message: str
    text: str = Field("", description="The cell's text")


class ImportOut(Schema):
    id: int
    file_name: str
    file_format: str
    size: int
    sha256: str
    status: str
    rows_total: int
    rows_written: int
    rows_skipped: int
    row_errors: list[BadRowOut] = Field(..., description="The first 100 bad rows of the last run")
    uploaded_by: int | None = Field(None, alias="uploaded_by_id")
    uploaded_by_name: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    options: dict[str, Any]

    @staticmethod
    def resolve_uploaded_by_name(obj: Any) -> str:
        return str(obj.uploaded_by.display_name) if obj.uploaded_by_id else ""


class MappingOut(Schema):
    kpi_column: str = ""
    kpi: int | None = None
    date_column: str = ""
    value_column: str = ""
    note_column: str = ""
    source_key_column: str = ""
    date_format: str = "YYYY-MM-DD"
    decimal: str = "."
    sheet: str = ""


class PreviousOut(Schema):
    id: int
    finished_at: datetime.datetime | None
    by: str


class PreviewOut(ImportOut):
    sheets: list[str] = Field(..., description="An Excel file's worksheets")
    sheet: str
    header_row: int | None
    columns: list[str]
    rows: list[list[str]] = Field(..., description="The first 10 rows below the header, as text")
    mapping: MappingOut = Field(..., description="The mapping guessed from the header names")
    already_imported: PreviousOut | None = Field(
        None, description="The same file (sha256) imported before: importing again updates the same points"
    )


class MappingIn(Schema):
    """Which column holds what. Give ``kpi_column`` (KPI key or name in each row) or ``kpi`` (every row goes to
    that KPI)."""

    model_config = ConfigDict(extra="forbid")

    kpi_column: str = Field("", max_length=255)
    kpi: Id | None = None
    date_column: str = Field(..., max_length=255)
    value_column: str = Field(..., max_length=255)
    note_column: str = Field("", max_length=255)
    source_key_column: str = Field("", max_length=255)
    date_format: DateFormat = "YYYY-MM-DD"
    decimal: Literal[".", ","] = "."
    sheet: str = Field("", max_length=255, description="An Excel file's worksheet (the first readable by default)")


class RunIn(MappingIn):
    skip_bad_rows: bool = Field(
        False, description="Import the good rows and skip the bad ones; by default a bad row means nothing is written"
    )


class CheckOut(Schema):
    rows_ok: int
    rows_bad: int
    bad_rows: list[BadRowOut] = Field(..., description="The first 100 bad rows")
    more_bad_rows: int
