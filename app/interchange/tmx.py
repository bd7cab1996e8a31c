"""TMX 1.4b: write a translation memory other CAT tools load, and read theirs (or ours) back.

Our own facts about a pair travel as ``<prop type="x-…">`` (status, bead type, confidence,
paragraph numbers), so that a round trip through Sverka restores them; other tools ignore them.
A character XML cannot carry (a stray control character) is written as
``<ph type="x-char">U+0001</ph>`` and restored on import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from lxml import etree

from app.interchange._xml import (
    DEFAULT_MAX_BYTES,
    XML_LANG,
    base_lang,
    iter_xml,
    local,
    parse_tmx_date,
    read_limited,
    split_forbidden,
    tmx_date,
    to_float,
    to_int,
)
from app.interchange.base import SVERKA_VERSION, Exporter, export_time, selected_pairs
from app.interchange.types import (
    STATUSES,
    BilingualDocument,
    EditionOptions,
    ExportPair,
    ImportedMemory,
    ImportedUnit,
    InterchangeError,
)

#: More distinct languages than this is not a translation memory but a damaged or hostile file
#: (the EU's DGT memories, the largest real ones, have 24).
MAX_LANGUAGES = 40

CHAR_CODE = "x-char"


def fill_segment(
    seg: etree._Element,
    text: str,
    char_element: Callable[[etree._Element, int], etree._Element] | None = None,
) -> None:
    """Put ``text`` into ``seg``; each character XML forbids becomes an inline element.

    ``char_element(parent, codepoint)`` appends that element; by default TMX's
    ``<ph type="x-char">U+0001</ph>``.
    """
    make = char_element or _tmx_char
    last: etree._Element | None = None
    parts: list[str] = []
    for chunk, code in split_forbidden(text):
        if code is None:
            parts.append(chunk)
            continue
        if last is None:
            seg.text = "".join(parts)
        else:
            last.tail = "".join(parts)
        parts = []
        last = make(seg, code)
    if last is None:
        seg.text = "".join(parts)
    else:
        last.tail = "".join(parts)


def _tmx_char(parent: etree._Element, code: int) -> etree._Element:
    ph = etree.SubElement(parent, "ph", type=CHAR_CODE)
    ph.text = f"U+{code:04X}"
    return ph


def _prop(parent: etree._Element, kind: str, value: str) -> None:
    etree.SubElement(parent, "prop", type=kind).text = value


def _tu(pair: ExportPair, src: str, trg: str) -> etree._Element:
    tu = etree.Element(
        "tu",
        tuid=str(pair.position),
        creationdate=tmx_date(pair.created_at),
        changedate=tmx_date(pair.changed_at),
    )
    # TMX user ids are free text; an empty attribute would only confuse other tools.
    if pair.created_by:
        tu.set("creationid", pair.created_by)
    if pair.changed_by:
        tu.set("changeid", pair.changed_by)
    for note in pair.notes:
        fill_segment(etree.SubElement(tu, "note"), note)
    _prop(tu, "x-status", pair.status)
    _prop(tu, "x-bead", pair.kind)
    _prop(tu, "x-confidence", f"{pair.confidence:.4f}")
    _prop(tu, "x-ru-paragraph", str(pair.ru_paragraph))
    _prop(tu, "x-en-paragraph", str(pair.en_paragraph))
    for lang, text in ((src, pair.ru), (trg, pair.en)):
        tuv = etree.SubElement(tu, "tuv")
        tuv.set(XML_LANG, lang)
        fill_segment(etree.SubElement(tuv, "seg"), text)
    return tu


class TmxExporter(Exporter):
    name = "tmx"
    verbose = "TMX 1.4b translation memory"
    extension = "tmx"
    content_type = "application/x-tmx+xml"

    def write(
        self, doc: BilingualDocument, out: BinaryIO, options: EditionOptions | None = None
    ) -> int:
        options = options or EditionOptions()
        count = 0
        with etree.xmlfile(out, encoding="utf-8") as xf:
            xf.write_declaration()
            xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
            with xf.element("tmx", version="1.4"):
                xf.write("\n")
                header = etree.Element(
                    "header",
                    creationtool="Sverka",
                    creationtoolversion=SVERKA_VERSION,
                    segtype="sentence",
                    datatype="plaintext",
                    adminlang="en",
                    srclang=doc.source_lang,
                    creationdate=tmx_date(export_time(doc)),
                )
                header.set("o-tmf", "Sverka")
                if doc.title:
                    _prop(header, "x-document", doc.title)
                if doc.project:
                    _prop(header, "x-project", doc.project)
                xf.write(header, pretty_print=True)
                with xf.element("body"):
                    xf.write("\n")
                    for pair in selected_pairs(doc, options):
                        xf.write(_tu(pair, doc.source_lang, doc.target_lang), pretty_print=True)
                        count += 1
                        if count % 1000 == 0:
                            xf.flush()
                xf.write("\n")
        return count


def segment_text(seg: etree._Element) -> str:
    """The plain text of a TMX ``<seg>`` (or XLIFF 1.2 ``<source>``): codes dropped, ours restored.

    Inline codes (``bpt``, ``ept``, ``it``, ``ph``, ``ut``, ``x``, ``g`` markup…) hold the
    source format's formatting, not text; ``hi``/``mrk``/``g`` wrap real text and are kept.
    """
    parts = [seg.text or ""]
    for child in seg:
        name = local(child.tag)
        kind = child.get("type") or child.get("ctype")
        if name == "ph" and kind == CHAR_CODE:
            parts.append(_restore_char(child.text or ""))
        elif name == "cp":
            parts.append(_restore_char(child.get("hex", "")))
        elif name in ("hi", "mrk", "g", "pc"):
            parts.append(segment_text(child))
        # Other inline elements are codes of the original format, not words of the text.
        parts.append(child.tail or "")
    return "".join(parts)


def _restore_char(label: str) -> str:
    try:
        return chr(int(label.strip().removeprefix("U+"), 16))
    except ValueError:
        return ""


def _note_language(code: str, found: dict[str, str]) -> None:
    if code and code not in found:
        found[code] = base_lang(code)
        if len(found) > MAX_LANGUAGES:
            raise InterchangeError(
                f"This TMX file uses more than {MAX_LANGUAGES} languages; it is not a "
                "translation memory Sverka can read. Export only the Russian and English "
                "parts from your tool and retry."
            )


def _unit(tu: etree._Element, found: dict[str, str]) -> ImportedUnit | None:
    texts: dict[str, str] = {}
    for tuv in tu.iterfind("tuv"):
        code = tuv.get(XML_LANG) or tuv.get("lang") or ""
        _note_language(code, found)
        lang = found.get(code, "")
        seg = tuv.find("seg")
        if lang in ("ru", "en") and lang not in texts and seg is not None:
            texts[lang] = segment_text(seg)
    if "ru" not in texts or "en" not in texts:
        return None
    props = {p.get("type", ""): (p.text or "") for p in tu.iterfind("prop")}
    status = props.get("x-status")
    return ImportedUnit(
        ru=texts["ru"],
        en=texts["en"],
        status=status if status in STATUSES else None,
        kind=props.get("x-bead") or None,
        created_at=parse_tmx_date(tu.get("creationdate")),
        changed_at=parse_tmx_date(tu.get("changedate")),
        created_by=tu.get("creationid"),
        changed_by=tu.get("changeid"),
        notes=tuple(segment_text(n) for n in tu.iterfind("note")),
        confidence=to_float(props.get("x-confidence")),
        ru_paragraph=to_int(props.get("x-ru-paragraph")),
        en_paragraph=to_int(props.get("x-en-paragraph")),
        position=to_int(tu.get("tuid")),
    )


def read_tmx(data: bytes | BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedMemory:
    """Read a TMX file (ours or another tool's) into Russian–English units.

    Languages are matched by their main subtag (``ru-RU``, ``EN-GB`` count as ``ru``/``en``).
    The file is read unit by unit (a big memory never becomes a whole XML tree), but the
    result is all or nothing: ``InterchangeError`` for anything a translator must fix.
    """
    raw = read_limited(data, max_bytes, "TMX")
    units: list[ImportedUnit] = []
    found: dict[str, str] = {}
    skipped = 0
    header: dict[str, str] = {}
    has_body = False
    depth = 0
    for event, element in iter_xml(raw, "TMX"):
        if event == "start":
            depth += 1
            if depth == 1 and element.tag != "tmx":
                raise InterchangeError(
                    f"This is not a TMX file (its main element is <{local(element.tag)}>, "
                    "not <tmx>)."
                )
            continue
        depth -= 1
        if element.tag == "header" and depth == 1:
            header = {str(k): str(v) for k, v in element.attrib.items()}
            element.clear()
        elif element.tag == "body" and depth == 1:
            has_body = True
        elif element.tag == "tu":
            unit = _unit(element, found)
            if unit is None:
                skipped += 1
            else:
                units.append(unit)
            # Free what has been read: the tree only ever holds the current unit.
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    if not has_body:
        raise InterchangeError("This TMX file has no <body>: it holds no translation units.")
    if not {"ru", "en"} <= set(found.values()):
        listed = ", ".join(sorted(found)) or "none"
        raise InterchangeError(
            "Sverka needs Russian and English translation units, but this TMX file holds "
            f"these languages: {listed}. Export a Russian–English memory and retry."
        )
    srclang = base_lang(header.get("srclang", ""))
    source = srclang if srclang in ("ru", "en") else "ru"
    return ImportedMemory(
        units=units,
        source_lang=source,
        target_lang="en" if source == "ru" else "ru",
        skipped=skipped,
        tool=header.get("creationtool", ""),
    )
