"""Real TISS lots whose epilogo hash was computed the way a sending software's slip computes it.

Each builder starts from a valid lot (tests.corpus.samples, with accented TUSS terms), computes the
MD5 the wrong way and writes it into epilogo/hash, exactly as the faulty software would send the file.
"""

from __future__ import annotations

import hashlib
import re

from lxml import etree

from copass_app.tiss.hash import hashed_text
from copass_app.tiss.model import GUIDE_SP_SADT
from copass_app.tiss.schema import TISS_NS
from tests.corpus.samples import sample_lot

_HASH = re.compile(rb"(<ans:hash>)[^<]*(</ans:hash>)")
_EPILOGO = f"{{{TISS_NS}}}epilogo"


def lot(pretty: bool = True, encoding: str = "ISO-8859-1", guide_type: str = GUIDE_SP_SADT) -> bytes:
    from copass_app.tiss.messages import build_lot

    return build_lot(sample_lot(guide_type, pretty=pretty, encoding=encoding))


def with_hash(data: bytes, digest: str) -> bytes:
    return _HASH.sub(rb"\g<1>" + digest.encode() + rb"\g<2>", data, count=1)


def md5(payload: bytes) -> str:
    return hashlib.md5(payload).hexdigest()


def values(data: bytes) -> str:
    """The text the standard hashes (leaf values, epilogo left out)."""
    return hashed_text(etree.fromstring(data))


def with_whitespace(data: bytes) -> str:
    """The software's slip: every text node of the content, the indentation between tags included."""
    root = etree.fromstring(data)
    return "".join("".join(child.itertext()) for child in root if child.tag != _EPILOGO)


def utf8_slip(data: bytes) -> bytes:
    return with_hash(data, md5(values(data).encode("utf-8")))


def whitespace_slip(data: bytes) -> bytes:
    return with_hash(data, md5(with_whitespace(data).encode("iso-8859-1")))


def whitespace_utf8_slip(data: bytes) -> bytes:
    return with_hash(data, md5(with_whitespace(data).encode("utf-8")))


def whole_file_slip(data: bytes) -> bytes:
    """MD5 of the whole file as written with the hash still empty: tags, declaration and epilogo."""
    return with_hash(data, md5(_HASH.sub(rb"\1\2", data)))


def tags_slip(data: bytes) -> bytes:
    """MD5 of the XML of the content as written: cabecalho and prestadorParaOperadora with their tags."""
    start = data.index(b">", data.index(b"<ans:mensagemTISS")) + 1
    return with_hash(data, md5(data[start:data.index(b"<ans:epilogo>")]))


def escaped_slip(data: bytes) -> bytes:
    """A value with '&' (written &amp; as XML wants), hashed with the escaped form."""
    data = data.replace("CLÍNICA".encode("iso-8859-1"), "CLÍNICA &amp; LABORATÓRIO".encode("iso-8859-1"), 1)
    root = etree.fromstring(data)
    text = "".join(t.replace("&", "&amp;") for t in root.xpath(
        "*[not(self::ans:epilogo)]/descendant-or-self::*[not(*)]/text()", namespaces={"ans": TISS_NS}))
    return with_hash(data, md5(text.encode("iso-8859-1")))


def utf8_bytes_declared_latin1(data: bytes) -> bytes:
    """A file declaring ISO-8859-1 written in UTF-8, its hash right for the text the software meant."""
    return data.decode("iso-8859-1").encode("utf-8")


def altered(data: bytes) -> bytes:
    """Changed after its (right) hash was computed: no slip explains it."""
    return data.replace(b"Hemograma", b"Hemogramx", 1)
