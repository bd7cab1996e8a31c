"""The ``sverka`` command, run as a user would run it: in a subprocess, configured by env."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app.migrate import head_revision, upgrade
from app.models import Document, Membership, Project, Role, User
from app.services.users import authenticate

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVERKA_")}
    env["SVERKA_DATA_DIR"] = str(tmp_path / "data")
    env["SVERKA_RUN_JOBS_IN_PROCESS"] = "false"
    env["PYTHONPATH"] = str(ROOT)
    for key, value in settings.items():
        env[f"SVERKA_{key.upper()}"] = value
    return env


def sverka(
    tmp_path: Path, *args: str, input: str | None = None, timeout: float = 120, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run ``sverka ARGS`` from an empty directory (no stray .env) with these settings."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=tmp_path,
        env=_env(tmp_path, **settings),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sverka: ")
    return lines[0]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = sverka(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("serve", "db", "user", "demo"):
        assert command in result.stdout


# --- bad settings: one line, non-zero exit, no traceback ----------------------------------


@pytest.mark.parametrize("command", [("serve",), ("db", "upgrade")])
@pytest.mark.parametrize("url", ["postgres//nope", "mysql://u@h/db", "postgresql+nodriver://h/db"])
def test_malformed_database_url(tmp_path: Path, command: tuple[str, ...], url: str) -> None:
    line = _one_clear_line(sverka(tmp_path, *command, database_url=url))
    assert "SVERKA_DATABASE_URL" in line
    assert "postgresql+psycopg://" in line  # says what a good one looks like


@pytest.mark.parametrize("command", [("serve",), ("db", "upgrade")])
def test_unreachable_postgresql(tmp_path: Path, command: tuple[str, ...]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://sverka:secret@127.0.0.1:{port}/sverka"
    line = _one_clear_line(sverka(tmp_path, *command, database_url=url))
    assert "Cannot connect to the database" in line
    assert "running" in line and "SVERKA_DATABASE_URL" in line
    assert "secret" not in line  # the password is never printed


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody may write to, root included (root ignores mode bits, so the
    directory is also made immutable)."""
    path = tmp_path / "data"
    path.mkdir()
    path.chmod(0o555)
    immutable = False
    if os.getuid() == 0:
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        if not immutable:
            pytest.skip("running as root on a filesystem without immutable directories")
    try:
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o755)


@pytest.mark.parametrize("command", [("serve",), ("db", "upgrade")])
def test_read_only_data_dir(tmp_path: Path, read_only_dir: Path, command: tuple[str, ...]) -> None:
    line = _one_clear_line(sverka(tmp_path, *command))
    assert f"Cannot write to the data directory {read_only_dir}" in line
    assert "SVERKA_DATA_DIR" in line


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory")
    line = _one_clear_line(sverka(tmp_path, "db", "upgrade"))
    assert "Cannot write to the data directory" in line


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    line = _one_clear_line(sverka(tmp_path, "serve", environment="production"))
    assert "SVERKA_SECRET_KEY" in line


def test_invalid_number_setting(tmp_path: Path) -> None:
    line = _one_clear_line(sverka(tmp_path, "serve", max_upload_mb="twenty"))
    assert "SVERKA_MAX_UPLOAD_MB" in line


# --- db ---------------------------------------------------------------------------------


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    line = _one_clear_line(sverka(tmp_path, "serve"))
    assert "run `sverka db upgrade`" in line


def test_db_upgrade_current_downgrade(tmp_path: Path) -> None:
    assert "empty" in sverka(tmp_path, "db", "current").stdout
    up = sverka(tmp_path, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert head_revision() in up.stdout
    current = sverka(tmp_path, "db", "current")
    assert "up to date" in current.stdout
    down = sverka(tmp_path, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert "base" in down.stdout
    assert "empty" in sverka(tmp_path, "db", "current").stdout
    # The secret key was generated once and kept, private to its owner.
    key = tmp_path / "data" / "secret_key"
    assert key.stat().st_mode & 0o077 == 0
    assert len(key.read_text().strip()) >= 40


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    assert sverka(tmp_path, "db", "upgrade").returncode == 0
    result = sverka(tmp_path, "serve", "--workers", "2")
    line = _one_clear_line(result)
    assert result.returncode == 2
    assert "needs PostgreSQL" in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_health(port: int, *, tries: int) -> httpx.Response:
    """The server's health answer, polled every 0.1 s until it listens (``tries`` times)."""
    health = None
    for _ in range(tries):
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    assert health is not None, "the server did not start"
    return health


def test_serve_starts_the_workbench(tmp_path: Path) -> None:
    assert sverka(tmp_path, "db", "upgrade").returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_env(tmp_path, environment="test"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = _wait_for_health(port, tries=100)
        assert health.json()["status"] == "ok"
        first = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True)
        assert "Welcome to Sverka" in first.text  # no users yet: the setup page
    finally:
        server.terminate()
        server.communicate(timeout=20)


# --- user add -------------------------------------------------------------------------------


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'data' / 'sverka.sqlite3'}"
    (tmp_path / "data").mkdir(exist_ok=True)
    upgrade(url)
    return url


def test_user_add_with_password_from_stdin(tmp_path: Path) -> None:
    url = _db(tmp_path)
    result = sverka(
        tmp_path,
        "user",
        "add",
        "vera",
        "--admin",
        "--password-stdin",
        input="очень длинный пароль\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Created administrator vera" in result.stdout
    assert "пароль" not in result.stdout
    engine = create_engine(url)
    with Session(engine) as session:
        user = authenticate(session, "vera", "очень длинный пароль")
        assert user is not None and user.is_admin
    engine.dispose()


def test_user_add_generates_and_prints_a_password(tmp_path: Path) -> None:
    url = _db(tmp_path)
    result = sverka(tmp_path, "user", "add", "ivan", input="")
    assert result.returncode == 0, result.stderr
    password = next(
        line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("Password")
    )
    engine = create_engine(url)
    with Session(engine) as session:
        user = authenticate(session, "ivan", password)
        assert user is not None and not user.is_admin
    engine.dispose()
    again = sverka(tmp_path, "user", "add", "IVAN", input="")
    assert "already taken" in _one_clear_line(again)


def test_user_add_refuses_a_short_password(tmp_path: Path) -> None:
    _db(tmp_path)
    result = sverka(tmp_path, "user", "add", "ivan", "--password-stdin", input="short\n")
    assert "at least 10 characters" in _one_clear_line(result)


# --- demo -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_is_idempotent(tmp_path: Path) -> None:
    first = sverka(tmp_path, "demo", timeout=300)
    assert first.returncode == 0, first.stderr
    assert "One-time password: " in first.stdout
    password = first.stdout.split("One-time password: ", 1)[1].split()[0]
    second = sverka(tmp_path, "demo", timeout=300)
    assert second.returncode == 0, second.stderr
    assert "One-time password" not in second.stdout
    assert "demo project is loaded" in second.stdout

    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'sverka.sqlite3'}")
    with Session(engine) as session:
        users = session.scalars(select(User)).all()
        assert len(users) == 1 and users[0].is_admin
        assert authenticate(session, users[0].username, password) is not None
        projects = session.scalars(select(Project)).all()
        assert len(projects) == 1
        owner = session.scalar(select(Membership.role).where(Membership.user_id == users[0].id))
        assert owner == Role.OWNER
        documents = session.scalar(select(func.count()).select_from(Document))
        try:
            import app.services.imports  # noqa: F401
        except ImportError:
            assert documents == 0
        else:
            assert documents == 1
            doc = session.scalars(select(Document)).one()
            assert "№ 108сс" in doc.ru_text
            assert len(doc.pairs) > 5
            kinds = {pair.kind for pair in doc.pairs}
            assert "1-2" in kinds and "2-1" in kinds, kinds
    engine.dispose()


def test_serve_says_when_the_port_is_taken(tmp_path: Path) -> None:
    assert sverka(tmp_path, "db", "upgrade").returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_clear_line(sverka(tmp_path, "serve", "--port", str(port)))
    assert f"Cannot listen on 127.0.0.1:{port}" in line
    assert "--port" in line


@pytest.mark.postgres
def test_missing_postgresql_database(tmp_path: Path) -> None:
    base = os.environ.get("SVERKA_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("needs PostgreSQL (SVERKA_TEST_POSTGRES_URL)")
    from sqlalchemy.engine import make_url

    url = make_url(base).set(database="sverka_no_such_db").render_as_string(hide_password=False)
    line = _one_clear_line(sverka(tmp_path, "db", "upgrade", database_url=url))
    assert "sverka_no_such_db" in line
    assert "does not exist: create it" in line


@pytest.mark.slow
@pytest.mark.postgres
def test_serve_with_two_workers_on_postgresql(tmp_path: Path) -> None:
    base = os.environ.get("SVERKA_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("needs PostgreSQL (SVERKA_TEST_POSTGRES_URL)")
    from sqlalchemy import text

    from tests.conftest import _fresh_postgres_url

    url, admin, name = _fresh_postgres_url()
    try:
        assert sverka(tmp_path, "db", "upgrade", database_url=url).returncode == 0
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--workers", "2", "--port", str(port)],
            cwd=tmp_path,
            env=_env(tmp_path, database_url=url, environment="test"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            health = _wait_for_health(port, tries=600)
            assert health.json() == {
                "status": "ok",
                "database": "postgresql",
                "schema": head_revision(),
            }
            children = subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
            workers = [
                pid
                for pid in children
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
            assert len(workers) == 2, children
        finally:
            server.terminate()
            server.communicate(timeout=30)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_started_server_has_its_language_layer_loaded_before_the_first_request(
    tmp_path: Path,
) -> None:
    """The first translator after a restart does not wait for dictionaries to load."""
    assert sverka(tmp_path, "db", "upgrade").returncode == 0
    probe = (
        "from fastapi.testclient import TestClient\n"
        "from alignment import text\n"
        "from app.main import create_app\n"
        "from glossary.checks import spelling\n"
        "app = create_app()\n"
        "assert text._morph.cache_info().currsize == 0\n"
        "with TestClient(app):\n"  # the lifespan ran; no request was made
        "    print(text._morph.cache_info().currsize,"
        " spelling._open_dictionaries.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=_env(tmp_path, environment="test"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "2"]  # pymorphy3 loaded; ru and en dictionaries open
