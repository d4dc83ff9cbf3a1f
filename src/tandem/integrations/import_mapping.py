"""How a file's columns map to data points: the mapping a person chooses (guessed from the header names at
first), and the reading of one row's cells into a point, or into the reason the row cannot be one."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from tandem.core.errors import amount_of
from tandem.integrations import import_readers as readers
from tandem.integrations import import_selectors as selectors
from tandem.orgs.models import Membership

# The date formats offered (as the person reads them) -> strptime's; "excel": only cells Excel knows as dates.
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "excel": "",
}
DECIMALS = (".", ",")
THOUSANDS = {".": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"), ",": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")}
# Words in header names that give a column's role away (compared without accents, in lower case).
GUESSES = {
    "date_column": ("date", "day", "ngay", "period", "thang", "month", "datum", "fecha"),
    "value_column": ("value", "gia tri", "amount", "so luong", "total", "tong", "revenue", "doanh thu", "qty"),
    "kpi_column": ("kpi", "metric", "chi tieu", "chi so", "indicator", "measure"),
    "note_column": ("note", "ghi chu", "comment", "memo"),
    "source_key_column": ("source key", "source_key", "external id", "reference", "ma tham chieu"),
}


@dataclass(frozen=True)
class Mapping:
    """How to read a file's rows: which column holds what (or the one KPI every row goes to) and how dates and
    numbers are written."""

    date_column: str
    value_column: str
    kpi_column: str = ""
    kpi: int | None = None
    note_column: str = ""
    source_key_column: str = ""
    date_format: str = "YYYY-MM-DD"
    decimal: str = "."
    sheet: str = ""

    def signature(self) -> str:
        """Names this exact mapping, so that "import the good rows" can insist on the mapping that was checked."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def _folded(text: str) -> str:
    """Lower case without accents ("Ngày" -> "ngay", "Đơn vị" -> "don vi"), to recognise header names."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("_", " ").strip()


def mapping_guess(*, columns: list[str], sample: list[list[Any]], file_format: str, delimiter: str = ",") -> dict:
    """Sensible defaults from the header names (date/ngày, value/giá trị, kpi, note) and the first values."""
    guess: dict[str, Any] = {key: "" for key in GUESSES}
    taken: set[str] = set()
    for role, words in GUESSES.items():
        for column in columns:
            name = _folded(column)
            if column not in taken and any(word == name or word in name.split() or word in name for word in words):
                guess[role] = column
                taken.add(column)
                break
    dates = [row[columns.index(guess["date_column"])] for row in sample] if guess["date_column"] else []
    values = [row[columns.index(guess["value_column"])] for row in sample] if guess["value_column"] else []
    guess["date_format"] = _guess_date_format(dates)
    texts = [v for v in values if isinstance(v, str)]
    european = any(re.match(r"^[+-]?[\d.\s]*,\d+$", t.strip()) for t in texts) or (delimiter == ";" and texts)
    guess["decimal"] = "," if european else "."
    guess["kpi"] = None
    return guess


def _guess_date_format(values: list[Any]) -> str:
    texts = [str(v).strip().split(" ")[0] for v in values if isinstance(v, str) and v.strip()]
    if not texts:
        return "excel" if any(isinstance(v, datetime.date | int | float) for v in values) else "YYYY-MM-DD"
    if all(re.match(r"^\d{4}-\d{1,2}-\d{1,2}$", t) for t in texts):
        return "YYYY-MM-DD"
    if all(re.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$", t) for t in texts):
        return "DD.MM.YYYY"
    parts = [t.split("/") for t in texts if t.count("/") == 2]
    if any(p[1].isdigit() and int(p[1]) > 12 for p in parts):
        return "MM/DD/YYYY"
    return "DD/MM/YYYY" if parts else "YYYY-MM-DD"


def point_reader(
    *, by: Membership, mapping: Mapping, position: dict[str, int], is_xlsx: bool
) -> Callable[[int, list[Any]], tuple[dict[str, Any] | None, tuple[str, str] | None]]:
    """A function from a row's cells to a data point, or to the (role, reason) of what is wrong with the row."""
    references = selectors.kpi_references(membership=by) if mapping.kpi_column else {}
    kpi_at = position.get(mapping.kpi_column) if mapping.kpi_column else None
    date_at, value_at = position[mapping.date_column], position[mapping.value_column]
    note_at = position.get(mapping.note_column) if mapping.note_column else None
    key_at = position.get(mapping.source_key_column) if mapping.source_key_column else None
    read_date = _date_reader(mapping.date_format)
    decimal = mapping.decimal
    counters: dict[tuple[object, datetime.date], int] = {}
    # A file names the same few KPIs on every row: each spelling is looked up once.
    known_kpis: dict[Any, object] = {}

    def cell(cells: list[Any], index: int | None) -> Any:
        return cells[index] if index is not None and index < len(cells) else None

    def missing(number: int, cells: list[Any], index: int, role: str, column: str) -> tuple[str, str]:
        if index < len(cells) and cells[index] is readers.NO_CACHED_VALUE:
            return role, _(
                "Cell %(cell)s holds a formula with no saved value: save the file in Excel first, or paste values."
            ) % {"cell": f"{readers.column_letter(index)}{number}"}
        return role, _("“%(column)s” is empty.") % {"column": column}

    def read(number: int, cells: list[Any]) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
        if kpi_at is not None:
            raw = cell(cells, kpi_at)
            if readers.is_blank(raw) or raw is readers.NO_CACHED_VALUE:
                return None, missing(number, cells, kpi_at, "kpi", mapping.kpi_column)
            kpi: object = known_kpis.get(raw)
            if kpi is None:
                reference = unicodedata.normalize("NFC", readers.text_of(raw).strip()).casefold()
                kpi = references.get(reference)
                if kpi is not None and isinstance(raw, str):
                    known_kpis[raw] = kpi
            if kpi is None:
                return None, (
                    "kpi",
                    _("No KPI with this key or name that you can see: “%(text)s”.")
                    % {"text": readers.text_of(raw).strip()[:100]},
                )
            if kpi == 0:
                return None, ("kpi", _("Several KPIs have this name: use their keys instead."))
        else:
            kpi = mapping.kpi
        raw_date = cell(cells, date_at)
        if readers.is_blank(raw_date) or raw_date is readers.NO_CACHED_VALUE:
            return None, missing(number, cells, date_at, "date", mapping.date_column)
        day = read_date(raw_date)
        if day is None:
            return None, ("date", _date_message(mapping.date_format, raw_date))
        raw_value = cell(cells, value_at)
        if readers.is_blank(raw_value) or raw_value is readers.NO_CACHED_VALUE:
            return None, missing(number, cells, value_at, "value", mapping.value_column)
        value = _number(raw_value, decimal)
        if value is None:
            return None, (
                "value",
                _("Not a number: “%(text)s” (the decimal separator chosen is “%(sep)s”).")
                % {"text": readers.text_of(raw_value)[:100], "sep": decimal},
            )
        n = counters[kpi, day] = counters.get((kpi, day), 0) + 1
        key = readers.text_of(cell(cells, key_at)).strip() if key_at is not None else ""
        note = readers.text_of(cell(cells, note_at)).strip() if note_at is not None else ""
        return {
            "kpi": str(kpi),
            "date": day,
            "value": value,
            "source_key": key or f"{day.isoformat()}#{n}",
            "note": note,
        }, None

    return read


def _date_reader(date_format: str) -> Callable[[Any], datetime.date | None]:
    pattern = DATE_FORMATS[date_format]

    def read(value: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            if date_format != "excel":
                return None
            from openpyxl.utils.datetime import from_excel

            try:
                found = from_excel(value)
            except (ValueError, OverflowError, TypeError):
                return None
            return found.date() if isinstance(found, datetime.datetime) else None
        if not pattern:
            return None
        text = str(value)
        if text in known:
            return known[text]
        if len(known) > 100_000:
            known.clear()
        found = known[text] = _parse_date(text.strip().split(" ")[0].split("T")[0], date_format)
        return found

    # A file repeats its dates (one row per KPI and day): each text is parsed once.
    known: dict[str, datetime.date | None] = {}
    return read


# The order of day, month and year in each text format, and their separator.
DATE_PARTS = {
    "YYYY-MM-DD": ("-", 0, 1, 2),
    "DD/MM/YYYY": ("/", 2, 1, 0),
    "MM/DD/YYYY": ("/", 2, 0, 1),
    "DD.MM.YYYY": (".", 2, 1, 0),
}


def _parse_date(text: str, date_format: str) -> datetime.date | None:
    """A date written in ``date_format`` (one- or two-digit day and month, four-digit year), or None. Faster than
    ``strptime``, which a 200,000-row file would call 200,000 times."""
    separator, year_at, month_at, day_at = DATE_PARTS[date_format]
    parts = text.split(separator)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[year_at]) != 4:
        return None
    if len(parts[month_at]) > 2 or len(parts[day_at]) > 2:
        return None
    try:
        return datetime.date(int(parts[year_at]), int(parts[month_at]), int(parts[day_at]))
    except ValueError:
        return None


def _date_message(date_format: str, raw: Any) -> str:
    text = readers.text_of(raw)[:100]
    if date_format == "excel":
        return _("Not an Excel date: “%(text)s”. Choose the format the dates are written in.") % {"text": text}
    return _("Not a date as %(format)s: “%(text)s”.") % {"format": date_format, "text": text}


def _number(raw: Any, decimal: str) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        return amount_of(raw)
    text = str(raw).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if decimal == ".":
        if "," in text:
            if not THOUSANDS["."].match(text):
                return None
            text = text.replace(",", "")
    else:
        if "." in text:
            if not THOUSANDS[","].match(text):
                return None
            text = text.replace(".", "")
        text = text.replace(",", ".")
    return amount_of(text)
