"""tissSolicitacaoStatusProtocolo: SOLIC_STATUS_PROTOCOLO → SITUACAO_PROTOCOLO.

The protocol's status (dm_statusProtocolo) with each of its guides: values informed, glosa and
released once analysed, the glosa codes. Another provider's protocol is answered like a missing one
(3291), by services/protocol_status.
"""

from __future__ import annotations

from lxml import etree

from copass_app import clock
from copass_app.models import GuideType
from copass_app.services import protocol_status
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.messages.xml import CONTRATADO, el, opt, provider_id
from copass_app.tiss.model import LotIssue
from copass_app.webservices.endpoint import Answer, Call, Service, refused, request_issues, request_text
from copass_app.webservices.envelope import Shape, finish_message, operator_message

NAME = "tissSolicitacaoStatusProtocolo"
SHAPE = Shape(request="solicitacaoStatusProtocoloWS", request_body="solicitacaoStatusProtocolo",
              message_request="solicitacaoStatusProtocolo", reply="situacaoProtocoloWS",
              reply_body="situacaoProtocolo", message_reply="situacaoProtocolo",
              transaction="SOLIC_STATUS_PROTOCOLO", reply_transaction="SITUACAO_PROTOCOLO")


def handle(call: Call) -> Answer:
    issues = request_issues(call, SHAPE)
    if issues:
        return refused(call, SHAPE, issues)
    number = request_text(call, "solicitacaoStatusProtocolo/numeroProtocolo")
    try:
        status = perform(lambda db: protocol_status.protocol_status(db, call.actor, number))
    except DomainError as error:
        return refused(call, SHAPE, [LotIssue(error.message, code=error.code or codes.PROTOCOL_NOT_FOUND)])
    return Answer(situation_message(call, status), f"ok — protocolo {status.protocol_number}: {status.status_label}")


def _values(parent: etree._Element, name: str, informed, glosa, released) -> None:
    values = el(parent, name)
    el(values, "valorProcessado", informed)
    el(values, "valorGlosa", glosa)
    el(values, "valorLiberado", released)


def situation_message(call: Call, status: protocol_status.ProtocolStatus) -> bytes:
    root, body = operator_message(SHAPE.reply_transaction, call.party, clock.local_now())
    situation = el(el(body, "situacaoProtocolo"), "situacaoDoProtocolo")
    el(situation, "identificacaoOperadora", call.party.registro_ans)
    provider_id(el(situation, "dadosPrestador"), call.party.provider_code, None, None, CONTRATADO)
    lot = el(el(situation, "lote"), "detalheLote")
    el(lot, "statusProtocolo", status.tiss_status)
    el(lot, "numeroProtocolo", status.protocol_number)
    el(lot, "numeroLote", status.lot_number)
    el(lot, "dataEnvioLote", status.sent_on)
    _values(lot, "valorTotalLote", status.total_value, status.glosa_value,
            status.approved_value if status.analysed else 0)
    guides = el(lot, "guiasTISS")
    odonto = status.guide_type == GuideType.ODONTO
    for guide in status.guides:
        data = el(el(guides, "guiasOdonto" if odonto else "guiasMedicas"), "guias")
        el(data, "numeroGuiaPrestador", guide.guide_number)
        opt(data, "numeroGuiaOperadora", guide.operator_guide_number or None)
        # 4.03.00 left the beneficiary's name out of ct_guiaDados (commented out in the XSD): the card only.
        if odonto:
            el(data, "numeroCarteira", guide.card_number)
            el(data, "atendimentoRN", "N")
        else:
            beneficiary = el(data, "dadosBeneficiario")
            el(beneficiary, "numeroCarteira", guide.card_number)
            el(beneficiary, "atendimentoRN", "N")
            el(data, "dataRealizacao", guide.performed_on)
        _values(data, "vlInformadoGuia", guide.total_value, guide.glosa_value, guide.approved_value or 0)
        if guide.glosa_codes:
            glosas = el(data, "glosaGuia")
            for code in dict.fromkeys(guide.glosa_codes):
                reason = el(glosas, "motivoGlosa")
                el(reason, "codigoGlosa", code)
                el(reason, "descricaoGlosa", codes.describe(code)[:500])
    return finish_message(root)


SERVICE = Service(NAME, SHAPE, handle)
