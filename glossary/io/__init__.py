"""Glossary exchange formats: CSV and TBX. Every import validates the whole file first."""

from __future__ import annotations

from pathlib import Path

from glossary.io.common import GlossaryImportError, ImportResult
from glossary.io.csv import export_csv, import_csv
from glossary.io.tbx import export_tbx, import_tbx

__all__ = [
    "GlossaryImportError",
    "ImportResult",
    "export_csv",
    "export_tbx",
    "import_csv",
    "import_tbx",
    "load_glossary",
]


def load_glossary(path: str | Path, *, default_status: str = "approved") -> ImportResult:
    """Terms from a TBX or CSV file, told apart by content (XML) or else by extension."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise GlossaryImportError(
            [f"cannot read the glossary file ({err.strerror or err})"], filename=str(path)
        ) from None
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") or path.suffix.lower() in (".tbx", ".xml"):
        return import_tbx(data, filename=str(path), default_status=default_status)
    return import_csv(data, filename=str(path), default_status=default_status)
