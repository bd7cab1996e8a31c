"""The review workspace: reading, editing and correcting the alignment of a document's pairs.

Every function checks permissions, only flushes (the request commits), and every change is one
:class:`~app.models.Operation` that :func:`undo` and :func:`redo` can reverse, with
:class:`~app.models.Revision` rows for the pair history.

Decisions a translator will notice:

* Saving with a stale ``expected_version`` raises :class:`Conflict` carrying the pair as it is
  now; nothing is ever overwritten silently.
* An alignment fix made by a person (merge, split, move, separating a side) locks the pairs it
  produced, so :func:`realign_from` keeps them; an ``auto`` pair becomes ``confirmed``. A pair
  whose text changed after review or approval goes back to ``translated``: it needs reviewing
  again.
* :func:`delete_pair` removes the pair *and its text* from the document (page numbers, running
  headers, conversion junk). To keep the text with a neighbour, merge instead. Undo brings a
  deleted pair back, comments included. A pair left with no text on either side by a move is
  removed the same way.
* Undo and redo are per person within a document: Ctrl+Z takes back *your* last change, not a
  colleague's; when someone changed the same pairs since, undo refuses instead of overwriting.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    and_,
    event,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Comment,
    Document,
    Job,
    Operation,
    Pair,
    PairStatus,
    QAIssue,
    Revision,
    Segment,
    User,
)
from app.services.decoding import normalise_text
from app.services.errors import Conflict, NotFound, PermissionDenied, ServiceError
from app.services.permissions import Action, can, require
from app.services.review_history import (
    PairSnapshot,
    apply_change,
    comment_ids_by_pair,
    load_pairs,
    new_snapshot,
    same_content,
    snapshot,
)
from glossary.checks import ALL_CHECKS

Side = Literal["ru", "en"]

#: Below this aligner confidence an unconfirmed pair is worth a look.
LOW_CONFIDENCE = 0.5
MAX_PAGE = 500
# Checks whose findings are advice (severity "info": spelling), not QA flags.
ADVISORY_CHECKS: tuple[str, ...] = tuple(
    sorted(c.check_id for c in ALL_CHECKS if c.severity == "info")
)
MAX_PATTERN = 300
#: How long a regular-expression search may run before it is stopped, in seconds.
REGEX_BUDGET = 2.0

REVIEW_STATUSES = frozenset({PairStatus.REVIEWED, PairStatus.APPROVED, PairStatus.REJECTED})
_RANK = {
    PairStatus.AUTO: 0,
    PairStatus.CONFIRMED: 1,
    PairStatus.TRANSLATED: 2,
    PairStatus.REVIEWED: 3,
    PairStatus.APPROVED: 4,
}

STATUS_LABELS = {
    PairStatus.AUTO: "Auto-aligned",
    PairStatus.CONFIRMED: "Alignment confirmed",
    PairStatus.TRANSLATED: "Translated / edited",
    PairStatus.REVIEWED: "Reviewed",
    PairStatus.APPROVED: "Approved",
    PairStatus.REJECTED: "Rejected",
}


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class PairView:
    """What the review page shows of one pair."""

    id: int
    document_id: int
    position: int
    ru_text: str
    en_text: str
    ru_segments: tuple[str, ...]
    en_segments: tuple[str, ...]
    status: str
    confidence: float
    locked: bool
    version: int
    #: QA findings that need a look (warnings and errors): the "QA flags" filter finds them.
    flags: tuple[str, ...] = ()
    open_comments: int = 0
    updated_at: datetime | None = None
    #: Advisory findings (spelling): shown with the pair, not counted as QA flags.
    notes: tuple[str, ...] = ()
    #: Per segment: whether it starts a new paragraph of its side (never the first one).
    ru_breaks: tuple[bool, ...] = ()
    en_breaks: tuple[bool, ...] = ()

    @property
    def number(self) -> int:
        """The pair number translators see (1-based)."""
        return self.position + 1

    @property
    def kind(self) -> str:
        return f"{len(self.ru_segments)}-{len(self.en_segments)}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        data["number"] = self.number
        return data


@dataclass(frozen=True, slots=True)
class PairPage:
    pairs: list[PairView]
    total: int  # pairs matching the filters
    offset: int
    limit: int
    document_total: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True, slots=True)
class ProgressSummary:
    total: int
    counts: dict[str, int]
    words_ru: int
    words_en: int

    @property
    def done(self) -> int:
        return self.counts.get(PairStatus.APPROVED.value, 0)

    def percent(self, status: str) -> float:
        return 100.0 * self.counts.get(status, 0) / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class MapEntry:
    """One pair of the alignment map: which source and target sentences it joins."""

    position: int
    ru_start: int
    ru_end: int  # exclusive
    en_start: int
    en_end: int
    confidence: float
    status: str
    locked: bool
    flags: int


@dataclass(frozen=True, slots=True)
class AlignmentMap:
    entries: list[MapEntry]
    ru_total: int
    en_total: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    when: datetime
    who: str
    action: str
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class CommentView:
    id: int
    pair_id: int
    author: str
    body: str
    resolved: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UndoResult:
    kind: str
    pairs: list[PairView] = field(default_factory=list)
    first_position: int = 0


# --------------------------------------------------------------------------- loading


def _can(session: Session, user: User | None, project_id: int, action: Action) -> bool:
    # Memoised per session (one request): a page asks the same question many times.
    memo: dict[tuple[int | None, int, Action], bool] = session.info.setdefault("sverka_can", {})
    key = (user.id if user is not None else None, project_id, action)
    if key not in memo:
        memo[key] = can(session, user, project_id, action)
    return memo[key]


def _require(session: Session, user: User | None, project_id: int, action: Action) -> None:
    if not _can(session, user, project_id, action):
        require(session, user, project_id, action)  # raises with the right message


TOUCH_EVERY_S = 10.0


def _touch(session: Session, doc: Document) -> None:
    """Mark the document as changed now, at most once every ``TOUCH_EVERY_S`` seconds.

    A plain, conditional UPDATE: the document's version guards its own fields, and fifty
    people saving pairs of one document must not queue behind its row. Within the window the
    statement matches nothing and locks nothing; "last changed" is at most that much behind.
    """
    now = _now()
    session.execute(
        update(Document)
        .where(
            Document.id == doc.id,
            Document.updated_at < now - timedelta(seconds=TOUCH_EVERY_S),
        )
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


_SQLITE_LOCKS: dict[tuple[str, int], threading.Lock] = {}
_SQLITE_LOCKS_GUARD = threading.Lock()
LOCK_WAIT_S = 30.0
# The first key of the documents' advisory locks on PostgreSQL ("sv"), the second is the id.
_ADVISORY_NAMESPACE = 0x7376


def _lock(session: Session, document_id: int) -> bool:
    """Changes to the shape of one document take turns until the request commits: two merges
    far apart both renumber the pairs after them, and interleaved they would leave gaps or
    twins. (Edits of one pair's text do not take it: the pair's version guards them.)

    PostgreSQL: a transaction-scoped advisory lock on the document, which no row update
    waits for. SQLite (one server process): a lock per document in this process, released
    when the session's transaction ends; the caller reads the pairs again once it holds it.
    Returns True (always locked)."""
    if not _sqlite(session):
        session.execute(select(func.pg_advisory_xact_lock(_ADVISORY_NAMESPACE, document_id)))
        return True
    key = (str(session.get_bind().engine.url), document_id)
    held: set[tuple[str, int]] = session.info.setdefault("sverka_locks", set())
    if key in held:
        return True
    with _SQLITE_LOCKS_GUARD:
        lock = _SQLITE_LOCKS.setdefault(key, threading.Lock())
    if not lock.acquire(timeout=LOCK_WAIT_S):
        raise Conflict(
            "Another change to this document is still being saved. Try again in a moment."
        )
    held.add(key)
    if not session.info.get("sverka_lock_listener"):
        session.info["sverka_lock_listener"] = True
        event.listen(session, "after_transaction_end", _release_locks)
    return True


def _release_locks(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return
    held: set[tuple[str, int]] = session.info.get("sverka_locks", set())
    while held:
        key = held.pop()
        lock = _SQLITE_LOCKS.get(key)
        if lock is not None and lock.locked():
            lock.release()


def _document(session: Session, user: User | None, document_id: int, action: Action) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    # The session holds its objects weakly: keep the document for the request, so that the
    # next look-up (a page makes several) finds it without a query.
    session.info.setdefault("sverka_documents", {})[doc.id] = doc
    _require(session, user, doc.project_id, action)
    if action is Action.EDIT:
        _lock(session, doc.id)
    return doc


_GONE = "This pair no longer exists: it may have been merged or deleted. Reload."


def _load_pair(session: Session, pair_id: int, *, fresh: bool = False) -> Pair | None:
    """The pair with its segments; ``fresh``: read afresh and locked for this transaction
    (PostgreSQL), for a change: a concurrent change of the same pair waits for this one."""
    query = select(Pair).where(Pair.id == pair_id).options(selectinload(Pair.segments))
    if fresh:
        query = query.with_for_update(of=Pair).execution_options(populate_existing=True)
    return session.scalar(query)


def _pair(
    session: Session, user: User | None, pair_id: int, action: Action, *, shape: bool = True
) -> tuple[Document, Pair]:
    """The pair and its document, for ``action``.

    A pair never changes document: find it, take the document's lock, then read the pair, so
    that a change sees what the previous one committed. ``shape=False`` is for changes to the
    pair's own fields only (text, status): its version guards them (two saves of one pair
    give one success and one :class:`Conflict`), so on PostgreSQL they skip the document's
    lock and saves in different pairs of one document never queue behind each other or
    behind a merge elsewhere. SQLite writes one at a time anyway: there it is always taken.
    """
    document_id = session.scalar(select(Pair.document_id).where(Pair.id == pair_id))
    if document_id is None:
        raise NotFound(_GONE)
    doc = session.get(Document, document_id)
    assert doc is not None
    _require(session, user, doc.project_id, action)
    editing = action is Action.EDIT
    if editing and (shape or _sqlite(session)):
        _lock(session, doc.id)
    pair = _load_pair(session, pair_id, fresh=editing)
    if pair is None:
        raise NotFound(_GONE)
    return doc, pair


def _neighbour(session: Session, pair: Pair, step: int) -> Pair | None:
    """The pair before (-1) or after (+1), read afresh and locked, as the change it is for
    will rewrite it (see :func:`_load_pair`)."""
    return session.scalar(
        select(Pair)
        .where(Pair.document_id == pair.document_id, Pair.position == pair.position + step)
        .options(selectinload(Pair.segments))
        .with_for_update(of=Pair)
        .execution_options(populate_existing=True)
    )


# What a list of pairs reads: plain rows, not ORM objects (a page of 50 pairs and their 100
# segments loads in half the time), for :func:`_views` with ``segments`` from :func:`_segments`.
_LIST_COLUMNS = (
    Pair.id,
    Pair.document_id,
    Pair.position,
    Pair.ru_text,
    Pair.en_text,
    Pair.status,
    Pair.confidence,
    Pair.locked,
    Pair.version,
    Pair.updated_at,
)


def _segments(session: Session, ids: Sequence[int]) -> dict[int, list[Any]]:
    """The segments of the pairs ``ids``, per pair, in order (rows with side, text,
    paragraph)."""
    out: dict[int, list[Any]] = {pid: [] for pid in ids}
    if ids:
        for row in session.execute(
            select(Segment.pair_id, Segment.side, Segment.paragraph, Segment.text)
            .where(Segment.pair_id.in_(list(ids)))
            .order_by(Segment.pair_id, Segment.side, Segment.position)
        ):
            out[row.pair_id].append(row)
    return out


def _views(
    session: Session, pairs: Sequence[Any], segments: dict[int, list[Any]] | None = None
) -> list[PairView]:
    """Pairs as the page shows them: ORM pairs (with their segments loaded), or rows of
    :data:`_LIST_COLUMNS` with ``segments`` from :func:`_segments`."""
    ids = [p.id for p in pairs]
    flags: dict[int, list[str]] = {pid: [] for pid in ids}
    notes: dict[int, list[str]] = {pid: [] for pid in ids}
    comments: Counter[int] = Counter()
    if ids:
        for pid, message, check in session.execute(
            select(QAIssue.pair_id, QAIssue.message, QAIssue.check_id).where(
                QAIssue.pair_id.in_(ids), QAIssue.dismissed.is_(False)
            )
        ):
            (notes if check in ADVISORY_CHECKS else flags)[pid].append(message or check)
        for pid, n in session.execute(
            select(Comment.pair_id, func.count())
            .where(Comment.pair_id.in_(ids), Comment.resolved.is_(False))
            .group_by(Comment.pair_id)
        ):
            comments[pid] = n
    out = []
    for p in pairs:
        if segments is None:
            segs = sorted(p.segments, key=lambda s: (s.side, s.position))
        else:
            segs = segments[p.id]
        out.append(
            PairView(
                id=p.id,
                document_id=p.document_id,
                position=p.position,
                ru_text=p.ru_text,
                en_text=p.en_text,
                ru_segments=tuple(s.text for s in segs if s.side == "ru"),
                en_segments=tuple(s.text for s in segs if s.side == "en"),
                status=PairStatus(p.status).value,
                confidence=float(p.confidence or 0.0),
                locked=bool(p.locked),
                version=p.version,
                flags=tuple(flags.get(p.id, ())),
                notes=tuple(notes.get(p.id, ())),
                open_comments=comments.get(p.id, 0),
                updated_at=p.updated_at,
                ru_breaks=_breaks([s for s in segs if s.side == "ru"]),
                en_breaks=_breaks([s for s in segs if s.side == "en"]),
            )
        )
    return out


def _breaks(segments: Sequence[Any]) -> tuple[bool, ...]:
    return tuple(
        i > 0 and seg.paragraph != segments[i - 1].paragraph for i, seg in enumerate(segments)
    )


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """The head of the review page: what the document is and what the user may do."""

    id: int
    title: str
    state: str
    project_id: int
    project_name: str
    may_edit: bool
    may_review: bool
    can_undo: bool
    can_redo: bool


def document_info(
    session: Session, user: User | None, document_id: int, *, with_undo: bool = True
) -> DocumentInfo:
    """The document's title, project and the user's rights on it."""
    doc = _document(session, user, document_id, Action.VIEW)
    undo_, redo_ = can_undo(session, user, document_id) if with_undo else (False, False)
    return DocumentInfo(
        id=doc.id,
        title=doc.title,
        state=str(doc.state.value if hasattr(doc.state, "value") else doc.state),
        project_id=doc.project_id,
        # A row refreshed after a save needs neither the project's name nor undo state.
        project_name=doc.project.name if with_undo else "",
        may_edit=_can(session, user, doc.project_id, Action.EDIT),
        may_review=_can(session, user, doc.project_id, Action.REVIEW),
        can_undo=undo_,
        can_redo=redo_,
    )


def document_of_pair(session: Session, user: User | None, pair_id: int) -> int:
    """The id of the document the pair belongs to (if the user may see it)."""
    document_id = session.scalar(select(Pair.document_id).where(Pair.id == pair_id))
    if document_id is None:
        raise NotFound(_GONE)
    return _document(session, user, document_id, Action.VIEW).id


def pair_view(session: Session, user: User | None, pair_id: int) -> PairView:
    """One pair as the page shows it."""
    _, pair = _pair(session, user, pair_id, Action.VIEW)
    return _views(session, [pair])[0]


def _fresh_views(session: Session, pairs: Sequence[Pair]) -> list[PairView]:
    # Positions were expired by the change (they moved without a version bump).
    return _views(session, pairs)


def _check_version(session: Session, pair: Pair, expected_version: int | None) -> None:
    if expected_version is not None and pair.version != expected_version:
        current = _views(session, [pair])[0]
        raise Conflict(
            f"Pair {pair.position + 1} was changed by someone else while you were working on "
            "it. Compare both versions and save again if yours should win.",
            current=current,
        )


# --------------------------------------------------------------------------- search


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _compile_pattern(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN:
        raise ServiceError(f"The search pattern is too long (at most {MAX_PATTERN} characters).")
    # Nested repetition such as (a+)+ or (\w*)* can take exponential time on a near miss.
    if re.search(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)", pattern):
        raise ServiceError(
            "This regular expression repeats a group that itself repeats, e.g. (a+)+; such "
            "patterns can run for hours. Simplify it, e.g. write (a+) or a+ instead."
        )
    if re.search(r"\\[1-9]", pattern):
        raise ServiceError("Back-references (\\1…) are not supported in search.")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ServiceError(f"This is not a valid regular expression: {exc}.") from exc


def _postgres_pattern(pattern: str) -> str:
    # PostgreSQL spells word boundaries \y and \Y; the rest of what translators use matches.
    return re.sub(
        r"(?<!\\)((?:\\\\)*)\\([bB])",
        lambda m: m.group(1) + ("\\y" if m.group(2) == "b" else "\\Y"),
        pattern,
    )


def _install_sqlite_functions(session: Session, deadline: float) -> None:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cache: dict[str, re.Pattern[str]] = {}

    def regexp(pattern: str, value: str | None) -> int:
        if time.monotonic() > deadline:
            raise TimeoutError("regex search took too long")
        compiled = cache.get(pattern)
        if compiled is None:
            compiled = cache[pattern] = re.compile(pattern, re.IGNORECASE)
        return 1 if value is not None and compiled.search(value) else 0

    def contains(needle: str, value: str | None) -> int:
        return 1 if value is not None and needle in value.casefold() else 0

    raw.create_function("sverka_regexp", 2, regexp, deterministic=True)  # type: ignore[attr-defined]
    raw.create_function("sverka_contains", 2, contains, deterministic=True)  # type: ignore[attr-defined]


def _search_clause(
    session: Session, search: str, regex: bool, side: str | None
) -> ColumnElement[bool]:
    columns = [Pair.ru_text, Pair.en_text]
    if side == "ru":
        columns = [Pair.ru_text]
    elif side == "en":
        columns = [Pair.en_text]
    sqlite = _sqlite(session)
    if regex:
        _compile_pattern(search)
        if sqlite:
            return or_(*[func.sverka_regexp(search, c) == 1 for c in columns])
        return or_(*[c.op("~*")(_postgres_pattern(search)) for c in columns])
    if sqlite:
        needle = search.casefold()
        return or_(*[func.sverka_contains(needle, c) == 1 for c in columns])
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*[c.ilike(f"%{escaped}%", escape="\\") for c in columns])


def _filters(
    session: Session,
    document_id: int,
    *,
    status: str | Sequence[str] | None,
    low_confidence: bool | float | None,
    flagged: bool | None,
    search: str | None,
    regex: bool,
    side: str | None,
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Pair.document_id == document_id]
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        try:
            clauses.append(Pair.status.in_([PairStatus(s) for s in statuses]))
        except ValueError as exc:
            raise ServiceError(f"Unknown status filter: {', '.join(statuses)}.") from exc
    if low_confidence:
        threshold = LOW_CONFIDENCE if low_confidence is True else float(low_confidence)
        clauses.append(and_(Pair.confidence < threshold, Pair.locked.is_(False)))
    if flagged:
        clauses.append(
            exists().where(
                QAIssue.pair_id == Pair.id,
                QAIssue.dismissed.is_(False),
                QAIssue.check_id.not_in(ADVISORY_CHECKS),
            )
        )
    if side not in (None, "", "ru", "en"):
        raise ServiceError("Search either the Russian side, the English side, or both.")
    if search:
        clauses.append(_search_clause(session, search, regex, side or None))
    return clauses


def _run_search(session: Session, regex: bool, fn: Callable[[], Any]) -> Any:
    """Run a query that may contain a regex, within :data:`REGEX_BUDGET`."""
    if not regex:
        return fn()
    message = (
        "The regular expression took too long on this document. Make it more specific "
        "(anchor it, or avoid patterns like .*.* that try every combination)."
    )
    if _sqlite(session):
        _install_sqlite_functions(session, time.monotonic() + REGEX_BUDGET)
        try:
            return fn()
        except DBAPIError as exc:
            raise ServiceError(message) from exc
    nested = session.begin_nested()
    try:
        before = session.scalar(text("SELECT current_setting('statement_timeout')"))
        session.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"),
            {"ms": str(int(REGEX_BUDGET * 1000))},
        )
        result = fn()
        session.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(before)}
        )
        nested.commit()
        return result
    except DBAPIError as exc:
        nested.rollback()
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise ServiceError(message) from exc
        raise ServiceError(f"This regular expression cannot be used: {exc.orig}") from exc


def list_pairs(
    session: Session,
    user: User | None,
    document_id: int,
    *,
    offset: int = 0,
    limit: int = 100,
    status: str | Sequence[str] | None = None,
    low_confidence: bool | float | None = None,
    flagged: bool | None = None,
    search: str | None = None,
    regex: bool = False,
    side: str | None = None,
) -> PairPage:
    """One page of a document's pairs in order, filtered; ``total`` counts all matches."""
    _document(session, user, document_id, Action.VIEW)
    if search:
        # Stored texts have no NUL or bidi controls (and PostgreSQL refuses NUL in a query).
        search = normalise_text(search)
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    if _sqlite(session) and search and not regex:
        _install_sqlite_functions(session, time.monotonic() + REGEX_BUDGET)
    clauses = _filters(
        session,
        document_id,
        status=status,
        low_confidence=low_confidence,
        flagged=flagged,
        search=search,
        regex=regex,
        side=side,
    )
    filtered = len(clauses) > 1

    def query() -> tuple[int, list[Any]]:
        total = session.scalar(select(func.count()).select_from(Pair).where(*clauses)) or 0
        rows = session.execute(
            select(*_LIST_COLUMNS)
            .where(*clauses)
            .order_by(Pair.position)
            .offset(offset)
            .limit(limit)
        ).all()
        return total, list(rows)

    total, rows = _run_search(session, regex, query)
    document_total = total
    if filtered:
        document_total = (
            session.scalar(
                select(func.count()).select_from(Pair).where(Pair.document_id == document_id)
            )
            or 0
        )
    segments = _segments(session, [r.id for r in rows])
    return PairPage(_views(session, rows, segments), total, offset, limit, document_total)


def jump_to(
    session: Session, user: User | None, document_id: int, number: int, *, limit: int = 100
) -> int:
    """The page offset that shows pair ``number`` (1-based, as translators count)."""
    _document(session, user, document_id, Action.VIEW)
    total = session.scalar(select(func.count()).where(Pair.document_id == document_id)) or 0
    if total == 0:
        raise ServiceError("This document has no pairs yet.")
    if number < 1 or number > total:
        raise ServiceError(f"There is no pair {number}: this document has pairs 1 to {total}.")
    limit = max(1, min(int(limit), MAX_PAGE))
    return ((number - 1) // limit) * limit


def next_open(
    session: Session, user: User | None, document_id: int, after_position: int
) -> int | None:
    """The position of the next pair (after ``after_position``) nobody has confirmed yet.

    Computed on the server so it works past the loaded page and wraps to the start.
    """
    _document(session, user, document_id, Action.VIEW)
    base = select(Pair.position).where(
        Pair.document_id == document_id, Pair.status == PairStatus.AUTO
    )
    pos = session.scalar(
        base.where(Pair.position > after_position).order_by(Pair.position).limit(1)
    )
    if pos is None:
        pos = session.scalar(base.order_by(Pair.position).limit(1))
    return pos


def progress_summary(
    session: Session, user: User | None, document_id: int, *, words: bool = True
) -> ProgressSummary:
    """How many pairs are in each status, and (unless ``words=False``, which a refresh after
    each save uses, being cheaper) the words on each side."""
    _document(session, user, document_id, Action.VIEW)
    counts = {s.value: 0 for s in PairStatus}
    total = words_ru = words_en = 0
    columns: list[Any] = [Pair.status, func.count()]
    if words:  # in the same pass over the document's pairs (counted when the text was saved)
        columns += [func.sum(Pair.ru_words), func.sum(Pair.en_words)]
    for row in session.execute(
        select(*columns).where(Pair.document_id == document_id).group_by(Pair.status)
    ):
        counts[PairStatus(row[0]).value] = row[1]
        total += row[1]
        if words:
            words_ru += int(row[2] or 0)
            words_en += int(row[3] or 0)
    return ProgressSummary(total, counts, words_ru, words_en)


def alignment_map(session: Session, user: User | None, document_id: int) -> AlignmentMap:
    """Per pair: which sentence ranges it joins, with confidence, status and QA flags."""
    _document(session, user, document_id, Action.VIEW)
    sizes: dict[tuple[int, str], int] = {}
    for pid, side, n in session.execute(
        select(Segment.pair_id, Segment.side, func.count())
        .where(Segment.document_id == document_id)
        .group_by(Segment.pair_id, Segment.side)
    ):
        sizes[(pid, side)] = n
    flags: Counter[int] = Counter()
    for pid, n in session.execute(
        select(QAIssue.pair_id, func.count())
        .where(
            QAIssue.document_id == document_id,
            QAIssue.dismissed.is_(False),
            QAIssue.check_id.not_in(ADVISORY_CHECKS),
        )
        .group_by(QAIssue.pair_id)
    ):
        flags[pid] = n
    entries: list[MapEntry] = []
    ru = en = 0
    for pid, position, confidence, status, locked in session.execute(
        select(Pair.id, Pair.position, Pair.confidence, Pair.status, Pair.locked)
        .where(Pair.document_id == document_id)
        .order_by(Pair.position)
    ):
        n_ru, n_en = sizes.get((pid, "ru"), 0), sizes.get((pid, "en"), 0)
        entries.append(
            MapEntry(
                position,
                ru,
                ru + n_ru,
                en,
                en + n_en,
                float(confidence or 0.0),
                PairStatus(status).value,
                bool(locked),
                flags.get(pid, 0),
            )
        )
        ru += n_ru
        en += n_en
    return AlignmentMap(entries, ru, en)


# --------------------------------------------------------------------------- after a change

#: Called with ``(session, document_id, pair_ids)`` after every change to pairs, inside the
#: same transaction (e.g. QA checks re-run on the changed pairs). Register with
#: :func:`on_pairs_changed`.
_LISTENERS: list[Callable[[Session, int, list[int]], None]] = []


def on_pairs_changed(listener: Callable[[Session, int, list[int]], None]) -> None:
    """Run ``listener(session, document_id, pair_ids)`` after each saved change (idempotent)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def _changed(session: Session, document_id: int, pairs: Sequence[Pair]) -> None:
    if _LISTENERS and pairs:
        ids = [p.id for p in pairs]
        for listener in list(_LISTENERS):
            listener(session, document_id, ids)


# --------------------------------------------------------------------------- editing


def _segments_of(pair: Pair, side: str) -> list[list[Any]]:
    return [
        [s.paragraph, s.text]
        for s in sorted(pair.segments, key=lambda s: s.position)
        if s.side == side
    ]


def _resegment(text_: str, lang: str, base_paragraph: int) -> list[list[Any]]:
    from alignment.segment import segment_text

    return [[base_paragraph + s.paragraph, s.text] for s in segment_text(text_, lang)]  # type: ignore[arg-type]


def _base_paragraph(pair: Pair, side: str) -> int:
    segs = _segments_of(pair, side)
    return int(segs[0][0]) if segs else int(getattr(pair, f"{side}_paragraph"))


def _status_after_fix(statuses: Sequence[PairStatus | str], changed: bool = True) -> PairStatus:
    """The status of a pair a person re-aligned: at least confirmed, but no longer approved."""
    values = [PairStatus(s) for s in statuses]
    if PairStatus.REJECTED in values:
        return PairStatus.REJECTED
    lowest = min(values, key=lambda s: _RANK[s]) if values else PairStatus.AUTO
    if lowest is PairStatus.AUTO:
        return PairStatus.CONFIRMED
    if changed and lowest in (PairStatus.REVIEWED, PairStatus.APPROVED):
        return PairStatus.TRANSLATED
    return lowest


def _status_of_receiver(status: PairStatus | str) -> PairStatus:
    """A neighbour that gained or lost a sentence needs review again if it was reviewed."""
    value = PairStatus(status)
    if value in (PairStatus.REVIEWED, PairStatus.APPROVED):
        return PairStatus.TRANSLATED
    return value


def _snap(session: Session, pair: Pair, *, comments: bool = True) -> PairSnapshot:
    # Without comments the change leaves the thread where it is (edits, statuses).
    ids = comment_ids_by_pair(session, [pair.id])[pair.id] if comments else []
    return snapshot(pair, ids)


def _with_segments(
    snap: PairSnapshot,
    side: str,
    segments: list[list[Any]],
    *,
    status: PairStatus | str | None = None,
    locked: bool | None = None,
) -> PairSnapshot:
    segs = dict(snap["segments"])
    segs[side] = [list(s) for s in segments]
    return new_snapshot(
        segs["ru"],
        segs["en"],
        status=snap["status"] if status is None else status,
        confidence=snap["confidence"],
        locked=snap["locked"] if locked is None else locked,
        ru_paragraph=snap["ru_paragraph"],
        en_paragraph=snap["en_paragraph"],
        pair_id=snap["id"],
        comments=snap["comments"],
    )


def _side(side: str) -> Side:
    if side not in ("ru", "en"):
        raise ServiceError("Choose the Russian (ru) or the English (en) side.")
    return side  # type: ignore[return-value]


def _change(
    session: Session,
    user: User | None,
    doc: Document,
    kind: str,
    current: Sequence[Pair],
    target: Sequence[PairSnapshot],
) -> list[PairView]:
    start = min(p.position for p in current)
    result, _ = apply_change(session, doc, user, kind, current, target, start=start)
    _changed(session, doc.id, result)
    _touch(session, doc)
    return _fresh_views(session, result)


def _now() -> datetime:
    from app.models import utcnow

    return utcnow()


def edit_text(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    text_: str,
    expected_version: int | None,
) -> PairView:
    """Save a new text for one side of a pair: re-segmented into sentences, status
    ``translated``, version + 1, history and undo recorded. A stale version raises
    :class:`Conflict` with the pair as it is now."""
    side = _side(side)
    doc, pair = _pair(session, user, pair_id, Action.EDIT, shape=False)
    _check_version(session, pair, expected_version)
    # NUL, control and bidi-override characters removed, as on import (they could make a
    # text display as something it is not, and PostgreSQL refuses NUL).
    new = normalise_text(text_).strip()
    if new == getattr(pair, f"{side}_text"):
        return _views(session, [pair])[0]
    segments = _resegment(new, side, _base_paragraph(pair, side))
    snap = _snap(session, pair, comments=False)
    status = PairStatus(pair.status)
    if status is not PairStatus.REJECTED:
        status = PairStatus.TRANSLATED
    target = _with_segments(snap, side, segments, status=status, locked=True)
    return _change(session, user, doc, "edit", [pair], [target])[0]


def merge_with_next(
    session: Session,
    user: User | None,
    pair_id: int,
    expected_version: int | None = None,
    next_version: int | None = None,
) -> PairView:
    """Join the pair with the one after it (both sides), as one confirmed pair."""
    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    nxt = _neighbour(session, pair, +1)
    if nxt is None:
        raise ServiceError("This is the last pair: there is no next pair to merge with.")
    _check_version(session, nxt, next_version)
    a, b = _snap(session, pair), _snap(session, nxt)
    merged = new_snapshot(
        a["segments"]["ru"] + b["segments"]["ru"],
        a["segments"]["en"] + b["segments"]["en"],
        status=_status_after_fix([pair.status, nxt.status]),
        confidence=min(a["confidence"], b["confidence"]),
        locked=True,
        ru_paragraph=a["ru_paragraph"],
        en_paragraph=a["en_paragraph"],
        pair_id=pair.id,
        comments=a["comments"] + b["comments"],
    )
    return _change(session, user, doc, "merge", [pair, nxt], [merged])[0]


def split_pair(
    session: Session,
    user: User | None,
    pair_id: int,
    ru_after: int,
    en_after: int,
    expected_version: int | None = None,
) -> list[PairView]:
    """Split between sentences: the first ``ru_after`` Russian and ``en_after`` English
    sentences stay, the rest become a new pair right after."""
    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    ru, en = _segments_of(pair, "ru"), _segments_of(pair, "en")
    if not (0 <= ru_after <= len(ru) and 0 <= en_after <= len(en)):
        raise ServiceError(
            f"Pair {pair.position + 1} has {len(ru)} Russian and {len(en)} English sentences; "
            "choose a split point between them."
        )
    first = (ru[:ru_after], en[:en_after])
    second = (ru[ru_after:], en[en_after:])
    if not (first[0] or first[1]) or not (second[0] or second[1]):
        raise ServiceError("Both halves of a split need at least one sentence.")
    return _split(session, user, doc, pair, first, second, "split")


def _split(
    session: Session,
    user: User | None,
    doc: Document,
    pair: Pair,
    first: tuple[list[list[Any]], list[list[Any]]],
    second: tuple[list[list[Any]], list[list[Any]]],
    kind: str,
) -> list[PairView]:
    snap = _snap(session, pair)
    status = _status_after_fix([pair.status])
    one = new_snapshot(
        first[0],
        first[1],
        status=status,
        confidence=snap["confidence"],
        locked=True,
        ru_paragraph=snap["ru_paragraph"],
        en_paragraph=snap["en_paragraph"],
        pair_id=pair.id,
        comments=snap["comments"],
    )
    two = new_snapshot(
        second[0],
        second[1],
        status=status,
        confidence=snap["confidence"],
        locked=True,
        ru_paragraph=(second[0][0][0] if second[0] else snap["ru_paragraph"]),
        en_paragraph=(second[1][0][0] if second[1] else snap["en_paragraph"]),
    )
    return _change(session, user, doc, kind, [pair], [one, two])


def split_at_caret(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    offset: int,
    expected_version: int | None = None,
) -> list[PairView]:
    """Split one side's text at a character offset (the caret); the text after it starts a
    new pair. The other side stays in the first pair, so the new pair begins with an empty
    counterpart: move sentences into it, or merge back, as needed."""
    side = _side(side)
    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    full: str = getattr(pair, f"{side}_text")
    if not 0 < offset < len(full) or not full[:offset].strip() or not full[offset:].strip():
        raise ServiceError("Put the caret inside the text, with words before and after it.")
    base = _base_paragraph(pair, side)
    head = _resegment(full[:offset], side, base)
    tail_text = full[offset:]
    # A caret on a paragraph break keeps the second part in the next paragraph.
    tail_base = head[-1][0] + (1 if tail_text.lstrip(" \t").startswith("\n") else 0)
    tail = _resegment(tail_text, side, tail_base)
    other = "en" if side == "ru" else "ru"
    other_segs = _segments_of(pair, other)
    if side == "ru":
        return _split(session, user, doc, pair, (head, other_segs), (tail, []), "split")
    return _split(session, user, doc, pair, (other_segs, head), ([], tail), "split")


def _move(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    step: int,
    expected_version: int | None,
    neighbour_version: int | None,
) -> list[PairView]:
    side = _side(side)
    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    segs = _segments_of(pair, side)
    if not segs:
        raise ServiceError(f"Pair {pair.position + 1} has no sentence on this side to move.")
    other = _neighbour(session, pair, step)
    if other is None and step < 0:
        raise ServiceError("This is the first pair: there is no previous pair to move into.")
    if other is not None:
        _check_version(session, other, neighbour_version)
    snap = _snap(session, pair)
    moved, kept = (segs[:1], segs[1:]) if step < 0 else (segs[-1:], segs[:-1])
    mine = _with_segments(snap, side, kept, status=_status_after_fix([pair.status]), locked=True)
    if other is None:
        # Moving the last sentence of the last pair down creates a pair for it.
        theirs = new_snapshot(
            moved if side == "ru" else [],
            moved if side == "en" else [],
            status=PairStatus.CONFIRMED,
            confidence=snap["confidence"],
            locked=True,
        )
    else:
        osnap = _snap(session, other)
        osegs = osnap["segments"][side]
        theirs = _with_segments(
            osnap,
            side,
            osegs + moved if step < 0 else moved + osegs,
            status=_status_of_receiver(other.status),
        )
    ordered = [theirs, mine] if step < 0 else [mine, theirs]
    current = (
        [p for p in (other, pair) if p is not None]
        if step < 0
        else [p for p in (pair, other) if p is not None]
    )
    target = [t for t in ordered if t["segments"]["ru"] or t["segments"]["en"]]
    return _change(session, user, doc, "move", current, target)


def move_first_to_previous(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    expected_version: int | None = None,
    neighbour_version: int | None = None,
) -> list[PairView]:
    """Move the first sentence of one side to the end of the previous pair."""
    return _move(session, user, pair_id, side, -1, expected_version, neighbour_version)


def move_last_to_next(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    expected_version: int | None = None,
    neighbour_version: int | None = None,
) -> list[PairView]:
    """Move the last sentence of one side to the start of the next pair."""
    return _move(session, user, pair_id, side, +1, expected_version, neighbour_version)


def _separate(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    side_first: bool,
    kind: str,
    expected_version: int | None,
) -> list[PairView]:
    side = _side(side)
    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    other = "en" if side == "ru" else "ru"
    mine, theirs = _segments_of(pair, side), _segments_of(pair, other)
    if not mine or not theirs:
        raise ServiceError(
            f"Pair {pair.position + 1} already has an empty side; nothing to separate."
        )

    def half(segs: list[list[Any]], which: str) -> tuple[list[list[Any]], list[list[Any]]]:
        return (segs, []) if which == "ru" else ([], segs)

    a, b = (half(mine, side), half(theirs, other))
    if not side_first:
        a, b = b, a
    return _split(session, user, doc, pair, a, b, kind)


def insert_empty_counterpart(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    expected_version: int | None = None,
) -> list[PairView]:
    """Mark this side's text as having no translation (a 1-0 or 0-1 pair); the other side's
    text moves to a new pair right after, where it can be merged on."""
    return _separate(session, user, pair_id, side, True, "insert_empty", expected_version)


def detach(
    session: Session,
    user: User | None,
    pair_id: int,
    side: str,
    expected_version: int | None = None,
) -> list[PairView]:
    """Take this side's text out of the pair into a pair of its own right after it; the pair
    keeps only the other side."""
    return _separate(session, user, pair_id, side, False, "detach", expected_version)


def delete_pair(
    session: Session, user: User | None, pair_id: int, expected_version: int | None = None
) -> int:
    """Remove the pair and its text from the document (undo brings it back).

    Comments move to the previous pair (or the next one). Returns the position of the pair
    that now stands where it was, for the page to focus.
    """
    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    position = pair.position
    neighbour = _neighbour(session, pair, -1) or _neighbour(session, pair, +1)
    apply_change(
        session,
        doc,
        user,
        "delete",
        [pair],
        [],
        start=position,
        orphans_to=neighbour.id if neighbour is not None else None,
    )
    _touch(session, doc)
    return position


# --------------------------------------------------------------------------- status


def _require_status(
    session: Session, user: User | None, doc: Document, status: PairStatus, old: PairStatus
) -> None:
    if (status in REVIEW_STATUSES or old in REVIEW_STATUSES) and status != old:
        _require(session, user, doc.project_id, Action.REVIEW)


def set_status(
    session: Session,
    user: User | None,
    pair_id: int,
    status: str,
    expected_version: int | None = None,
    *,
    comment: str | None = None,
) -> PairView:
    """Move a pair through its life: auto → confirmed → translated → reviewed → approved, or
    rejected (which needs a comment saying why). Reviewed, approved and rejected are for
    reviewers and owners; so is taking those statuses back."""
    try:
        new = PairStatus(status)
    except ValueError as exc:
        raise ServiceError(f"Unknown status “{status}”.") from exc
    # A rejection also writes a comment, which takes the document's lock: take it first.
    doc, pair = _pair(session, user, pair_id, Action.EDIT, shape=new is PairStatus.REJECTED)
    _check_version(session, pair, expected_version)
    old = PairStatus(pair.status)
    _require_status(session, user, doc, new, old)
    if new is PairStatus.REJECTED and not (comment or "").strip():
        raise ServiceError("Say why the pair is rejected: a rejection needs a comment.")
    snap = _snap(session, pair, comments=False)
    snap["status"] = new.value
    # Anything past "auto" means a person looked at the alignment: realignment keeps it.
    snap["locked"] = new is not PairStatus.AUTO
    view = _change(session, user, doc, "status", [pair], [snap])[0]
    if comment and comment.strip():
        add_comment(session, user, pair_id, comment)
        view = pair_view(session, user, pair_id)
    return view


def confirm_alignment(
    session: Session, user: User | None, pair_id: int, expected_version: int | None = None
) -> PairView:
    """A person says "this pair is aligned right": it is locked against realignment, and an
    auto-aligned pair becomes confirmed (later statuses are kept)."""
    doc, pair = _pair(session, user, pair_id, Action.EDIT, shape=False)
    _check_version(session, pair, expected_version)
    if pair.locked and PairStatus(pair.status) is not PairStatus.AUTO:
        return _views(session, [pair])[0]
    snap = _snap(session, pair, comments=False)
    snap["locked"] = True
    if PairStatus(pair.status) is PairStatus.AUTO:
        snap["status"] = PairStatus.CONFIRMED.value
    return _change(session, user, doc, "confirm", [pair], [snap])[0]


# --------------------------------------------------------------------------- realign


def realign_from(
    session: Session, user: User | None, pair_id: int, expected_version: int | None = None
) -> list[PairView]:
    """Run the aligner again from this pair to the end, keeping every locked pair exactly as
    it is. Unlocked pairs the aligner reproduces keep their status and comments."""
    from alignment.align import align  # type: ignore[import-not-found,unused-ignore]
    from alignment.types import Bead

    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    current = list(
        session.scalars(
            select(Pair)
            .where(Pair.document_id == doc.id, Pair.position >= pair.position)
            .order_by(Pair.position)
            .options(selectinload(Pair.segments))
            .with_for_update(of=Pair)
            .execution_options(populate_existing=True)
        )
    )
    comments = comment_ids_by_pair(session, [p.id for p in current])
    ru: list[list[Any]] = []
    en: list[list[Any]] = []
    locked: list[Bead] = []
    old_by_bead: dict[tuple[tuple[int, ...], tuple[int, ...]], PairSnapshot] = {}
    for p in current:
        snap = snapshot(p, comments[p.id])
        r = tuple(range(len(ru), len(ru) + len(snap["segments"]["ru"])))
        e = tuple(range(len(en), len(en) + len(snap["segments"]["en"])))
        ru.extend(snap["segments"]["ru"])
        en.extend(snap["segments"]["en"])
        if not r and not e:
            continue
        old_by_bead[(r, e)] = snap
        if p.locked:
            locked.append(Bead(r, e, float(p.confidence or 1.0)))
    beads = align(
        [t for _, t in ru],
        [t for _, t in en],
        ru_paragraphs=[int(p) for p, _ in ru],
        en_paragraphs=[int(p) for p, _ in en],
        locked=locked,
    )
    target: list[PairSnapshot] = []
    used: set[int] = set()
    for bead in beads:
        key = (tuple(bead.ru), tuple(bead.en))
        old = old_by_bead.get(key)
        if not key[0] and not key[1]:
            continue
        if old is not None:
            kept = dict(old)
            if not old["locked"]:
                kept["confidence"] = float(bead.confidence)
            target.append(kept)
            used.add(old["id"])
        else:
            target.append(
                new_snapshot(
                    [ru[i] for i in bead.ru],
                    [en[i] for i in bead.en],
                    status=PairStatus.AUTO,
                    confidence=float(bead.confidence),
                )
            )
    # Comments of pairs the aligner dissolved go to the new pair holding their first sentence.
    owner_ru = {i: n for n, b in enumerate(beads) for i in b.ru}
    owner_en = {i: n for n, b in enumerate(beads) for i in b.en}
    bead_index = {n: i for i, n in enumerate(n for n, b in enumerate(beads) if b.ru or b.en)}
    for (r, e), old in old_by_bead.items():
        if old["id"] in used or not old["comments"]:
            continue
        n = owner_ru.get(r[0]) if r else owner_en.get(e[0])
        if n is not None and n in bead_index:
            target[bead_index[n]]["comments"] = (
                list(target[bead_index[n]]["comments"]) + old["comments"]
            )
    result, _ = apply_change(session, doc, user, "realign", current, target, start=pair.position)
    _changed(session, doc.id, result)
    _touch(session, doc)
    return _fresh_views(session, result[:1])


REALIGN_JOB = "realign"
#: Realigning more pairs than this runs as a background job with a progress bar.
REALIGN_INLINE_LIMIT = 400


def realign_or_enqueue(
    session: Session, user: User | None, pair_id: int, expected_version: int | None = None
) -> list[PairView] | int:
    """Realign from this pair: at once when the rest of the document is short, otherwise as a
    background job (returns its id), so that a long document never times the page out."""
    from app.services import jobs

    doc, pair = _pair(session, user, pair_id, Action.EDIT)
    _check_version(session, pair, expected_version)
    remaining = (
        session.scalar(
            select(func.count()).where(Pair.document_id == doc.id, Pair.position >= pair.position)
        )
        or 0
    )
    if remaining <= REALIGN_INLINE_LIMIT:
        return realign_from(session, user, pair_id, expected_version)
    job = jobs.enqueue(
        session,
        REALIGN_JOB,
        {"pair_id": pair_id, "version": pair.version},
        user_id=user.id if user else None,
        project_id=doc.project_id,
        document_id=doc.id,
        message=f"Waiting to realign pairs {pair.position + 1}–{pair.position + remaining}…",
    )
    return job.id


def _run_realign_job(job_id: int, payload: dict[str, Any], report: Callable[..., None]) -> Any:
    from app.services import jobs

    with jobs.job_session() as session:
        job_user_id = session.scalar(select(Job.user_id).where(Job.id == job_id))
        user = session.get(User, job_user_id) if job_user_id is not None else None
        report(0.05, "Aligning the sentences again…")
        views = realign_from(session, user, int(payload["pair_id"]), payload.get("version"))
        report(0.95, "Saving the new pairs…")
        first = views[0] if views else None
        if first is None:
            return {}
        return {
            "redirect": f"/documents/{first.document_id}?n={first.number}",
            "pairs": first.number,
        }


def register_jobs() -> None:
    """Make the realign job known to the job worker (idempotent)."""
    from app.services import jobs

    jobs.register_handler(REALIGN_JOB, _run_realign_job)


# --------------------------------------------------------------------------- undo / redo


def _latest(
    session: Session, user: User | None, document_id: int, undone: bool
) -> Operation | None:
    order = Operation.id.asc() if undone else Operation.id.desc()
    return session.scalar(
        select(Operation)
        .where(
            Operation.document_id == document_id,
            Operation.user_id == (user.id if user else None),
            Operation.undone.is_(undone),
        )
        .order_by(order)
        .limit(1)
    )


def _replay(
    session: Session,
    user: User | None,
    doc: Document,
    op: Operation,
    frm: dict[str, Any],
    to: dict[str, Any],
    action: str,
) -> tuple[list[Pair], dict[str, Any]]:
    statuses = {PairStatus(s["status"]) for s in frm["pairs"] + to["pairs"]}
    before_status = {s["id"]: s["status"] for s in frm["pairs"]}
    if any(
        PairStatus(s["status"]) in REVIEW_STATUSES and before_status.get(s["id"]) != s["status"]
        for s in to["pairs"]
    ) or (statuses & REVIEW_STATUSES and op.kind == "status"):
        _require(session, user, doc.project_id, Action.REVIEW)
    ids = [s["id"] for s in frm["pairs"]]
    loaded = load_pairs(session, ids)
    for snap in frm["pairs"]:
        pair = loaded.get(snap["id"])
        # Content, not version: undoing two edits of one pair in a row is not a conflict, a
        # colleague's edit in between is.
        if pair is None or pair.document_id != doc.id or not same_content(pair, snap):
            views = _views(session, [pair]) if pair is not None else []
            raise Conflict(
                "Someone changed these pairs after your change, so it cannot be "
                f"{'undone' if action == 'undo' else 'redone'} without overwriting their work.",
                current=views[0] if views else None,
            )
    current = [loaded[i] for i in ids]
    positions = [p.position for p in current]
    if current:
        start = positions[0]
        if positions != list(range(start, start + len(current))):
            raise Conflict(
                "The pairs around this change were rearranged since; it cannot be "
                f"{'undone' if action == 'undo' else 'redone'}."
            )
    else:
        prev = frm.get("prev")
        if prev is None:
            start = 0
        else:
            anchor = session.get(Pair, prev)
            if anchor is None or anchor.document_id != doc.id:
                raise Conflict("The pair this change was next to no longer exists.")
            start = anchor.position + 1
    # Snapshots hold versions; restored pairs get new ones, so compare by content only.
    target = [dict(s) for s in to["pairs"]]
    result, _ = apply_change(
        session,
        doc,
        user,
        op.kind,
        current,
        target,
        start=start,
        record=False,
        revision_action=action,
    )
    _changed(session, doc.id, result)
    comments = comment_ids_by_pair(session, [p.id for p in result])
    refreshed = {"prev": to.get("prev"), "pairs": [snapshot(p, comments[p.id]) for p in result]}
    return result, refreshed


def undo(session: Session, user: User | None, document_id: int) -> UndoResult:
    """Take back your last change to this document (restoring the pairs as they were)."""
    doc = _document(session, user, document_id, Action.EDIT)
    op = _latest(session, user, document_id, undone=False)
    if op is None:
        raise ServiceError("Nothing to undo: you have not changed this document yet.")
    result, restored = _replay(session, user, doc, op, op.after, op.before, "undo")
    op.before = restored
    op.undone = True
    _touch(session, doc)
    session.flush()
    return UndoResult(op.kind, _fresh_views(session, result), _first(session, result, restored))


def redo(session: Session, user: User | None, document_id: int) -> UndoResult:
    """Do again the change you last undid."""
    doc = _document(session, user, document_id, Action.EDIT)
    op = _latest(session, user, document_id, undone=True)
    if op is None:
        raise ServiceError("Nothing to redo.")
    result, redone = _replay(session, user, doc, op, op.before, op.after, "redo")
    op.after = redone
    op.undone = False
    _touch(session, doc)
    session.flush()
    return UndoResult(op.kind, _fresh_views(session, result), _first(session, result, redone))


def _first(session: Session, result: Sequence[Pair], snap: dict[str, Any]) -> int:
    """Where the page should look after an undo/redo: the restored pairs, or their place."""
    if result:
        return result[0].position
    prev = session.get(Pair, snap["prev"]) if snap.get("prev") is not None else None
    return prev.position + 1 if prev is not None else 0


def can_undo(session: Session, user: User | None, document_id: int) -> tuple[bool, bool]:
    """Whether the user has something to undo and something to redo in this document (one
    query, no snapshots read: every page asks)."""

    def any_op(undone: bool) -> Any:
        return exists().where(
            Operation.document_id == document_id,
            Operation.user_id == (user.id if user else None),
            Operation.undone.is_(undone),
        )

    row = session.execute(select(any_op(False), any_op(True))).one()
    return bool(row[0]), bool(row[1])


# --------------------------------------------------------------------------- history, comments


def _names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: "someone"}
    real = [i for i in ids if i is not None]
    if real:
        for uid, username, display in session.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_(real))
        ):
            names[uid] = display or username
    return names


def history(session: Session, user: User | None, pair_id: int) -> list[HistoryEntry]:
    """Who changed the pair, when, and what it said before and after; newest first."""
    _pair(session, user, pair_id, Action.VIEW)
    rows = session.scalars(
        select(Revision).where(Revision.pair_id == pair_id).order_by(Revision.id.desc())
    ).all()
    names = _names(session, {r.user_id for r in rows})
    return [
        HistoryEntry(
            r.id,
            r.created_at,
            names.get(r.user_id, "someone"),
            r.action,
            r.field,
            r.before,
            r.after,
        )
        for r in rows
    ]


def add_comment(session: Session, user: User | None, pair_id: int, body: str) -> CommentView:
    """Add a comment to the pair's thread."""
    _pair(session, user, pair_id, Action.EDIT)
    body = normalise_text(body).strip()
    if not body:
        raise ServiceError("The comment is empty.")
    if len(body) > 10_000:
        raise ServiceError("The comment is too long (at most 10,000 characters).")
    comment = Comment(pair_id=pair_id, user_id=user.id if user else None, body=body)
    session.add(comment)
    session.flush()
    return _comment_views(session, [comment])[0]


def _comment_views(session: Session, rows: Sequence[Comment]) -> list[CommentView]:
    names = _names(session, {c.user_id for c in rows})
    return [
        CommentView(
            c.id, c.pair_id, names.get(c.user_id, "someone"), c.body, c.resolved, c.created_at
        )
        for c in rows
    ]


def comments(session: Session, user: User | None, pair_id: int) -> list[CommentView]:
    """The pair's comment thread, oldest first."""
    _pair(session, user, pair_id, Action.VIEW)
    rows = session.scalars(
        select(Comment).where(Comment.pair_id == pair_id).order_by(Comment.id)
    ).all()
    return _comment_views(session, rows)


def resolve_comment(
    session: Session, user: User | None, comment_id: int, resolved: bool = True
) -> CommentView:
    """Mark a comment resolved (or open again)."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    _pair(session, user, comment.pair_id, Action.EDIT)
    comment.resolved = resolved
    session.flush()
    return _comment_views(session, [comment])[0]


def permissions_for(session: Session, user: User | None, document_id: int) -> dict[str, bool]:
    """What the page may offer this user (the services check again on every call)."""
    doc = _document(session, user, document_id, Action.VIEW)
    return {
        "edit": _can(session, user, doc.project_id, Action.EDIT),
        "review": _can(session, user, doc.project_id, Action.REVIEW),
    }


__all__ = [
    "LOW_CONFIDENCE",
    "STATUS_LABELS",
    "AlignmentMap",
    "CommentView",
    "Conflict",
    "DocumentInfo",
    "HistoryEntry",
    "MapEntry",
    "PairPage",
    "PairView",
    "PermissionDenied",
    "ProgressSummary",
    "UndoResult",
    "add_comment",
    "alignment_map",
    "can_undo",
    "comments",
    "confirm_alignment",
    "delete_pair",
    "detach",
    "document_info",
    "document_of_pair",
    "edit_text",
    "history",
    "insert_empty_counterpart",
    "jump_to",
    "list_pairs",
    "merge_with_next",
    "move_first_to_previous",
    "move_last_to_next",
    "next_open",
    "on_pairs_changed",
    "pair_view",
    "permissions_for",
    "progress_summary",
    "realign_from",
    "redo",
    "resolve_comment",
    "set_status",
    "split_at_caret",
    "split_pair",
    "undo",
]
