"""Building TISS 4.03.00 messages: lots of guides (tests, demo, benchmark) and the
PROTOCOLO_RECEBIMENTO the portal returns for a lot it accepted or refused.

Every message gets its epilogo hash; the tests validate each kind against the XSD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterable, Sequence

from lxml import etree

from copass_app.tiss import codes
from copass_app.tiss.hash import set_hash
from copass_app.tiss.model import (
    GUIDE_CONSULTA, GUIDE_HONORARIOS, GUIDE_ODONTO, GUIDE_RESUMO_INTERNACAO, GUIDE_SP_SADT,
    LotIssue, ParsedGuide,
)
from copass_app.tiss.schema import TISS_NS, TISS_VERSION

CENT = Decimal("0.01")
_P = f"{{{TISS_NS}}}"

# Defaults for the clinical fields billing does not look at (all valid domain values).
CRM = "06"  # dm_conselhoProfissional
UF_SP = "35"  # dm_UF (IBGE code)
CBOS_CLINICO = "225125"  # médico clínico
CBOS_DENTISTA = "223208"  # cirurgião-dentista clínico geral
ELECTIVE = "1"  # dm_caraterAtendimento
NO_ACCIDENT = "9"  # dm_indicadorAcidente
AMBULATORIAL = "01"  # dm_regimeAtendimento
SADT_CARE_TYPE = "23"  # dm_tipoAtendimento 4.03 (exames; 05 left the enumeration)
UNIT = "036"  # dm_unidadeMedida: UN


@dataclass
class ItemSpec:
    """One line of a guide. With expense_type it goes to outrasDespesas (SP/SADT, internação)."""

    code: str
    description: str
    unit_value: Decimal
    quantity: Decimal = Decimal(1)
    table: str = "22"
    expense_type: str | None = None  # 01 gases, 02 medicamentos, 03 materiais, 05 diárias, 07 taxas, 08 OPME
    unit_measure: str = UNIT
    performed_date: date | None = None  # defaults to the guide's date
    total: Decimal | None = None  # defaults to quantity × unit value; set it to build a wrong file

    def line_total(self) -> Decimal:
        if self.total is not None:
            return self.total
        return (self.quantity * self.unit_value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ProfessionalSpec:
    name: str = "ANA MARIA SOUZA"
    council: str = CRM
    number: str = "123456"
    uf: str = UF_SP
    cbos: str = CBOS_CLINICO
    code: str = "PROF001"  # codigoPrestadorNaOperadora of the professional


@dataclass
class GuideSpec:
    provider_guide_number: str
    card_number: str
    performed_date: date
    items: list[ItemSpec]
    operator_guide_number: str | None = None
    authorization_password: str | None = None
    authorization_date: date | None = None
    request_guide_number: str | None = None  # guia principal / de solicitação de internação
    end_date: date | None = None  # internação / honorários: end of the billing period
    professional: ProfessionalSpec = field(default_factory=ProfessionalSpec)
    total: Decimal | None = None  # defaults to the sum of the items; set it to build a wrong file
    observation: str | None = None

    def items_total(self) -> Decimal:
        return sum((item.line_total() for item in self.items), Decimal("0.00"))

    def guide_total(self) -> Decimal:
        return self.total if self.total is not None else self.items_total()


@dataclass
class LotSpec:
    lot_number: str
    registro_ans: str
    guide_type: str
    guides: list[GuideSpec]
    sender_code: str | None = None  # codigoPrestadorNaOperadora; else sender_cnpj is used
    sender_cnpj: str | None = None
    provider_name: str = "CLINICA SAO LUCAS LTDA"
    cnes: str = "1234567"
    transaction_sequence: str = "1"
    transaction_at: datetime = datetime(2026, 1, 15, 10, 0, 0)
    transaction_type: str = "ENVIO_LOTE_GUIAS"
    version: str = TISS_VERSION
    encoding: str = "ISO-8859-1"
    pretty: bool = False


# --- small XML helpers -----------------------------------------------------------

def _el(parent: etree._Element, name: str, text: object = None) -> etree._Element:
    element = etree.SubElement(parent, _P + name)
    if text is not None:
        element.text = _text(text)
    return element


def _opt(parent: etree._Element, name: str, text: object) -> None:
    if text is not None:
        _el(parent, name, text)


def _text(value: object) -> str:
    if isinstance(value, Decimal):  # money: two decimals, rounded like an invoice
        return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _serialize(root: etree._Element, encoding: str, pretty: bool) -> bytes:
    set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding=encoding, pretty_print=pretty)


def _message(transaction: str, sequence: str, at: datetime) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(_P + "mensagemTISS", nsmap={"ans": TISS_NS})
    header = _el(root, "cabecalho")
    ident = _el(header, "identificacaoTransacao")
    _el(ident, "tipoTransacao", transaction)
    _el(ident, "sequencialTransacao", sequence)
    _el(ident, "dataRegistroTransacao", at.date())
    _el(ident, "horaRegistroTransacao", at.strftime("%H:%M:%S"))
    return root, header


def _provider_id(parent: etree._Element, code: str | None, cnpj: str | None, cpf: str | None = None,
                 names: tuple[str, str, str] = ("codigoPrestadorNaOperadora", "CNPJ", "CPF")) -> None:
    """ct_prestadorIdentificacao / ct_contratadoDados: exactly one of code, CNPJ, CPF."""
    for name, value in zip(names, (code, cnpj, cpf)):
        if value:
            _el(parent, name, value)
            return
    raise ValueError("Informe o código do prestador na operadora, o CNPJ ou o CPF.")


def _contratado(parent: etree._Element, lot: LotSpec) -> None:
    _provider_id(parent, lot.sender_code, lot.sender_cnpj, None,
                 ("codigoPrestadorNaOperadora", "cnpjContratado", "cpfContratado"))


# --- lots --------------------------------------------------------------------------

def build_lot(lot: LotSpec) -> bytes:
    """A complete ENVIO_LOTE_GUIAS mensagemTISS with its hash, valid against the XSD."""
    if lot.guide_type not in _GUIDE_BUILDERS:
        raise ValueError(f"Tipo de guia não suportado: {lot.guide_type}")
    root, header = _message(lot.transaction_type, lot.transaction_sequence, lot.transaction_at)
    _provider_id(_el(_el(header, "origem"), "identificacaoPrestador"), lot.sender_code, lot.sender_cnpj)
    _el(_el(header, "destino"), "registroANS", lot.registro_ans)
    _el(header, "Padrao", lot.version)
    lot_element = _el(_el(root, "prestadorParaOperadora"), "loteGuias")
    _el(lot_element, "numeroLote", lot.lot_number)
    guides = _el(lot_element, "guiasTISS")
    builder = _GUIDE_BUILDERS[lot.guide_type]
    for guide in lot.guides:
        builder(_el(guides, lot.guide_type), guide, lot)
    _el(_el(root, "epilogo"), "hash", "")
    return _serialize(root, lot.encoding, lot.pretty)


def _beneficiary(parent: etree._Element, guide: GuideSpec, name: str = "dadosBeneficiario") -> None:
    beneficiary = _el(parent, name)
    _el(beneficiary, "numeroCarteira", guide.card_number)
    _el(beneficiary, "atendimentoRN", "N")


def _professional(parent: etree._Element, p: ProfessionalSpec) -> None:
    _el(parent, "nomeProfissional", p.name)
    _el(parent, "conselhoProfissional", p.council)
    _el(parent, "numeroConselhoProfissional", p.number)
    _el(parent, "UF", p.uf)
    _el(parent, "CBOS", p.cbos)


def _procedure_data(parent: etree._Element, item: ItemSpec, name: str = "procedimento") -> None:
    procedure = _el(parent, name)
    _el(procedure, "codigoTabela", item.table)
    _el(procedure, "codigoProcedimento", item.code)
    _el(procedure, "descricaoProcedimento", item.description[:150])


def _procedure_lines(parent: etree._Element, items: Iterable[ItemSpec], guide: GuideSpec, name: str,
                     extra: Callable[[etree._Element, GuideSpec], None] | None = None) -> None:
    """ct_procedimentoExecutado{Sadt,Int,HonorIndiv}; `extra` appends type-specific children."""
    for sequence, item in enumerate(items, start=1):
        line = _el(parent, name)
        _el(line, "sequencialItem", sequence)
        _el(line, "dataExecucao", item.performed_date or guide.performed_date)
        _procedure_data(line, item)
        _el(line, "quantidadeExecutada", _quantity(item.quantity))
        _el(line, "reducaoAcrescimo", "1.00")
        _el(line, "valorUnitario", item.unit_value)
        _el(line, "valorTotal", item.line_total())
        if extra:
            extra(line, guide)


def _expenses(parent: etree._Element, items: list[ItemSpec], guide: GuideSpec, first_sequence: int) -> None:
    if not items:
        return
    container = _el(parent, "outrasDespesas")
    for sequence, item in enumerate(items, start=first_sequence):
        expense = _el(container, "despesa")
        _el(expense, "sequencialItem", sequence)
        _el(expense, "codigoDespesa", item.expense_type)
        service = _el(expense, "servicosExecutados")
        _el(service, "dataExecucao", item.performed_date or guide.performed_date)
        _el(service, "codigoTabela", item.table)
        _el(service, "codigoProcedimento", item.code)
        _el(service, "quantidadeExecutada", _quantity(item.quantity))
        _el(service, "unidadeMedida", item.unit_measure)
        _el(service, "reducaoAcrescimo", "1.00")
        _el(service, "valorUnitario", item.unit_value)
        _el(service, "valorTotal", item.line_total())
        _el(service, "descricaoProcedimento", item.description[:150])


def _split(guide: GuideSpec) -> tuple[list[ItemSpec], list[ItemSpec]]:
    procedures = [i for i in guide.items if i.expense_type is None]
    return procedures, [i for i in guide.items if i.expense_type is not None]


_SUBTOTAL_OF_EXPENSE = {"05": "valorDiarias", "07": "valorTaxasAlugueis", "03": "valorMateriais",
                        "02": "valorMedicamentos", "08": "valorOPME", "01": "valorGasesMedicinais"}
_SUBTOTAL_ORDER = ("valorProcedimentos", "valorDiarias", "valorTaxasAlugueis", "valorMateriais",
                   "valorMedicamentos", "valorOPME", "valorGasesMedicinais")


def _value_total(parent: etree._Element, guide: GuideSpec) -> None:
    """ct_guiaValorTotal: the subtotals present, then valorTotalGeral."""
    sums: dict[str, Decimal] = {}
    for item in guide.items:
        name = _SUBTOTAL_OF_EXPENSE.get(item.expense_type or "", "valorProcedimentos")
        sums[name] = sums.get(name, Decimal("0.00")) + item.line_total()
    total = _el(parent, "valorTotal")
    for name in _SUBTOTAL_ORDER:
        _opt(total, name, sums.get(name))
    _el(total, "valorTotalGeral", guide.guide_total())


def _consulta(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    if len(guide.items) != 1:
        raise ValueError("Uma guia de consulta tem exatamente um procedimento.")
    item = guide.items[0]
    header = _el(element, "cabecalhoConsulta")
    _el(header, "registroANS", lot.registro_ans)
    _el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    _opt(element, "numeroGuiaOperadora", guide.operator_guide_number)
    _beneficiary(element, guide)
    executor = _el(element, "contratadoExecutante")
    _contratado(executor, lot)
    _el(executor, "CNES", lot.cnes)
    _professional(_el(element, "profissionalExecutante"), guide.professional)
    _el(element, "indicacaoAcidente", NO_ACCIDENT)
    care = _el(element, "dadosAtendimento")
    _el(care, "regimeAtendimento", AMBULATORIAL)
    _el(care, "dataAtendimento", item.performed_date or guide.performed_date)
    _el(care, "tipoConsulta", "1")
    procedure = _el(care, "procedimento")
    _el(procedure, "codigoTabela", item.table)
    _el(procedure, "codigoProcedimento", item.code)
    _el(procedure, "valorProcedimento", guide.total if guide.total is not None else item.line_total())
    _opt(element, "observacao", guide.observation)


def _sadt(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    header = _el(element, "cabecalhoGuia")
    _el(header, "registroANS", lot.registro_ans)
    _el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    _opt(header, "guiaPrincipal", guide.request_guide_number)
    if guide.authorization_password or guide.operator_guide_number:
        authorization = _el(element, "dadosAutorizacao")
        _opt(authorization, "numeroGuiaOperadora", guide.operator_guide_number)
        _el(authorization, "dataAutorizacao", guide.authorization_date or guide.performed_date)
        _opt(authorization, "senha", guide.authorization_password)
    _beneficiary(element, guide)
    requester = _el(element, "dadosSolicitante")
    _contratado(_el(requester, "contratadoSolicitante"), lot)
    _el(requester, "nomeContratadoSolicitante", lot.provider_name[:70])
    _professional(_el(requester, "profissionalSolicitante"), guide.professional)
    request = _el(element, "dadosSolicitacao")
    _el(request, "dataSolicitacao", guide.authorization_date or guide.performed_date)
    _el(request, "caraterAtendimento", ELECTIVE)
    executor = _el(element, "dadosExecutante")
    _contratado(_el(executor, "contratadoExecutante"), lot)
    _el(executor, "CNES", lot.cnes)
    care = _el(element, "dadosAtendimento")
    _el(care, "tipoAtendimento", SADT_CARE_TYPE)
    _el(care, "indicacaoAcidente", NO_ACCIDENT)
    _el(care, "regimeAtendimento", AMBULATORIAL)
    procedures, expenses = _split(guide)
    if procedures:
        _procedure_lines(_el(element, "procedimentosExecutados"), procedures, guide, "procedimentoExecutado")
    _expenses(element, expenses, guide, len(procedures) + 1)
    _opt(element, "observacao", guide.observation)
    _value_total(element, guide)


def _internacao(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    if not guide.authorization_password:
        raise ValueError("A guia de resumo de internação exige a senha de autorização.")
    header = _el(element, "cabecalhoGuia")
    _el(header, "registroANS", lot.registro_ans)
    _el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    _el(element, "numeroGuiaSolicitacaoInternacao", guide.request_guide_number or guide.provider_guide_number)
    authorization = _el(element, "dadosAutorizacao")
    _opt(authorization, "numeroGuiaOperadora", guide.operator_guide_number)
    _el(authorization, "dataAutorizacao", guide.authorization_date or guide.performed_date)
    _el(authorization, "senha", guide.authorization_password)
    _beneficiary(element, guide)
    executor = _el(element, "dadosExecutante")
    _contratado(_el(executor, "contratadoExecutante"), lot)
    _el(executor, "CNES", lot.cnes)
    stay = _el(element, "dadosInternacao")
    for name, value in (("caraterAtendimento", ELECTIVE), ("tipoFaturamento", "4"),
                        ("dataInicioFaturamento", guide.performed_date), ("horaInicioFaturamento", "08:00:00"),
                        ("dataFinalFaturamento", guide.end_date or guide.performed_date),
                        ("horaFinalFaturamento", "12:00:00"), ("tipoInternacao", "2"), ("regimeInternacao", "1")):
        _el(stay, name, value)
    discharge = _el(element, "dadosSaidaInternacao")
    _el(discharge, "indicadorAcidente", NO_ACCIDENT)
    _el(discharge, "motivoEncerramento", "12")  # alta melhorado
    procedures, expenses = _split(guide)
    if procedures:
        _procedure_lines(_el(element, "procedimentosExecutados"), procedures, guide, "procedimentoExecutado")
    _value_total(element, guide)
    _expenses(element, expenses, guide, len(procedures) + 1)
    _opt(element, "observacao", guide.observation)


def _team_member(line: etree._Element, guide: GuideSpec) -> None:
    p = guide.professional
    member = _el(line, "profissionais")
    _el(member, "grauParticipacao", "00")  # cirurgião / executante
    _el(_el(member, "codProfissional"), "codigoPrestadorNaOperadora", p.code)
    _el(member, "nomeProfissional", p.name)
    _el(member, "conselhoProfissional", p.council)
    _el(member, "numeroConselhoProfissional", p.number)
    _el(member, "UF", p.uf)
    _el(member, "CBO", p.cbos)


def _honorarios(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    if any(item.expense_type for item in guide.items):
        raise ValueError("A guia de honorários não tem outras despesas.")
    provider = lot.sender_code or lot.sender_cnpj
    header = _el(element, "cabecalhoGuia")
    _el(header, "registroANS", lot.registro_ans)
    _el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    _el(element, "guiaSolicInternacao", guide.request_guide_number or guide.provider_guide_number)
    _opt(element, "senha", guide.authorization_password)
    _opt(element, "numeroGuiaOperadora", guide.operator_guide_number)
    _beneficiary(element, guide, "beneficiario")
    place = _el(element, "localContratado")
    code = _el(place, "codigoContratado")
    _el(code, "codigoNaOperadora" if lot.sender_code else "cnpjLocalExecutante", provider)
    _el(place, "nomeContratado", lot.provider_name[:70])
    _el(place, "cnes", lot.cnes)
    executor = _el(element, "dadosContratadoExecutante")
    _el(executor, "codigonaOperadora", provider)
    _el(executor, "cnesContratadoExecutante", lot.cnes)
    stay = _el(element, "dadosInternacao")
    _el(stay, "dataInicioFaturamento", guide.performed_date)
    _el(stay, "dataFimFaturamento", guide.end_date or guide.performed_date)
    _el(stay, "caraterAtendimento", ELECTIVE)
    _procedure_lines(_el(element, "procedimentosRealizados"), guide.items, guide, "procedimentoRealizado",
                     extra=_team_member)
    _opt(element, "observacao", guide.observation)
    _el(element, "valorTotalHonorarios", guide.guide_total())
    _el(element, "dataEmissaoGuia", guide.end_date or guide.performed_date)


def _odonto(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    p = guide.professional
    _el(element, "registroANS", lot.registro_ans)
    _el(element, "numeroGuiaPrestador", guide.provider_guide_number)
    _opt(element, "numeroGuiaPrincipal", guide.request_guide_number)
    if guide.authorization_password:
        _el(element, "dataAutorizacao", guide.authorization_date or guide.performed_date)
        _el(element, "senhaAutorizacao", guide.authorization_password)
    _opt(element, "numeroGuiaOperadora", guide.operator_guide_number)
    _beneficiary(element, guide)
    _el(element, "planoBeneficiario", "PLANO ODONTOLOGICO")
    team = _el(element, "dadosProfissionaisResponsaveis")
    for name, value in (("codigoProfExec", p.code), ("croExec", p.number), ("ufExec", p.uf),
                        ("cnesExec", lot.cnes), ("cbosExec2", CBOS_DENTISTA)):
        _el(team, name, value)
    for sequence, item in enumerate(guide.items, start=1):
        line = _el(element, "procedimentosExecutados")
        _el(line, "sequencialItem", sequence)
        _procedure_data(line, item, "procSolic")
        _el(line, "qtdProc", _quantity(item.quantity))
        _el(line, "valorProc", item.line_total())
        _el(line, "autorizado", "true")
        _el(line, "dataRealizacao", item.performed_date or guide.performed_date)
    _el(element, "tipoAtendimento", "1")  # tratamento odontológico
    _el(element, "tipoFaturamento", "4")  # total
    _el(element, "valorTotalProc", guide.guide_total())
    _opt(element, "observacao", guide.observation)


_GUIDE_BUILDERS = {
    GUIDE_CONSULTA: _consulta,
    GUIDE_SP_SADT: _sadt,
    GUIDE_RESUMO_INTERNACAO: _internacao,
    GUIDE_HONORARIOS: _honorarios,
    GUIDE_ODONTO: _odonto,
}


# --- protocolo de recebimento ------------------------------------------------------

@dataclass(frozen=True)
class ReceiptGuide:
    """A guide as the protocol lists it (dadosGuias)."""

    provider_guide_number: str
    card_number: str
    operator_guide_number: str | None = None
    performed_date: date | None = None


def receipt_guides(guides: Iterable[ParsedGuide]) -> list[ReceiptGuide]:
    return [
        ReceiptGuide(g.provider_guide_number or "", g.card_number or "", g.operator_guide_number,
                     g.performed_dates[0] if g.performed_dates else g.period_start)
        for g in guides
    ]


@dataclass(frozen=True)
class ReceiptParty:
    """Who talks to whom: the operator (registro ANS) and the provider (one identifier)."""

    registro_ans: str
    provider_code: str | None = None
    provider_cnpj: str | None = None
    provider_cpf: str | None = None


def _operator_message(party: ReceiptParty, sequence: str, at: datetime) -> tuple[etree._Element, etree._Element]:
    root, header = _message("PROTOCOLO_RECEBIMENTO", sequence, at)
    _el(_el(header, "origem"), "registroANS", party.registro_ans)
    _provider_id(_el(_el(header, "destino"), "identificacaoPrestador"),
                 party.provider_code, party.provider_cnpj, party.provider_cpf)
    _el(header, "Padrao", TISS_VERSION)
    receipt = _el(_el(root, "operadoraParaPrestador"), "recebimentoLote")
    return root, receipt


def build_protocol_receipt(
    party: ReceiptParty, *, protocol_number: str, lot_number: str, sent_on: date,
    guides: Sequence[ReceiptGuide], total: Decimal, odonto: bool = False, sequence: str = "1",
    received_at: datetime | None = None, encoding: str = "ISO-8859-1", pretty: bool = False,
) -> bytes:
    """PROTOCOLO_RECEBIMENTO / protocoloRecebimento for an accepted lot."""
    if not guides:
        raise ValueError("O protocolo de recebimento lista ao menos uma guia.")
    root, receipt = _operator_message(party, sequence, received_at or datetime.now().replace(microsecond=0))
    protocol = _el(receipt, "protocoloRecebimento")
    _el(protocol, "registroANS", party.registro_ans)
    _provider_id(_el(protocol, "dadosPrestador"), party.provider_code, party.provider_cnpj, party.provider_cpf,
                 ("codigoPrestadorNaOperadora", "cnpjContratado", "cpfContratado"))
    _el(protocol, "numeroLote", lot_number)
    _el(protocol, "dataEnvioLote", sent_on)
    detail = _el(protocol, "detalheProtocolo")
    _el(detail, "numeroProtocolo", protocol_number)
    _el(detail, "valorTotalProtocolo", total)
    listed = _el(detail, "dadosGuiasProtocolo")
    for guide in guides:
        (_receipt_odonto if odonto else _receipt_guide)(listed, guide)
    _el(_el(root, "epilogo"), "hash", "")
    return _serialize(root, encoding, pretty)


def _receipt_guide(parent: etree._Element, guide: ReceiptGuide) -> None:
    data = _el(parent, "dadosGuias")
    _el(data, "numeroGuiaPrestador", guide.provider_guide_number)
    _opt(data, "numeroGuiaOperadora", guide.operator_guide_number)
    beneficiary = _el(data, "dadosBeneficiario")
    _el(beneficiary, "numeroCarteira", guide.card_number)
    _el(beneficiary, "atendimentoRN", "N")
    _opt(data, "dataRealizacao", guide.performed_date)


def _receipt_odonto(parent: etree._Element, guide: ReceiptGuide) -> None:
    data = _el(parent, "dadosGuiasOdonto")
    _el(data, "numeroGuiaPrestador", guide.provider_guide_number)
    _opt(data, "numeroGuiaOperadora", guide.operator_guide_number)
    _el(data, "numeroCarteira", guide.card_number)
    _el(data, "atendimentoRN", "N")


def build_lot_refusal(
    party: ReceiptParty, errors: Sequence[LotIssue], *, sequence: str = "1",
    refused_at: datetime | None = None, encoding: str = "ISO-8859-1", pretty: bool = False,
) -> bytes:
    """PROTOCOLO_RECEBIMENTO / mensagemErro for a refused lot.

    The schema allows a single mensagemErro (one code): it carries the first
    error's code, and descricaoGlosa summarises all errors within its 500
    characters. The full list goes in the printable error report.
    """
    root, receipt = _operator_message(party, sequence, refused_at or datetime.now().replace(microsecond=0))
    error = _el(receipt, "mensagemErro")
    _el(error, "codigoGlosa", _main_code(errors))
    _el(error, "descricaoGlosa", refusal_summary(errors))
    _el(_el(root, "epilogo"), "hash", "")
    return _serialize(root, encoding, pretty)


def _main_code(errors: Sequence[LotIssue]) -> str:
    return next((e.code for e in errors if e.code and codes.is_known(e.code)), codes.CANNOT_VALIDATE)


def refusal_summary(errors: Sequence[LotIssue], limit: int = 500) -> str:
    """'2 erro(s): [5014] linha 90: ...; [5042] ...' cut to fit st_texto500."""
    parts = []
    for e in errors:
        where = f" linha {e.line}:" if e.line else ""
        parts.append(f"[{e.code or '-'}]{where} {e.message}")
    text = f"Lote recusado, {len(errors)} erro(s): " + "; ".join(parts) if errors else "Lote recusado."
    text = text.encode("iso-8859-1", "replace").decode("iso-8859-1")
    return text if len(text) <= limit else text[: limit - 3] + "..."
