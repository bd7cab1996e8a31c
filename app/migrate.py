"""Alembic, run from Python against the configured database, and start-up checks.

Everything here turns the usual failures (a malformed URL, PostgreSQL not running, a data
directory that cannot be written, a database that was never migrated) into
:class:`StartupError` whose message is one line saying what is wrong and what to do.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

import migrations
from app.config import Settings
from app.db import build_engine

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
_URL_EXAMPLES = (
    "sqlite:////path/to/sverka.sqlite3 or postgresql+psycopg://user:password@host:5432/sverka"
)


class StartupError(Exception):
    """The server or a command cannot start; the message says what to do."""


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return ",".join(sorted(heads))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def check_current(engine: Engine) -> None:
    """Refuse a database that is not migrated to this version's newest revision."""
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise StartupError(describe_database_error(exc, engine.url.render_as_string())) from exc
    head = head_revision()
    if current == head:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    if current is None:
        raise StartupError("The database has no Sverka tables yet: run `sverka db upgrade` first.")
    known = {rev.revision for rev in script.walk_revisions()}
    if not set(current.split(",")) <= known:
        raise StartupError(
            f"The database is at revision {current}, which this version of Sverka does not "
            "know (it was migrated by a newer Sverka): upgrade Sverka or restore a backup."
        )
    raise StartupError(
        f"The database is at revision {current} but this Sverka needs {head}: "
        "run `sverka db upgrade`."
    )


def describe_database_error(exc: BaseException, url: str) -> str:
    """One line for a translator or an administrator, never a traceback."""
    where = _safe_url(url)
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = detail[0] if detail else type(exc).__name__
    if isinstance(exc, OperationalError):
        lower = first.lower()
        if "unable to open database file" in lower:
            return (
                f"Cannot open the SQLite database {where}: check that its directory exists "
                "and is writable, or set SVERKA_DATA_DIR / SVERKA_DATABASE_URL."
            )
        if "readonly" in lower or "read-only" in lower:
            return (
                f"The SQLite database {where} is read-only: make it and its directory "
                "writable for this user."
            )
        if "does not exist" in lower and "database" in lower:
            return (
                f"The PostgreSQL database in {where} does not exist: create it "
                "(createdb) or fix SVERKA_DATABASE_URL."
            )
        if "password authentication failed" in lower or "authentication" in lower:
            return f"PostgreSQL refused the user or password in {where}: fix SVERKA_DATABASE_URL."
        return (
            f"Cannot connect to the database {where} ({first}): check that the server is "
            "running and that SVERKA_DATABASE_URL is right."
        )
    return f"Database error with {where}: {first}"


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def check_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StartupError(
            f"SVERKA_DATABASE_URL is not a database URL ({url!r}): use {_URL_EXAMPLES}."
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StartupError(
            f"SVERKA_DATABASE_URL uses {backend!r}, which Sverka does not support: "
            f"use {_URL_EXAMPLES}."
        )
    try:
        parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise StartupError(
            f"SVERKA_DATABASE_URL names a driver that is not installed ({parsed.drivername}): "
            "use postgresql+psycopg:// for PostgreSQL."
        ) from exc
    if backend == "postgresql" and not parsed.database:
        raise StartupError(
            "SVERKA_DATABASE_URL names no database: add it at the end, as in "
            "postgresql+psycopg://user:password@host:5432/sverka."
        )


def check_data_dir(settings: Settings) -> None:
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StartupError(
            f"Cannot write to the data directory {path} ({reason}): make it writable for "
            f"user {_whoami()} or point SVERKA_DATA_DIR to a directory that is."
        ) from exc


def _whoami() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def preflight(settings: Settings, *, require_current: bool = True) -> Engine:
    """Check URL, data dir, secret key and connection (and the schema); return an engine."""
    url = settings.resolved_database_url
    check_database_url(url)
    check_data_dir(settings)
    try:
        settings.resolved_secret_key()
    except OSError as exc:
        raise StartupError(
            f"Cannot store the secret key in {settings.data_dir} ({exc.strerror}): make the "
            "directory writable or set SVERKA_SECRET_KEY."
        ) from exc
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StartupError(describe_database_error(exc, url)) from exc
    if require_current:
        try:
            check_current(engine)
        except StartupError:
            engine.dispose()
            raise
    return engine
