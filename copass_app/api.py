"""HTTP endpoint for providers' own software: POST /api/tiss/lotes with a TISS XML lot as the body.

Authorization: Bearer <API token created in the portal>. Answers the TISS PROTOCOLO_RECEBIMENTO
message: 200 with the protocol, 422 with the errors, 401 without a valid token, 413 past the size limit,
429 (a TISS mensagemErro, and Retry-After) past the token's requests per minute.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from copass_app import clock
from copass_app.formatting import size_over_limit
from copass_app.services import api_tokens, xml_lots
from copass_app.services.api_tokens import ApiAccess
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.messages import ReceiptParty, build_lot_refusal
from copass_app.tiss.model import LotIssue
from copass_app.tiss.parsing import max_xml_bytes

XML_MEDIA_TYPE = "application/xml; charset=ISO-8859-1"


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _access_for(token: str, source: str) -> ApiAccess:
    # Its own unit of work: the request's count, last use and any refusal's audit row stay whatever follows.
    return perform(lambda db: api_tokens.authorize_request(db, token, source=source))


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


async def post_lot(request: Request) -> Response:
    access = await run_in_threadpool(_access_for, _bearer(request), request.client.host if request.client else "")
    if access.status == 429:
        return _too_many_requests(access)
    actor = access.actor
    if actor is None:
        return PlainTextResponse(api_tokens.UNAUTHORIZED, status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="copass"'})
    limit = max_xml_bytes()
    data, size = await _read_body(request, limit)
    if data is None:
        return PlainTextResponse(size_over_limit(size, limit), status_code=413)
    file_name = request.query_params.get("arquivo") or request.headers.get("x-file-name") or "lote-api.xml"
    # Accepted or refused, perform returns the outcome: a refusal keeps its upload record (TracedRefusal).
    outcome = await run_in_threadpool(perform, lambda db: xml_lots.receive_lot(db, actor, file_name, data, via="API"))
    headers = {"X-Copass-Envio": str(outcome.upload_id)}
    if outcome.protocol_number:
        headers["X-Copass-Protocolo"] = outcome.protocol_number
    return Response(outcome.response_xml, status_code=200 if outcome.accepted else 422,
                    media_type=XML_MEDIA_TYPE, headers=headers)


def api_app() -> Starlette:
    return Starlette(routes=[Route("/api/tiss/lotes", post_lot, methods=["POST"])])
