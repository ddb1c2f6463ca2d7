"""HTTP API for providers' own software: TISS XML lots in, JSON reads out, an OpenAPI description.

    POST /api/tiss/lotes                                a TISS XML lot as the body → PROTOCOLO_RECEBIMENTO
    GET  /api/tiss/protocolos                           the token's provider's latest protocols
    GET  /api/tiss/protocolos/{numero}                  a protocol with each guide's status
    GET  /api/tiss/lotes/{numero}                       the same, found by the provider's numeroLote
    GET  /api/tiss/protocolos/{numero}/demonstrativo    demonstrativo de análise de conta (?formato=xml: the TISS file)
    GET  /api/tiss/pagamentos                           the provider's payments
    GET  /api/tiss/pagamentos/{numero}/demonstrativo    demonstrativo de pagamento (?formato=xml: the TISS file)
    GET  /api/openapi.json                              this API described in OpenAPI 3 (no token needed)

Authorization: Bearer <API token created in the portal> on every route but the description. The POST
answers the TISS PROTOCOLO_RECEBIMENTO message: 200 with the protocol, 422 with the errors (each with
its diagnosis), 401 without a valid token, 413 past the size limit, 429 (a TISS mensagemErro, and
Retry-After) past the token's requests per minute. The reads answer JSON (money as decimal strings),
404 for a protocol or payment that is not the token's provider's (exactly as for one that does not
exist), 409 for a demonstrativo not yet available, and the same 401/429. Every call of a valid token
leaves one audit row ("api.call"), shown on the provider's *Integração (API)* page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from copass_app import clock
from copass_app.formatting import size_over_limit
from copass_app.openapi import openapi_document
from copass_app.services import api_reads, api_tokens, protocol_status, xml_lots
from copass_app.services.access import Actor
from copass_app.services.api_tokens import ApiAccess
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.payments import PaymentView
from copass_app.services.unit_of_work import BUSY, perform
from copass_app.tiss import codes
from copass_app.tiss.messages import ReceiptParty, build_lot_refusal
from copass_app.tiss.messages.statements import AnalysedProtocol, PaymentStatementData
from copass_app.tiss.model import LotIssue
from copass_app.tiss.parsing import max_xml_bytes

XML_MEDIA_TYPE = "application/xml; charset=ISO-8859-1"
LOTS = "POST /api/tiss/lotes"
MAX_CODES_IN_RESULT = 3


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _source(request: Request) -> str:
    return request.client.host if request.client else ""


def _access_for(token: str, source: str) -> ApiAccess:
    # Its own unit of work: the request's count, last use and any refusal's audit row stay whatever follows.
    return perform(lambda db: api_tokens.authorize_request(db, token, source=source))


def _record(access: ApiAccess, service: str, result: str, source: str) -> None:
    perform(lambda db: api_tokens.record_call(db, access, service, result, source=source))


def _too_many_requests(access: ApiAccess) -> Response:
    """429 in the shape of the portal's other answers: a PROTOCOLO_RECEBIMENTO with its mensagemErro."""
    party = ReceiptParty(registro_ans=access.registro_ans, provider_code=access.provider_code)
    body = build_lot_refusal(party, [LotIssue(message=access.message, code=codes.CANNOT_VALIDATE)],
                             refused_at=clock.local_now())
    return Response(body, status_code=429, media_type=XML_MEDIA_TYPE,
                    headers={"Retry-After": str(access.retry_after)})


async def _read_body(request: Request, limit: int) -> tuple[bytes | None, int]:
    """(body, size), or (None, size so far) as soon as it passes the limit: a huge upload is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None, int(declared)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None, len(body)
    return bytes(body), len(body)


def lot_result(outcome: xml_lots.LotOutcome) -> str:
    """The call's result as the Integração page lists it: the protocol, or the first TISS codes."""
    if outcome.accepted:
        return f"aceito — protocolo {outcome.protocol_number}"
    found = list(dict.fromkeys(e.code for e in outcome.errors if e.code))
    return "recusado — " + (", ".join(found[:MAX_CODES_IN_RESULT]) or codes.CANNOT_VALIDATE)


async def post_lot(request: Request) -> Response:
    source = _source(request)
    access = await run_in_threadpool(_access_for, _bearer(request), source)
    if access.status == 429:
        return _too_many_requests(access)
    actor = access.actor
    if actor is None:
        return PlainTextResponse(api_tokens.UNAUTHORIZED, status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="copass"'})
    limit = max_xml_bytes()
    data, size = await _read_body(request, limit)
    if data is None:
        await run_in_threadpool(_record, access, LOTS, "HTTP 413", source)
        return PlainTextResponse(size_over_limit(size, limit), status_code=413)
    file_name = request.query_params.get("arquivo") or request.headers.get("x-file-name") or "lote-api.xml"
    # Accepted or refused, perform returns the outcome: a refusal keeps its upload record (TracedRefusal).
    outcome = await run_in_threadpool(perform, lambda db: xml_lots.receive_lot(db, actor, file_name, data, via="API"))
    # Its own unit of work: a refused lot's attempt was rolled back, its trace written apart.
    await run_in_threadpool(_record, access, LOTS, lot_result(outcome), source)
    headers = {"X-Copass-Envio": str(outcome.upload_id)}
    if outcome.protocol_number:
        headers["X-Copass-Protocolo"] = outcome.protocol_number
    return Response(outcome.response_xml, status_code=200 if outcome.accepted else 422,
                    media_type=XML_MEDIA_TYPE, headers=headers)


# --- JSON reads ------------------------------------------------------------------------------------


def _error(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"erro": {"codigo": code, "mensagem": message}}, status_code=status, headers=headers)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _read(service: str, work: Callable[[Session, Actor, Request], Any]):
    """A GET route: token and rate limit as the POST, the owner-checked read and its audit row in one unit
    of work (a refusal is a JSON error, and its audit row is kept), JSON (or a TISS file) out."""

    async def endpoint(request: Request) -> Response:
        source = _source(request)
        access = await run_in_threadpool(_access_for, _bearer(request), source)
        if access.status == 429:
            return _error(429, access.message, headers={"Retry-After": str(access.retry_after)})
        if access.actor is None:
            return _error(401, api_tokens.UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer realm="copass"'})

        def unit(db: Session) -> Response:
            try:
                body = work(db, access.actor, request)
            except NotFound as refusal:
                api_tokens.record_call(db, access, service, " — ".join(filter(None, ["não encontrado", refusal.code])),
                                       source=source)
                return _error(404, refusal.message, refusal.code)
            except DomainError as refusal:
                api_tokens.record_call(db, access, service, " — ".join(filter(None, ["recusado", refusal.code])),
                                       source=source)
                return _error(409, refusal.message, refusal.code)
            api_tokens.record_call(db, access, service, "ok", source=source)
            if isinstance(body, tuple):  # (file name, TISS XML)
                name, data = body
                return Response(data, media_type=XML_MEDIA_TYPE,
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
            return JSONResponse(body)

        return await run_in_threadpool(perform, unit)

    return endpoint


def _as_xml(request: Request) -> bool:
    return request.query_params.get("formato", "json").strip().lower() == "xml"


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def status_json(status: protocol_status.ProtocolStatus, with_guides: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "protocolo": status.protocol_number,
        "lote": status.lot_number,
        "tipo_guia": status.guide_type.value,
        "situacao": {"codigo": status.tiss_status, "descricao": status.status_label},
        "recebido_em": status.received_at.isoformat(),
        "data_envio": status.sent_on.isoformat(),
        "analisado": status.analysed,
        "quantidade_guias": status.guide_count,
        "valor_informado": _money(status.total_value),
        "valor_glosa": _money(status.glosa_value),
        "valor_liberado": _money(status.approved_value),
    }
    if with_guides:
        body["guias"] = [{
            "numero_guia_prestador": g.guide_number,
            "numero_guia_operadora": g.operator_guide_number or None,
            "numero_carteira": g.card_number,
            "beneficiario": g.beneficiary_name,
            "data_realizacao": g.performed_on.isoformat(),
            "situacao": {"codigo": g.tiss_status, "descricao": g.status_label},
            "valor_informado": _money(g.total_value),
            "valor_glosa": _money(g.glosa_value),
            "valor_liberado": _money(g.approved_value),
            "codigos_glosa": list(g.glosa_codes),
        } for g in status.guides]
    return body


def analysis_json(protocol: AnalysedProtocol) -> dict[str, Any]:
    """The DEMONSTRATIVO_ANALISE_CONTA's figures: per item informado, processado, glosas, liberado."""
    return {
        "protocolo": protocol.protocol_number,
        "lote": protocol.lot_number,
        "data_protocolo": protocol.protocol_date.isoformat(),
        "situacao": protocol.status,
        "valor_informado": _money(protocol.informed),
        "valor_processado": _money(protocol.processed),
        "valor_glosa": _money(protocol.glosa),
        "valor_liberado": _money(protocol.released),
        "guias": [{
            "numero_guia_prestador": g.provider_guide_number,
            "numero_guia_operadora": g.operator_guide_number,
            "senha": g.password,
            "numero_carteira": g.card_number,
            "data_inicio_faturamento": g.started_on.isoformat(),
            "situacao": g.status,
            "valor_informado": _money(g.informed),
            "valor_processado": _money(g.processed),
            "valor_glosa": _money(g.glosa),
            "valor_liberado": _money(g.released),
            "itens": [{
                "sequencial": i.sequence,
                "data_execucao": i.performed_on.isoformat(),
                "tabela": i.table,
                "codigo": i.code,
                "descricao": i.description,
                "quantidade": format(i.quantity.normalize(), "f"),
                "valor_informado": _money(i.informed),
                "valor_processado": _money(i.processed),
                "valor_glosa": _money(i.glosa),
                "valor_liberado": _money(i.released),
                "glosas": [{"codigo": gl.code, "descricao": codes.describe(gl.code), "valor": _money(gl.value)}
                           for gl in i.glosas],
            } for i in g.items],
        } for g in protocol.guides],
    }


def payment_json(view: PaymentView, data: PaymentStatementData) -> dict[str, Any]:
    """The DEMONSTRATIVO_PAGAMENTO's figures: protocols and guides paid, deductions, net."""
    return {
        "numero": view.number,
        "data_pagamento": data.paid_on.isoformat(),
        "valor_informado": _money(data.informed),
        "valor_processado": _money(data.processed),
        "valor_glosa": _money(data.glosa),
        "valor_liberado": _money(data.released),
        "valor_descontos": _money(data.debits - data.credits),
        "valor_liquido": _money(data.net),
        "banco": data.bank, "agencia": data.agency, "conta": data.account,
        "descontos": [{"tipo": d.kind, "descricao": d.description, "indicador": d.indicator, "valor": _money(d.value)}
                      for d in data.deductions],
        "protocolos": [{
            "protocolo": p.protocol_number,
            "lote": p.lot_number,
            "data_protocolo": p.protocol_date.isoformat(),
            "valor_informado": _money(p.informed),
            "valor_processado": _money(p.processed),
            "valor_glosa": _money(p.glosa),
            "valor_liberado": _money(p.released),
            "guias": [{
                "numero_guia_prestador": g.provider_guide_number,
                "numero_guia_operadora": g.operator_guide_number,
                "senha": g.password,
                "tipo_pagamento": g.kind,
                "valor_processado": _money(g.processed),
                "valor_glosa": _money(g.glosa),
                "valor_liberado": _money(g.released),
            } for g in p.guides],
        } for p in data.protocols],
    }


def _protocols(db: Session, actor: Actor, request: Request) -> dict[str, Any]:
    found = protocol_status.provider_protocols(db, actor, limit=_int_param(request, "limite", 50))
    return {"protocolos": [status_json(p, with_guides=False) for p in found]}


def _protocol(db: Session, actor: Actor, request: Request) -> dict[str, Any]:
    return status_json(protocol_status.protocol_status(db, actor, request.path_params["numero"]))


def _lot(db: Session, actor: Actor, request: Request) -> dict[str, Any]:
    return status_json(protocol_status.protocol_status_for_lot(db, actor, request.path_params["numero"]))


def _analysis(db: Session, actor: Actor, request: Request) -> dict[str, Any] | tuple[str, bytes]:
    number = request.path_params["numero"]
    if _as_xml(request):
        return api_reads.analysis_xml(db, actor, number)
    return analysis_json(api_reads.analysis(db, actor, number))


def _payments(db: Session, actor: Actor, request: Request) -> dict[str, Any]:
    page = api_reads.payment_list(db, actor, page=_int_param(request, "pagina", 1))
    return {"pagina": page.page, "paginas": page.page_count, "total": page.total, "pagamentos": [{
        "numero": r.number, "data_pagamento": r.paid_on.isoformat(), "quantidade_lotes": r.batch_count,
        "valor_bruto": _money(r.gross), "valor_glosa": _money(r.glosa), "valor_liberado": _money(r.approved),
        "valor_recursos": _money(r.appeals_value), "valor_retencoes": _money(r.withholding_value),
        "valor_liquido": _money(r.net),
    } for r in page.rows]}


def _payment(db: Session, actor: Actor, request: Request) -> dict[str, Any] | tuple[str, bytes]:
    number = request.path_params["numero"]
    if _as_xml(request):
        return api_reads.payment_xml(db, actor, number)
    return payment_json(*api_reads.payment(db, actor, number))


# Path template → handler of each read; the template is also the service name in the audit row.
READS = {
    "/api/tiss/protocolos": _protocols,
    "/api/tiss/protocolos/{numero}": _protocol,
    "/api/tiss/lotes/{numero}": _lot,
    "/api/tiss/protocolos/{numero}/demonstrativo": _analysis,
    "/api/tiss/pagamentos": _payments,
    "/api/tiss/pagamentos/{numero}/demonstrativo": _payment,
}


async def openapi(_request: Request) -> Response:
    return JSONResponse(openapi_document())


def api_app() -> Starlette:
    routes = [Route("/api/tiss/lotes", post_lot, methods=["POST"])]
    routes += [Route(path, _read(f"GET {path}", handler), methods=["GET"]) for path, handler in READS.items()]
    routes.append(Route("/api/openapi.json", openapi, methods=["GET"]))
    # The TISS SOAP web services (copass_app/webservices, the SOAP helper's) beside the REST API, under /tiss/4.03.00/.
    from copass_app.webservices import soap_routes

    routes += soap_routes()
    return Starlette(routes=routes, exception_handlers={DomainError: _unavailable})


async def _unavailable(_request: Request, error: DomainError) -> Response:
    """A refusal no route answered: the database busy or refusing connections (`perform`'s BUSY), told in
    Portuguese as 503 with Retry-After (the caller's system sends again), not as a bare 500."""
    if error.message == BUSY:
        return PlainTextResponse(error.message, status_code=503, headers={"Retry-After": "5"})
    return PlainTextResponse(error.message, status_code=500)
