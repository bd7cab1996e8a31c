"""Translator aids through the web: matches and spelling beside the editor, find and replace
with a preview, TMX upload and the project dictionary."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models import (
    DictionaryWord,
    Document,
    DocumentState,
    Membership,
    Pair,
    PairStatus,
    Project,
    Role,
    Segment,
)
from glossary.checks.spelling import available
from tests.app.conftest import login, make_user, unique

HX = {"HX-Request": "true"}
ROWS = [
    (
        "Мы ехали на тройке лошадей через лес.",
        "We rode a troika through the forest.",
        PairStatus.APPROVED,
    ),
    ("Мы ехали на тройку лошадей через лес.", "", PairStatus.AUTO),
    ("Он recieved письмо вчера.", "He recieved the letter yesterday.", PairStatus.TRANSLATED),
]


@dataclass
class Setup:
    project_id: int
    document_id: int
    pairs: list[int]
    translator: str
    viewer: str


@pytest.fixture
def setup(database_url: str) -> Setup:
    engine = create_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            owner = make_user(session, unique("owner"))
            viewer = make_user(session, unique("viewer"))
            project = Project(name=unique("Тройка"), created_by_id=owner.id)
            session.add(project)
            session.flush()
            session.add(Membership(project_id=project.id, user_id=owner.id, role=Role.OWNER))
            session.add(Membership(project_id=project.id, user_id=viewer.id, role=Role.VIEWER))
            doc = Document(project_id=project.id, title="Зима", state=DocumentState.READY)
            session.add(doc)
            session.flush()
            ids = []
            for i, (ru, en, status) in enumerate(ROWS):
                pair = Pair(
                    document_id=doc.id,
                    position=i,
                    ru_text=ru,
                    en_text=en,
                    status=status,
                    ru_paragraph=i,
                    en_paragraph=i,
                )
                pair.segments = [
                    Segment(document_id=doc.id, side="ru", position=0, paragraph=i, text=ru)
                ]
                if en:
                    pair.segments.append(
                        Segment(document_id=doc.id, side="en", position=0, paragraph=i, text=en)
                    )
                session.add(pair)
                session.flush()
                ids.append(pair.id)
            session.commit()
            return Setup(project.id, doc.id, ids, owner.username, viewer.username)
    finally:
        engine.dispose()


def test_matches_fragment_shows_score_differences_origin_and_insert_keys(
    client: TestClient, setup: Setup
) -> None:
    login(client, setup.translator)
    response = client.get(f"/pairs/{setup.pairs[1]}/matches", headers=HX)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # a fragment for htmx
    assert re.search(r">9\d%<", html)
    assert '<mark class="diff diff-inflection"' in html and ">тройке</mark>" in html
    assert "We rode a troika through the forest." in html
    assert "Зима" in html  # origin: project / document
    assert 'data-n="1"' in html and "Ctrl</kbd>+<kbd>1" in html
    page = client.get(f"/pairs/{setup.pairs[1]}/matches")
    assert "<html" in page.text  # a direct visit gets a page


@pytest.mark.skipif(not available("en"), reason="needs hunspell-en-us")
def test_spelling_fragment_and_add_word(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    html = client.get(f"/pairs/{setup.pairs[2]}/spelling?side=en", headers=HX).text
    assert 'class="misspelt" lang="en">recieved<' in html
    assert 'data-text="received"' in html
    draft = client.get(
        f"/pairs/{setup.pairs[2]}/spelling",
        params={"side": "en", "text": "He received the leter."},
        headers=HX,
    ).text
    assert ">leter<" in draft and ">recieved<" not in draft
    added = client.post(
        f"/projects/{setup.project_id}/dictionary",
        data={"word": "recieved", "lang": "en", "csrf_token": token},
        headers=HX,
    )
    assert added.status_code == 200 and "recieved" in added.text
    html = client.get(f"/pairs/{setup.pairs[2]}/spelling?side=en", headers=HX).text
    assert "No spelling mistakes found." in html
    engine = create_engine(database_url)
    with Session(engine) as s:
        words = s.scalars(
            select(DictionaryWord.word).where(DictionaryWord.project_id == setup.project_id)
        ).all()
    engine.dispose()
    assert words == ["recieved"]


def test_viewer_sees_matches_but_cannot_add_words_or_replace(
    client: TestClient, setup: Setup
) -> None:
    token = login(client, setup.viewer)
    assert client.get(f"/pairs/{setup.pairs[1]}/matches", headers=HX).status_code == 200
    refused = client.post(
        f"/projects/{setup.project_id}/dictionary",
        data={"word": "вжух", "lang": "ru", "csrf_token": token},
    )
    assert refused.status_code == 403
    assert client.get(f"/documents/{setup.document_id}/replace").status_code == 403


def test_find_and_replace_previews_then_applies_once(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    page = client.get(f"/documents/{setup.document_id}/replace")
    assert page.status_code == 200 and "Find and replace" in page.text
    form = {
        "find": "тройка",
        "replace": "пятёрка",
        "side": "ru",
        "mode": "lemma",
        "scope": "document",
        "csrf_token": token,
    }
    preview = client.post(
        f"/documents/{setup.document_id}/replace", data={**form, "action": "preview"}, headers=HX
    )
    assert preview.status_code == 200
    assert "2 occurrences in 2 pairs" in preview.text
    assert "<del>тройке</del>" in preview.text and "на пятёрке лошадей" in preview.text
    found = re.search(r'name="token" value="([0-9a-f]+)"', preview.text)
    assert found
    applied = client.post(
        f"/documents/{setup.document_id}/replace",
        data={**form, "action": "apply", "token": found.group(1)},
    )
    assert applied.status_code == 303
    engine = create_engine(database_url)
    with Session(engine) as s:
        texts = s.scalars(
            select(Pair.ru_text)
            .where(Pair.document_id == setup.document_id)
            .order_by(Pair.position)
        ).all()
    engine.dispose()
    assert texts[:2] == [
        "Мы ехали на пятёрке лошадей через лес.",
        "Мы ехали на пятёрку лошадей через лес.",
    ]


def test_a_runaway_regex_gets_a_message_not_an_error_page(client: TestClient, setup: Setup) -> None:
    token = login(client, setup.translator)
    bad = client.post(
        f"/documents/{setup.document_id}/replace",
        data={
            "find": "([",
            "replace": "",
            "mode": "regex",
            "side": "en",
            "action": "preview",
            "csrf_token": token,
        },
        headers=HX,
    )
    assert bad.status_code == 422
    assert "not valid" in bad.text


def test_tmx_upload_broken_file_and_memories_page(client: TestClient, setup: Setup) -> None:
    token = login(client, setup.translator)
    tmx = (
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="ru" '
        'creationtool="x" datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x"/>'
        '<body><tu><tuv xml:lang="ru"><seg>Снег шёл три дня подряд.</seg></tuv>'
        '<tuv xml:lang="en"><seg>It snowed for three days running.</seg></tuv></tu></body></tmx>'
    ).encode()
    ok = client.post(
        f"/projects/{setup.project_id}/memories",
        files={"file": ("winter.tmx", tmx, "application/xml")},
        data={"csrf_token": token},
    )
    assert ok.status_code == 303
    page = client.get(f"/projects/{setup.project_id}/memories")
    assert "winter.tmx" in page.text and "1 translation units added" in page.text
    broken = client.post(
        f"/projects/{setup.project_id}/memories",
        files={"file": ("cut.tmx", tmx[:-30], "application/xml")},
        data={"csrf_token": token},
    )
    assert broken.status_code == 400
    assert "cut.tmx" in broken.text and "Traceback" not in broken.text


def test_an_oversized_memory_is_refused_with_the_limit_before_it_is_read(
    make_client: Callable[..., TestClient], setup: Setup
) -> None:
    client = make_client(max_request_mb=1)
    token = login(client, setup.translator)
    assert "up to 1 MB" in client.get(f"/projects/{setup.project_id}/memories").text
    huge = b"<tmx>" + b" " * (2 * 1024 * 1024)
    refused = client.post(
        f"/projects/{setup.project_id}/memories",
        files={"file": ("huge.tmx", huge, "application/xml")},
        data={"csrf_token": token},
    )
    assert refused.status_code == 413
    assert "at most 1 MB" in refused.text


def test_the_review_editor_loads_matches_and_spelling_beside_the_text(
    client: TestClient, setup: Setup
) -> None:
    login(client, setup.translator)
    pair = setup.pairs[1]
    editor = client.get(f"/pairs/{pair}/edit?side=en", headers=HX).text
    assert f'hx-get="/pairs/{pair}/matches"' in editor
    assert f'hx-get="/pairs/{pair}/spelling?side=en"' in editor
    russian = client.get(f"/pairs/{pair}/edit?side=ru", headers=HX).text
    assert "/matches" not in russian and f"/pairs/{pair}/spelling?side=ru" in russian
    page = client.get(f"/documents/{setup.document_id}").text
    assert "js/aids.js" in page and "Insert memory match" in page


def test_a_large_memory_is_stored_by_a_background_job(
    app: FastAPI, client: TestClient, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import jobs, tm

    monkeypatch.setattr(tm, "JOB_THRESHOLD", 1)
    tm.register_jobs()
    token = login(client, setup.translator)
    units = "".join(
        f'<tu><tuv xml:lang="ru"><seg>Снег шёл {n} дня подряд.</seg></tuv>'
        f'<tuv xml:lang="en"><seg>It snowed for {n} days running.</seg></tuv></tu>'
        for n in (2, 3, 4)
    )
    tmx = (
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="ru" '
        'creationtool="x" datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x"/>'
        f"<body>{units}</body></tmx>"
    ).encode()
    started = client.post(
        f"/projects/{setup.project_id}/memories",
        files={"file": ("big.tmx", tmx, "application/xml")},
        data={"csrf_token": token},
    )
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))
    job = client.get(started.headers["location"], headers=HX)
    assert job.headers.get("HX-Redirect") == f"/projects/{setup.project_id}/memories"
    page = client.get(f"/projects/{setup.project_id}/memories").text
    assert "big.tmx" in page and "<td>3</td>" in page
