"""Find and replace across a document or a project: preview every change, then apply them all
as one undoable operation per document.

Modes: plain text, whole words, case-sensitive, regular expressions (the ``regex`` module, with
a time budget, so a pattern that backtracks catastrophically is stopped with a message), and
lemma mode (every form of a word: *тройка* finds *тройкой*, *тройки*; a one-word replacement
takes the form of each word it replaces: *пятёркой*, *пятёрки*).

Nothing is written until every change is computed; a replacement that would leave a side of
some pair empty needs ``confirm_empty``; applying checks that the pairs are still as previewed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alignment.text import lemma, tokenize
from app.models import Document, Operation, Pair, PairStatus, User, utcnow
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.permissions import Action, require
from app.services.review_history import (
    apply_change,
    load_pairs,
    new_snapshot,
    snapshot,
)

Mode = Literal["plain", "regex", "lemma"]
Side = Literal["ru", "en"]

MAX_PATTERN = 300
#: Total time a regular expression may run over the whole scope, in seconds.
REGEX_BUDGET = 2.0
#: How many changes a preview lists (all are counted and applied).
PREVIEW_LIMIT = 500


@dataclass(frozen=True)
class ReplaceRequest:
    """What to find and what to put instead, as the translator typed it."""

    find: str
    replace: str
    side: Side = "en"
    mode: Mode = "plain"
    whole_word: bool = False
    case_sensitive: bool = False


@dataclass(frozen=True)
class Change:
    """One pair whose side changes: the texts before and after, and where the hits are."""

    pair_id: int
    document_id: int
    position: int
    version: int
    side: Side
    before: str
    after: str
    hits: tuple[tuple[int, int], ...]  # spans in ``before``
    count: int


@dataclass(frozen=True)
class Preview:
    """Every change the replacement would make (``changes`` capped at PREVIEW_LIMIT)."""

    request: ReplaceRequest
    changes: tuple[Change, ...]
    total_pairs: int
    total_hits: int
    emptied: int  # pairs whose side would become empty
    token: str  # fingerprint of the pairs as previewed; apply refuses if they changed

    @property
    def truncated(self) -> bool:
        return self.total_pairs > len(self.changes)


@dataclass(frozen=True)
class ApplyResult:
    pairs: int
    hits: int
    operation_ids: tuple[int, ...]


# -- matching ------------------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise _too_slow()
        return left


def _too_slow() -> ServiceError:
    return ServiceError(
        "This regular expression takes too long to run (it probably backtracks without end, "
        "like (a+)+ or (\\w|\\w\\w)+). Make it more specific, for example with \\b word "
        "boundaries or without nested repetition, and try again."
    )


Replacer = Callable[[str, _Deadline], tuple[str, list[tuple[int, int]]]]


def _compile(req: ReplaceRequest) -> Replacer:
    if not (req.find if req.mode == "regex" else req.find.strip()):
        raise ServiceError("Type what to find.")
    if len(req.find) > MAX_PATTERN or len(req.replace) > 5000:
        raise ServiceError(f"What to find may be at most {MAX_PATTERN} characters long.")
    if req.mode == "lemma":
        return _lemma_replacer(req)
    flags = regex.V0 | (0 if req.case_sensitive else regex.IGNORECASE)
    if req.mode == "regex":
        try:
            pattern = regex.compile(req.find, flags)
        except regex.error as exc:
            raise ServiceError(f"This regular expression is not valid: {exc}.") from exc
        if req.whole_word:
            pattern = regex.compile(rf"(?<!\w)(?:{req.find})(?!\w)", flags)
        template: str | None = req.replace
    else:
        body = regex.escape(req.find)
        if req.whole_word:
            body = rf"(?<!\w){body}(?!\w)"
        pattern = regex.compile(body, flags)
        template = None

    def run(text: str, deadline: _Deadline) -> tuple[str, list[tuple[int, int]]]:
        hits: list[tuple[int, int]] = []
        out: list[str] = []
        last = 0
        try:
            for m in pattern.finditer(text, timeout=deadline.left()):
                if m.end() == m.start() and not m.group():
                    continue  # an empty match replaces nothing a translator can see
                hits.append(m.span())
                out.append(text[last : m.start()])
                out.append(m.expand(template) if template is not None else req.replace)
                last = m.end()
        except TimeoutError as exc:
            raise _too_slow() from exc
        except (regex.error, IndexError) as exc:
            raise ServiceError(f"The replacement does not fit the expression: {exc}.") from exc
        out.append(text[last:])
        return "".join(out), hits

    return run


def _lemma_replacer(req: ReplaceRequest) -> Replacer:
    lang: Side = req.side
    wanted = [lemma(t.text, lang).lower() for t in tokenize(req.find) if t.is_word]
    if not wanted:
        raise ServiceError("In lemma mode, type a word or a phrase to find.")
    single = len(wanted) == 1 and len([t for t in tokenize(req.replace) if t.is_word]) == 1

    def run(text: str, deadline: _Deadline) -> tuple[str, list[tuple[int, int]]]:
        words = [t for t in tokenize(text) if t.is_word]
        lemmas = [lemma(t.text, lang).lower() for t in words]
        hits: list[tuple[int, int]] = []
        out: list[str] = []
        last = 0
        i = 0
        n = len(wanted)
        while i + n <= len(words):
            if lemmas[i : i + n] == wanted:
                start, end = words[i].start, words[i + n - 1].end
                found = text[start:end]
                new = req.replace
                if single and lang == "ru":
                    new = _inflect_like(req.replace, found, wanted[0])
                hits.append((start, end))
                out.append(text[last:start])
                out.append(_same_case(new, found))
                last = end
                i += n
            else:
                i += 1
        out.append(text[last:])
        return "".join(out), hits

    return run


def _inflect_like(replacement: str, found: str, found_lemma: str) -> str:
    """``replacement`` in the grammatical form of ``found`` (тройкой → пятёркой)."""
    from alignment.text import _morph

    morph = _morph()
    parses = [
        p
        for p in morph.parse(found.lower())
        if p.normal_form.replace("ё", "е") == found_lemma.replace("ё", "е")
    ] or morph.parse(found.lower())
    target = morph.parse(replacement.lower())[0]
    grammemes = {
        g
        for g in (
            "nomn",
            "gent",
            "datv",
            "accs",
            "ablt",
            "loct",
            "sing",
            "plur",
            "masc",
            "femn",
            "neut",
        )
        if g in parses[0].tag
    }
    form = target.inflect(grammemes) if grammemes else None
    if form is None and grammemes:
        form = target.inflect(grammemes - {"masc", "femn", "neut"})
    return form.word if form is not None else replacement


def _same_case(new: str, found: str) -> str:
    if found.isupper() and len(found) > 1:
        return new.upper()
    if found[:1].isupper() and new[:1].islower():
        return new[:1].upper() + new[1:]
    return new


# -- scope -----------------------------------------------------------------------------------


def _documents(
    session: Session, user: User, *, document_id: int | None, project_id: int | None
) -> list[Document]:
    if document_id is not None:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound("No such document.")
        require(session, user, doc.project_id, Action.EDIT)
        return [doc]
    if project_id is None:
        raise ServiceError("Choose a document or a project to replace in.")
    require(session, user, project_id, Action.EDIT)
    return list(
        session.scalars(
            select(Document).where(Document.project_id == project_id).order_by(Document.id)
        )
    )


def _compute(session: Session, docs: Sequence[Document], req: ReplaceRequest) -> list[Change]:
    if req.side not in ("ru", "en"):
        raise ServiceError("Choose the Russian (ru) or the English (en) side.")
    run = _compile(req)
    deadline = _Deadline(REGEX_BUDGET if req.mode == "regex" else 3600.0)
    column = Pair.ru_text if req.side == "ru" else Pair.en_text
    changes: list[Change] = []
    for doc in docs:
        rows = session.execute(
            select(Pair.id, Pair.position, Pair.version, column)
            .where(Pair.document_id == doc.id)
            .order_by(Pair.position)
        ).all()
        for pair_id, position, version, text in rows:
            if not text:
                continue
            after, hits = run(text, deadline)
            if hits and after != text:
                changes.append(
                    Change(
                        pair_id,
                        doc.id,
                        position,
                        version,
                        req.side,
                        text,
                        after,
                        tuple(hits),
                        len(hits),
                    )
                )
    return changes


def _token(changes: Sequence[Change]) -> str:
    digest = hashlib.sha256()
    for c in changes:
        digest.update(f"{c.pair_id}:{c.version}:{c.after}\x00".encode())
    return digest.hexdigest()[:32]


def preview(
    session: Session,
    user: User,
    req: ReplaceRequest,
    *,
    document_id: int | None = None,
    project_id: int | None = None,
) -> Preview:
    """Every change the replacement would make, without changing anything."""
    docs = _documents(session, user, document_id=document_id, project_id=project_id)
    changes = _compute(session, docs, req)
    return Preview(
        request=req,
        changes=tuple(changes[:PREVIEW_LIMIT]),
        total_pairs=len(changes),
        total_hits=sum(c.count for c in changes),
        emptied=sum(1 for c in changes if not c.after.strip()),
        token=_token(changes),
    )


def apply(
    session: Session,
    user: User,
    req: ReplaceRequest,
    *,
    document_id: int | None = None,
    project_id: int | None = None,
    token: str | None = None,
    confirm_empty: bool = False,
) -> ApplyResult:
    """Make every change of the preview: one operation (one undo) per document, a revision
    per changed pair. ``token`` (from the preview) makes it refuse when pairs changed since."""
    docs = _documents(session, user, document_id=document_id, project_id=project_id)
    changes = _compute(session, docs, req)
    if not changes:
        raise ServiceError("Nothing to replace: no pair contains what you are looking for.")
    if token is not None and token != _token(changes):
        raise Conflict(
            "The pairs changed since the preview (someone edited them, or you did in another "
            "tab). Look at the new preview and apply again."
        )
    emptied = sum(1 for c in changes if not c.after.strip())
    if emptied and not confirm_empty:
        everything = " every pair it changes" if emptied == len(changes) else f" {emptied} pairs"
        raise ServiceError(
            f"This replacement would leave the {'Russian' if req.side == 'ru' else 'English'} "
            f"side of{everything} empty. Confirm that this is what you want, or change what "
            "you replace with."
        )
    by_doc: dict[int, list[Change]] = {}
    for change in changes:
        by_doc.setdefault(change.document_id, []).append(change)
    operations: list[int] = []
    docs_by_id = {d.id: d for d in docs}
    for doc_id, doc_changes in by_doc.items():
        op = replace_texts(
            session,
            user,
            docs_by_id[doc_id],
            {c.pair_id: c.after for c in doc_changes},
            req.side,
            kind="replace",
        )
        operations.append(op.id)
    return ApplyResult(len(changes), sum(c.count for c in changes), tuple(operations))


def replace_texts(
    session: Session,
    user: User,
    document: Document,
    new_texts: dict[int, str],
    side: Side,
    *,
    kind: str,
) -> Operation:
    """Give the pairs ``new_texts`` (pair id → new text of ``side``) as ONE operation of the
    review history, so that one undo takes the whole change back.

    The operation covers the consecutive pairs from the first to the last changed one (the
    review history undoes ranges); pairs in between are recorded unchanged. A changed pair is
    re-segmented, locked, and goes back to "translated" (unless rejected), as an edit does.
    """
    from alignment.segment import segment_text

    positions = dict(
        session.execute(select(Pair.id, Pair.position).where(Pair.id.in_(list(new_texts))))
        .tuples()
        .all()
    )
    if len(positions) != len(new_texts):
        raise Conflict("Some of these pairs were deleted a moment ago. Reload and try again.")
    first, last = min(positions.values()), max(positions.values())
    ids = list(
        session.scalars(
            select(Pair.id)
            .where(Pair.document_id == document.id, Pair.position >= first, Pair.position <= last)
            .order_by(Pair.position)
        )
    )
    loaded = load_pairs(session, ids)
    current = [loaded[i] for i in ids]
    target: list[dict[str, Any]] = []
    for pair in current:
        snap = snapshot(pair)
        if pair.id in new_texts:
            segs = dict(snap["segments"])
            for other in ("ru", "en"):
                # Pairs made outside the review service may lack segment rows: keep their text.
                if not segs[other] and getattr(pair, f"{other}_text"):
                    base_other = int(getattr(pair, f"{other}_paragraph"))
                    segs[other] = [
                        [base_other + s.paragraph, s.text]
                        for s in segment_text(getattr(pair, f"{other}_text"), other)
                    ]
            base = int(segs[side][0][0]) if segs[side] else int(getattr(pair, f"{side}_paragraph"))
            text = new_texts[pair.id].replace("\r\n", "\n").strip()
            segs[side] = [[base + s.paragraph, s.text] for s in segment_text(text, side)]
            status = PairStatus(pair.status)
            if status is not PairStatus.REJECTED:
                status = PairStatus.TRANSLATED
            snap = new_snapshot(
                segs["ru"],
                segs["en"],
                status=status,
                confidence=snap["confidence"],
                locked=True,
                ru_paragraph=snap["ru_paragraph"],
                en_paragraph=snap["en_paragraph"],
                pair_id=pair.id,
            )
        else:
            snap = {**snap, "comments": []}
        target.append(snap)
    changed, operation = apply_change(session, document, user, kind, current, target, start=first)
    assert operation is not None
    # QA findings follow the new texts, as after an edit in the review view.
    from app.services.qa import after_pair_saved

    after_pair_saved(session, changed)
    session.execute(
        update(Document)
        .where(Document.id == document.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return operation
