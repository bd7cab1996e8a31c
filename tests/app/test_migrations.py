"""Migrations upgrade and downgrade cleanly, step by step, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from app.db import build_engine
from app.migrate import (
    StartupError,
    alembic_config,
    check_current,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from tests.conftest import BACKENDS, _fresh_postgres_url

DOMAIN_TABLES = {"users", "projects", "memberships", "documents", "pairs", "segments", "jobs"}


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (not even Alembic's table)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    url, admin, name = _fresh_postgres_url()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    upgrade(empty_url)
    assert _tables(empty_url) >= DOMAIN_TABLES
    downgrade(empty_url, "base")
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _tables(empty_url) >= DOMAIN_TABLES
    engine = build_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        check_current(engine)
    finally:
        engine.dispose()


def test_every_revision_steps_up_and_down(empty_url: str) -> None:
    revisions = _revisions_oldest_first()
    seen: list[set[str]] = [set()]
    for revision in revisions:
        upgrade(empty_url, revision)
        seen.append(_tables(empty_url))
    for revision, tables in zip(
        reversed(["base", *revisions[:-1]]), reversed(seen[:-1]), strict=True
    ):
        downgrade(empty_url, revision)
        assert _tables(empty_url) == tables, f"downgrade to {revision} left other tables"


def test_check_current_says_what_to_run(empty_url: str) -> None:
    engine = build_engine(empty_url)
    try:
        with pytest.raises(StartupError, match="no Sverka tables yet: run `sverka db upgrade`"):
            check_current(engine)
        revisions = _revisions_oldest_first()
        if len(revisions) > 1:
            upgrade(empty_url, revisions[-2])
            with pytest.raises(StartupError, match=r"needs .*: run `sverka db upgrade`"):
                check_current(engine)
        upgrade(empty_url)
        check_current(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
        with pytest.raises(StartupError, match="newer Sverka"):
            check_current(engine)
    finally:
        engine.dispose()
