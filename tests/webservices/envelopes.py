"""Raw SOAP 1.1 requests as a provider's software sends them, without a SOAP toolkit (for the endpoint
matrix of tests/security and the bench): the WS element with its cabecalho and the hash of its values."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from copass_app import clock
from copass_app.tiss.hash import compute_hash
from copass_app.tiss.schema import TISS_NS
from copass_app.webservices.envelope import SOAP_NS

A = f"{{{TISS_NS}}}"


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS, "ans": TISS_NS})
    return envelope, etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")


def from_message(message_xml: bytes, ws_element: str, body: str, message_body: str) -> bytes:
    """A mensagemTISS (a lot, an appeal) as the WS request: same values, so the same hash."""
    root = etree.fromstring(message_xml)
    envelope, soap_body = _envelope()
    element = etree.SubElement(soap_body, A + ws_element)
    element.append(root.find(A + "cabecalho"))
    found = root.find(f"{A}prestadorParaOperadora/{A}{message_body}")
    found.tag = A + body
    element.append(found)
    etree.SubElement(element, A + "hash").text = root.findtext(f"{A}epilogo/{A}hash")
    return etree.tostring(envelope, xml_declaration=True, encoding="ISO-8859-1")


def el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, A + name)
    child.text = text
    return child


def request(ws_element: str, transaction: str, sender: str, fill: Callable[[etree._Element], None], *,
            registro_ans: str = "345678") -> bytes:
    """A WS request: cabecalho from `sender` to the operator, what `fill(element)` adds, the hash."""
    at = clock.local_now()
    envelope, soap_body = _envelope()
    element = el(soap_body, ws_element)
    header = el(element, "cabecalho")
    ident = el(header, "identificacaoTransacao")
    el(ident, "tipoTransacao", transaction)
    el(ident, "sequencialTransacao", "1")
    el(ident, "dataRegistroTransacao", at.date().isoformat())
    el(ident, "horaRegistroTransacao", at.strftime("%H:%M:%S"))
    el(el(el(header, "origem"), "identificacaoPrestador"), "codigoPrestadorNaOperadora", sender)
    el(el(header, "destino"), "registroANS", registro_ans)
    el(header, "Padrao", "4.03.00")
    fill(element)
    el(element, "hash", "").text = compute_hash(element)
    return etree.tostring(envelope, xml_declaration=True, encoding="ISO-8859-1")


def status_request(sender: str, protocol: str) -> bytes:
    def fill(element):
        asked = el(element, "solicitacaoStatusProtocolo")
        el(el(asked, "dadosPrestador"), "codigoPrestadorNaOperadora", sender)
        el(asked, "numeroProtocolo", protocol)

    return request("solicitacaoStatusProtocoloWS", "SOLIC_STATUS_PROTOCOLO", sender, fill)


def cancel_lot_request(sender: str, lot_number: str) -> bytes:
    def fill(element):
        asked = el(element, "cancelaGuia")
        el(el(asked, "dadosPrestador"), "codigoPrestadorNaOperadora", sender)
        el(el(el(asked, "tipoCancelamento"), "tipoCancelamentoLote"), "numeroLote", lot_number)

    return request("cancelaGuiaWS", "CANCELA_GUIA", sender, fill)


def analysis_statement_request(sender: str, protocol: str) -> bytes:
    def fill(element):
        asked = el(el(element, "solicitacaoDemonstrativoRetorno"), "demonstrativoAnalise")
        el(el(asked, "dadosPrestador"), "codigoPrestadorNaOperadora", sender)
        el(asked, "dataSolicitacao", clock.today().isoformat())
        el(el(asked, "protocolos"), "numeroProtocolo", protocol)

    return request("solicitacaoDemonstrativoRetornoWS", "SOLIC_DEMONSTRATIVO_RETORNO", sender, fill)


def rehashed(envelope: bytes) -> bytes:
    """The request after an edit, with its hash computed again: only the edit is wrong."""
    root = etree.fromstring(envelope)
    element = root.find(f"{{{SOAP_NS}}}Body")[0]
    element.find(A + "hash").text = ""
    element.find(A + "hash").text = compute_hash(element)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")
