"""A project's glossary: terms with reviewer approval, exchange files, and the term matcher.

Translators propose terms; reviewers and owners approve, edit, deprecate or forbid them
(:attr:`Action.APPROVE_TERM`). Two terms with the same lemma sequence (``тройка`` and
``тройки``) are one term and refused as a duplicate. Edits use optimistic locking on
``Term.version``.

One :class:`glossary.matcher.TermMatcher` per project is kept in this process and rebuilt when
the glossary changes. The cache is keyed by a fingerprint read from the database (number of
terms, highest id, sum of versions, latest change), so a worker process notices terms that
another process added, edited or deleted.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.models import (
    AuditEvent,
    Document,
    EquivalentKind,
    Pair,
    Project,
    Term,
    TermEquivalent,
    TermStatus,
    User,
    utcnow,
)
from app.services import audit
from app.services.decoding import normalise_text
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.permissions import Action, can, require
from glossary.io import GlossaryImportError, export_csv, export_tbx, import_csv, import_tbx
from glossary.matcher import TermMatcher, term_key
from glossary.types import Equivalent, Match
from glossary.types import Term as GlossaryTerm

MAX_TERM_LENGTH = 500
MAX_EQUIVALENTS = 20
MAX_IMPORT_BYTES = 20_000_000
REJECTED_CANDIDATE = "term.candidate_rejected"


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class EquivalentInput:
    """An English equivalent as typed in a form or sent to the API."""

    en: str
    kind: str = "preferred"


@dataclass(frozen=True, slots=True)
class TermView:
    """A term as pages and the API show it."""

    id: int
    project_id: int
    ru: str
    equivalents: tuple[Equivalent, ...]
    part_of_speech: str
    note: str
    domain: str
    status: str
    proposed_by: str
    approved_by: str
    approved_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    version: int

    def of_kind(self, kind: str) -> list[str]:
        """The equivalents of one kind, in order."""
        return [e.en for e in self.equivalents if e.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project_id": self.project_id,
            "ru": self.ru,
            "equivalents": [{"en": e.en, "kind": e.kind} for e in self.equivalents],
            "part_of_speech": self.part_of_speech,
            "note": self.note,
            "domain": self.domain,
            "status": self.status,
            "proposed_by": self.proposed_by or None,
            "approved_by": self.approved_by or None,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class ImportSummary:
    added: int
    updated: int
    warnings: list[str]


# --------------------------------------------------------------------------- helpers


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(wanted))
    )
    return {uid: display or username for uid, display, username in rows}


def _views(session: Session, terms: Sequence[Term]) -> list[TermView]:
    names = _names(session, [t.proposed_by_id for t in terms] + [t.approved_by_id for t in terms])
    return [
        TermView(
            id=t.id,
            project_id=t.project_id,
            ru=t.ru,
            equivalents=tuple(
                Equivalent(e.en, EquivalentKind(e.kind).value) for e in t.equivalents
            ),
            part_of_speech=t.part_of_speech,
            note=t.note,
            domain=t.domain,
            status=TermStatus(t.status).value,
            proposed_by=names.get(t.proposed_by_id or 0, ""),
            approved_by=names.get(t.approved_by_id or 0, ""),
            approved_at=t.approved_at,
            created_at=t.created_at,
            updated_at=t.updated_at,
            version=t.version,
        )
        for t in terms
    ]


def _clean(text: str) -> str:
    # NUL (PostgreSQL refuses it), controls and bidi overrides removed, as on import.
    return " ".join(normalise_text(text or "").split())


def _status(value: str) -> TermStatus:
    try:
        return TermStatus((value or "").strip().lower())
    except ValueError:
        raise ServiceError(
            f"Unknown term status “{value}”; use one of "
            + ", ".join(s.value for s in TermStatus)
            + "."
        ) from None


def _equivalents(items: Iterable[EquivalentInput]) -> list[EquivalentInput]:
    out: list[EquivalentInput] = []
    for item in items:
        en = _clean(item.en)
        if not en:
            continue
        try:
            kind = EquivalentKind((item.kind or "preferred").strip().lower())
        except ValueError:
            raise ServiceError(
                f"Unknown kind “{item.kind}” for “{en}”; use preferred, admitted, deprecated "
                "or forbidden."
            ) from None
        if len(en) > MAX_TERM_LENGTH:
            raise ServiceError(f"The English equivalent is longer than {MAX_TERM_LENGTH} letters.")
        if not any(ch.isalnum() for ch in en):
            raise ServiceError(f"The English equivalent “{en}” has no letters or digits.")
        if all(o.en.casefold() != en.casefold() for o in out):
            out.append(EquivalentInput(en, kind.value))
    if len(out) > MAX_EQUIVALENTS:
        raise ServiceError(f"A term can have at most {MAX_EQUIVALENTS} English equivalents.")
    return out


def _checked_ru(ru: str) -> tuple[str, str]:
    ru = _clean(ru)
    if not ru:
        raise ServiceError("Write the Russian term.")
    if len(ru) > MAX_TERM_LENGTH:
        raise ServiceError(f"The Russian term is longer than {MAX_TERM_LENGTH} letters.")
    key = term_key(ru)
    if not key:
        raise ServiceError(
            f"“{ru}” has no letters or digits (only punctuation); write the term itself."
        )
    return ru, key[:MAX_TERM_LENGTH]


def _refuse_duplicate(session: Session, project_id: int, key: str, own_id: int | None) -> None:
    clash = session.scalar(
        select(Term).where(
            Term.project_id == project_id, Term.ru_key == key, Term.id != (own_id or 0)
        )
    )
    if clash is not None:
        raise ServiceError(
            f"“{clash.ru}” is already in the glossary ({TermStatus(clash.status).value}): "
            "the same term in another form. Edit that term and add your English equivalent "
            "there."
        )


def _term(session: Session, user: User | None, term_id: int, action: Action) -> Term:
    term = session.get(Term, term_id)
    if term is None:
        raise NotFound("No such term.")
    require(session, user, term.project_id, action)
    return term


def _set_equivalents(term: Term, items: list[EquivalentInput]) -> None:
    current = [(e.en, EquivalentKind(e.kind).value) for e in term.equivalents]
    if current == [(i.en, i.kind) for i in items]:
        return
    term.equivalents.clear()
    for item in items:
        term.equivalents.append(TermEquivalent(en=item.en, kind=EquivalentKind(item.kind)))


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:
        # Two people added the same term at the same moment: the unique key caught it.
        raise ServiceError(
            "This term was added to the glossary by someone else a moment ago; reload the page."
        ) from None
    except StaleDataError:
        # Another process saved the term between our read and our write.
        raise Conflict(
            "Someone else changed this term at the same moment; reload it and make your "
            "change again."
        ) from None


# --------------------------------------------------------------------------- reading


def list_terms(
    session: Session,
    user: User | None,
    project_id: int,
    *,
    q: str = "",
    status: str = "",
    domain: str = "",
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[TermView], int]:
    """Terms of the project matching the filters (text in either language), and their number.

    The text filter also finds inflected forms: ``тройками`` finds the term ``тройка``.
    """
    require(session, user, project_id, Action.VIEW)
    query = select(Term).where(Term.project_id == project_id)
    if status:
        query = query.where(Term.status == _status(status))
    if domain:
        query = query.where(Term.domain == domain)
    q = _clean(q)
    if q:
        like = f"%{q.lower()}%"
        key = term_key(q)
        en_hit = select(TermEquivalent.term_id).where(func.lower(TermEquivalent.en).like(like))
        clauses = [
            func.lower(Term.ru).like(like),
            Term.id.in_(en_hit),
            func.lower(Term.note).like(like),
        ]
        if key:
            clauses.append(Term.ru_key.like(f"%{key}%"))
        query = query.where(or_(*clauses))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(selectinload(Term.equivalents))
        .order_by(func.lower(Term.ru), Term.id)
        .offset(max(0, offset))
        .limit(max(1, min(limit, 1000)))
    ).all()
    return _views(session, rows), total


def domains(session: Session, project_id: int) -> list[str]:
    """The subject fields used in the project's glossary, for the filter."""
    rows = session.scalars(
        select(Term.domain).where(Term.project_id == project_id, Term.domain != "").distinct()
    )
    return sorted(rows)


def get_term(session: Session, user: User | None, term_id: int) -> TermView:
    """One term, if ``user`` may see its project."""
    return _views(session, [_term(session, user, term_id, Action.VIEW)])[0]


# --------------------------------------------------------------------------- changing


def create_term(
    session: Session,
    user: User | None,
    project_id: int,
    ru: str,
    equivalents: Iterable[EquivalentInput] = (),
    *,
    part_of_speech: str = "",
    note: str = "",
    domain: str = "",
    status: str = "",
) -> TermView:
    """Add a term. Translators' terms are always *proposed*; a reviewer may give a status.

    A term with the lemma sequence of an existing one is refused as a duplicate.
    """
    require(session, user, project_id, Action.PROPOSE_TERM)
    ru, key = _checked_ru(ru)
    items = _equivalents(equivalents)
    reviewer = can(session, user, project_id, Action.APPROVE_TERM)
    wanted = _status(status) if status else TermStatus.PROPOSED
    if wanted is not TermStatus.PROPOSED and not reviewer:
        wanted = TermStatus.PROPOSED  # a translator proposes; a reviewer decides
    _refuse_duplicate(session, project_id, key, None)
    now = utcnow()
    term = Term(
        project_id=project_id,
        ru=ru,
        ru_key=key,
        part_of_speech=_clean(part_of_speech)[:20],
        note=normalise_text(note or "").strip(),
        domain=_clean(domain)[:100],
        status=wanted,
        proposed_by_id=user.id if user else None,
        updated_at=now,
    )
    if wanted is not TermStatus.PROPOSED:
        term.approved_by_id = user.id if user else None
        term.approved_at = now
    _set_equivalents(term, items)
    session.add(term)
    audit.set_actor(session, user)
    _flush(session)
    return _views(session, [term])[0]


def _check_version(term: Term, expected_version: int | None, session: Session) -> None:
    if expected_version is not None and term.version != expected_version:
        raise Conflict(
            f"“{term.ru}” was changed by someone else in the meantime; here it is as it is "
            "now. Make your change again.",
            current=_views(session, [term])[0],
        )


def update_term(
    session: Session,
    user: User | None,
    term_id: int,
    *,
    expected_version: int | None,
    ru: str | None = None,
    equivalents: Iterable[EquivalentInput] | None = None,
    part_of_speech: str | None = None,
    note: str | None = None,
    domain: str | None = None,
    status: str | None = None,
) -> TermView:
    """Edit a term (reviewers and owners); fields left ``None`` stay as they are.

    A stale ``expected_version`` raises :class:`Conflict` carrying the term as it is now.
    """
    term = _term(session, user, term_id, Action.APPROVE_TERM)
    _check_version(term, expected_version, session)
    if ru is not None:
        new_ru, key = _checked_ru(ru)
        if key != term.ru_key:
            _refuse_duplicate(session, term.project_id, key, term.id)
        term.ru, term.ru_key = new_ru, key
    if equivalents is not None:
        _set_equivalents(term, _equivalents(equivalents))
    if part_of_speech is not None:
        term.part_of_speech = _clean(part_of_speech)[:20]
    if note is not None:
        term.note = normalise_text(note).strip()
    if domain is not None:
        term.domain = _clean(domain)[:100]
    if status is not None:
        _apply_status(term, user, _status(status))
    # Always touch the row: equivalents live in another table, and the version (the matcher's
    # fingerprint and the lock) must move with them.
    term.updated_at = utcnow()
    audit.set_actor(session, user)
    _flush(session)
    return _views(session, [term])[0]


def _apply_status(term: Term, user: User | None, status: TermStatus) -> None:
    if term.status is not None and TermStatus(term.status) is status:
        return
    term.status = status
    if status is TermStatus.PROPOSED:
        term.approved_by_id, term.approved_at = None, None
    else:
        term.approved_by_id = user.id if user else None
        term.approved_at = utcnow()


def set_status(
    session: Session,
    user: User | None,
    term_id: int,
    status: str,
    expected_version: int | None = None,
) -> TermView:
    """Approve, deprecate or forbid a term (or send it back to proposed)."""
    return update_term(session, user, term_id, expected_version=expected_version, status=status)


def delete_term(
    session: Session, user: User | None, term_id: int, expected_version: int | None = None
) -> None:
    """Remove a term (reviewers and owners)."""
    term = _term(session, user, term_id, Action.APPROVE_TERM)
    _check_version(term, expected_version, session)
    audit.record(session, "term.deleted", actor=user, project_id=term.project_id, term=term.ru)
    session.delete(term)
    session.flush()


# --------------------------------------------------------------------------- exchange


def _as_glossary_terms(terms: Sequence[Term]) -> list[GlossaryTerm]:
    return [
        GlossaryTerm(
            id=t.id,
            ru=t.ru,
            equivalents=tuple(
                Equivalent(e.en, EquivalentKind(e.kind).value) for e in t.equivalents
            ),
            status=TermStatus(t.status).value,
            part_of_speech=t.part_of_speech,
            note=t.note,
            domain=t.domain,
        )
        for t in terms
    ]


def _all_terms(session: Session, project_id: int) -> list[Term]:
    return list(
        session.scalars(
            select(Term)
            .where(Term.project_id == project_id)
            .options(selectinload(Term.equivalents))
            .order_by(Term.id)
        )
    )


def export_terms(
    session: Session, user: User | None, project_id: int, fmt: str
) -> tuple[bytes, str, str]:
    """The glossary as ``(content, media type, file extension)``: ``csv`` or ``tbx`` (v3)."""
    require(session, user, project_id, Action.EXPORT)
    project = session.get(Project, project_id)
    terms = _as_glossary_terms(_all_terms(session, project_id))
    audit.record_export(session, user, project_id, format=f"glossary-{fmt}")
    if fmt == "csv":
        # utf-8-sig: Excel opens the file as UTF-8 only with a BOM.
        return export_csv(terms).encode("utf-8-sig"), "text/csv; charset=utf-8", "csv"
    if fmt == "tbx":
        title = f"{project.name if project else 'Sverka'} glossary"
        return export_tbx(terms, title=title), "application/x-tbx+xml", "tbx"
    raise ServiceError("Choose CSV or TBX for the glossary export.")


def import_terms(
    session: Session,
    user: User | None,
    project_id: int,
    data: bytes,
    filename: str = "",
    *,
    update_existing: bool = False,
) -> ImportSummary:
    """Import a CSV or TBX (v3 or 2008) file: all its terms or, on any problem, none.

    Terms already in the glossary (same lemma sequence) are refused, unless
    ``update_existing`` asks to replace their equivalents and details by the file's.
    """
    require(session, user, project_id, Action.APPROVE_TERM)
    if len(data) > MAX_IMPORT_BYTES:
        raise ServiceError(
            f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; split the glossary."
        )
    name = filename or "the file"
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    try:
        if head.startswith(b"<") or filename.lower().endswith((".tbx", ".xml")):
            result = import_tbx(data, filename=name)
        else:
            result = import_csv(data, filename=name)
    except GlossaryImportError as err:
        raise ServiceError(str(err)) from None
    existing = {t.ru_key: t for t in _all_terms(session, project_id)}
    clashes = [t.ru for t in result.terms if term_key(t.ru) in existing]
    if clashes and not update_existing:
        shown = ", ".join(f"“{ru}”" for ru in clashes[:10])
        more = f" and {len(clashes) - 10} more" if len(clashes) > 10 else ""
        raise ServiceError(
            f"{name}: nothing was imported: {len(clashes)} terms are already in the glossary "
            f"({shown}{more}). Tick “update terms already in the glossary” to replace them "
            "with the file's version, or remove them from the file."
        )
    now = utcnow()
    added = updated = 0
    for gt in result.terms:
        key = term_key(gt.ru)[:MAX_TERM_LENGTH]
        items = [EquivalentInput(_clean(e.en), e.kind) for e in gt.equivalents if _clean(e.en)]
        term = existing.get(key)
        if term is None:
            term = Term(project_id=project_id, ru=_clean(gt.ru)[:MAX_TERM_LENGTH], ru_key=key,
                        proposed_by_id=user.id if user else None)  # fmt: skip
            session.add(term)
            added += 1
        else:
            updated += 1
        # Files may carry control characters (PostgreSQL refuses NUL): cleaned as in forms.
        term.part_of_speech = _clean(gt.part_of_speech)[:20]
        term.note = normalise_text(gt.note).strip()
        term.domain = _clean(gt.domain)[:100]
        _apply_status(term, user, TermStatus(gt.status))
        _set_equivalents(term, items)
        term.updated_at = now
    audit.set_actor(session, user)
    audit.record(session, "term.imported", actor=user, project_id=project_id,
                 file=filename, added=added, updated=updated)  # fmt: skip
    _flush(session)
    return ImportSummary(added, updated, list(result.warnings))


# --------------------------------------------------------------------------- the matcher


_cache_lock = threading.Lock()
_matchers: dict[int, tuple[tuple[Any, ...], TermMatcher]] = {}


def glossary_fingerprint(session: Session, project_id: int) -> tuple[Any, ...]:
    """What changes whenever a term of the project is added, edited or deleted (by any
    process): the number of terms, the highest id, the sum of versions, the latest change."""
    row = session.execute(
        select(func.count(Term.id), func.max(Term.id), func.sum(Term.version),
               func.max(Term.updated_at)).where(Term.project_id == project_id)
    ).one()  # fmt: skip
    return (project_id, int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), str(row[3]))


def matcher_for(session: Session, project_id: int) -> TermMatcher:
    """The project's term matcher, rebuilt only when the glossary changed (one query)."""
    fingerprint = glossary_fingerprint(session, project_id)
    cached = _matchers.get(project_id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    matcher = TermMatcher(_as_glossary_terms(_all_terms(session, project_id)))
    with _cache_lock:
        _matchers[project_id] = (fingerprint, matcher)
    return matcher


def matcher_for_document(session: Session, document_id: int) -> tuple[int, TermMatcher] | None:
    """The project of a document and its term matcher, in one query when the cache is current
    (the save path: every round trip to the database counts)."""
    row = session.execute(
        select(Document.project_id, func.count(Term.id), func.max(Term.id),
               func.sum(Term.version), func.max(Term.updated_at))
        .select_from(Document)
        .outerjoin(Term, Term.project_id == Document.project_id)
        .where(Document.id == document_id)
        .group_by(Document.project_id)
    ).first()  # fmt: skip
    if row is None:
        return None
    project_id = int(row[0])
    fingerprint = (project_id, int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), str(row[4]))
    cached = _matchers.get(project_id)
    if cached is not None and cached[0] == fingerprint:
        return project_id, cached[1]
    return project_id, matcher_for(session, project_id)


def forget_matchers() -> None:
    """Drop every cached matcher (tests)."""
    with _cache_lock:
        _matchers.clear()


# --------------------------------------------------------------------------- highlights


@dataclass(frozen=True, slots=True)
class TermHit:
    """A term found in a segment, with what the tooltip says."""

    start: int
    end: int
    term_id: int | str
    status: str
    kind: str  # for English: the kind of the equivalent found; "" for Russian
    tooltip: str


def _tooltip(term: GlossaryTerm, kind: str = "") -> str:
    parts = [term.ru]
    preferred = [e.en for e in term.equivalents if e.kind == "preferred"]
    admitted = [e.en for e in term.equivalents if e.kind == "admitted"]
    avoid = [e.en for e in term.equivalents if e.kind in ("deprecated", "forbidden")]
    if preferred:
        parts.append("preferred: " + "; ".join(preferred))
    if admitted:
        parts.append("admitted: " + "; ".join(admitted))
    if avoid:
        parts.append("avoid: " + "; ".join(avoid))
    if kind in ("deprecated", "forbidden"):
        parts.append(f"this equivalent is {kind}")
    if term.status != "approved":
        parts.append(f"term {term.status}")
    if term.note:
        parts.append(term.note)
    return " · ".join(parts)


def hits_in(matcher: TermMatcher, text: str, lang: str) -> list[TermHit]:
    """The terms of ``matcher`` found in ``text`` (``ru`` or ``en``), for highlighting."""
    matches: list[Match] = matcher.find_ru(text) if lang == "ru" else matcher.find_en(text)
    out: list[TermHit] = []
    for m in matches:
        term = matcher.terms[m.term_id]
        out.append(TermHit(m.start, m.end, m.term_id, term.status, m.kind, _tooltip(term, m.kind)))
    return out


def term_hits_for_pairs(
    session: Session, project_id: int, pairs: Sequence[Any]
) -> dict[int, dict[str, list[list[TermHit]]]]:
    """For a page of pairs (anything with ``id``, ``ru_segments``, ``en_segments``): per pair
    and side, the term hits in each segment. One matcher look-up for the whole page."""
    if not pairs:
        return {}
    matcher = matcher_for(session, project_id)
    if not len(matcher):
        return {}
    out: dict[int, dict[str, list[list[TermHit]]]] = {}
    for p in pairs:
        out[p.id] = {
            "ru": [hits_in(matcher, seg, "ru") for seg in p.ru_segments],
            "en": [hits_in(matcher, seg, "en") for seg in p.en_segments],
        }
    return out


def highlight_terms(text: str, hits: Sequence[TermHit] | None) -> Markup:
    """``text`` escaped, with each hit wrapped in ``<mark class="term">`` and a tooltip.

    Only the ``<mark>`` tags are markup; everything from the text is escaped.
    """
    if not hits:
        return Markup(escape(text))
    pieces: list[str] = []
    last = 0
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start < last or hit.end > len(text):
            continue  # overlapping hits: the first one wins
        pieces.append(str(escape(text[last : hit.start])))
        classes = f"term term-{hit.status}" + (f" eq-{hit.kind}" if hit.kind else "")
        pieces.append(
            f'<mark class="{classes}" title="{escape(hit.tooltip)}">'
            f"{escape(text[hit.start : hit.end])}</mark>"
        )
        last = hit.end
    pieces.append(str(escape(text[last:])))
    return Markup("".join(pieces))


def segment_hits(
    hits: dict[int, dict[str, list[list[TermHit]]]] | None, pair_id: int, side: str, index: int
) -> list[TermHit]:
    """The hits of one segment from :func:`term_hits_for_pairs` (empty when there are none)."""
    if not hits:
        return []
    sides = hits.get(pair_id)
    if not sides:
        return []
    segments = sides.get(side, [])
    return segments[index] if index < len(segments) else []


@dataclass(frozen=True, slots=True)
class PairTerm:
    """A glossary term found in one pair, for the pair's "Terms" panel (the tooltip's content,
    reachable by keyboard and screen readers)."""

    term_id: int | str
    ru: str
    status: str
    preferred: tuple[str, ...]
    admitted: tuple[str, ...]
    avoid: tuple[str, ...]
    note: str
    found_ru: tuple[str, ...]  # the forms found in the Russian text, as written
    found_en: tuple[tuple[str, str], ...]  # English found: (as written, kind)

    @property
    def missing(self) -> bool:
        """In the Russian, but none of its preferred or admitted equivalents in the English."""
        return bool(self.found_ru) and bool(self.preferred or self.admitted) and not any(
            kind in ("preferred", "admitted") for _, kind in self.found_en
        )


def terms_in_pair(session: Session, project_id: int, pair: Any) -> list[PairTerm]:
    """The glossary terms found in the pair (anything with ``ru_text`` and ``en_text``), in
    the order they first occur, Russian side first."""
    matcher = matcher_for(session, project_id)
    if not len(matcher):
        return []
    found_ru: dict[int | str, list[str]] = {}
    found_en: dict[int | str, list[tuple[str, str]]] = {}
    for m in matcher.find_ru(pair.ru_text or ""):
        found_ru.setdefault(m.term_id, []).append(m.text)
    for m in matcher.find_en(pair.en_text or ""):
        found_en.setdefault(m.term_id, []).append((m.text, m.kind))
    out: list[PairTerm] = []
    for term_id in [*found_ru, *(t for t in found_en if t not in found_ru)]:
        term = matcher.terms[term_id]
        out.append(
            PairTerm(
                term_id=term_id,
                ru=term.ru,
                status=term.status,
                preferred=tuple(e.en for e in term.equivalents if e.kind == "preferred"),
                admitted=tuple(e.en for e in term.equivalents if e.kind == "admitted"),
                avoid=tuple(
                    e.en for e in term.equivalents if e.kind in ("deprecated", "forbidden")
                ),
                note=term.note,
                found_ru=tuple(dict.fromkeys(found_ru.get(term_id, []))),
                found_en=tuple(dict.fromkeys(found_en.get(term_id, []))),
            )
        )
    return out


# --------------------------------------------------------------------------- project texts


@dataclass(frozen=True, slots=True)
class PairRef:
    """A pair of the project, enough to show it and link to it."""

    id: int
    document_id: int
    document_title: str
    number: int
    ru: str
    en: str

    @property
    def url(self) -> str:
        return f"/documents/{self.document_id}?n={self.number}#pair-{self.number}"


MAX_PROJECT_PAIRS = 50_000


def project_pairs(
    session: Session, project_id: int, document_id: int | None = None
) -> list[PairRef]:
    """The project's pairs (or one document's) in reading order."""
    query = (
        select(Pair.id, Pair.document_id, Document.title, Pair.position, Pair.ru_text, Pair.en_text)
        .join(Document, Document.id == Pair.document_id)
        .where(Document.project_id == project_id)
    )
    if document_id is not None:
        query = query.where(Pair.document_id == document_id)
    rows = session.execute(query.order_by(Pair.document_id, Pair.position).limit(MAX_PROJECT_PAIRS))
    return [PairRef(pid, did, title, pos + 1, ru, en) for pid, did, title, pos, ru, en in rows]


@dataclass(frozen=True, slots=True)
class Rendering:
    """One way a term was translated, in how many pairs, with links to some of them."""

    en: str
    kind: str  # preferred, admitted, deprecated, forbidden, or "" for no glossary equivalent
    count: int
    pairs: list[PairRef]


@dataclass(frozen=True, slots=True)
class ConsistencyRow:
    term: TermView
    occurrences: int
    renderings: list[Rendering]

    @property
    def consistent(self) -> bool:
        return len(self.renderings) == 1 and self.renderings[0].kind == "preferred"


LINKS_PER_RENDERING = 8


def consistency_report(
    session: Session, user: User | None, project_id: int
) -> list[ConsistencyRow]:
    """How each term was actually translated across the project's pairs, with links to them.

    Terms that never occur are left out; the least consistent terms come first.
    """
    require(session, user, project_id, Action.VIEW)
    matcher = matcher_for(session, project_id)
    if not len(matcher):
        return []
    found: dict[int | str, dict[tuple[str, str], list[PairRef]]] = defaultdict(dict)
    occurrences: dict[int | str, int] = defaultdict(int)
    for ref in project_pairs(session, project_id):
        ru_terms = {m.term_id for m in matcher.find_ru(ref.ru)}
        if not ru_terms:
            continue
        rendered: dict[int | str, set[tuple[str, str]]] = defaultdict(set)
        for m in matcher.find_en(ref.en):
            rendered[m.term_id].add((m.equivalent, m.kind))
        for term_id in ru_terms:
            occurrences[term_id] += 1
            for key in rendered.get(term_id) or {("", "")}:
                found[term_id].setdefault(key, []).append(ref)
    terms = {
        v.id: v
        for v in _views(
            session,
            list(
                session.scalars(
                    select(Term)
                    .where(Term.id.in_([int(t) for t in found]))
                    .options(selectinload(Term.equivalents))
                )
            ),
        )
    }
    rows: list[ConsistencyRow] = []
    for term_id, by_rendering in found.items():
        view = terms.get(int(term_id))
        if view is None:
            continue
        renderings = [
            Rendering(
                en or "(none of the glossary equivalents)",
                kind,
                len(refs),
                refs[:LINKS_PER_RENDERING],
            )  # fmt: skip
            for (en, kind), refs in by_rendering.items()
        ]
        renderings.sort(key=lambda r: (-r.count, r.en))
        rows.append(ConsistencyRow(view, occurrences[term_id], renderings))
    rows.sort(key=lambda r: (r.consistent, -len(r.renderings), -r.occurrences, r.term.ru.lower()))
    return rows


@dataclass(frozen=True, slots=True)
class ConcordanceHit:
    pair: PairRef
    lang: str
    spans: tuple[tuple[int, int], ...]


MAX_CONCORDANCE = 200


def concordance_search(
    session: Session,
    user: User | None,
    project_id: int,
    query: str,
    lang: str = "",
    *,
    by_lemma: bool = True,
) -> tuple[list[ConcordanceHit], int]:
    """Pairs whose Russian or English contains ``query`` (every inflected form when
    ``by_lemma``), with the aligned counterpart; the language is guessed when not given."""
    from alignment.text import has_cyrillic
    from glossary.consistency import concordance

    require(session, user, project_id, Action.VIEW)
    query = _clean(query)
    if not query:
        return [], 0
    if len(query) > 200:
        raise ServiceError("Search for a word or a short phrase (at most 200 letters).")
    if lang not in ("ru", "en"):
        lang = "ru" if has_cyrillic(query) else "en"
    if by_lemma and not any(ch.isalnum() for ch in query):
        raise ServiceError("Search for a word: the query has no letters or digits.")
    refs = project_pairs(session, project_id)
    lines = concordance([(r.ru, r.en) for r in refs], query, lang, by_lemma)  # type: ignore[arg-type]
    hits = [ConcordanceHit(refs[line.pair_index], lang, line.spans) for line in lines]
    return hits[:MAX_CONCORDANCE], len(hits)


def mark_spans(text: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """``text`` escaped, with ``spans`` wrapped in ``<mark>``."""
    pieces: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last:
            continue
        pieces.append(str(escape(text[last:start])))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    pieces.append(str(escape(text[last:])))
    return Markup("".join(pieces))


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True, slots=True)
class CandidateView:
    ru: str
    key: str
    kind: str
    frequency: int
    suggestions: tuple[str, ...]


def rejected_keys(session: Session, project_id: int) -> set[str]:
    """Lemma keys of candidates a reviewer rejected (kept in the audit trail)."""
    rows = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.project_id == project_id, AuditEvent.action == REJECTED_CANDIDATE
        )
    )
    return {str(d.get("key", "")) for d in rows if isinstance(d, dict)}


def extract_for_document(
    session: Session, user: User | None, document_id: int, *, limit: int = 100
) -> list[CandidateView]:
    """Candidate terms of an aligned document, with English suggestions from its pairs.

    Terms already in the glossary and candidates rejected before are not proposed again.
    """
    from glossary.extract import extract_candidates

    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("No such document.")
    require(session, user, doc.project_id, Action.VIEW)
    refs = project_pairs(session, doc.project_id, document_id)
    known = matcher_for(session, doc.project_id)
    rejected = rejected_keys(session, doc.project_id)
    candidates = extract_candidates([(r.ru, r.en) for r in refs], known=known)
    out = [
        CandidateView(c.ru, c.key or term_key(c.ru), c.kind, c.frequency, c.en_suggestions)
        for c in candidates
        if (c.key or term_key(c.ru)) not in rejected
    ]
    return out[:limit]


def reject_candidate(session: Session, user: User | None, project_id: int, ru: str) -> None:
    """Remember that a candidate is not a term, so extraction stops proposing it."""
    require(session, user, project_id, Action.APPROVE_TERM)
    ru, key = _checked_ru(ru)
    audit.record(session, REJECTED_CANDIDATE, actor=user, project_id=project_id, key=key, term=ru)
    session.flush()


def accept_candidate(
    session: Session, user: User | None, project_id: int, ru: str, en: str
) -> TermView:
    """Add a candidate as an approved term with ``en`` as its preferred equivalent."""
    require(session, user, project_id, Action.APPROVE_TERM)
    items = [EquivalentInput(en, "preferred")] if _clean(en) else []
    return create_term(session, user, project_id, ru, items, status="approved")


def clear_rejections(session: Session, project_id: int) -> None:
    """Forget rejected candidates (tests)."""
    session.execute(
        delete(AuditEvent).where(
            AuditEvent.project_id == project_id, AuditEvent.action == REJECTED_CANDIDATE
        )
    )
