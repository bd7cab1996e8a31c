"""What a server process loads before it takes its first request.

The language layer (pymorphy3's dictionary, spaCy's lookups, the segmenters), the spelling
dictionaries and the review templates load on first use, which costs the first translator
after a (re)start about a second per server process. :func:`warm_up` loads them at start.
Each piece is cached for the life of the process, so a second call costs nothing.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

TEMPLATES = (
    "review/document.html",
    "review/row.html",
    "review/editor.html",
    "projects/detail.html",
)


def warm_up() -> float:
    """Load the language layer, spelling dictionaries and review templates; returns the
    seconds it took. Problems are logged, never raised: a cold start is only slower."""
    started = time.perf_counter()
    try:
        from alignment import segment_text
        from alignment.text import lemma_en, lemma_ru
        from app.templating import templates
        from glossary.checks import spelling

        segment_text("Проверка показала, что дела сфальсифицированы. Дело закрыто.", "ru")
        segment_text("The review showed the cases were fabricated. The case is closed.", "en")
        lemma_ru("тройками")
        lemma_en("troikas")
        spelling.check_text("Проверка показала.", "ru")
        spelling.check_text("The review showed.", "en")
        for name in TEMPLATES:
            templates.env.get_template(name)
    except Exception:  # pragma: no cover - logged; the first request loads what is missing
        log.warning("warming up the language layer failed", exc_info=True)
    return time.perf_counter() - started
