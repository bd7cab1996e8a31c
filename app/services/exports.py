"""Exports: a document's or a project's rows → a ``BilingualDocument`` → a file.

The format layer (``app.interchange``) knows files, not rows; this module turns rows into its
values, streaming the pairs from the database (``yield_per``) so that a large project never
sits in memory, and decides how the file reaches the translator: small exports are written to
a temporary file and sent at once; large ones run as a background job (kind ``export``) that
writes the file into the data directory, reports its progress, and is then offered for
download. Every entry point checks ``Action.EXPORT`` (viewers only when the project allows).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.interchange.types import (
    BilingualDocument,
    EditionOptions,
    ExportPair,
    GlossaryEntry,
    InterchangeError,
)
from app.models import (
    Comment,
    Document,
    DocumentState,
    EquivalentKind,
    Job,
    JobState,
    Pair,
    PairStatus,
    Project,
    Segment,
    Term,
    TermEquivalent,
    TermStatus,
    User,
)
from app.services import audit, jobs
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, require

EXPORT_JOB = "export"
EXPORTS_DIR = "exports"
#: Formats that make a book to read, not a file for another tool.
EDITION_FORMATS = frozenset({"html", "docx", "pdf", "epub"})
#: Up to this many pairs an export is made while the translator waits; above it, a job.
#: PDF layout costs about 4–5 s of CPU per 1,000 pairs, the others far less.
DIRECT_LIMITS = {"pdf": 300, "docx": 3000, "epub": 5000}
DEFAULT_DIRECT_LIMIT = 5000
#: Finished export files are kept this long, then removed when the next export starts.
KEEP_FILES_S = 7 * 24 * 3600
_STREAM_BATCH = 500

ProgressFn = Callable[[float, str], None]
Scope = Literal["document", "project"]


@dataclass(frozen=True, slots=True)
class ExportTarget:
    """What to export: one document, or every ready document of a project."""

    scope: Scope
    id: int

    @property
    def label(self) -> str:
        return f"{self.scope}:{self.id}"


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """A finished export on disk, ready to be sent."""

    path: Path
    filename: str
    content_type: str
    pairs: int


def format_names() -> dict[str, str]:
    """Format name → what the export form shows, in the registry's order."""
    from app.interchange.exporters import EXPORTERS

    return {name: cls.verbose for name, cls in EXPORTERS.items()}


def exporter_for(fmt: str) -> Any:
    """The exporter for a format name; a translator-readable error for an unknown one."""
    from app.interchange.exporters import get_exporter

    try:
        return get_exporter(fmt)
    except InterchangeError as exc:
        raise ServiceError(str(exc)) from exc


# ------------------------------------------------------------------------ rows → values


def _project_of(session: Session, target: ExportTarget) -> Project:
    if target.scope == "document":
        doc = session.get(Document, target.id)
        if doc is None:
            raise NotFound("No such document, or you are not a member of its project.")
        project = session.get(Project, doc.project_id)
    else:
        project = session.get(Project, target.id)
    if project is None:
        raise NotFound("No such project, or you are not a member of it.")
    return project


def check_export(
    session: Session, user: User | None, target: ExportTarget, *, check: bool = True
) -> Project:
    """The target's project, if ``user`` may export from it (raises otherwise).

    ``check=False`` is for the command line, which has the database itself: no user.
    """
    project = _project_of(session, target)
    if check:
        require(session, user, project.id, Action.EXPORT)
    if target.scope == "document":
        doc = session.get(Document, target.id)
        if doc is not None and doc.state is not DocumentState.READY:
            raise ServiceError(
                "This document is not ready yet (its import has not finished); "
                "export it once its pairs are there."
            )
    return project


def _documents(session: Session, target: ExportTarget) -> list[Document]:
    if target.scope == "document":
        doc = session.get(Document, target.id)
        return [doc] if doc is not None else []
    return list(
        session.scalars(
            select(Document)
            .where(Document.project_id == target.id, Document.state == DocumentState.READY)
            .order_by(Document.id)
        )
    )


def count_pairs(session: Session, target: ExportTarget, *, only_approved: bool = False) -> int:
    """How many pairs the export will hold (what decides between now and a job)."""
    query = select(func.count()).select_from(Pair).join(Document, Pair.document_id == Document.id)
    if target.scope == "document":
        query = query.where(Document.id == target.id)
    else:
        query = query.where(Document.project_id == target.id, Document.state == DocumentState.READY)
    if only_approved:
        query = query.where(Pair.status == PairStatus.APPROVED)
    return int(session.scalar(query) or 0)


def _usernames(session: Session, document_ids: list[int]) -> dict[int, str]:
    editors = select(Pair.updated_by_id).where(Pair.document_id.in_(document_ids)).distinct()
    creators = select(Document.created_by_id).where(Document.id.in_(document_ids))
    rows = session.execute(
        select(User.id, User.username).where(User.id.in_(editors) | User.id.in_(creators))
    )
    return {uid: name for uid, name in rows}


def _comments(session: Session, document_id: int) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = {}
    rows = session.execute(
        select(Comment.pair_id, Comment.body)
        .join(Pair, Comment.pair_id == Pair.id)
        .where(Pair.document_id == document_id)
        .order_by(Comment.id)
    )
    for pair_id, body in rows:
        if body and body.strip():
            notes.setdefault(pair_id, []).append(body)
    return notes


def glossary_entries(session: Session, project_id: int) -> list[GlossaryEntry]:
    """The project's approved terms with their preferred (else admitted) equivalents."""
    terms = session.scalars(
        select(Term)
        .where(Term.project_id == project_id, Term.status == TermStatus.APPROVED)
        .order_by(func.lower(Term.ru), Term.id)
    ).all()
    if not terms:
        return []
    equivalents: dict[int, dict[EquivalentKind, list[str]]] = {}
    for term_id, en, kind in session.execute(
        select(TermEquivalent.term_id, TermEquivalent.en, TermEquivalent.kind)
        .where(TermEquivalent.term_id.in_([t.id for t in terms]))
        .order_by(TermEquivalent.id)
    ):
        equivalents.setdefault(term_id, {}).setdefault(EquivalentKind(kind), []).append(en)
    entries = []
    for term in terms:
        kinds = equivalents.get(term.id, {})
        english = kinds.get(EquivalentKind.PREFERRED) or kinds.get(EquivalentKind.ADMITTED) or []
        if english:
            entries.append(GlossaryEntry(term.ru, "; ".join(english), term.note or ""))
    return entries


def _document_pairs(
    session: Session,
    doc: Document,
    *,
    only_approved: bool,
    first_number: int,
    paragraph_offset: int,
    names: dict[int, str],
) -> Iterator[ExportPair]:
    """The document's pairs in order, read in batches (one pair in memory at a time)."""
    counts = (
        select(
            Segment.pair_id.label("pair_id"),
            func.sum(case((Segment.side == "ru", 1), else_=0)).label("ru_n"),
            func.sum(case((Segment.side == "en", 1), else_=0)).label("en_n"),
        )
        .where(Segment.document_id == doc.id)
        .group_by(Segment.pair_id)
        .subquery()
    )
    query = (
        select(
            Pair.id,
            Pair.position,
            Pair.ru_text,
            Pair.en_text,
            Pair.status,
            Pair.confidence,
            Pair.ru_paragraph,
            Pair.en_paragraph,
            Pair.updated_at,
            Pair.updated_by_id,
            counts.c.ru_n,
            counts.c.en_n,
        )
        .outerjoin(counts, counts.c.pair_id == Pair.id)
        .where(Pair.document_id == doc.id)
        .order_by(Pair.position)
    )
    if only_approved:
        query = query.where(Pair.status == PairStatus.APPROVED)
    notes = _comments(session, doc.id)
    created_by = names.get(doc.created_by_id or -1, "")
    created_at = doc.created_at
    number = first_number
    for row in session.execute(query.execution_options(yield_per=_STREAM_BATCH)):
        ru_n = int(row.ru_n or 0) if row.ru_n is not None else int(bool(row.ru_text))
        en_n = int(row.en_n or 0) if row.en_n is not None else int(bool(row.en_text))
        yield ExportPair(
            position=number if first_number else row.position + 1,
            ru=row.ru_text or "",
            en=row.en_text or "",
            status=str(PairStatus(row.status).value),
            kind=f"{ru_n}-{en_n}",
            confidence=float(row.confidence or 0.0),
            ru_paragraph=int(row.ru_paragraph or 0) + paragraph_offset,
            en_paragraph=int(row.en_paragraph or 0) + paragraph_offset,
            created_at=created_at,
            changed_at=row.updated_at or created_at,
            created_by=created_by,
            changed_by=names.get(row.updated_by_id, "") if row.updated_by_id else created_by,
            notes=tuple(notes.get(row.id, ())),
        )
        number += 1


def _paragraph_span(session: Session, document_id: int) -> int:
    top = session.execute(
        select(func.max(Pair.ru_paragraph), func.max(Pair.en_paragraph)).where(
            Pair.document_id == document_id
        )
    ).one()
    return max(int(top[0] or 0), int(top[1] or 0)) + 1


def build_document(
    session: Session,
    user: User | None,
    target: ExportTarget,
    options: EditionOptions,
    *,
    fmt: str = "tmx",
    exported_at: datetime | None = None,
    check: bool = True,
) -> BilingualDocument:
    """The ``BilingualDocument`` of a document or a project; its pairs stream from the rows.

    The session must stay open while the pairs are consumed. A project edition gets each
    document's title as a heading between its documents.
    """
    project = check_export(session, user, target, check=check)
    documents = _documents(session, target)
    names = _usernames(session, [d.id for d in documents]) if documents else {}
    edition = fmt in EDITION_FORMATS
    # A project of one document reads as that document; of several, as the project.
    single = len(documents) == 1
    title = documents[0].title if single else project.name

    def pairs() -> Iterator[ExportPair]:
        number = 1
        offset = 0
        whole_project = target.scope == "project"
        for doc in documents:
            if whole_project and edition and len(documents) > 1:
                yield ExportPair(
                    # 0: editions print no pair number for it.
                    position=0,
                    ru=doc.title,
                    en=doc.title,
                    # Not a pair of the text: it must survive the "only approved" filter.
                    status="approved",
                    kind="1-1",
                    confidence=1.0,
                    ru_paragraph=offset,
                    en_paragraph=offset,
                    created_at=doc.created_at,
                    changed_at=doc.created_at,
                    created_by="",
                    changed_by="",
                    heading=True,
                )
                offset += 1
            last = None
            for pair in _document_pairs(
                session,
                doc,
                only_approved=options.only_approved,
                first_number=number if whole_project else 0,
                paragraph_offset=offset,
                names=names,
            ):
                last = pair
                yield pair
            if last is not None and whole_project:
                number = last.position + 1
            offset += _paragraph_span(session, doc.id)

    glossary = glossary_entries(session, project.id) if options.appendix else []
    return BilingualDocument(
        title=title,
        pairs=pairs(),
        source_lang=project.source_lang or "ru",
        target_lang=project.target_lang or "en",
        project=project.name if single else "",
        glossary=glossary,
        exported_at=exported_at,
    )


# ------------------------------------------------------------------------------ writing


def _counting(
    pairs: Any, total: int, report: ProgressFn | None, span: tuple[float, float]
) -> Iterator[ExportPair]:
    start, end = span
    last = time.monotonic()
    for done, pair in enumerate(pairs, start=1):
        yield pair
        # The first pair shows the job has started reading; then twice a second at most.
        if report is not None and (done == 1 or time.monotonic() - last > 0.5):
            last = time.monotonic()
            fraction = start + (end - start) * min(1.0, done / max(1, total))
            report(fraction, f"Writing pair {done:,} of {total:,}…")


def safe_stem(title: str) -> str:
    """A file name stem from a title: letters (any script), digits, ``-`` and ``_`` only."""
    stem = re.sub(r"[^\w-]+", "-", title, flags=re.UNICODE).strip("-_")
    return (stem or "sverka-export")[:80]


def write_export(
    session: Session,
    user: User | None,
    target: ExportTarget,
    fmt: str,
    options: EditionOptions,
    out: BinaryIO,
    *,
    progress: ProgressFn | None = None,
    exported_at: datetime | None = None,
    check: bool = True,
) -> tuple[int, str]:
    """Write the export to ``out``; returns (pairs written, suggested file name)."""
    exporter = exporter_for(fmt)
    doc = build_document(
        session, user, target, options, fmt=exporter.name, exported_at=exported_at, check=check
    )
    total = count_pairs(session, target, only_approved=options.only_approved)
    # Streaming formats write as they read; the others read everything, then lay it out.
    span = (0.02, 0.95) if exporter.streaming else (0.02, 0.4)
    doc = replace(doc, pairs=_counting(doc.pairs, total, progress, span))
    if progress is not None and not exporter.streaming:
        progress(0.02, "Reading the pairs…")
    try:
        written = int(exporter.write(doc, out, options))
    except InterchangeError as exc:
        raise ServiceError(str(exc)) from exc
    return written, exporter.filename(safe_stem(doc.title))


def exports_dir(data_dir: Path) -> Path:
    return Path(data_dir) / EXPORTS_DIR


def direct_limit(fmt: str) -> int:
    name = exporter_for(fmt).name
    return DIRECT_LIMITS.get(name, DEFAULT_DIRECT_LIMIT)


def needs_job(session: Session, target: ExportTarget, fmt: str, options: EditionOptions) -> bool:
    """Whether this export is too large to make while the translator waits."""
    return count_pairs(session, target, only_approved=options.only_approved) > direct_limit(fmt)


def _record_export(
    session: Session, user: User | None, project: Project, exporter: Any, target: ExportTarget
) -> None:
    audit.record_export(
        session,
        user,
        project.id,
        format=exporter.name,
        document_id=target.id if target.scope == "document" else None,
    )


def export_now(
    session: Session,
    user: User | None,
    target: ExportTarget,
    fmt: str,
    options: EditionOptions,
    data_dir: Path,
) -> ExportedFile:
    """Write the export to a temporary file in the data directory (the caller sends and
    removes it) and note it in the audit trail."""
    project = check_export(session, user, target)
    exporter = exporter_for(fmt)
    folder = exports_dir(data_dir) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="export-", suffix=f".{exporter.extension}")
    path = Path(name)
    try:
        with open(fd, "wb") as out:
            pairs, filename = write_export(session, user, target, fmt, options, out)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _record_export(session, user, project, exporter, target)
    return ExportedFile(path, filename, exporter.content_type, pairs)


def options_to_payload(options: EditionOptions) -> dict[str, Any]:
    return {
        "only_approved": options.only_approved,
        "pair_numbers": options.pair_numbers,
        "title_page": options.title_page,
        "appendix": options.appendix,
        "layout": options.layout,
    }


def options_from_payload(data: dict[str, Any]) -> EditionOptions:
    return EditionOptions(
        only_approved=bool(data.get("only_approved", False)),
        pair_numbers=bool(data.get("pair_numbers", False)),
        title_page=bool(data.get("title_page", True)),
        appendix=bool(data.get("appendix", True)),
        layout=str(data.get("layout", "side-by-side")),
    )


def start_export_job(
    session: Session,
    user: User,
    target: ExportTarget,
    fmt: str,
    options: EditionOptions,
    data_dir: Path,
) -> Job:
    """Queue an export job (permission checked now, and again when it runs)."""
    project = check_export(session, user, target)
    exporter = exporter_for(fmt)
    remove_old_exports(data_dir)
    title = project.name
    if target.scope == "document":
        doc = session.get(Document, target.id)
        title = doc.title if doc is not None else title
    return jobs.enqueue(
        session,
        EXPORT_JOB,
        {
            "scope": target.scope,
            "id": target.id,
            "format": exporter.name,
            "options": options_to_payload(options),
            "dir": str(exports_dir(data_dir)),
            "title": title,
        },
        user_id=user.id,
        project_id=project.id,
        message="Waiting to start the export…",
    )


def _run_export_job(job_id: int, payload: dict[str, Any], report: ProgressFn) -> dict[str, Any]:
    target = ExportTarget(payload["scope"], int(payload["id"]))
    fmt = str(payload["format"])
    options = options_from_payload(dict(payload.get("options") or {}))
    folder = Path(str(payload["dir"])) / str(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "partial"
    try:
        with jobs.job_session() as session:
            job = session.get(Job, job_id)
            user = session.get(User, job.user_id) if job and job.user_id is not None else None
            if user is None:
                raise ServiceError("The account that started this export no longer exists.")
            exporter = exporter_for(fmt)
            with open(partial, "wb") as out:
                pairs, filename = write_export(
                    session, user, target, fmt, options, out, progress=report
                )
            project = _project_of(session, target)
            _record_export(session, user, project, exporter, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    final = folder / filename
    partial.replace(final)
    report(0.99, "Finishing…")
    return {
        "file": f"{job_id}/{filename}",
        "filename": filename,
        "content_type": exporter.content_type,
        "size": final.stat().st_size,
        "pairs": pairs,
        "format": exporter.name,
        "redirect": f"/exports/{job_id}",
    }


def finished_export(session: Session, user: User, job_id: int, data_dir: Path) -> ExportedFile:
    """The file a finished export job made, if ``user`` may still export from its project."""
    job = jobs.get_job(session, user, job_id)
    if job.kind != EXPORT_JOB:
        raise NotFound("No such export.")
    if job.project_id is not None:
        require(session, user, job.project_id, Action.EXPORT)
    if job.state is not JobState.DONE:
        raise ServiceError("This export is not finished yet; wait for its progress bar to fill.")
    result = dict(job.result or {})
    root = exports_dir(data_dir).resolve()
    path = (root / str(result.get("file", ""))).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(
            "The exported file is no longer kept on the server (files are removed after a "
            "week); export again."
        )
    return ExportedFile(
        path,
        str(result.get("filename") or path.name),
        str(result.get("content_type") or "application/octet-stream"),
        int(result.get("pairs") or 0),
    )


def remove_old_exports(data_dir: Path, *, now: float | None = None) -> int:
    """Remove export files older than a week (and stray temporary files); how many went."""
    root = exports_dir(data_dir)
    if not root.is_dir():
        return 0
    limit = (now or time.time()) - KEEP_FILES_S
    removed = 0
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime >= limit:
                continue
        except OSError:
            continue
        if entry.is_dir() and entry.name != "tmp":
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    tmp = root / "tmp"
    if tmp.is_dir():
        for entry in tmp.iterdir():
            # A direct download removes its file once sent; a day-old one was left by a crash.
            if entry.stat().st_mtime < (now or time.time()) - 24 * 3600:
                entry.unlink(missing_ok=True)
                removed += 1
    return removed


def register_jobs() -> None:
    """Make the export job known to the job worker (idempotent)."""
    jobs.register_handler(EXPORT_JOB, _run_export_job)
