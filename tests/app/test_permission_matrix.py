"""Every route of the app × every role × anonymous: who gets in and who is refused.

The routes are read from the application itself, so a route someone adds later is checked too:
a route missing from ``EXPECTED`` fails :func:`test_every_route_has_an_expectation` (and its own
case) until its required level is written down here.

Levels: ``public`` (anyone), ``login`` (any signed-in account), ``admin`` (site administrators),
and the project actions of :mod:`app.services.permissions` (``view``, ``export``, ``edit``,
``propose_term``, ``review``, ``approve_term``, ``manage``). Refusals must be the right ones:
anonymous → sign-in (401 for the API and htmx, a redirect to /login for pages); signed in but
not a member → 404 (project ids do not leak); a member whose role is too low → 403. Each case
runs on a fresh project, so a permitted deletion never spoils the next case.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.models import (
    ApiToken,
    Comment,
    DictionaryWord,
    Job,
    JobState,
    QAIssue,
    Term,
    TermEquivalent,
    TranslationMemory,
    User,
)
from app.services.accounts import create_token
from tests.app.conftest import login, make_user, page_csrf, unique
from tests.app.team import ROLES, Team, make_team

PROJECT_LEVELS = ("view", "export", "edit", "propose_term", "review", "approve_term", "manage")
ALLOWED: dict[str, set[str]] = {
    "view": {"viewer", "translator", "reviewer", "owner"},
    "export": {"viewer", "translator", "reviewer", "owner"},
    "edit": {"translator", "reviewer", "owner"},
    "propose_term": {"translator", "reviewer", "owner"},
    "review": {"reviewer", "owner"},
    "approve_term": {"reviewer", "owner"},
    "manage": {"owner"},
}
ACTORS = ("anonymous", "outsider", "viewer", "translator", "reviewer", "owner", "admin")


@dataclass(frozen=True)
class Case:
    level: str
    form: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    files: dict[str, Any] | None = None
    #: The route ends the acting user's sessions: give it users of its own.
    fresh_users: bool = False
    #: Whose id ``{user_id}`` is: a member of the project or an unrelated account.
    user_id: str = "viewer"
    #: Send form posts as htmx does (False: as a browser without JavaScript).
    htmx: bool = True
    #: The kind of job ``{job_id}`` is.
    job: str = "import"


_RU = "Дела, рассмотренные «тройками» ОГПУ и НКВД, проверены. Экз. № 2."
_EN = "Cases heard by the OGPU and NKVD troikas have been reviewed. Copy No. 2."

_TMX = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="ru" '
    b'datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" '
    b'creationtoolversion="1"/><body><tu><tuv xml:lang="ru"><seg>\xd0\x9e\xd0\x93\xd0\x9f'
    b'\xd0\xa3</seg></tuv><tuv xml:lang="en"><seg>OGPU</seg></tuv></tu></body></tmx>'
)

_CSV = "ru,en,status\nреабилитация,rehabilitation,proposed\n".encode()

EXPECTED: dict[tuple[str, str], Case] = {
    # --- public
    ("GET", "/"): Case("public"),
    ("GET", "/openapi.json"): Case("public"),
    ("GET", "/healthz"): Case("public"),
    ("GET", "/login"): Case("public"),
    ("POST", "/login"): Case("public", form={"username": "nobody", "password": "x" * 12}),
    ("POST", "/logout"): Case("public"),
    ("GET", "/setup"): Case("public"),
    ("POST", "/setup"): Case("public", form={"username": "intruder", "password": "x" * 12}),
    # --- any signed-in account
    ("GET", "/projects"): Case("login"),
    ("POST", "/projects"): Case("login", form={"name": "A project of my own"}),
    ("GET", "/account"): Case("login"),
    ("POST", "/account/password"): Case(
        "login", form={"current": "not the password", "new": "y" * 12, "again": "y" * 12}
    ),
    ("POST", "/account/tokens"): Case("login", form={"name": "script"}),
    ("POST", "/account/tokens/{token_id}/revoke"): Case("login"),
    ("POST", "/account/sign-out-everywhere"): Case("login", fresh_users=True),
    ("GET", "/api/v1/me"): Case("login"),
    ("GET", "/api/v1/projects"): Case("login"),
    ("POST", "/api/v1/projects"): Case("login", json={"name": "Via the API"}),
    # --- site administrators
    ("GET", "/admin/users"): Case("admin"),
    ("POST", "/admin/users"): Case("admin", form={"username": "__unique__"}),
    ("POST", "/admin/users/{user_id}/active"): Case(
        "admin", form={"active": "false"}, user_id="stranger"
    ),
    ("POST", "/admin/users/{user_id}/password"): Case("admin", user_id="stranger"),
    ("GET", "/admin/log"): Case("admin"),
    # --- projects and members
    ("GET", "/projects/{project_id}"): Case("view"),
    ("GET", "/api/v1/projects/{project_id}"): Case("view"),
    ("DELETE", "/api/v1/projects/{project_id}"): Case("manage"),
    ("GET", "/projects/{project_id}/members"): Case("view"),
    ("POST", "/projects/{project_id}/members"): Case(
        "manage", form={"username": "__stranger__", "role": "viewer"}
    ),
    ("POST", "/projects/{project_id}/members/{user_id}/role"): Case(
        "manage", form={"role": "translator"}
    ),
    ("POST", "/projects/{project_id}/members/{user_id}/remove"): Case("manage"),
    ("GET", "/projects/{project_id}/audit"): Case("manage"),
    ("POST", "/projects/{project_id}/delete"): Case("manage", form={"confirm": "not the name"}),
    ("GET", "/api/v1/projects/{project_id}/members"): Case("view"),
    ("POST", "/api/v1/projects/{project_id}/members"): Case(
        "manage", json={"username": "__stranger__", "role": "viewer"}
    ),
    ("PATCH", "/api/v1/projects/{project_id}/members/{user_id}"): Case(
        "manage", json={"role": "translator"}
    ),
    ("DELETE", "/api/v1/projects/{project_id}/members/{user_id}"): Case("manage"),
    ("GET", "/api/v1/projects/{project_id}/audit"): Case("manage"),
    # --- documents, imports, jobs
    ("GET", "/api/v1/projects/{project_id}/documents"): Case("view"),
    ("GET", "/api/v1/documents/{document_id}"): Case("view"),
    ("DELETE", "/api/v1/documents/{document_id}"): Case("manage"),
    ("POST", "/documents/{document_id}/delete"): Case("manage"),
    ("GET", "/projects/{project_id}/import"): Case("edit"),
    ("POST", "/projects/{project_id}/import"): Case(
        "edit", form={"title": "Memo", "ru_text": _RU, "en_text": _EN}
    ),
    ("POST", "/api/v1/projects/{project_id}/imports"): Case(
        "edit",
        files={
            "ru_file": ("memo-ru.txt", _RU.encode(), "text/plain"),
            "en_file": ("memo-en.txt", _EN.encode(), "text/plain"),
        },
    ),
    ("GET", "/jobs/{job_id}"): Case("view"),
    ("GET", "/api/v1/projects/{project_id}/jobs"): Case("view"),
    ("GET", "/api/v1/jobs/{job_id}"): Case("view"),
    # --- the review workspace
    ("GET", "/documents/{document_id}"): Case("view"),
    ("GET", "/documents/{document_id}/map"): Case("view"),
    ("GET", "/documents/{document_id}/strip"): Case("view"),
    ("GET", "/documents/{document_id}/summary"): Case("view"),
    ("GET", "/pairs/{pair_id}"): Case("view"),
    ("GET", "/pairs/{pair_id}/edit"): Case("edit"),
    ("POST", "/pairs/{pair_id}/text"): Case(
        "edit", form={"side": "en", "text": "To the Presidium.", "version": 1}
    ),
    ("POST", "/pairs/{pair_id}/confirm"): Case("edit", form={"version": 1}),
    ("POST", "/pairs/{pair_id}/status"): Case("review", form={"status": "approved"}),
    ("POST", "/pairs/{pair_id}/do"): Case("review", form={"op": "approved", "version": 1}),
    ("POST", "/pairs/{pair_id}/merge"): Case("edit", form={"version": 1}),
    ("GET", "/pairs/{pair_id}/split"): Case("edit"),
    ("POST", "/pairs/{pair_id}/split"): Case("edit", form={"ru_after": 0, "en_after": 0}),
    ("POST", "/pairs/{pair_id}/split-caret"): Case(
        "edit", form={"side": "en", "offset": 3, "version": 1}
    ),
    ("POST", "/pairs/{pair_id}/move/{side}/{direction}"): Case("edit", form={"version": 1}),
    ("POST", "/pairs/{pair_id}/separate/{side}/{mode}"): Case("edit", form={"version": 1}),
    ("POST", "/pairs/{pair_id}/delete"): Case("edit", form={"version": 1}),
    ("POST", "/pairs/{pair_id}/realign"): Case("edit", form={"version": 1}),
    ("POST", "/documents/{document_id}/undo"): Case("edit"),
    ("POST", "/documents/{document_id}/redo"): Case("edit"),
    ("GET", "/pairs/{pair_id}/history"): Case("view"),
    ("GET", "/pairs/{pair_id}/terms"): Case("view"),
    ("GET", "/pairs/{pair_id}/comments"): Case("view"),
    # For htmx a refused comment comes back as the panel (200) with the message in it.
    ("POST", "/pairs/{pair_id}/comments"): Case(
        "edit", form={"body": "Check the date."}, htmx=False
    ),
    ("POST", "/comments/{comment_id}/resolve"): Case("edit"),
    # --- the REST API for documents and pairs
    ("GET", "/api/v1/documents/{document_id}/pairs"): Case("view"),
    ("GET", "/api/v1/pairs/{pair_id}"): Case("view"),
    ("PATCH", "/api/v1/pairs/{pair_id}"): Case(
        "edit", json={"version": 1, "en_text": "To the Presidium."}
    ),
    ("POST", "/api/v1/pairs/{pair_id}/merge"): Case("edit", json={"version": 1}),
    ("GET", "/api/v1/pairs/{pair_id}/history"): Case("view"),
    ("GET", "/api/v1/pairs/{pair_id}/comments"): Case("view"),
    ("POST", "/api/v1/pairs/{pair_id}/comments"): Case("edit", json={"body": "Check the date."}),
    # --- translator aids: memory, spelling, find and replace
    ("GET", "/pairs/{pair_id}/matches"): Case("view"),
    ("GET", "/pairs/{pair_id}/spelling"): Case("view"),
    ("POST", "/documents/{document_id}/prefill"): Case("edit"),
    ("GET", "/documents/{document_id}/replace"): Case("edit"),
    ("POST", "/documents/{document_id}/replace"): Case(
        "edit", form={"find": "troikas", "replace": "“troikas”", "side": "en"}
    ),
    ("POST", "/projects/{project_id}/dictionary"): Case(
        "edit", form={"word": "Rehabilitations", "lang": "en"}
    ),
    ("POST", "/projects/{project_id}/dictionary/{word_id}/delete"): Case("edit"),
    ("GET", "/projects/{project_id}/memories"): Case("view"),
    ("POST", "/projects/{project_id}/memories"): Case(
        "edit", files={"file": ("memo.tmx", _TMX, "application/xml")}
    ),
    ("POST", "/projects/{project_id}/memories/{memory_id}/delete"): Case("edit"),
    # --- glossary
    ("GET", "/projects/{project_id}/glossary"): Case("view"),
    ("POST", "/projects/{project_id}/terms"): Case(
        "propose_term", form={"ru": "коллегия", "en": "collegium"}
    ),
    ("GET", "/terms/{term_id}/edit"): Case("approve_term"),
    ("POST", "/terms/{term_id}"): Case(
        "approve_term", form={"version": 1, "ru": "тройка", "en": "troika"}
    ),
    ("POST", "/terms/{term_id}/status"): Case(
        "approve_term", form={"status": "approved", "version": 1}
    ),
    ("POST", "/terms/{term_id}/delete"): Case("approve_term", form={"version": 1}),
    ("POST", "/projects/{project_id}/glossary/import"): Case(
        "approve_term", files={"file": ("terms.csv", _CSV, "text/csv")}
    ),
    ("GET", "/projects/{project_id}/glossary/export"): Case("export"),
    ("GET", "/projects/{project_id}/glossary/consistency"): Case("view"),
    ("GET", "/projects/{project_id}/concordance"): Case("view"),
    ("GET", "/projects/{project_id}/glossary/extract"): Case("view"),
    ("POST", "/projects/{project_id}/glossary/candidates"): Case(
        "approve_term", form={"ru": "коллегия", "decision": "reject"}
    ),
    ("GET", "/api/v1/projects/{project_id}/terms"): Case("view"),
    ("POST", "/api/v1/projects/{project_id}/terms"): Case(
        "propose_term", json={"ru": "коллегия", "equivalents": [{"en": "collegium"}]}
    ),
    ("GET", "/api/v1/terms/{term_id}"): Case("view"),
    ("PATCH", "/api/v1/terms/{term_id}"): Case(
        "approve_term", json={"version": 1, "note": "Used in the 1956 memo."}
    ),
    ("DELETE", "/api/v1/terms/{term_id}"): Case("approve_term"),
    # --- quality checks
    ("GET", "/documents/{document_id}/next-open"): Case("view"),
    ("GET", "/documents/{document_id}/qa"): Case("view"),
    ("POST", "/documents/{document_id}/qa"): Case("edit"),
    ("POST", "/qa/{issue_id}/dismiss"): Case("edit"),
    # --- exports and interchange imports
    ("GET", "/projects/{project_id}/export"): Case("export"),
    ("GET", "/documents/{document_id}/export"): Case("export"),
    ("POST", "/projects/{project_id}/export"): Case(
        "export", form={"target": "project", "format": "tmx"}
    ),
    ("GET", "/exports/{job_id}"): Case("export", job="export"),
    ("GET", "/exports/{job_id}/download"): Case("export", job="export"),
    ("GET", "/api/v1/documents/{document_id}/export"): Case("export"),
    ("POST", "/api/v1/projects/{project_id}/exports"): Case("export", json={"format": "tmx"}),
    ("GET", "/api/v1/exports/{job_id}/download"): Case("export", job="export"),
    ("POST", "/projects/{project_id}/interchange-import"): Case(
        "edit", files={"file": ("memo.tmx", _TMX, "application/xml")}
    ),
    ("POST", "/api/v1/projects/{project_id}/interchange-imports"): Case(
        "edit", files={"file": ("memo.tmx", _TMX, "application/xml")}
    ),
}

_PATH_VALUES = {"side": "en", "direction": "down", "mode": "empty"}


def _routes(application: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app answers, HEAD aside (it mirrors GET)."""
    found: set[tuple[str, str]] = set()

    def visit(route: Any) -> None:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # an included router (FastAPI ≥ 0.16x keeps them nested)
            for context in contexts():
                visit(context)
            return
        methods = getattr(route, "methods", None)
        if not methods:
            return  # a mount: /static serves files only
        for method in methods:
            if method != "HEAD":
                found.add((method, route.path))

    for route in application.routes:
        visit(route)
    return sorted(found, key=lambda r: (r[1], r[0]))


def _collect() -> list[tuple[str, str]]:
    scratch = Path("/tmp") / f"sverka-matrix-{uuid.uuid4().hex[:8]}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url="sqlite://",
        data_dir=scratch,
        secret_key="collecting routes only",
        environment="test",
    )
    return _routes(create_app(settings))


ROUTES = _collect()


def test_every_route_has_an_expectation() -> None:
    missing = [f"{m} {p}" for m, p in ROUTES if (m, p) not in EXPECTED]
    assert not missing, "routes without an expected permission level: " + ", ".join(missing)


def test_the_levels_are_the_ones_the_services_know() -> None:
    from app.services.permissions import Action

    assert set(PROJECT_LEVELS) == {a.value for a in Action}
    assert {c.level for c in EXPECTED.values()} <= {*PROJECT_LEVELS, "public", "login", "admin"}


# --------------------------------------------------------------------------- the matrix


@dataclass
class Actor:
    client: TestClient
    csrf: str
    user: User | None


@dataclass
class World:
    app: FastAPI
    database_url: str
    users: dict[str, User]
    actors: dict[str, Actor]
    opened: list[TestClient]

    def signed_in(self, username: str | None) -> Actor:
        client = TestClient(self.app, follow_redirects=False)
        client.__enter__()
        self.opened.append(client)
        if username is None:
            return Actor(client, page_csrf(client.get("/login").text), None)
        return Actor(client, login(client, username), None)


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("matrix"),
        environment="test",
        run_jobs_in_process=False,
    )
    application = create_app(settings)
    users = _new_users(database_url)
    world = World(application, database_url, users, {}, [])
    for name in ACTORS:
        actor = world.signed_in(None if name == "anonymous" else users[name].username)
        actor.user = users.get(name)
        world.actors[name] = actor
    yield world
    for client in world.opened:
        client.__exit__(None, None, None)


def _new_users(database_url: str) -> dict[str, User]:
    users = {role: make_user(database_url, unique(f"m-{role}")) for role in ROLES}
    users["admin"] = make_user(database_url, unique("m-admin"), admin=True)
    return users


def _expect_allowed(level: str, actor: str) -> bool:
    if level == "public":
        return True
    if actor == "anonymous":
        return False
    if level == "login" or actor == "admin":
        return True
    if level == "admin":
        return False
    return actor in ALLOWED[level]


def _setup_ids(world: World, team: Team, actor: Actor, with_token: bool) -> dict[str, Any]:
    with world.app.state.session_factory() as session, session.begin():
        comment = Comment(pair_id=team.pair_ids[1], user_id=team.users["translator"].id,
                          body="Is “troika” right here?")  # fmt: skip
        job = Job(kind="import", state=JobState.DONE, project_id=team.project_id,
                  document_id=team.document_id, user_id=team.users["owner"].id,
                  payload={"title": "Memo"}, result={"document_id": team.document_id})  # fmt: skip
        term = Term(
            project_id=team.project_id,
            ru="тройка",
            ru_key="тройка",
            proposed_by_id=team.users["translator"].id,
        )
        term.equivalents.append(TermEquivalent(en="troika"))
        issue = QAIssue(
            pair_id=team.pair_ids[1],
            document_id=team.document_id,
            check_id="numbers",
            message="A number differs: 1957 / 1956.",
        )
        export_file = f"matrix/{uuid.uuid4().hex}.tmx"
        path = world.app.state.settings.data_dir / "exports" / export_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_TMX)
        export = Job(
            kind="export",
            state=JobState.DONE,
            project_id=team.project_id,
            user_id=team.users["owner"].id,
            payload={"format": "tmx", "title": "Memo"},
            result={
                "file": export_file,
                "filename": "memo.tmx",
                "content_type": "application/x-tmx+xml",
                "pairs": 1,
            },
        )
        session.add_all([term, issue, export])
        memory = TranslationMemory(project_id=team.project_id, name="Old memos", filename="a.tmx")
        word = DictionaryWord(project_id=team.project_id, lang="en", word="Politburo")
        session.add_all([comment, job, memory, word])
        token_id = 0
        if with_token:
            holder = session.get(User, (actor.user or team.users["owner"]).id)
            token_id = create_token(session, holder, "matrix").id  # type: ignore[arg-type]
        stranger = make_user(session, unique("stranger"))
        session.flush()
        return {
            "project_id": team.project_id,
            "document_id": team.document_id,
            "pair_id": team.pair_ids[1],
            "comment_id": comment.id,
            "job_id": job.id,
            "token_id": token_id,
            "memory_id": memory.id,
            "term_id": term.id,
            "issue_id": issue.id,
            "export_job_id": export.id,
            "word_id": word.id,
            "stranger": stranger,
        }


def _fill(path: str, ids: dict[str, Any], case: Case, team: Team) -> str:
    values = dict(_PATH_VALUES)
    values.update({k: v for k, v in ids.items() if isinstance(v, int)})
    if case.job == "export":
        values["job_id"] = ids["export_job_id"]
    target = ids["stranger"] if case.user_id == "stranger" else team.users[case.user_id]
    values["user_id"] = target.id
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _body(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _body(v, ids) for k, v in value.items()}
    if value == "__unique__":
        return unique("made")
    if value == "__stranger__":
        return ids["stranger"].username
    return value


def _send(actor: Actor, method: str, url: str, case: Case, ids: dict[str, Any]) -> Any:
    client = actor.client
    if method == "GET":
        return client.get(url)
    headers = {"X-CSRF-Token": actor.csrf}
    if case.json is not None:
        return client.request(method, url, json=_body(case.json, ids), headers=headers)
    if case.files is not None:
        return client.request(method, url, files=case.files, data={"title": "Memo"},
                              headers=headers)  # fmt: skip
    data = {**_body(case.form, ids), "csrf_token": actor.csrf}
    # As htmx sends them: a refused change answers with its status (403/404) instead of the
    # no-JavaScript fallback (a redirect back to the page with the message flashed).
    headers = {"HX-Request": "true"} if case.htmx else {}
    return client.request(method, url, data=data, headers=headers)


_FLASH_ERROR = re.compile(r'class="flash flash-error"[^>]*>([^<]*)<')


def _flashed_refusal(client: TestClient, response: Any) -> str | None:
    """Some pages answer a refused change with a redirect and the reason flashed on the next
    page (the no-JavaScript pattern): read that reason."""
    target = response.headers.get("hx-redirect")
    if target is None and response.status_code in (302, 303):
        target = response.headers.get("location")
    if not target or not target.startswith("/") or target.startswith("/login?next="):
        return None
    page = client.get(target)
    for message in _FLASH_ERROR.findall(page.text):
        if "Your role does not allow" in message or "only its owners" in message:
            return "forbidden"
        if "not a member of it" in message:
            return "not-found"
    return None


def _verdict(response: Any, actor: str, level: str, client: TestClient | None = None) -> str:
    """'allowed', or the kind of refusal the response is."""
    status = response.status_code
    location = response.headers.get("location", "")
    if client is not None:
        flashed = _flashed_refusal(client, response)
        if flashed is not None:
            return flashed
    # Refusals send to /login?next=…; a plain /login is where signing out ends.
    if status == 303 and location.startswith("/login?next="):
        return "sign-in"
    if status == 401:
        return "sign-in"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "not-found"
    return "allowed"


def _expected_refusal(actor: str, level: str) -> str:
    if actor == "anonymous":
        return "sign-in"
    if level == "admin":
        return "forbidden"
    return "not-found" if actor == "outsider" else "forbidden"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_permissions(world: World, method: str, path: str) -> None:
    case = EXPECTED.get((method, path))
    assert case is not None, f"{method} {path} has no expected permission level: add it"
    problems: list[str] = []
    for name in ACTORS:
        users, actor = world.users, world.actors[name]
        if case.level == "public":
            actor = world.signed_in(None)  # public posts (login, logout) change the session
        elif case.fresh_users and name != "anonymous":
            users = _new_users(world.database_url)
            actor = world.signed_in(users[name].username)
            actor.user = users[name]
        team = make_team(world.app, users={r: users[r] for r in ROLES})
        ids = _setup_ids(world, team, actor, "{token_id}" in path)
        url = _fill(path, ids, case, team)
        response = _send(actor, method, url, case, ids)
        if response.status_code >= 500:
            problems.append(f"{name}: server error {response.status_code}")
            continue
        verdict = _verdict(response, name, case.level, actor.client)
        if case.level == "public":
            continue
        if _expect_allowed(case.level, name):
            if verdict != "allowed":
                problems.append(f"{name}: refused ({response.status_code}), should be allowed")
        else:
            expected = _expected_refusal(name, case.level)
            if verdict != expected:
                problems.append(
                    f"{name}: got {response.status_code} ({verdict}), expected {expected}"
                )
    assert not problems, f"{method} {path} [{case.level}]: " + "; ".join(problems)


def test_no_token_leaks_into_the_matrix_database(world: World) -> None:
    # The matrix made tokens through the service: only their hashes are stored.
    with world.app.state.session_factory() as session:
        from sqlalchemy import select

        hashes = session.scalars(select(ApiToken.token_hash)).all()
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
