"""``sverka terms check``: check a translation against a glossary, like a linter.

    sverka terms check --glossary terms.tbx [--all-checks] ru.txt en.txt

The two texts are aligned first (sentence by sentence), then every aligned pair is checked.
One line per issue: ``ru.txt:12: terminology: "тройка" → expected "troika" …``. Exit status:
0 when the translation is clean, 1 when issues were found, 2 when the input is unusable.
"""

from __future__ import annotations

import argparse
import sys
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glossary.checks import ALL_CHECKS, TERMINOLOGY_CHECKS, run_checks
from glossary.io import GlossaryImportError, load_glossary
from glossary.matcher import TermMatcher
from glossary.types import Issue

EXIT_CLEAN, EXIT_ISSUES, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A problem with the user's files, reported in one line without a traceback."""


def register(subparsers: Any) -> None:
    """Add ``terms check`` to an ``argparse`` sub-command set (``sverka terms check``)."""
    terms = subparsers.add_parser("terms", help="glossary tools")
    sub = terms.add_subparsers(dest="terms_command", required=True)
    check = sub.add_parser(
        "check",
        help="check a translation against a glossary",
        description="Align RU_FILE and EN_FILE, then report glossary terms not translated as "
        "the glossary says (and, with --all-checks, the other QA checks). Exit status: 0 clean, "
        "1 issues found, 2 bad input.",
    )
    check.add_argument("--glossary", required=True, metavar="FILE", help="TBX or CSV glossary")
    check.add_argument(
        "--all-checks",
        action="store_true",
        help="also numbers, untranslated text, empty sides, brackets, document numbers, length",
    )
    check.add_argument(
        "--lines",
        action="store_true",
        help="the texts hold one segment per line (do not split sentences)",
    )
    check.add_argument("ru_file", metavar="RU_FILE")
    check.add_argument("en_file", metavar="EN_FILE")
    check.set_defaults(func=_check_command)


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise BadInput(f"{path}: cannot read the file ({err.strerror or err})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: the file is not UTF-8 text; save it as UTF-8") from None


class _Side:
    """Maps offsets in a pair's text back to line numbers of the original file."""

    def __init__(self, text: str) -> None:
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line(self, offset: int) -> int:
        """The 1-based line number of a character offset."""
        return bisect_right(self.line_starts, offset)


def _pair_text(
    segments: Sequence[Any], indices: Sequence[int]
) -> tuple[str, list[tuple[int, int]]]:
    parts: list[str] = []
    table: list[tuple[int, int]] = []  # (offset in pair text, offset in file)
    pos = 0
    for i in indices:
        seg = segments[i]
        table.append((pos, seg.start))
        parts.append(seg.text)
        pos += len(seg.text) + 1
    return " ".join(parts), table


def _file_offset(table: list[tuple[int, int]], offset: int) -> int:
    best = table[0]
    for entry in table:
        if entry[0] <= offset:
            best = entry
    return best[1] + offset - best[0]


def check_files(
    glossary_path: str, ru_path: str, en_path: str, *, all_checks: bool, lines: bool = False
) -> list[str]:
    """The linter lines for a translation checked against a glossary (empty when clean)."""
    try:
        imported = load_glossary(glossary_path)
    except GlossaryImportError as err:
        raise BadInput(str(err)) from None
    for warning in imported.warnings:
        print(f"{glossary_path}: warning: {warning}", file=sys.stderr)
    ru_text, en_text = _read_text(ru_path), _read_text(en_path)
    if not ru_text.strip() or not en_text.strip():
        empty = ru_path if not ru_text.strip() else en_path
        raise BadInput(f"{empty}: the file is empty; there is nothing to check")
    from alignment.align import align_texts

    try:
        aligned = align_texts(ru_text, en_text, presegmented=lines)
    except ValueError as err:
        raise BadInput(str(err)) from None
    matcher = TermMatcher(imported.terms)
    checks = ALL_CHECKS if all_checks else TERMINOLOGY_CHECKS
    ru_side, en_side = _Side(ru_text), _Side(en_text)
    out: list[tuple[int, int, str]] = []
    for bead in aligned.beads:
        ru, ru_table = _pair_text(aligned.ru, bead.ru)
        en, en_table = _pair_text(aligned.en, bead.en)
        for issue in run_checks(ru, en, matcher=matcher, checks=checks):
            out.append(_locate(issue, ru_path, en_path, ru_side, en_side, ru_table, en_table))
    out.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in out]


def _locate(
    issue: Issue,
    ru_path: str,
    en_path: str,
    ru_side: _Side,
    en_side: _Side,
    ru_table: list[tuple[int, int]],
    en_table: list[tuple[int, int]],
) -> tuple[int, int, str]:
    if issue.ru_spans and ru_table:
        offset = _file_offset(ru_table, issue.ru_spans[0][0])
        path, line, order = ru_path, ru_side.line(offset), offset
    elif issue.en_spans and en_table:
        offset = _file_offset(en_table, issue.en_spans[0][0])
        path, line, order = en_path, en_side.line(offset), offset
    elif ru_table:
        path, line, order = ru_path, ru_side.line(ru_table[0][1]), ru_table[0][1]
    else:
        path, line, order = en_path, en_side.line(en_table[0][1]), en_table[0][1]
    side = 0 if path == ru_path else 1
    return side, order, f"{path}:{line}: {issue.check_id}: {issue.message}"


def _check_command(args: argparse.Namespace) -> int:
    try:
        lines = check_files(
            args.glossary, args.ru_file, args.en_file, all_checks=args.all_checks, lines=args.lines
        )
    except BadInput as err:
        print(f"sverka: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in lines:
        print(line)
    if lines:
        print(f"{len(lines)} issue{'s' if len(lines) != 1 else ''} found", file=sys.stderr)
        return EXIT_ISSUES
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sverka terms …`` from the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="sverka")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed the usage message
        return EXIT_BAD_INPUT if exit_.code else EXIT_CLEAN
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
