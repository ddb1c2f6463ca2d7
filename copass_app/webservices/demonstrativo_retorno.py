"""tissSolicitacaoDemonstrativoRetorno: SOLIC_DEMONSTRATIVO_RETORNO → DEMONSTRATIVO_ANALISE_CONTA or
DEMONSTRATIVO_PAGAMENTO, the same files the provider downloads (services/statements, owner-checked and
audited as downloads).

demonstrativoAnalise names up to 30 protocols: one demonstrativoAnaliseConta each, once analysed; a
protocol still in analysis is answered with situacaoDemonstrativoRetorno (its dm_statusProtocolo).
demonstrativoPagamento names a payment date or a competência: the provider's latest payment in it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from lxml import etree

from copass_app import clock
from copass_app.services import protocol_status, statements
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.hash import set_hash
from copass_app.tiss.messages.xml import CONTRATADO, el, provider_id
from copass_app.tiss.model import LotIssue
from copass_app.tiss.schema import TISS_NS
from copass_app.webservices.endpoint import Answer, Call, Service, refused, request_issues
from copass_app.webservices.envelope import Shape, finish_message, operator_message

NAME = "tissSolicitacaoDemonstrativoRetorno"
SHAPE = Shape(request="solicitacaoDemonstrativoRetornoWS", request_body="solicitacaoDemonstrativoRetorno",
              message_request="solicitacaoDemonstrativoRetorno", reply="demonstrativoRetornoWS",
              reply_body="demonstrativoRetorno", message_reply="demonstrativosRetorno",
              transaction="SOLIC_DEMONSTRATIVO_RETORNO", reply_transaction="DEMONSTRATIVO_ANALISE_CONTA")
PAYMENT_SHAPE = replace(SHAPE, reply_transaction="DEMONSTRATIVO_PAGAMENTO")
ANALYSIS_STATEMENT = "2"  # dm_tipoDemonstrativo: demonstrativo de análise da conta
_A = f"{{{TISS_NS}}}"


class _NotAnalysed(Exception):
    def __init__(self, status: protocol_status.ProtocolStatus) -> None:
        super().__init__(status.protocol_number)
        self.status = status


def handle(call: Call) -> Answer:
    issues = request_issues(call, SHAPE)
    if issues:
        return refused(call, SHAPE, issues)
    asked = call.request.find(f"{_A}solicitacaoDemonstrativoRetorno")
    analysis = asked.find(f"{_A}demonstrativoAnalise")
    if analysis is not None:
        numbers = [(n.text or "").strip() for n in analysis.iter(f"{_A}numeroProtocolo")]
        return _analysis(call, list(dict.fromkeys(numbers)))
    payment = asked.find(f"{_A}demonstrativoPagamento")
    return _payment(call, payment.findtext(f"{_A}periodo/{_A}dataPagamento"),
                    payment.findtext(f"{_A}periodo/{_A}competencia") or "")


def _analysis(call: Call, numbers: list[str]) -> Answer:
    def work(db) -> list[bytes]:
        found = [protocol_status.protocol_status(db, call.actor, number) for number in numbers]
        waiting = next((status for status in found if not status.analysed), None)
        if waiting is not None:
            raise _NotAnalysed(waiting)
        return [statements.analysis_statement(db, call.actor, status.batch_id)[1] for status in found]

    try:
        files = perform(work)
    except _NotAnalysed as pending:
        return Answer(_situation(call, pending.status),
                      f"em análise — protocolo {pending.status.protocol_number}: {pending.status.status_label}")
    except DomainError as error:
        return refused(call, SHAPE, [LotIssue(error.message, code=error.code or codes.PROTOCOL_NOT_FOUND)])
    return Answer(_merged(files), f"ok — demonstrativo de análise de {len(files)} protocolo(s)")


def _merged(files: list[bytes]) -> bytes:
    """One DEMONSTRATIVO_ANALISE_CONTA carrying each protocol's demonstrativoAnaliseConta (maxOccurs 30)."""
    if len(files) == 1:
        return files[0]
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(files[0], parser)
    returned = root.find(f"{_A}operadoraParaPrestador/{_A}demonstrativosRetorno")
    for data in files[1:]:
        returned.extend(etree.fromstring(data, parser).iterfind(
            f"{_A}operadoraParaPrestador/{_A}demonstrativosRetorno/{_A}demonstrativoAnaliseConta"))
    set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def _situation(call: Call, status: protocol_status.ProtocolStatus) -> bytes:
    root, body = operator_message(SHAPE.reply_transaction, call.party, clock.local_now())
    situation = el(el(body, "demonstrativosRetorno"), "situacaoDemonstrativoRetorno")
    el(situation, "identificacaoOperadora", call.party.registro_ans)
    provider_id(el(situation, "dadosPrestador"), call.party.provider_code, None, None, CONTRATADO)
    el(situation, "numeroProtocolo", status.protocol_number)
    el(situation, "protocoloSolicitacaoDemonstrativo", status.protocol_number)
    el(situation, "tipoDemonstrativo", ANALYSIS_STATEMENT)
    el(situation, "dataSituacaoDemonstrativo", clock.today())
    el(situation, "situacaoDemonstrativo", status.tiss_status)
    return finish_message(root)


def _payment(call: Call, paid_on: str | None, competence: str) -> Answer:
    def work(db) -> bytes:
        payment_id = protocol_status.payment_for_period(
            db, call.actor, paid_on=date.fromisoformat(paid_on.strip()) if paid_on else None, competence=competence)
        return statements.payment_statement(db, call.actor, payment_id)[1]

    try:
        data = perform(work)
    except DomainError as error:
        return refused(call, PAYMENT_SHAPE, [LotIssue(error.message, code=error.code or codes.STATEMENT_NOT_FOUND)])
    return Answer(data, "ok — demonstrativo de pagamento")


SERVICE = Service(NAME, SHAPE, handle)
