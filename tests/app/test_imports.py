"""Importing a document: decoding at once, aligning in a job, writing everything together."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from alignment.types import Segment as AlignedSegment
from app.models import (
    AuditEvent,
    Document,
    DocumentState,
    Job,
    JobState,
    Membership,
    Pair,
    Role,
    Segment,
    User,
)
from app.services import imports, jobs
from app.services.decoding import DecodingError, decode_paste, decode_upload
from app.services.errors import NotFound, PermissionDenied, ServiceError, TooLarge
from app.services.imports import Limits, UploadedSide
from app.services.projects import create_project
from tests.app.committed import CommittedDB

MB = 1024 * 1024
LIMITS = Limits(max_upload_bytes=2 * MB, max_document_chars=200_000)
DEMO = Path(__file__).resolve().parents[2] / "app" / "demo"

# Written for these tests. The second Russian sentence is translated as two English ones (1-2),
# and the last two Russian sentences as one English sentence (2-1).
RU = (
    "Справка о пересмотре дел\n"
    "\n"
    "В марте 1957 года Военная коллегия закончила проверку дел 1938 года. Из 214 дел, "
    "рассмотренных тройкой НКВД по Смоленской области, прекращено 187, а по остальным "
    "приговоры оставлены в силе. Заявителям направлены извещения.\n"
    "\n"
    "Архивные подлинники возвращены в хранилище. Копии оставлены в наряде.\n"
)
EN = (
    "Note on the review of cases\n"
    "\n"
    "In March 1957 the Military Collegium finished checking the cases of 1938. Of the 214 "
    "cases heard by the NKVD troika for the Smolensk region, 187 were closed. In the rest the "
    "sentences were upheld. Notices were sent to the applicants.\n"
    "\n"
    "The archival originals went back to the store, and copies stayed in the file.\n"
)


def _joined(segments: list[AlignedSegment]) -> str:
    """A pair's text: sentences of one paragraph joined by a space, paragraphs by a newline."""
    text = ""
    for i, segment in enumerate(segments):
        if i:
            text += " " if segment.paragraph == segments[i - 1].paragraph else "\n"
        text += segment.text
    return text


def _owner_and_project(session: Session) -> tuple[User, int]:
    user = User(username=f"importer-{uuid.uuid4().hex[:8]}", password_hash="x")
    session.add(user)
    session.flush()
    project = create_project(session, user, "Archive memos")
    return user, project.id


def _member(session: Session, project_id: int, name: str, role: Role) -> User:
    user = User(username=f"{name}-{uuid.uuid4().hex[:8]}", password_hash="x")
    session.add(user)
    session.flush()
    session.add(Membership(project_id=project_id, user_id=user.id, role=role))
    session.flush()
    return user


def test_import_writes_the_document_its_pairs_and_segments(session: Session) -> None:
    user, project_id = _owner_and_project(session)
    ru = decode_upload(RU.encode("cp1251"), "справка.txt", max_bytes=MB)
    en = decode_upload(EN.encode("utf-16"), "note.txt", max_bytes=MB)
    seen: list[tuple[float, str]] = []

    document = imports.import_document(
        session,
        user=user,
        project_id=project_id,
        title="  Справка   1957 ",
        ru=ru,
        en=en,
        progress=lambda fraction, message: seen.append((fraction, message)),
    )

    assert document.state is DocumentState.READY
    assert document.title == "Справка 1957"
    assert (document.ru_encoding, document.en_encoding) == ("cp1251", "utf-16-le")
    assert document.ru_filename == "справка.txt"
    assert document.ru_checksum == ru.checksum_sha256
    assert document.ru_text == RU.strip()
    pairs = session.scalars(
        select(Pair).where(Pair.document_id == document.id).order_by(Pair.position)
    ).all()
    assert [p.position for p in pairs] == list(range(len(pairs)))
    # Every sentence of each side is in exactly one pair, in the original order.
    ru_joined = " ".join(p.ru_text.replace("\n", " ") for p in pairs if p.ru_text)
    en_joined = " ".join(p.en_text.replace("\n", " ") for p in pairs if p.en_text)
    assert ru_joined == " ".join(RU.split())
    assert en_joined == " ".join(EN.split())
    # The rows are the aligner's beads as they are: same groups, same order, same paragraphs.
    from alignment.align import align_texts

    aligned = align_texts(ru.text, en.text)
    assert [p.kind for p in pairs] == [b.kind for b in aligned.beads]
    for pair, bead in zip(pairs, aligned.beads, strict=True):
        assert pair.ru_text == _joined([aligned.ru[i] for i in bead.ru])
        assert pair.en_text == _joined([aligned.en[i] for i in bead.en])
        assert pair.confidence == pytest.approx(bead.confidence)
        if bead.ru:
            assert pair.ru_paragraph == aligned.ru[bead.ru[0]].paragraph
        ru_rows = [s for s in pair.segments if s.side == "ru"]
        assert [s.text for s in ru_rows] == [aligned.ru[i].text for i in bead.ru]
        assert [s.position for s in ru_rows] == list(range(len(bead.ru)))
    assert pairs[-1].ru_paragraph == 2 or pairs[-1].en_paragraph == 2
    segments = session.scalar(
        select(func.count()).select_from(Segment).where(Segment.document_id == document.id)
    )
    assert segments == sum(len(p.segments) for p in pairs)
    assert all(0.0 <= p.confidence <= 1.0 for p in pairs)
    assert seen and seen[-1][0] <= 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.project_id == project_id))
    assert audit is not None and audit.detail["document_id"] == document.id


def test_viewers_and_strangers_cannot_import(session: Session) -> None:
    _, project_id = _owner_and_project(session)
    viewer = _member(session, project_id, "viewer", Role.VIEWER)
    stranger = User(username=f"stranger-{uuid.uuid4().hex[:8]}", password_hash="x")
    session.add(stranger)
    session.flush()
    ru, en = decode_paste(RU, max_chars=10_000), decode_paste(EN, max_chars=10_000)
    with pytest.raises(PermissionDenied):
        imports.import_document(
            session, user=viewer, project_id=project_id, title="t", ru=ru, en=en
        )
    with pytest.raises(NotFound):
        imports.start_import(
            session, stranger, project_id, "t", UploadedSide(pasted=RU),
            UploadedSide(pasted=EN), limits=LIMITS,
        )  # fmt: skip
    assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_translator_may_start_an_import_and_bad_sides_are_refused_at_once(
    session: Session,
) -> None:
    _, project_id = _owner_and_project(session)
    translator = _member(session, project_id, "translator", Role.TRANSLATOR)
    good_ru = UploadedSide("справка.txt", RU.encode("koi8-r"))
    good_en = UploadedSide(pasted=EN)

    def start(ru: UploadedSide, en: UploadedSide) -> Job:
        return imports.start_import(session, translator, project_id, "", ru, en, limits=LIMITS)

    with pytest.raises(DecodingError, match="Russian side is empty"):
        start(UploadedSide(), good_en)
    with pytest.raises(DecodingError, match="English file 'en.txt' is empty"):
        start(good_ru, UploadedSide("en.txt", b""))
    with pytest.raises(DecodingError, match="not a text file"):
        start(good_ru, UploadedSide("en.txt", bytes(range(256)) * 20))
    with pytest.raises(DecodingError, match="no Cyrillic letters.*swap"):
        start(UploadedSide("ru.txt", EN.encode()), UploadedSide("en.txt", RU.encode()))
    with pytest.raises(TooLarge, match="limit is 2 MB"):
        start(UploadedSide("big.txt", ("Текст. " * 400_000).encode()), good_en)

    job = start(good_ru, good_en)
    assert job.state is JobState.QUEUED
    assert job.kind == imports.IMPORT_JOB
    assert job.project_id == project_id and job.user_id == translator.id
    assert job.payload["title"] == "справка"  # the Russian file's name
    assert job.payload["ru"]["encoding"] == "koi8-r"
    assert job.payload["ru"]["text"] == RU.strip()
    assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_store_alignment_continues_positions_for_realignment(session: Session) -> None:
    from alignment.align import align_texts

    user, project_id = _owner_and_project(session)
    document = Document(project_id=project_id, title="t", state=DocumentState.READY)
    session.add(document)
    session.flush()
    aligned = align_texts(RU, EN)
    written = imports.store_alignment(session, document, aligned, first_position=10)
    assert written == len(aligned.beads)
    positions = session.scalars(
        select(Pair.position).where(Pair.document_id == document.id).order_by(Pair.position)
    ).all()
    assert positions == list(range(10, 10 + written))


# ------------------------------------------------------------------ through the job queue


@pytest.fixture
def db(engine: Engine) -> Iterator[CommittedDB]:
    imports.register()
    committed = CommittedDB(engine)
    yield committed
    committed.cleanup()


def _start(db: CommittedDB, user_id: int, project_id: int, ru: UploadedSide) -> int:
    with db.scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return imports.start_import(
            session, user, project_id, "Докладная записка", ru,
            UploadedSide("en.txt", (DEMO / "en.txt").read_bytes()), limits=LIMITS,
        ).id  # fmt: skip


def test_import_job_creates_the_ready_document_and_links_it(db: CommittedDB) -> None:
    owner = db.user()
    project = db.project(owner)
    ru_bytes = (DEMO / "ru.txt").read_text(encoding="utf-8").encode("cp1251")
    job_id = _start(db, owner, project, UploadedSide("ru.txt", ru_bytes))

    jobs.run_pending_jobs_once(db.scope)

    with db.scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.state is JobState.DONE, job.error
        assert job.document_id is not None
        assert job.result["document_id"] == job.document_id
        assert "text" not in job.payload["ru"]  # the document holds the text now
        document = session.get(Document, job.document_id)
        assert document is not None
        assert document.state is DocumentState.READY
        assert document.ru_encoding == "cp1251"
        assert document.title == "Докладная записка"
        pairs = session.scalar(
            select(func.count()).select_from(Pair).where(Pair.document_id == document.id)
        )
        assert pairs == job.result["pairs"] and pairs > 10
        assert "№ 108сс" in document.ru_text


def test_a_failure_while_saving_leaves_nothing_half_imported(
    db: CommittedDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = db.user()
    project = db.project(owner)
    original = imports.store_alignment

    def store_then_fail(session: Session, document: Document, aligned: object, **kw: object):
        original(session, document, aligned, **kw)  # type: ignore[arg-type]
        session.flush()
        raise ServiceError("The disk is full.")

    monkeypatch.setattr(imports, "store_alignment", store_then_fail)
    job_id = _start(db, owner, project, UploadedSide("ru.txt", (DEMO / "ru.txt").read_bytes()))
    jobs.run_pending_jobs_once(db.scope)

    with db.scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.state is JobState.FAILED
        assert job.error == "The disk is full."
        assert job.document_id is None
        docs = session.scalar(
            select(func.count()).select_from(Document).where(Document.project_id == project)
        )
        assert docs == 0
