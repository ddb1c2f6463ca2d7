"""tissRecursoGlosa: RECURSO_GLOSA → RECEBIMENTO_RECURSO_GLOSA, as an uploaded appeal file.

services/appeal_lots.receive_appeal_xml checks it (schema, hash, sender, the provider's own analysed
protocol, each contested glosa) and opens the appeals; the reply is its receipt or its errors.
"""

from __future__ import annotations

from copass_app.services import appeal_lots
from copass_app.services.unit_of_work import perform
from copass_app.webservices.endpoint import Answer, Call, Service, refusal_result
from copass_app.webservices.envelope import Shape

NAME = "tissRecursoGlosa"
SHAPE = Shape(request="loteRecursoGlosaWS", request_body="loteRecurso", message_request="recursoGlosa",
              reply="protocoloRecebimentoRecursoWS", reply_body="recebimentoRecurso",
              message_reply="recebimentoRecursoGlosa", transaction="RECURSO_GLOSA",
              reply_transaction="RECEBIMENTO_RECURSO_GLOSA")


def handle(call: Call) -> Answer:
    protocol = call.request.findtext(".//{*}numeroProtocolo") or ""
    file_name = f"recurso-{protocol.strip()[:12] or 'soap'}-soap.xml"
    outcome = perform(lambda db: appeal_lots.receive_appeal_xml(db, call.actor, file_name, call.message))
    result = (f"aceito — protocolo do recurso {outcome.appeal_protocol_number}" if outcome.accepted
              else refusal_result(outcome.errors))
    return Answer(outcome.response_xml, result)


SERVICE = Service(NAME, SHAPE, handle)
