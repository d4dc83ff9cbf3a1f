"""The translation catalogues: complete, free of msgmerge's fuzzy guesses, placeholders intact, and compiled.

``makemessages`` marks the entries it guessed ``#, fuzzy``; Django ignores those at runtime, so a fuzzy or
empty entry shows English to a Vietnamese reader. A translation that drops a ``%(name)s`` loses information,
and one that adds a placeholder the code does not pass raises ``KeyError`` when the message is shown. The
``.mo`` beside each ``.po`` is what Django loads, so it must hold exactly what the ``.po`` says.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import tandem

LOCALE = Path(tandem.__file__).parent / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
MSGFMT = shutil.which("msgfmt") or "/usr/bin/msgfmt"
# A printf-style conversion with a mapping key, e.g. %(name)s, %(pct).1f; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%%|%\((?P<name>[^)]*)\)[#0 +-]*\d*(?:\.\d+)?(?P<kind>[diouxXeEfFgGcrsa])")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}

catalogues = pytest.mark.parametrize("po", CATALOGUES, ids=[p.parts[-3] for p in CATALOGUES])


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index -> text; a singular entry has only 0
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def where(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(literal: str, where: str) -> str:
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {literal!r}")
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), literal[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file: flags, context, msgid (and plural) and msgstr (or msgstr[n]), with
    continuation lines joined and escapes decoded. Obsolete (``#~``) entries are left out, as msgfmt does."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # the keyword a continuation line extends
    seen: set[str] = set()  # the keywords the current entry has had

    def finish() -> None:
        nonlocal entry, seen
        if entry is not None and "msgid" in seen:
            entries.append(entry)
        entry, seen = None, set()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            continue
        starts_another = (seen and line.startswith(("#", "msgctxt"))) or ("msgid" in seen and line.startswith("msgid "))
        if entry is None or starts_another:
            finish()
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")", line)
        if match:
            keyword, index, literal = match.group(1), int(match.group(2) or 0), match.group(3)
            target = (keyword, index)
            seen.add(keyword)
            text = _unquote(literal, where)
        elif line.startswith('"') and target is not None:
            keyword, index = target
            text = _get(entry, keyword, index) + _unquote(line, where)
        else:
            raise ValueError(f"{where}: cannot read {raw!r}")
        _set(entry, keyword, index, text)
    finish()
    return entries


def _get(entry: Entry, keyword: str, index: int) -> str:
    if keyword == "msgstr":
        return entry.msgstr.get(index, "")
    return getattr(entry, keyword) or ""


def _set(entry: Entry, keyword: str, index: int, text: str) -> None:
    if keyword == "msgstr":
        entry.msgstr[index] = text
    else:
        setattr(entry, keyword, text)


def placeholders(text: str) -> set[tuple[str, str]]:
    """The named conversions in a python-format string, as (name, kind) pairs."""
    return {(m.group("name"), m.group("kind")) for m in PLACEHOLDER.finditer(text) if m.group("name") is not None}


def nplurals(header: Entry) -> int:
    found = re.search(r"^Plural-Forms:.*?nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""), re.MULTILINE)
    assert found, "the header has no Plural-Forms line"
    return int(found.group(1))


def compile_po(po: Path, out: Path) -> None:
    if not Path(MSGFMT).exists():
        pytest.fail("msgfmt is not installed: run `apt-get install gettext` to check and compile the catalogues")
    result = subprocess.run([MSGFMT, "--check", "-o", str(out), str(po)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"msgfmt --check {po} failed:\n{result.stderr}"


def load_mo(path: Path) -> dict[object, str]:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def test_there_is_a_catalogue() -> None:
    assert CATALOGUES, f"no django.po under {LOCALE}"


def test_the_reader_handles_continuations_plurals_and_flags(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "old"\nmsgid ""\n"Hello "\n"%(name)s"\nmsgstr "Xin chào"\n\n'
        'msgctxt "menu"\nmsgid "One \\"KPI\\""\nmsgid_plural "%(n)s KPIs"\nmsgstr[0] "%(n)s KPI"\n\n'
        '#~ msgid "gone"\n#~ msgstr "mất"\n',
        encoding="utf-8",
    )
    header, hello, kpis = read_po(po)
    assert header.is_header and nplurals(header) == 1
    assert hello.msgid == "Hello %(name)s" and hello.msgstr == {0: "Xin chào"}
    assert hello.flags == {"fuzzy", "python-format"}
    assert (kpis.msgctxt, kpis.msgid, kpis.msgid_plural) == ("menu", 'One "KPI"', "%(n)s KPIs")
    assert kpis.msgstr == {0: "%(n)s KPI"}
    assert placeholders("%(pct)s%% of %(line).1f") == {("pct", "s"), ("line", "f")}


@catalogues
def test_no_entry_is_fuzzy(po: Path) -> None:
    fuzzy = [entry.where for entry in read_po(po) if "fuzzy" in entry.flags]
    assert not fuzzy, f"{po}: fuzzy entries (msgmerge's guesses, ignored at runtime) to re-translate: {fuzzy}"


@catalogues
def test_every_entry_is_translated(po: Path) -> None:
    entries = read_po(po)
    headers = [entry for entry in entries if entry.is_header]
    assert len(headers) == 1, f"{po}: expected one header entry"
    forms = nplurals(headers[0])
    empty = []
    for entry in entries:
        if entry.is_header:
            continue
        wanted = range(forms) if entry.msgid_plural is not None else range(1)
        if sorted(entry.msgstr) != list(wanted) or not all(entry.msgstr.values()):
            empty.append(entry.where)
    assert not empty, f"{po}: untranslated entries (or plural forms other than nplurals={forms}): {empty}"


@catalogues
def test_translations_keep_their_placeholders(po: Path) -> None:
    wrong = []
    for entry in read_po(po):
        if entry.is_header or "no-python-format" in entry.flags:
            continue
        source = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        if "python-format" not in entry.flags and not source:
            continue
        for index, text in entry.msgstr.items():
            if not text:  # untranslated: test_every_entry_is_translated reports it
                continue
            found = placeholders(text)
            if found != source:
                missing, extra = sorted(source - found), sorted(found - source)
                wrong.append(f"{entry.where} msgstr[{index}] lacks {missing}, adds {extra}")
    assert not wrong, f"{po}: placeholders differ from the msgid:\n" + "\n".join(wrong)


@catalogues
def test_the_compiled_catalogue_is_up_to_date(po: Path, tmp_path: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run msgfmt --check -o {mo} {po}"
    fresh = tmp_path / "django.mo"
    compile_po(po, fresh)
    expected, committed = load_mo(fresh), load_mo(mo)
    stale = sorted(repr(key) for key in expected.keys() | committed.keys() if expected.get(key) != committed.get(key))
    assert not stale, f"{mo} does not match {po}: run msgfmt --check -o {mo} {po}. Differs for: {stale[:20]}"


@catalogues
def test_the_reader_agrees_with_msgfmt(po: Path, tmp_path: Path) -> None:
    """What the tests above read is what Django gets: the reader finds the same translations as msgfmt."""
    fresh = tmp_path / "django.mo"
    compile_po(po, fresh)
    read: dict[object, str] = {}
    for entry in read_po(po):
        if "fuzzy" in entry.flags or entry.is_header:  # msgfmt rewrites the header (drops POT-Creation-Date)
            continue
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if entry.msgstr.get(0):
                read[msgid] = entry.msgstr[0]
        elif all(entry.msgstr.values()):
            read.update({(msgid, index): text for index, text in entry.msgstr.items()})
    compiled = load_mo(fresh)
    compiled.pop("", None)
    assert read == compiled
