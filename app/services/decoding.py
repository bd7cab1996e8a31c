"""Uploaded files → plain text with paragraphs: formats, encodings, and clear refusals.

Russian files still arrive in Windows-1251 and KOI8-R as often as in UTF-8, so the encoding is
detected and reported to the translator. Formats: plain text, Markdown, HTML and DOCX; each is
reduced to paragraphs separated by a blank line, which is what the segmenter expects.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import PurePath
from typing import Any, Literal

from app.services.errors import ServiceError, TooLarge

Side = Literal["ru", "en"]

SUPPORTED_FORMATS = "plain text (.txt), Markdown (.md), HTML (.html, .htm) and Word (.docx)"

_EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".docx": "docx",
}

_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
    "cp1251": "Windows-1251",
    "koi8-r": "KOI8-R",
    "cp1252": "Windows-1252",
    "ascii": "ASCII",
}

# A .docx is a zip; its declared sizes bound what reading it can cost (zipfile never returns
# more than an entry declares), so a zip bomb is refused from its directory alone.
_DOCX_MAX_UNCOMPRESSED = 256 * 1024 * 1024
_DOCX_MAX_ENTRIES = 5000
_DOCX_MAX_RATIO = 200

_SIDE_NAME = {"ru": "Russian", "en": "English"}


@dataclass(frozen=True)
class DecodedText:
    """One side of a document as text, with what was detected about the upload."""

    text: str
    encoding: str  # codec name, e.g. "cp1251"; see ``encoding_label``
    format: str  # "txt", "md", "html", "docx" or "paste"
    checksum_sha256: str  # of the bytes as uploaded
    filename: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def encoding_label(self) -> str:
        return encoding_label(self.encoding)

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "encoding": self.encoding,
            "format": self.format,
            "checksum_sha256": self.checksum_sha256,
            "filename": self.filename,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> DecodedText:
        return cls(
            text=str(data["text"]),
            encoding=str(data["encoding"]),
            format=str(data["format"]),
            checksum_sha256=str(data["checksum_sha256"]),
            filename=str(data.get("filename", "")),
            warnings=tuple(str(w) for w in data.get("warnings") or []),
        )


class DecodingError(ServiceError):
    """The file cannot be read as text; the message says why and what to do."""


def encoding_label(encoding: str) -> str:
    """The name translators know an encoding by ("Windows-1251", not "cp1251")."""
    return _LABELS.get(encoding, encoding.upper())


def format_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def too_large_message(filename: str, size: int | None, max_bytes: int) -> str:
    what = f"The file {filename!r}" if filename else "The file"
    got = f" is {format_size(size)}" if size is not None else " is too large"
    return (
        f"{what}{got}; the limit is {format_size(max_bytes)} per file. "
        "Split the document into parts, or ask the administrator to raise SVERKA_MAX_UPLOAD_MB."
    )


def decode_upload(data: bytes, filename: str, *, max_bytes: int) -> DecodedText:
    """Decode an uploaded file to normalised text with paragraphs.

    Raises :class:`DecodingError` (or :class:`TooLarge`) with a message for the translator when
    the file is too large, binary, empty, in an unsupported format or an unreadable encoding.
    """
    display = _display_name(filename)
    if len(data) > max_bytes:
        raise TooLarge(too_large_message(display, len(data), max_bytes))
    checksum = hashlib.sha256(data).hexdigest()
    fmt = _format_of(data, filename)
    warnings: list[str] = []
    if fmt == "docx":
        text = _docx_text(data, display)
        encoding = "utf-8"
    else:
        text, encoding = _decode_bytes(data, display, warnings)
        if fmt == "html":
            text = html_to_text(text)
        elif fmt == "md":
            text = markdown_to_text(text)
    text = normalise_text(text, warnings)
    if not _has_content(text):
        raise DecodingError(f"{_the_file(display)} contains no text.")
    return DecodedText(text, encoding, fmt, checksum, display, tuple(warnings))


def decode_paste(text: str, *, max_chars: int) -> DecodedText:
    """Text pasted into the import form (already Unicode), normalised like a file."""
    if len(text) > max_chars:
        raise TooLarge(
            f"The pasted text has {len(text):,} characters; the limit is {max_chars:,} per side."
        )
    warnings: list[str] = []
    checksum = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = normalise_text(text, warnings)
    if not _has_content(text):
        raise DecodingError("The pasted text is empty.")
    return DecodedText(text, "utf-8", "paste", checksum, "", tuple(warnings))


def check_side(decoded: DecodedText, side: Side, *, max_chars: int) -> None:
    """Refuse a side that is too long or plainly in the wrong language.

    The Russian side must contain Cyrillic letters; the English side must not be mostly
    Cyrillic (the usual cause of both is swapped files or a wrong encoding).
    """
    what = _describe(decoded, side)
    if len(decoded.text) > max_chars:
        raise TooLarge(
            f"{what} has {len(decoded.text):,} characters after decoding; the limit is "
            f"{max_chars:,} per side. Split the document into parts."
        )
    cyr, lat = _script_counts(decoded.text)
    if side == "ru" and cyr == 0:
        hint = (
            " It looks like English: did you swap the two files?"
            if lat > 0
            else " Check that you chose the right file."
        )
        raise DecodingError(f"{what} contains no Cyrillic letters.{hint}")
    if side == "en" and cyr > 2 * max(lat, 1) and cyr >= 20:
        raise DecodingError(
            f"{what} is mostly Cyrillic, so it looks like Russian text: did you swap the two files?"
        )


def _describe(decoded: DecodedText, side: Side) -> str:
    name = _SIDE_NAME[side]
    if decoded.filename:
        return f"The {name} file {decoded.filename!r}"
    return f"The {name} text"


def _the_file(display: str) -> str:
    return f"The file {display!r}" if display else "The file"


def _display_name(filename: str) -> str:
    # Browsers may send a full client path; only its last part means anything here.
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name[:200]


# ---------------------------------------------------------------------------------- formats

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word .doc (Office 97–2003) file"),
    (b"{\\rtf", "an RTF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
]


def _format_of(data: bytes, filename: str) -> str:
    display = _display_name(filename)
    suffix = PurePath(display).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        # A zip is only useful to us when it is a Word document, whatever its name says.
        if _zip_has(data, "word/document.xml"):
            return "docx"
        raise DecodingError(
            f"{_the_file(display)} is a zip archive, not a Word .docx document "
            f"(OpenDocument .odt and EPUB are not supported). Sverka reads {SUPPORTED_FORMATS}."
        )
    for magic, what in _MAGIC:
        if data.startswith(magic):
            advice = (
                "Open it in Word or LibreOffice and save it as .docx or plain text."
                if "Word" in what or "RTF" in what or "PDF" in what
                else "Choose the text of the document instead."
            )
            raise DecodingError(
                f"{_the_file(display)} is {what}, not text. Sverka reads {SUPPORTED_FORMATS}. "
                + advice
            )
    if suffix == ".docx":
        raise DecodingError(
            f"{_the_file(display)} is named .docx but is not a Word document (it is not a zip "
            "archive). Open it in Word or LibreOffice and save it again as .docx, or upload it "
            "as plain text."
        )
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in ("", ".asc", ".csv", ".tsv", ".log"):
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return "html"
        return "txt"
    raise DecodingError(
        f"Sverka cannot read {suffix} files. It reads {SUPPORTED_FORMATS}; save the document "
        "in one of these formats."
    )


def _zip_has(data: bytes, name: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.getinfo(name)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False
    return True


# -------------------------------------------------------------------------------- encodings

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Letter frequencies of Russian prose (per cent), for telling Windows-1251 from KOI8-R: the
# wrong one turns "о е а и н" into rare letters and lower case into upper case.
_RU_FREQ = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47,
    "р": 4.73, "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81,
    "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59,
    "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48,
    "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}  # fmt: skip
_LOG_FREQ = {ch: math.log(freq / 100) for ch, freq in _RU_FREQ.items()}
_LOG_RARE = math.log(0.005 / 100)
_SAMPLE_BYTES = 16 * 1024
_DICT_WORDS = 300  # dictionary look-ups per candidate encoding
_CYR_RE = re.compile("[\u0400-\u04ff]")
_NON_CYR_RE = re.compile("[^\u0400-\u04ff]")
_EXTRA_LATIN_RE = re.compile("[^\x00-\x7f\u0400-\u04ff]")
_BOX_RE = re.compile("[\u2500-\u25ff]")
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) | {0x7F}
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_WORD_RE = re.compile(r"[^\W\d_]+")


def _decode_bytes(data: bytes, display: str, warnings: list[str]) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), codec
            except UnicodeDecodeError:
                raise DecodingError(
                    f"{_the_file(display)} starts like {encoding_label(codec)} text but is "
                    "damaged. Save it again as UTF-8 and upload it once more."
                ) from None
    if b"\x00" in data:
        guessed = _utf16_without_bom(data)
        if guessed is not None:
            return guessed
    # A stray NUL or bell in a text file is removed later; many of them mean binary data.
    controls = len(data.translate(None, _NOT_CONTROL_BYTES))
    if controls > max(2, len(data) // 200):
        raise _binary_error(display)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, ("ascii" if text.isascii() else "utf-8")
    best = _guess_single_byte(data)
    if best is None:
        raise DecodingError(
            f"Sverka could not tell the encoding of {_the_file(display).lower()[4:]}. "
            "Save it as UTF-8 and upload it again."
        )
    text, codec, replaced = best
    if replaced:
        warnings.append(
            f"{replaced} byte(s) of the file do not exist in {encoding_label(codec)} and were "
            "replaced by �."
        )
    return text, codec


def _binary_error(display: str) -> DecodingError:
    return DecodingError(
        f"{_the_file(display)} is not a text file (it contains binary data). "
        f"Sverka reads {SUPPORTED_FORMATS}."
    )


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    # Without a BOM, UTF-16 shows itself by decoding to Latin/Cyrillic text in one byte order
    # and to CJK noise in the other.
    if len(data) < 4 or len(data) % 2:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        familiar = sum(1 for ch in text if _is_familiar(ch))
        if familiar >= 0.98 * len(text):
            return text, codec
    return None


def _is_familiar(ch: str) -> bool:
    """A character of Russian or English text: Latin, Cyrillic, punctuation, whitespace."""
    code = ord(ch)
    return (
        ch in "\t\n\r"
        or 0x20 <= code < 0x7F
        or 0xA0 <= code <= 0x24F
        or 0x400 <= code <= 0x4FF
        or 0x2000 <= code <= 0x206F
        or code in (0x2116, 0x20AC)
    )


def _guess_single_byte(data: bytes) -> tuple[str, str, int] | None:
    """The most plausible of Windows-1251, KOI8-R and Windows-1252 for non-UTF-8 bytes."""
    scored: list[tuple[float, str, str, int]] = []
    sample = data if len(data) <= _SAMPLE_BYTES else data[:_SAMPLE_BYTES]
    for codec in ("cp1251", "koi8-r", "cp1252"):
        text = data.decode(codec, errors="replace")
        replaced = text.count("\ufffd")
        # A long sample decides as well as the whole file, much faster.
        score = _plausibility(sample.decode(codec, errors="replace"))
        scored.append((score - 5.0 * replaced / max(len(text), 1), codec, text, replaced))
    scored.sort(key=lambda s: s[0], reverse=True)
    score, codec, text, replaced = scored[0]
    if score == -math.inf:
        return None
    return text, codec, replaced


def _plausibility(text: str) -> float:
    """How much ``text`` looks like Russian or English prose; higher is better."""
    words = _WORD_RE.findall(text)
    if not words:
        # Non-ASCII bytes that read as no letters at all (÷ × ±): the wrong encoding.
        return -20.0
    bad = 0
    for word in words:
        if not (word.islower() or word.isupper() or word.istitle()):
            bad += 1
        elif _CYR_RE.search(word) and _NON_CYR_RE.search(word):
            bad += 1  # Cyrillic and Latin letters mixed in one word
    score = -6.0 * bad / len(words)
    letters = "".join(words)
    cyrillic = Counter(_CYR_RE.findall(letters.lower()))
    total = sum(cyrillic.values())
    if total:
        loglik = sum(n * _LOG_FREQ.get(ch, _LOG_RARE) for ch, n in cyrillic.items())
        score += loglik / total
    latin_extra = len(_EXTRA_LATIN_RE.findall(letters))
    if latin_extra / len(letters) > 0.1:
        # Accented Latin letters are a minority in any real text: this is Cyrillic misread.
        score -= 10.0 * latin_extra / len(letters)
    # KOI8-R's box-drawing characters appear when Windows-1251 punctuation is misread.
    score -= 20.0 * len(_BOX_RE.findall(text)) / len(letters)
    # Short texts can fool letter statistics (the two encodings map some letters onto each
    # other); words found in the Russian dictionary cannot be faked that way.
    cyrillic_words = [w for w in words if len(w) >= 2 and _CYR_RE.match(w)][:_DICT_WORDS]
    if cyrillic_words:
        known = sum(1 for w in cyrillic_words if _is_russian_word(w.lower()))
        score += 3.0 * known / len(cyrillic_words)
    return score


@cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=50_000)
def _is_russian_word(word: str) -> bool:
    return bool(_morph().word_is_known(word))


# ------------------------------------------------------------------------------ normalising

# C0/C1 controls except tab and newline, bidi embeddings/overrides/isolates/marks (a known way
# to make text display differently from what it is), and stray byte-order marks.
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def normalise_text(text: str, warnings: list[str] | None = None) -> str:
    """Newlines to ``\\n``, NFC, control and bidi-override characters removed, NBSP kept.

    Trailing spaces of lines are dropped and runs of blank lines shortened to one.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\x85", "\n")
    text = text.replace("\x0b", "\n").replace("\x0c", "\n\n")
    text, removed = _INVISIBLE_RE.subn("", text)
    text = unicodedata.normalize("NFC", text)
    if removed and warnings is not None:
        warnings.append(f"{removed} invisible control character(s) were removed.")
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n ")


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _script_counts(text: str) -> tuple[int, int]:
    cyr = lat = 0
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            cyr += 1
        elif ch.isascii() and ch.isalpha():
            lat += 1
    return cyr, lat


# ------------------------------------------------------------------------------------ HTML

_BLOCK_TAGS = frozenset(
    re.findall(
        r"\S+",
        """address article aside blockquote body caption center dd details dialog div dl dt
        fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav
        ol p pre section summary table tbody td tfoot th thead title tr ul""",
    )
)
# Elements whose content is not part of the document's text (and must never be run).
_DROPPED_TAGS = frozenset(
    re.findall(
        r"\S+",
        """script style noscript template head iframe object embed svg math canvas select
        textarea button audio video map""",
    )
)
_SPACES_RE = re.compile(r"\s+")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """The readable text of an HTML page: one paragraph per block element.

    Scripts, styles and other non-text elements are dropped; nothing is fetched or run.
    """
    from lxml import etree
    from lxml import html as lxml_html

    html = _XML_DECL_RE.sub("", html, count=1)
    if not html.strip():
        return ""
    parser = lxml_html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True
    )
    try:
        root = lxml_html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        joined = "".join(current)
        current.clear()
        # Whitespace in HTML is insignificant except line breaks we made from <br>.
        lines = [" ".join(part.split()) for part in joined.split("\n")]
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append(para)

    def text_of(value: str, pre: bool) -> str:
        return value if pre else _SPACES_RE.sub(" ", value)

    def walk(el: etree._Element, pre: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if tag in _DROPPED_TAGS:
            if el.tail:
                current.append(text_of(el.tail, pre))
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if tag == "br":
            current.append("\n")
        elif tag in ("td", "th"):
            current.append(" ")
        in_pre = pre or tag == "pre"
        if el.text:
            current.append(text_of(el.text, in_pre))
        for child in el:
            walk(child, in_pre)
        if block:
            flush()
        if el.tail:
            current.append(text_of(el.tail, pre))

    body = root.find("body")
    walk(body if body is not None else root, False)
    flush()
    return "\n\n".join(paragraphs)


# -------------------------------------------------------------------------------- Markdown


def markdown_to_text(markdown: str) -> str:
    """The text of a Markdown document: headings and paragraphs kept, markup removed.

    Raw HTML inside Markdown is treated as text, exactly as written.
    """
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    return html_to_text(renderer.render(markdown))


# ------------------------------------------------------------------------------------ DOCX


def _docx_text(data: bytes, display: str) -> str:
    broken = DecodingError(
        f"{_the_file(display)} is not a valid Word document. Open it in Word or LibreOffice, "
        "save it again as .docx, and upload it once more."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > _DOCX_MAX_ENTRIES:
                raise broken
            total = sum(info.file_size for info in infos)
            main = archive.getinfo("word/document.xml")
            # Real XML packs 5–30 times; a bomb packs thousands of times.
            ratio = max(
                info.file_size / max(info.compress_size, 1)
                for info in infos
                if info.file_size > 1024 * 1024 or info is main
            )
            if total > _DOCX_MAX_UNCOMPRESSED or ratio > _DOCX_MAX_RATIO:
                raise DecodingError(
                    f"{_the_file(display)} unpacks to far more data than a Word document "
                    "holds, so Sverka refuses it for safety. Save the text as a new .docx "
                    "or as plain text."
                )
            head = archive.read(main)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        raise broken from None
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise DecodingError(
            f"{_the_file(display)} contains XML declarations that Word never writes "
            "(a DTD or entities), so Sverka refuses it for safety."
        )
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds of errors on damaged packages
        raise broken from None

    paragraphs: list[str] = []

    def add(paragraph: Paragraph) -> None:
        text = paragraph.text
        if text.strip():
            paragraphs.append(text)

    def add_table(table: Table) -> None:
        # A merged cell is returned once per grid column it spans; holding the elements keeps
        # their ids from being reused while we compare them.
        seen: dict[int, object] = {}
        for row in table.rows:
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue
                seen[id(cell._tc)] = cell._tc
                for inner in cell.paragraphs:
                    add(inner)
                for nested in cell.tables:
                    add_table(nested)

    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            add(Paragraph(child, document))
        elif tag == "tbl":
            add_table(Table(child, document))
    return "\n\n".join(paragraphs)
