"""The examples the Integração (API) page shows: the provider's own identifiers, complete SOAP requests
valid against the official tissWebServicesV4_03_00.xsd with the right hash, and the status example
actually answered by the running web service."""

from __future__ import annotations

from lxml import etree
from starlette.testclient import TestClient

from copass_app.api import api_app
from copass_app.services import api_tokens
from copass_app.services.integration_guide import SOAP_NS, TOKEN_VARIABLE, integration_guide
from copass_app.tiss.hash import compute_hash
from copass_app.tiss.schema import TISS_NS
from copass_app.webservices.envelope import ws_errors
from tests.services.money_helpers import bill, clinic

A = f"{{{TISS_NS}}}"
BASE = "https://portal.example.com.br"


def _ws_element(envelope: str) -> etree._Element:
    root = etree.fromstring(envelope.encode())
    return root.find(f"{{{SOAP_NS}}}Body")[0]


def test_the_examples_carry_the_providers_identifiers_and_its_latest_protocol(db, factory):
    who = clinic(factory, "Clínica São Lucas")
    batch_id = bill(factory, db, who)
    from copass_app.models import Batch

    batch = db.get(Batch, batch_id)
    guide = integration_guide(db, who.actor, BASE + "/")
    assert guide.soap_base == f"{BASE}/tiss/4.03.00" and guide.openapi_url == f"{BASE}/api/openapi.json"
    assert [s.name for s in guide.services] == [
        "tissLoteGuias", "tissSolicitacaoStatusProtocolo", "tissCancelaGuia", "tissSolicitacaoDemonstrativoRetorno",
        "tissRecursoGlosa", "tissSolicitacaoStatusRecursoGlosa"]
    for service in guide.services:
        assert service.url == f"{BASE}/tiss/4.03.00/{service.name}" and service.wsdl == service.url + "?wsdl"
        assert service.url in service.curl and f"Bearer {TOKEN_VARIABLE}" in service.curl
        element = _ws_element(service.envelope)
        assert element.findtext(f"{A}cabecalho/{A}origem/{A}identificacaoPrestador/{A}codigoPrestadorNaOperadora") \
            == who.provider.code
        assert element.findtext(f"{A}cabecalho/{A}destino/{A}registroANS") == "345678"
        assert element.findtext(f"{A}cabecalho/{A}identificacaoTransacao/{A}tipoTransacao") == service.transaction
    status = _ws_element(guide.services[1].envelope)
    assert status.findtext(f"{A}solicitacaoStatusProtocolo/{A}numeroProtocolo") == batch.protocol_number
    assert any(batch.protocol_number in r.curl for r in guide.rest)


def test_complete_examples_are_valid_requests_with_the_right_hash(db, factory):
    who = clinic(factory, "Clínica São Lucas")
    guide = integration_guide(db, who.actor, BASE)
    complete = [s for s in guide.services if s.complete]
    assert len(complete) == 4
    for service in complete:
        element = _ws_element(service.envelope)
        assert ws_errors(element) == [], service.name
        declared = element.findtext(f"{A}hash")
        element.find(f"{A}hash").text = ""
        assert declared == compute_hash(element), service.name
    partial = [s for s in guide.services if not s.complete]
    assert all("do seu XML" in s.envelope for s in partial)


def test_the_status_example_is_answered_by_the_web_service(db, factory):
    who = clinic(factory, "Clínica São Lucas")
    batch_id = bill(factory, db, who)
    token = api_tokens.create_token(db, who.actor, "ERP").token
    db.commit()
    from copass_app.models import Batch

    protocol = db.get(Batch, batch_id).protocol_number
    client = TestClient(api_app())
    service = integration_guide(db, who.actor, str(client.base_url)).services[1]
    response = client.post(service.url, content=service.envelope.encode(),
                           headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{service.name}"',
                                    "Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    reply = etree.fromstring(response.content).find(f"{{{SOAP_NS}}}Body")[0]
    assert reply.tag == A + "situacaoProtocoloWS" and ws_errors(reply) == []
    assert protocol in reply.xpath("string(.//ans:numeroProtocolo)", namespaces={"ans": TISS_NS})


def test_every_complete_example_gets_a_tiss_reply_not_a_fault(db, factory):
    who = clinic(factory, "Clínica São Lucas")
    bill(factory, db, who)
    token = api_tokens.create_token(db, who.actor, "ERP").token
    db.commit()
    client = TestClient(api_app())
    services = {s.name: s for s in integration_guide(db, who.actor, str(client.base_url)).services if s.complete}
    # The cancellation last: it cancels the example's lot (still unprocessed), as the page says.
    for name in ("tissSolicitacaoStatusProtocolo", "tissSolicitacaoDemonstrativoRetorno",
                 "tissSolicitacaoStatusRecursoGlosa", "tissCancelaGuia"):
        response = client.post(services[name].url, content=services[name].envelope.encode(),
                               headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": f"Bearer {token}"})
        reply = etree.fromstring(response.content).find(f"{{{SOAP_NS}}}Body")[0]
        assert reply.tag != f"{{{SOAP_NS}}}Fault", (name, response.text)
        assert ws_errors(reply) == [], name
