"""Fixtures shared by every test package.

Database tests run on SQLite always, and on PostgreSQL too when ``SVERKA_TEST_POSTGRES_URL``
is set (``./dev.sh test`` and ``.ci/run`` set it). Each test session gets a fresh database
per backend, migrated with Alembic (never ``create_all``); each test runs inside one outer
transaction that is rolled back, so tests do not see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SVERKA_TEST_POSTGRES_URL") else [])


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real parallel texts with gold); skips where the clone lacks it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            "needs ../shared/data (the shared Russian–English corpora beside the project "
            "folder), which this checkout does not have"
        )
    return SHARED_DATA


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def _fresh_postgres_url() -> tuple[str, Engine, str]:
    base = make_url(os.environ["SVERKA_TEST_POSTGRES_URL"])
    name = f"sverka_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), admin, name


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated, empty database for this test session: SQLite file, or a new PG database."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "sverka.sqlite3"
        url = f"sqlite:///{path}"
        migrate(url)
        yield url
        return
    url, admin, name = _fresh_postgres_url()
    migrate(url)
    yield url
    from app.db import get_engine

    get_engine.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    from app.db import build_engine

    eng = build_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test.

    Code under test may call ``commit()``: with ``join_transaction_mode="create_savepoint"``
    that only releases a savepoint, and the outer rollback still undoes everything.
    """
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint",
                 expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        if outer.is_active:
            outer.rollback()
        connection.close()
