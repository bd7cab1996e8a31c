"""Migrations upgrade and downgrade cleanly, step by step, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Enum,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    text,
)

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


def _insert_row(conn: Connection, table_name: str, /, **values: object) -> int:
    """A row in ``table_name`` as the schema is at this revision: columns not given get a plain
    value of their type (the test cares only about the ones it names)."""
    table = Table(table_name, MetaData(), autoload_with=conn)
    plain = {Integer: 0, String: "x", Text: "", Boolean: False, Float: 0.0}
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        if isinstance(column.type, DateTime):
            row[column.name] = datetime.now(UTC)
        elif isinstance(column.type, Enum):
            row[column.name] = column.type.enums[0]
        else:
            row[column.name] = next(v for t, v in plain.items() if isinstance(column.type, t))
    return int(conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one())


def test_word_counts_are_filled_in_for_pairs_made_before_0003(empty_url: str) -> None:
    upgrade(empty_url, "0002tm")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            user = _insert_row(conn, "users", username="old-timer")
            project = _insert_row(conn, "projects", name="Memos", created_by_id=user)
            document = _insert_row(
                conn, "documents", project_id=project, title="Memo", state="ready"
            )
            pair = _insert_row(
                conn,
                "pairs",
                document_id=document,
                position=0,
                status="auto",
                ru_text="Дела, рассмотренные «тройками» ОГПУ,\n\nпроверены не полностью.",
                en_text="Cases heard by the OGPU “troikas”  have not all been reviewed.",
            )
        upgrade(empty_url)
        with engine.connect() as conn:
            words = conn.execute(
                text("SELECT ru_words, en_words FROM pairs WHERE id = :id"), {"id": pair}
            ).one()
    finally:
        engine.dispose()
    assert tuple(words) == (7, 11)
