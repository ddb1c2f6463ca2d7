"""SOAP 1.1 around the TISS web-service messages of tissWebServicesV4_03_00.xsd.

A request arrives as `Envelope/Body/<ans:loteGuiasWS>` (cabecalho, the message's body, hash). The
portal's services read and write `mensagemTISS` documents (cabecalho, prestadorParaOperadora or
operadoraParaPrestador, epilogo/hash): both forms hold the same values in the same order, so their
hash is the same, and this module converts one into the other. Everything a client sends is parsed by
the hardened parser of copass_app.tiss.parsing; every reply is validated against the official
schema before it leaves (a reply that would not validate is a bug, answered as a server Fault).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from lxml import etree

from copass_app.tiss import codes
from copass_app.tiss.hash import set_hash
from copass_app.tiss.messages.receipts import ReceiptParty, refusal_summary
from copass_app.tiss.messages.xml import el, hash_placeholder, message, provider_id, serialize
from copass_app.tiss.model import LotIssue
from copass_app.tiss.parsing import TissParseError, parse_xml
from copass_app.tiss.schema import TISS_NS, TISS_VERSION, verify_schema_pins, xsd_dir

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WS_XSD = "tissWebServicesV4_03_00.xsd"
SOAP_MEDIA_TYPE = "text/xml; charset=utf-8"

_A = f"{{{TISS_NS}}}"
_S = f"{{{SOAP_NS}}}"
_W = f"{{{WSSE_NS}}}"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
_TYPED = etree.XPath("descendant-or-self::*[@xsi:type]", namespaces={"xsi": "http://www.w3.org/2001/XMLSchema-instance"})
_LAST = etree.XPath("(descendant::*)[last()]")
_validate_lock = threading.Lock()


class SoapFault(Exception):
    """A request that is not a usable SOAP message: answered with a SOAP 1.1 Fault, never a stack trace."""

    def __init__(self, message: str, *, code: str = "Client", status: int = 500) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # faultcode: Client (the request) or Server (the portal), VersionMismatch
        self.status = status


@dataclass(frozen=True)
class Shape:
    """How one service's messages look: WS element and child ↔ mensagemTISS body element."""

    request: str  # loteGuiasWS
    request_body: str  # its child that carries the message: loteGuias
    message_request: str  # the same child inside prestadorParaOperadora: loteGuias
    reply: str  # protocoloRecebimentoWS
    reply_body: str  # recebimentoLote
    message_reply: str  # the same inside operadoraParaPrestador: recebimentoLote
    transaction: str  # tipoTransacao of the request: ENVIO_LOTE_GUIAS
    reply_transaction: str  # tipoTransacao of a refusal: PROTOCOLO_RECEBIMENTO


@dataclass(frozen=True)
class Envelope:
    request: etree._Element  # the WS element (e.g. ans:loteGuiasWS), still in the parsed envelope
    password: str  # wsse:UsernameToken/wsse:Password, "" when absent


def parse_envelope(data: bytes, shape: Shape, *, max_bytes: int) -> Envelope:
    """The envelope's WS element and WS-Security password, or SoapFault (Portuguese) why not."""
    try:
        root = parse_xml(data, max_bytes=max_bytes).getroot()
    except TissParseError as exc:
        line = f" (linha {exc.failure.line})" if exc.failure.line else ""
        raise SoapFault(f"Envelope SOAP ilegível{line}: {exc.failure.message}") from None
    if root.tag == f"{{{SOAP12_NS}}}Envelope":
        raise SoapFault("Este serviço usa SOAP 1.1 (namespace http://schemas.xmlsoap.org/soap/envelope/).",
                        code="VersionMismatch")
    if root.tag != _S + "Envelope":
        raise SoapFault("O corpo da requisição não é um envelope SOAP 1.1 (soap:Envelope).")
    body = root.find(_S + "Body")
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(children) != 1:
        raise SoapFault("O soap:Body deve conter exatamente uma mensagem TISS.")
    request = children[0]
    if request.tag != _A + shape.request:
        raise SoapFault(f"Este serviço recebe a mensagem ans:{shape.request} (namespace {TISS_NS}); "
                        f"recebida: {request.tag.rpartition('}')[2] or request.tag}.")
    return Envelope(request=request, password=_password(root))


def _password(root: etree._Element) -> str:
    header = root.find(_S + "Header")
    if header is None:
        return ""
    found = header.find(f"{_W}Security/{_W}UsernameToken/{_W}Password")
    return (found.text or "").strip() if found is not None else ""


# --- WS element ↔ mensagemTISS ----------------------------------------------------------------------


def request_message(request: etree._Element, shape: Shape) -> bytes:
    """The mensagemTISS holding the same values as the WS request (same hash), ISO-8859-1 bytes.

    Unknown children are kept, inside prestadorParaOperadora, so the schema check names them.
    """
    # SOAP toolkits (zeep, .NET) often restate each element's declared type in xsi:type, whose QName prefix
    # is declared on the envelope: moved out of it the prefix would be unbound. TISS needs no type
    # substitution, so the restatement is dropped (attributes are not part of the hash).
    for element in _TYPED(request):
        del element.attrib[_XSI_TYPE]
    root = etree.Element(_A + "mensagemTISS", nsmap={"ans": TISS_NS})
    body = None  # the prestadorParaOperadora of the current run of message elements
    for child in request:
        if not isinstance(child.tag, str):
            continue
        name = child.tag.rpartition("}")[2] if child.tag.startswith(_A) else ""
        if name == "Signature":
            continue  # an XML signature of the WS element does not sign the converted message
        if name == "cabecalho":
            root.append(_copy(child))
            body = None
        elif name == "hash":
            el(el(root, "epilogo"), "hash", child.text or "")
            body = None
        else:
            # In the order they came: a WS element the schema refuses (hash before the body, an unknown or a
            # repeated element) gives a mensagemTISS the same schema refuses, with the same names.
            if body is None:
                body = el(root, "prestadorParaOperadora")
            copied = _copy(child)
            if name == shape.request_body:
                copied.tag = _A + shape.message_request
            body.append(copied)
    last = _LAST(request)
    if last and last[0].sourceline != request.sourceline:  # a message written on one line needs nothing
        _keep_lines(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def _keep_lines(root: etree._Element) -> None:
    """Put each element copied from the envelope back on its line, with newlines between tags (blank text,
    which the checks drop): the line of every error found in the converted message is the envelope's."""
    line = 2  # the XML declaration is line 1, the root's start tag line 2
    for element in root.iter():
        target = element.sourceline if element is not root else None
        if target and target > line:
            gap = "\n" * (target - line)
            before = element.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + gap
            else:
                parent = element.getparent()
                parent.text = (parent.text or "") + gap
            line = target
        line += (element.text or "").count("\n")


def _copy(element: etree._Element) -> etree._Element:
    copied = copy.deepcopy(element)
    copied.tail = None
    return copied


def reply_element(message_xml: bytes | etree._Element, shape: Shape) -> etree._Element:
    """The WS reply (e.g. ans:protocoloRecebimentoWS) of a mensagemTISS the portal wrote: its bytes, or
    its tree with the hash already set (finish_message). The tree is reshaped in place (moves inside one
    document are cheap; a 100-guide reply across documents is not)."""
    root = (message_xml if isinstance(message_xml, etree._Element)
            else etree.fromstring(message_xml, etree.XMLParser(resolve_entities=False, no_network=True)))
    wrapper = root.find(_A + "operadoraParaPrestador")
    body = wrapper.find(_A + shape.message_reply) if wrapper is not None else None
    if body is None:
        raise ValueError(f"A resposta não contém operadoraParaPrestador/{shape.message_reply}.")
    epilogo = root.find(_A + "epilogo")
    digest = epilogo.find(_A + "hash")
    root.tag = _A + shape.reply
    body.tag = _A + shape.reply_body
    wrapper.addnext(body)
    root.remove(wrapper)
    epilogo.addnext(digest)
    root.remove(epilogo)
    for element in root.iterchildren(f"{{{_DSIG_NS}}}Signature"):
        root.remove(element)
    return root


def refusal_message(shape: Shape, party: ReceiptParty, issues: list[LotIssue], *, at: datetime,
                    title: str = "Solicitação recusada") -> bytes:
    """The service's reply as a mensagemTISS with mensagemErro: the first code, every error summarised."""
    root, header = message(shape.reply_transaction, "1", at)
    el(el(header, "origem"), "registroANS", party.registro_ans)
    provider_id(el(el(header, "destino"), "identificacaoPrestador"), party.provider_code or "0",
                party.provider_cnpj, party.provider_cpf)
    el(header, "Padrao", TISS_VERSION)
    error = el(el(el(root, "operadoraParaPrestador"), shape.message_reply), "mensagemErro")
    code = next((i.code for i in issues if i.code and codes.is_known(i.code)), codes.CANNOT_VALIDATE)
    el(error, "codigoGlosa", code)
    el(error, "descricaoGlosa", refusal_summary(issues, title=title))
    hash_placeholder(root)
    return serialize(root, "ISO-8859-1", False)


def operator_message(transaction: str, party: ReceiptParty, at: datetime) -> tuple[etree._Element, etree._Element]:
    """A mensagemTISS from the operator to the provider: its root and operadoraParaPrestador."""
    root, header = message(transaction, "1", at)
    el(el(header, "origem"), "registroANS", party.registro_ans)
    provider_id(el(el(header, "destino"), "identificacaoPrestador"), party.provider_code,
                party.provider_cnpj, party.provider_cpf)
    el(header, "Padrao", TISS_VERSION)
    return root, el(root, "operadoraParaPrestador")


def finish_message(root: etree._Element) -> etree._Element:
    """The message with its epilogo hash: the tree, which reply_element takes as it is."""
    hash_placeholder(root)
    set_hash(root)
    return root


# --- the official schema of the web services --------------------------------------------------------


@lru_cache(maxsize=1)
def ws_schema() -> etree.XMLSchema:
    """tissWebServicesV4_03_00.xsd (it includes tissV4_03_00.xsd), pinned like the rest, loaded once."""
    verify_schema_pins()
    parser = etree.XMLParser(no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(xsd_dir() / WS_XSD), parser))


def ws_errors(element: etree._Element) -> list[str]:
    """XSD errors of a WS element validated as a document of its own (empty when valid)."""
    schema = ws_schema()
    document = etree.ElementTree(element) if element.getparent() is None else etree.ElementTree(_copy(element))
    with _validate_lock:
        if schema.validate(document):
            return []
        return [f"linha {e.line}: {e.message}" for e in schema.error_log]


# --- envelopes out ----------------------------------------------------------------------------------


_ENVELOPE_START = (f"<?xml version='1.0' encoding='UTF-8'?>\n<soap:Envelope xmlns:soap=\"{SOAP_NS}\">"
                   "<soap:Body>").encode()
_ENVELOPE_END = b"</soap:Body></soap:Envelope>"


def envelope_bytes(content: etree._Element) -> bytes:
    """The SOAP 1.1 envelope around one element, written around its serialization (no copy of the tree)."""
    return _ENVELOPE_START + etree.tostring(content, encoding="UTF-8", xml_declaration=False) + _ENVELOPE_END


def fault_bytes(fault: SoapFault) -> bytes:
    element = etree.Element(_S + "Fault", nsmap={"soap": SOAP_NS})
    etree.SubElement(element, "faultcode").text = f"soap:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.message
    return envelope_bytes(element)
