"""tissLoteGuias: ENVIO_LOTE_GUIAS → PROTOCOLO_RECEBIMENTO, the same checks 1–6 as the upload page.

The lot is received by services/xml_lots.receive_lot exactly as an uploaded file (its upload
record says SOAP): accepted, the reply carries the protocol; refused, the TISS codes.
"""

from __future__ import annotations

from copass_app.services import xml_lots
from copass_app.services.unit_of_work import perform
from copass_app.webservices.endpoint import Answer, Call, Service, refusal_result
from copass_app.webservices.envelope import Shape

NAME = "tissLoteGuias"
SHAPE = Shape(request="loteGuiasWS", request_body="loteGuias", message_request="loteGuias",
              reply="protocoloRecebimentoWS", reply_body="recebimentoLote", message_reply="recebimentoLote",
              transaction="ENVIO_LOTE_GUIAS", reply_transaction="PROTOCOLO_RECEBIMENTO")
VIA = "SOAP"


def handle(call: Call) -> Answer:
    lot_number = call.request.findtext("{*}loteGuias/{*}numeroLote") or ""
    file_name = f"lote-{lot_number.strip()[:12] or 'soap'}-soap.xml"
    outcome = perform(lambda db: xml_lots.receive_lot(db, call.actor, file_name, call.message, via=VIA))
    result = (f"aceito — protocolo {outcome.protocol_number}" if outcome.accepted
              else refusal_result(outcome.errors))
    return Answer(outcome.response_xml, result)


SERVICE = Service(NAME, SHAPE, handle)
