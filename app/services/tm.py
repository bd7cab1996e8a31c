"""The translation memory: what was translated before, found for the pair being edited.

Units are reviewed/approved pairs of the user's projects (kept in ``tm_units`` by a flush hook,
so the review service needs no change) and units of imported TMX memories. Candidates come
from the ``tm_postings`` inverted index by the source's rarest lemmas, then ``app.tm`` scores
them, Russian-aware.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import delete, event, insert, inspect, select, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from app.models import (
    Document,
    Job,
    Membership,
    Pair,
    PairStatus,
    Project,
    TMPosting,
    TMUnit,
    TranslationMemory,
    User,
    utcnow,
)
from app.services.errors import NotFound, ServiceError, TooLarge
from app.services.permissions import Action, require
from app.tm import DiffSpan, analyse, diff_spans, exact_hash, index_keys, lemma_hash, query_keys
from app.tm.analysis import Analysed, analyse_stored, light_keys
from app.tm.index import MemoryIndex

if TYPE_CHECKING:
    from app.interchange.types import ImportedUnit
from app.tm.scoring import score_stored, substitute_numbers

log = logging.getLogger(__name__)

#: Pairs in these states are translations someone vouched for: they enter the memory.
MEMORY_STATUSES = frozenset({PairStatus.REVIEWED, PairStatus.APPROVED})
#: A TMX memory larger than this is refused before it is read.
MAX_MEMORY_BYTES = 100 * 1024 * 1024
_CANDIDATES = 80
CONTEXT_SCORE = 101


@dataclass(frozen=True)
class TMMatch:
    """A memory match for a source sentence, ready to show and insert."""

    score: int  # 0–100, or 101 for a 100% match with the same neighbours
    ru: str
    en: str  # numbers that differ from the source already substituted
    origin: str  # "Project / Document" or the memory's file name
    date: datetime | None
    spans: tuple[DiffSpan, ...]  # what differs in ``ru`` from the source
    missing: tuple[str, ...]  # source words the match lacks
    notes: tuple[str, ...]  # numbers that could not be substituted
    unit_id: int
    pair_id: int | None = None
    memory_id: int | None = None
    author: str = ""


# -- keeping the memory up to date ---------------------------------------------------------


def _unit_row(ru: str, en: str) -> tuple[dict[str, Any], list[int]]:
    analysed = analyse(ru)
    row = {
        "ru": ru,
        "en": en,
        "lemmas": " ".join(analysed.lemmas),
        "ru_exact": exact_hash(ru),
        "ru_lemma": lemma_hash(analysed),
    }
    return row, index_keys(analysed)


def _insert_units(
    conn: Connection | Session, rows: Sequence[dict[str, Any]], keys: Sequence[list[int]]
) -> None:
    """Insert units and their postings in bulk (ids come back in parameter order)."""
    if not rows:
        return
    ids = conn.execute(
        insert(TMUnit).returning(TMUnit.id, sort_by_parameter_order=True), list(rows)
    ).scalars()
    postings = [
        {"key": key, "project_id": row["project_id"], "unit_id": unit_id}
        for unit_id, row, unit_keys in zip(ids, rows, keys, strict=True)
        for key in unit_keys
    ]
    if postings:
        conn.execute(insert(TMPosting), postings)


def _pair_project(conn: Connection, pair: Pair) -> int | None:
    if "document" in pair.__dict__ and pair.document is not None:
        return pair.document.project_id
    return conn.scalar(select(Document.project_id).where(Document.id == pair.document_id))


def _remember_pairs(
    conn: Connection, pairs: Iterable[Pair], *, fresh: frozenset[int] = frozenset()
) -> None:
    """Make the units of ``pairs`` match them: a unit for each reviewed/approved pair with
    both texts, none for the others. ``fresh`` pairs are new, so they have no unit yet."""
    pairs = list(pairs)
    stale = [p.id for p in pairs if p.id not in fresh]
    for i in range(0, len(stale), 500):
        conn.execute(delete(TMUnit).where(TMUnit.pair_id.in_(stale[i : i + 500])))
    rows, keys = [], []
    for pair in pairs:
        if pair.status not in MEMORY_STATUSES or not pair.ru_text.strip():
            continue
        if not pair.en_text.strip():
            continue
        project_id = _pair_project(conn, pair)
        if project_id is None:
            continue
        row, unit_keys = _unit_row(pair.ru_text, pair.en_text)
        when = pair.updated_at or utcnow()
        row.update(
            project_id=project_id,
            pair_id=pair.id,
            memory_id=None,
            status=str(pair.status),
            author="",
            note="",
            created_at=when,
            changed_at=when,
        )
        rows.append(row)
        keys.append(unit_keys)
    _insert_units(conn, rows, keys)


def _changed(pair: Pair) -> bool:
    state = inspect(pair)
    return any(state.attrs[name].history.has_changes() for name in ("status", "ru_text", "en_text"))


@event.listens_for(Session, "after_flush")
def _sync_memory(session: Session, _context: object) -> None:
    # Every reviewed/approved pair must be findable, whoever changed it (review service, jobs,
    # imports); doing it at flush keeps the memory in the same transaction as the change.
    # An import of thousands of new "auto" pairs costs one pass over them and no query.
    new = [obj for obj in session.new if isinstance(obj, Pair) and obj.status in MEMORY_STATUSES]
    changed = [obj for obj in session.dirty if isinstance(obj, Pair) and _changed(obj)]
    if new or changed:
        _remember_pairs(session.connection(), [*new, *changed], fresh=frozenset(p.id for p in new))


def sync_project_memory(session: Session, project_id: int) -> int:
    """Rebuild the memory units of a project's pairs (after bulk changes made without the
    ORM, or for a database older than the memory). Returns the number of units."""
    session.flush()
    conn = session.connection()
    conn.execute(delete(TMUnit).where(TMUnit.project_id == project_id, TMUnit.pair_id.is_not(None)))
    pairs = session.scalars(
        select(Pair)
        .join(Document)
        .where(Document.project_id == project_id, Pair.status.in_(MEMORY_STATUSES))
    ).all()
    _remember_pairs(conn, pairs)
    return len(pairs)


#: A memory with more units than this is stored by a background job (the page shows progress).
JOB_THRESHOLD = 5000
MEMORY_JOB = "tm_import"


def read_memory(
    data: bytes | BinaryIO, *, filename: str, max_bytes: int = MAX_MEMORY_BYTES
) -> list[ImportedUnit]:
    """The Russian–English units of a TMX file, or a :class:`ServiceError` saying what is
    wrong with it (too big, broken XML, no Russian or English, no unit)."""
    from app.interchange.tmx import read_tmx
    from app.interchange.types import InterchangeError

    try:
        memory = read_tmx(data, max_bytes=max_bytes)
    except InterchangeError as exc:
        if "reads files up to" in str(exc):
            raise TooLarge(str(exc)) from exc
        raise ServiceError(f"{filename}: {exc}") from exc
    units = [u for u in memory.units if u.ru.strip() and u.en.strip()]
    if not units:
        raise ServiceError(
            f"{filename} holds no unit with both a Russian and an English text, so there is "
            "nothing to add to the memory."
        )
    return units


def store_memory(
    session: Session,
    user_id: int | None,
    project_id: int,
    filename: str,
    units: Sequence[ImportedUnit],
    progress: Callable[[float, str], None] | None = None,
) -> TranslationMemory:
    """Add ``units`` as a reference memory of the project (the caller's transaction: all of
    it or nothing)."""
    tm = TranslationMemory(
        project_id=project_id,
        name=filename.rsplit("/", 1)[-1] or "memory.tmx",
        filename=filename,
        unit_count=len(units),
        created_by_id=user_id,
    )
    session.add(tm)
    session.flush()
    now = utcnow()
    batch_rows: list[dict[str, Any]] = []
    batch_keys: list[list[int]] = []
    for done, unit in enumerate(units, start=1):
        row, keys = _unit_row(unit.ru, unit.en)
        row.update(
            project_id=project_id,
            memory_id=tm.id,
            pair_id=None,
            status=unit.status or "",
            author=unit.changed_by or unit.created_by or "",
            note="\n".join(unit.notes),
            created_at=unit.created_at or now,
            changed_at=unit.changed_at or unit.created_at or now,
        )
        batch_rows.append(row)
        batch_keys.append(keys)
        if len(batch_rows) >= 2000:
            _insert_units(session, batch_rows, batch_keys)
            batch_rows, batch_keys = [], []
            if progress is not None:
                progress(done / len(units), f"{done:,} of {len(units):,} units stored")
    _insert_units(session, batch_rows, batch_keys)
    return tm


def import_memory(
    session: Session,
    user: User,
    project_id: int,
    data: bytes | BinaryIO,
    *,
    filename: str,
    max_bytes: int = MAX_MEMORY_BYTES,
) -> TranslationMemory:
    """Store a TMX file as a reference memory of the project, now; all of it or nothing."""
    require(session, user, project_id, Action.EDIT)
    units = read_memory(data, filename=filename, max_bytes=max_bytes)
    return store_memory(session, user.id, project_id, filename, units)


def start_memory_import(
    session: Session,
    user: User,
    project_id: int,
    data: bytes | BinaryIO,
    *,
    filename: str,
    max_bytes: int = MAX_MEMORY_BYTES,
) -> TranslationMemory | Job:
    """Like :func:`import_memory`, but a large memory becomes a background job (returned),
    so that the request answers at once; the file is read and checked here either way."""
    from app.services import jobs

    require(session, user, project_id, Action.EDIT)
    units = read_memory(data, filename=filename, max_bytes=max_bytes)
    if len(units) <= JOB_THRESHOLD:
        return store_memory(session, user.id, project_id, filename, units)
    payload = {
        "filename": filename,
        "units": [
            [
                u.ru,
                u.en,
                u.status,
                u.changed_by or u.created_by or "",
                "\n".join(u.notes),
                u.created_at.isoformat() if u.created_at else None,
                u.changed_at.isoformat() if u.changed_at else None,
            ]
            for u in units
        ],
    }
    return jobs.enqueue(
        session,
        MEMORY_JOB,
        payload,
        user_id=user.id,
        project_id=project_id,
        message=f"Waiting to add {len(units):,} units of {filename}…",
    )


def _run_memory_job(
    job_id: int, payload: dict[str, Any], progress: Callable[[float, str], None]
) -> dict[str, Any]:
    from app.interchange.types import ImportedUnit
    from app.services import jobs

    units = [
        ImportedUnit(
            ru=ru,
            en=en,
            status=status,
            created_by=author or None,
            notes=tuple(note.split("\n")) if note else (),
            created_at=datetime.fromisoformat(created) if created else None,
            changed_at=datetime.fromisoformat(changed) if changed else None,
        )
        for ru, en, status, author, note, created, changed in payload["units"]
    ]
    with jobs.job_session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.project_id is not None
        tm = store_memory(
            session, job.user_id, job.project_id, payload["filename"], units, progress
        )
        # The units now live in the memory: the job keeps only what it was about.
        job.payload = {"filename": payload["filename"], "units": len(units)}
        session.flush()
        return {
            "memory_id": tm.id,
            "units": len(units),
            "redirect": f"/projects/{job.project_id}/memories",
        }


def register_jobs() -> None:
    """Make the memory import job known to the job worker (idempotent)."""
    from app.services import jobs

    jobs.register_handler(MEMORY_JOB, _run_memory_job)


def delete_memory(session: Session, user: User, memory_id: int) -> None:
    """Remove an imported memory and its units."""
    tm = session.get(TranslationMemory, memory_id)
    if tm is None:
        raise NotFound("No such memory.")
    require(session, user, tm.project_id, Action.EDIT)
    session.execute(delete(TMUnit).where(TMUnit.memory_id == memory_id))
    session.delete(tm)
    session.flush()


# -- lookup ----------------------------------------------------------------------------------


def memory_projects(session: Session, user: User, project_id: int) -> list[int]:
    """The projects whose memory ``user`` may use while working in ``project_id``."""
    ids = set(session.scalars(select(Membership.project_id).where(Membership.user_id == user.id)))
    if project_id not in ids or not user.is_active:
        require(session, user, project_id, Action.VIEW)  # admins pass; others get a message
    ids.add(project_id)
    return sorted(ids)


@dataclass
class _Loaded:
    """A process's index of one database, and when it was built and last caught up."""

    index: MemoryIndex
    built_at: float
    checked_at: float = 0.0
    stale: bool = False
    rebuilding: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_INDEXES: dict[str, _Loaded] = {}
_INDEXES_LOCK = threading.Lock()
#: Catch up with units committed by others at most this often.
CATCH_UP_SECONDS = 1.0
#: Rebuild at least this often, to forget deleted units and pick up units whose transaction
#: committed after a later one (their ids are below what the index has already seen).
REBUILD_SECONDS = 600.0
_TAIL_LIMIT = 5000


def _engine_of(session: Session) -> Engine | None:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None  # another connection would see another database
    return engine


def _load_postings(engine: Engine, index: MemoryIndex, after: int = 0) -> None:
    # Committed units only, through a connection of its own: the index is shared by every
    # request of the process and must not hold rows a transaction may still roll back.
    query = select(TMPosting.unit_id, TMPosting.project_id, TMPosting.key)
    if after:
        query = query.where(TMPosting.unit_id > after)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=50_000).execute(query)
        for unit_id, project_id, key in result:
            index.add(unit_id, project_id, (key,))


def _build(engine: Engine) -> MemoryIndex:
    index = MemoryIndex()
    _load_postings(engine, index)
    return index


def _rebuild_in_background(engine: Engine, loaded: _Loaded) -> None:
    def run() -> None:
        try:
            fresh = _build(engine)
            with loaded.lock:
                # Units committed while building are caught up by the next lookup.
                loaded.index, loaded.built_at, loaded.stale = fresh, time.monotonic(), False
        except Exception:  # the old index keeps serving; the next lookup tries again
            log.warning("rebuilding the translation memory index failed", exc_info=True)
            loaded.built_at = time.monotonic()
        finally:
            loaded.rebuilding = False

    loaded.rebuilding = True
    threading.Thread(target=run, name="tm-index-rebuild", daemon=True).start()


def memory_index(session: Session) -> MemoryIndex | None:
    """This process's index of the session's database, built on first use and caught up
    with newly committed units (``None`` for an in-memory SQLite database)."""
    loaded = _loaded_index(session)
    return loaded.index if loaded is not None else None


def _loaded_index(session: Session) -> _Loaded | None:
    engine = _engine_of(session)
    if engine is None:
        return None
    name = engine.url.render_as_string(hide_password=True)
    with _INDEXES_LOCK:
        loaded = _INDEXES.get(name)
        if loaded is None:
            loaded = _INDEXES[name] = _Loaded(_build(engine), time.monotonic(), time.monotonic())
    now = time.monotonic()
    if now - loaded.checked_at >= CATCH_UP_SECONDS:
        with loaded.lock:
            loaded.checked_at = now
            _load_postings(engine, loaded.index, after=loaded.index.max_id)
    age = now - loaded.built_at
    if not loaded.rebuilding and (age > REBUILD_SECONDS or (loaded.stale and age > 60)):
        _rebuild_in_background(engine, loaded)
    return loaded


def forget_indexes() -> None:
    """Drop every process-level index (tests, or after restoring a backup)."""
    with _INDEXES_LOCK:
        _INDEXES.clear()


def _mark_stale(session: Session) -> None:
    engine = _engine_of(session)
    if engine is not None:
        loaded = _INDEXES.get(engine.url.render_as_string(hide_password=True))
        if loaded is not None:
            loaded.stale = True


def _candidate_ids(session: Session, query: Analysed, projects: Sequence[int]) -> set[int]:
    loaded = _loaded_index(session)
    found: set[int] = set()
    indexed = 0
    if loaded is not None:
        # Under the lock: a catch-up appending to a posting array while a lookup reads it
        # through numpy would fail (an array cannot grow while a view of it exists).
        with loaded.lock:
            indexed = loaded.index.max_id
            found.update(
                loaded.index.candidates(
                    query_keys(query), projects, limit=_CANDIDATES, light=light_keys(query)
                )
            )
    # Units the index has not seen (this transaction's own, or committed a moment ago), and
    # units with the same lemmas (inflection or number variants) or the identical text, which
    # are candidates even when they share no indexed lemma. One round trip; looked up by hash
    # alone (projects are filtered when the rows are read): given both, a planner without
    # statistics may prefer the project index and read every unit of the project.
    tail = (
        select(TMUnit.id)
        .where(TMUnit.id > indexed, TMUnit.project_id.in_(projects))
        .order_by(TMUnit.id.desc())
        .limit(_TAIL_LIMIT)
    )
    same_lemmas = select(TMUnit.id).where(TMUnit.ru_lemma == lemma_hash(query)).limit(200)
    same_text = select(TMUnit.id).where(TMUnit.ru_exact == exact_hash(query.text)).limit(200)
    parts = [q.subquery() for q in (tail, same_lemmas, same_text)]
    found.update(session.scalars(union_all(*(select(p.c.id) for p in parts))))
    return found


def _origins(session: Session, units: Sequence[Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    pair_ids = [u.pair_id for u in units if u.pair_id is not None]
    if pair_ids:
        for pair_id, project, title in session.execute(
            select(Pair.id, Project.name, Document.title)
            .join(Document, Pair.document_id == Document.id)
            .join(Project, Document.project_id == Project.id)
            .where(Pair.id.in_(pair_ids))
        ):
            names[pair_id] = f"{project} / {title}"
    memory_ids = {u.memory_id for u in units if u.memory_id is not None}
    memories = {}
    if memory_ids:
        memories = dict(
            session.execute(
                select(TranslationMemory.id, TranslationMemory.name).where(
                    TranslationMemory.id.in_(memory_ids)
                )
            ).all()
        )
    result: dict[int, str] = {}
    for unit in units:
        if unit.pair_id is not None:
            result[unit.id] = names.get(unit.pair_id, "this project")
        else:
            result[unit.id] = f"memory {memories.get(unit.memory_id or 0, '')}".strip()
    return result


def _neighbours(session: Session, pair_id: int) -> tuple[str, str] | None:
    pair = session.get(Pair, pair_id)
    if pair is None:
        return None
    rows = dict(
        session.execute(
            select(Pair.position, Pair.ru_text).where(
                Pair.document_id == pair.document_id,
                Pair.position.in_([pair.position - 1, pair.position + 1]),
            )
        ).all()
    )
    return (
        exact_key(rows.get(pair.position - 1, "")),
        exact_key(rows.get(pair.position + 1, "")),
    )


def exact_key(text: str) -> str:
    return " ".join(text.split())


def best_matches(
    session: Session,
    user: User,
    ru_text: str,
    *,
    project_id: int,
    limit: int = 5,
    min_score: int = 50,
    pair_id: int | None = None,
) -> list[TMMatch]:
    """The best memory matches for ``ru_text``, best first.

    ``pair_id`` is the pair being edited: it is never its own match, and a 100% match whose
    neighbours equal that pair's neighbours scores 101 (a context match).
    """
    if not ru_text.strip():
        return []
    projects = memory_projects(session, user, project_id)
    query = analyse(ru_text)
    ids = _candidate_ids(session, query, projects)
    if not ids:
        return []
    # One read of everything a match shows: plain rows, no ORM objects to build.
    rows = session.execute(
        select(
            TMUnit.id,
            TMUnit.ru,
            TMUnit.en,
            TMUnit.lemmas,
            TMUnit.pair_id,
            TMUnit.memory_id,
            TMUnit.changed_at,
            TMUnit.author,
        ).where(TMUnit.id.in_(ids), TMUnit.project_id.in_(projects))
    ).all()
    if len(rows) < len(ids):
        _mark_stale(session)  # the index proposed units that were deleted since
    scored = []
    for row in rows:
        if pair_id is not None and row.pair_id == pair_id:
            continue
        value = score_stored(query, row.ru, row.lemmas.split())
        if value >= min_score:
            scored.append((value, row.changed_at, row))
    # Best score first; among equals, the most recent translation.
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    ordered = [row for _, _, row in scored[: limit * 2]]
    origins = _origins(session, ordered)
    context = _neighbours(session, pair_id) if pair_id is not None else None
    matches: list[TMMatch] = []
    seen: set[tuple[str, str]] = set()
    for unit in ordered:
        if (unit.ru, unit.en) in seen:  # the same translation from two places: show it once
            continue
        if len(matches) >= limit and (context is None or matches[-1].score < 100):
            break
        seen.add((unit.ru, unit.en))
        candidate = analyse_stored(unit.ru, unit.lemmas)
        diff = diff_spans(query, candidate)
        en, notes = substitute_numbers(query, candidate, unit.en)
        value = diff.score
        if (
            value == 100
            and context is not None
            and unit.pair_id is not None
            and _neighbours(session, unit.pair_id) == context
        ):
            value = CONTEXT_SCORE
        matches.append(
            TMMatch(
                score=value,
                ru=unit.ru,
                en=en,
                origin=origins[unit.id],
                date=unit.changed_at,
                spans=diff.spans,
                missing=diff.missing,
                notes=tuple(notes),
                unit_id=unit.id,
                pair_id=unit.pair_id,
                memory_id=unit.memory_id,
                author=unit.author,
            )
        )
    matches.sort(key=lambda m: (m.score, m.date or utcnow()), reverse=True)
    return matches[:limit]


# -- pre-filling empty translations ----------------------------------------------------------


@dataclass(frozen=True)
class PrefillResult:
    filled: int
    operation_id: int | None


def prefill(session: Session, user: User, document_id: int, min_score: int = 100) -> PrefillResult:
    """Fill every empty English side of the document from an exact (100) or context (101)
    match, as one undoable operation of the review history (one Ctrl+Z takes it all back).
    Pairs with a translation are never touched."""
    if min_score < 100:
        raise ServiceError("Only exact (100%) and context (101%) matches may fill translations.")
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No such document.")
    require(session, user, document.project_id, Action.EDIT)
    pairs = session.scalars(
        select(Pair).where(Pair.document_id == document_id).order_by(Pair.position)
    ).all()
    fills: list[tuple[Pair, str]] = []
    for pair in pairs:
        if pair.en_text.strip() or not pair.ru_text.strip():
            continue
        found = best_matches(
            session,
            user,
            pair.ru_text,
            project_id=document.project_id,
            limit=1,
            min_score=100,
            pair_id=pair.id,
        )
        if found and found[0].score >= min_score:
            fills.append((pair, found[0].en))
    if not fills:
        return PrefillResult(0, None)
    from app.services.replace import replace_texts

    op = replace_texts(session, user, document, {p.id: en for p, en in fills}, "en", kind="prefill")
    return PrefillResult(len(fills), op.id)


__all__ = [
    "CONTEXT_SCORE",
    "MEMORY_STATUSES",
    "PrefillResult",
    "TMMatch",
    "best_matches",
    "delete_memory",
    "import_memory",
    "memory_projects",
    "prefill",
    "sync_project_memory",
]
