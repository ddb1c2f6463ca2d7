"""What the *Integração (API)* page explains to a provider's IT: the REST and SOAP addresses, the WSDLs
and an example request of each service, filled in with the provider's own identifiers (its code at the
operator, the operator's registro ANS, its latest protocol), the hash computed as the standard says.

The SOAP examples of the requests that fit on a screen (status, cancellation, demonstrativo, appeal
status) are complete: tests validate them against the official tissWebServicesV4_03_00.xsd and send
them to the running services. A lot and an appeal carry the guides of the provider's own file, so their
example shows where the file's content goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Batch, Operator, Provider
from copass_app.money_models import Payment
from copass_app.services.access import Actor, require_provider
from copass_app.tiss.hash import compute_hash
from copass_app.tiss.messages.xml import el
from copass_app.tiss.schema import TISS_NS, TISS_VERSION

SOAP_BASE = f"/tiss/{TISS_VERSION}"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TOKEN_VARIABLE = "$COPASS_TOKEN"
EXAMPLE_PROTOCOL = "202600000001"
EXAMPLE_LOT = "1"
_A = f"{{{TISS_NS}}}"
WS_SECURITY = """<soap:Header>
  <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
    <wsse:UsernameToken>
      <wsse:Username>sistema</wsse:Username>
      <wsse:Password>SEU_TOKEN</wsse:Password>
    </wsse:UsernameToken>
  </wsse:Security>
</soap:Header>"""


@dataclass(frozen=True)
class ServiceExample:
    name: str  # tissSolicitacaoStatusProtocolo: the path and the WSDL's service
    title: str
    transaction: str  # the request's tipoTransacao
    reply: str  # the reply's
    url: str
    wsdl: str
    envelope: str  # the example SOAP 1.1 request, as text
    curl: str
    complete: bool  # a whole request, ready to send; else the file's content goes where it says


@dataclass(frozen=True)
class RestExample:
    method: str
    path: str
    title: str
    curl: str


@dataclass(frozen=True)
class IntegrationGuide:
    base_url: str
    provider_code: str
    registro_ans: str
    openapi_url: str
    soap_base: str
    rest: tuple[RestExample, ...]
    services: tuple[ServiceExample, ...]


@dataclass(frozen=True)
class _Known:
    """The provider's identifiers the examples use (placeholders when it has no protocol yet)."""

    provider_code: str
    registro_ans: str
    protocol: str
    lot: str
    paid_on: str
    now: datetime


def _known(db: Session, actor: Actor) -> _Known:
    provider_id = require_provider(actor)
    provider = db.get(Provider, provider_id)
    operator = db.get(Operator, provider.operator_id)
    latest = db.exec(select(Batch).where(Batch.provider_id == provider_id)
                     .order_by(Batch.received_at.desc(), Batch.id.desc()).limit(1)).first()
    paid = db.exec(select(Payment.paid_on).where(Payment.provider_id == provider_id)
                   .order_by(Payment.paid_on.desc()).limit(1)).first()
    now = clock.local_now()
    return _Known(provider.code, operator.registro_ans, latest.protocol_number if latest else EXAMPLE_PROTOCOL,
                  latest.lot_number if latest else EXAMPLE_LOT, (paid or now.date()).isoformat(), now)


def _ws(element: str, transaction: str, known: _Known) -> etree._Element:
    """The WS request element with its cabecalho, for the body to be added."""
    root = etree.Element(_A + element, nsmap={"ans": TISS_NS})
    header = el(root, "cabecalho")
    ident = el(header, "identificacaoTransacao")
    el(ident, "tipoTransacao", transaction)
    el(ident, "sequencialTransacao", "1")
    el(ident, "dataRegistroTransacao", known.now.date())
    el(ident, "horaRegistroTransacao", known.now.strftime("%H:%M:%S"))
    el(el(el(header, "origem"), "identificacaoPrestador"), "codigoPrestadorNaOperadora", known.provider_code)
    el(el(header, "destino"), "registroANS", known.registro_ans)
    el(header, "Padrao", TISS_VERSION)
    return root


def _provider(parent: etree._Element, known: _Known) -> None:
    el(el(parent, "dadosPrestador"), "codigoPrestadorNaOperadora", known.provider_code)


def _finish(root: etree._Element, complete: bool, placeholder: str = "") -> str:
    """The hash (MD5 of every value of the WS element but the hash, ISO-8859-1) and the SOAP envelope."""
    hash_element = el(root, "hash", "")
    hash_element.text = compute_hash(root) if complete else placeholder
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(root)
    etree.indent(envelope, space="  ")
    return etree.tostring(envelope, encoding="unicode")


def _status(known: _Known) -> etree._Element:
    root = _ws("solicitacaoStatusProtocoloWS", "SOLIC_STATUS_PROTOCOLO", known)
    body = el(root, "solicitacaoStatusProtocolo")
    _provider(body, known)
    el(body, "numeroProtocolo", known.protocol)
    return root


def _cancel(known: _Known) -> etree._Element:
    root = _ws("cancelaGuiaWS", "CANCELA_GUIA", known)
    body = el(root, "cancelaGuia")
    _provider(body, known)
    lot = el(el(body, "tipoCancelamento"), "tipoCancelamentoLote")
    el(lot, "numeroLote", known.lot)
    el(lot, "numeroProtocolo", known.protocol)
    return root


def _statement(known: _Known) -> etree._Element:
    root = _ws("solicitacaoDemonstrativoRetornoWS", "SOLIC_DEMONSTRATIVO_RETORNO", known)
    analysis = el(el(root, "solicitacaoDemonstrativoRetorno"), "demonstrativoAnalise")
    _provider(analysis, known)
    el(analysis, "dataSolicitacao", known.now.date())
    el(el(analysis, "protocolos"), "numeroProtocolo", known.protocol)
    return root


def _appeal_status(known: _Known) -> etree._Element:
    root = _ws("solicitacaoStatusRecursoGlosaWS", "SOLIC_STATUS_RECURSO_GLOSA", known)
    body = el(root, "solicitacaoStatusProtocoloRecurso")
    _provider(body, known)
    el(body, "numeroProtocolo", f"R{known.protocol}"[:12])
    return root


def _lot(known: _Known) -> etree._Element:
    root = _ws("loteGuiasWS", "ENVIO_LOTE_GUIAS", known)
    lot = el(root, "loteGuias")
    el(lot, "numeroLote", known.lot)
    el(lot, "guiasTISS").append(etree.Comment(" as guias do lote: o conteúdo de loteGuias/guiasTISS do seu XML "))
    return root


def _appeal(known: _Known) -> etree._Element:
    root = _ws("loteRecursoGlosaWS", "RECURSO_GLOSA", known)
    el(root, "loteRecurso").append(etree.Comment(" o conteúdo de prestadorParaOperadora/recursoGlosa do seu XML "))
    return root


_PARTIAL_HASH = "MD5 dos valores de cabecalho e do conteúdo, em ISO-8859-1"

# name, title, request and reply transactions, the example's builder, whether it is a whole request
_SERVICES = (
    ("tissLoteGuias", "Envio de lote de guias", "ENVIO_LOTE_GUIAS", "PROTOCOLO_RECEBIMENTO", _lot, False),
    ("tissSolicitacaoStatusProtocolo", "Situação de um protocolo", "SOLIC_STATUS_PROTOCOLO", "SITUACAO_PROTOCOLO",
     _status, True),
    ("tissCancelaGuia", "Cancelamento de lote ou guias (enquanto o lote não foi processado)", "CANCELA_GUIA",
     "CANCELAMENTO_GUIA_RECIBO", _cancel, True),
    ("tissSolicitacaoDemonstrativoRetorno", "Demonstrativo de análise de conta ou de pagamento",
     "SOLIC_DEMONSTRATIVO_RETORNO", "DEMONSTRATIVO_ANALISE_CONTA / DEMONSTRATIVO_PAGAMENTO", _statement, True),
    ("tissRecursoGlosa", "Recurso de glosa", "RECURSO_GLOSA", "RECEBIMENTO_RECURSO_GLOSA", _appeal, False),
    ("tissSolicitacaoStatusRecursoGlosa", "Situação de um recurso de glosa", "SOLIC_STATUS_RECURSO_GLOSA",
     "RESPOSTA_RECURSO_GLOSA", _appeal_status, True),
)


def soap_curl(url: str, service: str) -> str:
    return (f'curl -sS -X POST "{url}" \\\n  -H "Content-Type: text/xml; charset=utf-8" \\\n'
            f'  -H \'SOAPAction: "{service}"\' \\\n  -H "Authorization: Bearer {TOKEN_VARIABLE}" \\\n'
            "  --data-binary @pedido.xml")


def _rest(base: str, known: _Known) -> tuple[RestExample, ...]:
    auth = f'-H "Authorization: Bearer {TOKEN_VARIABLE}"'
    rows = [
        ("POST", "/api/tiss/lotes", "Envia um lote (o XML no corpo); responde o protocolo ou os erros",
         f'curl -sS -X POST "{base}/api/tiss/lotes?arquivo=lote.xml" \\\n  {auth} \\\n'
         '  -H "Content-Type: application/xml" --data-binary @lote.xml'),
        ("GET", "/api/tiss/protocolos", "Últimos protocolos", f'curl -sS {auth} "{base}/api/tiss/protocolos"'),
        ("GET", "/api/tiss/protocolos/{numero}", "Situação de um protocolo e de cada guia",
         f'curl -sS {auth} "{base}/api/tiss/protocolos/{known.protocol}"'),
        ("GET", "/api/tiss/lotes/{numero}", "O mesmo, pelo número do lote",
         f'curl -sS {auth} "{base}/api/tiss/lotes/{known.lot}"'),
        ("GET", "/api/tiss/protocolos/{numero}/demonstrativo", "Demonstrativo de análise de conta (formato=xml: TISS)",
         f'curl -sS {auth} "{base}/api/tiss/protocolos/{known.protocol}/demonstrativo"'),
        ("GET", "/api/tiss/pagamentos", "Pagamentos", f'curl -sS {auth} "{base}/api/tiss/pagamentos"'),
        ("GET", "/api/tiss/pagamentos/{numero}/demonstrativo", "Demonstrativo de pagamento (formato=xml: TISS)",
         f'curl -sS {auth} "{base}/api/tiss/pagamentos/NUMERO/demonstrativo?formato=xml"'),
    ]
    return tuple(RestExample(*row) for row in rows)


def integration_guide(db: Session, actor: Actor, base_url: str) -> IntegrationGuide:
    """The page's addresses and examples for the actor's provider; `base_url` is the backend's address."""
    known = _known(db, actor)
    base = base_url.rstrip("/")
    services = []
    for name, title, transaction, reply, build, complete in _SERVICES:
        url = f"{base}{SOAP_BASE}/{name}"
        services.append(ServiceExample(name, title, transaction, reply, url, f"{url}?wsdl",
                                       _finish(build(known), complete, _PARTIAL_HASH), soap_curl(url, name),
                                       complete))
    return IntegrationGuide(base, known.provider_code, known.registro_ans, f"{base}/api/openapi.json",
                            f"{base}{SOAP_BASE}", _rest(base, known), tuple(services))
