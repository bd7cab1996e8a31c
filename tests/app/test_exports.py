"""Exports through the application: the Export panel, the REST API, jobs with progress.

Each test builds a team (owner, reviewer, translator, viewer, outsider) around a small memo
document, and reads the files the app sends back with the format layer's own readers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.interchange.tmx import read_tmx
from app.interchange.xliff import read_xliff
from app.models import (
    AuditEvent,
    Comment,
    EquivalentKind,
    Pair,
    PairStatus,
    Project,
    Term,
    TermEquivalent,
    TermStatus,
)
from app.services import exports, jobs
from tests.app.team import MEMO, Team, add_document, client_for, make_team


@pytest.fixture
def team(app: FastAPI) -> Team:
    return make_team(app)


@pytest.fixture
def clients(app: FastAPI, team: Team) -> Iterator[dict[str, tuple[TestClient, str]]]:
    made: dict[str, tuple[TestClient, str]] = {}
    for role in ("owner", "reviewer", "translator", "viewer", "outsider"):
        made[role] = client_for(app, team.username(role))
    yield made
    for client, _ in made.values():
        client.__exit__(None, None, None)


def _post_export(client: TestClient, token: str, project_id: int, **fields: Any) -> Any:
    data = {"csrf_token": token, "format": "tmx", "title_page": "true", "appendix": "true"}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(f"/projects/{project_id}/export", data=data)


def _set_status(app: FastAPI, pair_ids: list[int], status: PairStatus) -> None:
    with app.state.session_factory() as session, session.begin():
        session.execute(update(Pair).where(Pair.id.in_(pair_ids)).values(status=status))


def test_the_project_page_offers_the_export_panel(clients: dict, team: Team) -> None:
    client, _ = clients["owner"]
    page = client.get(f"/projects/{team.project_id}")
    assert f'href="/projects/{team.project_id}/export"' in page.text
    assert f'href="/documents/{team.document_id}/export"' in page.text
    panel = client.get(f"/documents/{team.document_id}/export")
    assert panel.status_code == 200
    for label in ("TMX 1.4b", "XLIFF", "PDF", "EPUB", "Only approved pairs", "Title page"):
        assert label in panel.text
    assert f'value="document:{team.document_id}" selected' in panel.text
    assert "Import TMX or XLIFF" in panel.text


def test_a_small_document_downloads_at_once_as_tmx(app: FastAPI, clients: dict, team: Team) -> None:
    client, token = clients["translator"]
    response = _post_export(client, token, team.project_id, target=f"document:{team.document_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-tmx+xml")
    assert ".tmx" in response.headers["content-disposition"]
    memory = read_tmx(response.content)
    assert [(u.ru, u.en) for u in memory.units] == MEMO
    assert [u.position for u in memory.units] == [1, 2, 3, 4, 5]
    # The temporary file is removed once sent, and the export is in the audit trail.
    assert not list((app.state.settings.data_dir / "exports" / "tmp").glob("*"))
    with app.state.session_factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.project_id == team.project_id)
        ).all()
    assert "export" in actions


def test_viewers_export_only_when_the_project_allows(
    app: FastAPI, clients: dict, team: Team
) -> None:
    client, token = clients["viewer"]
    target = f"document:{team.document_id}"
    assert _post_export(client, token, team.project_id, target=target).status_code == 200
    api = client.get(f"/api/v1/documents/{team.document_id}/export?format=tsv")
    assert api.status_code == 200
    with app.state.session_factory() as session, session.begin():
        session.execute(
            update(Project).where(Project.id == team.project_id).values(viewers_may_export=False)
        )
    refused = _post_export(client, token, team.project_id, target=target)
    assert refused.status_code == 403
    assert "export" in refused.text
    api = client.get(f"/api/v1/documents/{team.document_id}/export?format=tsv")
    assert api.status_code == 403
    assert "not allow you to export" in api.json()["detail"]
    assert "do not let viewers export" in client.get(f"/projects/{team.project_id}/export").text
    # Other roles are not affected; outsiders learn nothing about the project.
    owner, owner_token = clients["owner"]
    assert _post_export(owner, owner_token, team.project_id, target=target).status_code == 200
    outsider, _ = clients["outsider"]
    assert outsider.get(f"/api/v1/documents/{team.document_id}/export").status_code == 404


def test_only_approved_pairs_leave_when_asked(app: FastAPI, clients: dict, team: Team) -> None:
    _set_status(app, team.pair_ids[1:3], PairStatus.APPROVED)
    client, token = clients["reviewer"]
    response = _post_export(
        client, token, team.project_id, target=f"document:{team.document_id}",
        format="tsv", only_approved="true",
    )  # fmt: skip
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter="\t"))
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [
        (MEMO[1][0], MEMO[1][1], "approved"),
        (MEMO[2][0], MEMO[2][1], "approved"),
    ]
    # Pair numbers stay those of the document.
    assert [r[0] for r in rows[1:]] == ["2", "3"]


def test_nothing_approved_is_said_plainly(clients: dict, team: Team) -> None:
    client, token = clients["owner"]
    response = _post_export(client, token, team.project_id, only_approved="true")
    assert response.status_code == 400
    assert "no approved pairs yet" in response.text


def test_comments_become_notes_and_approved_terms_the_glossary(
    app: FastAPI, clients: dict, team: Team
) -> None:
    with app.state.session_factory() as session, session.begin():
        owner_id = team.users["owner"].id
        session.add(Comment(pair_id=team.pair_ids[3], user_id=owner_id, body="«тройки»: troikas"))
        approved = Term(
            project_id=team.project_id, ru="тройка", ru_key="тройка",
            status=TermStatus.APPROVED, note="extrajudicial board",
        )  # fmt: skip
        proposed = Term(project_id=team.project_id, ru="жалоба", ru_key="жалоба")
        approved.equivalents = [
            TermEquivalent(en="troika", kind=EquivalentKind.PREFERRED),
            TermEquivalent(en="three-man board", kind=EquivalentKind.FORBIDDEN),
        ]
        proposed.equivalents = [TermEquivalent(en="grievance letter")]
        session.add_all([approved, proposed])
    client, _ = clients["owner"]
    tmx = client.get(f"/api/v1/documents/{team.document_id}/export?format=tmx")
    units = read_tmx(tmx.content).units
    assert units[3].notes == ("«тройки»: troikas",)
    html = client.get(f"/api/v1/documents/{team.document_id}/export?format=html").text
    assert "Glossary" in html and "troika" in html and "extrajudicial board" in html
    assert "three-man board" not in html  # forbidden equivalents are not a rendering
    assert "grievance letter" not in html  # only approved terms
    assert "«тройки»: troikas" in html
    bare = client.get(
        f"/api/v1/documents/{team.document_id}/export?format=html&appendix=false&title_page=false"
    ).text
    assert "<h2>Glossary</h2>" not in bare and '<header class="title-page">' not in bare
    assert "<h2>Glossary</h2>" in html and '<header class="title-page">' in html


def test_a_project_edition_heads_each_document_with_its_title(
    app: FastAPI, clients: dict, team: Team
) -> None:
    with app.state.session_factory() as session, session.begin():
        add_document(
            session, team.project_id, team.users["owner"].id,
            [("Приложение", "Appendix"), ("Список дел прилагается.", "The list is attached.")],
            title="Appendix to the memo",
        )  # fmt: skip
    client, token = clients["owner"]
    response = _post_export(client, token, team.project_id, target="project", format="html")
    html = response.text
    assert html.index("Memo № 108сс") < html.index("TOP SECRET")
    assert html.index("TOP SECRET") < html.index("Appendix to the memo")
    assert html.index("Appendix to the memo") < html.index("The list is attached.")
    # Numbers run on across documents; a document's title is no pair and has none.
    numbered = _post_export(
        client, token, team.project_id, target="project", format="html", pair_numbers="true"
    ).text
    assert "<h2>Memo № 108сс</h2>" in numbered
    assert '<h2><sup class="n">6</sup>Приложение</h2>' in numbered
    assert '<sup class="n">7</sup>Список дел прилагается.' in numbered
    # In a memory the titles are not pairs.
    tmx = read_tmx(_post_export(client, token, team.project_id, target="project").content)
    assert len(tmx.units) == len(MEMO) + 2
    assert [u.position for u in tmx.units] == list(range(1, len(MEMO) + 3))


def _run_jobs(app: FastAPI) -> None:
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))


def test_a_large_export_runs_as_a_job_with_progress_and_a_download(
    app: FastAPI, clients: dict, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "DIRECT_LIMITS", {"pdf": 2})
    exports.register_jobs()
    seen: list[tuple[float, str]] = []
    original = exports._run_export_job

    def recording(job_id: int, payload: dict[str, Any], report: Any) -> Any:
        def record(fraction: float, message: str = "") -> None:
            seen.append((fraction, message))
            report(fraction, message)

        return original(job_id, payload, record)

    jobs.register_handler(exports.EXPORT_JOB, recording)
    try:
        client, token = clients["translator"]
        response = _post_export(client, token, team.project_id, format="pdf", pair_numbers="true")
        assert response.status_code == 303
        page_url = response.headers["location"]
        assert re.fullmatch(r"/exports/\d+", page_url)
        waiting = client.get(page_url)
        assert "<progress" in waiting.text and "Waiting to start" in waiting.text
        assert 'hx-trigger="every 1s"' in waiting.text
        _run_jobs(app)
    finally:
        exports.register_jobs()
    fractions = [f for f, _ in seen]
    assert fractions and fractions == sorted(fractions) and 0 < fractions[0] < 1
    assert any("Writing pair" in m for _, m in seen)
    done = client.get(page_url)
    assert "Download" in done.text and "5 pairs" in done.text
    # The progress bar polls for its own fragment, which stops polling once the job is done.
    fragment = client.get(page_url, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<section id="export-status"')
    assert "hx-trigger" not in fragment and f"{page_url}/download" in fragment
    download = client.get(f"{page_url}/download")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
    assert download.headers["content-type"] == "application/pdf"
    # The job's file is for the project's exporters only.
    outsider, _ = clients["outsider"]
    assert outsider.get(f"{page_url}/download").status_code == 404


def test_the_api_exports_a_project_as_a_job(app: FastAPI, clients: dict, team: Team) -> None:
    exports.register_jobs()
    client, token = clients["owner"]
    started = client.post(
        f"/api/v1/projects/{team.project_id}/exports",
        json={"format": "xliff", "only_approved": False},
        headers={"X-CSRF-Token": token},
    )
    assert started.status_code == 202, started.text
    body = started.json()
    assert client.get(body["api_url"]).json()["state"] == "queued"
    not_yet = client.get(body["download_url"])
    assert not_yet.status_code == 400 and "not finished" in not_yet.json()["detail"]
    _run_jobs(app)
    state = client.get(body["api_url"]).json()
    assert state["state"] == "done" and state["progress"] == 1.0
    memory = read_xliff(client.get(body["download_url"]).content)
    assert [(u.ru, u.en) for u in memory.units] == MEMO
    unknown = client.post(
        f"/api/v1/projects/{team.project_id}/exports",
        json={"format": "odt"},
        headers={"X-CSRF-Token": token},
    )
    assert unknown.status_code == 400
    assert "cannot export “odt”" in unknown.json()["detail"]


def test_every_format_downloads_with_its_type(clients: dict, team: Team) -> None:
    client, _ = clients["owner"]
    expected = {
        "tmx": b"<tmx",
        "xliff": b"urn:oasis:names:tc:xliff:document:2.0",
        "xliff12": b"urn:oasis:names:tc:xliff:document:1.2",
        "tsv": "Проверка".encode(),
        "csv": "Проверка".encode(),
        "html": b"<!DOCTYPE html>",
        "docx": b"PK",
        "pdf": b"%PDF",
        "epub": b"PK",
    }
    for fmt, marker in expected.items():
        response = client.get(f"/api/v1/documents/{team.document_id}/export?format={fmt}")
        assert response.status_code == 200, (fmt, response.text)
        assert marker in response.content[:4000] or marker in response.content, fmt
        assert response.headers["content-disposition"].startswith("attachment")


def test_export_files_are_kept_a_week(tmp_path: Any) -> None:
    import os
    import time

    root = exports.exports_dir(tmp_path)
    old, fresh, tmp = root / "11", root / "12", root / "tmp"
    for folder in (old, fresh, tmp):
        folder.mkdir(parents=True)
    (old / "memo.tmx").write_text("old")
    (fresh / "memo.tmx").write_text("fresh")
    stray = tmp / "export-abc.pdf"
    stray.write_text("left by a crash")
    week_ago = time.time() - exports.KEEP_FILES_S - 60
    os.utime(old, (week_ago, week_ago))
    os.utime(stray, (week_ago, week_ago))
    assert exports.remove_old_exports(tmp_path) == 2
    assert not old.exists() and not stray.exists()
    assert (fresh / "memo.tmx").read_text() == "fresh" and tmp.is_dir()


@pytest.mark.slow
def test_a_project_epub_with_several_documents_passes_epubcheck(
    app: FastAPI, clients: dict, team: Team, tmp_path: Any
) -> None:
    import shutil
    import subprocess
    from pathlib import Path

    jar = Path("/usr/share/java/epubcheck.jar")
    if shutil.which("java") is None or not jar.is_file():
        pytest.skip("needs Debian's epubcheck package (and java)")
    with app.state.session_factory() as session, session.begin():
        add_document(
            session, team.project_id, team.users["owner"].id,
            [("Приложение", "Appendix"), ("Список & <дел> прилагается.", "The list is attached.")],
            title="Appendix to the memo",
        )  # fmt: skip
        session.add(Comment(pair_id=team.pair_ids[0], body="Stamp in red ink."))
    client, token = clients["owner"]
    response = _post_export(
        client, token, team.project_id, target="project", format="epub",
        pair_numbers="true", layout="alternating",
    )  # fmt: skip
    assert response.status_code == 200
    book = tmp_path / "project.epub"
    book.write_bytes(response.content)
    run = subprocess.run(
        ["java", "-jar", str(jar), str(book)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 fatals / 0 errors / 0 warnings" in run.stdout
