"""Recurso de glosa in TISS: the provider's RECURSO_GLOSA (prestadorParaOperadora/recursoGlosa,
ctm_recursoGlosa) and the operator's reply RECEBIMENTO_RECURSO_GLOSA (ct_recebimentoRecurso: the
receipt of the appeal, or mensagemErro when the file was refused).

The portal appeals item by item (its glosas are per item): objetoRecurso 2 (recurso de guia),
each guide with itensGuia. Plain data in, bytes out, valid against the XSD, with the epilogo hash.
Reading an uploaded RECURSO_GLOSA is `appeal_reading.read_appeal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from copass_app.text import to_latin1
from copass_app.tiss import codes
from copass_app.tiss.messages.receipts import ReceiptParty, refusal_summary
from copass_app.tiss.messages.statements import procedure_data
from copass_app.tiss.messages.xml import CONTRATADO, el, hash_placeholder, message, opt, provider_id, serialize
from copass_app.tiss.model import LotIssue
from copass_app.tiss.schema import TISS_VERSION

ZERO = Decimal("0.00")
GUIDE_APPEAL = "2"  # dm_objetoRecurso: 1 recurso de protocolo, 2 recurso de guia
MAX_GUIDES = 100  # recursoGuia / guiasRecurso maxOccurs
MAX_JUSTIFICATION = 500  # st_texto500


@dataclass(frozen=True)
class AppealedItem:
    """One contested item: where it sits in its guide, its procedure, the glosa and the value contested."""

    sequence: int
    performed_on: date
    table: str
    code: str
    description: str
    glosa_code: str
    value: Decimal  # valorRecursado
    justification: str


@dataclass(frozen=True)
class AppealedGuide:
    provider_guide_number: str
    items: tuple[AppealedItem, ...]
    operator_guide_number: str | None = None
    password: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((item.value for item in self.items), ZERO)


def appealed_total(guides: Sequence[AppealedGuide]) -> Decimal:
    return sum((guide.total for guide in guides), ZERO)


@dataclass(frozen=True)
class AppealSpec:
    """A RECURSO_GLOSA of one protocol, as the provider sends it."""

    party: ReceiptParty  # the operator's registro ANS and the provider's identifier
    operator_name: str
    provider_appeal_number: str  # numeroGuiaRecGlosaPrestador (st_texto20)
    lot_number: str
    protocol_number: str  # the appealed protocol (st_numerico12)
    appealed_on: date  # dataRecurso
    sent_at: datetime  # Brasília wall-clock time of the header
    guides: tuple[AppealedGuide, ...]


def _check_guides(guides: Sequence[AppealedGuide]) -> None:
    if not guides or any(not guide.items for guide in guides):
        raise ValueError("O recurso de glosa lista ao menos uma guia, cada uma com ao menos um item.")
    if len(guides) > MAX_GUIDES:
        raise ValueError(f"Um recurso de glosa lista no máximo {MAX_GUIDES} guias.")


def _justification(text: str) -> str:
    return to_latin1(" ".join((text or "").split()))[:MAX_JUSTIFICATION] or "-"


def _items(parent: etree._Element, guide: AppealedGuide) -> None:
    choice = el(parent, "opcaoRecursoGuia")
    for item in guide.items:
        line = el(choice, "itensGuia")
        el(line, "sequencialItem", item.sequence)
        el(line, "dataInicio", item.performed_on)
        procedure_data(line, "procRecurso", item.table, item.code, item.description)
        el(line, "codGlosaItem", item.glosa_code)
        el(line, "valorRecursado", item.value)
        el(line, "justificativaItem", _justification(item.justification))


def build_appeal(spec: AppealSpec, *, sequence: str = "1", encoding: str = "ISO-8859-1",
                 pretty: bool = False) -> bytes:
    """RECURSO_GLOSA: provider → operator, one protocol, guide and item level."""
    _check_guides(spec.guides)
    party = spec.party
    root, header = message("RECURSO_GLOSA", sequence, spec.sent_at)
    provider_id(el(el(header, "origem"), "identificacaoPrestador"),
                party.provider_code, party.provider_cnpj, party.provider_cpf)
    el(el(header, "destino"), "registroANS", party.registro_ans)
    el(header, "Padrao", TISS_VERSION)
    appeal = el(el(el(root, "prestadorParaOperadora"), "recursoGlosa"), "guiaRecursoGlosa")
    el(appeal, "registroANS", party.registro_ans)
    el(appeal, "numeroGuiaRecGlosaPrestador", spec.provider_appeal_number)
    el(appeal, "nomeOperadora", to_latin1(spec.operator_name)[:70])
    el(appeal, "objetoRecurso", GUIDE_APPEAL)
    provider_id(el(appeal, "dadosContratado"), party.provider_code, party.provider_cnpj, party.provider_cpf,
                CONTRATADO)
    el(appeal, "numeroLote", spec.lot_number)
    el(appeal, "numeroProtocolo", spec.protocol_number)
    option = el(appeal, "opcaoRecurso")
    for guide in spec.guides:
        listed = el(option, "recursoGuia")
        el(listed, "numeroGuiaOrigem", guide.provider_guide_number)
        opt(listed, "numeroGuiaOperadora", guide.operator_guide_number or None)
        opt(listed, "senha", guide.password or None)
        _items(listed, guide)
    el(appeal, "valorTotalRecursado", appealed_total(spec.guides))
    el(appeal, "dataRecurso", spec.appealed_on)
    hash_placeholder(root)
    return serialize(root, encoding, pretty)


@dataclass(frozen=True)
class AppealReceiptSpec:
    """RECEBIMENTO_RECURSO_GLOSA / protocoloRecebimento: what the operator received."""

    party: ReceiptParty
    appeal_protocol_number: str  # nrProtocoloRecursoGlosa (st_texto12)
    sent_on: date  # dataEnvioRecurso
    received_on: date  # dataRecebimentoRecurso
    lot_number: str
    appealed_protocol_number: str  # nrProtocoloRecursado
    received_at: datetime  # Brasília wall-clock time of the header
    guides: tuple[AppealedGuide, ...]
    observation: str | None = None


def _operator_message(party: ReceiptParty, sequence: str, at: datetime) -> tuple[etree._Element, etree._Element]:
    root, header = message("RECEBIMENTO_RECURSO_GLOSA", sequence, at)
    el(el(header, "origem"), "registroANS", party.registro_ans)
    provider_id(el(el(header, "destino"), "identificacaoPrestador"),
                party.provider_code, party.provider_cnpj, party.provider_cpf)
    el(header, "Padrao", TISS_VERSION)
    return root, el(el(root, "operadoraParaPrestador"), "recebimentoRecursoGlosa")


def build_appeal_receipt(spec: AppealReceiptSpec, *, sequence: str = "1", encoding: str = "ISO-8859-1",
                         pretty: bool = False) -> bytes:
    _check_guides(spec.guides)
    party = spec.party
    root, received = _operator_message(party, sequence, spec.received_at)
    receipt = el(received, "protocoloRecebimento")
    el(receipt, "nrProtocoloRecursoGlosa", spec.appeal_protocol_number)
    el(receipt, "dataEnvioRecurso", spec.sent_on)
    el(receipt, "dataRecebimentoRecurso", spec.received_on)
    el(receipt, "numeroLote", spec.lot_number)
    el(receipt, "registroANS", party.registro_ans)
    provider_id(el(receipt, "dadosPrestador"), party.provider_code, party.provider_cnpj, party.provider_cpf,
                CONTRATADO)
    el(receipt, "nrProtocoloRecursado", spec.appealed_protocol_number)
    el(receipt, "qtGuiasRecurso", len(spec.guides))
    for guide in spec.guides:
        listed = el(receipt, "guiasRecurso")
        el(listed, "numeroGuiaOrigem", guide.provider_guide_number)
        opt(listed, "numeroGuiaOperadora", guide.operator_guide_number or None)
        opt(listed, "senha", guide.password or None)
        _items(listed, guide)
    opt(receipt, "observacao", _justification(spec.observation) if spec.observation else None)
    el(receipt, "valorTotalRecursado", appealed_total(spec.guides))
    hash_placeholder(root)
    return serialize(root, encoding, pretty)


def build_appeal_refusal(party: ReceiptParty, errors: Sequence[LotIssue], *, refused_at: datetime,
                         sequence: str = "1", encoding: str = "ISO-8859-1", pretty: bool = False) -> bytes:
    """RECEBIMENTO_RECURSO_GLOSA / mensagemErro: the first known error's code, all errors summarised."""
    root, received = _operator_message(party, sequence, refused_at)
    error = el(received, "mensagemErro")
    el(error, "codigoGlosa", next((e.code for e in errors if e.code and codes.is_known(e.code)),
                                  codes.CANNOT_VALIDATE))
    el(error, "descricaoGlosa", refusal_summary(errors, title="Recurso de glosa recusado"))
    hash_placeholder(root)
    return serialize(root, encoding, pretty)
