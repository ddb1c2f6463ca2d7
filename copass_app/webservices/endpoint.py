"""The HTTP side of the TISS web services: one POST endpoint per service, its WSDL at `?wsdl`.

A request is authorized by an API token (HTTP `Authorization: Bearer`, or WS-Security
UsernameToken with the token as password), read in chunks up to the upload limit, parsed by the
hardened parser, and its cabecalho's sender must be the token's provider (5005 otherwise). The
service then runs in a worker thread (its database work in `perform`) and returns a mensagemTISS;
the reply is converted to the WS element, validated against the official schema and wrapped in a
SOAP envelope. Malformed envelopes get a SOAP Fault; TISS refusals get the TISS reply with
mensagemErro. Every authorized call leaves one "api.call" audit row (service: result).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from lxml import etree
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from copass_app import clock
from copass_app.formatting import size_over_limit
from copass_app.models import Provider
from copass_app.services import api_tokens
from copass_app.services.access import Actor
from copass_app.services.api_tokens import ApiAccess
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.messages.receipts import ReceiptParty
from copass_app.tiss.model import LotIssue
from copass_app.tiss.parsing import max_xml_bytes
from copass_app.tiss.schema import TISS_NS, read_pins, xsd_dir
from copass_app.tiss.validation import validate_lot
from copass_app.webservices.envelope import (
    SOAP_MEDIA_TYPE,
    Envelope,
    Shape,
    SoapFault,
    envelope_bytes,
    fault_bytes,
    parse_envelope,
    refusal_message,
    reply_element,
    request_message,
    ws_errors,
)

logger = logging.getLogger(__name__)

BASE_PATH = "/tiss/4.03.00"
SCHEMA_PATH = f"{BASE_PATH}/schemas"
_A = f"{{{TISS_NS}}}"
SENDER_UNKNOWN = ("O remetente da mensagem ({sent_by}) não é o prestador do token de API ({code}). "
                  "Informe em cabecalho/origem/identificacaoPrestador o código do prestador na operadora "
                  "(ou o CNPJ/CPF) do prestador a quem o token pertence.")
PROVIDER_MISMATCH = ("O prestador informado em dadosPrestador ({sent_by}) não é o prestador do token de API "
                     "({code}).")
BROKEN_REPLY = "Erro interno ao montar a resposta TISS. A operadora foi avisada; tente novamente mais tarde."


@dataclass(frozen=True)
class Call:
    """One authorized request, as a service handler sees it."""

    service: str
    access: ApiAccess
    request: etree._Element  # the WS element
    message: bytes  # the same values as a mensagemTISS (same hash), for the portal's checks
    source: str
    received_at: datetime  # aware UTC

    @property
    def actor(self) -> Actor:
        return self.access.actor

    def record(self, db, result: str) -> None:
        """The call's audit row inside the handler's unit of work (a read saves a transaction)."""
        api_tokens.record_call(db, self.access, self.service, result, source=self.source)

    @property
    def party(self) -> ReceiptParty:
        return ReceiptParty(registro_ans=self.access.registro_ans, provider_code=self.access.provider_code)


@dataclass(frozen=True)
class Answer:
    message: bytes | etree._Element  # the reply as a mensagemTISS the portal wrote (bytes, or its hashed tree)
    result: str  # for the audit row: "ok", "aceito — protocolo …", "recusado — 5014"
    status: int = 200
    recorded: bool = False  # the handler wrote the call's audit row in its own unit of work (Call.record)


Handler = Callable[[Call], Answer]


@dataclass(frozen=True)
class Service:
    name: str  # tissLoteGuias: the path, the WSDL's service and the audit's name
    shape: Shape
    handle: Handler  # runs in a worker thread; opens its own units of work
    # A read answered in the caller's unit of work: the endpoint then checks the token, reads and writes the
    # call's audit row in ONE transaction (the status a provider's software polls for).
    read: Callable[[Session, Call], Answer] | None = None

    @property
    def path(self) -> str:
        return f"{BASE_PATH}/{self.name}"


def refused(call: Call, shape: Shape, issues: list[LotIssue], *, title: str = "Solicitação recusada") -> Answer:
    """The service's TISS reply with mensagemErro (first code, all errors summarised; lines are the envelope's)."""
    body = refusal_message(shape, call.party, issues, at=clock.local_now(), title=title)
    return Answer(body, refusal_result(issues))


def request_issues(call: Call, shape: Shape) -> list[LotIssue]:
    """Checks 1–4 of an upload, on the request: official schema, epilogo hash (5014, with the diagnosis of
    the slip that explains a wrong one), tipoTransacao (3148) and Padrao (5028); then the dadosPrestador of
    the request, which must be the token's provider too (1203)."""
    issues = list(validate_lot(call.message, transaction=shape.transaction).errors)
    if not issues:
        named = call.request.find(f"{_A}{shape.request_body}//{_A}dadosPrestador")
        sent_by = next((c.text or "" for c in named if isinstance(c.tag, str)), "").strip() if named is not None else ""
        if named is not None and not _is_provider(call.access, sent_by):
            issues.append(LotIssue(PROVIDER_MISMATCH.format(sent_by=sent_by, code=call.access.provider_code),
                                   code=codes.INVALID_PROVIDER, path=f"/{shape.request}/{shape.request_body}"))
    return issues


def _is_provider(access: ApiAccess, sent_by: str) -> bool:
    """The token's provider, by its code at the operator or its CNPJ/CPF."""
    if sent_by == access.provider_code:
        return True
    return bool(sent_by) and sent_by == perform(lambda db: db.get(Provider, access.actor.provider_id).document)


def request_text(call: Call, path: str) -> str:
    """A value of the WS request by local names ('solicitacaoStatusProtocolo/numeroProtocolo')."""
    return (call.request.findtext("/".join(_A + part for part in path.split("/"))) or "").strip()


def refusal_result(issues: list[LotIssue]) -> str:
    found = list(dict.fromkeys(i.code for i in issues if i.code))
    return "recusado — " + (", ".join(found[:3]) if found else codes.CANNOT_VALIDATE)


# --- the request ------------------------------------------------------------------------------------


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it passes the limit: a huge upload is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _soap(body: bytes, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body, status_code=status, media_type=SOAP_MEDIA_TYPE, headers=headers)


def _fault(fault: SoapFault, headers: dict | None = None) -> Response:
    return _soap(fault_bytes(fault), fault.status, headers)


def _authorize(token: str, source: str) -> ApiAccess:
    return perform(lambda db: api_tokens.authorize_request(db, token, source=source))


def _record(access: ApiAccess, service: str, result: str, source: str) -> None:
    perform(lambda db: api_tokens.record_call(db, access, service, result, source=source))


def _sender_issue(request: etree._Element, access: ApiAccess) -> LotIssue | None:
    """5005 when the cabecalho names another sender than the token's provider (absent: the schema says)."""
    origin = request.find(f"{_A}cabecalho/{_A}origem/{_A}identificacaoPrestador")
    if origin is None:
        return None
    sent = {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in origin if isinstance(child.tag, str)}
    sent_by = sent.get("codigoPrestadorNaOperadora") or sent.get("CNPJ") or sent.get("CPF") or ""
    if _is_provider(access, sent_by):
        return None
    return LotIssue(SENDER_UNKNOWN.format(sent_by=sent_by or "não informado", code=access.provider_code),
                    code=codes.SENDER_NOT_IDENTIFIED, path="/cabecalho/origem/identificacaoPrestador")


def _run(service: Service, access: ApiAccess, envelope: Envelope, source: str) -> tuple[bytes, int, str]:
    """In a worker thread: the checks, the service, the reply (validated) and the audit row."""
    call = Call(service.name, access, envelope.request, request_message(envelope.request, service.shape),
                source, clock.now())
    sender = _sender_issue(envelope.request, access)
    answer = refused(call, service.shape, [sender]) if sender else service.handle(call)
    reply = reply_element(answer.message, service.shape)
    errors = ws_errors(reply)
    if errors:  # a bug of the portal, never the client's: logged whole, answered as a server fault
        logger.error("%s: reply does not validate against %s: %s", service.name, "tissWebServicesV4_03_00.xsd",
                     "; ".join(errors[:5]))
        _record(access, service.name, "erro interno", source)
        return fault_bytes(SoapFault(BROKEN_REPLY, code="Server")), 500, "erro interno"
    if not answer.recorded:
        _record(access, service.name, answer.result, source)
    return envelope_bytes(reply), answer.status, answer.result


def _read_in_one_transaction(service: Service, token: str, envelope: Envelope, source: str) -> Reply:
    """The token's check (its count and last use kept whatever follows), the read and the call's audit row."""
    message = request_message(envelope.request, service.shape)

    def work(db: Session) -> tuple[ApiAccess, Answer | None]:
        access = api_tokens.authorize_request(db, token, source=source)
        if access.actor is None:
            return access, None
        call = Call(service.name, access, envelope.request, message, source, clock.now())
        sender = _sender_issue(envelope.request, access)
        answer = refused(call, service.shape, [sender]) if sender else service.read(db, call)
        if not answer.recorded:
            call.record(db, answer.result)
        return access, answer

    access, answer = perform(work)
    if answer is None:
        return _refusal_of_access(service, access)
    reply = reply_element(answer.message, service.shape)
    errors = ws_errors(reply)
    if errors:
        logger.error("%s: reply does not validate against tissWebServicesV4_03_00.xsd: %s", service.name,
                     "; ".join(errors[:5]))
        return Reply(fault_bytes(SoapFault(BROKEN_REPLY, code="Server")), 500)
    return Reply(envelope_bytes(reply), answer.status)


def _too_many_requests(service: Service, access: ApiAccess) -> Reply:
    party = ReceiptParty(registro_ans=access.registro_ans, provider_code=access.provider_code)
    message = refusal_message(service.shape, party, [LotIssue(access.message, code=codes.CANNOT_VALIDATE)],
                              at=clock.local_now())
    return Reply(envelope_bytes(reply_element(message, service.shape)), 429, {"Retry-After": str(access.retry_after)})


def _unauthorized() -> Reply:
    fault = SoapFault(api_tokens.UNAUTHORIZED + " Envie o token em 'Authorization: Bearer' ou como senha do "
                      "wsse:UsernameToken (WS-Security).", status=401)
    return Reply(fault_bytes(fault), 401, {"WWW-Authenticate": 'Bearer realm="copass"'})


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    headers: dict | None = None


def _refusal_of_access(service: Service, access: ApiAccess) -> Reply | None:
    if access.status == 429:
        return _too_many_requests(service, access)
    return _unauthorized() if access.actor is None else None


def _process(service: Service, data: bytes, bearer: str, access: ApiAccess | None, source: str,
             limit: int) -> Reply:
    """In a worker thread: parse (hardened), authorize (Bearer, else WS-Security), run, reply."""
    try:
        envelope = parse_envelope(data, service.shape, max_bytes=limit)
    except SoapFault as fault:
        if access is None and bearer:
            access = _authorize(bearer, source)
            refusal = _refusal_of_access(service, access)
            if refusal is not None:
                return refusal
        if access is not None:
            _record(access, service.name, "falha SOAP", source)
        return Reply(fault_bytes(fault), fault.status)
    try:
        if access is None and service.read is not None:
            return _read_in_one_transaction(service, bearer or envelope.password, envelope, source)
        if access is None:
            access = _authorize(bearer or envelope.password, source)
            refusal = _refusal_of_access(service, access)
            if refusal is not None:
                return refusal
        body, status, _ = _run(service, access, envelope, source)
    except DomainError as error:  # the database busy past its retries, say: the portal's message, no trace
        return Reply(fault_bytes(SoapFault(error.message, code="Server")), 503)
    except Exception:  # a bug of the portal: logged with its trace, answered as a server fault without it
        logger.exception("%s: the request could not be answered", service.name)
        return Reply(fault_bytes(SoapFault(BROKEN_REPLY, code="Server")), 500)
    return Reply(body, status)


EARLY_AUTH_BYTES = 64 * 1024  # past this size a Bearer token is checked before the body is read


def endpoint(service: Service):
    async def handle(request: Request) -> Response:
        if request.method == "GET":
            return wsdl_response(request, service)
        source = request.client.host if request.client else ""
        bearer = _bearer(request)
        declared = request.headers.get("content-length", "")
        access = None
        if bearer and not (declared.isdigit() and int(declared) <= EARLY_AUTH_BYTES):
            # A big upload (a lot): refused before it is read when the token is not worth it.
            access = await run_in_threadpool(_authorize, bearer, source)
            refusal = _refusal_of_access(service, access)
            if refusal is not None:
                return _soap(refusal.body, refusal.status, refusal.headers)
        limit = max_xml_bytes()
        data = await _read_body(request, limit)
        if data is None:
            size = int(declared) if declared.isdigit() else limit + 1
            return _fault(SoapFault(size_over_limit(size, limit), status=413))
        # Parsing, the checks, the database and the reply: one hop to a worker thread, off the event loop.
        reply = await run_in_threadpool(_process, service, data, bearer, access, source, limit)
        return _soap(reply.body, reply.status, reply.headers)

    return handle


# --- WSDL and schemas -------------------------------------------------------------------------------


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def wsdl_text(service: Service, base_url: str) -> str:
    """The service's WSDL (package file), pointing at this server's endpoint and schemas."""
    template = resources.files("copass_app.webservices").joinpath("wsdl", f"{service.name}.wsdl").read_text("utf-8")
    return template.replace("{{ENDPOINT}}", base_url + service.path).replace("{{SCHEMAS}}", base_url + SCHEMA_PATH)


def wsdl_response(request: Request, service: Service) -> Response:
    if "wsdl" not in {key.lower() for key in request.query_params}:
        return Response(f"Serviço TISS {service.name} (SOAP 1.1). WSDL: {service.path}?wsdl\n",
                        media_type="text/plain; charset=utf-8")
    return Response(wsdl_text(service, _base_url(request)), media_type="text/xml; charset=utf-8")


async def schema_file(request: Request) -> Response:
    """The official XSDs, as pinned (the WSDLs import tissWebServicesV4_03_00.xsd from here)."""
    name = request.path_params["name"]
    if name not in read_pins():
        return Response("Esquema não encontrado.", status_code=404, media_type="text/plain; charset=utf-8")
    return Response((xsd_dir() / name).read_bytes(), media_type="text/xml")


def routes(services: list[Service]) -> list[Route]:
    return [Route(s.path, endpoint(s), methods=["GET", "POST"]) for s in services] + [
        Route(SCHEMA_PATH + "/{name}", schema_file, methods=["GET"])]
