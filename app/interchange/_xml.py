"""Safe XML reading and the small text helpers TMX and XLIFF share.

Files come from other people's tools, so parsing never resolves an entity, never touches the
network or a DTD, refuses documents that declare entities at all (the billion-laughs family),
and refuses files over a size limit before reading them into memory.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from lxml import etree

from app.interchange.types import InterchangeError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024

XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"

# Characters XML 1.0 cannot carry even as character references.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _human_size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def read_limited(data: bytes | BinaryIO, max_bytes: int, what: str) -> bytes:
    """The whole input as bytes, refusing before reading anything when it is too big."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise _too_big(len(raw), max_bytes, what)
        return raw
    size = _size_of(data)
    if size is not None and size > max_bytes:
        raise _too_big(size, max_bytes, what)
    raw = data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_big(None, max_bytes, what)
    return raw


def _size_of(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size - stream.tell()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


def _too_big(size: int | None, limit: int, what: str) -> InterchangeError:
    told = f"is {_human_size(size)}" if size is not None else "is larger than that"
    return InterchangeError(
        f"This {what} file {told}; Sverka reads files up to {_human_size(limit)}. "
        "Split it into smaller files (by document or by date) and import them one by one."
    )


def _parser_options() -> dict[str, bool]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def _declares_entities(raw: bytes) -> bool:
    # Entities can only be declared in the DOCTYPE's internal subset, before the root element.
    # This byte scan gives the clear message early; the parsed DTD is checked too (it also
    # catches UTF-16 files, which this scan cannot read).
    start = raw.find(b"<!DOCTYPE")
    if start < 0:
        return False
    end = raw.find(b"]>", start)
    return _ENTITY_DECL.search(raw, start, end + 2 if end >= 0 else len(raw)) is not None


def _has_entities(element: etree._Element) -> bool:
    dtd = element.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def _not_well_formed(exc: etree.XMLSyntaxError, what: str) -> InterchangeError:
    line = f" (line {exc.lineno})" if exc.lineno else ""
    return InterchangeError(
        f"This {what} file is not well-formed XML{line}: {exc.msg}. It may be truncated "
        "or damaged; export it again from the tool that made it."
    )


def parse_xml(raw: bytes, what: str) -> etree._Element:
    """Parse ``raw`` without resolving anything; a translator-readable error when it fails."""
    if _declares_entities(raw):
        raise _entities_refused(what)
    try:
        root = etree.fromstring(raw, etree.XMLParser(**_parser_options()))
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(exc, what) from None
    if root is None:
        raise InterchangeError(f"This {what} file is empty.")
    if _has_entities(root):
        raise _entities_refused(what)
    return root


def iter_xml(raw: bytes, what: str) -> Iterator[tuple[str, etree._Element]]:
    """``(event, element)`` pairs ("start"/"end") for large files read without a whole tree.

    Same safety as ``parse_xml``. The caller clears elements it is done with.
    """
    if _declares_entities(raw):
        raise _entities_refused(what)
    events = etree.iterparse(io.BytesIO(raw), events=("start", "end"), **_parser_options())
    seen_root = False
    try:
        for event, element in events:
            if not seen_root:
                seen_root = True
                if _has_entities(element):
                    raise _entities_refused(what)
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(exc, what) from None
    if not seen_root:
        raise InterchangeError(f"This {what} file is empty.")


def _entities_refused(what: str) -> InterchangeError:
    return InterchangeError(
        f"This {what} file declares XML entities, which Sverka does not read (they can pull in "
        "other files or blow up to gigabytes). Save it again without a DOCTYPE and retry."
    )


def split_forbidden(text: str) -> Iterator[tuple[str, int | None]]:
    """``text`` as runs of XML-safe text and single forbidden code points.

    Yields ``(chunk, None)`` for writable text and ``("", codepoint)`` for a character that
    XML 1.0 cannot carry, so each format can write it its own way (``<cp>``, ``<ph>``).
    """
    pos = 0
    for match in FORBIDDEN.finditer(text):
        if match.start() > pos:
            yield text[pos : match.start()], None
        yield "", ord(match.group())
        pos = match.end()
    if pos < len(text):
        yield text[pos:], None


def has_forbidden(text: str) -> bool:
    return FORBIDDEN.search(text) is not None


def tmx_date(value: datetime) -> str:
    """``20261128T014300Z``: TMX's (ISO 8601 basic) date, always in UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y%m%dT%H%M%SZ")


def parse_tmx_date(value: str | None) -> datetime | None:
    """A TMX date back to an aware UTC datetime; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return parse_iso_date(value)


def iso_date(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def base_lang(code: str) -> str:
    """``ru-RU``, ``RU``, ``ru_RU`` → ``ru``; used to match other tools' language codes."""
    return code.strip().replace("_", "-").split("-")[0].lower()


def local(tag: object) -> str:
    """The local name of an element tag (without its namespace); "" for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def to_float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def to_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
