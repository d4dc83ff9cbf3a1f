"""Reading uploaded files: CSV with the csv module, Excel (.xlsx) with openpyxl in read-only mode.

A file is read as a header row (the first row that is not blank) and the data rows below it, each with its row
number as a spreadsheet shows it (the first line of the file is row 1), streamed so that a 200,000-row file is
never held as 200,000 lists. Everything wrong with the file as a whole (its encoding, merged cells, a header with
a name twice, no rows) is a :class:`ValidationError` on ``file`` that says what to do about it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tandem.core.errors import ValidationError

XLSX_SIGNATURE = b"PK\x03\x04"
# The encodings a CSV may be read with: the form's value -> Python's codec. UTF-8 tolerates a BOM.
ENCODINGS = {
    "utf-8": "utf-8-sig",
    "cp1258": "cp1258",
    "cp1252": "cp1252",
    "utf-16": "utf-16",
    "latin-1": "latin-1",
}
DELIMITERS = (",", ";", "\t", "|")
PREVIEW_ROWS = 10


class _NoCachedValue:
    """An Excel cell holding a formula that was never calculated (a file written by a program, not by Excel):
    it has no value to import."""

    def __repr__(self) -> str:
        return "NO_CACHED_VALUE"


NO_CACHED_VALUE = _NoCachedValue()


def file_problem(message: str) -> ValidationError:
    return ValidationError("file", message)


def megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def file_format(*, name: str, head: bytes) -> str:
    """``"csv"`` or ``"xlsx"`` from the file's name, checked against its first bytes."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = head.startswith(XLSX_SIGNATURE)
    if extension == "xlsx":
        if not is_zip:
            raise file_problem(
                _(
                    "This is not a real Excel .xlsx file (it may be damaged or renamed). Open it in "
                    "Excel and save it as .xlsx, or export it as CSV."
                )
            )
        return "xlsx"
    if extension in ("csv", "txt", "tsv"):
        if is_zip:
            raise file_problem(
                _(
                    "This file is an Excel workbook or another zip file, not CSV text. Name it .xlsx, "
                    "or export it from Excel as CSV."
                )
            )
        return "csv"
    if extension == "xls":
        raise file_problem(_("Old Excel files (.xls) cannot be read: open it in Excel and save it as .xlsx."))
    raise file_problem(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


# --- CSV --------------------------------------------------------------------------------------------------


def csv_validate(*, content: bytes, encoding: str) -> str:
    """Decode the whole file once, in pieces, to refuse it at upload when it is not text in ``encoding``; returns
    the column delimiter guessed from its first line."""
    codec = ENCODINGS.get(encoding)
    if codec is None:
        raise ValidationError("encoding", _("Choose one of the offered encodings."))
    decoder = codecs.getincrementaldecoder(codec)()
    first_line = ""
    lines_before = 0
    step = 1024 * 1024
    for start in range(0, len(content), step):
        piece = content[start : start + step]
        try:
            text = decoder.decode(piece, final=start + step >= len(content))
        except UnicodeDecodeError as exc:
            line = lines_before + piece[: exc.start].count(b"\n") + 1
            byte = piece[exc.start] if exc.start < len(piece) else 0
            if encoding == "utf-8":
                raise file_problem(
                    _(
                        "The file is not UTF-8 text (byte 0x%(byte)02X at line %(line)s). Choose its encoding, e.g. "
                        "Windows-1258 for files saved by Vietnamese Excel."
                    )
                    % {"byte": byte, "line": line}
                ) from None
            raise file_problem(
                _("The file cannot be read as %(encoding)s (byte 0x%(byte)02X at line %(line)s). Choose its encoding.")
                % {"encoding": encoding, "byte": byte, "line": line}
            ) from None
        if "\x00" in text:
            raise file_problem(
                _("The file holds NUL characters, so it is not CSV text in this encoding (UTF-16 files need UTF-16).")
            )
        if not first_line:
            first_line = text.split("\n", 1)[0]
        lines_before += piece.count(b"\n")
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(content: bytes, encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding=ENCODINGS.get(encoding, "utf-8-sig"), newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        # Row numbers count records, as a spreadsheet shows them (a quoted line break stays in its row).
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise file_problem(
            _("The CSV file is malformed at row %(row)s: %(error)s") % {"row": reader.line_num, "error": exc}
        ) from None
    except UnicodeDecodeError:
        raise file_problem(_("The file cannot be read in the chosen encoding.")) from None


# --- Excel ------------------------------------------------------------------------------------------------


def _open_workbook(content: bytes) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file can fail in zipfile, XML or openpyxl itself
        raise file_problem(
            _("The Excel file cannot be opened: it is damaged or not a real .xlsx file (%(error)s).")
            % {"error": type(exc).__name__}
        ) from None


def sheet_names(content: bytes) -> list[str]:
    """The worksheets of an .xlsx file, in order (chart sheets left out)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    workbook = _open_workbook(content)
    try:
        return [sheet.title for sheet in workbook.worksheets if isinstance(sheet, ReadOnlyWorksheet)]
    finally:
        workbook.close()


def _xlsx_rows(content: bytes, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    """The rows of one worksheet, with openpyxl's own sheet parser, so that two things the read-only worksheet
    hides are seen: a formula with no saved value (``NO_CACHED_VALUE`` rather than an empty cell) and merged
    cells (listed after the rows in the file: refused once the rows are read). openpyxl is pinned, and this
    parser has been its streaming reader since 2.6."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = NO_CACHED_VALUE
            return cell

    workbook = _open_workbook(content)
    try:
        if sheet not in workbook.sheetnames:
            raise ValidationError("sheet", _("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
        worksheet = workbook[sheet]
        try:
            with worksheet._get_source() as source:
                parser = Parser(
                    source,
                    worksheet._shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
                for number, cells in parser.parse():
                    values: list[Any] = [None] * (max((c["column"] for c in cells), default=0))
                    for cell in cells:
                        values[cell["column"] - 1] = cell["value"]
                    yield number, values
                merged = [m.ref for m in parser.merged_cells.mergeCell] if parser.merged_cells else []
        except ValidationError:
            raise
        except Exception as exc:  # noqa: BLE001 - damaged XML inside a valid zip
            raise file_problem(
                _("The Excel file is damaged and cannot be read (%(error)s). Open it in Excel and save it again.")
                % {"error": type(exc).__name__}
            ) from None
        if merged:
            shown = ", ".join(merged[:5]) + (" …" if len(merged) > 5 else "")
            raise file_problem(
                _(
                    "The sheet “%(sheet)s” has merged cells (%(ranges)s). Unmerge them, so that every row holds its "
                    "own values, and upload the file again."
                )
                % {"sheet": sheet, "ranges": shown}
            )
    finally:
        workbook.close()


# --- both -------------------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: Any) -> str:
    """A cell as the person sees it: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None or value is NO_CACHED_VALUE:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


@dataclass
class Table:
    """A file's header (its row number and column names) and an iterator over its data rows."""

    header_row: int
    columns: list[str]
    rows: Iterator[tuple[int, list[Any]]] = field(repr=False)


def table(*, content: bytes, file_format: str, options: dict[str, Any]) -> Table:
    """Open the file as a :class:`Table`; blank rows are skipped. Raises on a file with no header, or a header
    with an empty or repeated name."""
    if file_format == "xlsx":
        rows = _xlsx_rows(content, options.get("sheet") or "")
    else:
        rows = _csv_rows(content, options.get("encoding") or "utf-8", options.get("delimiter") or ",")
    for number, cells in rows:
        if all(is_blank(cell) for cell in cells):
            continue
        while cells and is_blank(cells[-1]):
            cells = cells[:-1]
        columns = [unicodedata.normalize("NFC", text_of(cell).strip()) for cell in cells]
        _check_header(number, columns, file_format)
        data = ((n, c) for n, c in rows if not all(is_blank(cell) for cell in c))
        return Table(header_row=number, columns=columns, rows=data)
    raise file_problem(_("The file has no rows: it needs a header row and a row per data point."))


def _check_header(number: int, columns: list[str], file_format: str) -> None:
    def where(index: int) -> str:
        return column_letter(index) if file_format == "xlsx" else str(index + 1)

    seen: dict[str, int] = {}
    for index, name in enumerate(columns):
        if not name:
            raise file_problem(
                _("The header row (row %(row)s) has an empty name in column %(column)s: name every column.")
                % {"row": number, "column": where(index)}
            )
        folded = name.casefold()
        if folded in seen:
            raise file_problem(
                _(
                    "The header row (row %(row)s) names “%(name)s” twice (columns %(first)s and %(second)s): rename "
                    "one, so each column can be told apart."
                )
                % {"row": number, "name": name, "first": where(seen[folded]), "second": where(index)}
            )
        seen[folded] = index
