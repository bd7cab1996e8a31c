"""The domain schema. Changed only together with an Alembic revision in ``migrations/``."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


def count_words(text: str | None) -> int:
    """Words in a text, as the progress figures count them: runs of non-space characters."""
    return len(text.split()) if text else 0


def _words_of(context: Any, column: str) -> int:
    return count_words(context.get_current_parameters().get(column))


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint, portable across SQLite and PostgreSQL.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class Role(enum.StrEnum):
    OWNER = "owner"
    REVIEWER = "reviewer"
    TRANSLATOR = "translator"
    VIEWER = "viewer"


class PairStatus(enum.StrEnum):
    """The life of a pair: aligned by the machine → alignment confirmed → translated/edited →
    reviewed → approved; or rejected (with a comment)."""

    AUTO = "auto"
    CONFIRMED = "confirmed"
    TRANSLATED = "translated"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    REJECTED = "rejected"


class TermStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DEPRECATED = "deprecated"
    FORBIDDEN = "forbidden"


class EquivalentKind(enum.StrEnum):
    PREFERRED = "preferred"
    ADMITTED = "admitted"
    DEPRECATED = "deprecated"
    FORBIDDEN = "forbidden"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentState(enum.StrEnum):
    IMPORTING = "importing"
    READY = "ready"
    FAILED = "failed"


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change / "log out everywhere": signed session cookies carry it.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Project(Timestamped, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source_lang: Mapped[str] = mapped_column(String(8), default="ru")
    target_lang: Mapped[str] = mapped_column(String(8), default="en")
    # Whether viewers may export (owners, reviewers and translators always may).
    viewers_may_export: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Document.id"
    )


class Membership(Timestamped, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Document(Timestamped, Base):
    """A Russian original and its English translation, as uploaded, plus the aligned pairs."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[DocumentState] = mapped_column(
        _enum(DocumentState, "document_state"), default=DocumentState.IMPORTING
    )
    ru_filename: Mapped[str] = mapped_column(String(300), default="")
    en_filename: Mapped[str] = mapped_column(String(300), default="")
    ru_encoding: Mapped[str] = mapped_column(String(40), default="utf-8")
    en_encoding: Mapped[str] = mapped_column(String(40), default="utf-8")
    ru_checksum: Mapped[str] = mapped_column(String(64), default="")  # sha256 of the upload
    en_checksum: Mapped[str] = mapped_column(String(64), default="")
    # The decoded original texts: a book each, read only when asked for (not with every
    # look-up of the document a request makes).
    ru_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    en_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship(back_populates="documents")
    pairs: Mapped[list[Pair]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Pair.position"
    )

    __mapper_args__ = {"version_id_col": version}


class Pair(Base):
    """One alignment bead: the Russian segments and the English segments that correspond.

    ``ru_text``/``en_text`` are the joined texts of the pair's segments, kept in sync by the
    review service, so that lists, search and exports need no join.
    """

    __tablename__ = "pairs"
    __table_args__ = (Index("ix_pairs_document_position", "document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # order in the document, 0-based
    ru_text: Mapped[str] = mapped_column(Text, default="")
    en_text: Mapped[str] = mapped_column(Text, default="")
    # Words of each side (see count_words), for the progress figures of every page view:
    # set on insert from the text, and on every ORM update of it (see _recount_words).
    ru_words: Mapped[int] = mapped_column(
        Integer, default=lambda ctx: _words_of(ctx, "ru_text"), server_default="0"
    )
    en_words: Mapped[int] = mapped_column(
        Integer, default=lambda ctx: _words_of(ctx, "en_text"), server_default="0"
    )
    status: Mapped[PairStatus] = mapped_column(
        _enum(PairStatus, "pair_status"), default=PairStatus.AUTO, index=True
    )
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    # Locked pairs were confirmed by a person: realignment keeps them as they are.
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The paragraph (0-based, per side) the pair starts in; editions break paragraphs on it.
    ru_paragraph: Mapped[int] = mapped_column(Integer, default=0)
    en_paragraph: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    document: Mapped[Document] = relationship(back_populates="pairs")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="pair",
        cascade="all, delete-orphan",
        order_by="(Segment.side, Segment.position)",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind(self) -> str:
        ru = sum(1 for s in self.segments if s.side == "ru")
        en = sum(1 for s in self.segments if s.side == "en")
        return f"{ru}-{en}"


class Segment(Base):
    """A sentence of one side, belonging to exactly one pair."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_pair_side_position", "pair_id", "side", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(2))  # "ru" or "en"
    position: Mapped[int] = mapped_column(Integer)  # order within the pair's side, 0-based
    paragraph: Mapped[int] = mapped_column(Integer, default=0)  # paragraph index on its side
    text: Mapped[str] = mapped_column(Text, default="")

    pair: Mapped[Pair] = relationship(back_populates="segments")


class Operation(Base):
    """One undoable change to a document (edit, merge, split, move, status, realign…).

    ``before``/``after`` hold snapshots of the affected pairs, enough to undo and redo.
    """

    __tablename__ = "operations"
    __table_args__ = (Index("ix_operations_document_created", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    before: Mapped[Any] = mapped_column(JSON, default=dict)
    after: Mapped[Any] = mapped_column(JSON, default=dict)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Revision(Base):
    """The history of a pair: who changed what, when, with the text before and after."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operations.id", ondelete="SET NULL"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(40))  # edit, merge, split, status, undo, …
    field: Mapped[str] = mapped_column(String(40), default="")  # ru_text, en_text, status, …
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comment(Timestamped, Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class Term(Timestamped, Base):
    """A Russian term (one or more words) of a project's glossary."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("project_id", "ru_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    ru: Mapped[str] = mapped_column(String(500))
    ru_key: Mapped[str] = mapped_column(String(500))  # lemma sequence, for duplicate detection
    part_of_speech: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[TermStatus] = mapped_column(
        _enum(TermStatus, "term_status"), default=TermStatus.PROPOSED
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    equivalents: Mapped[list[TermEquivalent]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="TermEquivalent.id"
    )

    __mapper_args__ = {"version_id_col": version}


class TermEquivalent(Base):
    """An English equivalent of a term: preferred, admitted, deprecated or forbidden."""

    __tablename__ = "term_equivalents"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), index=True)
    en: Mapped[str] = mapped_column(String(500))
    kind: Mapped[EquivalentKind] = mapped_column(
        _enum(EquivalentKind, "equivalent_kind"), default=EquivalentKind.PREFERRED
    )

    term: Mapped[Term] = relationship(back_populates="equivalents")


class QAIssue(Base):
    """A QA check's finding on a pair. Only the check id and a dismissed flag are authoritative;
    the message is kept for display."""

    __tablename__ = "qa_issues"
    __table_args__ = (Index("ix_qa_issues_pair_check", "pair_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    check_id: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text, default="")
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Timestamped, Base):
    """Long work (import+align, realign, export, QA run) done in the background, visible with
    its progress from every worker."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[JobState] = mapped_column(
        _enum(JobState, "job_state"), default=JobState.QUEUED, index=True
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0–1
    message: Mapped[str] = mapped_column(Text, default="")  # what it is doing now
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # for the translator
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, index=True
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    payload: Mapped[Any] = mapped_column(JSON, default=dict)
    result: Mapped[Any] = mapped_column(JSON, default=dict)
    worker: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Timestamped, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEvent(Base):
    """Who did what in a project (membership changes, imports, exports, deletions, approvals)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=True, index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[Any] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginAttempt(Base):
    """Failed logins, kept in the database so that rate limiting holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_created", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # username or client address
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TranslationMemory(Base):
    """A reference memory a user imported into a project (a TMX file)."""

    __tablename__ = "translation_memories"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300), default="")
    unit_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TMUnit(Base):
    """One searchable memory unit: a reviewed/approved pair of a project (``pair_id``) or a
    unit of an imported memory (``memory_id``).

    ``ru_exact`` finds 100% matches, ``ru_lemma`` inflection/number variants, ``lemmas`` (the
    space-separated lemma sequence, numbers as ``#``) lets matches be scored without
    lemmatising them again; fuzzy candidates come from :class:`TMPosting`.
    """

    __tablename__ = "tm_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    memory_id: Mapped[int | None] = mapped_column(
        ForeignKey("translation_memories.id", ondelete="CASCADE"), nullable=True, index=True
    )
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairs.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    ru: Mapped[str] = mapped_column(Text)
    en: Mapped[str] = mapped_column(Text)
    lemmas: Mapped[str] = mapped_column(Text, default="")
    ru_exact: Mapped[int] = mapped_column(BigInteger, index=True)
    ru_lemma: Mapped[int] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(20), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TMPosting(Base):
    """The inverted index of the memory: unit ``unit_id`` of ``project_id`` has lemma ``key``
    (a stable 64-bit hash). The key comes first so a lookup reads only its own postings."""

    __tablename__ = "tm_postings"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    project_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("tm_units.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DictionaryWord(Base):
    """A word a project's user dictionary accepts ("add word" in the spell checker)."""

    __tablename__ = "dictionary_words"
    __table_args__ = (UniqueConstraint("project_id", "lang", "word"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    word: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@event.listens_for(Pair, "before_update")
def _recount_words(_mapper: Any, _connection: Any, pair: Pair) -> None:
    """An edited text gets its word count again (ORM updates; bulk ones set it themselves)."""
    state = inspect(pair)
    for side in ("ru", "en"):
        if state.attrs[f"{side}_text"].history.has_changes():
            setattr(pair, f"{side}_words", count_words(getattr(pair, f"{side}_text")))
