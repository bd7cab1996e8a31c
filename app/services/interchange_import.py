"""TMX and XLIFF import: take work back from a CAT tool, or start from another tool's memory.

Two ways in:

* **restore** into an existing document: each unit is matched to a pair (by its number when
  the Russian text agrees, else by the Russian text), and the pair takes the unit's English
  text, status and notes (as comments);
* **seed** a new document (in a project, or in a new project) from the units, one pair each.

The file is read completely and checked (``app.interchange`` refuses malformed XML, entities,
unknown languages, oversize files) before anything is written; the writes are only flushed,
so the caller's single commit makes the import appear whole, or a failure leaves nothing.
Statuses only reviewers may set (reviewed, approved, rejected) are lowered to "translated"
for anyone else, so an import cannot approve what its importer could not.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.interchange.types import ImportedMemory, ImportedUnit, InterchangeError
from app.models import (
    Comment,
    Document,
    DocumentState,
    Pair,
    PairStatus,
    Project,
    Revision,
    Segment,
    User,
    count_words,
    utcnow,
)
from app.services import audit
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.permissions import Action, can, require

MAX_TITLE = 300
_REVIEW_ONLY = frozenset({PairStatus.REVIEWED, PairStatus.APPROVED, PairStatus.REJECTED})
#: A unit from another tool carries no status: it holds somebody's translation.
DEFAULT_STATUS = PairStatus.TRANSLATED


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, for the page that follows it."""

    project_id: int
    document_id: int
    created: bool
    units: int
    matched: int = 0
    updated: int = 0
    unmatched: int = 0
    skipped: int = 0
    comments: int = 0
    lowered: int = 0

    def summary(self) -> str:
        """One or two sentences a translator reads after the import."""
        if self.created:
            text = f"Imported {self.units:,} pair{'s' if self.units != 1 else ''}."
        else:
            text = (
                f"{self.matched:,} of {self.units:,} units matched pairs of the document; "
                f"{self.updated:,} pair{'s were' if self.updated != 1 else ' was'} changed."
            )
            if self.unmatched:
                text += (
                    f" {self.unmatched:,} unit{'s' if self.unmatched != 1 else ''} matched no "
                    "pair (the Russian text is not in the document) and "
                    f"{'were' if self.unmatched != 1 else 'was'} left out."
                )
        if self.comments:
            text += f" {self.comments:,} note{'s' if self.comments != 1 else ''} became comments."
        if self.skipped:
            text += (
                f" {self.skipped:,} unit{'s' if self.skipped != 1 else ''} without both a "
                f"Russian and an English text {'were' if self.skipped != 1 else 'was'} skipped."
            )
        if self.lowered:
            text += (
                f" {self.lowered:,} reviewed/approved/rejected status"
                f"{'es' if self.lowered != 1 else ''} became “translated”: only reviewers "
                "and owners may set those."
            )
        return text


# ------------------------------------------------------------------------------- reading


def detect_format(filename: str, data: bytes) -> str:
    """``"tmx"`` or ``"xliff"``, from the file name, else from the first element."""
    name = filename.lower()
    if name.endswith(".tmx"):
        return "tmx"
    if name.endswith((".xlf", ".xliff", ".xlif", ".sdlxliff", ".mqxliff")):
        return "xliff"
    head = data[:4096].lower()
    if b"<tmx" in head:
        return "tmx"
    if b"<xliff" in head:
        return "xliff"
    raise ServiceError(
        f"“{filename or 'The file'}” is neither a TMX nor an XLIFF file. Export a TMX "
        "translation memory (.tmx) or an XLIFF file (.xlf, .xliff) from your tool and retry."
    )


def read_memory(filename: str, data: bytes, *, max_bytes: int) -> ImportedMemory:
    """Read a TMX or XLIFF upload completely; a translator-readable error when it cannot be."""
    from app.interchange.tmx import read_tmx
    from app.interchange.xliff import read_xliff

    if not data.strip():
        raise ServiceError(f"“{filename or 'The file'}” is empty.")
    if len(data) > max_bytes:
        raise TooLarge(
            f"“{filename or 'The file'}” is {len(data) / 1048576:.1f} MB; Sverka imports "
            f"memories of at most {max_bytes / 1048576:g} MB. Export a smaller part "
            "(one document, or one language pair) from your tool."
        )
    fmt = detect_format(filename, data)
    try:
        memory = (
            read_tmx(data, max_bytes=max_bytes)
            if fmt == "tmx"
            else read_xliff(data, max_bytes=max_bytes)
        )
    except InterchangeError as exc:
        message = str(exc)
        if "reads files up to" in message:
            raise TooLarge(message) from exc
        raise ServiceError(message) from exc
    if not memory.units:
        raise ServiceError(
            f"“{filename or 'The file'}” holds no unit with both a Russian and an English "
            "text, so there is nothing to import."
        )
    return memory


def _check_size(memory: ImportedMemory, max_chars: int) -> None:
    for side, name in (("ru", "Russian"), ("en", "English")):
        chars = sum(len(getattr(u, side)) for u in memory.units)
        if chars > max_chars:
            raise TooLarge(
                f"The {name} side of this memory has {chars:,} characters; a document may "
                f"have at most {max_chars:,}. Split the memory and import it in parts."
            )


# ------------------------------------------------------------------------------- statuses


def _status(
    unit: ImportedUnit, may_review: bool, default: PairStatus | None
) -> tuple[PairStatus | None, bool]:
    """The unit's status as allowed for the importer, and whether it had to be lowered."""
    if unit.status is None:
        return default, False
    status = PairStatus(unit.status)
    if status in _REVIEW_ONLY and not may_review:
        return PairStatus.TRANSLATED, True
    return status, False


# --------------------------------------------------------------------------- segments


def _segments_for(text: str, lang: str, parts: int, paragraph: int) -> list[tuple[int, str]]:
    """The pair's text as (paragraph, sentence) segments.

    Lines are paragraphs (the way pair texts join them); a line is split into sentences only
    when the unit says its side had several, and only if the split gives back the line.
    """
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return []
    if parts <= len(lines):
        return [(paragraph + i, line) for i, line in enumerate(lines)]
    from alignment.segment import segment_text

    out: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        try:
            sentences = [s.text for s in segment_text(line, lang)]  # type: ignore[arg-type]
        except ValueError:
            sentences = []
        if len(sentences) > 1 and " ".join(sentences) == " ".join(line.split()):
            out.extend((paragraph + i, s) for s in sentences)
        else:
            out.append((paragraph + i, line))
    return out


def _kind_parts(kind: str | None) -> tuple[int, int]:
    if kind and "-" in kind:
        left, _, right = kind.partition("-")
        if left.isdigit() and right.isdigit():
            return int(left), int(right)
    return 1, 1


# --------------------------------------------------------------------- a new document


def _joined(units: Sequence[ImportedUnit], side: str) -> str:
    parts: list[str] = []
    previous: int | None = None
    for unit in units:
        text = getattr(unit, side)
        if not text:
            continue
        number = getattr(unit, f"{side}_paragraph")
        if parts:
            parts.append(" " if number is not None and number == previous else "\n\n")
        parts.append(text)
        previous = number
    return "".join(parts)


def _paragraphs(units: Sequence[ImportedUnit], side: str) -> list[int]:
    """Each unit's paragraph on one side: the file's numbers when it has them, one each else."""
    given = [getattr(u, f"{side}_paragraph") for u in units]
    if all(p is not None for p in given) and given == sorted(given):
        return [int(p) for p in given]  # type: ignore[arg-type]
    return list(range(len(units)))


def import_new_document(
    session: Session,
    user: User,
    project_id: int,
    memory: ImportedMemory,
    *,
    title: str,
    filename: str,
    checksum: str = "",
    max_chars: int = 5_000_000,
) -> ImportReport:
    """Add a document with one pair per unit, in the file's order (only flushed)."""
    require(session, user, project_id, Action.EDIT)
    _check_size(memory, max_chars)
    may_review = can(session, user, project_id, Action.REVIEW)
    title = " ".join(title.split())[:MAX_TITLE] or filename.rsplit(".", 1)[0] or "Imported memory"
    units = memory.units
    document = Document(
        project_id=project_id,
        title=title,
        state=DocumentState.READY,
        ru_filename=filename[:300],
        en_filename=filename[:300],
        ru_encoding="utf-8",
        en_encoding="utf-8",
        ru_checksum=checksum,
        en_checksum=checksum,
        ru_text=_joined(units, "ru"),
        en_text=_joined(units, "en"),
        created_by_id=user.id,
    )
    session.add(document)
    session.flush()
    ru_paragraphs = _paragraphs(units, "ru")
    en_paragraphs = _paragraphs(units, "en")
    now = utcnow()
    lowered = 0
    rows: list[dict[str, Any]] = []
    for position, unit in enumerate(units):
        status, was_lowered = _status(unit, may_review, DEFAULT_STATUS)
        lowered += was_lowered
        rows.append(
            {
                "document_id": document.id,
                "position": position,
                "ru_text": unit.ru,
                "en_text": unit.en,
                "status": status or DEFAULT_STATUS,
                "confidence": unit.confidence if unit.confidence is not None else 1.0,
                "locked": False,
                "ru_paragraph": ru_paragraphs[position],
                "en_paragraph": en_paragraphs[position],
                "updated_at": unit.changed_at or now,
                "updated_by_id": user.id,
                "version": 1,
            }
        )
    ids = list(session.scalars(insert(Pair).returning(Pair.id, sort_by_parameter_order=True), rows))
    segments: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    for pair_id, unit, row in zip(ids, units, rows, strict=True):
        ru_parts, en_parts = _kind_parts(unit.kind)
        for side, parts in (("ru", ru_parts), ("en", en_parts)):
            pieces = _segments_for(getattr(unit, side), side, parts, row[f"{side}_paragraph"])
            segments.extend(
                {
                    "document_id": document.id,
                    "pair_id": pair_id,
                    "side": side,
                    "position": index,
                    "paragraph": paragraph,
                    "text": text,
                }
                for index, (paragraph, text) in enumerate(pieces)
            )
        comments.extend(
            {"pair_id": pair_id, "user_id": user.id, "body": note, "resolved": False,
             "created_at": now}
            for note in unit.notes if note.strip()
        )  # fmt: skip
    if segments:
        session.execute(insert(Segment), segments)
    if comments:
        session.execute(insert(Comment), comments)
    session.expire(document, ["pairs"])
    session.flush()
    return ImportReport(
        project_id=project_id,
        document_id=document.id,
        created=True,
        units=len(units),
        skipped=memory.skipped,
        comments=len(comments),
        lowered=lowered,
    )


def import_new_project(
    session: Session,
    user: User,
    memory: ImportedMemory,
    *,
    name: str,
    filename: str,
    checksum: str = "",
    max_chars: int = 5_000_000,
) -> ImportReport:
    """Create a project (the user owns it) seeded with one document from the memory."""
    from app.services import projects

    project = projects.create_project(
        session,
        user,
        name,
        description=f"Seeded from the translation memory {filename}." if filename else "",
    )
    return import_new_document(
        session,
        user,
        project.id,
        memory,
        title=filename.rsplit(".", 1)[0] if filename else name,
        filename=filename,
        checksum=checksum,
        max_chars=max_chars,
    )


# ------------------------------------------------------------------ restore into a document


def _key(text: str) -> str:
    # Whitespace differences (a CAT tool re-wrapping a line, NBSP vs space) must not hide a match.
    return " ".join(text.split())


@dataclass
class _Row:
    id: int
    position: int
    ru: str
    en: str
    status: PairStatus
    en_paragraph: int


def _match(units: Sequence[ImportedUnit], rows: list[_Row]) -> list[_Row | None]:
    """For each unit, the document pair it belongs to (or None); each pair used once."""
    by_text: dict[str, deque[int]] = defaultdict(deque)
    for index, row in enumerate(rows):
        by_text[_key(row.ru)].append(index)
    used: set[int] = set()
    matched: list[_Row | None] = []
    for unit in units:
        choice: int | None = None
        key = _key(unit.ru)
        if unit.position is not None and 0 < unit.position <= len(rows):
            index = unit.position - 1
            if index not in used and _key(rows[index].ru) == key:
                choice = index
        if choice is None:
            queue = by_text.get(key)
            while queue and queue[0] in used:
                queue.popleft()
            # Only Russian text identifies a pair: an empty one (a 0-1 bead) needs the number.
            if queue and key:
                choice = queue.popleft()
        if choice is None:
            matched.append(None)
            continue
        used.add(choice)
        matched.append(rows[choice])
    return matched


def restore_into_document(
    session: Session,
    user: User,
    document_id: int,
    memory: ImportedMemory,
    *,
    filename: str = "",
) -> ImportReport:
    """Bring a CAT tool's work back: English texts, statuses and notes onto matching pairs.

    Changed pairs get a history entry (``import``) and a new version; only flushes.
    """
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document, or you are not a member of its project.")
    require(session, user, doc.project_id, Action.EDIT)
    if doc.state is not DocumentState.READY:
        raise ServiceError("This document is still being imported; restore into it later.")
    may_review = can(session, user, doc.project_id, Action.REVIEW)
    rows = [
        _Row(r.id, r.position, r.ru_text or "", r.en_text or "", PairStatus(r.status),
             r.en_paragraph or 0)
        for r in session.execute(
            select(Pair.id, Pair.position, Pair.ru_text, Pair.en_text, Pair.status,
                   Pair.en_paragraph)
            .where(Pair.document_id == document_id)
            .order_by(Pair.position)
        )
    ]  # fmt: skip
    matches = _match(memory.units, rows)
    matched = sum(1 for m in matches if m is not None)
    if matched == 0:
        raise ServiceError(
            f"None of the {len(memory.units):,} units of “{filename or 'this file'}” matches a "
            f"pair of “{doc.title}” (their Russian texts differ). Is it the right document? "
            "To keep the file's pairs anyway, import it as a new document."
        )
    existing: dict[int, set[str]] = defaultdict(set)
    for pair_id, body in session.execute(
        select(Comment.pair_id, Comment.body).join(Pair).where(Pair.document_id == document_id)
    ):
        existing[pair_id].add(body)
    now = utcnow()
    updated = lowered = added_comments = 0
    revisions: list[dict[str, Any]] = []
    for unit, row in zip(memory.units, matches, strict=True):
        if row is None:
            continue
        status, was_lowered = _status(unit, may_review, None)
        lowered += was_lowered
        values: dict[str, Any] = {}
        if unit.en != row.en:
            values["en_text"] = unit.en
            values["en_words"] = count_words(unit.en)
            revisions.append(_revision(row, doc.id, user, "en_text", row.en, unit.en, now))
        if status is not None and status is not row.status:
            values["status"] = status
            revisions.append(
                _revision(row, doc.id, user, "status", row.status.value, status.value, now)
            )
        if values:
            updated += 1
            values.update(updated_at=now, updated_by_id=user.id, version=Pair.version + 1)
            session.execute(
                update(Pair)
                .where(Pair.id == row.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if "en_text" in values:
                _replace_segments(session, doc.id, row, unit)
        for note in unit.notes:
            if note.strip() and note not in existing[row.id]:
                existing[row.id].add(note)
                session.add(Comment(pair_id=row.id, user_id=user.id, body=note))
                added_comments += 1
    if revisions:
        session.execute(insert(Revision), revisions)
    if updated or added_comments:
        doc.updated_at = now
    audit.record(
        session,
        "document.restored",
        actor=user,
        project_id=doc.project_id,
        document=doc.id,
        file=filename or None,
        matched=matched,
        updated=updated,
    )
    session.flush()
    # Rows changed without the ORM: loaded pairs must be read again.
    session.expire_all()
    return ImportReport(
        project_id=doc.project_id,
        document_id=doc.id,
        created=False,
        units=len(memory.units),
        matched=matched,
        updated=updated,
        unmatched=len(memory.units) - matched,
        skipped=memory.skipped,
        comments=added_comments,
        lowered=lowered,
    )


def _revision(
    row: _Row, document_id: int, user: User, field: str, before: str, after: str, now: Any
) -> dict[str, Any]:
    return {
        "pair_id": row.id,
        "document_id": document_id,
        "operation_id": None,
        "user_id": user.id,
        "action": "import",
        "field": field,
        "before": before,
        "after": after,
        "created_at": now,
    }


def _replace_segments(session: Session, document_id: int, row: _Row, unit: ImportedUnit) -> None:
    from sqlalchemy import delete

    first = session.scalar(
        select(Segment.paragraph)
        .where(Segment.pair_id == row.id, Segment.side == "en")
        .order_by(Segment.position)
        .limit(1)
    )
    paragraph = first if first is not None else row.en_paragraph
    session.execute(
        delete(Segment)
        .where(Segment.pair_id == row.id, Segment.side == "en")
        .execution_options(synchronize_session=False)
    )
    pieces = _segments_for(unit.en, "en", _kind_parts(unit.kind)[1], paragraph)
    if pieces:
        session.execute(
            insert(Segment),
            [
                {"document_id": document_id, "pair_id": row.id, "side": "en", "position": i,
                 "paragraph": p, "text": text}
                for i, (p, text) in enumerate(pieces)
            ],
        )  # fmt: skip


# ------------------------------------------------------------------------ the whole flow


def checksum_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_memory(
    session: Session,
    user: User,
    *,
    data: bytes,
    filename: str,
    mode: str,
    project_id: int | None = None,
    document_id: int | None = None,
    title: str = "",
    project_name: str = "",
    max_bytes: int,
    max_chars: int = 5_000_000,
) -> ImportReport:
    """Read ``data`` and import it as ``mode``: ``restore``, ``document`` or ``project``.

    Permission is checked before the file is read, so a refusal never costs a parse.
    """
    if mode == "restore":
        if document_id is None:
            raise ServiceError("Choose the document to restore the pairs into.")
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound("No such document, or you are not a member of its project.")
        require(session, user, doc.project_id, Action.EDIT)
        memory = read_memory(filename, data, max_bytes=max_bytes)
        return restore_into_document(session, user, document_id, memory, filename=filename)
    if mode == "document":
        if project_id is None or session.get(Project, project_id) is None:
            raise NotFound("No such project, or you are not a member of it.")
        require(session, user, project_id, Action.EDIT)
        memory = read_memory(filename, data, max_bytes=max_bytes)
        return import_new_document(
            session, user, project_id, memory, title=title or filename, filename=filename,
            checksum=checksum_of(data), max_chars=max_chars,
        )  # fmt: skip
    if mode == "project":
        memory = read_memory(filename, data, max_bytes=max_bytes)
        return import_new_project(
            session, user, memory, name=project_name or filename.rsplit(".", 1)[0],
            filename=filename, checksum=checksum_of(data), max_chars=max_chars,
        )  # fmt: skip
    raise ServiceError("Choose how to import: into a document, as a new document, or a project.")
