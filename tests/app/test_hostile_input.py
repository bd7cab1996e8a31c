"""Hostile input through every entry point: shown as text, defused, or refused — never run.

A corpus of payloads (markup and attribute injection, template syntax, spreadsheet formulas,
SQL metacharacters, bidi overrides, zero-width and NUL characters, very long text) goes through
each place a user can put text into Sverka: project name and description, pasted and uploaded
imports, file names, pair edits (page and API), comments (page and API), member, token, account
and dictionary fields, search, find-and-replace. Files go through the importers: TMX memories,
XLIFF, TBX and DOCX, with XML bombs and external entities, and invalid UTF-8. The counts of
payloads × entry points tried are printed at the end of the module (and kept in BENCHMARKS.md).
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import Comment, Document, Pair, Project
from app.services import jobs
from tests.app.conftest import login, unique
from tests.app.team import Team, make_team

TEXT_PAYLOADS: dict[str, str] = {
    "script": "<script>alert('sverka')</script>",
    "img-onerror": '"><img src=x onerror=alert(1)>',
    "attribute-break": "' onmouseover='alert(1)' data-x='",
    "javascript-url": "javascript:alert(document.cookie)",
    "svg": "<svg/onload=alert(1)>",
    "template": "{{ 7*7 }} {% if true %}jinja{% endif %}",
    "html-entities": "&lt;b&gt; &amp;amp; &#x3C;script&#x3E;",
    "csv-formula": '=HYPERLINK("http://evil.example","справка")',
    "csv-plus": "+cmd|' /C calc'!A0",
    "csv-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "csv-minus": "-2+3+cmd|' /C calc'!A0",
    "sql-quote": "Robert'); DROP TABLE pairs;--",
    "sql-or": '" OR 1=1 -- ',
    "like-wildcards": "100% _дел_ \\ %",
    "rtl-override": "Exhibit \u202egnp.exe",
    "zero-width": "НК\u200bВД\u200d ОГ\ufeffПУ",
    "nul": "Тройка\x00ОГПУ",
    "long": "Коллегия ОГПУ " * 2000,
}
_MARKUP = ("<script>alert", "<img src=x onerror", "onmouseover='alert", "<svg/onload")
TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    total = sum(TRIED.values())
    lines = [
        f"hostile input: {total} payload × entry-point attempts over {len(TRIED)} entry points"
    ]
    lines += [f"  {entry}: {n}" for entry, n in sorted(TRIED.items())]
    if reporter is not None:
        for line in lines:
            reporter.write_line(line)


def assert_inert(html: str, *, reflected: bool = False) -> None:
    """No payload survives as markup; no NUL or bidi override reaches the page.

    ``reflected``: the page only shows the visitor's own input back (a search box, a form kept
    after an error); there a bidi override misleads nobody but its author, so it may stay.
    """
    for marker in _MARKUP:
        assert marker not in html, marker
    if not reflected:
        assert "\x00" not in html
        assert "\u202e" not in html
    assert "49 jinja" not in html  # the template syntax was not evaluated


@pytest.fixture
def team(app: FastAPI) -> Team:
    return make_team(app)


@pytest.fixture
def translator(app: FastAPI, team: Team) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, follow_redirects=False) as client:
        yield client, login(client, team.username("translator"))


@pytest.fixture
def owner(app: FastAPI, team: Team) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, follow_redirects=False) as client:
        yield client, login(client, team.username("owner"))


# --------------------------------------------------------------------------- plain text fields


def test_project_names_and_descriptions(app: FastAPI, owner: tuple[TestClient, str]) -> None:
    client, csrf = owner
    for key, payload in TEXT_PAYLOADS.items():
        response = client.post(
            "/projects",
            data={"name": f"{payload[:150]} {key}", "description": payload, "csrf_token": csrf},
        )
        TRIED["project name + description (form)"] += 1
        assert response.status_code in (303, 400, 422), key
        if response.status_code == 303:
            page = client.get(response.headers["location"]).text
            assert_inert(page)
            assert_inert(client.get("/projects").text)
    with app.state.session_factory() as session:
        names = session.scalars(select(Project.name)).all()
    assert any("&lt;" not in n and "<script>" in n for n in names)  # stored as written


def test_api_project_names(owner: tuple[TestClient, str]) -> None:
    client, csrf = owner
    for key, payload in TEXT_PAYLOADS.items():
        response = client.post(
            "/api/v1/projects",
            json={"name": payload[:200], "description": payload},
            headers={"X-CSRF-Token": csrf},
        )
        TRIED["project (API)"] += 1
        assert response.status_code in (201, 400, 422), key
        if response.status_code == 201:
            assert response.headers["content-type"].startswith("application/json")


def _run_jobs(app: FastAPI) -> None:
    jobs.register_all_handlers()
    jobs.run_pending_jobs_once(jobs.scope_from(app.state.session_factory))


def _imported_document(app: FastAPI, client: TestClient, response) -> int | None:  # type: ignore[no-untyped-def]
    """The document an accepted import made (None when it was refused, now or in its job)."""
    if response.status_code != 303:
        return None
    _run_jobs(app)
    job_page = client.get(response.headers["location"])
    assert job_page.status_code == 200
    assert_inert(job_page.text)
    job_id = response.headers["location"].rsplit("/", 1)[-1]
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    if job["state"] == "failed":
        assert job["error"], "a failed import says why"
        assert_inert(job["error"])
        return None
    assert job["state"] == "done", job
    return int(job["document_id"])


def _sides(payload: str) -> tuple[str, str]:
    ru = f"Справка о пересмотре дел. {payload} Дела рассмотрены тройкой НКВД в 1937 году."
    en = f"Note on the review of cases. {payload} The cases were heard by an NKVD troika in 1937."
    return ru, en


def test_pasted_imports(app: FastAPI, team: Team, translator: tuple[TestClient, str]) -> None:
    client, csrf = translator
    imported = 0
    for key, payload in TEXT_PAYLOADS.items():
        ru, en = _sides(payload)
        response = client.post(
            f"/projects/{team.project_id}/import",
            data={"title": payload[:300], "ru_text": ru, "en_text": en, "csrf_token": csrf},
        )
        TRIED["import: pasted text + title"] += 1
        assert response.status_code in (303, 400, 413, 422), (key, response.text[:300])
        assert_inert(response.text)
        doc = _imported_document(app, client, response)
        if doc is not None:
            imported += 1
            page = client.get(f"/documents/{doc}")
            assert page.status_code == 200
            assert_inert(page.text)
    assert imported >= len(TEXT_PAYLOADS) - 2
    with app.state.session_factory() as session:
        texts = session.scalars(
            select(Pair.en_text).join(Document).where(Document.project_id == team.project_id)
        ).all()
    assert not any("\x00" in t or "\u202e" in t for t in texts)


_FILE_NAMES = [
    "../../../../etc/passwd.txt",
    "..\\..\\..\\Windows\\win.ini.txt",
    "/etc/shadow.txt",
    "C:\\boot.txt",
    "<script>alert(1)</script>.txt",
    "memo\u202etxt.exe.txt",
    "nul\x00byte.txt",
    "' OR 1=1 --.txt",
    "справка №108сс.txt",
]


def test_uploaded_file_names(app: FastAPI, team: Team, translator: tuple[TestClient, str]) -> None:
    client, csrf = translator
    ru, en = _sides("Протокол № 108сс.")
    for name in _FILE_NAMES:
        response = client.post(
            f"/projects/{team.project_id}/import",
            data={"title": "", "csrf_token": csrf},
            files={
                "ru_file": (name, ru.encode("utf-8"), "text/plain"),
                "en_file": (name.replace("справка", "note"), en.encode(), "text/plain"),
            },
        )
        TRIED["import: uploaded file names"] += 1
        assert response.status_code in (303, 400, 422), (name, response.text[:300])
        assert_inert(response.text)
        doc = _imported_document(app, client, response)
        if doc is not None:
            assert_inert(client.get(f"/projects/{team.project_id}").text)
            with app.state.session_factory() as session:
                stored = session.get(Document, doc)
                assert stored is not None
                for filename in (stored.ru_filename, stored.en_filename, stored.title):
                    assert "/" not in filename and "\\" not in filename, filename
                    assert ".." not in filename.split(".txt")[0].strip("."), filename
                    assert "\x00" not in filename and "\u202e" not in filename


_BAD_BYTES = {
    "invalid-utf8": "Справка о пересмотре дел.".encode() + b"\xff\xfe\xc3\x28\xa0\xa1 end.",
    "utf16-no-bom": "Справка о пересмотре дел тройки.".encode("utf-16-le"),
    "binary": bytes(range(256)) * 8,
    "nul-bytes": b"\x00" * 500,
    "cp1251-with-script": "Справка <script>alert(1)</script> о делах.".encode("cp1251"),
    "overlong-utf8": b"\xc0\xbc\xc0\xbcscript\xc0\xbe " + "Справка.".encode(),
}


def test_uploaded_file_contents(
    app: FastAPI, team: Team, translator: tuple[TestClient, str]
) -> None:
    client, csrf = translator
    _, en = _sides("Protocol No. 108ss.")
    outcomes = {}
    for key, data in _BAD_BYTES.items():
        response = client.post(
            f"/projects/{team.project_id}/import",
            data={"title": key, "csrf_token": csrf},
            files={
                "ru_file": (f"{key}.txt", data, "text/plain"),
                "en_file": ("en.txt", en.encode(), "text/plain"),
            },
        )
        TRIED["import: uploaded bytes (invalid UTF-8, binary, NUL)"] += 1
        assert response.status_code in (303, 400, 422), (key, response.text[:300])
        assert_inert(response.text)
        doc = _imported_document(app, client, response)
        outcomes[key] = "imported" if doc is not None else "refused"
        if doc is not None:
            assert_inert(client.get(f"/documents/{doc}").text)
        else:
            assert 'class="form-error"' in response.text or 'role="alert"' in response.text
    assert outcomes["binary"] == "refused" and outcomes["nul-bytes"] == "refused"


def test_pair_edits_page_and_api(
    app: FastAPI, team: Team, translator: tuple[TestClient, str]
) -> None:
    client, csrf = translator
    pair_id = team.pair_ids[2]
    for key, payload in TEXT_PAYLOADS.items():
        version = client.get(f"/api/v1/pairs/{pair_id}").json()["version"]
        saved = client.post(
            f"/pairs/{pair_id}/text",
            data={"side": "en", "text": payload, "version": version, "csrf_token": csrf},
            headers={"HX-Request": "true"},
        )
        TRIED["pair edit (page)"] += 1
        assert saved.status_code in (200, 204, 400, 422), (key, saved.text[:300])
        assert_inert(saved.text)
        assert_inert(client.get(f"/documents/{team.document_id}").text)
        assert_inert(client.get(f"/pairs/{pair_id}/history").text)
        version = client.get(f"/api/v1/pairs/{pair_id}").json()["version"]
        api = client.patch(
            f"/api/v1/pairs/{pair_id}",
            json={"version": version, "ru_text": payload},
            headers={"X-CSRF-Token": csrf},
        )
        TRIED["pair edit (API)"] += 1
        assert api.status_code in (200, 400, 422), (key, api.text[:300])
        if api.status_code == 200:
            assert "\x00" not in api.json()["ru_text"] and "\u202e" not in api.json()["ru_text"]
        assert_inert(client.get(f"/documents/{team.document_id}").text)


def test_comments_page_and_api(
    app: FastAPI, team: Team, translator: tuple[TestClient, str]
) -> None:
    client, csrf = translator
    pair_id = team.pair_ids[1]
    for key, payload in TEXT_PAYLOADS.items():
        page = client.post(
            f"/pairs/{pair_id}/comments", data={"body": payload[:9000], "csrf_token": csrf}
        )
        TRIED["comment (page)"] += 1
        assert page.status_code in (200, 303, 400), key
        assert_inert(page.text)
        api = client.post(
            f"/api/v1/pairs/{pair_id}/comments",
            json={"body": payload[:9000]},
            headers={"X-CSRF-Token": csrf},
        )
        TRIED["comment (API)"] += 1
        assert api.status_code in (201, 400, 422), key
    assert_inert(client.get(f"/pairs/{pair_id}/comments").text)
    with app.state.session_factory() as session:
        bodies = session.scalars(select(Comment.body).where(Comment.pair_id == pair_id)).all()
    assert any("<script>" in b for b in bodies)  # kept as written, shown escaped
    assert not any("\x00" in b for b in bodies)


def test_search_and_find_replace(team: Team, translator: tuple[TestClient, str]) -> None:
    client, csrf = translator
    for key, payload in TEXT_PAYLOADS.items():
        api = client.get(
            f"/api/v1/documents/{team.document_id}/pairs", params={"search": payload[:300]}
        )
        TRIED["search (API)"] += 1
        assert api.status_code in (200, 400, 422), key
        if api.status_code == 200:
            assert api.json()["total"] == 0, key  # no payload matches the memo: no SQL tricks
        page = client.get(f"/documents/{team.document_id}", params={"q": payload[:300]})
        TRIED["search (review page)"] += 1
        assert page.status_code in (200, 400), key
        assert_inert(page.text, reflected=True)
        replace = client.post(
            f"/documents/{team.document_id}/replace",
            data={"find": payload[:900], "replace": payload[:900], "side": "en",
                  "action": "preview", "csrf_token": csrf},
        )  # fmt: skip
        TRIED["find and replace"] += 1
        assert replace.status_code < 500, key
        assert_inert(replace.text, reflected=True)
    # A LIKE wildcard is a literal character, not "anything".
    found = client.get(f"/api/v1/documents/{team.document_id}/pairs", params={"search": "%"})
    assert found.json()["total"] == 0


def test_account_member_and_dictionary_fields(
    app: FastAPI, team: Team, owner: tuple[TestClient, str]
) -> None:
    client, csrf = owner
    for key, payload in TEXT_PAYLOADS.items():
        member = client.post(
            f"/projects/{team.project_id}/members",
            data={"username": payload[:200], "role": "viewer", "csrf_token": csrf},
        )
        TRIED["member username"] += 1
        assert member.status_code in (400, 404), key
        assert_inert(member.text, reflected=True)
        token = client.post("/account/tokens", data={"name": payload[:1000], "csrf_token": csrf})
        TRIED["API token name"] += 1
        assert token.status_code in (201, 400), key
        assert_inert(token.text)
        word = client.post(
            f"/projects/{team.project_id}/dictionary",
            data={"word": payload[:200], "lang": "en", "csrf_token": csrf},
        )
        TRIED["dictionary word"] += 1
        assert word.status_code < 500, key
        assert_inert(client.get(f"/projects/{team.project_id}/memories").text)
        role = client.post(
            f"/projects/{team.project_id}/members/{team.users['viewer'].id}/role",
            data={"role": payload[:40], "csrf_token": csrf},
        )
        TRIED["member role"] += 1
        assert role.status_code == 400, key
        assert_inert(role.text, reflected=True)
    assert_inert(client.get("/account").text)
    assert_inert(client.get(f"/projects/{team.project_id}/audit").text)


def test_glossary_term_fields(app: FastAPI, team: Team, owner: tuple[TestClient, str]) -> None:
    client, csrf = owner
    for key, payload in TEXT_PAYLOADS.items():
        ru = f"тройка {key}"
        page = client.post(
            f"/projects/{team.project_id}/terms",
            data={"ru": ru, "en_preferred": payload[:900], "note": payload, "domain": payload[:90],
                  "csrf_token": csrf},
        )  # fmt: skip
        TRIED["glossary term (page)"] += 1
        assert page.status_code < 500, key
        assert_inert(page.text, reflected=page.status_code >= 400)
        api = client.post(
            f"/api/v1/projects/{team.project_id}/terms",
            json={"ru": payload[:400], "equivalents": [{"en": payload[:400]}], "note": payload},
            headers={"X-CSRF-Token": csrf},
        )
        TRIED["glossary term (API)"] += 1
        assert api.status_code < 500, key
    glossary = client.get(f"/projects/{team.project_id}/glossary", params={"limit": 500})
    assert glossary.status_code == 200
    assert_inert(glossary.text)
    exported = client.get(f"/projects/{team.project_id}/glossary/export", params={"format": "csv"})
    TRIED["glossary CSV export"] += 1
    assert exported.status_code == 200
    import csv as csv_module

    for row in csv_module.reader(io.StringIO(exported.content.decode("utf-8-sig"))):
        for cell in row:
            assert not cell or cell[0] not in "=+-@", cell


def test_document_csv_export_defuses_formulas(
    app: FastAPI, team: Team, translator: tuple[TestClient, str]
) -> None:
    client, csrf = translator
    formulas = [v for k, v in TEXT_PAYLOADS.items() if k.startswith("csv-")]
    for pair_id, formula in zip(team.pair_ids, formulas, strict=False):
        version = client.get(f"/api/v1/pairs/{pair_id}").json()["version"]
        saved = client.patch(f"/api/v1/pairs/{pair_id}", headers={"X-CSRF-Token": csrf},
                             json={"version": version, "en_text": formula})  # fmt: skip
        assert saved.status_code == 200
    for fmt in ("csv", "tsv"):
        exported = client.get(f"/api/v1/documents/{team.document_id}/export",
                              params={"format": fmt})  # fmt: skip
        TRIED[f"document {fmt.upper()} export"] += len(formulas)
        assert exported.status_code == 200, exported.text[:300]
        import csv as csv_module

        text = exported.content.decode("utf-8-sig")
        rows = list(csv_module.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        english = [row[2] for row in rows[1:]]
        assert sum(1 for cell in english if cell.startswith("'")) == len(formulas)
        assert not any(cell[:1] in ("=", "+", "-", "@") for row in rows[1:] for cell in row)


# --------------------------------------------------------------------------- files


_BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<ROOT><seg>&lol4;</seg></ROOT>"""


def _xml(kind: str, body: str, doctype: str = "") -> bytes:
    wrappers = {
        "tmx": (
            '<tmx version="1.4"><header srclang="ru" datatype="plaintext" segtype="sentence" '
            'adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>'
            f'<tu><tuv xml:lang="ru"><seg>{body}</seg></tuv><tuv xml:lang="en"><seg>OGPU</seg>'
            "</tuv></tu></body></tmx>"
        ),
        "xliff": (
            '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file '
            'source-language="ru" target-language="en" datatype="plaintext" original="m">'
            f"<body><trans-unit id='1'><source>{body}</source><target>OGPU</target>"
            "</trans-unit></body></file></xliff>"
        ),
        "tbx": (
            '<tbx type="TBX-Core" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">'
            "<tbxHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></tbxHeader>"
            '<text><body><conceptEntry id="c1"><langSec xml:lang="ru"><termSec>'
            f'<term>{body}</term></termSec></langSec><langSec xml:lang="en"><termSec>'
            "<term>OGPU</term></termSec></langSec></conceptEntry></body></text></tbx>"
        ),
    }
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}{wrappers[kind]}'.encode()


_XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
_BOMB = (
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)
_PARAM = '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'
XML_ATTACKS = {
    "external-entity": (_XXE, "&xxe;"),
    "entity-bomb": (_BOMB, "&d;"),
    "parameter-entity": (_PARAM, "ОГПУ"),
    "malformed": ("", "<seg><unclosed>ОГПУ"),
    "script-in-text": ("", "&lt;script&gt;alert(1)&lt;/script&gt; ОГПУ"),
}


def test_tmx_memory_uploads(app: FastAPI, team: Team, translator: tuple[TestClient, str]) -> None:
    client, csrf = translator
    for key, (doctype, body) in XML_ATTACKS.items():
        response = client.post(
            f"/projects/{team.project_id}/memories",
            data={"csrf_token": csrf},
            files={"file": (f"{key}.tmx", _xml("tmx", body, doctype), "application/xml")},
        )
        TRIED["TMX memory upload"] += 1
        assert response.status_code < 500, key
        assert "root:x:0:0" not in response.text
        page = client.get(f"/projects/{team.project_id}/memories").text
        assert "root:x:0:0" not in page and "aaaaaaaaaaaaaaaaaaaa" not in page
        assert_inert(page)
        if key != "script-in-text":
            assert response.status_code in (400, 413, 422), (key, response.status_code)
    bomb = client.post(
        f"/projects/{team.project_id}/memories",
        data={"csrf_token": csrf},
        files={"file": ("lol.tmx", _BILLION_LAUGHS, "application/xml")},
    )
    TRIED["TMX memory upload"] += 1
    assert bomb.status_code in (400, 413, 422)


def test_interchange_and_glossary_file_uploads(team: Team, owner: tuple[TestClient, str]) -> None:
    client, csrf = owner
    for key, (doctype, body) in XML_ATTACKS.items():
        for kind in ("tmx", "xliff"):
            response = client.post(
                f"/projects/{team.project_id}/interchange-import",
                data={"mode": "document", "title": key, "csrf_token": csrf},
                files={"file": (f"{key}.{'xlf' if kind == 'xliff' else kind}",
                                _xml(kind, body, doctype), "application/xml")},
            )  # fmt: skip
            TRIED[f"{kind.upper()} document import (page)"] += 1
            assert response.status_code < 500, (kind, key)
            assert "root:x:0:0" not in response.text
            assert_inert(response.text)
            if key not in ("script-in-text",):
                assert response.status_code in (400, 413, 422), (kind, key, response.status_code)
        tbx = client.post(
            f"/projects/{team.project_id}/glossary/import",
            data={"csrf_token": csrf},
            files={"file": (f"{key}.tbx", _xml("tbx", body, doctype), "application/xml")},
        )
        TRIED["TBX glossary import (page)"] += 1
        assert tbx.status_code < 500, key
        assert "root:x:0:0" not in tbx.text
        assert_inert(tbx.text)
    assert_inert(client.get(f"/projects/{team.project_id}/glossary").text)


def test_xliff_and_tmx_readers_refuse_entities() -> None:
    from app.interchange import InterchangeError
    from app.interchange.tmx import read_tmx
    from app.interchange.xliff import read_xliff

    for reader, kind in ((read_xliff, "xliff"), (read_tmx, "tmx")):
        for key, (doctype, body) in XML_ATTACKS.items():
            TRIED[f"{kind.upper()} reader"] += 1
            if key == "script-in-text":
                memory = reader(_xml(kind, body, doctype))
                assert memory.units[0].ru.startswith("<script>")  # text, for escaping later
                continue
            with pytest.raises(InterchangeError) as refused:
                reader(_xml(kind, body, doctype))
            assert "passwd" not in str(refused.value)
        TRIED[f"{kind.upper()} reader"] += 1
        with pytest.raises(InterchangeError):
            reader(_BILLION_LAUGHS)


def test_tbx_glossary_import_refuses_entities() -> None:
    from glossary.io.common import GlossaryImportError
    from glossary.io.tbx import import_tbx

    for key, (doctype, body) in XML_ATTACKS.items():
        TRIED["TBX import"] += 1
        if key == "script-in-text":
            result = import_tbx(_xml("tbx", body, doctype))
            assert any("<script>" in t.ru for t in result.terms)
            continue
        with pytest.raises(GlossaryImportError):
            import_tbx(_xml("tbx", body, doctype))


def _docx(paragraphs: list[str], *, inject: str | None = None) -> bytes:
    from docx import Document as Docx

    doc = Docx()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    if inject is None:
        return out.getvalue()
    # Rewrite word/document.xml with a DOCTYPE declaring entities.
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                head, rest = data.split(b"?>", 1)
                data = head + b"?>" + inject.encode() + rest.replace(b"ENTITYREF", b"&xxe;")
            dst.writestr(item, data)
    return patched.getvalue()


def test_docx_imports(app: FastAPI, team: Team, translator: tuple[TestClient, str]) -> None:
    client, csrf = translator
    _, en = _sides("Protocol No. 108ss.")
    cases = {
        "markup-in-text": _docx(
            [f"Справка о делах. {p}" for p in list(TEXT_PAYLOADS.values())[:8]]
        ),
        "external-entity": _docx(["Справка ENTITYREF о делах тройки."], inject=_XXE),
        "entity-bomb": _docx(["Справка о делах тройки."], inject=_BOMB),
        "not-a-zip": b"PK\x03\x04 this is not really a Word file",
    }
    for key, data in cases.items():
        response = client.post(
            f"/projects/{team.project_id}/import",
            data={"title": key, "csrf_token": csrf},
            files={
                "ru_file": (f"{key}.docx", data, "application/octet-stream"),
                "en_file": ("en.txt", en.encode(), "text/plain"),
            },
        )
        TRIED["DOCX import"] += 1
        assert response.status_code in (303, 400, 422), (key, response.text[:300])
        assert "root:x:0:0" not in response.text
        doc = _imported_document(app, client, response)
        if doc is not None:
            page = client.get(f"/documents/{doc}").text
            assert "root:x:0:0" not in page
            assert_inert(page)
            assert key == "markup-in-text", f"{key} should have been refused"


def test_csv_exports_defuse_formulas() -> None:
    from app.interchange.tabular import CsvExporter
    from app.interchange.types import BilingualDocument, ExportPair

    now = datetime(2026, 1, 1, tzinfo=UTC)
    formulas = {k: v for k, v in TEXT_PAYLOADS.items() if k.startswith("csv-")}
    pairs = [
        ExportPair(position=i, ru=f"{v}", en=v, status="approved", kind="1-1", confidence=1.0,
                   ru_paragraph=i, en_paragraph=i, created_at=now, changed_at=now,
                   created_by="anna", changed_by="anna")
        for i, v in enumerate(formulas.values())
    ]  # fmt: skip
    out = io.BytesIO()
    CsvExporter().write(BilingualDocument(title="Memo", pairs=pairs), out)
    TRIED["CSV export"] += len(formulas)
    import csv as csv_module

    rows = list(csv_module.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))[1:]
    assert len(rows) == len(formulas)
    for row in rows:
        for cell in row[1:3]:
            assert cell.startswith("'"), cell
            assert cell[0] not in "=+-@"


def test_oversized_input_is_refused_with_the_limit(
    make_client,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    client = make_client(max_request_mb=1, max_upload_mb=1)
    from tests.app.conftest import make_user

    user = make_user(database_url, unique("big"))
    csrf = login(client, user.username)
    project = client.post("/api/v1/projects", json={"name": unique("Big")},
                          headers={"X-CSRF-Token": csrf}).json()  # fmt: skip
    big = ("Справка о делах. " * 80_000).encode()
    response = client.post(
        f"/projects/{project['id']}/import",
        data={"title": "big", "csrf_token": csrf},
        files={
            "ru_file": ("big.txt", big, "text/plain"),
            "en_file": ("en.txt", b"x", "text/plain"),
        },
    )
    TRIED["oversized request"] += 1
    assert response.status_code == 413
    assert "at most 1 MB" in response.text
