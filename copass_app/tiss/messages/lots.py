"""ENVIO_LOTE_GUIAS: a lot of guides as a provider's system sends it, valid against the XSD and
with its epilogo hash. The portal writes one from its own guides (services.lot_export); the
caller names the provider, the professional, the clinical fields and the moment.

The clinical fields of GuideSpec default to the constants below: what the portal writes where it
is itself the source (web billing of an authorized guide, a guide billed before the portal kept
them). A typed attendance passes what the provider typed; an uploaded lot is kept as it was sent
and never rebuilt here (services.lot_export writes its stored guide elements back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from copass_app.tiss.messages.xml import (
    CENT,
    CONTRATADO,
    el,
    hash_placeholder,
    message,
    opt,
    provider_id,
    quantity_text,
    serialize,
)
from copass_app.tiss.model import (
    GUIDE_CONSULTA,
    GUIDE_HONORARIOS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
)
from copass_app.tiss.schema import TISS_VERSION

# Defaults of the clinical fields where the portal is the source (all valid domain values).
CRM = "06"  # dm_conselhoProfissional
UF_SP = "35"  # dm_UF (IBGE code)
CBOS_CLINICO = "225125"  # médico clínico
CBOS_DENTISTA = "223208"  # cirurgião-dentista clínico geral
ELECTIVE = "1"  # dm_caraterAtendimento
NO_ACCIDENT = "9"  # dm_indicadorAcidente
AMBULATORIAL = "01"  # dm_regimeAtendimento
SADT_CARE_TYPE = "23"  # dm_tipoAtendimento 4.03 (exames; 05 left the enumeration)
UNIT = "036"  # dm_unidadeMedida: UN
NO_CNES = "9999999"  # what TISS asks for when the provider has no CNES


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


@dataclass(frozen=True)
class ProfessionalSpec:
    """The executing professional; the caller names them (the portal keeps none per guide)."""

    name: str
    number: str  # numeroConselhoProfissional
    code: str  # codigoPrestadorNaOperadora of the professional
    council: str = CRM
    uf: str = UF_SP
    cbos: str = CBOS_CLINICO


@dataclass
class GuideSpec:
    provider_guide_number: str
    card_number: str
    performed_date: date
    items: list[ItemSpec]
    professional: ProfessionalSpec
    operator_guide_number: str | None = None
    authorization_password: str | None = None
    authorization_date: date | None = None
    request_guide_number: str | None = None  # guia principal / de solicitação de internação
    end_date: date | None = None  # internação / honorários: end of the billing period
    total: Decimal | None = None  # defaults to the sum of the items; set it to build a wrong file
    observation: str | None = None
    # Clinical fields (dm_* codes); the defaults are the portal's, see the module's docstring.
    accident_indication: str = NO_ACCIDENT  # indicacaoAcidente
    care_regime: str = AMBULATORIAL  # regimeAtendimento (consulta, SP/SADT)
    consultation_type: str = "1"  # tipoConsulta (consulta)
    care_character: str = ELECTIVE  # caraterAtendimento (SP/SADT, internação, honorários)
    care_type: str = SADT_CARE_TYPE  # tipoAtendimento (SP/SADT)
    requester: ProfessionalSpec | None = None  # SP/SADT profissionalSolicitante; default: professional
    requested_on: date | None = None  # SP/SADT dataSolicitacao; default: authorization or performed date
    clinical_indication: str | None = None  # SP/SADT indicacaoClinica
    executor_team: bool = False  # SP/SADT: the professional as equipeSadt of each procedure

    def items_total(self) -> Decimal:
        return sum((item.line_total() for item in self.items), Decimal("0.00"))

    def guide_total(self) -> Decimal:
        return self.total if self.total is not None else self.items_total()


@dataclass
class LotSpec:
    """One ENVIO_LOTE_GUIAS; who sends it and when come from the caller."""

    lot_number: str
    registro_ans: str
    guide_type: str
    guides: list[GuideSpec]
    provider_name: str
    transaction_at: datetime  # written as its wall-clock date and time
    sender_code: str | None = None  # codigoPrestadorNaOperadora; else sender_cnpj is used
    sender_cnpj: str | None = None
    cnes: str = NO_CNES
    transaction_sequence: str = "1"
    transaction_type: str = "ENVIO_LOTE_GUIAS"
    version: str = TISS_VERSION
    encoding: str = "ISO-8859-1"
    pretty: bool = False


def _contratado(parent: etree._Element, lot: LotSpec) -> None:
    provider_id(parent, lot.sender_code, lot.sender_cnpj, None, CONTRATADO)


def build_lot(lot: LotSpec) -> bytes:
    """A complete ENVIO_LOTE_GUIAS mensagemTISS with its hash, valid against the XSD."""
    if lot.guide_type not in _GUIDE_BUILDERS:
        raise ValueError(f"Tipo de guia não suportado: {lot.guide_type}")

    def write_guides(guides: etree._Element) -> None:
        for guide in lot.guides:
            build_guide(guides, guide, lot)

    return build_lot_message(lot, write_guides)


def build_lot_message(lot: LotSpec, write_guides: Callable[[etree._Element], None]) -> bytes:
    """The mensagemTISS of the lot, its guides written by `write_guides(guiasTISS)`, with its hash
    (lot.guides is not read: services.lot_export writes stored guide elements through this)."""
    root, header = message(lot.transaction_type, lot.transaction_sequence, lot.transaction_at)
    provider_id(el(el(header, "origem"), "identificacaoPrestador"), lot.sender_code, lot.sender_cnpj)
    el(el(header, "destino"), "registroANS", lot.registro_ans)
    el(header, "Padrao", lot.version)
    lot_element = el(el(root, "prestadorParaOperadora"), "loteGuias")
    el(lot_element, "numeroLote", lot.lot_number)
    write_guides(el(lot_element, "guiasTISS"))
    hash_placeholder(root)
    return serialize(root, lot.encoding, lot.pretty)


def build_guide(parent: etree._Element, guide: GuideSpec, lot: LotSpec) -> etree._Element:
    """One guide element of the lot's type under parent (guiasTISS, or any element to read it from)."""
    element = el(parent, lot.guide_type)
    _GUIDE_BUILDERS[lot.guide_type](element, guide, lot)
    return element


def _beneficiary(parent: etree._Element, guide: GuideSpec, name: str = "dadosBeneficiario") -> None:
    beneficiary = el(parent, name)
    el(beneficiary, "numeroCarteira", guide.card_number)
    el(beneficiary, "atendimentoRN", "N")


def _professional(parent: etree._Element, p: ProfessionalSpec) -> None:
    el(parent, "nomeProfissional", p.name)
    el(parent, "conselhoProfissional", p.council)
    el(parent, "numeroConselhoProfissional", p.number)
    el(parent, "UF", p.uf)
    el(parent, "CBOS", p.cbos)


def _procedure_data(parent: etree._Element, item: ItemSpec, name: str = "procedimento") -> None:
    procedure = el(parent, name)
    el(procedure, "codigoTabela", item.table)
    el(procedure, "codigoProcedimento", item.code)
    el(procedure, "descricaoProcedimento", item.description[:150])


def _procedure_lines(parent: etree._Element, items: Iterable[ItemSpec], guide: GuideSpec, name: str,
                     extra: Callable[[etree._Element, GuideSpec], None] | None = None) -> None:
    """ct_procedimentoExecutado{Sadt,Int,HonorIndiv}; `extra` appends type-specific children."""
    for sequence, item in enumerate(items, start=1):
        line = el(parent, name)
        el(line, "sequencialItem", sequence)
        el(line, "dataExecucao", item.performed_date or guide.performed_date)
        _procedure_data(line, item)
        el(line, "quantidadeExecutada", quantity_text(item.quantity))
        el(line, "reducaoAcrescimo", "1.00")
        el(line, "valorUnitario", item.unit_value)
        el(line, "valorTotal", item.line_total())
        if extra:
            extra(line, guide)


def _expenses(parent: etree._Element, items: list[ItemSpec], guide: GuideSpec, first_sequence: int) -> None:
    if not items:
        return
    container = el(parent, "outrasDespesas")
    for sequence, item in enumerate(items, start=first_sequence):
        expense = el(container, "despesa")
        el(expense, "sequencialItem", sequence)
        el(expense, "codigoDespesa", item.expense_type)
        service = el(expense, "servicosExecutados")
        el(service, "dataExecucao", item.performed_date or guide.performed_date)
        el(service, "codigoTabela", item.table)
        el(service, "codigoProcedimento", item.code)
        el(service, "quantidadeExecutada", quantity_text(item.quantity))
        el(service, "unidadeMedida", item.unit_measure)
        el(service, "reducaoAcrescimo", "1.00")
        el(service, "valorUnitario", item.unit_value)
        el(service, "valorTotal", item.line_total())
        el(service, "descricaoProcedimento", item.description[:150])


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
    total = el(parent, "valorTotal")
    for name in _SUBTOTAL_ORDER:
        opt(total, name, sums.get(name))
    el(total, "valorTotalGeral", guide.guide_total())


def _consulta(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    if len(guide.items) != 1:
        raise ValueError("Uma guia de consulta tem exatamente um procedimento.")
    item = guide.items[0]
    header = el(element, "cabecalhoConsulta")
    el(header, "registroANS", lot.registro_ans)
    el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    opt(element, "numeroGuiaOperadora", guide.operator_guide_number)
    _beneficiary(element, guide)
    executor = el(element, "contratadoExecutante")
    _contratado(executor, lot)
    el(executor, "CNES", lot.cnes)
    _professional(el(element, "profissionalExecutante"), guide.professional)
    el(element, "indicacaoAcidente", guide.accident_indication)
    care = el(element, "dadosAtendimento")
    el(care, "regimeAtendimento", guide.care_regime)
    el(care, "dataAtendimento", item.performed_date or guide.performed_date)
    el(care, "tipoConsulta", guide.consultation_type)
    procedure = el(care, "procedimento")
    el(procedure, "codigoTabela", item.table)
    el(procedure, "codigoProcedimento", item.code)
    el(procedure, "valorProcedimento", guide.total if guide.total is not None else item.line_total())
    opt(element, "observacao", guide.observation)


def _sadt(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    header = el(element, "cabecalhoGuia")
    el(header, "registroANS", lot.registro_ans)
    el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    opt(header, "guiaPrincipal", guide.request_guide_number)
    if guide.authorization_password or guide.operator_guide_number:
        authorization = el(element, "dadosAutorizacao")
        opt(authorization, "numeroGuiaOperadora", guide.operator_guide_number)
        el(authorization, "dataAutorizacao", guide.authorization_date or guide.performed_date)
        opt(authorization, "senha", guide.authorization_password)
    _beneficiary(element, guide)
    requester = el(element, "dadosSolicitante")
    _contratado(el(requester, "contratadoSolicitante"), lot)
    el(requester, "nomeContratadoSolicitante", lot.provider_name[:70])
    _professional(el(requester, "profissionalSolicitante"), guide.requester or guide.professional)
    request = el(element, "dadosSolicitacao")
    el(request, "dataSolicitacao", guide.requested_on or guide.authorization_date or guide.performed_date)
    el(request, "caraterAtendimento", guide.care_character)
    opt(request, "indicacaoClinica", guide.clinical_indication)
    executor = el(element, "dadosExecutante")
    _contratado(el(executor, "contratadoExecutante"), lot)
    el(executor, "CNES", lot.cnes)
    care = el(element, "dadosAtendimento")
    el(care, "tipoAtendimento", guide.care_type)
    el(care, "indicacaoAcidente", guide.accident_indication)
    el(care, "regimeAtendimento", guide.care_regime)
    procedures, expenses = _split(guide)
    if procedures:
        _procedure_lines(el(element, "procedimentosExecutados"), procedures, guide, "procedimentoExecutado",
                         extra=_sadt_team if guide.executor_team else None)
    _expenses(element, expenses, guide, len(procedures) + 1)
    opt(element, "observacao", guide.observation)
    _value_total(element, guide)


def _sadt_team(line: etree._Element, guide: GuideSpec) -> None:
    """ct_identEquipeSADT: the executing professional of the procedure, coded as the contracted provider."""
    p = guide.professional
    member = el(line, "equipeSadt")
    el(el(member, "codProfissional"), "codigoPrestadorNaOperadora", p.code)
    el(member, "nomeProf", p.name)
    el(member, "conselho", p.council)
    el(member, "numeroConselhoProfissional", p.number)
    el(member, "UF", p.uf)
    el(member, "CBOS", p.cbos)


def _internacao(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    if not guide.authorization_password:
        raise ValueError("A guia de resumo de internação exige a senha de autorização.")
    header = el(element, "cabecalhoGuia")
    el(header, "registroANS", lot.registro_ans)
    el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    el(element, "numeroGuiaSolicitacaoInternacao", guide.request_guide_number or guide.provider_guide_number)
    authorization = el(element, "dadosAutorizacao")
    opt(authorization, "numeroGuiaOperadora", guide.operator_guide_number)
    el(authorization, "dataAutorizacao", guide.authorization_date or guide.performed_date)
    el(authorization, "senha", guide.authorization_password)
    _beneficiary(element, guide)
    executor = el(element, "dadosExecutante")
    _contratado(el(executor, "contratadoExecutante"), lot)
    el(executor, "CNES", lot.cnes)
    stay = el(element, "dadosInternacao")
    for name, value in (("caraterAtendimento", guide.care_character), ("tipoFaturamento", "4"),
                        ("dataInicioFaturamento", guide.performed_date), ("horaInicioFaturamento", "08:00:00"),
                        ("dataFinalFaturamento", guide.end_date or guide.performed_date),
                        ("horaFinalFaturamento", "12:00:00"), ("tipoInternacao", "2"), ("regimeInternacao", "1")):
        el(stay, name, value)
    discharge = el(element, "dadosSaidaInternacao")
    el(discharge, "indicadorAcidente", guide.accident_indication)
    el(discharge, "motivoEncerramento", "12")  # alta melhorado
    procedures, expenses = _split(guide)
    if procedures:
        _procedure_lines(el(element, "procedimentosExecutados"), procedures, guide, "procedimentoExecutado")
    _value_total(element, guide)
    _expenses(element, expenses, guide, len(procedures) + 1)
    opt(element, "observacao", guide.observation)


def _team_member(line: etree._Element, guide: GuideSpec) -> None:
    p = guide.professional
    member = el(line, "profissionais")
    el(member, "grauParticipacao", "00")  # cirurgião / executante
    el(el(member, "codProfissional"), "codigoPrestadorNaOperadora", p.code)
    el(member, "nomeProfissional", p.name)
    el(member, "conselhoProfissional", p.council)
    el(member, "numeroConselhoProfissional", p.number)
    el(member, "UF", p.uf)
    el(member, "CBO", p.cbos)


def _honorarios(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    # A honorários guide has no outrasDespesas: every line (a fee or material the portal billed with it
    # included) is a procedimentoRealizado of its own TUSS table.
    provider = lot.sender_code or lot.sender_cnpj
    header = el(element, "cabecalhoGuia")
    el(header, "registroANS", lot.registro_ans)
    el(header, "numeroGuiaPrestador", guide.provider_guide_number)
    el(element, "guiaSolicInternacao", guide.request_guide_number or guide.provider_guide_number)
    opt(element, "senha", guide.authorization_password)
    opt(element, "numeroGuiaOperadora", guide.operator_guide_number)
    _beneficiary(element, guide, "beneficiario")
    place = el(element, "localContratado")
    code = el(place, "codigoContratado")
    el(code, "codigoNaOperadora" if lot.sender_code else "cnpjLocalExecutante", provider)
    el(place, "nomeContratado", lot.provider_name[:70])
    el(place, "cnes", lot.cnes)
    executor = el(element, "dadosContratadoExecutante")
    el(executor, "codigonaOperadora", provider)
    el(executor, "cnesContratadoExecutante", lot.cnes)
    stay = el(element, "dadosInternacao")
    el(stay, "dataInicioFaturamento", guide.performed_date)
    el(stay, "dataFimFaturamento", guide.end_date or guide.performed_date)
    el(stay, "caraterAtendimento", guide.care_character)
    _procedure_lines(el(element, "procedimentosRealizados"), guide.items, guide, "procedimentoRealizado",
                     extra=_team_member)
    opt(element, "observacao", guide.observation)
    el(element, "valorTotalHonorarios", guide.guide_total())
    el(element, "dataEmissaoGuia", guide.end_date or guide.performed_date)


def _odonto(element: etree._Element, guide: GuideSpec, lot: LotSpec) -> None:
    p = guide.professional
    el(element, "registroANS", lot.registro_ans)
    el(element, "numeroGuiaPrestador", guide.provider_guide_number)
    opt(element, "numeroGuiaPrincipal", guide.request_guide_number)
    if guide.authorization_password:
        el(element, "dataAutorizacao", guide.authorization_date or guide.performed_date)
        el(element, "senhaAutorizacao", guide.authorization_password)
    opt(element, "numeroGuiaOperadora", guide.operator_guide_number)
    _beneficiary(element, guide)
    el(element, "planoBeneficiario", "PLANO ODONTOLOGICO")
    team = el(element, "dadosProfissionaisResponsaveis")
    for name, value in (("codigoProfExec", p.code), ("croExec", p.number), ("ufExec", p.uf),
                        ("cnesExec", lot.cnes), ("cbosExec2", CBOS_DENTISTA)):
        el(team, name, value)
    for sequence, item in enumerate(guide.items, start=1):
        line = el(element, "procedimentosExecutados")
        el(line, "sequencialItem", sequence)
        _procedure_data(line, item, "procSolic")
        el(line, "qtdProc", quantity_text(item.quantity))
        el(line, "valorProc", item.line_total())
        el(line, "autorizado", "true")
        el(line, "dataRealizacao", item.performed_date or guide.performed_date)
    el(element, "tipoAtendimento", "1")  # tratamento odontológico
    el(element, "tipoFaturamento", "4")  # total
    el(element, "valorTotalProc", guide.guide_total())
    opt(element, "observacao", guide.observation)


_GUIDE_BUILDERS = {
    GUIDE_CONSULTA: _consulta,
    GUIDE_SP_SADT: _sadt,
    GUIDE_RESUMO_INTERNACAO: _internacao,
    GUIDE_HONORARIOS: _honorarios,
    GUIDE_ODONTO: _odonto,
}
