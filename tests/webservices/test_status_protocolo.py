"""tissSolicitacaoStatusProtocolo through zeep, from the served WSDL: every reply valid against the XSD."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
import zeep
from sqlmodel import select

from copass_app.models import AuditLog, Batch
from copass_app.services import api_tokens, xml_lots
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from tests.services.money_helpers import analyse, staff_actor
from tests.webservices.conftest import cabecalho, text

SERVICE = "tissSolicitacaoStatusProtocolo"
ERROR = "situacaoProtocolo/mensagemErro"


@pytest.fixture
def protocol(factory, db, clinic):
    provider, actor, _ = clinic
    guides = [factory.guide(provider) for _ in range(2)]
    outcome = perform(lambda s: xml_lots.receive_lot(s, actor, "lote.xml", lot_for_guides(db, provider, guides, "77")))
    assert outcome.accepted
    return outcome.protocol_number, guides


def _ask(soap, number, *, sender="100001", hash="auto", **options):
    return soap.call(SERVICE, cabecalho=cabecalho("SOLIC_STATUS_PROTOCOLO", sender),
                     solicitacaoStatusProtocolo={"dadosPrestador": {"codigoPrestadorNaOperadora": sender},
                                                 "numeroProtocolo": number}, hash=hash, **options)


def test_status_of_a_received_protocol_lists_its_guides(db, soap, protocol):
    number, guides = protocol
    reply = _ask(soap, number)
    lot = "situacaoProtocolo/situacaoDoProtocolo/lote/detalheLote"
    assert text(reply, f"{lot}/statusProtocolo") == "1"  # recebido
    assert text(reply, f"{lot}/numeroProtocolo") == number and text(reply, f"{lot}/numeroLote") == "77"
    assert [e.text for e in reply.iter("{*}numeroGuiaPrestador")] == [g.provider_guide_number for g in guides]
    assert text(reply, "cabecalho/identificacaoTransacao/tipoTransacao") == "SITUACAO_PROTOCOLO"
    (row,) = db.exec(select(AuditLog).where(AuditLog.action == api_tokens.CALL_ACTION)).all()
    assert row.detail.startswith(f"{SERVICE}: ok — protocolo {number}") and row.source == "127.0.0.1"


def test_the_token_also_works_as_ws_security_password(soap, protocol):
    number, _ = protocol
    reply = _ask(soap, number, wsse=True)
    assert text(reply, "situacaoProtocolo/situacaoDoProtocolo/lote/detalheLote/numeroProtocolo") == number


def test_another_providers_protocol_is_answered_like_a_missing_one(db, factory, soap, protocol):
    number, _ = protocol
    other = factory.provider(name="Laboratório B", code="200002")
    token_b = api_tokens.create_token(db, factory.actor(other), "ERP do B").token
    db.commit()
    foreign = _ask(soap, number, sender="200002", token=token_b)
    missing = _ask(soap, "209999999999", sender="200002", token=token_b)
    assert text(foreign, f"{ERROR}/codigoGlosa") == text(missing, f"{ERROR}/codigoGlosa") == codes.PROTOCOL_NOT_FOUND
    assert text(foreign, f"{ERROR}/descricaoGlosa") == text(missing, f"{ERROR}/descricaoGlosa")
    assert number not in (text(foreign, f"{ERROR}/descricaoGlosa") or "")


def test_a_sender_other_than_the_tokens_provider_is_unidentified(soap, protocol):
    number, _ = protocol
    reply = _ask(soap, number, sender="200002")
    assert text(reply, f"{ERROR}/codigoGlosa") == codes.SENDER_NOT_IDENTIFIED
    assert "200002" in text(reply, f"{ERROR}/descricaoGlosa")


def test_a_wrong_hash_is_5014(soap, protocol):
    number, _ = protocol
    reply = _ask(soap, number, hash="0" * 32)
    assert text(reply, f"{ERROR}/codigoGlosa") == codes.INVALID_HASH


def test_a_request_the_schema_refuses_gets_the_tiss_error(soap, protocol):
    reply = _ask(soap, "1234567890123456")  # numeroProtocolo is st_texto12
    assert text(reply, f"{ERROR}/codigoGlosa") in (codes.NOT_TISS_MESSAGE, codes.CANNOT_VALIDATE)
    assert "numeroProtocolo" in text(reply, f"{ERROR}/descricaoGlosa")


def test_without_a_valid_token_the_answer_is_a_soap_fault(soap, protocol):
    number, _ = protocol
    with pytest.raises(zeep.exceptions.Fault) as fault:
        _ask(soap, number, token="cpt_falso")
    assert "Token de API" in fault.value.message


def test_a_malformed_envelope_is_a_soap_fault_not_a_stack_trace(soap_server, soap):
    url = f"{soap_server}/tiss/4.03.00/{SERVICE}"
    headers = {"Authorization": f"Bearer {soap.token}", "Content-Type": "text/xml; charset=utf-8"}
    for body in (b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>",
                 b"<x/>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", b"\xff\xfe nada"):
        answer = requests.post(url, data=body, headers=headers, timeout=10)
        assert answer.status_code == 500
        assert b"<faultcode>soap:Client</faultcode>" in answer.content and b"Traceback" not in answer.content


def test_the_wsdl_imports_the_official_schema_served_by_the_portal(soap_server):
    wsdl = requests.get(f"{soap_server}/tiss/4.03.00/{SERVICE}?wsdl", timeout=10).text
    assert f'location="{soap_server}/tiss/4.03.00/{SERVICE}"' in wsdl
    assert f"{soap_server}/tiss/4.03.00/schemas/tissWebServicesV4_03_00.xsd" in wsdl
    xsd = requests.get(f"{soap_server}/tiss/4.03.00/schemas/tissWebServicesV4_03_00.xsd", timeout=10)
    assert xsd.status_code == 200 and b'name="solicitacaoStatusProtocoloWS"' in xsd.content
    assert requests.get(f"{soap_server}/tiss/4.03.00/schemas/..%2Fsecret", timeout=10).status_code == 404


def test_the_status_follows_the_analysis_of_the_protocol(db, factory, soap, protocol):
    number, _ = protocol
    lot = "situacaoProtocolo/situacaoDoProtocolo/lote/detalheLote"
    assert text(_ask(soap, number), f"{lot}/statusProtocolo") == "1"
    assert text(_ask(soap, number), f"{lot}/statusProtocolo") == "1"  # asked again: the same answer
    batch = db.exec(select(Batch).where(Batch.protocol_number == number)).one()
    analyse(db, staff_actor(factory), batch.id, {0: Decimal("5.00")}, reason_code=codes.VALUE_ABOVE_CONTRACT)
    db.commit()
    reply = _ask(soap, number)
    assert text(reply, f"{lot}/statusProtocolo") == "3"  # liberado para pagamento
    assert text(reply, f"{lot}/valorTotalLote/valorGlosa") == "5.00"
    assert [e.text for e in reply.iter("{*}codigoGlosa")] == [codes.VALUE_ABOVE_CONTRACT]
