"""Hardened parsing: limits, no DTD or entities, clear Portuguese errors with TISS codes."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from lxml import etree

from copass_app.tiss.model import GUIDE_SP_SADT
from copass_app.tiss.parsing import (
    DEFAULT_MAX_BYTES,
    TissParseError,
    declared_encoding,
    max_xml_bytes,
    new_parser,
    parse_xml,
    read_limited,
)

from .conftest import PASSWD_MARKERS, corpus_bytes, lot_bytes


def failure(data: bytes, **kwargs):
    with pytest.raises(TissParseError) as error:
        parse_xml(data, **kwargs)
    return error.value.failure


def test_valid_lot_parses():
    tree = parse_xml(lot_bytes(GUIDE_SP_SADT))
    assert etree.QName(tree.getroot()).localname == "mensagemTISS"


def test_iso_8859_1_text_is_decoded_from_the_declaration():
    data = lot_bytes(GUIDE_SP_SADT)
    assert b"encoding='ISO-8859-1'" in data and "CLÍNICA SÃO LUCAS".encode("latin-1") in data
    assert "CLÍNICA SÃO LUCAS" in etree.tostring(parse_xml(data), encoding="unicode")
    assert declared_encoding(data) == "ISO-8859-1"


def test_default_limit_is_20_mb(monkeypatch):
    """20 MB as the README says it: 20,000,000 bytes (it was 20 MiB, 20,971,520)."""
    monkeypatch.delenv("COPASS_MAX_XML_BYTES", raising=False)
    assert max_xml_bytes() == DEFAULT_MAX_BYTES == 20_000_000


def test_file_over_the_limit_is_refused():
    problem = failure(lot_bytes(GUIDE_SP_SADT), max_bytes=1000)
    assert problem.code == "5002"
    assert "excede o limite de 1,0 kB (1.000 bytes)" in problem.message


def test_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("COPASS_MAX_XML_BYTES", "2048")
    assert max_xml_bytes() == 2048
    data = lot_bytes(GUIDE_SP_SADT)
    # One unit for both figures (was "... de 2 KB" in KiB beside sizes in kB elsewhere).
    shown = f"{len(data) / 1000:.1f}".replace(".", ",")
    assert failure(data).message.startswith(f"O arquivo tem {shown} kB e excede o limite de 2,0 kB (2.048 bytes).")


def test_invalid_limit_in_the_environment_is_reported(monkeypatch):
    monkeypatch.setenv("COPASS_MAX_XML_BYTES", "vinte")
    with pytest.raises(ValueError, match="COPASS_MAX_XML_BYTES"):
        max_xml_bytes()


class CountingStream(io.RawIOBase):
    """An endless upload that counts how much was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size < 0 else size
        self.read_bytes += size
        return b"<" * size


def test_large_upload_is_refused_before_it_is_read_whole():
    stream = CountingStream()
    with pytest.raises(TissParseError) as error:
        read_limited(stream, max_bytes=1_000_000, chunk_size=64 * 1024)
    assert stream.read_bytes <= 1_000_000 + 1
    assert error.value.failure.code == "5002"


def test_stream_under_the_limit_is_read_whole():
    data = lot_bytes(GUIDE_SP_SADT)
    assert read_limited(io.BytesIO(data), max_bytes=len(data)) == data


def test_empty_file():
    problem = failure(b"")
    assert (problem.code, problem.message) == ("5002", "O arquivo está vazio.")
    assert failure(b"  \n\t ").message == "O arquivo está vazio."


def test_pdf_renamed_to_xml():
    problem = failure(corpus_bytes("erro_pdf_renomeado.xml"))
    assert problem.code == "5002"
    assert "é um PDF, não um XML TISS" in problem.message


def test_zip_is_named_as_such():
    assert "arquivo compactado (ZIP" in failure(b"PK\x03\x04rest-of-zip").message


def test_garbage_is_not_xml():
    problem = failure(corpus_bytes("erro_nao_xml.xml"))
    assert problem.code == "5002" and problem.line == 1
    assert "XML" in problem.message


def test_truncated_file_reports_incomplete_message_and_its_last_line():
    data = corpus_bytes("erro_truncado.xml")
    problem = failure(data)
    assert problem.code == "5007"
    assert problem.line == data.rstrip().count(b"\n") + 1
    assert "incompleto" in problem.message
    assert problem.detail  # lxml's own text is kept for support


def test_mismatched_tag_is_explained_with_its_line():
    data = lot_bytes(GUIDE_SP_SADT, pretty=True).replace(b"</ans:numeroLote>", b"</ans:numeroLot>")
    problem = failure(data)
    assert problem.code == "5002"
    assert problem.line == data[: data.index(b"</ans:numeroLot>")].count(b"\n") + 1
    assert "fechamento não corresponde" in problem.message


def test_unescaped_ampersand():
    data = lot_bytes(GUIDE_SP_SADT).replace(b"DIAGN", b"A & B DIAGN", 1)
    assert "&amp;" in failure(data).message


def test_bytes_that_do_not_match_the_declared_encoding():
    problem = failure(corpus_bytes("erro_codificacao.xml"))
    assert problem.code == "5002"
    assert "declara encoding UTF-8, mas o conteúdo está gravado em ISO-8859-1" in problem.message
    assert problem.line is not None


@pytest.mark.parametrize("data, expected", [
    ("<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"), "UTF-16"),
    (b"<?xml version='1.0' encoding='windows-1252'?><a/>", "'windows-1252' não aceita"),
    (b"<?xml version='1.0' encoding='klingon'?><a/>", "'klingon' não aceita"),
])
def test_unsupported_encodings(data, expected):
    problem = failure(data)
    assert problem.code == "5002" and expected in problem.message


def test_external_entity_is_refused_without_reading_it():
    data = corpus_bytes("erro_entidade_externa_etc_passwd.xml")
    problem = failure(data)
    assert problem.code == "5001" and problem.line == 2
    assert "DOCTYPE" in problem.message
    text = f"{problem.message} {problem.detail}"
    assert not any(marker in text for marker in PASSWD_MARKERS)


def test_entity_bomb_is_refused_fast_and_in_little_memory():
    data = corpus_bytes("erro_bomba_de_entidades.xml")
    tracemalloc.start()
    start = time.perf_counter()
    problem = failure(data)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert problem.code == "5001"
    assert elapsed < 1.0
    assert peak < 50 * 1024 * 1024


def test_lowercase_or_spaced_doctype_is_refused_too():
    body = lot_bytes(GUIDE_SP_SADT).split(b"?>\n", 1)[1]
    assert failure(b"<!doctype x>\n" + body).code == "5001"
    assert failure(b"<?xml version='1.0'?>\n<! DOCTYPE x>\n" + body).code == "5001"


def test_doctype_is_found_among_many_exclamation_marks():
    data = lot_bytes(GUIDE_SP_SADT).replace(b"DIAGN", b"!" * 300 + b"DIAGN", 1)
    assert parse_xml(data) is not None  # '!' in text is fine
    declaration, _, body = data.partition(b"?>\n")
    assert failure(declaration + b"?>\n<!DOCTYPE x [<!ENTITY e 'x'>]>\n" + body).code == "5001"


def test_parser_alone_does_not_expand_or_fetch_entities():
    # Defence in depth: even without the byte scan, the parser settings hold.
    for name in ("erro_bomba_de_entidades.xml", "erro_entidade_externa_etc_passwd.xml"):
        start = time.perf_counter()
        try:
            root = etree.fromstring(corpus_bytes(name), new_parser())
        except etree.XMLSyntaxError:
            continue
        assert time.perf_counter() - start < 1.0
        text = etree.tostring(root, encoding="unicode")
        assert len(text) < 100_000
        assert not any(marker in text for marker in PASSWD_MARKERS)


def test_control_character_is_not_an_encoding_problem():
    data = lot_bytes(GUIDE_SP_SADT).replace(b"Hemograma", b"Hemo\x01grama", 1)
    problem = failure(data)
    assert problem.code == "5002" and "caractere de controle" in problem.message
