"""``sverka align`` and ``sverka segment``: the aligner from the command line, no server needed.

``register(subparsers)`` adds both commands to the ``sverka`` parser; ``python -m
alignment.cli`` runs them on their own. A file the program cannot use (missing, binary,
empty) ends with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from alignment.align import AlignedText

Writer = Callable[["AlignedText", "Path | None"], None]
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the user's file, said in one line."""


def read_text(path: Path) -> str:
    """The text of ``path``: UTF-8 (with or without BOM) or, failing that, the detected encoding.

    Raises :class:`InputError` for a missing, unreadable, binary or empty file.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a text file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror}).") from None
    if not data.strip():
        raise InputError(f"{path} is empty: there is no text to work with.")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{path} looks like a binary file, not plain text; save it as .txt (UTF-8) first."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise InputError(
                f"{path}: the text encoding could not be recognised; save it as UTF-8."
            ) from None
        text = str(best)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{path} is empty: there is no text to work with.")
    printable = sum(ch.isprintable() or ch.isspace() for ch in text[:20000])
    if printable < 0.9 * min(len(text), 20000):
        raise InputError(
            f"{path} looks like a binary file, not plain text; save it as .txt (UTF-8) first."
        )
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_beads(result: AlignedText, out: TextIO) -> None:
    """The ``gold.tsv`` format: comma-separated ru indices, TAB, en indices, one bead a line."""
    for bead in result.beads:
        out.write(",".join(map(str, bead.ru)) + "\t" + ",".join(map(str, bead.en)) + "\n")


def write_tsv(result: AlignedText, out: TextIO) -> None:
    """Russian text, English text and confidence side by side, one bead a line."""
    out.write("russian\tenglish\tconfidence\n")
    for bead in result.beads:
        ru = " ".join(_one_line(result.ru[k].text) for k in bead.ru)
        en = " ".join(_one_line(result.en[k].text) for k in bead.en)
        out.write(f"{ru}\t{en}\t{bead.confidence:.3f}\n")


def write_html(result: AlignedText, out: TextIO) -> None:
    """A simple side-by-side HTML table (texts escaped), low-confidence rows marked."""
    out.write(
        '<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">'
        "<title>Sverka alignment</title><style>"
        "table{border-collapse:collapse;width:100%}td{vertical-align:top;padding:.3em .6em;"
        "border-bottom:1px solid #ddd}td.c{color:#666;font-size:.85em}tr.low{background:#fff3e0}"
        "</style></head><body><table>\n"
        '<tr><th>Русский</th><th lang="en">English</th><th>confidence</th></tr>\n'
    )
    for bead in result.beads:
        ru = " ".join(html.escape(_one_line(result.ru[k].text)) for k in bead.ru)
        en = " ".join(html.escape(_one_line(result.en[k].text)) for k in bead.en)
        cls = ' class="low"' if bead.confidence < 0.5 else ""
        out.write(
            f'<tr{cls}><td>{ru}</td><td lang="en">{en}</td>'
            f'<td class="c">{bead.confidence:.2f}</td></tr>\n'
        )
    out.write("</table></body></html>\n")


_TEXT_WRITERS: dict[str, Callable[[AlignedText, TextIO], None]] = {
    "beads": write_beads,
    "tsv": write_tsv,
    "html": write_html,
}


class _ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = -1

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        if percent == self.last:
            return
        self.last = percent
        filled = percent * 30 // 100
        self.stream.write(f"\raligning [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%")
        if percent == 100:
            self.stream.write("\n")
        self.stream.flush()


def _cmd_align(args: argparse.Namespace, extra: Mapping[str, Writer]) -> int:
    from alignment.align import align_texts

    ru_text = read_text(Path(args.ru_file))
    en_text = read_text(Path(args.en_file))
    lexicon = None
    if args.dictionary:
        from alignment.lexicon import Lexicon, default_lexicon

        lexicon = default_lexicon()
        for path in args.dictionary:
            try:
                lexicon = Lexicon.from_tsv(path, base=lexicon)
            except FileNotFoundError:
                raise InputError(f"{path}: no such dictionary file.") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{path}: cannot read it as a UTF-8 TSV file ({exc}).") from None
            except ValueError as exc:
                raise InputError(str(exc)) from None
    bar = _ProgressBar(sys.stderr)
    try:
        result = align_texts(
            ru_text, en_text, presegmented=args.presegmented, lexicon=lexicon, progress=bar
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    out_path = Path(args.output) if args.output else None
    if args.format in extra:
        extra[args.format](result, out_path)
        return 0
    writer = _TEXT_WRITERS[args.format]
    if out_path is None:
        writer(result, sys.stdout)
    else:
        try:
            with open(out_path, "w", encoding="utf-8", newline="\n") as fh:
                writer(result, fh)
        except OSError as exc:
            raise InputError(f"{out_path}: cannot write it ({exc.strerror}).") from None
    return 0


def _cmd_segment(args: argparse.Namespace) -> int:
    from alignment.segment import segment_text

    text = read_text(Path(args.file))
    segments = segment_text(text, args.lang)
    out = sys.stdout
    previous = None
    for seg in segments:
        if previous is not None and seg.paragraph != previous:
            out.write("\n")
        out.write(_one_line(seg.text) + "\n")
        previous = seg.paragraph
    return 0


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except InputError as exc:
            print(f"sverka: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except BrokenPipeError:
            # The reader (``| head``) stopped early: not an error worth a traceback.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0

    return run


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    extra_formats: Mapping[str, Writer] | None = None,
) -> None:
    """Add ``align`` and ``segment`` to the ``sverka`` command's subparsers.

    ``extra_formats`` maps further ``--format`` names (tmx, docx, …) to writers called with
    the alignment and the ``-o`` path (or ``None``).
    """
    extra = dict(extra_formats or {})
    align = subparsers.add_parser(
        "align",
        help="align a Russian text with its English translation",
        description="Align RU_FILE with EN_FILE and write the aligned pairs.",
    )
    align.add_argument("ru_file", metavar="RU_FILE", help="the Russian text (UTF-8 .txt)")
    align.add_argument("en_file", metavar="EN_FILE", help="the English text (UTF-8 .txt)")
    align.add_argument("--presegmented", action="store_true", help="each input line is one segment")
    align.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    align.add_argument(
        "--dictionary",
        metavar="TSV",
        action="append",
        help="a user dictionary, 'russian<TAB>english' per line (may be given several times)",
    )
    align.add_argument(
        "--format",
        choices=[*_TEXT_WRITERS, *extra],
        default="beads",
        help="beads: index pairs as in gold.tsv (default); tsv: texts side by side with "
        "confidence; html: a side-by-side table",
    )
    align.set_defaults(func=_guarded(lambda a: _cmd_align(a, extra)))

    segment = subparsers.add_parser(
        "segment",
        help="split a text into sentences, one per line",
        description="Print the sentences of FILE one per line, a blank line between paragraphs.",
    )
    segment.add_argument("file", metavar="FILE", help="a plain-text file (UTF-8)")
    segment.add_argument("--lang", choices=["ru", "en"], required=True, help="its language")
    segment.set_defaults(func=_guarded(_cmd_segment))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``align`` or ``segment`` standalone (``python -m alignment.cli ...``)."""
    parser = argparse.ArgumentParser(prog="sverka", description="Sverka's aligner.")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
