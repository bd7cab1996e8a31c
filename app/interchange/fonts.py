"""Fonts with Cyrillic for editions, read at run time from Debian's font packages.

We never ship font files: PT Serif (``fonts-paratype``) is preferred, DejaVu Serif
(``fonts-dejavu-core``) is the fallback, and without either the edition still works with the
reader's own serif font.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/paratype"), Path("/usr/share/fonts/truetype/dejavu"))
FAMILY = "Sverka Serif"
FALLBACK_STACK = '"PT Serif", "DejaVu Serif", "Noto Serif", Georgia, "Times New Roman", serif'

# (file, weight, style) per family, best first.
_CANDIDATES: tuple[tuple[Path, tuple[tuple[str, str, str], ...]], ...] = (
    (
        FONT_DIRS[0],
        (
            ("PTF55F.ttf", "normal", "normal"),
            ("PTF75F.ttf", "bold", "normal"),
            ("PTF56F.ttf", "normal", "italic"),
        ),
    ),
    (
        FONT_DIRS[1],
        (
            ("DejaVuSerif.ttf", "normal", "normal"),
            ("DejaVuSerif-Bold.ttf", "bold", "normal"),
            ("DejaVuSerif-Italic.ttf", "normal", "italic"),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class FontFace:
    path: Path
    weight: str
    style: str


@functools.cache
def edition_fonts() -> tuple[FontFace, ...]:
    """The font faces found on this machine (regular first); empty when none is installed."""
    for directory, faces in _CANDIDATES:
        found = tuple(
            FontFace(directory / name, weight, style)
            for name, weight, style in faces
            if (directory / name).is_file()
        )
        if found and found[0].weight == "normal" and found[0].style == "normal":
            return found
    return ()


def font_face_css(embed: bool) -> str:
    """``@font-face`` rules for the edition font: base64 data (one-file HTML) or file URLs."""
    rules = []
    for face in edition_fonts():
        if embed:
            data = base64.b64encode(face.path.read_bytes()).decode("ascii")
            src = f"url(data:font/ttf;base64,{data}) format('truetype')"
        else:
            src = f"url('{face.path.as_uri()}') format('truetype')"
        rules.append(
            f"@font-face {{ font-family: '{FAMILY}'; src: {src}; "
            f"font-weight: {face.weight}; font-style: {face.style}; }}"
        )
    return "\n".join(rules)


def font_stack() -> str:
    return f"'{FAMILY}', {FALLBACK_STACK}" if edition_fonts() else FALLBACK_STACK
