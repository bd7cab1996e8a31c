"""Geometry of the alignment map: the document's pairs as coloured bands and a ladder.

Pure arithmetic on :class:`~app.services.review.AlignmentMap`, kept apart from the templates so
the SVG stays small (runs of equal colour are merged, the ladder is sampled) and testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from app.services.review import LOW_CONFIDENCE, AlignmentMap, MapEntry

#: Rungs drawn at most in the narrow strip; trouble spots are always drawn.
MAX_RUNGS = 400


def colour_class(entry: MapEntry) -> str:
    """The colour of a pair: QA flags first, then its status, then the aligner's confidence."""
    if entry.flags:
        return "c-flag"
    if entry.status != "auto":
        return f"c-{entry.status}"
    if entry.confidence < LOW_CONFIDENCE:
        return "c-low"
    if entry.confidence < 0.75:
        return "c-mid"
    return "c-auto"


def describe(entry: MapEntry) -> str:
    """The tooltip of a pair on the map."""
    ru = f"{entry.ru_start + 1}–{entry.ru_end}" if entry.ru_end > entry.ru_start else "none"
    en = f"{entry.en_start + 1}–{entry.en_end}" if entry.en_end > entry.en_start else "none"
    flags = f", {entry.flags} QA flag{'s' if entry.flags != 1 else ''}" if entry.flags else ""
    return (
        f"Pair {entry.position + 1}: Russian sentences {ru}, English {en}; {entry.status}, "
        f"confidence {entry.confidence:.0%}{flags}"
    )


@dataclass(frozen=True, slots=True)
class Band:
    y: float
    height: float
    cls: str
    first: int  # pair number (1-based) of the run's first pair
    last: int


@dataclass(frozen=True, slots=True)
class Rung:
    y_ru: float
    y_en: float
    cls: str
    number: int


@dataclass(frozen=True, slots=True)
class Strip:
    height: float
    bands: list[Band]
    rungs: list[Rung]
    window: tuple[float, float] | None  # y and height of the page being shown
    total: int


def strip(amap: AlignmentMap, *, height: float = 1000.0, offset: int = 0, limit: int = 0) -> Strip:
    """A narrow picture of the whole document: a colour band per run of pairs and a ladder of
    rungs joining each pair's place in the Russian text to its place in the English text.
    Level rungs mean both sides advance together; slanted ones show where they drift apart."""
    n = len(amap.entries)
    if n == 0:
        return Strip(height, [], [], None, 0)
    unit = height / n
    bands: list[Band] = []
    for entry in amap.entries:
        cls = colour_class(entry)
        if bands and bands[-1].cls == cls:
            last = bands[-1]
            bands[-1] = Band(last.y, last.height + unit, cls, last.first, entry.position + 1)
        else:
            bands.append(
                Band(entry.position * unit, unit, cls, entry.position + 1, entry.position + 1)
            )
    step = max(1, -(-n // MAX_RUNGS))  # ceiling: at most MAX_RUNGS sampled rungs
    ru_total = max(amap.ru_total, 1)
    en_total = max(amap.en_total, 1)
    rungs: list[Rung] = []
    for entry in amap.entries:
        cls = colour_class(entry)
        if entry.position % step and cls not in ("c-flag", "c-low", "c-rejected"):
            continue
        ru_mid = (entry.ru_start + entry.ru_end) / 2
        en_mid = (entry.en_start + entry.en_end) / 2
        rungs.append(
            Rung(ru_mid / ru_total * height, en_mid / en_total * height, cls, entry.position + 1)
        )
    window = None
    if limit:
        top = min(offset, n) * unit
        window = (top, max(min(limit, n - offset) * unit, 2.0))
    return Strip(height, bands, rungs, window, n)


@dataclass(frozen=True, slots=True)
class PathStep:
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str
    number: int
    title: str


@dataclass(frozen=True, slots=True)
class PathPlot:
    size: float
    steps: list[PathStep]
    ru_total: int
    en_total: int


def path_plot(amap: AlignmentMap, *, size: float = 800.0) -> PathPlot:
    """The alignment path: Russian sentence index across, English down. A straight diagonal
    is a clean 1-1 alignment; flat or steep stretches are 1-0/0-1 runs or merged sentences."""
    ru_total = max(amap.ru_total, 1)
    en_total = max(amap.en_total, 1)
    sx, sy = size / ru_total, size / en_total
    steps = [
        PathStep(
            e.ru_start * sx,
            e.en_start * sy,
            e.ru_end * sx,
            e.en_end * sy,
            colour_class(e),
            e.position + 1,
            describe(e),
        )
        for e in amap.entries
    ]
    return PathPlot(size, steps, amap.ru_total, amap.en_total)


def plot_links(plot: PathPlot, document_id: int) -> str:
    """The plot's steps as SVG links (``<a><line><title>``), every value escaped.

    Built here rather than in a template loop: on a 5,000-pair document this is the whole page.
    """
    out = []
    for st in plot.steps:
        out.append(
            f'<a href="/documents/{int(document_id)}?n={int(st.number)}">'
            f'<line x1="{st.x1:.1f}" y1="{st.y1:.1f}" x2="{st.x2:.1f}" y2="{st.y2:.1f}" '
            f'class="{escape(st.cls)}"><title>{escape(st.title)}</title></line></a>'
        )
    return "".join(out)
