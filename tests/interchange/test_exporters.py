"""The registry, and streaming: big exports leave the server pair by pair, not all at once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.interchange.exporters import EXPORTERS, get_exporter
from app.interchange.types import BilingualDocument, EditionOptions, ExportPair, InterchangeError
from tests.interchange.memo import memo_document

WHEN = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_every_format_the_issue_asks_for_is_registered() -> None:
    assert set(EXPORTERS) == {
        "tmx",
        "xliff21",
        "xliff12",
        "tsv",
        "csv",
        "html",
        "docx",
        "pdf",
        "epub",
    }
    for name, cls in EXPORTERS.items():
        assert cls.name == name and cls.extension and "/" in cls.content_type


def test_format_names_users_type() -> None:
    assert get_exporter("XLIFF").name == "xliff21"
    assert get_exporter(" tmx ").filename("memo") == "memo.tmx"
    with pytest.raises(InterchangeError, match="cannot export “odt”; choose one of: tmx"):
        get_exporter("odt")


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(InterchangeError, match="side-by-side or alternating"):
        EditionOptions(layout="interlinear")


@pytest.mark.parametrize(
    "name", ["tmx", "xliff21", "xliff12", "tsv", "csv", "html", "docx", "epub"]
)
def test_every_format_writes_the_memo_and_counts_its_pairs(name: str) -> None:
    out = io.BytesIO()
    assert EXPORTERS[name]().write(memo_document(), out) == 13
    assert (
        EXPORTERS[name]().write(memo_document(), io.BytesIO(), EditionOptions(only_approved=True))
        == 8
    )
    assert len(out.getvalue()) > 1000


class _Watched(io.RawIOBase):
    """An output that remembers how many bytes had arrived when each pair was produced."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def,override]
        self.size += len(data)
        return len(data)


def _pairs(n: int, seen: list[int], out: _Watched) -> Iterator[ExportPair]:
    for i in range(1, n + 1):
        seen.append(out.size)
        yield ExportPair(
            i,
            f"Дело № {i} рассмотрено тройкой.",
            f"Case No. {i} was heard by a troika.",
            "approved",
            "1-1",
            0.9,
            i // 4,
            i // 4,
            WHEN,
            WHEN,
            "anna",
            "anna",
        )


@pytest.mark.parametrize("name", [n for n, cls in EXPORTERS.items() if cls.streaming])
def test_streaming_formats_write_while_pairs_are_still_coming(name: str) -> None:
    out = _Watched()
    seen: list[int] = []
    doc = BilingualDocument("Stream", _pairs(6000, seen, out), exported_at=WHEN)
    EXPORTERS[name]().write(doc, out)  # type: ignore[arg-type]
    assert len(seen) == 6000
    # Half-way through the pairs, a good part of the file must already be out.
    assert seen[3000] > out.size * 0.3, (seen[3000], out.size)


def test_the_format_layer_imports_no_database_or_web_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, app.interchange.exporters, app.interchange.tmx, app.interchange.xliff;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'starlette') or m == 'app.models'))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_editions_fall_back_to_the_readers_fonts_when_none_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.interchange import fonts

    monkeypatch.setattr(fonts, "_CANDIDATES", ())
    fonts.edition_fonts.cache_clear()
    try:
        html = io.BytesIO()
        EXPORTERS["html"]().write(memo_document(), html)
        text = html.getvalue().decode()
        assert "@font-face" not in text
        assert 'font-family: "PT Serif", "DejaVu Serif"' in text
        assert "Служебная записка о пересмотре дел" in text
    finally:
        fonts.edition_fonts.cache_clear()
