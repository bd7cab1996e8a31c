"""The review pages: full pages for browsers without JavaScript, fragments for htmx."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models import Document, DocumentState, Membership, Pair, Project, Role
from tests.app.conftest import login, make_user, unique
from tests.app.test_review_service import add_pairs

HX = {"HX-Request": "true"}

MEMO: list[tuple[list[str], list[str]]] = [
    (["СОВЕРШЕННО СЕКРЕТНО"], ["TOP SECRET"]),
    (["Экз. № 2"], ["Copy No. 2"]),
    (["В Президиум ЦК КПСС"], ["To the Presidium of the CPSU Central Committee"]),
    (
        ["На 1 марта 1957 г. поступило 236 225 жалоб.", "Из них рассмотрено 194 180."],
        ["As of 1 March 1957, 236,225 complaints had been received."],
    ),
    ([], ["Of these, 194,180 have been examined."]),
    (
        ["Проверка показала, что значительная часть дел была сфальсифицирована."],
        ["The review has shown that a considerable part of the cases were fabricated."],
    ),
]


@dataclass
class Setup:
    document_id: int
    translator: str
    reviewer: str
    viewer: str


def build_document(
    database_url: str, pairs: Sequence[tuple[Sequence[str], Sequence[str]]] = MEMO
) -> Setup:
    engine = create_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            owner = make_user(session, unique("owner"))
            project = Project(name=unique("Memoranda"), created_by_id=owner.id)
            session.add(project)
            session.flush()
            names = {}
            for role in (Role.OWNER, Role.TRANSLATOR, Role.REVIEWER, Role.VIEWER):
                user = owner if role is Role.OWNER else make_user(session, unique(role.value))
                session.add(Membership(project_id=project.id, user_id=user.id, role=role))
                names[role] = user.username
            doc = Document(
                project_id=project.id, title="Memorandum 108ss", state=DocumentState.READY
            )
            session.add(doc)
            session.flush()
            add_pairs(session, doc, pairs, [0.3 if i == 2 else 0.9 for i in range(len(pairs))])
            session.commit()
            return Setup(doc.id, names[Role.TRANSLATOR], names[Role.REVIEWER], names[Role.VIEWER])
    finally:
        engine.dispose()


def pair_ids(database_url: str, document_id: int) -> list[tuple[int, int, str, str]]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(Pair.id, Pair.version, Pair.ru_text, Pair.en_text)
                .where(Pair.document_id == document_id)
                .order_by(Pair.position)
            ).all()
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


@pytest.fixture
def setup(database_url: str) -> Setup:
    return build_document(database_url)


def numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="pair-(\d+)"', html)]


def test_signed_out_visitors_go_to_login(client: TestClient, setup: Setup) -> None:
    response = client.get(f"/documents/{setup.document_id}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_full_page_reads_without_javascript(client: TestClient, setup: Setup) -> None:
    login(client, setup.viewer)
    response = client.get(f"/documents/{setup.document_id}")
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert numbers(html) == [1, 2, 3, 4, 5, 6]
    assert '<div class="col-ru cell" lang="ru"' in html
    assert '<div class="col-en cell" lang="en"' in html
    assert "СОВЕРШЕННО СЕКРЕТНО" in html and "TOP SECRET" in html
    assert "— no counterpart —" in html  # pair 5 has no Russian
    assert "Auto-aligned" in html and "30%" in html  # status and low confidence visible
    assert f'href="/documents/{setup.document_id}/map"' in html
    # A viewer reads but gets no editing tools.
    assert "pair-tools" not in html and "edit-link" not in html
    assert "HX-Request" in response.headers["vary"]


def test_htmx_gets_only_the_list(client: TestClient, setup: Setup) -> None:
    login(client, setup.translator)
    response = client.get(f"/documents/{setup.document_id}?q=секрет", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="review-list"')
    assert numbers(response.text) == [1]
    assert "matching (document: 6)" in response.text


def test_text_is_escaped(client: TestClient, database_url: str) -> None:
    setup = build_document(database_url, [(["<b>жирный</b>"], ["<script>alert(1)</script>"])])
    login(client, setup.translator)
    html = client.get(f"/documents/{setup.document_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;b&gt;жирный&lt;/b&gt;" in html


def test_paging_and_go_to_pair(client: TestClient, database_url: str) -> None:
    many = [([f"Предложение номер {i}."], [f"Sentence number {i}."]) for i in range(1, 121)]
    setup = build_document(database_url, many)
    login(client, setup.translator)
    first = client.get(f"/documents/{setup.document_id}")
    assert numbers(first.text) == list(range(1, 51))
    assert "Pairs 1–50 of 120" in first.text
    last = client.get(f"/documents/{setup.document_id}?offset=100")
    assert numbers(last.text) == list(range(101, 121))
    jump = client.get(f"/documents/{setup.document_id}?n=77")
    assert jump.status_code == 303
    assert jump.headers["location"] == f"/documents/{setup.document_id}?offset=50#pair-77"
    hx_jump = client.get(f"/documents/{setup.document_id}?n=77", headers=HX)
    assert 77 in numbers(hx_jump.text)
    assert 'data-focus="77"' in hx_jump.text
    nowhere = client.get(f"/documents/{setup.document_id}?n=500", follow_redirects=True)
    assert "There is no pair 500: this document has pairs 1 to 120." in nowhere.text


def test_bad_regex_is_explained_in_the_page(client: TestClient, setup: Setup) -> None:
    login(client, setup.translator)
    response = client.get(f"/documents/{setup.document_id}", params={"q": "(a+)+$", "regex": "1"})
    assert response.status_code == 200
    assert "repeats a group that itself repeats" in response.text
    ok = client.get(f"/documents/{setup.document_id}", params={"q": r"\d{3} \d{3}", "regex": "1"})
    assert numbers(ok.text) == [4]


def test_edit_without_javascript_redirects_back_to_the_pair(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    pid, version, _, _ = pair_ids(database_url, setup.document_id)[0]
    form = client.get(f"/pairs/{pid}/edit?side=en&back=/documents/{setup.document_id}?offset=0")
    assert form.status_code == 200
    assert f'<textarea id="text-{pid}-en" name="text" lang="en"' in form.text
    if importlib.util.find_spec("app.routes.aids") is not None:
        # Memory matches and spelling load beside the editor.
        assert form.text.count(f'data-aids="spelling" data-aids-pair="{pid}"') == 1
    response = client.post(
        f"/pairs/{pid}/text",
        data={
            "side": "en",
            "text": "STRICTLY SECRET",
            "version": version,
            "csrf_token": token,
            "back": f"/documents/{setup.document_id}",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/documents/{setup.document_id}#pair-1"
    assert pair_ids(database_url, setup.document_id)[0][3] == "STRICTLY SECRET"
    # "Save & next" goes on to the next pair nobody has confirmed.
    pid2, version2, _, _ = pair_ids(database_url, setup.document_id)[1]
    response = client.post(
        f"/pairs/{pid2}/text",
        data={
            "side": "en",
            "text": "Copy no. 2",
            "version": version2,
            "then": "next",
            "csrf_token": token,
        },
    )
    assert response.headers["location"] == f"/documents/{setup.document_id}?n=3"


def test_edit_with_htmx_returns_the_row_and_the_progress(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    pid, version, _, _ = pair_ids(database_url, setup.document_id)[1]
    response = client.post(
        f"/pairs/{pid}/text",
        data={"side": "en", "text": "Copy no. 2 of 3", "version": version, "then": "next"},
        headers={
            **HX,
            "X-CSRF-Token": token,
            "HX-Current-URL": f"http://testserver/documents/{setup.document_id}",
        },
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<article class="pair st-translated')
    assert "Copy no. 2 of 3" in response.text
    assert 'id="progress" class="progress" hx-swap-oob="true"' in response.text
    # Ctrl+Enter: the next pair nobody confirmed is computed on the server.
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger["sverka-next"]["number"] == 3


def test_stale_save_shows_both_versions(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    pid, version, _, _ = pair_ids(database_url, setup.document_id)[0]
    headers = {**HX, "X-CSRF-Token": token}
    first = client.post(
        f"/pairs/{pid}/text",
        data={"side": "en", "text": "STRICTLY SECRET", "version": version},
        headers=headers,
    )
    assert first.status_code == 200
    second = client.post(
        f"/pairs/{pid}/text",
        data={"side": "en", "text": "TOP SECRET!!", "version": version},
        headers=headers,
    )
    assert second.status_code == 409
    assert "STRICTLY SECRET" in second.text and "TOP SECRET!!" in second.text
    assert "Save mine instead" in second.text and "Keep this version" in second.text
    assert pair_ids(database_url, setup.document_id)[0][3] == "STRICTLY SECRET"
    # Without JavaScript the conflict is a page of its own.
    plain = client.post(
        f"/pairs/{pid}/text",
        data={"side": "en", "text": "X", "version": version, "csrf_token": token},
    )
    assert plain.status_code == 409 and "<html" in plain.text


def test_merge_and_undo_with_htmx(client: TestClient, setup: Setup, database_url: str) -> None:
    token = login(client, setup.translator)
    headers = {
        **HX,
        "X-CSRF-Token": token,
        "HX-Current-URL": f"http://testserver/documents/{setup.document_id}",
    }
    pid = pair_ids(database_url, setup.document_id)[3][0]
    merged = client.post(f"/pairs/{pid}/merge", headers=headers)
    assert merged.status_code == 200
    assert merged.text.lstrip().startswith('<section id="review-list"')
    assert numbers(merged.text) == [1, 2, 3, 4, 5]
    assert 'data-focus="4"' in merged.text
    texts = pair_ids(database_url, setup.document_id)
    assert texts[3][3] == (
        "As of 1 March 1957, 236,225 complaints had been received.\n\n"
        "Of these, 194,180 have been examined."
    )
    undone = client.post(f"/documents/{setup.document_id}/undo", headers=headers)
    assert undone.status_code == 200
    assert numbers(undone.text) == [1, 2, 3, 4, 5, 6]
    redone = client.post(f"/documents/{setup.document_id}/redo", data={"csrf_token": token})
    assert redone.status_code == 303
    assert len(pair_ids(database_url, setup.document_id)) == 5


def test_split_move_separate_delete_without_javascript(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    back = f"/documents/{setup.document_id}"
    pid = pair_ids(database_url, setup.document_id)[3][0]
    chooser = client.get(f"/pairs/{pid}/split")
    assert 'name="ru_after" value="1"' in chooser.text
    r = client.post(
        f"/pairs/{pid}/split",
        data={"ru_after": 1, "en_after": 1, "csrf_token": token, "back": back},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#pair-4")
    rows = pair_ids(database_url, setup.document_id)
    assert rows[4][2:] == ("Из них рассмотрено 194 180.", "")
    r = client.post(f"/pairs/{rows[4][0]}/move/en/down", data={"csrf_token": token, "back": back})
    assert r.status_code == 303
    r = client.post(f"/pairs/{rows[2][0]}/separate/ru/empty", data={"csrf_token": token})
    assert r.status_code == 303
    rows = pair_ids(database_url, setup.document_id)
    assert rows[2][2:] == ("В Президиум ЦК КПСС", "")
    assert rows[3][2:] == ("", "To the Presidium of the CPSU Central Committee")
    r = client.post(f"/pairs/{rows[1][0]}/delete", data={"csrf_token": token, "back": back})
    assert r.status_code == 303
    assert all(row[2] != "Экз. № 2" for row in pair_ids(database_url, setup.document_id))
    # A refused change comes back as a message on the page.
    last = pair_ids(database_url, setup.document_id)[-1][0]
    refused = client.post(
        f"/pairs/{last}/merge", data={"csrf_token": token, "back": back}, follow_redirects=True
    )
    assert "This is the last pair: there is no next pair to merge with." in refused.text


def test_refused_change_with_htmx_is_an_error_with_a_message(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    last = pair_ids(database_url, setup.document_id)[-1][0]
    r = client.post(f"/pairs/{last}/merge", headers={**HX, "X-CSRF-Token": token})
    assert r.status_code == 400
    assert "there is no next pair to merge with" in r.text
    assert 'class="error-message"' in r.text


def test_translators_cannot_approve_reviewers_can(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.translator)
    pid = pair_ids(database_url, setup.document_id)[0][0]
    page = client.get(f"/documents/{setup.document_id}").text
    assert '<button class="t-approve"' not in page
    denied = client.post(
        f"/pairs/{pid}/status", data={"status": "approved"}, headers={**HX, "X-CSRF-Token": token}
    )
    assert denied.status_code == 403
    assert "reviewers and owners" in denied.text
    client.cookies.clear()
    token = login(client, setup.reviewer)
    assert '<button class="t-approve"' in client.get(f"/documents/{setup.document_id}").text
    ok = client.post(
        f"/pairs/{pid}/status", data={"status": "approved"}, headers={**HX, "X-CSRF-Token": token}
    )
    assert ok.status_code == 200
    assert "st-approved" in ok.text
    rejected = client.post(
        f"/pairs/{pid}/status", data={"status": "rejected"}, headers={**HX, "X-CSRF-Token": token}
    )
    assert rejected.status_code == 400 and "needs a comment" in rejected.text


def test_viewers_cannot_change_anything(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.viewer)
    pid, version, _, _ = pair_ids(database_url, setup.document_id)[0]
    r = client.post(
        f"/pairs/{pid}/text",
        data={"side": "en", "text": "x", "version": version, "csrf_token": token},
    )
    assert r.status_code in (303, 403)
    assert pair_ids(database_url, setup.document_id)[0][3] == "TOP SECRET"


def test_changes_need_the_csrf_token(client: TestClient, setup: Setup, database_url: str) -> None:
    login(client, setup.translator)
    pid = pair_ids(database_url, setup.document_id)[0][0]
    r = client.post(f"/pairs/{pid}/merge", data={})
    assert r.status_code == 403
    assert len(pair_ids(database_url, setup.document_id)) == 6


def test_history_and_comments_panels(client: TestClient, setup: Setup, database_url: str) -> None:
    token = login(client, setup.translator)
    pid, version, _, _ = pair_ids(database_url, setup.document_id)[0]
    client.post(
        f"/pairs/{pid}/text",
        data={"side": "en", "text": "STRICTLY SECRET", "version": version, "csrf_token": token},
    )
    panel = client.get(f"/pairs/{pid}/history", headers=HX)
    assert panel.text.lstrip().startswith('<section class="panel history"')
    assert "<del>TOP SECRET</del>" in panel.text and "<ins>STRICTLY SECRET</ins>" in panel.text
    page = client.get(f"/pairs/{pid}/history")
    assert "<html" in page.text and "History of pair 1" in page.text
    added = client.post(
        f"/pairs/{pid}/comments",
        data={"body": "Гриф <проверить>"},
        headers={**HX, "X-CSRF-Token": token},
    )
    assert "Гриф &lt;проверить&gt;" in added.text
    empty = client.post(
        f"/pairs/{pid}/comments", data={"body": " "}, headers={**HX, "X-CSRF-Token": token}
    )
    assert "The comment is empty." in empty.text
    comment_id = int(re.search(r"/comments/(\d+)/resolve", added.text).group(1))  # type: ignore[union-attr]
    resolved = client.post(
        f"/comments/{comment_id}/resolve",
        data={"resolved": "1"},
        headers={**HX, "X-CSRF-Token": token},
    )
    assert "Reopen" in resolved.text


def test_map_page_and_strip(client: TestClient, setup: Setup) -> None:
    login(client, setup.viewer)
    page = client.get(f"/documents/{setup.document_id}/map")
    assert page.status_code == 200
    assert page.text.count(f'<a href="/documents/{setup.document_id}?n=') >= 6
    assert "Pair 3: Russian sentences 3–3, English 3–3; auto, confidence 30%" in page.text
    strip = client.get(f"/documents/{setup.document_id}/strip?offset=0&limit=50", headers=HX)
    assert strip.text.lstrip().startswith("<svg")
    assert 'class="c-low"' in strip.text
    assert 'class="window"' in strip.text


def test_unknown_document_is_not_found(client: TestClient, setup: Setup) -> None:
    login(client, setup.viewer)
    assert client.get("/documents/999999").status_code == 404


def test_row_tools_post_one_form_per_row(
    client: TestClient, setup: Setup, database_url: str
) -> None:
    token = login(client, setup.reviewer)
    rows = pair_ids(database_url, setup.document_id)
    headers = {
        **HX,
        "X-CSRF-Token": token,
        "HX-Current-URL": f"http://testserver/documents/{setup.document_id}",
    }
    # A status change answers with the row; a merge retargets the whole list.
    approved = client.post(f"/pairs/{rows[0][0]}/do", data={"op": "approved"}, headers=headers)
    assert approved.status_code == 200 and "HX-Retarget" not in approved.headers
    assert approved.text.lstrip().startswith('<article class="pair st-approved')
    merged = client.post(
        f"/pairs/{rows[3][0]}/do", data={"op": "merge", "version": rows[3][1]}, headers=headers
    )
    assert merged.headers["HX-Retarget"] == "#review-list"
    assert numbers(merged.text) == [1, 2, 3, 4, 5]
    moved = client.post(
        f"/pairs/{rows[3][0]}/do",
        data={"op": "move-en-down", "csrf_token": token},
        headers={"Referer": f"http://testserver/documents/{setup.document_id}?offset=0"},
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/documents/{setup.document_id}?offset=0#pair-4"
    unknown = client.post(f"/pairs/{rows[0][0]}/do", data={"op": "explode"}, headers=headers)
    assert unknown.status_code == 400 and "Unknown action" in unknown.text


def test_realigning_a_long_stretch_runs_as_a_job(
    client: TestClient,
    app: Any,
    setup: Setup,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("alignment.align", reason="the aligner (alignment.align) is not in yet")
    from app.services import jobs, review

    monkeypatch.setattr(review, "REALIGN_INLINE_LIMIT", 2)
    token = login(client, setup.translator)
    rows = pair_ids(database_url, setup.document_id)
    started = client.post(f"/pairs/{rows[0][0]}/do", data={"op": "realign", "csrf_token": token})
    assert started.status_code == 303
    job_url = started.headers["location"]
    assert re.fullmatch(r"/jobs/\d+", job_url)
    jobs.register_all_handlers()
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))
    page = client.get(job_url)
    assert "Done." in page.text
    assert f"/documents/{setup.document_id}?n=1" in page.text
    # Every sentence is still there, in order, and the realignment can be undone.
    after = pair_ids(database_url, setup.document_id)
    assert (
        " ".join(r[2] for r in after if r[2]).split()
        == " ".join(r[2] for r in rows if r[2]).split()
    )
    undone = client.post(f"/documents/{setup.document_id}/undo", data={"csrf_token": token})
    assert undone.status_code == 303
    assert [r[2:] for r in pair_ids(database_url, setup.document_id)] == [r[2:] for r in rows]


def test_short_realign_happens_at_once(client: TestClient, setup: Setup, database_url: str) -> None:
    pytest.importorskip("alignment.align", reason="the aligner (alignment.align) is not in yet")
    token = login(client, setup.translator)
    rows = pair_ids(database_url, setup.document_id)
    headers = {**HX, "X-CSRF-Token": token}
    response = client.post(f"/pairs/{rows[3][0]}/do", data={"op": "realign"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#review-list"
    after = pair_ids(database_url, setup.document_id)
    assert after[:3] == rows[:3]  # pairs before the realigned stretch are untouched


def test_next_unconfirmed_pair(client: TestClient, setup: Setup, database_url: str) -> None:
    token = login(client, setup.translator)
    rows = pair_ids(database_url, setup.document_id)
    client.post(f"/pairs/{rows[1][0]}/confirm", data={"csrf_token": token})
    plain = client.get(f"/documents/{setup.document_id}/next-open?after=0")
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/documents/{setup.document_id}?n=3"
    fragment = client.get(f"/documents/{setup.document_id}/next-open?after=0", headers=HX)
    assert fragment.status_code == 204
    assert json.loads(fragment.headers["HX-Trigger"]) == {"sverka-goto": {"number": 3}}
