"""Hostile and broken files: refused with a message a translator understands, nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.interchange.tmx import read_tmx
from app.interchange.types import InterchangeError
from app.interchange.xliff import read_xliff
from tests.interchange.conftest import export

READERS = [read_tmx, read_xliff]

TMX_HEAD = (
    '<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" '
    'o-tmf="x" adminlang="en" srclang="ru" datatype="plaintext"/><body>'
)


def _tmx_with(ru: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>{doctype}{TMX_HEAD}<tu><tuv xml:lang="ru"><seg>{ru}</seg></tuv>'
        '<tuv xml:lang="en"><seg>yes</seg></tuv></tu></body></tmx>'
    ).encode()


def test_malformed_xml_names_the_line() -> None:
    truncated = export("tmx")[:-300]
    with pytest.raises(InterchangeError, match=r"not well-formed XML \(line \d+\)"):
        read_tmx(truncated)
    with pytest.raises(InterchangeError, match="not well-formed"):
        read_xliff(export("xliff21").replace(b"</target>", b"</targ>", 1))


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("PASSWORD=hunter2")
    doctype = f'<!DOCTYPE tmx [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>'
    with pytest.raises(InterchangeError, match="declares XML entities") as error:
        read_tmx(_tmx_with("&leak;", doctype))
    assert "hunter2" not in str(error.value)


def test_parameter_entities_and_network_dtds_are_refused() -> None:
    doctype = '<!DOCTYPE tmx [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>'
    with pytest.raises(InterchangeError, match="declares XML entities"):
        read_tmx(_tmx_with("да", doctype))


def test_an_external_dtd_reference_alone_is_harmless_and_not_fetched() -> None:
    doctype = '<!DOCTYPE tmx SYSTEM "http://127.0.0.1:9/tmx14.dtd">'
    assert [u.ru for u in read_tmx(_tmx_with("да", doctype)).units] == ["да"]


def test_billion_laughs_is_refused() -> None:
    lols = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    doctype = f"<!DOCTYPE tmx [{''.join(lols)}]>"
    with pytest.raises(InterchangeError, match="declares XML entities"):
        read_tmx(_tmx_with("&lol9;", doctype))
    xliff = (
        f'<?xml version="1.0"?><!DOCTYPE xliff [{"".join(lols)}]>'
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="ru" '
        'trgLang="en"><file id="f"><unit id="u"><segment><source>&lol9;</source></segment>'
        "</unit></file></xliff>"
    )
    with pytest.raises(InterchangeError, match="declares XML entities"):
        read_xliff(xliff.encode())


def test_entities_in_a_utf16_file_are_refused_too() -> None:
    doctype = '<!DOCTYPE tmx [<!ENTITY a "aaaaaaaa">]>'
    data = _tmx_with("&a;", doctype).decode().replace('<?xml version="1.0"?>', "")
    raw = ('<?xml version="1.0" encoding="UTF-16"?>' + data).encode("utf-16")
    with pytest.raises(InterchangeError, match="declares XML entities"):
        read_tmx(raw)


@pytest.mark.parametrize("reader", READERS)
def test_a_500_mb_file_is_refused_before_it_is_read(reader, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as f:
        f.write(b"<tmx>")
        f.truncate(500 * 1024 * 1024)  # sparse: costs no disk
    with huge.open("rb") as f, pytest.raises(InterchangeError, match="is 500 MB") as error:
        reader(f)
    assert "200 MB" in str(error.value)


def test_the_size_limit_applies_to_bytes_and_to_streams_without_a_size() -> None:
    data = export("tmx")
    with pytest.raises(InterchangeError, match="up to 1 KB"):
        read_tmx(data, max_bytes=1024)

    class Pipe:
        """A stream that can only be read, like an upload arriving over the network."""

        def __init__(self, payload: bytes) -> None:
            self.payload = payload

        def read(self, n: int = -1) -> bytes:
            chunk, self.payload = self.payload[:n], self.payload[n:]
            return chunk

    with pytest.raises(InterchangeError, match="larger than that"):
        read_xliff(Pipe(export("xliff21")), max_bytes=2048)  # type: ignore[arg-type]
    assert len(read_tmx(Pipe(data)).units) > 0  # type: ignore[arg-type]


@pytest.mark.parametrize("reader", READERS)
def test_empty_and_non_xml_files(reader) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InterchangeError):
        reader(b"")
    with pytest.raises(InterchangeError, match="not well-formed"):
        reader("Русский;English\nда;yes\n".encode())
