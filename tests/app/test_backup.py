"""``sverka backup`` / ``sverka restore``: consistent while writing, refused when wrong."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.cli import main
from app.models import Project, User
from app.services.backup import BackupError, backup, restore
from tests.app.conftest import make_user, unique
from tests.conftest import migrate


def _sqlite_url(tmp_path: Path, name: str = "live.sqlite3") -> str:
    url = f"sqlite:///{tmp_path / name}"
    migrate(url)
    return url


def _projects(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Project.name).order_by(Project.id)))
    finally:
        engine.dispose()


def test_sqlite_snapshot_is_consistent_while_the_server_writes(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    owner = make_user(url, unique("owner"))
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        # Each transaction adds a project and a membership-less "Memo n" pair of rows.
        engine = create_engine(url)
        n = 0
        while not stop.is_set():
            with Session(engine) as session, session.begin():
                session.add(Project(name=f"Memo {n}", created_by_id=owner.id))
                session.add(Project(name=f"Memo {n} (copy)", created_by_id=owner.id))
            written.append(n)
            n += 1
        engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            pass
        result = backup(url, tmp_path / "snapshot.sqlite3")
    finally:
        stop.set()
        thread.join()
    assert result.size > 0 and result.backend == "sqlite"
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    conn = sqlite3.connect(result.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [r[0] for r in conn.execute("SELECT name FROM projects ORDER BY id")]
    finally:
        conn.close()
    # Whole transactions only: every project comes with its copy.
    assert len(names) % 2 == 0 and len(names) >= 40
    assert all(names[i + 1] == f"{names[i]} (copy)" for i in range(0, len(names), 2))


def test_restore_brings_the_data_back_and_keeps_what_it_replaced(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    owner = make_user(url, unique("owner"))
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        session.add(Project(name="Before the mistake", created_by_id=owner.id))
    snapshot = backup(url, tmp_path / "good.sqlite3").path
    with Session(engine) as session, session.begin():
        session.execute(text("DELETE FROM projects"))
        session.add(Project(name="After the mistake", created_by_id=owner.id))
    engine.dispose()
    kept = restore(url, snapshot)
    assert _projects(url) == ["Before the mistake"]
    assert kept is not None and kept.exists()
    assert _projects(f"sqlite:///{kept}") == ["After the mistake"]


def test_restore_refuses_files_that_are_not_sverka_backups(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("Протокол заседания тройки")
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore(url, text_file)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="not a Sverka database"):
        restore(url, other)
    future = backup(url, tmp_path / "future.sqlite3").path
    conn = sqlite3.connect(future)
    conn.execute("UPDATE alembic_version SET version_num = '9999zz'")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="update Sverka first"):
        restore(url, future)
    with pytest.raises(BackupError, match="There is no backup file"):
        restore(url, tmp_path / "missing.sqlite3")


def test_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"precious")
    with pytest.raises(BackupError, match="exists already"):
        backup(url, existing)
    assert existing.read_bytes() == b"precious"


def test_cli_backup_and_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _sqlite_url(tmp_path)
    make_user(url, "archivist")
    monkeypatch.setenv("SVERKA_DATABASE_URL", url)
    monkeypatch.setenv("SVERKA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert main(["backup", "nightly.sqlite3"]) == 0
    out = capsys.readouterr().out
    assert "Backed up the sqlite database to nightly.sqlite3" in out
    assert main(["backup", "nightly.sqlite3"]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["restore", "--yes", "nightly.sqlite3"]) == 0
    assert "Restored nightly.sqlite3" in capsys.readouterr().out
    assert main(["restore", "--yes", "nowhere.sqlite3"]) == 1
    assert capsys.readouterr().err.startswith("sverka: There is no backup file")


@pytest.mark.postgres
def test_postgres_backup_and_restore_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = os.environ.get("SVERKA_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("needs PostgreSQL: set SVERKA_TEST_POSTGRES_URL")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"sverka_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    source_url, target_url = (
        make_url(base).set(database=n).render_as_string(hide_password=False) for n in names
    )
    try:
        migrate(source_url)
        owner = make_user(source_url, "archivist")
        engine = create_engine(source_url)
        with Session(engine) as session, session.begin():
            session.add(Project(name="Справки о реабилитации", created_by_id=owner.id))
        engine.dispose()
        monkeypatch.setenv("SVERKA_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("SVERKA_DATABASE_URL", source_url)
        dump = tmp_path / "team.pgdump"
        assert main(["backup", str(dump)]) == 0, capsys.readouterr().err
        assert dump.read_bytes()[:5] == b"PGDMP"
        monkeypatch.setenv("SVERKA_DATABASE_URL", target_url)
        assert main(["restore", "--yes", str(dump)]) == 0, capsys.readouterr().err
        assert _projects(target_url) == ["Справки о реабилитации"]
        engine = create_engine(target_url)
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(User)) == 1
        engine.dispose()
        # Restoring again over existing data replaces it (clean), no duplicates.
        assert main(["restore", "--yes", str(dump)]) == 0
        assert _projects(target_url) == ["Справки о реабилитации"]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
