"""Fixtures for the format layer: the memo, exports in memory, tools found on this machine."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from app.interchange.exporters import EXPORTERS
from app.interchange.types import BilingualDocument, EditionOptions, ExportPair
from tests.interchange.memo import TRICKY, memo_document, memo_pairs

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def export(name: str, doc: BilingualDocument | None = None, **options: object) -> bytes:
    """The bytes of ``doc`` (the memo with tricky lines by default) in format ``name``."""
    out = io.BytesIO()
    EXPORTERS[name]().write(doc or memo_document(TRICKY), out, EditionOptions(**options))  # type: ignore[arg-type]
    return out.getvalue()


def expected_pairs(only_approved: bool = False) -> list[ExportPair]:
    return [p for p in memo_pairs(TRICKY) if not only_approved or p.status == "approved"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/`` (git-ignored): renders a person looks at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"needs `{tool}` (Debian package), which is not installed here")
    return path
