"""Importing a document: decoding at once, aligning in a job, writing everything together."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
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
    PairStatus,
    Role,
    Segment,
    User,
)
from app.services import imports, jobs
from app.services.decoding import DecodingError, decode_paste, decode_upload
from app.services.errors import NotFound, PermissionDenied, ServiceError, TooLarge
from app.services.imports import UploadedSide
from app.services.projects import create_project
from tests.app.committed import CommittedDB
from tests.app.conftest import login, make_user, unique
from tests.app.import_jobs import (
    DEMO,
    LIMITS,
    assert_failed_leaving_no_document,
    start_demo_import,
)

MB = 1024 * 1024

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
        title="  Справка \u202e  1957\x00 ",
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
    # New pairs wait for a person: machine-aligned, not locked, first version.
    assert all(p.status is PairStatus.AUTO and not p.locked and p.version == 1 for p in pairs)
    assert seen and seen[-1][0] <= 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    audit = session.scalar(
        select(AuditEvent).where(
            AuditEvent.project_id == project_id, AuditEvent.action == "document.import"
        )
    )
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
    assert (
        session.scalar(
            select(func.count()).select_from(Document).where(Document.project_id == project_id)
        )
        == 0
    )


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
    assert (
        session.scalar(
            select(func.count()).select_from(Document).where(Document.project_id == project_id)
        )
        == 0
    )


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
    committed.set_aside_leftover_jobs()
    yield committed
    committed.cleanup()


def test_import_job_creates_the_ready_document_and_links_it(db: CommittedDB) -> None:
    owner = db.user()
    project = db.project(owner)
    ru_bytes = (DEMO / "ru.txt").read_text(encoding="utf-8").encode("cp1251")
    job_id = start_demo_import(db, owner, project, UploadedSide("ru.txt", ru_bytes))

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
    job_id = start_demo_import(db, owner, project)
    jobs.run_pending_jobs_once(db.scope)

    with db.scope() as session:
        assert_failed_leaving_no_document(session, job_id, project, "The disk is full.")


# ------------------------------------------------------------------------ the import page


def _project_for(app: FastAPI, owner: User, *members: tuple[User, Role]) -> int:
    with app.state.session_factory() as session:
        project = create_project(session, owner, unique("Архив"))
        for member, role in members:
            session.add(Membership(project_id=project.id, user_id=member.id, role=role))
        session.commit()
        return project.id


def _run_jobs(app: FastAPI) -> None:
    imports.register()
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))


def test_import_page_needs_an_editor(
    app: FastAPI,
    client: TestClient,
    user: User,
    database_url: str,
    make_client: Callable[..., TestClient],
) -> None:
    project_id = _project_for(app, user)
    anonymous = client.get(f"/projects/{project_id}/import")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    login(client, user.username)
    page = client.get(f"/projects/{project_id}/import")
    assert page.status_code == 200
    for field in ('name="ru_file"', 'name="en_file"', 'name="ru_text"', 'name="en_text"'):
        assert field in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert "Windows-1251" in page.text  # the form says which encodings are understood

    fragment = client.get(f"/projects/{project_id}/import", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'name="ru_file"' in fragment.text and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]

    viewer = make_user(database_url, unique("viewer"))
    other = _project_for(app, user, (viewer, Role.VIEWER))
    viewer_client = make_client()
    login(viewer_client, viewer.username)
    refused = viewer_client.get(f"/projects/{other}/import")
    assert refused.status_code == 403
    assert "Your role does not allow you to edit" in refused.text


def test_upload_shows_encodings_progress_and_lands_in_the_document(
    app: FastAPI, signed_in: tuple[TestClient, User, str]
) -> None:
    client, user, token = signed_in
    project_id = _project_for(app, user)
    response = client.post(
        f"/projects/{project_id}/import",
        data={"title": "Справка 1957", "csrf_token": token},
        files={
            "ru_file": ("справка.txt", RU.encode("cp1251"), "text/plain"),
            "en_file": ("note.txt", EN.encode("utf-16"), "text/plain"),
        },
    )
    assert response.status_code == 303, response.text
    job_url = response.headers["location"]
    assert job_url.startswith("/jobs/")

    waiting = client.get(job_url)
    assert waiting.status_code == 200
    assert "Windows-1251" in waiting.text and "UTF-16 LE" in waiting.text
    assert "справка.txt" in waiting.text
    assert 'hx-trigger="every 1s"' in waiting.text
    assert "<progress" in waiting.text

    _run_jobs(app)

    poll = client.get(job_url, headers={"HX-Request": "true"})
    assert poll.status_code == 200
    target = poll.headers["HX-Redirect"]
    assert target.startswith("/documents/")
    assert "every 1s" not in poll.text  # polling stops
    assert "<html" not in poll.text  # htmx gets only the status block
    page = client.get(job_url)
    assert f'href="{target}"' in page.text
    document_id = int(target.rsplit("/", 1)[1])
    with app.state.session_factory() as session:
        document = session.get(Document, document_id)
        assert document is not None and document.state is DocumentState.READY
        assert document.title == "Справка 1957"
        assert document.ru_encoding == "cp1251"


def test_bad_file_is_refused_in_the_page_and_pasted_text_kept_escaped(
    app: FastAPI, signed_in: tuple[TestClient, User, str]
) -> None:
    client, user, token = signed_in
    project_id = _project_for(app, user)
    hostile = 'Note <script>alert("x")</script> & "quotes"'
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": token, "en_text": hostile},
        files={"ru_file": ("scan.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "text/plain")},
    )
    assert response.status_code == 400
    assert "PNG image, not text" in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in response.text
    assert '<script>alert("x")' not in response.text
    with app.state.session_factory() as session:
        count = session.scalar(
            select(func.count()).select_from(Job).where(Job.project_id == project_id)
        )
    assert count == 0  # nothing queued, nothing half-imported


def test_empty_side_and_unsupported_format_messages(
    app: FastAPI, signed_in: tuple[TestClient, User, str]
) -> None:
    client, user, token = signed_in
    project_id = _project_for(app, user)
    url = f"/projects/{project_id}/import"
    empty = client.post(url, data={"csrf_token": token, "ru_text": RU})
    assert empty.status_code == 400
    assert "The English side is empty" in empty.text
    odt = client.post(
        url,
        data={"csrf_token": token, "en_text": EN},
        files={"ru_file": ("memo.pdf", b"Just text in a file named .pdf", "application/pdf")},
    )
    assert odt.status_code == 400
    assert "cannot read .pdf files" in odt.text and ".docx" in odt.text


def test_file_over_the_upload_limit_says_the_limit(
    make_client: Callable[..., TestClient], app: FastAPI, database_url: str
) -> None:
    client = make_client(max_upload_mb=1)
    owner = make_user(database_url, unique("big"))
    project_id = _project_for(app, owner)
    token = login(client, owner.username)
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": token, "en_text": EN},
        files={"ru_file": ("big.txt", ("Текст. " * 200_000).encode(), "text/plain")},
    )
    assert response.status_code == 413
    assert "the limit is 1 MB per file" in response.text


def test_200_mb_upload_is_refused_before_its_body_is_read(app: FastAPI) -> None:
    import asyncio

    chunks_read = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal chunks_read
        chunks_read += 1
        return {"type": "http.request", "body": b"x" * MB, "more_body": chunks_read < 200}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/projects/1/import",
        "raw_path": b"/projects/1/import",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(200 * MB).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert start["status"] == 413
    assert b"at most 25 MB" in body
    assert chunks_read == 0


def test_worker_in_the_server_runs_the_import(
    make_client: Callable[..., TestClient], app: FastAPI, database_url: str
) -> None:
    client = make_client(run_jobs_in_process=True)
    owner = make_user(database_url, unique("worker"))
    project_id = _project_for(app, owner)
    token = login(client, owner.username)
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": token, "ru_text": RU, "en_text": EN},
    )
    assert response.status_code == 303
    job_url = response.headers["location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        poll = client.get(job_url, headers={"HX-Request": "true"})
        if "HX-Redirect" in poll.headers or "failed" in poll.text:
            break
        time.sleep(0.2)
    assert poll.headers.get("HX-Redirect", "").startswith("/documents/"), poll.text


def test_failed_import_job_page_says_why_and_offers_to_import_again(
    app: FastAPI, signed_in: tuple[TestClient, User, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, user, token = signed_in
    project_id = _project_for(app, user)

    def no_sentences(*args: object, **kwargs: object) -> Document:
        raise ServiceError("Sverka found no sentences in the English text.")

    monkeypatch.setattr(imports, "import_document", no_sentences)
    response = client.post(
        f"/projects/{project_id}/import",
        data={"csrf_token": token, "ru_text": RU, "en_text": EN},
    )
    _run_jobs(app)
    page = client.get(response.headers["location"], headers={"HX-Request": "true"})
    assert "HX-Redirect" not in page.headers
    assert "The job failed." in page.text
    assert "found no sentences in the English text" in page.text
    assert f'href="/projects/{project_id}/import"' in page.text
    assert "every 1s" not in page.text


def test_import_through_the_api(app: FastAPI, signed_in: tuple[TestClient, User, str]) -> None:
    client, user, token = signed_in
    project_id = _project_for(app, user)
    response = client.post(
        f"/api/v1/projects/{project_id}/imports",
        headers={"X-CSRF-Token": token},
        files={
            "ru_file": ("ru.txt", RU.encode("koi8-r"), "text/plain"),
            "en_file": ("en.txt", EN.encode(), "text/plain"),
        },
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["ru_encoding"] == "koi8-r" and body["state"] == "queued"
    _run_jobs(app)
    job = client.get(body["api_url"]).json()
    assert job["state"] == "done" and job["result_url"].startswith("/documents/")
    refused = client.post(
        f"/api/v1/projects/{project_id}/imports",
        headers={"X-CSRF-Token": token},
        files={
            "ru_file": ("ru.txt", EN.encode(), "text/plain"),
            "en_file": ("en.txt", EN.encode(), "text/plain"),
        },
    )
    assert refused.status_code == 400
    assert "no Cyrillic letters" in refused.json()["detail"]


def test_pasted_text_over_a_megabyte_is_accepted(
    app: FastAPI, signed_in: tuple[TestClient, User, str]
) -> None:
    # A book pasted into the form is one large text field (Starlette's default cap is 1 MB).
    client, user, token = signed_in
    project_id = _project_for(app, user)
    ru = (RU + "\n\n") * (1_200_000 // len(RU.encode()) + 1)
    en = (EN + "\n\n") * (1_200_000 // len(EN.encode()) + 1)
    assert len(ru.encode()) > 1024 * 1024
    response = client.post(
        f"/projects/{project_id}/import",
        data={"title": "Long paste", "csrf_token": token, "ru_text": ru, "en_text": en},
    )
    assert response.status_code == 303, response.text[:500]
    job_url = response.headers["location"]
    assert job_url.startswith("/jobs/")
    with app.state.session_factory() as session:  # not aligned here: set the job aside
        session.execute(delete(Job).where(Job.id == int(job_url.rsplit("/", 1)[1])))
        session.commit()
