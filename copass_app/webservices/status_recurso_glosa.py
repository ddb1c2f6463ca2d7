"""tissSolicitacaoStatusRecursoGlosa: SOLIC_STATUS_RECURSO_GLOSA → RESPOSTA_RECURSO_GLOSA (reciboGlosaStatus).

The appeal protocol is the nrProtocoloRecursoGlosa the RECEBIMENTO_RECURSO_GLOSA gave; its situation
comes from services/protocol_status.appeal_status (another provider's is answered like a missing one).
"""

from __future__ import annotations

from copass_app import clock
from copass_app.services import protocol_status
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.messages.xml import CONTRATADO, el, provider_id
from copass_app.tiss.model import LotIssue
from copass_app.webservices.endpoint import Answer, Call, Service, refused, request_issues, request_text
from copass_app.webservices.envelope import Shape, finish_message, operator_message

NAME = "tissSolicitacaoStatusRecursoGlosa"
SHAPE = Shape(request="solicitacaoStatusRecursoGlosaWS", request_body="solicitacaoStatusProtocoloRecurso",
              message_request="solicitacaoStatusRecursoGlosa", reply="situacaoProtocoloRecursoWS",
              reply_body="situacaoProtocoloRecurso", message_reply="respostaRecursoGlosa",
              transaction="SOLIC_STATUS_RECURSO_GLOSA", reply_transaction="RESPOSTA_RECURSO_GLOSA")


def handle(call: Call) -> Answer:
    issues = request_issues(call, SHAPE)
    if issues:
        return refused(call, SHAPE, issues)
    number = request_text(call, "solicitacaoStatusProtocoloRecurso/numeroProtocolo")
    try:
        status = perform(lambda db: protocol_status.appeal_status(db, call.actor, number))
    except DomainError as error:
        return refused(call, SHAPE, [LotIssue(error.message, code=error.code or codes.PROTOCOL_NOT_FOUND)])
    root, body = operator_message(SHAPE.reply_transaction, call.party, clock.local_now())
    receipt = el(el(body, "respostaRecursoGlosa"), "reciboGlosaStatus")
    el(receipt, "nrProtocoloRecursoGlosa", status.appeal_protocol_number)
    el(receipt, "dataEnvioRecurso", status.sent_on)
    el(receipt, "dataRecebimentoRecurso", status.sent_on)
    el(receipt, "numeroLote", status.lot_number)
    el(receipt, "registroANS", call.party.registro_ans)
    provider_id(el(receipt, "dadosPrestador"), call.party.provider_code, None, None, CONTRATADO)
    el(receipt, "nrProtocoloSituacaoRecursoGlosa", status.appeal_protocol_number)
    el(receipt, "dataSituacao", status.situation_on)
    el(receipt, "situacaoProtocolo", status.status)
    return Answer(finish_message(root), f"ok — recurso {status.appeal_protocol_number}: {status.status_label}")


SERVICE = Service(NAME, SHAPE, handle)
