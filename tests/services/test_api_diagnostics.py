"""One diagnosis, every place the provider reads a refusal: the upload page, its error-report PDF, the
REST reply and the SOAP reply all name the slip of the software that computed the hash (code 5014).

The lots are the provider's own guides as its system would send them, the hash computed the slip's way
(tests/tiss/slips.py); `copass validate` is tests/tiss/test_hash_diagnostics.py.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
import reflex as rx
from lxml import etree
from pypdf import PdfReader
from starlette.testclient import TestClient

from copass_app.api import api_app
from copass_app.services import api_tokens, xml_lots
from copass_app.services.lot_export import lot_for_guides
from copass_app.state.uploads import UploadState
from copass_app.tiss import codes
from copass_app.tiss.hash import SLIP_PHRASES
from copass_app.tiss.schema import TISS_NS
from tests.state.conftest import browser_tab
from tests.state.conftest import login as login  # the fixture, for the page's test
from tests.tiss import slips

A = f"{{{TISS_NS}}}"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
UTF8 = SLIP_PHRASES["utf8"]


@pytest.fixture
def clinic(factory, db):
    provider = factory.provider(name="Clínica São Lucas Diagnósticos", code="810001")
    actor = factory.actor(provider)
    token = api_tokens.create_token(db, actor, "ERP").token
    guides = [factory.guide(provider) for _ in range(2)]
    db.commit()
    return provider, actor, token, guides


def _slipped_lot(db, provider, guides, number: str) -> bytes:
    data = lot_for_guides(db, provider, guides, number)
    assert not slips.values(data).isascii()  # accented values: UTF-8 and ISO-8859-1 differ
    return slips.utf8_slip(data)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_upload_page_and_its_error_report_name_the_slip(db, clinic, login):
    provider, actor, _token, guides = clinic
    data = _slipped_lot(db, provider, guides, "9101")
    tab = browser_tab(UploadState, login(provider))
    asyncio.run(tab.handle_upload([rx.UploadFile(file=io.BytesIO(data), path=Path("lote-9101.xml"),
                                                  size=len(data))]))
    assert tab.has_result and not tab.result.accepted
    [hash_error] = [e for g in tab.error_groups for e in g.errors if e.code == codes.INVALID_HASH]
    assert UTF8 in hash_error.message and "Diagnóstico" in hash_error.message

    _name, pdf = xml_lots.error_report_pdf(db, actor, tab.result.upload_id)
    text = _flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "5014" in text and _flat(UTF8) in text


def test_the_rest_reply_names_the_slip(db, clinic):
    provider, _actor, token, guides = clinic
    response = TestClient(api_app()).post("/api/tiss/lotes", content=_slipped_lot(db, provider, guides, "9102"),
                                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    reply = etree.fromstring(response.content)
    assert reply.findtext(f".//{A}mensagemErro/{A}codigoGlosa") == codes.INVALID_HASH
    assert UTF8 in reply.findtext(f".//{A}mensagemErro/{A}descricaoGlosa")


def _envelope(message: bytes) -> bytes:
    """The lot as tissLoteGuias' request: the same cabecalho, loteGuias and (slipped) hash."""
    root = etree.fromstring(message)
    ws = etree.Element(A + "loteGuiasWS", nsmap={"ans": TISS_NS})
    ws.append(root.find(A + "cabecalho"))
    ws.append(root.find(f"{A}prestadorParaOperadora/{A}loteGuias"))
    etree.SubElement(ws, A + "hash").text = root.findtext(f"{A}epilogo/{A}hash")
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(ws)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def test_the_soap_reply_names_the_slip(db, clinic):
    provider, _actor, token, guides = clinic
    response = TestClient(api_app()).post(
        "/tiss/4.03.00/tissLoteGuias", content=_envelope(_slipped_lot(db, provider, guides, "9103")),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"tissLoteGuias"',
                 "Authorization": f"Bearer {token}"})
    body = etree.fromstring(response.content).find(f"{{{SOAP_NS}}}Body")[0]
    assert body.tag != f"{{{SOAP_NS}}}Fault", response.text
    texts = " ".join(body.itertext())
    assert codes.INVALID_HASH in texts and UTF8 in texts
