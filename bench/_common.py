"""Helpers the benchmarks share: migrating a database and reading the peak memory."""

from __future__ import annotations

import resource
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest revision (with this checkout's migrations)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
