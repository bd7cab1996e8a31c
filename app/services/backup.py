"""``sverka backup`` and ``sverka restore``.

SQLite: the snapshot is taken with SQLite's online backup API, page by page under the
database's own locks, so it is consistent even while the server writes (WAL included) — unlike
copying the file, which can catch a half-written transaction. A restore checks the file first
(a Sverka database, not newer than this version) and keeps the database it replaces beside it.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean``; both read a consistent
snapshot (one repeatable-read transaction), so the server may keep running during a backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """Something the operator can fix; the message says what."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    backend: str


def default_name(backend: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if backend == "sqlite" else "pgdump"
    return Path(f"sverka-backup-{stamp}.{suffix}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump/pg_restore, with the password in the environment
    (never on the command line, where other users could read it with ``ps``)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL client tools (Debian/Ubuntu: "
            f"apt install postgresql-client), or run {name} yourself: "
            + (
                "pg_dump --format=custom --file=FILE DATABASE_URL"
                if name == "pg_dump"
                else "pg_restore --clean --if-exists --no-owner --dbname=DATABASE_URL FILE"
            )
        )
    return path


def backup(database_url: str, target: Path | None = None) -> BackupResult:
    """Write a consistent copy of the database to ``target`` (default: a dated file name)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    target = target or default_name(backend)
    if target.exists():
        raise BackupError(f"{target} exists already: choose another file name.")
    if target.parent and not target.parent.exists():
        raise BackupError(f"The folder {target.parent} does not exist.")
    if backend == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"There is no database at {source_path}: nothing to back up.")
        partial = target.with_name(target.name + ".partial")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(partial)
            partial.chmod(0o600)  # password hashes and unpublished texts: owner only
            try:
                source.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dest.close()
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"The backup failed: {exc}.") from exc
        finally:
            source.close()
        partial.replace(target)
    elif backend == "postgresql":
        conninfo, env = _libpq(url)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", conninfo]
        old_umask = os.umask(0o077)  # password hashes and unpublished texts: owner only
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        finally:
            os.umask(old_umask)
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip() or done.returncode}")
    else:
        raise BackupError(f"Backups of {backend} databases are not supported.")
    return BackupResult(target, target.stat().st_size, backend)


def _check_sqlite_backup(path: Path) -> str:
    """The Alembic revision of a Sverka SQLite backup; refuses other files."""
    try:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{path} is not a SQLite database (nor a Sverka backup).")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = conn.execute("PRAGMA quick_check").fetchone()
            if not integrity or integrity[0] != "ok":
                raise BackupError(f"{path} is damaged (integrity check: {integrity}).")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            conn.execute("SELECT 1 FROM users LIMIT 1")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a Sverka database: {exc}.") from exc
    if not row:
        raise BackupError(f"{path} has no schema revision: it is not a Sverka backup.")
    return str(row[0])


def restore(database_url: str, source: Path) -> Path | None:
    """Replace the database by the backup ``source``. Stop the server first.

    Returns where the replaced SQLite database was kept (None for PostgreSQL or a new file).
    """
    from app.migrate import head_revision

    url = make_url(database_url)
    backend = url.get_backend_name()
    if not source.is_file():
        raise BackupError(f"There is no backup file {source}.")
    if backend == "sqlite":
        revision = _check_sqlite_backup(source)
        known = _known_revisions()
        if revision not in known:
            raise BackupError(
                f"The backup is at schema revision {revision}, which this version of Sverka "
                f"does not know (newest here: {head_revision()}): update Sverka first."
            )
        target = _sqlite_path(url)
        kept: Path | None = None
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            # A consistent copy of what is replaced, in case the wrong backup was chosen.
            backup(database_url, kept)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(target)
            try:
                src.backup(dest)
            finally:
                dest.close()
        except sqlite3.Error as exc:
            raise BackupError(
                f"The restore failed: {exc}. Is the server still running? Stop it and retry."
            ) from exc
        finally:
            src.close()
        return kept
    if backend == "postgresql":
        with open(source, "rb") as fh:
            if fh.read(5) != b"PGDMP":
                raise BackupError(
                    f"{source} is not a pg_dump custom-format file (made by `sverka backup`)."
                )
        conninfo, env = _libpq(url)
        command = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={conninfo}",
            str(source),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip() or done.returncode}")
        return None
    raise BackupError(f"Restoring {backend} databases is not supported.")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}
