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

from copass_app.db import session_scope
from copass_app.services import api_tokens, xml_lots
from copass_app.tiss.parsing import max_xml_bytes

XML_MEDIA_TYPE = "application/xml; charset=ISO-8859-1"


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _actor_for(token: str):  # noqa: ANN202
    with session_scope() as db:
        return api_tokens.actor_for_api_token(db, token)


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


async def post_lot(request: Request) -> Response:
    actor = await run_in_threadpool(_actor_for, _bearer(request))
    if actor is None:
        return PlainTextResponse("Token de API ausente, inválido ou revogado.", status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="copass"'})
    limit = max_xml_bytes()
    data = await _read_body(request, limit)
    if data is None:
        return PlainTextResponse(f"Arquivo excede o limite de {limit // 1_000_000} MB.", status_code=413)
    file_name = request.query_params.get("arquivo") or request.headers.get("x-file-name") or "lote-api.xml"
    outcome = await run_in_threadpool(xml_lots.receive_lot, actor, file_name, data, via="API")
    headers = {"X-Copass-Envio": str(outcome.upload_id)}
    if outcome.protocol_number:
        headers["X-Copass-Protocolo"] = outcome.protocol_number
    return Response(outcome.response_xml, status_code=200 if outcome.accepted else 422,
                    media_type=XML_MEDIA_TYPE, headers=headers)


def api_app() -> Starlette:
    return Starlette(routes=[Route("/api/tiss/lotes", post_lot, methods=["POST"])])
