"""QA checks on pairs, stored as :class:`QAIssue` rows (check id + dismissed flag).

Every save re-checks the saved pair (:func:`after_pair_saved`, called by the review service);
a whole document is checked on demand, as a background job with progress when it is long.
A finding that is still there after a re-check keeps its row, so a dismissed flag survives
until the text changes in a way that changes the finding.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import DictionaryWord, Document, Pair, QAIssue, User
from app.services.errors import NotFound
from app.services.glossary import matcher_for, matcher_for_document
from app.services.permissions import Action, require
from glossary.checks import ALL_CHECKS, CHECKS, PairContext, run_checks
from glossary.matcher import TermMatcher
from glossary.types import Issue

QA_JOB = "qa-document"
#: Documents with more pairs than this are checked as a background job.
INLINE_LIMIT = 300
_BATCH = 200


@dataclass(frozen=True, slots=True)
class IssueView:
    id: int
    pair_id: int
    document_id: int
    check_id: str
    check_name: str
    message: str
    dismissed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pair_id": self.pair_id,
            "document_id": self.document_id,
            "check_id": self.check_id,
            "check_name": self.check_name,
            "message": self.message,
            "dismissed": self.dismissed,
        }


def _name(check_id: str) -> str:
    check = CHECKS.get(check_id)
    return check.name if check is not None else check_id


def _view(row: QAIssue) -> IssueView:
    return IssueView(row.id, row.pair_id, row.document_id, row.check_id, _name(row.check_id),
                     row.message, bool(row.dismissed))  # fmt: skip


def check_texts(
    ru: str, en: str, matcher: TermMatcher | None, known_words: Collection[str] = ()
) -> list[Issue]:
    """The findings of every registered check on one pair's texts.

    ``known_words`` (the project's dictionary and glossary words) are spared by the spelling
    check; the rest is :func:`glossary.checks.run_checks`.
    """
    if not known_words:
        return run_checks(ru, en, matcher=matcher)
    ctx = PairContext(ru, en, matcher)
    ctx.known_words = known_words  # type: ignore[attr-defined]
    one_side = not ru.strip() or not en.strip()
    issues: list[Issue] = []
    for check in ALL_CHECKS:
        if (check.needs_glossary and matcher is None) or (one_side and check.needs_both_sides):
            continue
        issues.extend(check.check(ctx))
    return issues


_known_cache: dict[int, tuple[TermMatcher | None, tuple[Any, ...], frozenset[str]]] = {}


def known_words(session: Session, project_id: int, matcher: TermMatcher | None) -> frozenset[str]:
    """The project's own words for the spelling check, read again only when its dictionary or
    its glossary (a new matcher) changed."""
    from app.services.spelling import project_words

    row = session.execute(
        select(func.count(DictionaryWord.id), func.max(DictionaryWord.id)).where(
            DictionaryWord.project_id == project_id
        )
    ).one()
    stamp = (int(row[0] or 0), int(row[1] or 0))
    cached = _known_cache.get(project_id)
    if cached is not None and cached[0] is matcher and cached[1] == stamp:
        return cached[2]
    words = project_words(session, project_id)
    _known_cache[project_id] = (matcher, stamp, words)
    return words


def _store(
    session: Session,
    pair_id: int,
    document_id: int,
    issues: Sequence[Issue],
    existing: Sequence[QAIssue],
) -> None:
    # A finding is "the same" when its check and message are: its row (and dismissed flag)
    # is kept; findings that went away are deleted; new ones are added.
    wanted: dict[tuple[str, str], int] = {}
    for issue in issues:
        key = (issue.check_id, issue.message[:2000])
        wanted[key] = wanted.get(key, 0) + 1
    stale: list[int] = []
    for row in existing:
        key = (row.check_id, row.message)
        if wanted.get(key, 0) > 0:
            wanted[key] -= 1
        else:
            stale.append(row.id)
    if stale:
        session.execute(delete(QAIssue).where(QAIssue.id.in_(stale)))
    for (check_id, message), n in wanted.items():
        for _ in range(n):
            session.add(QAIssue(pair_id=pair_id, document_id=document_id, check_id=check_id,
                                message=message, dismissed=False))  # fmt: skip


def check_pair(
    session: Session, pair: Pair, matcher: TermMatcher | None = None, project_id: int | None = None
) -> list[Issue]:
    """Re-check one pair and store its findings; returns them."""
    if matcher is None:
        if project_id is None:
            project_id = session.scalar(
                select(Document.project_id).where(Document.id == pair.document_id)
            )
        matcher = matcher_for(session, project_id) if project_id is not None else None
    if project_id is None:
        project_id = session.scalar(
            select(Document.project_id).where(Document.id == pair.document_id)
        )
    known = known_words(session, project_id, matcher) if project_id is not None else frozenset()
    issues = check_texts(pair.ru_text or "", pair.en_text or "", matcher, known)
    existing = session.scalars(select(QAIssue).where(QAIssue.pair_id == pair.id)).all()
    _store(session, pair.id, pair.document_id, issues, existing)
    return issues


def after_pair_saved(session: Session, pairs: Pair | Iterable[Pair]) -> None:
    """The review service's hook: re-check pairs whose text or shape just changed.

    A few queries: the glossary's fingerprint (is the cached matcher current?), the
    dictionary's (are the cached spelling words current?), the pairs' stored findings, and
    writes only for findings that changed.
    """
    items = [p for p in ([pairs] if isinstance(pairs, Pair) else pairs) if p.id is not None]
    if not items:
        return
    found = matcher_for_document(session, items[0].document_id)
    matcher = found[1] if found is not None else None
    known = known_words(session, found[0], matcher) if found is not None else frozenset()
    ids = [p.id for p in items]
    rows: dict[int, list[QAIssue]] = {pid: [] for pid in ids}
    for row in session.scalars(select(QAIssue).where(QAIssue.pair_id.in_(ids))):
        rows[row.pair_id].append(row)
    for pair in items:
        issues = check_texts(pair.ru_text or "", pair.en_text or "", matcher, known)
        _store(session, pair.id, pair.document_id, issues, rows[pair.id])
    session.flush()


def _on_pairs_changed(session: Session, document_id: int, pair_ids: list[int]) -> None:
    pairs = session.scalars(select(Pair).where(Pair.id.in_(pair_ids))).all()
    after_pair_saved(session, pairs)


def _listen_to_saves() -> None:
    from app.services import review

    review.on_pairs_changed(_on_pairs_changed)


# Every save in the review service re-checks the pairs it changed, in the same transaction.
_listen_to_saves()


def check_document_now(
    session: Session,
    document_id: int,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, int]:
    """Check every pair of a document (no permission check: callers do it)."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    matcher = matcher_for(session, doc.project_id)
    known = known_words(session, doc.project_id, matcher)
    ids = list(
        session.scalars(
            select(Pair.id).where(Pair.document_id == document_id).order_by(Pair.position)
        )
    )
    found = 0
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        pairs = session.scalars(select(Pair).where(Pair.id.in_(chunk))).all()
        rows: dict[int, list[QAIssue]] = {pid: [] for pid in chunk}
        for row in session.scalars(select(QAIssue).where(QAIssue.pair_id.in_(chunk))):
            rows[row.pair_id].append(row)
        for pair in pairs:
            issues = check_texts(pair.ru_text or "", pair.en_text or "", matcher, known)
            _store(session, pair.id, pair.document_id, issues, rows[pair.id])
            found += len(issues)
        session.flush()
        if progress is not None:
            done = min(len(ids), start + _BATCH)
            progress(done / max(1, len(ids)), f"Checked {done} of {len(ids)} pairs…")
    return {"pairs": len(ids), "issues": found}


def check_document(session: Session, user: User | None, document_id: int) -> dict[str, int] | int:
    """Check a whole document: at once when it is short (returns the counts), otherwise as a
    background job (returns the job's id)."""
    from app.services import jobs

    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    # Checking writes findings: translators and up, not viewers.
    require(session, user, doc.project_id, Action.EDIT)
    count = session.scalar(select(func.count()).where(Pair.document_id == document_id)) or 0
    if count <= INLINE_LIMIT:
        return check_document_now(session, document_id)
    job = jobs.enqueue(
        session,
        QA_JOB,
        {"document_id": document_id},
        user_id=user.id if user else None,
        project_id=doc.project_id,
        document_id=document_id,
        message=f"Waiting to check {count} pairs…",
    )
    return job.id


def _run_qa_job(job_id: int, payload: dict[str, Any], report: Callable[..., None]) -> Any:
    from app.services import jobs

    with jobs.job_session() as session:
        document_id = int(payload["document_id"])
        result = check_document_now(session, document_id, report)
        return {**result, "redirect": f"/documents/{document_id}?flagged=1"}


def register_jobs() -> None:
    """Make the document QA job known to the job worker."""
    from app.services import jobs

    jobs.register_handler(QA_JOB, _run_qa_job)


# --------------------------------------------------------------------------- reading


def pair_issues(
    session: Session, user: User | None, pair_id: int, *, include_dismissed: bool = True
) -> list[IssueView]:
    """The stored findings of one pair."""
    pair = session.get(Pair, pair_id)
    if pair is None:
        raise NotFound("No such pair.")
    project_id = session.scalar(select(Document.project_id).where(Document.id == pair.document_id))
    require(session, user, int(project_id or 0), Action.VIEW)
    query = select(QAIssue).where(QAIssue.pair_id == pair_id)
    if not include_dismissed:
        query = query.where(QAIssue.dismissed.is_(False))
    return [_view(r) for r in session.scalars(query.order_by(QAIssue.id))]


def document_issues(
    session: Session, user: User | None, document_id: int, *, include_dismissed: bool = False
) -> list[IssueView]:
    """The stored findings of a document, pair by pair."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    require(session, user, doc.project_id, Action.VIEW)
    query = (
        select(QAIssue)
        .join(Pair, Pair.id == QAIssue.pair_id)
        .where(QAIssue.document_id == document_id)
    )
    if not include_dismissed:
        query = query.where(QAIssue.dismissed.is_(False))
    return [_view(r) for r in session.scalars(query.order_by(Pair.position, QAIssue.id))]


def set_dismissed(
    session: Session, user: User | None, issue_id: int, dismissed: bool = True
) -> IssueView:
    """Dismiss a finding (a translator says it is fine) or bring it back."""
    row = session.get(QAIssue, issue_id)
    if row is None:
        raise NotFound("No such QA finding; the pair may have been checked again.")
    project_id = session.scalar(select(Document.project_id).where(Document.id == row.document_id))
    require(session, user, int(project_id or 0), Action.EDIT)
    row.dismissed = dismissed
    session.flush()
    return _view(row)
