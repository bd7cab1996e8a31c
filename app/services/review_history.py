"""Snapshots of pairs, and the one way the review service changes them.

Every change a translator makes (edit, merge, split, move, status, realign) is expressed as
"replace these consecutive pairs by these new ones". :func:`apply_change` does that replacement
in the database, keeps positions dense (0..n-1), bumps versions, re-homes comments, writes the
history (:class:`~app.models.Revision`) and records an :class:`~app.models.Operation` whose
``before``/``after`` snapshots are enough to undo and redo it later, even across restarts.

A snapshot is plain JSON::

    {"prev": <id of the pair before the range or null>,
     "pairs": [{"id", "ru_text", "en_text", "status", "confidence", "locked",
                "ru_paragraph", "en_paragraph", "version",
                "segments": {"ru": [[paragraph, text], ...], "en": [...]},
                "comments": [comment ids]}, ...]}
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.models import (
    Comment,
    Document,
    Operation,
    Pair,
    PairStatus,
    Revision,
    Segment,
    User,
    utcnow,
)
from app.services.errors import Conflict, is_write_collision

SIDES = ("ru", "en")

PairSnapshot = dict[str, Any]

_TEXT_FIELDS = ("ru_text", "en_text")


def join_segments(segments: Sequence[Sequence[Any]]) -> str:
    """The text of one side of a pair: sentences joined by a space, paragraphs by a blank line.

    The blank line matters: re-segmenting an edited text finds the same paragraphs again.
    """
    out: list[str] = []
    last_paragraph: int | None = None
    for paragraph, text in segments:
        if out:
            out.append(" " if paragraph == last_paragraph else "\n\n")
        out.append(text)
        last_paragraph = paragraph
    return "".join(out)


def snapshot(pair: Pair, comment_ids: Sequence[int] = ()) -> PairSnapshot:
    """A JSON-able picture of one pair, with its segments."""
    segs: dict[str, list[list[Any]]] = {"ru": [], "en": []}
    for seg in sorted(pair.segments, key=lambda s: (s.side, s.position)):
        segs[seg.side].append([seg.paragraph, seg.text])
    return {
        "id": pair.id,
        "ru_text": pair.ru_text,
        "en_text": pair.en_text,
        "status": str(PairStatus(pair.status).value),
        "confidence": float(pair.confidence or 0.0),
        "locked": bool(pair.locked),
        "ru_paragraph": pair.ru_paragraph,
        "en_paragraph": pair.en_paragraph,
        "version": pair.version,
        "segments": segs,
        "comments": list(comment_ids),
    }


def new_snapshot(
    ru: Sequence[Sequence[Any]],
    en: Sequence[Sequence[Any]],
    *,
    status: PairStatus | str = PairStatus.AUTO,
    confidence: float = 0.0,
    locked: bool = False,
    ru_paragraph: int = 0,
    en_paragraph: int = 0,
    pair_id: int | None = None,
    comments: Sequence[int] = (),
) -> PairSnapshot:
    """A snapshot for a pair built from segments ``[paragraph, text]`` of each side."""
    ru_l = [list(s) for s in ru]
    en_l = [list(s) for s in en]
    return {
        "id": pair_id,
        "ru_text": join_segments(ru_l),
        "en_text": join_segments(en_l),
        "status": str(PairStatus(status).value),
        "confidence": float(confidence),
        "locked": locked,
        "ru_paragraph": ru_l[0][0] if ru_l else ru_paragraph,
        "en_paragraph": en_l[0][0] if en_l else en_paragraph,
        "version": None,
        "segments": {"ru": ru_l, "en": en_l},
        "comments": list(comments),
    }


def load_pairs(session: Session, ids: Sequence[int]) -> dict[int, Pair]:
    """The pairs ``ids`` with their segments, read afresh and locked for this transaction
    (PostgreSQL): an edit of one of them, which takes no document lock, either committed
    before (and is seen here) or waits until this change is done (and then conflicts)."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Pair)
        .where(Pair.id.in_(list(ids)))
        .order_by(Pair.id)
        .options(selectinload(Pair.segments))
        .with_for_update(of=Pair)
        .execution_options(populate_existing=True)
    ).all()
    return {p.id: p for p in rows}


def comment_ids_by_pair(session: Session, pair_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {pid: [] for pid in pair_ids}
    if not pair_ids:
        return out
    for cid, pid in session.execute(
        select(Comment.id, Comment.pair_id)
        .where(Comment.pair_id.in_(list(pair_ids)))
        .order_by(Comment.id)
    ):
        out[pid].append(cid)
    return out


def pair_before(session: Session, document_id: int, position: int) -> int | None:
    if position <= 0:
        return None
    return session.scalar(
        select(Pair.id).where(Pair.document_id == document_id, Pair.position == position - 1)
    )


def _set_segments(session: Session, pair: Pair, snap: PairSnapshot) -> None:
    for seg in list(pair.segments):
        pair.segments.remove(seg)
    for side in SIDES:
        for i, (paragraph, text) in enumerate(snap["segments"][side]):
            pair.segments.append(
                Segment(
                    document_id=pair.document_id,
                    side=side,
                    position=i,
                    paragraph=int(paragraph),
                    text=str(text),
                )
            )


def _same_segments(pair: Pair, snap: PairSnapshot) -> bool:
    current: dict[str, list[list[Any]]] = {"ru": [], "en": []}
    for seg in sorted(pair.segments, key=lambda s: (s.side, s.position)):
        current[seg.side].append([seg.paragraph, seg.text])
    want = {side: [[int(p), str(t)] for p, t in snap["segments"][side]] for side in SIDES}
    return current == want


P = ParamSpec("P")
R = TypeVar("R")


def _collisions_as_conflicts(fn: Callable[P, R]) -> Callable[P, R]:
    """A write the database gave up because another one crossed it (SQLite busy, a PostgreSQL
    deadlock) becomes a :class:`Conflict` the translator can retry."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except OperationalError as exc:
            if not is_write_collision(exc):
                raise
            raise Conflict(
                "Another change to this document was being saved at the same moment, so "
                "yours was not saved. Try again."
            ) from exc

    return wrapper


@_collisions_as_conflicts
def apply_change(
    session: Session,
    document: Document,
    user: User | None,
    kind: str,
    current: Sequence[Pair],
    target: Sequence[PairSnapshot],
    *,
    start: int,
    record: bool = True,
    revision_action: str | None = None,
    orphans_to: int | None = None,
) -> tuple[list[Pair], Operation | None]:
    """Replace the consecutive pairs ``current`` (starting at ``start``) by ``target``.

    Target snapshots whose ``id`` is one of ``current`` update that pair (bumping its version
    only when something changed); others create a pair (with the snapshot's id when given,
    which is how undo brings a deleted pair back). Pairs of ``current`` absent from ``target``
    are deleted after their comments moved to the pair the snapshot names, or else to the first
    pair of the range (or ``orphans_to`` when the range becomes empty). Pairs after the range
    shift so positions stay dense.
    """
    before_ids = [p.id for p in current]
    # Where a change that leaves no pair behind (a delete) happened, for its undo.
    prev_id = pair_before(session, document.id, start) if not target else None
    comments_before = comment_ids_by_pair(session, before_ids)
    before = [snapshot(p, comments_before[p.id]) for p in current]
    by_id = {p.id: p for p in current}
    target_ids = {t["id"] for t in target if t.get("id") is not None}

    delta = len(target) - len(current)
    if delta:
        session.execute(
            update(Pair)
            .where(Pair.document_id == document.id, Pair.position >= start + len(current))
            .values(position=Pair.position + delta)
            .execution_options(synchronize_session="evaluate")
        )

    result: list[Pair] = []
    revisions: list[tuple[Pair, str, str | None, str | None]] = []
    for index, snap in enumerate(target):
        pair = by_id.get(snap["id"]) if snap.get("id") is not None else None
        if pair is None:
            pair = Pair(
                document_id=document.id,
                position=start + index,
                ru_text=snap["ru_text"],
                en_text=snap["en_text"],
                status=PairStatus(snap["status"]),
                confidence=snap["confidence"],
                locked=snap["locked"],
                ru_paragraph=snap["ru_paragraph"],
                en_paragraph=snap["en_paragraph"],
                updated_by_id=user.id if user else None,
            )
            if snap.get("id") is not None:
                pair.id = snap["id"]
            session.add(pair)
            _set_segments(session, pair, snap)
            revisions.append((pair, "created", None, _describe(snap)))
        else:
            changed = False
            for field in _TEXT_FIELDS:
                if getattr(pair, field) != snap[field]:
                    revisions.append((pair, field, getattr(pair, field), snap[field]))
                    setattr(pair, field, snap[field])
                    changed = True
            if PairStatus(pair.status) != PairStatus(snap["status"]):
                revisions.append((pair, "status", str(pair.status), snap["status"]))
                pair.status = PairStatus(snap["status"])
                changed = True
            if bool(pair.locked) != bool(snap["locked"]):
                revisions.append(
                    (pair, "locked", str(bool(pair.locked)).lower(), str(snap["locked"]).lower())
                )
                pair.locked = bool(snap["locked"])
                changed = True
            for field in ("confidence", "ru_paragraph", "en_paragraph"):
                if getattr(pair, field) != snap[field]:
                    setattr(pair, field, snap[field])
                    changed = True
            if not _same_segments(pair, snap):
                _set_segments(session, pair, snap)
                changed = True
            if changed:
                pair.updated_by_id = user.id if user else None
                pair.updated_at = utcnow()
        result.append(pair)

    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "Someone else changed these pairs a moment ago. Reload them and try again."
        ) from exc

    # Positions change without a version bump: moving a pair down is not a change to it.
    moved = [(p, start + i) for i, p in enumerate(result) if p.position != start + i]
    if moved:
        table: Any = Pair.__table__
        session.execute(
            update(table).where(table.c.id == bindparam("pid")).values(position=bindparam("pos")),
            [{"pid": p.id, "pos": pos} for p, pos in moved],
        )
        for p, pos in moved:
            set_committed_value(p, "position", pos)

    # Comments follow the text they were written about.
    for snap, pair in zip(target, result, strict=True):
        if snap["comments"]:
            session.execute(
                update(Comment)
                .where(Comment.id.in_(snap["comments"]))
                .values(pair_id=pair.id)
                .execution_options(synchronize_session=False)
            )
    removed = [pid for pid in before_ids if pid not in target_ids]
    heir = result[0].id if result else orphans_to
    if removed and heir is not None:
        session.execute(
            update(Comment)
            .where(Comment.pair_id.in_(removed))
            .values(pair_id=heir)
            .execution_options(synchronize_session=False)
        )
    for pid in removed:
        session.delete(by_id[pid])
    session.flush()

    rehomed = any(
        snap["comments"] and snap["comments"] != comments_before.get(snap.get("id") or -1)
        for snap in target
    )
    if not removed and not rehomed:
        # Nothing moved between pairs (an edit, a status): the threads are as they were.
        comments_after = {p.id: comments_before.get(p.id, []) for p in result}
    else:
        comments_after = comment_ids_by_pair(session, [p.id for p in result])
    after = [snapshot(p, comments_after[p.id]) for p in result]

    operation: Operation | None = None
    if record:
        session.execute(
            delete(Operation).where(
                Operation.document_id == document.id,
                Operation.user_id == (user.id if user else None),
                Operation.undone.is_(True),
            )
        )
        operation = Operation(
            document_id=document.id,
            user_id=user.id if user else None,
            kind=kind,
            before={"prev": prev_id, "pairs": before},
            after={"prev": prev_id, "pairs": after},
        )
        session.add(operation)
        session.flush()

    action = revision_action or kind
    for pid in removed:
        snap_removed = next(s for s in before if s["id"] == pid)
        session.add(
            Revision(
                pair_id=None,
                document_id=document.id,
                operation_id=operation.id if operation else None,
                user_id=user.id if user else None,
                action=action,
                field="removed",
                before=_describe(snap_removed),
                after=None,
            )
        )
    for pair, field, old, new in revisions:
        session.add(
            Revision(
                pair_id=pair.id,
                document_id=document.id,
                operation_id=operation.id if operation else None,
                user_id=user.id if user else None,
                action=action,
                field=field,
                before=old,
                after=new,
            )
        )
    session.flush()
    return result, operation


def same_content(pair: Pair, snap: PairSnapshot) -> bool:
    """Whether the pair still says what the snapshot says (texts, segments, status, lock)."""
    return (
        pair.ru_text == snap["ru_text"]
        and pair.en_text == snap["en_text"]
        and PairStatus(pair.status).value == snap["status"]
        and bool(pair.locked) == bool(snap["locked"])
        and _same_segments(pair, snap)
    )


def _describe(snap: PairSnapshot) -> str:
    return f"RU: {snap['ru_text']}\nEN: {snap['en_text']}"
