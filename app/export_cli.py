"""``sverka export`` (a project or document of the database to a file, no server needed) and
the publishing formats of ``sverka align`` (``--format tmx|xliff|html|docx|pdf|epub``).

Failures a user can cause end with one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from app.cli import CommandError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from alignment.align import AlignedText
    from app.interchange.types import BilingualDocument, EditionOptions, ExportPair
    from app.services.exports import ExportTarget

#: ``sverka align --format`` names this module adds, and the exporter each one uses.
ALIGN_FORMATS = {
    "tmx": "tmx",
    "xliff": "xliff21",
    "xliff12": "xliff12",
    "html": "html",
    "docx": "docx",
    "pdf": "pdf",
    "epub": "epub",
}
EXPORT_FORMATS = ("tmx", "xliff", "xliff12", "tsv", "csv", "html", "docx", "pdf", "epub")


class _Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, fraction: float, message: str = "") -> None:
        if not self.enabled:
            return
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        filled = percent * 30 // 100
        sys.stderr.write(f"\rexporting [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% ")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _options(args: argparse.Namespace) -> EditionOptions:
    from app.interchange.types import EditionOptions, InterchangeError

    try:
        return EditionOptions(
            only_approved=getattr(args, "only_approved", False),
            pair_numbers=args.pair_numbers,
            title_page=not args.no_title_page,
            appendix=not args.no_appendix,
            layout=args.layout,
        )
    except InterchangeError as exc:
        raise CommandError(str(exc), code=2) from exc


def _format_for(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".")
    known = {"xlf": "xliff", "xliff": "xliff", "htm": "html"}
    guess = known.get(suffix, suffix)
    if guess in EXPORT_FORMATS:
        return guess
    raise CommandError(
        f"Say which format to write with --format ({', '.join(EXPORT_FORMATS)}); "
        f"“{args.output}” does not tell.",
        code=2,
    )


def resolve_target(session: Session, spec: str) -> ExportTarget:
    """``project:ID``, ``document:ID``, or a project's name (exact, else ignoring case)."""
    from sqlalchemy import func, select

    from app.models import Document, Project
    from app.services.exports import ExportTarget

    kind, _, number = spec.partition(":")
    if kind in ("project", "document") and number.strip().isdigit():
        ident = int(number)
        model = Project if kind == "project" else Document
        if session.get(model, ident) is None:
            raise CommandError(f"There is no {kind} with id {ident} in this database.", code=2)
        return ExportTarget("project" if kind == "project" else "document", ident)
    rows = session.execute(select(Project.id, Project.name).where(Project.name == spec)).all()
    if not rows:
        rows = session.execute(
            select(Project.id, Project.name).where(func.lower(Project.name) == spec.lower())
        ).all()
    if not rows:
        raise CommandError(
            f"No project is called “{spec}”. Give a project's exact name, or project:ID or "
            "document:ID (the ids are in the addresses of their pages: /projects/ID).",
            code=2,
        )
    if len(rows) > 1:
        ids = ", ".join(f"project:{r.id}" for r in rows)
        raise CommandError(f"Several projects are called “{spec}”: choose one of {ids}.", code=2)
    return ExportTarget("project", int(rows[0].id))


def _write_atomically(path: Path, write: Callable[[BinaryIO], Any]) -> Any:
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as out:
            result = write(out)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write it ({exc.strerror}).") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result


def cmd_export(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from app.cli import _engine
    from app.services import exports
    from app.services.errors import ServiceError

    fmt = _format_for(args)
    options = _options(args)
    try:
        exports.exporter_for(fmt)
    except ServiceError as exc:
        raise CommandError(exc.message, code=2) from exc
    settings = load_settings()
    engine = _engine(settings, require_current=True)
    output = Path(args.output)
    progress = _Progress()
    try:
        with Session(engine) as session:
            target = resolve_target(session, args.target)
            total = exports.count_pairs(session, target, only_approved=options.only_approved)
            if total == 0:
                what = "approved pairs" if options.only_approved else "pairs"
                raise CommandError(f"{args.target} has no {what}: nothing to export.", code=2)

            def write(out: BinaryIO) -> tuple[int, str]:
                return exports.write_export(
                    session, None, target, fmt, options, out, progress=progress, check=False
                )

            pairs, _ = _write_atomically(output, write)
    except ServiceError as exc:
        raise CommandError(exc.message) from exc
    finally:
        progress.done()
        engine.dispose()
    print(f"Wrote {pairs:,} pairs to {output}.")
    return 0


# ------------------------------------------------------------------- sverka align --format


def aligned_document(aligned: AlignedText, title: str) -> BilingualDocument:
    """An alignment as a ``BilingualDocument``: one pair per bead, with its paragraphs."""
    from app.interchange.types import BilingualDocument, ExportPair
    from app.services.imports import join_segments

    now = datetime.now(UTC)

    def pairs() -> Iterator[ExportPair]:
        last_ru = aligned.ru[0].paragraph if aligned.ru else 0
        last_en = aligned.en[0].paragraph if aligned.en else 0
        for number, bead in enumerate(aligned.beads, start=1):
            ru = [aligned.ru[i] for i in bead.ru]
            en = [aligned.en[i] for i in bead.en]
            ru_paragraph = ru[0].paragraph if ru else last_ru
            en_paragraph = en[0].paragraph if en else last_en
            if ru:
                last_ru = ru[-1].paragraph
            if en:
                last_en = en[-1].paragraph
            yield ExportPair(
                position=number,
                ru=join_segments(ru),
                en=join_segments(en),
                status="auto",
                kind=f"{len(ru)}-{len(en)}",
                confidence=float(bead.confidence),
                ru_paragraph=ru_paragraph,
                en_paragraph=en_paragraph,
                created_at=now,
                changed_at=now,
                created_by="sverka-align",
                changed_by="sverka-align",
            )

    return BilingualDocument(title=title, pairs=pairs())


def _align_writer(fmt: str) -> Callable[[AlignedText, Path | None], None]:
    def write(aligned: AlignedText, path: Path | None) -> None:
        from app.interchange.exporters import get_exporter
        from app.interchange.types import EditionOptions

        exporter = get_exporter(fmt)
        title = path.stem if path is not None else "Sverka alignment"
        doc = aligned_document(aligned, title)
        if path is None:
            if not exporter.streaming or fmt in ("docx", "epub"):
                from alignment.cli import InputError

                raise InputError(f"A {fmt.upper()} file cannot go to the terminal: give -o FILE.")
            exporter.write(doc, sys.stdout.buffer, EditionOptions())
            sys.stdout.buffer.flush()
            return
        try:
            _write_atomically(path, lambda out: exporter.write(doc, out, EditionOptions()))
        except CommandError as exc:
            from alignment.cli import InputError

            raise InputError(exc.message) from exc

    return write


def align_formats() -> dict[str, Callable[[AlignedText, Path | None], None]]:
    """The writers ``sverka align`` takes as extra formats (``alignment.cli.register``)."""
    return {name: _align_writer(fmt) for name, fmt in ALIGN_FORMATS.items()}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``export`` to the ``sverka`` command."""
    export = subparsers.add_parser(
        "export",
        help="export a project or a document to TMX, XLIFF, TSV/CSV or a bilingual edition",
        description=(
            "Export PROJECT_OR_DOCUMENT (project:ID, document:ID, or a project's name) from the "
            "configured database, without a server."
        ),
    )
    export.add_argument("target", metavar="PROJECT_OR_DOCUMENT")
    export.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="the file format (default: from the extension of -o)",
    )
    export.add_argument("-o", "--output", metavar="FILE", required=True, help="where to write")
    export.add_argument("--only-approved", action="store_true", help="only approved pairs")
    export.add_argument("--pair-numbers", action="store_true", help="number the pairs")
    export.add_argument("--no-title-page", action="store_true", help="editions: no title page")
    export.add_argument(
        "--no-appendix", action="store_true", help="editions: no notes/glossary appendix"
    )
    export.add_argument(
        "--layout",
        choices=["side-by-side", "alternating"],
        default="side-by-side",
        help="editions: two columns (default) or alternating paragraphs",
    )
    export.set_defaults(func=cmd_export)
