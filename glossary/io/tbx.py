"""Glossary as TBX: TBX v3 (ISO 30042:2019, TBX-Basic dialect) export and import, and import of
TBX 2008 (``<martif>``) files.

How Sverka's fields map onto TBX-Basic:

* one ``conceptEntry`` per term; ``descrip type="subjectField"`` is the domain;
* the Russian ``langSec`` holds the term (``termSec``/``term``), its ``partOfSpeech`` and the
  note as ``descrip type="definition"``; the term's review status is a ``note`` of the form
  ``status: approved`` (TBX-Basic has no review status of its own), and, for other tools, an
  ``administrativeStatus`` on the term (approved → preferred, deprecated → superseded,
  forbidden → deprecated; none for proposed), which import reads when the note is absent;
* the English ``langSec`` holds one ``termSec`` per equivalent, with ``administrativeStatus``:
  preferred → ``preferredTerm-admn-sts``, admitted → ``admittedTerm-admn-sts``,
  deprecated → ``supersededTerm-admn-sts``, forbidden → ``deprecatedTerm-admn-sts``
  (in terminology a *deprecated term* is one that must not be used).

XML is parsed safely: a file that declares entities (the "billion laughs" XML bomb, external
entities that would read local files) is refused, never expanded. Elements Sverka does not use
are skipped and counted in a warning.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import defusedxml.ElementTree as SafeET
from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from glossary.io.common import GlossaryImportError, ImportResult, RawEntry, validate
from glossary.types import Term

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_BYTES = 50_000_000

ADMIN_STATUS = {
    "preferred": "preferredTerm-admn-sts",
    "admitted": "admittedTerm-admn-sts",
    "deprecated": "supersededTerm-admn-sts",
    "forbidden": "deprecatedTerm-admn-sts",
}
_KIND_OF_STATUS = {v: k for k, v in ADMIN_STATUS.items()} | {
    "standardizedTerm-admn-sts": "preferred",
    "legalTerm-admn-sts": "preferred",
    "regulatedTerm-admn-sts": "preferred",
    "notRecommended-admn-sts": "deprecated",
    "obsoleteTerm-admn-sts": "deprecated",
}
# The Russian term's own status, for tools that do not read Sverka's "status:" note.
_TERM_ADMIN_STATUS = {
    "approved": "preferredTerm-admn-sts",
    "deprecated": "supersededTerm-admn-sts",
    "forbidden": "deprecatedTerm-admn-sts",
}
_STATUS_OF_KIND = {"preferred": "approved", "admitted": "approved", "deprecated": "deprecated",
                   "forbidden": "forbidden"}  # fmt: skip
_STATUS_NOTE = re.compile(r"^\s*status:\s*(\w+)\s*$", re.IGNORECASE)

# Elements Sverka reads or knowingly passes over (structure, headers, grouping).
_KNOWN = frozenset(
    {
        "tbx", "martif", "tbxHeader", "martifHeader", "fileDesc", "titleStmt", "title",
        "publicationStmt", "sourceDesc", "encodingDesc", "revisionDesc", "p", "text", "body",
        "back", "conceptEntry", "termEntry", "langSec", "langSet", "termSec", "tig", "ntig",
        "termGrp", "term", "termNote", "termNoteGrp", "descrip", "descripGrp", "note", "admin",
        "adminGrp", "transacGrp", "transac", "transacNote", "date", "ref", "xref", "hi",
        "change", "refObjectSec", "refObjectList", "refObject", "item", "itemSet", "ph", "sc",
        "ec", "foreign",
    }
)  # fmt: skip


def _local(tag: object) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def _sub(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{TBX_NS}}}{tag}", attrs)
    if text:
        el.text = text
    return el


def export_tbx(terms: Iterable[Term], *, title: str = "Sverka glossary") -> bytes:
    """The glossary as a TBX v3 file in the TBX-Basic dialect (UTF-8 bytes)."""
    ET.register_namespace("", TBX_NS)
    root = ET.Element(f"{{{TBX_NS}}}tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "ru"})
    header = _sub(root, "tbxHeader")
    file_desc = _sub(header, "fileDesc")
    _sub(_sub(file_desc, "titleStmt"), "title", title)
    _sub(_sub(file_desc, "sourceDesc"), "p", "Exported from Sverka")
    body = _sub(_sub(root, "text"), "body")
    for term in terms:
        concept = _sub(body, "conceptEntry", id=_xml_id(term.id))
        if term.domain:
            _sub(concept, "descrip", term.domain, type="subjectField")
        ru = _sub(concept, "langSec", **{XML_LANG: "ru"})
        if term.note:
            _sub(ru, "descrip", term.note, type="definition")
        _sub(ru, "note", f"status: {term.status}")
        ru_sec = _sub(ru, "termSec")
        _sub(ru_sec, "term", term.ru)
        if term.part_of_speech:
            _sub(ru_sec, "termNote", term.part_of_speech, type="partOfSpeech")
        if term.status in _TERM_ADMIN_STATUS:
            _sub(ru_sec, "termNote", _TERM_ADMIN_STATUS[term.status], type="administrativeStatus")
        if term.equivalents:
            en = _sub(concept, "langSec", **{XML_LANG: "en"})
            for eq in term.equivalents:
                sec = _sub(en, "termSec")
                _sub(sec, "term", eq.en)
                _sub(sec, "termNote", ADMIN_STATUS[eq.kind], type="administrativeStatus")
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    model = (
        '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/'
        'master/DCA/TBXcoreStructV03_TBX-Basic_integrated.rng" type="application/xml" '
        'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + model + xml + "\n").encode("utf-8")


def _xml_id(term_id: int | str) -> str:
    text = re.sub(r"[^\w.-]", "_", str(term_id))
    return text if text[:1].isalpha() or text[:1] == "_" else f"c{text}"


def _parse(data: bytes) -> ET.Element:
    if len(data) > MAX_BYTES:
        raise GlossaryImportError([f"the file is larger than {MAX_BYTES // 1_000_000} MB"])
    try:
        return SafeET.fromstring(  # type: ignore[no-any-return]
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden):
        raise GlossaryImportError(
            [
                "the file declares XML entities (<!ENTITY …>), which can make a file expand "
                "to gigabytes or read files from this computer; TBX does not need them. "
                "Export the glossary again without a DOCTYPE"
            ]
        ) from None
    except DefusedXmlException as err:
        raise GlossaryImportError([f"the file was refused as unsafe XML ({err})"]) from None
    except ET.ParseError as err:
        raise GlossaryImportError([f"the file is not well-formed XML ({err})"]) from None


def _lang(el: ET.Element) -> str:
    return (el.get(XML_LANG) or el.get("lang") or "").lower().split("-")[0].split("_")[0]


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def import_tbx(
    data: bytes, *, filename: str = "", default_status: str = "approved"
) -> ImportResult:
    """Terms from a TBX v3 (``<tbx>``) or TBX 2008 (``<martif>``) file.

    Raises :class:`GlossaryImportError` (and imports nothing) for unsafe or malformed XML, a
    file that is not TBX, duplicate or punctuation-only terms.
    """
    try:
        return _import_tbx(data, default_status)
    except GlossaryImportError as err:
        raise GlossaryImportError(err.problems, filename=filename) from None


def _import_tbx(data: bytes, default_status: str) -> ImportResult:
    root = _parse(data)
    kind = _local(root.tag)
    if kind not in ("tbx", "martif"):
        raise GlossaryImportError(
            [f"this XML file is not TBX (its root element is <{kind}>, not <tbx> or <martif>)"]
        )
    unknown: dict[str, int] = {}
    for el in root.iter():
        name = _local(el.tag)
        if name not in _KNOWN:
            unknown[name] = unknown.get(name, 0) + 1
    entry_tag = "conceptEntry" if kind == "tbx" else "termEntry"
    entries: list[RawEntry] = []
    other_langs: set[str] = set()
    concepts = [el for el in root.iter() if _local(el.tag) in ("conceptEntry", "termEntry")]
    for number, concept in enumerate(concepts, start=1):
        concept_id = concept.get("id", "")
        where = f"entry {number}" + (f' (id "{concept_id}")' if concept_id else "")
        if _local(concept.tag) != entry_tag:
            unknown[_local(concept.tag)] = unknown.get(_local(concept.tag), 0) + 1
        entries.extend(_read_concept(concept, where, concept_id, other_langs))
    warnings: list[str] = []
    if unknown:
        total = sum(unknown.values())
        names = ", ".join(f"<{n}>" for n in sorted(unknown)[:5])
        warnings.append(f"{total} unknown TBX elements were ignored ({names})")
    if other_langs:
        warnings.append(
            "languages other than Russian and English were ignored: "
            + ", ".join(sorted(other_langs))
        )
    if not entries:
        raise GlossaryImportError(["the file has no entries with a Russian term"])
    terms = validate(entries, default_status=default_status)
    return ImportResult(terms, warnings)


def _read_concept(
    concept: ET.Element, where: str, concept_id: str, other_langs: set[str]
) -> list[RawEntry]:
    domain = ""
    note = ""
    status = ""
    ru_terms: list[tuple[str, str, str]] = []
    equivalents: list[tuple[str, str]] = []
    for child in concept:
        name = _local(child.tag)
        if name in ("descrip", "descripGrp"):
            descrip = child if name == "descrip" else child.find(".//{*}descrip")
            if descrip is None:
                descrip = child.find(".//descrip")
            if descrip is not None and descrip.get("type") == "subjectField":
                domain = _text(descrip)
            elif descrip is not None and descrip.get("type") == "definition" and not note:
                note = _text(descrip)
        elif name in ("langSec", "langSet"):
            lang = _lang(child)
            for el in child.iter():
                sub = _local(el.tag)
                if sub == "descrip" and el.get("type") == "definition" and lang == "ru":
                    note = _text(el)
                elif sub == "note" and lang == "ru":
                    m = _STATUS_NOTE.match(_text(el))
                    if m:
                        status = m.group(1).lower()
            for term_sec in child:
                if _local(term_sec.tag) not in ("termSec", "tig", "ntig"):
                    continue
                term_el = next((e for e in term_sec.iter() if _local(e.tag) == "term"), None)
                if term_el is None:
                    continue
                text = _text(term_el)
                pos = ""
                admin = ""
                for note_el in term_sec.iter():
                    if _local(note_el.tag) != "termNote":
                        continue
                    if note_el.get("type") == "partOfSpeech":
                        pos = _text(note_el)
                    elif note_el.get("type") == "administrativeStatus":
                        admin = _text(note_el)
                if lang == "ru":
                    admin_status = _STATUS_OF_KIND.get(_KIND_OF_STATUS.get(admin, ""), "")
                    ru_terms.append((text, pos, admin_status))
                elif lang == "en":
                    equivalents.append((text, _KIND_OF_STATUS.get(admin, "preferred")))
                elif lang:
                    other_langs.add(lang)
    out: list[RawEntry] = []
    for i, (ru, pos, admin_status) in enumerate(ru_terms):
        entry_id = concept_id if i == 0 else f"{concept_id or 'entry'}-{i + 1}"
        out.append(
            RawEntry(
                where=where,
                ru=ru,
                equivalents=list(equivalents),
                status=status or admin_status,
                part_of_speech=pos,
                note=note,
                domain=domain,
                id=entry_id,
            )
        )
    return out
