"""Glossary as CSV: import (any common encoding and delimiter) and formula-safe export.

Columns (the header row names them; order does not matter, names are case-insensitive):

==================  =================================================================
``ru``              the Russian term (also accepted: ``russian``, ``term``, ``термин``)
``en``              preferred English equivalent(s) (also: ``english``, ``preferred``)
``en_admitted``     admitted equivalents (also: ``admitted``)
``en_deprecated``   deprecated equivalents, reported as a warning (also: ``deprecated``)
``en_forbidden``    forbidden equivalents, reported as an error (also: ``forbidden``)
``status``          proposed, approved, deprecated or forbidden (default: approved)
``part_of_speech``  free text, e.g. noun (also: ``pos``)
``domain``          subject field (also: ``subject``)
``note``            definition or usage note (also: ``definition``, ``comment``)
``id``              your own identifier, kept as is
==================  =================================================================

Several equivalents in one cell are separated by ``;`` or ``|`` (so an equivalent cannot
itself contain them; use TBX for such terms). A file without a header row
is read as ``ru, en``. Encodings: UTF-8 (with or without BOM), UTF-16 with BOM and
Windows-1251; the delimiter (comma, semicolon, tab) is detected.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula.
Export puts an apostrophe before such a cell (the way spreadsheets themselves escape text);
import removes that apostrophe again, and refuses a cell that starts with a formula sign.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from alignment.text import has_cyrillic
from glossary.io.common import GlossaryImportError, ImportResult, RawEntry, validate
from glossary.types import EQUIVALENT_KINDS, Term

COLUMNS = (
    "id",
    "ru",
    "en",
    "en_admitted",
    "en_deprecated",
    "en_forbidden",
    "status",
    "part_of_speech",
    "domain",
    "note",
)
_ALIASES = {
    "ru": "ru",
    "russian": "ru",
    "term": "ru",
    "термин": "ru",
    "русский": "ru",
    "en": "en",
    "english": "en",
    "preferred": "en",
    "en_preferred": "en",
    "английский": "en",
    "en_admitted": "en_admitted",
    "admitted": "en_admitted",
    "en_deprecated": "en_deprecated",
    "deprecated": "en_deprecated",
    "en_forbidden": "en_forbidden",
    "forbidden": "en_forbidden",
    "status": "status",
    "part_of_speech": "part_of_speech",
    "pos": "part_of_speech",
    "domain": "domain",
    "subject": "domain",
    "note": "note",
    "definition": "note",
    "comment": "note",
    "id": "id",
}
_KIND_COLUMNS = {
    "en": "preferred",
    "en_admitted": "admitted",
    "en_deprecated": "deprecated",
    "en_forbidden": "forbidden",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SPLIT = re.compile(r"\s*[;|]\s*")
MAX_BYTES = 20_000_000


def defuse(value: str) -> str:
    """``value`` made safe for a spreadsheet cell: an apostrophe before a formula sign."""
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(terms: Iterable[Term]) -> str:
    """The glossary as CSV text with a header row (write it as UTF-8; ``utf-8-sig`` for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for term in terms:
        by_kind = {
            kind: [e.en for e in term.equivalents if e.kind == kind] for kind in EQUIVALENT_KINDS
        }
        row = [
            str(term.id),
            term.ru,
            "; ".join(by_kind["preferred"]),
            "; ".join(by_kind["admitted"]),
            "; ".join(by_kind["deprecated"]),
            "; ".join(by_kind["forbidden"]),
            term.status,
            term.part_of_speech,
            term.domain,
            term.note,
        ]
        writer.writerow([defuse(cell) for cell in row])
    return out.getvalue()


def decode(data: bytes) -> str:
    """The text of a CSV file in UTF-8 (BOM or not), UTF-16 (BOM) or Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise GlossaryImportError(
            ["the file is neither UTF-8 nor Windows-1251 text; save it as CSV UTF-8"]
        ) from None
    if not has_cyrillic(text):
        raise GlossaryImportError(["the file is not UTF-8 text; save it as CSV UTF-8"])
    return text


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    lines = text.splitlines()
    # A header row Sverka knows settles it (the sniffer guesses badly on short files).
    if lines:
        best, best_known = "", 0
        for delimiter in ",;\t":
            cells = next(csv.reader([lines[0]], delimiter=delimiter), [])
            known = sum(1 for c in cells if c.strip().lower().replace(" ", "_") in _ALIASES)
            if known > best_known:
                best, best_known = delimiter, known
        if best_known >= 2:
            return _with_delimiter(best)
    sample = "\n".join(lines[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return _with_delimiter(max(",;\t", key=first.count))


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    class _Chosen(csv.excel):
        pass

    _Chosen.delimiter = delimiter
    return _Chosen


def _cell(value: str, where: str, column: str, problems: list[str]) -> str:
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]  # our own (or a spreadsheet's) escape
    if value.startswith(_FORMULA_START):
        shown = value.strip()[:40] or repr(value[:1])
        problems.append(
            f'{where}, column "{column}": the cell starts with "{value[:1].strip() or "a tab"}" '
            f"({shown}), which spreadsheet programs run as a formula; remove that character, "
            "or start the cell with an apostrophe (') if it is meant as text"
        )
    return value


def import_csv(
    data: bytes, *, filename: str = "", default_status: str = "approved"
) -> ImportResult:
    """Terms from a CSV file (see the module docstring for the columns).

    Raises :class:`GlossaryImportError` listing every problem (with line numbers) when anything
    in the file is wrong; then nothing is imported.
    """
    try:
        return _import_csv(data, default_status)
    except GlossaryImportError as err:
        raise GlossaryImportError(err.problems, filename=filename) from None


def _import_csv(data: bytes, default_status: str) -> ImportResult:
    if len(data) > MAX_BYTES:
        raise GlossaryImportError([f"the file is larger than {MAX_BYTES // 1_000_000} MB"])
    text = decode(data)
    if not text.strip():
        raise GlossaryImportError(["the file is empty"])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), _dialect(text)))
    except csv.Error as err:
        raise GlossaryImportError([f"the file is not valid CSV ({err})"]) from None
    warnings: list[str] = []
    header = [_ALIASES.get(c.strip().lower().replace(" ", "_")) for c in rows[0]] if rows else []
    if "ru" in header:
        columns = header
        body = list(enumerate(rows[1:], start=2))
        unknown = [rows[0][i] for i, c in enumerate(header) if c is None and rows[0][i].strip()]
        if unknown:
            warnings.append("ignored columns: " + ", ".join(unknown))
    else:
        first = rows[0][0] if rows and rows[0] else ""
        if not has_cyrillic(first) and any(r and has_cyrillic(r[0]) for r in rows[1:]):
            # A header row in words Sverka does not know, rather than a term.
            raise GlossaryImportError(
                [
                    "line 1 looks like a header row, but none of its columns is the Russian "
                    f"term ({', '.join(c.strip() for c in rows[0])}); name the columns "
                    + ", ".join(COLUMNS[1:])
                    + " (ru and en are enough)"
                ]
            )
        columns = ["ru", "en"] + [None] * 100
        body = list(enumerate(rows, start=1))
    if "en" not in columns and not any(c in columns for c in _KIND_COLUMNS):
        raise GlossaryImportError(['the header row has no "en" column for the English terms'])
    problems: list[str] = []
    entries: list[RawEntry] = []
    for line, row in body:
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {line}"
        entry = RawEntry(where=where, ru="")
        for i, raw in enumerate(row):
            column = columns[i] if i < len(columns) else None
            if column is None or not raw.strip():
                continue
            value = _cell(raw, where, column, problems).strip()
            if column in _KIND_COLUMNS:
                entry.equivalents.extend(
                    (part, _KIND_COLUMNS[column]) for part in _SPLIT.split(value) if part
                )
            else:
                setattr(entry, column, value)
        entries.append(entry)
    try:
        terms = validate(entries, default_status=default_status)
    except GlossaryImportError as err:
        problems.extend(err.problems)
    if problems:
        problems.sort(key=_line_of)
        raise GlossaryImportError(problems)
    if not terms:
        raise GlossaryImportError(["the file has no terms"])
    return ImportResult(terms, warnings)


def _line_of(problem: str) -> int:
    m = re.match(r"line (\d+)", problem)
    return int(m.group(1)) if m else 0
