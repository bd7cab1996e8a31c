"""Importing a document: two uploads → decoded text → segments → alignment → rows.

Decoding and validation happen while the translator waits, so a bad file is refused at once
with a clear message. Segmentation and alignment run as a background job; the document, its
pairs and segments are then written in one transaction, so a crash or kill leaves either the
complete document or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.models import AuditEvent, Document, DocumentState, Job, Pair, PairStatus, User
from app.models import Segment as SegmentRow
from app.services import jobs
from app.services.decoding import (
    DecodedText,
    DecodingError,
    Side,
    check_side,
    decode_paste,
    decode_upload,
    normalise_text,
)
from app.services.errors import NotFound, ServiceError
from app.services.permissions import Action, require

if TYPE_CHECKING:
    from alignment.align import AlignedText
    from alignment.types import Segment

IMPORT_JOB = "import"
MAX_TITLE = 300

ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class UploadedSide:
    """What the form sent for one side: a file's bytes, or pasted text."""

    filename: str = ""
    data: bytes | None = None
    pasted: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.data and not (self.pasted and self.pasted.strip())


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    max_document_chars: int

    @classmethod
    def from_settings(cls, settings: Any = None) -> Limits:
        if settings is None:
            from app.config import get_settings

            settings = get_settings()
        return cls(settings.max_upload_mb * 1024 * 1024, settings.max_document_chars)


def decode_side(side: Side, upload: UploadedSide, limits: Limits) -> DecodedText:
    """Decode and check one side of an import; raises a translator-readable error."""
    name = "Russian" if side == "ru" else "English"
    if upload.is_empty:
        if upload.filename:
            raise DecodingError(f"The {name} file {upload.filename!r} is empty.")
        raise DecodingError(f"The {name} side is empty: choose a file or paste the text.")
    if upload.data:
        decoded = decode_upload(upload.data, upload.filename, max_bytes=limits.max_upload_bytes)
    else:
        decoded = decode_paste(upload.pasted or "", max_chars=limits.max_document_chars)
    check_side(decoded, side, max_chars=limits.max_document_chars)
    return decoded


def clean_title(title: str, ru: DecodedText | None = None) -> str:
    """The title as given, or the Russian file's name, or its first words."""
    title = " ".join(normalise_text(title).split())
    if not title and ru is not None:
        first_words = " ".join(ru.text.split()[:8])
        title = ru.filename.rsplit(".", 1)[0] if ru.filename else first_words
    if not title:
        raise ServiceError("Give the document a title.")
    return title[:MAX_TITLE]


def start_import(
    session: Session,
    user: User,
    project_id: int,
    title: str,
    ru_upload: UploadedSide,
    en_upload: UploadedSide,
    *,
    limits: Limits | None = None,
) -> Job:
    """Check permission, decode both sides now (errors shown at once), and queue the job."""
    require(session, user, project_id, Action.EDIT)
    limits = limits or Limits.from_settings()
    ru = decode_side("ru", ru_upload, limits)
    en = decode_side("en", en_upload, limits)
    title = clean_title(title, ru)
    return jobs.enqueue(
        session,
        IMPORT_JOB,
        {"title": title, "ru": ru.to_payload(), "en": en.to_payload()},
        user_id=user.id,
        project_id=project_id,
        message="Waiting to start the import…",
    )


def import_document(
    session: Session,
    *,
    user: User,
    project_id: int,
    title: str,
    ru: DecodedText,
    en: DecodedText,
    progress: ProgressFn | None = None,
) -> Document:
    """Segment and align both texts, then add the document with its pairs and segments.

    Everything is only flushed here; the caller commits once, so the document appears
    complete (state ``ready``) or not at all.
    """
    from alignment.align import align_texts

    require(session, user, project_id, Action.EDIT)
    report = progress or (lambda _fraction, _message: None)
    report(0.02, "Splitting the texts into sentences and aligning them…")

    def aligner_progress(*args: Any) -> None:
        fraction = _fraction_from(args)
        if fraction is not None:
            report(0.05 + 0.85 * fraction, "Aligning sentences…")

    try:
        aligned = align_texts(ru.text, en.text, progress=aligner_progress)
    except ValueError as exc:  # the aligner's refusals are written for translators
        raise ServiceError(str(exc)) from exc
    if not aligned.ru:
        raise ServiceError("Sverka found no sentences in the Russian text.")
    if not aligned.en:
        raise ServiceError("Sverka found no sentences in the English text.")
    report(0.92, "Saving the aligned pairs…")
    document = Document(
        project_id=project_id,
        title=clean_title(title, ru),
        # Ready at once: nobody sees the row before the whole import commits.
        state=DocumentState.READY,
        ru_filename=ru.filename,
        en_filename=en.filename,
        ru_encoding=ru.encoding,
        en_encoding=en.encoding,
        ru_checksum=ru.checksum_sha256,
        en_checksum=en.checksum_sha256,
        ru_text=ru.text,
        en_text=en.text,
        created_by_id=user.id,
    )
    session.add(document)
    session.flush()
    pairs = store_alignment(session, document, aligned)
    session.add(
        AuditEvent(
            project_id=project_id,
            user_id=user.id,
            action="document.import",
            detail={
                "document_id": document.id,
                "title": document.title,
                "pairs": pairs,
                "ru_file": ru.filename,
                "en_file": en.filename,
                "ru_encoding": ru.encoding,
                "en_encoding": en.encoding,
            },
        )
    )
    session.flush()
    return document


def _fraction_from(args: Sequence[Any]) -> float | None:
    # The aligner reports either (fraction[, message]) or (done, total).
    if not args or not isinstance(args[0], int | float):
        return None
    first = float(args[0])
    if len(args) > 1 and isinstance(args[1], int | float) and args[1]:
        return min(1.0, max(0.0, first / float(args[1])))
    return min(1.0, max(0.0, first))


def join_segments(segments: Sequence[Segment]) -> str:
    """A pair's text from its segments: a space within a paragraph, a newline across."""
    parts: list[str] = []
    previous: int | None = None
    for segment in segments:
        if parts:
            parts.append(" " if segment.paragraph == previous else "\n")
        parts.append(segment.text)
        previous = segment.paragraph
    return "".join(parts)


def store_alignment(
    session: Session,
    document: Document,
    aligned: AlignedText,
    *,
    first_position: int = 0,
    status: PairStatus = PairStatus.AUTO,
) -> int:
    """Write the aligned beads of ``aligned`` as the document's pairs and segments.

    Positions start at ``first_position`` (realignment of a tail keeps the pairs before it).
    Only flushes; returns how many pairs were written. Rows go in with bulk INSERTs, since a
    long document has tens of thousands of segments.
    """
    if document.id is None:
        session.flush()
    ru_segments, en_segments = aligned.ru, aligned.en
    pair_rows: list[dict[str, Any]] = []
    last_ru_paragraph = ru_segments[0].paragraph if ru_segments else 0
    last_en_paragraph = en_segments[0].paragraph if en_segments else 0
    for offset, bead in enumerate(aligned.beads):
        ru = [ru_segments[i] for i in bead.ru]
        en = [en_segments[i] for i in bead.en]
        # An empty side starts where the previous pair's side left off.
        ru_paragraph = ru[0].paragraph if ru else last_ru_paragraph
        en_paragraph = en[0].paragraph if en else last_en_paragraph
        if ru:
            last_ru_paragraph = ru[-1].paragraph
        if en:
            last_en_paragraph = en[-1].paragraph
        pair_rows.append(
            {
                "document_id": document.id,
                "position": first_position + offset,
                "ru_text": join_segments(ru),
                "en_text": join_segments(en),
                "status": status,
                "confidence": float(bead.confidence),
                "locked": False,
                "ru_paragraph": ru_paragraph,
                "en_paragraph": en_paragraph,
                "version": 1,
            }
        )
    if not pair_rows:
        return 0
    pair_ids = _insert_pairs(session, pair_rows)
    segment_rows: list[dict[str, Any]] = []
    for pair_id, bead in zip(pair_ids, aligned.beads, strict=True):
        for side, indices, segments in (("ru", bead.ru, ru_segments), ("en", bead.en, en_segments)):
            for position, index in enumerate(indices):
                segment = segments[index]
                segment_rows.append(
                    {
                        "document_id": document.id,
                        "pair_id": pair_id,
                        "side": side,
                        "position": position,
                        "paragraph": segment.paragraph,
                        "text": segment.text,
                    }
                )
    if segment_rows:
        session.execute(insert(SegmentRow.metadata.tables["segments"]), segment_rows)
    # The rows went in without the ORM: a loaded ``document.pairs`` must be read again.
    session.expire(document, ["pairs"])
    return len(pair_rows)


def _insert_pairs(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert pair rows, returning their ids in order."""
    if session.get_bind().dialect.name == "postgresql":
        # Ids taken from the sequence up front let psycopg pipeline a plain executemany,
        # several times faster than INSERT … RETURNING in batches.
        ids = list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('pairs', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            )
        )
        for row, pair_id in zip(rows, ids, strict=True):
            row["id"] = pair_id
        session.execute(insert(Pair.metadata.tables["pairs"]), rows)
        return ids
    return list(
        session.scalars(insert(Pair).returning(Pair.id, sort_by_parameter_order=True), rows)
    )


def _run_import_job(
    job_id: int, payload: dict[str, Any], report: jobs.ProgressFn
) -> dict[str, Any]:
    ru = DecodedText.from_payload(payload["ru"])
    en = DecodedText.from_payload(payload["en"])
    with jobs.job_session() as session:
        job = session.get(Job, job_id)
        if job is None or job.project_id is None:
            raise NotFound("The import was cancelled.")
        user = session.get(User, job.user_id) if job.user_id is not None else None
        if user is None:
            raise ServiceError("The account that started this import no longer exists.")
        document = import_document(
            session,
            user=user,
            project_id=job.project_id,
            title=str(payload.get("title", "")),
            ru=ru,
            en=en,
            progress=report,
        )
        # QA findings from the start, so that the review view's "QA flags" filter is useful.
        # Before the job row is touched below: progress reports update that row from their
        # own transaction, which would wait forever on this one's lock (PostgreSQL).
        from app.services.qa import check_document_now

        report(0.96, "Checking terminology, numbers and quotes…")
        check_document_now(session, document.id)
        # Linked in the same transaction as the document, and the bulky texts dropped from
        # the job: the document now holds them. No progress report may follow this.
        job.document_id = document.id
        job.payload = {
            "title": document.title,
            "ru": _without_text(payload["ru"]),
            "en": _without_text(payload["en"]),
        }
        session.flush()
        pairs = session.scalar(
            select(func.count()).select_from(Pair).where(Pair.document_id == document.id)
        )
        return {
            "document_id": document.id,
            "title": document.title,
            "pairs": pairs or 0,
            "warnings": list(ru.warnings) + list(en.warnings),
        }


def _without_text(side: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in side.items() if key != "text"}


def register_jobs() -> None:
    """Make the import job known to the job worker (idempotent)."""
    jobs.register_handler(IMPORT_JOB, _run_import_job)


register = register_jobs
