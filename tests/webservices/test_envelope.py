"""The SOAP layer itself, with raw HTTP requests: faults, size limit, rate limit, audit rows of the calls."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests
from lxml import etree
from sqlmodel import select

from copass_app import clock
from copass_app.models import ApiRateWindow, AuditLog
from copass_app.services import api_tokens, protocol_status
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.webservices.envelope import SOAP_NS, ws_errors
from tests.webservices import envelopes

STATUS = "tissSolicitacaoStatusProtocolo"


def _post(soap_server, service, body, token, **headers):
    return requests.post(f"{soap_server}/tiss/4.03.00/{service}", data=body, timeout=30,
                         headers={"Content-Type": "text/xml; charset=ISO-8859-1", **headers,
                                  **({"Authorization": f"Bearer {token}"} if token else {})})


def _reply(answer) -> etree._Element:
    return etree.fromstring(answer.content).find(f"{{{SOAP_NS}}}Body")[0]


def _calls(db) -> list[str]:
    db.expire_all()
    return [row.detail for row in db.exec(select(AuditLog).where(AuditLog.action == api_tokens.CALL_ACTION)
                                          .order_by(AuditLog.id))]


def test_each_call_leaves_its_audit_row_with_service_and_result(db, soap_server, soap):
    _post(soap_server, STATUS, envelopes.status_request("100001", "209999999999"), soap.token)
    body = envelopes.status_request("100001", "209999999999").replace(b"<ans:hash>", b"<ans:hash>0")
    _post(soap_server, STATUS, body, soap.token)
    _post(soap_server, STATUS, b"<soap:Envelope", soap.token)
    assert _calls(db) == [f"{STATUS}: recusado — {codes.PROTOCOL_NOT_FOUND}",
                          f"{STATUS}: recusado — {codes.INVALID_HASH}", f"{STATUS}: falha SOAP"]


def test_the_wrong_message_or_soap_12_is_a_fault(soap_server, soap):
    lot_shaped = envelopes.status_request("100001", "1")
    wrong = _post(soap_server, "tissLoteGuias", lot_shaped, soap.token)
    assert wrong.status_code == 500 and b"ans:loteGuiasWS" in wrong.content
    soap12 = lot_shaped.replace(SOAP_NS.encode(), b"http://www.w3.org/2003/05/soap-envelope")
    answer = _post(soap_server, STATUS, soap12, soap.token)
    assert answer.status_code == 500 and b"soap:VersionMismatch" in answer.content


def test_a_body_past_the_limit_is_refused_before_it_is_read_whole(soap_server, soap, monkeypatch):
    monkeypatch.setenv("COPASS_MAX_XML_BYTES", "2000")  # read by the server thread, same process
    answer = _post(soap_server, "tissLoteGuias", b"<a>" + b"x" * 100_000 + b"</a>", soap.token)
    assert answer.status_code == 413 and b"<faultcode>soap:Client</faultcode>" in answer.content
    assert b"excede o limite de 2,0 kB" in answer.content


def test_past_the_tokens_rate_the_answer_is_429_in_tiss(soap_server, soap, monkeypatch):
    monkeypatch.setenv("COPASS_API_RATE_PER_MINUTE", "2")
    body = envelopes.status_request("100001", "209999999999")
    with clock.frozen(datetime(2026, 3, 10, 10, 0, 15)):
        answers = [_post(soap_server, STATUS, body, soap.token) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["retry-after"] == "45"
    reply = _reply(answers[2])
    assert ws_errors(reply) == []
    assert reply.findtext(".//{*}mensagemErro/{*}codigoGlosa") == codes.CANNOT_VALIDATE


@pytest.mark.parametrize("header", [None, "Bearer cpt_falso"])
def test_without_a_valid_token_nothing_is_audited_as_a_call(db, soap_server, soap, header):
    body = envelopes.status_request("100001", "209999999999")
    answer = requests.post(f"{soap_server}/tiss/4.03.00/{STATUS}", data=body, timeout=30,
                           headers={"Authorization": header} if header else {})
    assert answer.status_code == 401 and b"Token de API" in answer.content
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert _calls(db) == []


def test_dados_prestador_of_another_provider_is_refused_as_1203(soap_server, soap):
    body = envelopes.status_request("100001", "209999999999")
    body = body.replace(b"<ans:dadosPrestador><ans:codigoPrestadorNaOperadora>100001<",
                        b"<ans:dadosPrestador><ans:codigoPrestadorNaOperadora>200002<")
    body = envelopes.rehashed(body)
    reply = _reply(_post(soap_server, STATUS, body, soap.token))
    assert reply.findtext(".//{*}mensagemErro/{*}codigoGlosa") == codes.INVALID_PROVIDER


def test_a_ws_element_out_of_order_is_a_schema_refusal(soap_server, soap):
    root = etree.fromstring(envelopes.status_request("100001", "209999999999"))
    element = root.find(f"{{{SOAP_NS}}}Body")[0]
    element.insert(1, element.find("{*}hash"))  # hash before the body
    reply = _reply(_post(soap_server, STATUS, etree.tostring(root), soap.token))
    assert reply.findtext(".//{*}mensagemErro/{*}codigoGlosa") in (codes.NOT_TISS_MESSAGE, codes.CANNOT_VALIDATE)


def test_a_failure_of_the_portal_is_a_server_fault_without_the_trace(soap_server, soap, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("segredo interno")

    monkeypatch.setattr(protocol_status, "protocol_summary", broken)
    answer = _post(soap_server, STATUS, envelopes.status_request("100001", "209999999999"), soap.token)
    assert answer.status_code == 500 and b"<faultcode>soap:Server</faultcode>" in answer.content
    assert b"segredo" not in answer.content and b"Traceback" not in answer.content


def test_an_error_names_the_line_of_the_envelope(soap_server, soap):
    pretty = etree.tostring(etree.fromstring(envelopes.status_request("100001", "1234567890123456")),
                            pretty_print=True, xml_declaration=True, encoding="ISO-8859-1")
    line = next(n for n, text in enumerate(pretty.decode("iso-8859-1").splitlines(), 1) if "numeroProtocolo" in text)
    summary = _reply(_post(soap_server, STATUS, pretty, soap.token)).findtext(".//{*}mensagemErro/{*}descricaoGlosa")
    assert f"linha {line}: O campo 'numeroProtocolo'" in summary


def test_a_tokens_past_minutes_are_not_kept(db, soap):
    for minute, repeats in ((0, 3), (1, 2), (2, 1)):
        for _ in range(repeats):
            perform(lambda s, m=minute: api_tokens.authorize_request(s, soap.token,
                                                                     now=datetime(2026, 3, 10, 10, m, 5).astimezone()))
    db.expire_all()
    (window,) = db.exec(select(ApiRateWindow)).all()  # only the current minute's count is kept
    assert window.requests == 1
