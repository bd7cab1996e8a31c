"""TMX and XLIFF back into Sverka: round trips through the app, CAT-tool work restored into a
document, and hostile or broken files refused with a clear message and nothing imported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select, update

from app.models import Comment, Document, Pair, PairStatus, Revision, Segment
from app.services import interchange_import
from tests.app.team import Team, add_document, client_for, make_team
from tests.interchange.memo import TRICKY

STATUSES = list(PairStatus)
#: The memo's hard cases (markup characters, quotes, emoji, a combining accent, NBSP, a tab,
#: a control character, spaces at the ends) plus a pair split over two paragraphs.
TEXTS = [*TRICKY, ("Первый абзац.\nВторой абзац.", "First paragraph.\nSecond paragraph.")]

XLIFF2 = "{urn:oasis:names:tc:xliff:document:2.0}"


@pytest.fixture
def team(app: FastAPI) -> Team:
    made = make_team(app, pairs=TEXTS)
    with app.state.session_factory() as session, session.begin():
        for index, pair_id in enumerate(made.pair_ids):
            session.execute(
                update(Pair)
                .where(Pair.id == pair_id)
                .values(status=STATUSES[index % len(STATUSES)])
            )
        session.add(
            Comment(
                pair_id=made.pair_ids[1],
                user_id=made.users["reviewer"].id,
                body="Ударение & <пометка> 📁",
            )
        )
    return made


@pytest.fixture
def clients(app: FastAPI, team: Team) -> Iterator[dict[str, tuple[TestClient, str]]]:
    made = {role: client_for(app, team.username(role)) for role in team.users}
    yield made
    for client, _ in made.values():
        client.__exit__(None, None, None)


def _pairs(app: FastAPI, document_id: int) -> list[tuple[str, str, str]]:
    with app.state.session_factory() as session:
        rows = session.execute(
            select(Pair.ru_text, Pair.en_text, Pair.status)
            .where(Pair.document_id == document_id)
            .order_by(Pair.position)
        ).all()
    return [(ru, en, PairStatus(status).value) for ru, en, status in rows]


def _documents(app: FastAPI, project_id: int) -> int:
    with app.state.session_factory() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Document).where(Document.project_id == project_id)
            )
            or 0
        )


def _import(
    client: TestClient,
    token: str,
    project_id: int,
    name: str,
    data: bytes,
    *,
    mode: str = "document",
    document_id: int | None = None,
) -> TestClient:
    return client.post(  # type: ignore[return-value]
        f"/projects/{project_id}/interchange-import",
        data={
            "csrf_token": token,
            "mode": mode,
            "document_id": str(document_id or ""),
            "title": "Back from the CAT tool",
        },
        files={"file": (name, data, "application/octet-stream")},
    )


@pytest.mark.parametrize(("fmt", "name"), [("tmx", "memo.tmx"), ("xliff", "memo.xlf"),
                                           ("xliff12", "memo.xliff")])  # fmt: skip
def test_export_then_import_gives_back_the_same_pairs(
    app: FastAPI, clients: dict, team: Team, fmt: str, name: str
) -> None:
    client, token = clients["owner"]
    exported = client.get(f"/api/v1/documents/{team.document_id}/export?format={fmt}")
    assert exported.status_code == 200
    response = _import(client, token, team.project_id, name, exported.content)
    assert response.status_code == 303, response.text
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert new_id != team.document_id
    assert _pairs(app, new_id) == _pairs(app, team.document_id)
    assert {s for _, _, s in _pairs(app, new_id)} == {s.value for s in PairStatus}
    with app.state.session_factory() as session:
        bodies = session.scalars(
            select(Comment.body).join(Pair).where(Pair.document_id == new_id)
        ).all()
        # A two-paragraph pair comes back as two segments in two paragraphs.
        last = session.scalars(
            select(Pair.id).where(Pair.document_id == new_id).order_by(Pair.position.desc())
        ).first()
        segments = session.execute(
            select(Segment.side, Segment.paragraph, Segment.text)
            .where(Segment.pair_id == last, Segment.side == "en")
            .order_by(Segment.position)
        ).all()
    assert bodies == ["Ударение & <пометка> 📁"]
    assert [s.text for s in segments] == ["First paragraph.", "Second paragraph."]
    assert segments[0].paragraph + 1 == segments[1].paragraph
    # The flash on the document page says what happened.
    assert f"Imported {len(TEXTS)} pairs." in client.get(f"/documents/{new_id}").text


def test_a_translator_cannot_approve_through_an_import(
    app: FastAPI, clients: dict, team: Team
) -> None:
    owner, _ = clients["owner"]
    exported = owner.get(f"/api/v1/documents/{team.document_id}/export?format=tmx").content
    client, token = clients["translator"]
    response = _import(client, token, team.project_id, "memo.tmx", exported)
    assert response.status_code == 303
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    statuses = [s for _, _, s in _pairs(app, new_id)]
    assert not {"reviewed", "approved", "rejected"} & set(statuses)
    assert "translated" in statuses
    page = client.get(f"/documents/{new_id}").text
    assert "only reviewers and owners may set those" in page


def _edited_xliff(original: bytes, number: int, english: str, state: str) -> bytes:
    """What a CAT tool sends back: one target retranslated and its state changed."""
    root = etree.fromstring(original)
    unit = [u for u in root.iter(f"{XLIFF2}unit")][number - 1]
    segment = unit.find(f"{XLIFF2}segment")
    assert segment is not None
    target = segment.find(f"{XLIFF2}target")
    assert target is not None
    for child in list(target):
        target.remove(child)
    target.text = english
    segment.set("state", state)
    segment.attrib.pop("subState", None)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def test_work_from_a_cat_tool_is_restored_into_the_document(
    app: FastAPI, clients: dict, team: Team
) -> None:
    reviewer, token = clients["reviewer"]
    exported = reviewer.get(f"/api/v1/documents/{team.document_id}/export?format=xliff").content
    before = _pairs(app, team.document_id)
    edited = _edited_xliff(exported, 3, "No. 108ss dated 2 April", "final")
    response = _import(
        reviewer, token, team.project_id, "memo.xlf", edited,
        mode="restore", document_id=team.document_id,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/documents/{team.document_id}"
    after = _pairs(app, team.document_id)
    assert after[2] == (before[2][0], "No. 108ss dated 2 April", "approved")
    assert after[:2] == before[:2] and after[3:] == before[3:]
    with app.state.session_factory() as session:
        pair = session.get(Pair, team.pair_ids[2])
        assert pair is not None and pair.version > 1
        assert [s.text for s in pair.segments if s.side == "en"] == ["No. 108ss dated 2 April"]
        history = session.execute(
            select(Revision.field, Revision.before, Revision.after).where(
                Revision.pair_id == pair.id, Revision.action == "import"
            )
        ).all()
        comments = session.scalar(
            select(func.count()).select_from(Comment).join(Pair)
            .where(Pair.document_id == team.document_id)
        )  # fmt: skip
    assert ("en_text", before[2][1], "No. 108ss dated 2 April") in history
    assert ("status", before[2][2], "approved") in history
    assert comments == 1  # the note that came back was already a comment: not doubled
    assert "1 pair was changed" in reviewer.get(f"/documents/{team.document_id}").text


def test_restoring_an_unrelated_file_is_refused(app: FastAPI, clients: dict, team: Team) -> None:
    with app.state.session_factory() as session, session.begin():
        other_id, _ = add_document(
            session, team.project_id, team.users["owner"].id, [("Совсем другое.", "Else.")]
        )
    client, token = clients["owner"]
    other = client.get(f"/api/v1/documents/{other_id}/export?format=tmx").content
    response = _import(
        client, token, team.project_id, "other.tmx", other,
        mode="restore", document_id=team.document_id,
    )  # fmt: skip
    assert response.status_code == 400
    assert "None of the 1 units" in response.text and "import it as a new document" in response.text


def test_viewers_and_outsiders_cannot_import(clients: dict, team: Team) -> None:
    owner, _ = clients["owner"]
    exported = owner.get(f"/api/v1/documents/{team.document_id}/export?format=tmx").content
    viewer, token = clients["viewer"]
    refused = _import(viewer, token, team.project_id, "memo.tmx", exported)
    assert refused.status_code == 403
    assert "Import TMX or XLIFF" not in viewer.get(f"/projects/{team.project_id}/export").text
    outsider, token = clients["outsider"]
    assert _import(outsider, token, team.project_id, "memo.tmx", exported).status_code == 404


TMX_HEAD = (
    '<?xml version="1.0"?>{doctype}<tmx version="1.4"><header creationtool="x" '
    'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="{src}" '
    'datatype="plaintext"/><body>'
)


def _tmx(units: str, *, doctype: str = "", src: str = "ru") -> bytes:
    return (TMX_HEAD.format(doctype=doctype, src=src) + units + "</body></tmx>").encode()


def _bomb() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return _tmx(
        '<tu><tuv xml:lang="ru"><seg>&lol9;</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>',
        doctype=f"<!DOCTYPE tmx [{''.join(entities)}]>",
    )


def _bad_files(tmp_path: Path) -> dict[str, tuple[str, bytes, str]]:
    secret = tmp_path / "secret.txt"
    secret.write_text("PASSWORD=hunter2")
    leak = _tmx(
        '<tu><tuv xml:lang="ru"><seg>&leak;</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>',
        doctype=f'<!DOCTYPE tmx [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>',
    )
    german = _tmx(
        '<tu><tuv xml:lang="de"><seg>Akte</seg></tuv><tuv xml:lang="fr"><seg>dossier</seg>'
        "</tuv></tu>",
        src="de",
    )
    babel = _tmx(
        "<tu>"
        + "".join(f'<tuv xml:lang="x{i:04d}"><seg>w{i}</seg></tuv>' for i in range(1000))
        + "</tu>"
    )
    return {
        "malformed": (
            "broken.tmx",
            b'<?xml version="1.0"?><tmx><body><tu><tuv>',
            "not well-formed",
        ),
        "bomb": ("bomb.tmx", _bomb(), "entities"),
        "external entity": ("leak.tmx", leak, "entities"),
        "unknown pair": ("german.tmx", german, "de, fr"),
        "thousand languages": ("babel.tmx", babel, "more than 40 languages"),
        "not a memory": ("notes.txt", "Просто текст.".encode(), "neither a TMX nor an XLIFF"),
        "empty": ("empty.tmx", b"", "“empty.tmx” is empty"),
    }


def test_bad_files_are_refused_clearly_and_nothing_is_imported(
    app: FastAPI, clients: dict, team: Team, tmp_path: Path
) -> None:
    client, token = clients["owner"]
    before_docs = _documents(app, team.project_id)
    before_pairs = _pairs(app, team.document_id)
    for case, (name, data, message) in _bad_files(tmp_path).items():
        for mode in ("document", "restore"):
            response = _import(
                client, token, team.project_id, name, data,
                mode=mode, document_id=team.document_id,
            )  # fmt: skip
            assert response.status_code == 400, (case, response.text[:300])
            assert message in response.text, case
            assert 'role="alert"' in response.text
            assert "hunter2" not in response.text
            assert "Traceback" not in response.text
    assert _documents(app, team.project_id) == before_docs
    assert _pairs(app, team.document_id) == before_pairs


def test_an_oversize_file_is_refused_before_it_is_read(
    make_client: object, app: FastAPI, team: Team
) -> None:
    from tests.app.conftest import login

    small = make_client(max_upload_mb=1, max_request_mb=5)  # type: ignore[operator]
    token = login(small, team.username("owner"))
    unit = (
        '<tu><tuv xml:lang="ru"><seg>дело</seg></tuv><tuv xml:lang="en"><seg>case</seg></tuv></tu>'
    )
    big = _tmx(unit * (1_300_000 // len(unit)))
    assert len(big) > 1024 * 1024
    response = _import(small, token, team.project_id, "big.tmx", big)
    assert response.status_code == 413
    assert "at most 1 MB" in response.text
    assert _documents(app, team.project_id) == 1


def test_a_failure_halfway_leaves_nothing_behind(
    app: FastAPI, clients: dict, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, token = clients["owner"]
    exported = owner.get(f"/api/v1/documents/{team.document_id}/export?format=tmx").content

    def broken(*args: object, **kwargs: object) -> list[tuple[int, str]]:
        raise RuntimeError("disk full")

    # The pairs are already inserted when the segments fail.
    monkeypatch.setattr(interchange_import, "_segments_for", broken)
    with pytest.raises(RuntimeError):
        _import(owner, token, team.project_id, "memo.tmx", exported)
    assert _documents(app, team.project_id) == 1
    with app.state.session_factory() as session:
        orphans = session.scalar(
            select(func.count()).select_from(Pair).join(Document)
            .where(Document.project_id == team.project_id)
        )  # fmt: skip
    assert orphans == len(TEXTS)


def test_another_tools_memory_seeds_a_new_project(app: FastAPI, clients: dict, team: Team) -> None:
    from app.models import Membership, Project, Role

    foreign = _tmx(
        '<tu><tuv xml:lang="ru-RU"><seg>Архив закрыт.</seg></tuv>'
        '<tuv xml:lang="en-GB"><seg>The archive is closed.</seg></tuv></tu>'
        '<tu><tuv xml:lang="RU"><seg>Дело № 7</seg></tuv>'
        '<tuv xml:lang="EN-US"><seg>File No. 7</seg></tuv></tu>'
        '<tu><tuv xml:lang="de"><seg>Akte</seg></tuv><tuv xml:lang="ru"><seg>Дело</seg></tuv></tu>'
    )
    client, token = clients["translator"]
    response = client.post(
        f"/projects/{team.project_id}/interchange-import",
        data={"csrf_token": token, "mode": "project", "title": "Seeded from OmegaT"},
        files={"file": ("omegat-project.tmx", foreign, "application/x-tmx+xml")},
    )
    assert response.status_code == 303, response.text
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert _pairs(app, new_id) == [
        ("Архив закрыт.", "The archive is closed.", "translated"),
        ("Дело № 7", "File No. 7", "translated"),
    ]
    with app.state.session_factory() as session:
        doc = session.get(Document, new_id)
        assert doc is not None and doc.project_id != team.project_id
        project = session.get(Project, doc.project_id)
        assert project is not None and project.name == "Seeded from OmegaT"
        role = session.scalar(
            select(Membership.role).where(
                Membership.project_id == project.id,
                Membership.user_id == team.users["translator"].id,
            )
        )
    assert role is Role.OWNER
    assert (
        "1 unit without both a Russian and an English text was skipped"
        in client.get(f"/documents/{new_id}").text
    )


def test_the_api_imports_and_restores(app: FastAPI, clients: dict, team: Team) -> None:
    client, token = clients["reviewer"]
    headers = {"X-CSRF-Token": token}
    exported = client.get(f"/api/v1/documents/{team.document_id}/export?format=xliff12")
    created = client.post(
        f"/api/v1/projects/{team.project_id}/interchange-imports",
        files={"file": ("memo.xliff", exported.content, "application/xliff+xml")},
        data={"mode": "document", "title": "Via the API"},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["created"] and body["units"] == len(TEXTS)
    assert _pairs(app, body["document_id"]) == _pairs(app, team.document_id)
    restored = client.post(
        f"/api/v1/projects/{team.project_id}/interchange-imports",
        files={"file": ("memo.xliff", exported.content, "application/xliff+xml")},
        data={"mode": "restore", "document_id": str(team.document_id)},
        headers=headers,
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["matched"] == len(TEXTS) and restored.json()["updated"] == 0
    bomb = client.post(
        f"/api/v1/projects/{team.project_id}/interchange-imports",
        files={"file": ("bomb.tmx", _bomb(), "application/x-tmx+xml")},
        headers=headers,
    )
    assert bomb.status_code == 400 and "entities" in bomb.json()["detail"]
    viewer, viewer_token = clients["viewer"]
    refused = viewer.post(
        f"/api/v1/projects/{team.project_id}/interchange-imports",
        files={"file": ("memo.xliff", exported.content, "application/xliff+xml")},
        headers={"X-CSRF-Token": viewer_token},
    )
    assert refused.status_code == 403
