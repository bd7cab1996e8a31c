"""Aligned TSV/CSV: spreadsheets get every pair, and no cell can run as a formula."""

from __future__ import annotations

import csv
import io

from app.interchange.tabular import HEADER, defuse
from tests.interchange.conftest import expected_pairs, export


def _rows(name: str, encoding: str, delimiter: str) -> list[list[str]]:
    text = export(name).decode(encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_tsv_has_every_pair_with_tabs_and_newlines_kept_inside_cells() -> None:
    rows = _rows("tsv", "utf-8", "\t")
    assert tuple(rows[0]) == HEADER
    pairs = expected_pairs()
    assert len(rows) == len(pairs) + 1
    for row, pair in zip(rows[1:], pairs, strict=True):
        assert int(row[0]) == pair.position
        assert row[1] == defuse(pair.ru) and row[2] == defuse(pair.en)
        assert (row[3], row[4]) == (pair.status, pair.kind)
    assert rows[5][6].startswith("“сс” stands for")


def test_csv_opens_in_excel_as_utf8_and_defuses_formulas() -> None:
    raw = export("csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for Cyrillic
    rows = _rows("csv", "utf-8-sig", ",")
    cells = [cell for row in rows[1:] for cell in row[1:3]]
    assert "'=СУММ(A1:A3)" in cells
    assert "'-1 + 1 @ cell\tand tab" in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_defuse_leaves_ordinary_text_alone() -> None:
    assert defuse("— Да, — сказал он.") == "— Да, — сказал он."
    assert defuse("@ivanov") == "'@ivanov"
    assert defuse("+7 495 000-00-00") == "'+7 495 000-00-00"
    assert defuse("\rвозврат") == "'\rвозврат"


def test_only_approved_rows() -> None:
    rows = _rows("tsv", "utf-8", "\t")
    approved = list(
        csv.reader(io.StringIO(export("tsv", only_approved=True).decode()), delimiter="\t")
    )
    assert len(approved) - 1 == len(expected_pairs(only_approved=True)) < len(rows) - 1
