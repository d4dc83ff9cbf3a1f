"""The built-in KPI and OKR templates behind "create from template", read from the JSON files in ``data/``.

Each file is checked in full on first use: a template that could not become a valid KPI or OKR is a bug
in the shipped data, so it fails loudly with a ``ValueError`` naming the file, the template and the field,
rather than later as a form error in front of a user. ``parse_kpis`` and ``parse_okrs`` (and the
``read_*`` functions that wrap them) are the same checks, for tests and for organizations' own files.

Texts that people read are ``{language: text}`` with at least English ("en") and Vietnamese ("vi");
numbers are strings in the files, so that they become exact ``Decimal`` values and never pass through floats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DATA_DIR = Path(__file__).resolve().parent / "data"
KPI_FILE = DATA_DIR / "kpis.json"
OKR_FILE = DATA_DIR / "okrs.json"

FUNCTIONS: list[tuple[str, Promise]] = [
    ("sales", _("Sales")),
    ("marketing", _("Marketing")),
    ("customer_service", _("Customer service")),
    ("operations", _("Operations")),
    ("finance", _("Finance")),
    ("hr", _("Human resources")),
    ("product", _("Product")),
    ("engineering", _("Engineering")),
]
FUNCTION_KEYS: tuple[str, ...] = tuple(key for key, _label in FUNCTIONS)

REQUIRED_LANGUAGES: tuple[str, ...] = ("en", "vi")
FALLBACK_LANGUAGE = "en"

UnitKind = Literal["number", "percent", "currency", "duration"]
Direction = Literal["higher", "lower", "band"]
Aggregation = Literal["sum", "avg", "last", "min", "max"]
Frequency = Literal["week", "month", "quarter"]
ThresholdMode = Literal["percent", "absolute"]
OkrKind = Literal["committed", "aspirational"]
KeyResultType = Literal["number", "percent", "currency", "yes_no", "milestones"]

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,59}")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}")
MILESTONES_MIN, MILESTONES_MAX = 3, 6
KEY_RESULTS_MIN, KEY_RESULTS_MAX = 2, 5

KPI_FIELDS = frozenset(
    {
        "key",
        "function",
        "name",
        "description",
        "unit",
        "unit_kind",
        "direction",
        "aggregation",
        "frequency",
        "threshold_mode",
        "target",
        "amber_threshold",
        "red_threshold",
        "band_low",
        "band_high",
        "guardrails",
    }
)
OKR_FIELDS = frozenset({"key", "function", "objective", "description", "kind", "key_results"})
KEY_RESULT_FIELDS = frozenset({"title", "type", "start", "target", "unit", "kpi", "milestones"})


def localized(value: Mapping[str, str], language: str) -> str:
    """The text of ``value`` in ``language`` ("vi", "vi-VN" and "vi_vn" all mean Vietnamese), or the English
    text when ``value`` has none in that language."""
    code = language.replace("_", "-").split("-", 1)[0].lower()
    return value.get(code) or value[FALLBACK_LANGUAGE]


class _Localized:
    """Gives any localized text field of a template in one language."""

    def text(self, field_name: str, language: str) -> str:
        """The ``field_name`` text (e.g. "name", "objective") in ``language``, falling back to English."""
        value = getattr(self, field_name)
        if not isinstance(value, dict):
            raise AttributeError(f"{type(self).__name__}.{field_name} is not a localized text")
        return localized(value, language)


@dataclass(frozen=True)
class KpiTemplate(_Localized):
    """A ready-made KPI definition: what to measure, how to judge each period, and the guardrail KPIs whose
    health must hold while this one is pushed. Threshold values follow ``tandem.kpis.status``: percent
    thresholds are a percent of the target; for a band, ``red_threshold`` is the tolerance outside it."""

    key: str
    function: str
    name: dict[str, str] = field(hash=False)
    description: dict[str, str] = field(hash=False)
    unit: dict[str, str] = field(hash=False)
    unit_kind: UnitKind
    direction: Direction
    aggregation: Aggregation
    frequency: Frequency
    threshold_mode: ThresholdMode
    target: Decimal | None
    amber_threshold: Decimal | None
    red_threshold: Decimal
    band_low: Decimal | None
    band_high: Decimal | None
    guardrails: tuple[str, ...]


@dataclass(frozen=True)
class KeyResultTemplate(_Localized):
    """A measurable "from ``start`` to ``target``" result of an OKR template, optionally driven by a KPI
    template's data. A yes/no result goes from 0 to 1; a milestones result from 0 to 100 percent done."""

    title: dict[str, str] = field(hash=False)
    type: KeyResultType
    start: Decimal
    target: Decimal
    unit: dict[str, str] = field(hash=False)
    kpi: str | None
    milestones: tuple[dict[str, str], ...] = field(hash=False)

    @property
    def decreasing(self) -> bool:
        """Whether success means bringing the value down (churn from 8 to 5)."""
        return self.target < self.start


@dataclass(frozen=True)
class OkrTemplate(_Localized):
    """A ready-made objective with the key results that would show it has been reached."""

    key: str
    function: str
    objective: dict[str, str] = field(hash=False)
    description: dict[str, str] = field(hash=False)
    kind: OkrKind
    key_results: tuple[KeyResultTemplate, ...]


@dataclass(frozen=True)
class _Reader:
    """Reads and checks the fields of one JSON object of a templates file; every problem it reports names
    the file, the template and the field."""

    source: str
    template: str
    raw: Mapping[str, Any]
    prefix: str = ""

    def fail(self, name: str, problem: str) -> ValueError:
        """The error for a problem with field ``name``."""
        return ValueError(f"{self.source}: template {self.template!r}: field {self.prefix + name!r}: {problem}")

    def given(self, name: str) -> bool:
        """Whether field ``name`` has a value (absent and null both mean it has none)."""
        return self.raw.get(name) is not None

    def required(self, name: str) -> Any:
        """The value of field ``name``, which must be given."""
        if not self.given(name):
            raise self.fail(name, "is missing")
        return self.raw[name]

    def absent(self, name: str, why: str) -> None:
        """Refuses a value for field ``name``, which does not apply here."""
        if self.given(name):
            raise self.fail(name, f"must not be given {why}")

    def key(self, name: str) -> str:
        """A lower_snake_case key."""
        value = self.required(name)
        if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
            raise self.fail(name, f"must be lower_snake_case matching {KEY_PATTERN.pattern}, not {value!r}")
        return value

    def choice(self, name: str, choices: Iterable[str]) -> str:
        """One of ``choices``."""
        options = tuple(choices)
        value = self.required(name)
        if value not in options:
            raise self.fail(name, f"must be one of {', '.join(options)}, not {value!r}")
        return cast(str, value)

    def decimal(self, name: str) -> Decimal:
        """A number written as a string, e.g. "12.5"."""
        value = self.required(name)
        if not isinstance(value, str):
            raise self.fail(name, f"must be a number written as a string, not {value!r}")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(name, f"{value!r} is not a number") from None
        if not number.is_finite():
            raise self.fail(name, f"{value!r} is not a finite number")
        return number

    def optional_decimal(self, name: str) -> Decimal | None:
        """A number written as a string, or None when absent or null."""
        return self.decimal(name) if self.given(name) else None

    def text(self, name: str) -> dict[str, str]:
        """A localized text: ``{language: text}`` with a non-blank text in every required language."""
        return self._text(name, self.required(name))

    def _text(self, name: str, value: object) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(name, 'must be an object of texts by language, e.g. {"en": ..., "vi": ...}')
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE_PATTERN.fullmatch(language):
                raise self.fail(name, f"{language!r} is not a language code")
            if not isinstance(text, str) or not text.strip():
                raise self.fail(name, f"the {language!r} text must be a non-blank string")
        missing = [language for language in REQUIRED_LANGUAGES if language not in value]
        if missing:
            raise self.fail(name, f"has no {', '.join(missing)} text")
        return dict(value)

    def texts(self, name: str, least: int, most: int) -> tuple[dict[str, str], ...]:
        """A list of ``least`` to ``most`` localized texts."""
        values = self.objects(name, least, most)
        return tuple(self._text(f"{name}[{index}]", value) for index, value in enumerate(values))

    def objects(self, name: str, least: int, most: int) -> list[Any]:
        """A list of ``least`` to ``most`` items."""
        value = self.required(name)
        if not isinstance(value, list) or not least <= len(value) <= most:
            raise self.fail(name, f"must be a list of {least} to {most} items")
        return value

    def keys(self, name: str) -> tuple[str, ...]:
        """An optional list of distinct keys (empty when absent)."""
        if not self.given(name):
            return ()
        value = self.raw[name]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, "must be a list of template keys")
        if len(set(value)) != len(value):
            raise self.fail(name, "lists a key twice")
        return tuple(value)


def _readers(data: object, *, source: str, fields: frozenset[str]) -> list[_Reader]:
    """One reader per template of a file's parsed content, which must be a non-empty list of objects with
    known fields only (so that a misspelt optional field is caught, not ignored)."""
    if not isinstance(data, list) or not data:
        raise ValueError(f"{source}: must be a non-empty list of templates")
    readers = []
    for index, raw in enumerate(data):
        name = raw.get("key") if isinstance(raw, dict) else None
        template = name if isinstance(name, str) else f"#{index}"
        if not isinstance(raw, dict):
            raise ValueError(f"{source}: template {template!r}: must be an object")
        reader = _Reader(source=source, template=template, raw=raw)
        unknown = sorted(set(raw) - fields)
        if unknown:
            raise reader.fail(unknown[0], "is not a known field")
        readers.append(reader)
    return readers


def _unique_key(reader: _Reader, seen: set[str]) -> str:
    key = reader.key("key")
    if key in seen:
        raise reader.fail("key", f"{key!r} is used by another template in this file")
    seen.add(key)
    return key


def parse_kpis(data: object, *, source: str) -> tuple[KpiTemplate, ...]:
    """Checks the parsed content of a KPI templates file and returns its templates in file order.

    Raises ``ValueError`` naming ``source``, the template and the field on the first problem found."""
    seen: set[str] = set()
    readers = _readers(data, source=source, fields=KPI_FIELDS)
    templates = [_kpi(reader, seen) for reader in readers]
    for template, reader in zip(templates, readers, strict=True):
        for guardrail in template.guardrails:
            if guardrail not in seen:
                raise reader.fail("guardrails", f"{guardrail!r} is not a KPI template in this file")
    return tuple(templates)


def _kpi(reader: _Reader, seen: set[str]) -> KpiTemplate:
    key = _unique_key(reader, seen)
    direction = reader.choice("direction", get_args(Direction))
    mode = reader.choice("threshold_mode", get_args(ThresholdMode))
    target = reader.optional_decimal("target")
    red = reader.decimal("red_threshold")
    amber = band_low = band_high = None
    if direction == "band":
        reader.absent("amber_threshold", "for a band: red_threshold is the tolerance outside it")
        band_low = reader.decimal("band_low")
        band_high = reader.decimal("band_high")
        if band_low >= band_high:
            raise reader.fail("band_high", "must be above band_low")
        if red < 0:
            raise reader.fail("red_threshold", "the tolerance outside the band cannot be negative")
    else:
        reader.absent("band_low", "unless the direction is band")
        reader.absent("band_high", "unless the direction is band")
        amber = reader.decimal("amber_threshold")
        if mode == "percent" and target is None:
            raise reader.fail("target", "is needed when thresholds are a percent of the target")
        if direction == "higher" and red >= amber:
            raise reader.fail("red_threshold", "must be below amber_threshold when higher is better")
        if direction == "lower" and red <= amber:
            raise reader.fail("red_threshold", "must be above amber_threshold when lower is better")
    guardrails = reader.keys("guardrails")
    if key in guardrails:
        raise reader.fail("guardrails", "a KPI cannot be its own guardrail")
    return KpiTemplate(
        key=key,
        function=reader.choice("function", FUNCTION_KEYS),
        name=reader.text("name"),
        description=reader.text("description"),
        unit=reader.text("unit"),
        unit_kind=cast(UnitKind, reader.choice("unit_kind", get_args(UnitKind))),
        direction=cast(Direction, direction),
        aggregation=cast(Aggregation, reader.choice("aggregation", get_args(Aggregation))),
        frequency=cast(Frequency, reader.choice("frequency", get_args(Frequency))),
        threshold_mode=cast(ThresholdMode, mode),
        target=target,
        amber_threshold=amber,
        red_threshold=red,
        band_low=band_low,
        band_high=band_high,
        guardrails=guardrails,
    )


def parse_okrs(data: object, *, source: str, kpi_keys: Collection[str]) -> tuple[OkrTemplate, ...]:
    """Checks the parsed content of an OKR templates file and returns its templates in file order.
    ``kpi_keys`` are the KPI templates a key result may be driven by.

    Raises ``ValueError`` naming ``source``, the template and the field on the first problem found."""
    seen: set[str] = set()
    return tuple(_okr(reader, seen, kpi_keys) for reader in _readers(data, source=source, fields=OKR_FIELDS))


def _okr(reader: _Reader, seen: set[str], kpi_keys: Collection[str]) -> OkrTemplate:
    key = _unique_key(reader, seen)
    key_results = []
    for index, raw in enumerate(reader.objects("key_results", KEY_RESULTS_MIN, KEY_RESULTS_MAX)):
        prefix = f"key_results[{index}]."
        if not isinstance(raw, dict):
            raise reader.fail(prefix.rstrip("."), "must be an object")
        kr_reader = _Reader(source=reader.source, template=key, raw=raw, prefix=prefix)
        unknown = sorted(set(raw) - KEY_RESULT_FIELDS)
        if unknown:
            raise kr_reader.fail(unknown[0], "is not a known field")
        key_results.append(_key_result(kr_reader, kpi_keys))
    return OkrTemplate(
        key=key,
        function=reader.choice("function", FUNCTION_KEYS),
        objective=reader.text("objective"),
        description=reader.text("description"),
        kind=cast(OkrKind, reader.choice("kind", get_args(OkrKind))),
        key_results=tuple(key_results),
    )


def _key_result(reader: _Reader, kpi_keys: Collection[str]) -> KeyResultTemplate:
    kind = reader.choice("type", get_args(KeyResultType))
    start = reader.decimal("start")
    target = reader.decimal("target")
    if target == start:
        raise reader.fail("target", "must differ from start: a key result moves from one value to another")
    milestones: tuple[dict[str, str], ...] = ()
    if kind == "yes_no" and (start, target) != (0, 1):
        raise reader.fail("target", 'a yes/no key result goes from start "0" to target "1"')
    if kind == "milestones":
        if (start, target) != (0, 100):
            raise reader.fail("target", 'a milestones key result goes from start "0" to target "100"')
        milestones = reader.texts("milestones", MILESTONES_MIN, MILESTONES_MAX)
    else:
        reader.absent("milestones", "unless the type is milestones")
    kpi = reader.key("kpi") if reader.given("kpi") else None
    if kpi is not None and kpi not in kpi_keys:
        raise reader.fail("kpi", f"{kpi!r} is not a KPI template")
    return KeyResultTemplate(
        title=reader.text("title"),
        type=cast(KeyResultType, kind),
        start=start,
        target=target,
        unit=reader.text("unit"),
        kpi=kpi,
        milestones=milestones,
    )


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: is not valid UTF-8 JSON: {exc}") from exc


def read_kpis(path: Path) -> tuple[KpiTemplate, ...]:
    """Reads and checks a KPI templates file (see ``parse_kpis``)."""
    return parse_kpis(_read_json(path), source=str(path))


def read_okrs(path: Path, *, kpi_keys: Collection[str]) -> tuple[OkrTemplate, ...]:
    """Reads and checks an OKR templates file (see ``parse_okrs``)."""
    return parse_okrs(_read_json(path), source=str(path), kpi_keys=kpi_keys)


@dataclass(frozen=True)
class _Library:
    """The built-in templates by key, in file order."""

    kpis: Mapping[str, KpiTemplate]
    okrs: Mapping[str, OkrTemplate]


@cache
def _library() -> _Library:
    kpis = {template.key: template for template in read_kpis(KPI_FILE)}
    okrs = {template.key: template for template in read_okrs(OKR_FILE, kpi_keys=kpis.keys())}
    return _Library(kpis=kpis, okrs=okrs)


def _check_function(function: str | None) -> None:
    if function is not None and function not in FUNCTION_KEYS:
        raise KeyError(function)


def kpi_templates(function: str | None = None) -> list[KpiTemplate]:
    """The built-in KPI templates, all of them or those of one function (a key of ``FUNCTIONS``; an unknown
    one raises ``KeyError``)."""
    _check_function(function)
    return [t for t in _library().kpis.values() if function is None or t.function == function]


def okr_templates(function: str | None = None) -> list[OkrTemplate]:
    """The built-in OKR templates, all of them or those of one function (a key of ``FUNCTIONS``; an unknown
    one raises ``KeyError``)."""
    _check_function(function)
    return [t for t in _library().okrs.values() if function is None or t.function == function]


def kpi_template(key: str) -> KpiTemplate:
    """The built-in KPI template with this key; ``KeyError`` when there is none."""
    return _library().kpis[key]


def okr_template(key: str) -> OkrTemplate:
    """The built-in OKR template with this key; ``KeyError`` when there is none."""
    return _library().okrs[key]
