"""The demonstrativos the operator sends a provider (operadoraParaPrestador/demonstrativosRetorno):

- DEMONSTRATIVO_ANALISE_CONTA (ctm_demonstrativoAnaliseConta): an analysed protocol, guide by
  guide and item by item, informado / processado / liberado / glosa with each glosa's code;
- DEMONSTRATIVO_PAGAMENTO (ctm_demonstrativoPagamento): one payment (one date), its protocols,
  the withholdings as debits and the net.

Plain data in (frozen dataclasses, no database), bytes out, valid against the 4.03.00 XSD and with
the epilogo hash. Totals are summed here from the lines, so the message always adds up; the
service passes the lines exactly as the portal's screens show them.

The portal does not reprice what it received: the processed value of a line is the value
informed, and liberado = processado − glosa.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from copass_app.text import to_latin1
from copass_app.tiss.messages.lots import NO_CNES
from copass_app.tiss.messages.receipts import ReceiptParty
from copass_app.tiss.messages.xml import (
    CONTRATADO,
    el,
    hash_placeholder,
    message,
    opt,
    provider_id,
    quantity_text,
    serialize,
)
from copass_app.tiss.schema import TISS_VERSION

ZERO = Decimal("0.00")
BANK_TRANSFER = "1"  # dm_formaPagamento: depósito/transferência bancária
INITIAL = "1"  # dm_tipoPagamento: cobrança inicial
APPEAL = "2"  # dm_tipoPagamento: recurso de glosa
DEBIT, CREDIT = "1", "2"  # dm_debitoCreditoIndicador
MAX_GUIDES_PER_PROTOCOL = 100  # guiasDoLote maxOccurs


def _sum(values) -> Decimal:
    return sum(values, ZERO)


@dataclass(frozen=True)
class Statement:
    """Who sends a demonstrativo to whom, its number and when it is issued."""

    party: ReceiptParty  # registro ANS of the operator, the provider's identifier
    operator_name: str
    operator_cnpj: str
    number: str  # numeroDemonstrativo (st_texto20)
    issued_at: datetime  # Brasília wall-clock time: the header's date and time, dataEmissao
    cnes: str = NO_CNES
    observation: str | None = None


# --- DEMONSTRATIVO_ANALISE_CONTA -------------------------------------------------------------------


@dataclass(frozen=True)
class GlosaLine:
    code: str  # TISS table 38
    value: Decimal


@dataclass(frozen=True)
class AnalysedItem:
    sequence: int
    performed_on: date
    table: str
    code: str
    description: str
    quantity: Decimal
    informed: Decimal
    glosas: tuple[GlosaLine, ...] = ()

    @property
    def processed(self) -> Decimal:
        return self.informed

    @property
    def glosa(self) -> Decimal:
        return _sum(g.value for g in self.glosas)

    @property
    def released(self) -> Decimal:
        return self.processed - self.glosa


@dataclass(frozen=True)
class AnalysedGuide:
    provider_guide_number: str
    card_number: str
    started_on: date  # dataInicioFat: the date the attendance was performed
    status: str  # dm_statusProtocolo of the guide
    items: tuple[AnalysedItem, ...]
    operator_guide_number: str | None = None
    password: str | None = None

    @property
    def informed(self) -> Decimal:
        return _sum(i.informed for i in self.items)

    @property
    def processed(self) -> Decimal:
        return _sum(i.processed for i in self.items)

    @property
    def released(self) -> Decimal:
        return _sum(i.released for i in self.items)

    @property
    def glosa(self) -> Decimal:
        return _sum(i.glosa for i in self.items)


@dataclass(frozen=True)
class AnalysedProtocol:
    lot_number: str
    protocol_number: str
    protocol_date: date
    status: str  # dm_statusProtocolo: 3 liberado, 4 encerrado sem pagamento, 6 pago
    guides: tuple[AnalysedGuide, ...]

    @property
    def informed(self) -> Decimal:
        return _sum(g.informed for g in self.guides)

    @property
    def processed(self) -> Decimal:
        return _sum(g.processed for g in self.guides)

    @property
    def released(self) -> Decimal:
        return _sum(g.released for g in self.guides)

    @property
    def glosa(self) -> Decimal:
        return _sum(g.glosa for g in self.guides)


def _demonstrativo(statement: Statement, transaction: str, sequence: str) -> tuple[etree._Element, etree._Element]:
    """mensagemTISS from the operator to the provider, down to demonstrativosRetorno."""
    root, header = message(transaction, sequence, statement.issued_at)
    party = statement.party
    el(el(header, "origem"), "registroANS", party.registro_ans)
    provider_id(el(el(header, "destino"), "identificacaoPrestador"),
                party.provider_code, party.provider_cnpj, party.provider_cpf)
    el(header, "Padrao", TISS_VERSION)
    return root, el(el(root, "operadoraParaPrestador"), "demonstrativosRetorno")


def _heading(parent: etree._Element, statement: Statement, provider_block: str, contracted: str) -> None:
    heading = el(parent, "cabecalhoDemonstrativo")
    el(heading, "registroANS", statement.party.registro_ans)
    el(heading, "numeroDemonstrativo", statement.number)
    el(heading, "nomeOperadora", _text(statement.operator_name, 70))
    el(heading, "numeroCNPJ", statement.operator_cnpj)
    el(heading, "dataEmissao", statement.issued_at.date())
    provider = el(parent, provider_block)
    party = statement.party
    provider_id(el(provider, contracted), party.provider_code, party.provider_cnpj, party.provider_cpf, CONTRATADO)
    el(provider, "CNES", statement.cnes or NO_CNES)


def _text(value: str, limit: int) -> str:
    return to_latin1(" ".join((value or "").split()))[:limit] or "-"


def build_analysis_statement(statement: Statement, protocols: Sequence[AnalysedProtocol], *, sequence: str = "1",
                             encoding: str = "ISO-8859-1", pretty: bool = False) -> bytes:
    """DEMONSTRATIVO_ANALISE_CONTA of one or more analysed protocols."""
    if not protocols:
        raise ValueError("O demonstrativo de análise de conta lista ao menos um protocolo.")
    root, returned = _demonstrativo(statement, "DEMONSTRATIVO_ANALISE_CONTA", sequence)
    analysis = el(returned, "demonstrativoAnaliseConta")
    _heading(analysis, statement, "dadosPrestador", "dadosContratado")
    account = el(analysis, "dadosConta")
    for protocol in protocols:
        _analysed_protocol(el(account, "dadosProtocolo"), protocol)
    el(analysis, "valorInformadoGeral", _sum(p.informed for p in protocols))
    el(analysis, "valorProcessadoGeral", _sum(p.processed for p in protocols))
    el(analysis, "valorLiberadoGeral", _sum(p.released for p in protocols))
    el(analysis, "valorGlosaGeral", _sum(p.glosa for p in protocols))
    opt(analysis, "observacao", _text(statement.observation, 500) if statement.observation else None)
    hash_placeholder(root)
    return serialize(root, encoding, pretty)


def _analysed_protocol(data: etree._Element, protocol: AnalysedProtocol) -> None:
    el(data, "numeroLotePrestador", protocol.lot_number)
    el(data, "numeroProtocolo", protocol.protocol_number)
    el(data, "dataProtocolo", protocol.protocol_date)
    el(data, "situacaoProtocolo", protocol.status)
    for guide in protocol.guides:
        listed = el(data, "relacaoGuias")
        el(listed, "numeroGuiaPrestador", guide.provider_guide_number)
        opt(listed, "numeroGuiaOperadora", guide.operator_guide_number or None)
        opt(listed, "senha", guide.password or None)
        el(listed, "numeroCarteira", guide.card_number)
        el(listed, "dataInicioFat", guide.started_on)
        el(listed, "situacaoGuia", guide.status)
        for item in guide.items:
            detail = el(listed, "detalhesGuia")
            el(detail, "sequencialItem", item.sequence)
            el(detail, "dataRealizacao", item.performed_on)
            procedure_data(detail, "procedimento", item.table, item.code, item.description)
            el(detail, "valorInformado", item.informed)
            el(detail, "qtdExecutada", quantity_text(item.quantity))
            el(detail, "valorProcessado", item.processed)
            el(detail, "valorLiberado", item.released)
            for glosa in item.glosas:
                line = el(detail, "relacaoGlosa")
                el(line, "valorGlosa", glosa.value)
                el(line, "tipoGlosa", glosa.code)
        el(listed, "valorInformadoGuia", guide.informed)
        el(listed, "valorProcessadoGuia", guide.processed)
        el(listed, "valorLiberadoGuia", guide.released)
        el(listed, "valorGlosaGuia", guide.glosa)
    el(data, "valorInformadoProtocolo", protocol.informed)
    el(data, "valorProcessadoProtocolo", protocol.processed)
    el(data, "valorLiberadoProtocolo", protocol.released)
    el(data, "valorGlosaProtocolo", protocol.glosa)


def procedure_data(parent: etree._Element, name: str, table: str, code: str, description: str) -> None:
    """ct_procedimentoDados."""
    procedure = el(parent, name)
    el(procedure, "codigoTabela", table)
    el(procedure, "codigoProcedimento", code)
    el(procedure, "descricaoProcedimento", _text(description, 150))


# --- DEMONSTRATIVO_PAGAMENTO -----------------------------------------------------------------------


@dataclass(frozen=True)
class PaidGuide:
    provider_guide_number: str
    processed: Decimal
    released: Decimal
    glosa: Decimal = ZERO
    kind: str = INITIAL  # dm_tipoPagamento: INITIAL (the billed guide) or APPEAL (an accepted appeal)
    operator_guide_number: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class PaidProtocol:
    """A protocol in a payment: a released batch (kind INITIAL) or the accepted appeals of one (APPEAL)."""

    protocol_date: date
    protocol_number: str
    lot_number: str
    informed: Decimal
    guides: tuple[PaidGuide, ...]

    @property
    def processed(self) -> Decimal:
        return _sum(g.processed for g in self.guides)

    @property
    def released(self) -> Decimal:
        return _sum(g.released for g in self.guides)

    @property
    def glosa(self) -> Decimal:
        return _sum(g.glosa for g in self.guides)


@dataclass(frozen=True)
class Deduction:
    """ct_descontos: a withholding (debit) or a credit; kind is dm_debitoCreditoTipo (01 IRRF, 02 ISS...)."""

    kind: str
    description: str
    value: Decimal
    indicator: str = DEBIT


@dataclass(frozen=True)
class PaymentStatementData:
    paid_on: date
    protocols: tuple[PaidProtocol, ...]
    deductions: tuple[Deduction, ...] = ()
    bank: str | None = None  # bank code (st_texto4)
    agency: str | None = None  # st_texto7
    account: str | None = None  # st_texto20
    method: str = BANK_TRANSFER

    @property
    def informed(self) -> Decimal:
        return _sum(p.informed for p in self.protocols)

    @property
    def processed(self) -> Decimal:
        return _sum(p.processed for p in self.protocols)

    @property
    def released(self) -> Decimal:
        return _sum(p.released for p in self.protocols)

    @property
    def glosa(self) -> Decimal:
        return _sum(p.glosa for p in self.protocols)

    @property
    def debits(self) -> Decimal:
        return _sum(d.value for d in self.deductions if d.indicator == DEBIT)

    @property
    def credits(self) -> Decimal:
        return _sum(d.value for d in self.deductions if d.indicator == CREDIT)

    @property
    def net(self) -> Decimal:
        return self.released - self.debits + self.credits


def build_payment_statement(statement: Statement, payment: PaymentStatementData, *, sequence: str = "1",
                            encoding: str = "ISO-8859-1", pretty: bool = False) -> bytes:
    """DEMONSTRATIVO_PAGAMENTO of one payment (one date)."""
    if not payment.protocols:
        raise ValueError("O demonstrativo de pagamento lista ao menos um protocolo.")
    root, returned = _demonstrativo(statement, "DEMONSTRATIVO_PAGAMENTO", sequence)
    statement_element = el(returned, "demonstrativoPagamento")
    _heading(statement_element, statement, "dadosContratado", "dadosPrestador")
    by_date = el(el(statement_element, "pagamentos"), "pagamentosPorData")
    paid = el(by_date, "dadosPagamento")
    el(paid, "dataPagamento", payment.paid_on)
    el(paid, "formaPagamento", payment.method)
    opt(paid, "banco", payment.bank or None)
    opt(paid, "agencia", payment.agency or None)
    opt(paid, "nrContaCheque", payment.account or None)
    summary = el(by_date, "dadosResumo")
    for protocol in payment.protocols:
        _paid_protocol(el(summary, "relacaoProtocolos"), protocol)
    gross = el(by_date, "totaisBrutosPorData")
    el(gross, "totalInformadoPorData", payment.informed)
    el(gross, "totalProcessadoPorData", payment.processed)
    el(gross, "totaLiberadoPorData", payment.released)
    el(gross, "totalGlosaPorData", payment.glosa)
    if payment.deductions:
        lines = el(by_date, "debitosCreditosPorData")
        for deduction in payment.deductions:
            line = el(lines, "debitosCreditos")
            el(line, "indicador", deduction.indicator)
            el(line, "tipoDebitoCredito", deduction.kind)
            el(line, "descricaoDbCr", _text(deduction.description, 40))
            el(line, "valorDbCr", deduction.value)
    net = el(by_date, "totaisLiquidosPorData")
    el(net, "totalDebitosPorData", payment.debits)
    el(net, "totalCreditosPorData", payment.credits)
    el(net, "liquidoPorData", payment.net)
    totals = el(statement_element, "totaisDemonstrativo")
    gross = el(totals, "totaisBrutosDemonstrativo")
    el(gross, "valorInformadoBruto", payment.informed)
    el(gross, "valorProcessadoBruto", payment.processed)
    el(gross, "valorLiberadoBruto", payment.released)
    el(gross, "valorGlosaBruto", payment.glosa)
    net = el(totals, "totaisLiquidosDemonstrativo")
    el(net, "totalDebitosDemonstrativo", payment.debits)
    el(net, "totalCreditosdemonstrativo", payment.credits)
    el(net, "valorLiberadoDemonstrativo", payment.net)
    opt(statement_element, "observacao", _text(statement.observation, 500) if statement.observation else None)
    hash_placeholder(root)
    return serialize(root, encoding, pretty)


def _paid_protocol(data: etree._Element, protocol: PaidProtocol) -> None:
    if not protocol.guides or len(protocol.guides) > MAX_GUIDES_PER_PROTOCOL:
        raise ValueError(f"Um protocolo do demonstrativo lista de 1 a {MAX_GUIDES_PER_PROTOCOL} guias.")
    el(data, "dataProtocolo", protocol.protocol_date)
    el(data, "numeroProtocolo", protocol.protocol_number)
    el(data, "numeroLote", protocol.lot_number)
    el(data, "valorInformado", protocol.informed)
    el(data, "valorProcessado", protocol.processed)
    el(data, "valorLiberado", protocol.released)
    el(data, "valorGlosa", protocol.glosa)
    for guide in protocol.guides:
        listed = el(data, "guiasDoLote")
        el(listed, "numeroGuiaPrestador", guide.provider_guide_number)
        opt(listed, "numeroGuiaOperadora", guide.operator_guide_number or None)
        opt(listed, "senha", guide.password or None)
        el(listed, "tipoPagamento", guide.kind)
        el(listed, "valorProcessadoGuia", guide.processed)
        el(listed, "valorLiberadoGuia", guide.released)
        el(listed, "valorGlosaGuia", guide.glosa)

