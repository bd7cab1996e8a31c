"""``sverka backup [FILE]`` and ``sverka restore FILE`` (registered by ``app/cli.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def cmd_backup(args: argparse.Namespace) -> int:
    from app.cli import CommandError, load_settings
    from app.services.backup import BackupError, backup

    settings = load_settings()
    try:
        result = backup(settings.resolved_database_url, Path(args.file) if args.file else None)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Backed up the {result.backend} database to {result.path} ({_human(result.size)}).")
    print(f"Restore it with: sverka restore {result.path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.cli import CommandError, load_settings
    from app.services.backup import BackupError, restore

    settings = load_settings()
    url = settings.resolved_database_url
    if not args.yes:
        answer = input(
            f"This replaces everything in the database with {args.file}. Stop the server "
            "first. Continue? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 1
    try:
        kept = restore(url, Path(args.file))
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Restored {args.file}.")
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    print("Run `sverka db upgrade` (a backup from an older version needs it), then start Sverka.")
    return 0


def register(sub: Any) -> None:
    backup = sub.add_parser(
        "backup",
        help="write a consistent copy of the database (safe while the server runs)",
        description="SQLite: an online snapshot through SQLite's backup API. PostgreSQL: "
        "pg_dump --format=custom (needs the PostgreSQL client tools).",
    )
    backup.add_argument(
        "file", nargs="?", help="where to write it (default: sverka-backup-DATE.sqlite3/.pgdump)"
    )
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore",
        help="replace the database with a backup (stop the server first)",
        description="SQLite: the replaced database is kept beside it. PostgreSQL: "
        "pg_restore --clean --single-transaction.",
    )
    restore.add_argument("file", help="a file made by `sverka backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_restore)
