"""tissCancelaGuia: CANCELA_GUIA → CANCELAMENTO_GUIA_RECIBO.

A cancellation is the estorno of the Acompanhamento page (services/transitions "batch.reverse"): only
while the operator has not processed the lot, and its guides become billable again. The reply gives
each lot or guide its dm_statusCancelamento (1 cancelado, 2 não cancelado, 3 guia inexistente,
4 em processamento, 5 lote inexistente, 6 protocolo inexistente).
"""

from __future__ import annotations

from copass_app import clock
from copass_app.services import protocol_status
from copass_app.services.protocol_status import Cancellation, GuideRef
from copass_app.services.unit_of_work import perform
from copass_app.tiss.messages.xml import CONTRATADO, el, opt, provider_id
from copass_app.webservices.endpoint import Answer, Call, Service, refused, request_issues
from copass_app.webservices.envelope import Shape, finish_message, operator_message

NAME = "tissCancelaGuia"
SHAPE = Shape(request="cancelaGuiaWS", request_body="cancelaGuia", message_request="cancelaGuia",
              reply="reciboCancelaGuiaWS", reply_body="reciboCancelaGuia", message_reply="reciboCancelaGuia",
              transaction="CANCELA_GUIA", reply_transaction="CANCELAMENTO_GUIA_RECIBO")


def _text(element, name: str) -> str:
    return (element.findtext("{*}" + name) or "").strip()


def handle(call: Call) -> Answer:
    issues = request_issues(call, SHAPE)
    if issues:
        return refused(call, SHAPE, issues)
    kind = call.request.find("{*}cancelaGuia/{*}tipoCancelamento")
    lot = kind.find("{*}tipoCancelamentoLote")
    if lot is not None:
        result = perform(lambda db: protocol_status.cancel_lot(
            db, call.actor, _text(lot, "numeroLote"), _text(lot, "numeroProtocolo")))
        return Answer(receipt_message(call, [result], lot=True), _result([result]))
    refs = [GuideRef(_text(g, "tipoGuia"), _text(g, "numeroGuiaPrestador"), _text(g, "numeroGuiaOperadora"),
                     _text(g, "numeroProtocolo")) for g in kind.findall("{*}tipoCancelamentoGuia")]
    results = perform(lambda db: protocol_status.cancel_guides(db, call.actor, refs))
    return Answer(receipt_message(call, results, lot=False), _result(results))


def _result(results: list[Cancellation]) -> str:
    done = sum(1 for r in results if r.cancelled)
    if done == len(results):
        return "cancelado — " + ", ".join(dict.fromkeys(f"lote {r.lot_number}" for r in results))
    return f"não cancelado — situação {', '.join(dict.fromkeys(r.status for r in results if not r.cancelled))}"


def receipt_message(call: Call, results: list[Cancellation], *, lot: bool) -> bytes:
    root, body = operator_message(SHAPE.reply_transaction, call.party, clock.local_now())
    receipt = el(el(body, "reciboCancelaGuia"), "reciboCancelaGuia")
    el(receipt, "registroANS", call.party.registro_ans)
    provider_id(el(receipt, "dadosPrestador"), call.party.provider_code, None, None, CONTRATADO)
    status = el(receipt, "retornoStatus")
    if lot:
        (result,) = results
        cancelled = el(status, "loteCancelado")
        el(cancelled, "numeroLote", result.lot_number)
        opt(cancelled, "numeroprotocolo", result.protocol_number or None)
        el(cancelled, "statusCancelamento", result.status)
    else:
        guides = el(status, "guiasCanceladas")
        for result in results:
            data = el(guides, "dadosGuia")
            el(data, "tipoGuia", result.ref.guide_type)
            el(data, "numeroGuiaPrestador", result.ref.guide_number)
            opt(data, "numeroGuiaOperadora", result.ref.operator_guide_number or None)
            opt(data, "numeroProtocolo", result.protocol_number or None)
            el(data, "statusCancelamento", result.status)
    return finish_message(root)


SERVICE = Service(NAME, SHAPE, handle)
