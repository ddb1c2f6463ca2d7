"""Diagnoses for the providers' software: the slip that explains a wrong epilogo hash (the code stays
5014), an encoding declaration that does not match the bytes, a lot of one guide type written as another.

Every file here is a real lot whose hash was computed the slip's way (tests/tiss/slips.py).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
from lxml import etree

from copass_app.tiss import codes, validate_lot
from copass_app.tiss.cli import run_validate
from copass_app.tiss.hash import NO_SLIP, SLIP_PHRASES, diagnose_mismatch, set_hash
from copass_app.tiss.model import GUIDE_CONSULTA, GUIDE_SP_SADT
from copass_app.tiss.schema import TISS_NS

from . import slips

NS = f"{{{TISS_NS}}}"


def hash_issue(data: bytes):
    result = validate_lot(data)
    hashes = [e for e in result.errors if e.code == codes.INVALID_HASH]
    assert len(hashes) == 1, result.errors
    return hashes[0]


@pytest.mark.parametrize("build, pretty, traits", [
    (slips.utf8_slip, False, ("utf8",)),
    (slips.whitespace_slip, True, ("whitespace",)),
    (slips.whitespace_utf8_slip, True, ("whitespace", "utf8")),
    (slips.whole_file_slip, True, ("tags", "declaration", "epilogo", "whitespace")),
    (slips.whole_file_slip, False, ("tags", "declaration", "epilogo")),
    (slips.tags_slip, False, ("tags",)),
    (slips.escaped_slip, False, ("escaped",)),
])
def test_the_slip_that_reproduces_the_hash_is_named(build, pretty, traits):
    data = build(slips.lot(pretty=pretty))
    issue = hash_issue(data)
    assert issue.code == codes.INVALID_HASH and issue.path == "/mensagemTISS/epilogo/hash"
    assert "Diagnóstico: o hash informado é o MD5 calculado" in issue.message
    for trait, phrase in SLIP_PHRASES.items():
        assert (phrase in issue.message) == (trait in traits), trait
    assert NO_SLIP not in issue.message


@pytest.mark.parametrize("digest, traits", [
    (lambda payload: hashlib.sha256(payload).hexdigest(), ("sha256",)),
    (lambda payload: hashlib.sha1(payload).hexdigest().upper(), ("sha1",)),
    (lambda payload: base64.b64encode(hashlib.md5(payload).digest()).decode(), ("base64",)),
])
def test_another_digest_or_its_base64_is_named(digest, traits):
    data = slips.lot()
    issue = hash_issue(slips.with_hash(data, digest(slips.values(data).encode("iso-8859-1"))))
    for trait, phrase in SLIP_PHRASES.items():
        assert (phrase in issue.message) == (trait in traits), trait


def test_a_file_changed_after_its_hash_gets_no_slip_named():
    issue = hash_issue(slips.altered(slips.lot()))
    assert NO_SLIP in issue.message and "Diagnóstico" not in issue.message


def test_the_right_hash_is_never_taken_for_a_slip():
    data = slips.lot(pretty=True)
    assert validate_lot(data).valid
    right = slips.md5(slips.values(data).encode("iso-8859-1"))
    assert diagnose_mismatch(data, right, "ISO-8859-1") is None  # the standard's own calculation is no slip


def test_utf8_bytes_under_an_iso_8859_1_declaration():
    data = slips.utf8_bytes_declared_latin1(slips.lot())
    result = validate_lot(data)
    encoding = [e for e in result.errors if e.code == codes.CANNOT_VALIDATE]
    assert len(encoding) == 1
    assert "declara encoding ISO-8859-1, mas o conteúdo está gravado em UTF-8" in encoding[0].message
    assert "'CLÍNICA' seria lido como 'CLÃ\x8dNICA'" in encoding[0].message
    assert encoding[0].line == data[: data.index("CLÍNICA".encode())].count(b"\n") + 1
    # The sender hashed the text it meant: the hash's diagnosis says the calculation is right.
    assert "o cálculo está certo, mas o arquivo foi gravado em UTF-8" in hash_issue(data).message


@pytest.mark.parametrize("declared", [True, False])
def test_iso_8859_1_bytes_read_as_utf8(declared):
    data = slips.lot(encoding="UTF-8", pretty=True).decode("utf-8").encode("iso-8859-1")
    if not declared:
        data = data.split(b"?>", 1)[1].lstrip()
    [issue] = validate_lot(data).errors
    assert issue.code == codes.CANNOT_VALIDATE
    line = data[: data.index("CLÍNICA".encode("iso-8859-1"))].count(b"\n") + 1
    assert f"na linha {line}, 'CLÍNICA' tem o caractere 'Í' (byte 0xCD)" in issue.message
    if declared:
        assert issue.message.startswith("O arquivo declara encoding UTF-8, mas o conteúdo está gravado em ISO-8859-1")
    else:
        assert issue.message.startswith("O arquivo não declara a codificação")
        assert '<?xml version="1.0" encoding="ISO-8859-1"?>' in issue.message


def test_a_character_outside_iso_8859_1_hashed_in_utf8_is_named():
    data = slips.lot(encoding="UTF-8").replace(b"Hemograma", "Hemograma €".encode(), 1)
    data = slips.utf8_slip(data)
    issue = hash_issue(data)
    assert "U+20AC" in issue.message and SLIP_PHRASES["utf8"] in issue.message


def _retyped(data: bytes, old: str, new: str) -> bytes:
    root = etree.fromstring(data)
    for guide in root.iter(NS + old):
        guide.tag = NS + new
    set_hash(root)  # the software computed the hash right: only the type is wrong
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def test_guides_of_one_type_written_as_another():
    data = _retyped(slips.lot(guide_type=GUIDE_CONSULTA), "guiaConsulta", "guiaSP-SADT")
    result = validate_lot(data)
    assert [e.code for e in result.errors] == [codes.WRONG_GUIDE_TYPE]  # not three "element not expected"
    [issue] = result.errors
    assert ("todas as guias do lote estão declaradas como SP/SADT (<guiaSP-SADT>), mas o conteúdo é de guia de "
            "Consulta (<guiaConsulta>)") in issue.message
    assert issue.path.endswith("/guiasTISS/guiaSP-SADT[1]")


def test_one_guide_of_the_lot_written_as_another_type():
    data = slips.lot(guide_type=GUIDE_SP_SADT, pretty=False)
    root = etree.fromstring(data)
    consulta = etree.fromstring(slips.lot(guide_type=GUIDE_CONSULTA)).find(f".//{NS}guiaConsulta")
    consulta.tag = NS + "guiaSP-SADT"
    root.find(f".//{NS}guiasTISS").append(consulta)
    set_hash(root)
    result = validate_lot(etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"))
    wrong = [e for e in result.errors if e.code == codes.WRONG_GUIDE_TYPE]
    assert len(wrong) == 1 and "a guia na posição 4 está declarada como SP/SADT" in wrong[0].message
    assert not any("cabecalhoConsulta" in e.message for e in result.errors)


def test_a_lot_mixing_guide_types():
    root = etree.fromstring(slips.lot(guide_type=GUIDE_CONSULTA))
    guides = root.find(f".//{NS}guiasTISS")
    for guide in etree.fromstring(slips.lot(guide_type=GUIDE_SP_SADT)).iter(NS + "guiaSP-SADT"):
        guides.append(guide)
    set_hash(root)
    result = validate_lot(etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"))
    assert [e.code for e in result.errors] == [codes.WRONG_GUIDE_TYPE]
    assert ("O lote mistura tipos de guia: 3 guias de Consulta (<guiaConsulta>) e 3 guias de SP/SADT "
            "(<guiaSP-SADT>)") in result.errors[0].message


# --- the same diagnosis in `copass validate`, human and --json ---------------------------------------

def test_copass_validate_shows_the_diagnosis(tmp_path):
    path = tmp_path / "lote-utf8.xml"
    path.write_bytes(slips.utf8_slip(slips.lot()))
    human, err = io.StringIO(), io.StringIO()
    assert run_validate([str(path)], False, human, err) == 1
    assert "[5014]" in human.getvalue() and SLIP_PHRASES["utf8"] in human.getvalue()
    machine = io.StringIO()
    assert run_validate([str(path)], True, machine, err) == 1
    [report] = json.loads(machine.getvalue())
    [error] = report["errors"]
    assert error["code"] == "5014" and SLIP_PHRASES["utf8"] in error["message"]
