"""Glossary pages and the terms API: what translators and reviewers see and may do."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.models import Document, DocumentState, Membership, Pair, Project, Role, Segment
from tests.app.conftest import login, make_user, unique

PAIRS = [
    (
        "Дело было рассмотрено тройкой УНКВД по Новосибирской области.",
        "The case was considered by the troika of the UNKVD for Novosibirsk Oblast.",
    ),
    (
        "Решения троек ОГПУ-НКВД-УНКВД пересматриваются Прокуратурой СССР.",
        "The decisions of the OGPU-NKVD-UNKVD troikas are being reviewed by the USSR Procuracy.",
    ),
    (
        "Военная коллегия Верховного суда СССР отменила приговор тройки.",
        "The Military Collegium of the USSR Supreme Court quashed the sentence of the three.",
    ),
    ("Экз. № 2", "Copy No. 3"),
]


@dataclass
class Setup:
    project_id: int
    document_id: int
    pair_ids: list[int]
    owner: str
    reviewer: str
    translator: str
    viewer: str


@pytest.fixture
def setup(database_url: str) -> Setup:
    engine = create_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            names = {role: unique(role.value) for role in Role}
            users = {role: make_user(session, name) for role, name in names.items()}
            project = Project(name=unique("Реабилитация"), created_by_id=users[Role.OWNER].id)
            session.add(project)
            session.flush()
            for role, user in users.items():
                session.add(Membership(project_id=project.id, user_id=user.id, role=role))
            doc = Document(project_id=project.id, title="Memorandum", state=DocumentState.READY)
            session.add(doc)
            session.flush()
            ids = []
            for i, (ru, en) in enumerate(PAIRS):
                pair = Pair(document_id=doc.id, position=i, ru_text=ru, en_text=en)
                pair.segments = [
                    Segment(document_id=doc.id, side="ru", position=0, text=ru),
                    Segment(document_id=doc.id, side="en", position=0, text=en),
                ]
                session.add(pair)
                session.flush()
                ids.append(pair.id)
            session.commit()
            return Setup(project.id, doc.id, ids, names[Role.OWNER], names[Role.REVIEWER],
                         names[Role.TRANSLATOR], names[Role.VIEWER])  # fmt: skip
    finally:
        engine.dispose()


def _post(client: TestClient, url: str, token: str, **data: str) -> object:
    return client.post(url, data={"csrf_token": token, **data})


def _propose(client: TestClient, token: str, setup: Setup, ru: str, en: str, **extra: str):  # type: ignore[no-untyped-def]
    return _post(client, f"/projects/{setup.project_id}/terms", token, ru=ru, en_preferred=en,
                 **extra)  # fmt: skip


def test_translator_proposes_reviewer_approves_through_the_pages(
    client: TestClient, setup: Setup
) -> None:
    token = login(client, setup.translator)
    response = _propose(client, token, setup, "тройка", "troika", en_forbidden="three",
                        note="NKVD commission <b>")  # fmt: skip
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/projects/{setup.project_id}/glossary")
    assert "тройка" in page.text and "proposed" in page.text
    assert "NKVD commission &lt;b&gt;" in page.text
    assert "Approve</button>" not in page.text  # translators do not see reviewer actions
    term_id = int(re.search(r'id="term-(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    refused = _post(client, f"/terms/{term_id}/status", token, status="approved")
    assert refused.status_code == 303  # type: ignore[attr-defined]
    assert "does not allow" in client.get(f"/projects/{setup.project_id}/glossary").text

    client.cookies.clear()
    token = login(client, setup.reviewer)
    page = client.get(f"/projects/{setup.project_id}/glossary")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    done = _post(client, f"/terms/{term_id}/status", token, status="approved", version=version)
    assert done.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/projects/{setup.project_id}/glossary?status=approved")
    assert "тройка" in page.text and "approved by" in page.text


def test_duplicate_and_punctuation_terms_are_explained_in_the_page(
    client: TestClient, setup: Setup
) -> None:
    token = login(client, setup.reviewer)
    _propose(client, token, setup, "тройка", "troika")
    again = _propose(client, token, setup, "тройками", "troikas")
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "already in the glossary" in again.text  # type: ignore[attr-defined]
    assert 'value="тройками"' in again.text  # the form keeps what was typed  # type: ignore[attr-defined]
    dots = _propose(client, token, setup, "…!?", "x")
    assert dots.status_code == 400 and "only punctuation" in dots.text  # type: ignore[attr-defined]


def test_stale_edit_shows_the_current_term(client: TestClient, setup: Setup) -> None:
    token = login(client, setup.reviewer)
    _propose(client, token, setup, "тройка", "troika")
    page = client.get(f"/projects/{setup.project_id}/glossary")
    term_id = int(re.search(r'id="term-(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    form = client.get(f"/terms/{term_id}/edit")
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)  # type: ignore[union-attr]
    first = _post(client, f"/terms/{term_id}", token, version=version, ru="тройка",
                  en_preferred="troika", note="first", status="approved")  # fmt: skip
    assert first.status_code == 303  # type: ignore[attr-defined]
    second = _post(client, f"/terms/{term_id}", token, version=version, ru="тройка",
                   en_preferred="three", note="second", status="approved")  # fmt: skip
    assert second.status_code == 409  # type: ignore[attr-defined]
    assert "changed by someone else" in second.text  # type: ignore[attr-defined]
    assert "The term as it is now" in second.text  # type: ignore[attr-defined]


CSV_BAD = 'ru;en;note\r\nтройка;troika;=HYPERLINK("http://evil")\r\nколлегия;collegium;\r\n'


def test_import_errors_are_shown_and_nothing_is_imported(client: TestClient, setup: Setup) -> None:
    token = login(client, setup.owner)
    url = f"/projects/{setup.project_id}/glossary/import"
    upload = {"file": ("terms.csv", CSV_BAD.encode("cp1251"), "text/csv")}
    bad = client.post(url, data={"csrf_token": token}, files=upload)
    assert bad.status_code == 400
    assert "formula" in bad.text and "nothing was imported" in bad.text
    assert "The glossary is empty" in bad.text
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><tbx><text/></tbx>'
    refused = client.post(url, data={"csrf_token": token},
                          files={"file": ("g.tbx", bomb, "application/xml")})  # fmt: skip
    assert refused.status_code == 400 and "ENTITY" in refused.text
    good = CSV_BAD.replace('=HYPERLINK("http://evil")', "").encode("cp1251")
    ok = client.post(url, data={"csrf_token": token},
                     files={"file": ("terms.csv", good, "text/csv")})  # fmt: skip
    assert ok.status_code == 303
    page = client.get(f"/projects/{setup.project_id}/glossary")
    assert "Imported 2 new terms" in page.text and "коллегия" in page.text
    exported = client.get(f"/projects/{setup.project_id}/glossary/export?format=tbx")
    assert exported.status_code == 200 and b"conceptEntry" in exported.content
    assert "attachment" in exported.headers["content-disposition"]


def test_translators_see_no_import_form(client: TestClient, setup: Setup) -> None:
    login(client, setup.translator)
    page = client.get(f"/projects/{setup.project_id}/glossary")
    assert "Import terms" not in page.text and "Propose a term" in page.text
    client.cookies.clear()
    login(client, setup.viewer)
    page = client.get(f"/projects/{setup.project_id}/glossary")
    assert "Propose a term" not in page.text and "Export CSV" in page.text


def test_consistency_concordance_and_extraction_pages(client: TestClient, setup: Setup) -> None:
    token = login(client, setup.reviewer)
    _propose(client, token, setup, "тройка", "troika", status="approved")
    report = client.get(f"/projects/{setup.project_id}/glossary/consistency")
    assert report.status_code == 200
    assert "none of the glossary equivalents" in report.text
    assert f"/documents/{setup.document_id}?n=3#pair-3" in report.text
    found = client.get(f"/projects/{setup.project_id}/concordance", params={"q": "тройка"})
    assert "<mark>тройкой</mark>" in found.text and "<mark>троек</mark>" in found.text
    assert "3 pairs" in found.text
    english = client.get(f"/projects/{setup.project_id}/concordance", params={"q": "court"})
    assert "<mark>Court</mark>" in english.text and "Военная коллегия" in english.text
    extract = client.get(f"/projects/{setup.project_id}/glossary/extract")
    assert "СССР" in extract.text and 'value="USSR"' in extract.text
    accepted = _post(client, f"/projects/{setup.project_id}/glossary/candidates", token,
                     ru="СССР", en="USSR", decision="accept")  # fmt: skip
    assert accepted.status_code == 303  # type: ignore[attr-defined]
    extract = client.get(f"/projects/{setup.project_id}/glossary/extract")
    assert '<input type="hidden" name="ru" value="СССР">' not in extract.text


def test_review_page_highlights_terms_and_shows_qa(client: TestClient, setup: Setup) -> None:
    token = login(client, setup.reviewer)
    _propose(client, token, setup, "тройка", "troika", en_forbidden="three", status="approved")
    run = _post(client, f"/documents/{setup.document_id}/qa", token)
    assert run.status_code == 303  # type: ignore[attr-defined]
    qa_page = client.get(f"/documents/{setup.document_id}/qa")
    assert "Deprecated or forbidden equivalent used" in qa_page.text
    assert "?n=4#pair-4" in qa_page.text  # Экз. № 2 / Copy No. 3
    review = client.get(f"/documents/{setup.document_id}")
    assert '<mark class="term term-approved"' in review.text
    assert "preferred: troika" in review.text
    flagged = client.get(f"/documents/{setup.document_id}?flagged=1")
    assert "pair-3" in flagged.text and 'pair-1"' not in flagged.text
    # Dismissing a finding keeps it dismissed after the next check.
    issue_id = re.search(r'action="/qa/(\d+)/dismiss"', qa_page.text).group(1)  # type: ignore[union-attr]
    _post(client, f"/qa/{issue_id}/dismiss", token)
    _post(client, f"/documents/{setup.document_id}/qa", token)
    assert (
        f'action="/qa/{issue_id}/dismiss"'
        not in client.get(f"/documents/{setup.document_id}/qa").text
    )


def test_a_pairs_terms_panel_says_what_the_tooltips_say(client: TestClient, setup: Setup) -> None:
    """The highlights' tooltips are for the mouse; key T opens the same in the pair's panel."""
    token = login(client, setup.reviewer)
    _propose(client, token, setup, "тройка", "troika", en_forbidden="three", status="approved")
    review = client.get(f"/documents/{setup.document_id}")
    # Only pairs with a term get the link (pair 4, "Экз. № 2", has none).
    assert f'href="/pairs/{setup.pair_ids[2]}/terms"' in review.text
    assert f'href="/pairs/{setup.pair_ids[3]}/terms"' not in review.text
    assert "<kbd>T</kbd>" in review.text  # in the keyboard list
    panel = client.get(f"/pairs/{setup.pair_ids[2]}/terms", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<section class="panel terms"')
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", panel.text))
    # "…отменила приговор тройки." / "…quashed the sentence of the three."
    assert "тройка" in text and "preferred: troika" in text and "avoid: three" in text
    assert "In the Russian: тройки." in text and "three (forbidden)" in text
    assert "No preferred or admitted equivalent in the English." in text
    first = client.get(f"/pairs/{setup.pair_ids[0]}/terms", headers={"HX-Request": "true"})
    first_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", first.text))
    assert "In the Russian: тройкой. In the English: troika (preferred)." in first_text
    assert "No preferred" not in first_text
    empty = client.get(f"/pairs/{setup.pair_ids[3]}/terms", headers={"HX-Request": "true"})
    assert "No glossary term occurs in this pair." in empty.text
    # Without JavaScript the panel is a page of its own.
    page = client.get(f"/pairs/{setup.pair_ids[2]}/terms")
    assert "<h1>Terms in pair 3</h1>" in page.text


def test_terms_api(client: TestClient, setup: Setup) -> None:
    assert client.get(f"/api/v1/projects/{setup.project_id}/terms").status_code == 401
    token = login(client, setup.translator)
    headers = {"X-CSRF-Token": token}
    created = client.post(f"/api/v1/projects/{setup.project_id}/terms", headers=headers,
                          json={"ru": "тройка", "equivalents": [{"en": "troika"}],
                                "status": "approved"})  # fmt: skip
    assert created.status_code == 201, created.text
    term = created.json()
    assert term["status"] == "proposed" and term["equivalents"] == [
        {"en": "troika", "kind": "preferred"}
    ]
    duplicate = client.post(f"/api/v1/projects/{setup.project_id}/terms", headers=headers,
                            json={"ru": "тройки"})  # fmt: skip
    assert duplicate.status_code == 400 and "already" in duplicate.json()["detail"]
    refused = client.patch(f"/api/v1/terms/{term['id']}", headers=headers,
                           json={"status": "approved", "version": term["version"]})  # fmt: skip
    assert refused.status_code == 403
    client.cookies.clear()
    token = login(client, setup.reviewer)
    headers = {"X-CSRF-Token": token}
    listed = client.get(f"/api/v1/projects/{setup.project_id}/terms", params={"q": "тройками"})
    assert [t["ru"] for t in listed.json()["terms"]] == ["тройка"]
    approved = client.patch(f"/api/v1/terms/{term['id']}", headers=headers,
                            json={"status": "approved", "version": term["version"]})  # fmt: skip
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    stale = client.patch(f"/api/v1/terms/{term['id']}", headers=headers,
                         json={"note": "x", "version": term["version"]})  # fmt: skip
    assert stale.status_code == 409 and stale.json()["current"]["status"] == "approved"
    gone = client.delete(f"/api/v1/terms/{term['id']}", headers=headers)
    assert gone.status_code == 204
    assert client.get(f"/api/v1/terms/{term['id']}").status_code == 404


def test_a_long_document_is_checked_by_a_job_with_progress(
    client: TestClient, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.models import Job, JobState
    from app.services import jobs, qa

    monkeypatch.setattr(qa, "INLINE_LIMIT", 2)
    qa.register_jobs()
    token = login(client, setup.translator)
    started = _post(client, f"/documents/{setup.document_id}/qa", token)
    location = started.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/jobs/\d+", location)
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    jobs.run_pending_jobs_once(jobs.scope_from(factory))
    with factory() as session:
        job = session.get(Job, int(location.rsplit("/", 1)[1]))
        assert job is not None and job.state == JobState.DONE, job.error if job else None
        assert job.progress == 1.0 and job.result["pairs"] == 4
    page = client.get(f"/documents/{setup.document_id}/qa")
    assert "?n=4#pair-4" in page.text  # Экз. № 2 / Copy No. 3: the numbers differ
