"""HTTP endpoint for providers' own software: POST /api/tiss/lotes with a TISS XML lot as the body.

Authorization: Bearer <API token created in the portal>. Answers the TISS PROTOCOLO_RECEBIMENTO
message: 200 with the protocol, 422 with the errors, 401 without a valid token, 413 past the size limit.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from copass_app.formatting import size_over_limit
from copass_app.services import api_tokens, xml_lots
from copass_app.services.access import Actor
from copass_app.services.unit_of_work import perform
from copass_app.tiss.parsing import max_xml_bytes

XML_MEDIA_TYPE = "application/xml; charset=ISO-8859-1"


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _actor_for(token: str) -> Actor | None:
    return perform(lambda db: api_tokens.actor_for_api_token(db, token))  # records the token's last use


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
    actor = await run_in_threadpool(_actor_for, _bearer(request))
    if actor is None:
        return PlainTextResponse("Token de API ausente, inválido ou revogado.", status_code=401,
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
