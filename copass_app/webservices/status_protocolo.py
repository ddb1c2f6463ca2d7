"""tissSolicitacaoStatusProtocolo: SOLIC_STATUS_PROTOCOLO → SITUACAO_PROTOCOLO.

The protocol's status (dm_statusProtocolo) with each of its guides: values informed, glosa and
released once analysed, the glosa codes. Another provider's protocol is answered like a missing one
(3291), by services/protocol_status.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from decimal import Decimal

from lxml import etree
from sqlmodel import Session

from copass_app import clock
from copass_app.models import GuideType
from copass_app.services import protocol_status
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from copass_app.tiss import codes
from copass_app.tiss.messages.xml import CONTRATADO, as_text, el, provider_id
from copass_app.tiss.model import LotIssue
from copass_app.tiss.schema import TISS_NS
from copass_app.webservices.endpoint import Answer, Call, Service, refused, request_issues, request_text
from copass_app.webservices.envelope import Shape, finish_message, operator_message

_A = f"{{{TISS_NS}}}"
_GUIAS, _NUMBER, _OPERATOR_NUMBER = _A + "guias", _A + "numeroGuiaPrestador", _A + "numeroGuiaOperadora"
_BENEFICIARY, _CARD, _NEWBORN = _A + "dadosBeneficiario", _A + "numeroCarteira", _A + "atendimentoRN"
_PERFORMED, _INFORMED = _A + "dataRealizacao", _A + "vlInformadoGuia"
_PROCESSED, _GLOSA, _RELEASED = _A + "valorProcessado", _A + "valorGlosa", _A + "valorLiberado"
ZERO = Decimal("0.00")

NAME = "tissSolicitacaoStatusProtocolo"
SHAPE = Shape(request="solicitacaoStatusProtocoloWS", request_body="solicitacaoStatusProtocolo",
              message_request="solicitacaoStatusProtocolo", reply="situacaoProtocoloWS",
              reply_body="situacaoProtocolo", message_reply="situacaoProtocolo",
              transaction="SOLIC_STATUS_PROTOCOLO", reply_transaction="SITUACAO_PROTOCOLO")


def read(db: Session, call: Call) -> Answer:
    """The answer, in the caller's unit of work (the endpoint's, with the token's check and the call's row)."""
    issues = request_issues(call, SHAPE)
    if issues:
        return refused(call, SHAPE, issues)
    number = request_text(call, "solicitacaoStatusProtocolo/numeroProtocolo")
    try:
        summary = protocol_status.protocol_summary(db, call.actor, number)  # owner-checked, one query
    except DomainError as error:
        return refused(call, SHAPE, [LotIssue(error.message, code=error.code or codes.PROTOCOL_NOT_FOUND)])
    cached = _answers.get((summary.version, call.party))
    status = summary if cached else protocol_status.protocol_status(db, call.actor, number)
    result = f"ok — protocolo {status.protocol_number}: {status.status_label}"
    call.record(db, result)
    return Answer(situation_message(call, status, cached), result, recorded=True)


def handle(call: Call) -> Answer:
    return perform(lambda db: read(db, call))


class _Answers:
    """The last situacaoDoProtocolo written for each protocol version, in this worker (software polls a
    protocol's status over and over; the 100 guides' part is only rebuilt when the protocol changed)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_answers = _Answers()


def _values(parent: etree._Element, name: str, informed, glosa, released) -> None:
    values = el(parent, name)
    el(values, "valorProcessado", informed)
    el(values, "valorGlosa", glosa)
    el(values, "valorLiberado", released)


def situation_message(call: Call, status: protocol_status.ProtocolStatus,
                      cached: bytes | None = None) -> etree._Element:
    root, body = operator_message(SHAPE.reply_transaction, call.party, clock.local_now())
    holder = el(body, "situacaoProtocolo")
    if cached is not None:
        holder.append(etree.fromstring(cached))
        return finish_message(root)
    situation = el(holder, "situacaoDoProtocolo")
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
    group, sub = _A + ("guiasOdonto" if odonto else "guiasMedicas"), etree.SubElement
    for guide in status.guides:  # ~11 elements a guide, 100 guides: SubElement with ready tags and texts
        data = sub(sub(guides, group), _GUIAS)
        sub(data, _NUMBER).text = guide.guide_number
        if guide.operator_guide_number:
            sub(data, _OPERATOR_NUMBER).text = guide.operator_guide_number
        # 4.03.00 left the beneficiary's name out of ct_guiaDados (commented out in the XSD): the card only.
        beneficiary = data if odonto else sub(data, _BENEFICIARY)
        sub(beneficiary, _CARD).text = guide.card_number
        sub(beneficiary, _NEWBORN).text = "N"
        if not odonto:
            sub(data, _PERFORMED).text = guide.performed_on.isoformat()
        values = sub(data, _INFORMED)
        sub(values, _PROCESSED).text = as_text(guide.total_value)
        sub(values, _GLOSA).text = as_text(guide.glosa_value)
        sub(values, _RELEASED).text = as_text(guide.approved_value or ZERO)
        if guide.glosa_codes:
            glosas = el(data, "glosaGuia")
            for code in dict.fromkeys(guide.glosa_codes):
                reason = el(glosas, "motivoGlosa")
                el(reason, "codigoGlosa", code)
                el(reason, "descricaoGlosa", codes.describe(code)[:500])
    _answers.put((status.version, call.party), etree.tostring(situation))
    return finish_message(root)


SERVICE = Service(NAME, SHAPE, handle, read)
