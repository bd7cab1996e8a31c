"""Any text a translator can type survives TMX and XLIFF round trips exactly."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from app.interchange.exporters import EXPORTERS
from app.interchange.tmx import read_tmx
from app.interchange.types import STATUSES, BilingualDocument, ExportPair
from app.interchange.xliff import read_xliff

WHEN = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)

# Any code point but lone surrogates, which no file (and no Python str from a database) holds.
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
cyrillic_heavy = st.text(
    st.sampled_from(
        list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАЯЁ №«»—–…\u00a0\u0301&<>\"'\r\n\t\x01")
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.one_of(texts, cyrillic_heavy), texts, st.sampled_from(STATUSES)),
        min_size=1,
        max_size=5,
    ),
    notes=st.lists(texts, max_size=2),
)
def test_tmx_and_xliff_give_back_exactly_what_went_in(
    rows: list[tuple[str, str, str]], notes: list[str]
) -> None:
    pairs = [
        ExportPair(i, ru, en, status, "1-1", 1.0, i, i, WHEN, WHEN, "u", "u", tuple(notes))
        for i, (ru, en, status) in enumerate(rows, start=1)
    ]
    for name, read in (("tmx", read_tmx), ("xliff12", read_xliff), ("xliff21", read_xliff)):
        out = io.BytesIO()
        EXPORTERS[name]().write(BilingualDocument("Property", iter(pairs)), out)
        units = read(out.getvalue()).units
        assert [(u.ru, u.en, u.status, u.notes) for u in units] == [
            (p.ru, p.en, p.status, p.notes) for p in pairs
        ], name
