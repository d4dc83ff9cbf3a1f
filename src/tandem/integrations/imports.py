"""File imports: a CSV or Excel file becomes data points, after the person has seen it and said how to read it.

Upload (the file is refused at once when it is too big, empty, not CSV/XLSX or unreadable), preview (the first
rows and a guessed column mapping), check (every row judged, nothing written) and run (every good row written in
one transaction, the bad ones only skipped when the person chose so). Every point goes through
``kpi_points.data_points_check`` and ``data_points_write``, so a point from a file is judged like one from the API.

Re-importing is safe: the points' source is ``import`` and each one's key is the mapped source-key column, or
``"<date>#<n>"`` (the n-th row of that KPI and date in the file), so the same file, or a corrected export of it,
updates the points it wrote before instead of adding more.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.core import audit
from tandem.core.errors import Conflict, ValidationError
from tandem.integrations import import_mapping as mapping_module
from tandem.integrations import import_readers as readers
from tandem.integrations import import_selectors as selectors
from tandem.integrations.import_mapping import DATE_FORMATS, DECIMALS, Mapping, mapping_guess
from tandem.integrations.models import DataImport, ImportStatus
from tandem.kpis import ingest
from tandem.kpis import points as kpi_points
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi
from tandem.orgs import access
from tandem.orgs.models import Membership

SOURCE = "import"
CHUNK = 10_000
ERRORS_KEPT = 100


@dataclass
class Outcome:
    """What a check (or a run) found: how many rows are good and bad, and the first bad ones."""

    rows_ok: int = 0
    rows_bad: int = 0
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    signature: str = ""

    @property
    def more_bad_rows(self) -> int:
        return max(0, self.rows_bad - len(self.bad_rows))


class BadRows(ValidationError):
    """Some rows are bad and the person did not choose to skip them: nothing was written."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(
            errors=[
                {"field": f"rows.{bad['row']}.{bad['column']}", "message": bad["message"]} for bad in outcome.bad_rows
            ]
        )
        self.outcome = outcome
        self.message = ngettext(
            "%(bad)s row is bad, so nothing was written. Fix it, or choose to import the %(ok)s good rows.",
            "%(bad)s rows are bad, so nothing was written. Fix them, or choose to import the %(ok)s good rows.",
            outcome.rows_bad,
        ) % {"bad": outcome.rows_bad, "ok": outcome.rows_ok}


# --- upload -----------------------------------------------------------------------------------------------


def data_import_upload(*, by: Membership, upload: File, encoding: str = "utf-8") -> DataImport:
    """Keep an uploaded file for preview, after refusing what cannot be imported: a file above
    ``IMPORT_MAX_BYTES`` (before reading it), an empty one, one that is neither CSV nor XLSX, a CSV that is not
    text in ``encoding``, a sheet that cannot be read as a table, more rows than ``IMPORT_MAX_ROWS``."""
    access.require_writer(by)
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255] or "upload"
    size = upload.size or 0
    if size > settings.IMPORT_MAX_BYTES:
        raise readers.file_problem(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it, or send the points through the API.")
            % {"size": readers.megabytes(size), "limit": readers.megabytes(settings.IMPORT_MAX_BYTES)}
        )
    if encoding not in readers.ENCODINGS:
        raise ValidationError("encoding", _("Choose one of the offered encodings."))
    content = upload.read(settings.IMPORT_MAX_BYTES + 1)
    if len(content) > settings.IMPORT_MAX_BYTES:  # the announced size was wrong
        raise readers.file_problem(
            _("The file is larger than the limit of %(limit)s MB.")
            % {"limit": readers.megabytes(settings.IMPORT_MAX_BYTES)}
        )
    if not content:
        raise readers.file_problem(_("The file is empty."))
    file_format = readers.file_format(name=name, head=content[:8])
    options: dict[str, Any] = {"encoding": encoding if file_format == "csv" else ""}
    if file_format == "csv":
        options["delimiter"] = readers.csv_validate(content=content, encoding=encoding)
        rows = _count_rows(content, file_format, options)
    else:
        rows = _first_readable_sheet(content, options)
    if rows == 0:
        raise readers.file_problem(_("The file has a header row but no rows of data below it."))
    if rows > settings.IMPORT_MAX_ROWS:
        raise readers.file_problem(
            _("The file has %(rows)s rows; the limit is %(limit)s. Split it, or send the points through the API.")
            % {"rows": f"{rows:,}", "limit": f"{settings.IMPORT_MAX_ROWS:,}"}
        )
    with transaction.atomic():
        data_import = DataImport.objects.for_org(by.organization).create(
            organization=by.organization,
            uploaded_by=by,
            file_name=name,
            file_format=file_format,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            options=options,
            rows_total=rows,
        )
        audit.record(
            organization=by.organization,
            actor=by,
            obj=data_import,
            action="uploaded",
            changes={"rows": [None, rows], "size": [None, len(content)]},
        )
    return data_import


def _count_rows(content: bytes, file_format: str, options: dict[str, Any]) -> int:
    found = readers.table(content=content, file_format=file_format, options=options)
    options["header_row"] = found.header_row
    return sum(1 for _row in found.rows)


def _first_readable_sheet(content: bytes, options: dict[str, Any]) -> int:
    """The first worksheet that reads as a table with rows becomes the default; when none does, the first
    one's problem refuses the file."""
    names = readers.sheet_names(content)
    if not names:
        raise readers.file_problem(_("The workbook has no worksheet."))
    first_problem: ValidationError | None = None
    for name in names:
        options["sheet"] = name
        try:
            rows = _count_rows(content, "xlsx", options)
        except ValidationError as exc:
            first_problem = first_problem or exc
            continue
        if rows:
            return rows
        first_problem = first_problem or readers.file_problem(
            _("The file has a header row but no rows of data below it.")
        )
    options["sheet"] = names[0]
    assert first_problem is not None
    raise first_problem


# --- preview and mapping ----------------------------------------------------------------------------------


def data_import_preview(*, by: Membership, data_import: DataImport, sheet: str | None = None) -> dict[str, Any]:
    """What the preview page shows: the sheets (xlsx), the header row and the first rows, the guessed mapping,
    and the earlier import of the same file. A sheet that cannot be read gives its ``problem`` instead of rows."""
    options = dict(data_import.options)
    preview: dict[str, Any] = {
        "sheets": [],
        "sheet": "",
        "header_row": None,
        "columns": [],
        "rows": [],
        "numbered": [],
        "guess": {},
        "problem": "",
        "previous": selectors.data_import_previous(membership=by, data_import=data_import),
    }
    content = bytes(data_import.content or b"")
    if not content:
        return preview
    if data_import.file_format == "xlsx":
        preview["sheets"] = readers.sheet_names(content)
        if sheet and sheet in preview["sheets"]:
            options["sheet"] = sheet
        preview["sheet"] = options.get("sheet", "")
    try:
        found = readers.table(content=content, file_format=data_import.file_format, options=options)
        sample_rows = _first(found.rows, readers.PREVIEW_ROWS)
    except ValidationError as exc:
        preview["problem"] = exc.message
        return preview
    width = len(found.columns)
    padded = [(list(cells) + [None] * width)[:width] for _number, cells in sample_rows]
    preview["header_row"] = found.header_row
    preview["columns"] = found.columns
    preview["rows"] = [[readers.text_of(v) for v in cells] for cells in padded]
    preview["numbered"] = [(number, row) for (number, _cells), row in zip(sample_rows, preview["rows"], strict=True)]
    preview["guess"] = mapping_guess(
        columns=found.columns,
        sample=padded,
        file_format=data_import.file_format,
        delimiter=options.get("delimiter", ","),
    )
    preview["guess"]["sheet"] = preview["sheet"]
    return preview


def _first(rows: Any, count: int) -> list[tuple[int, list[Any]]]:
    taken = []
    for row in rows:
        taken.append(row)
        if len(taken) >= count:
            break
    return taken


def mapping_clean(*, by: Membership, data_import: DataImport, raw: dict[str, Any]) -> Mapping:
    """The mapping as sent by the form or the API, checked against the file's columns and the KPIs ``by`` may
    record data for. Field errors name the mapping's fields."""
    columns = _columns(data_import, raw.get("sheet") or "")
    errors: list[dict[str, str]] = []

    def column(name: str, required: bool) -> str:
        value = str(raw.get(name) or "").strip()
        if not value:
            if required:
                errors.append({"field": name, "message": _("Choose the column.")})
            return ""
        if value not in columns:
            errors.append({"field": name, "message": _("The file has no column “%(column)s”.") % {"column": value}})
        return value

    kpi_id = raw.get("kpi") or None
    kpi_column = column("kpi_column", required=False)
    if kpi_id is None and not kpi_column:
        errors.append({"field": "kpi_column", "message": _("Choose the KPI column, or the KPI every row goes to.")})
    if kpi_id is not None and kpi_column:
        errors.append({"field": "kpi", "message": _("Choose a KPI column or one KPI for every row, not both.")})
    if kpi_id is not None:
        recordable = {kpi.pk for kpi in kpi_selectors.kpis_recordable(membership=by)}
        if not str(kpi_id).isdigit() or int(kpi_id) not in recordable:
            errors.append({"field": "kpi", "message": _("Choose a KPI you may record data for.")})
    date_column = column("date_column", required=True)
    value_column = column("value_column", required=True)
    note_column = column("note_column", required=False)
    source_key_column = column("source_key_column", required=False)
    chosen = [c for c in (kpi_column, date_column, value_column, note_column, source_key_column) if c]
    if len(chosen) != len(set(chosen)):
        errors.append({"field": "value_column", "message": _("Each column can have one role only.")})
    date_format = str(raw.get("date_format") or "YYYY-MM-DD")
    if date_format not in DATE_FORMATS:
        errors.append({"field": "date_format", "message": _("Choose one of the offered date formats.")})
    decimal = str(raw.get("decimal") or ".")
    if decimal not in DECIMALS:
        errors.append({"field": "decimal", "message": _("The decimal separator is “.” or “,”.")})
    if errors:
        raise ValidationError(errors=errors)
    return Mapping(
        date_column=date_column,
        value_column=value_column,
        kpi_column=kpi_column,
        kpi=int(kpi_id) if kpi_id is not None else None,
        note_column=note_column,
        source_key_column=source_key_column,
        date_format=date_format,
        decimal=decimal,
        sheet=str(raw.get("sheet") or data_import.options.get("sheet") or ""),
    )


def _content(data_import: DataImport) -> bytes:
    content = bytes(data_import.content or b"")
    if not content:
        raise Conflict(_("This file was imported already and is no longer kept: upload it again to import it again."))
    return content


def _options(data_import: DataImport, sheet: str) -> dict[str, Any]:
    return {**data_import.options, **({"sheet": sheet} if sheet else {})}


def _columns(data_import: DataImport, sheet: str) -> list[str]:
    found = readers.table(
        content=_content(data_import), file_format=data_import.file_format, options=_options(data_import, sheet)
    )
    return found.columns


# --- check and run ----------------------------------------------------------------------------------------


def data_import_check(*, by: Membership, data_import: DataImport, mapping: Mapping) -> Outcome:
    """Judge every row without writing anything: how many are good and bad, and the first bad ones."""
    access.require_writer(by)
    outcome = _read(by=by, data_import=data_import, mapping=mapping, write=None)
    outcome.signature = mapping.signature()
    return outcome


def data_import_run(*, by: Membership, data_import: DataImport, mapping: Mapping, skip_bad_rows: bool) -> DataImport:
    """Write the file's points in one transaction. With bad rows, nothing is written (status ``rejected``,
    :class:`BadRows` raised) unless ``skip_bad_rows``: then the good rows are (status ``partial``). The file's
    content is then dropped; its sha256 stays, to recognise it when it comes again."""
    access.require_writer(by)
    try:
        with transaction.atomic():
            locked = DataImport.objects.for_org(by.organization).select_for_update().get(pk=data_import.pk)
            if locked.status not in (ImportStatus.UPLOADED, ImportStatus.REJECTED):
                raise Conflict(_("This file was imported already: upload it again to import it again."))

            def write(rows: list[ingest.Row], kpis: list[Kpi]) -> int:
                return kpi_points.data_points_write(
                    by=by, rows=rows, kpis=kpis, source=SOURCE, label=data_import.file_name
                )

            outcome = _read(by=by, data_import=data_import, mapping=mapping, write=write)
            if outcome.rows_bad and not skip_bad_rows:
                raise BadRows(outcome)
            before = audit.snapshot(locked, ["status", "rows_written", "rows_skipped"])
            _finish(
                locked,
                status=ImportStatus.PARTIAL if outcome.rows_bad else ImportStatus.IMPORTED,
                outcome=outcome,
                mapping=mapping,
            )
            locked.content = b""
            locked.save()
            audit.record(
                organization=by.organization,
                actor=by,
                obj=locked,
                action="imported",
                changes=audit.diff(before, audit.snapshot(locked, ["status", "rows_written", "rows_skipped"])),
            )
    except BadRows as exc:
        # The points were rolled back with the transaction; what was wrong stays on the import.
        with transaction.atomic():
            locked = DataImport.objects.for_org(by.organization).select_for_update().get(pk=data_import.pk)
            _finish(locked, status=ImportStatus.REJECTED, outcome=exc.outcome, mapping=mapping)
            locked.save()
            audit.record(
                organization=by.organization,
                actor=by,
                obj=locked,
                action="rejected",
                changes={"rows_skipped": [None, exc.outcome.rows_bad]},
            )
        raise
    return locked


def _finish(data_import: DataImport, *, status: str, outcome: Outcome, mapping: Mapping) -> None:
    data_import.status = status
    # A rejected run's points were rolled back with its transaction.
    data_import.rows_written = 0 if status == ImportStatus.REJECTED else outcome.written
    data_import.rows_skipped = outcome.rows_bad
    data_import.row_errors = outcome.bad_rows
    data_import.options = {**data_import.options, **asdict(mapping)}
    data_import.finished_at = timezone.now()


@dataclass
class _Chunk:
    points: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    cells: list[list[Any]] = field(default_factory=list)


def _read(
    *,
    by: Membership,
    data_import: DataImport,
    mapping: Mapping,
    write: Callable[[list[ingest.Row], list[Kpi]], int] | None,
) -> Outcome:
    """One pass over every row: cells to points, points checked ``CHUNK`` at a time by ``data_points_check``
    (and handed to ``write`` when given). The file is streamed; only one chunk of points is alive at a time."""
    found = readers.table(
        content=_content(data_import),
        file_format=data_import.file_format,
        options=_options(data_import, mapping.sheet),
    )
    columns = found.columns
    position = {name: index for index, name in enumerate(columns)}
    outcome = Outcome()
    is_xlsx = data_import.file_format == "xlsx"
    roles = {
        "kpi": mapping.kpi_column or _("KPI"),
        "date": mapping.date_column,
        "value": mapping.value_column,
        "source_key": mapping.source_key_column,
        "note": mapping.note_column,
    }

    def bad(number: int, role: str, message: str, cells: list[Any]) -> None:
        outcome.rows_bad += 1
        if len(outcome.bad_rows) < ERRORS_KEPT:
            index = position.get(roles[role])
            text = readers.text_of(cells[index]) if index is not None and index < len(cells) else ""
            outcome.bad_rows.append({"row": number, "column": roles[role], "message": message, "text": text[:200]})

    to_point = mapping_module.point_reader(by=by, mapping=mapping, position=position, is_xlsx=is_xlsx)
    seen: set[tuple[int, datetime.date, str]] = set()
    chunk = _Chunk()
    known: dict[str, Kpi] = {}  # the file's KPIs, read once for all its chunks

    def flush() -> None:
        if not chunk.points:
            return
        rows, kpis, errors = kpi_points.data_points_check(by=by, points=chunk.points, source=SOURCE, known=known)
        failed: dict[int, kpi_points.PointError] = {}
        for error in errors:
            failed.setdefault(error.index, error)
        good_rows: list[ingest.Row] = []
        good = iter(rows)
        for index, number in enumerate(chunk.numbers):
            if index in failed:
                bad(number, failed[index].field, failed[index].message, chunk.cells[index])
                continue
            row = next(good)
            identity = (row.kpi_id, row.period_start, row.source_key)
            if identity in seen:
                twice = _("The same KPI, period and source key appear twice in the file.")
                bad(number, "source_key", twice, chunk.cells[index])
                continue
            seen.add(identity)
            good_rows.append(row)
        outcome.rows_ok += len(good_rows)
        if write is not None and good_rows:
            outcome.written += write(good_rows, list({kpi.pk: kpi for kpi in kpis.values()}.values()))
        chunk.points.clear()
        chunk.numbers.clear()
        chunk.cells.clear()

    for number, cells in found.rows:
        point, problem = to_point(number, cells)
        if problem is not None:
            bad(number, problem[0], problem[1], cells)
            continue
        chunk.points.append(point)  # type: ignore[arg-type]
        chunk.numbers.append(number)
        chunk.cells.append(cells)
        if len(chunk.points) >= CHUNK:
            flush()
    flush()
    return outcome
