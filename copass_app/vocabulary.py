"""One entry per value of each domain enum: what people read, its badge colour, its place in
the filters, and its TISS code. Pages, states, services and PDFs read labels from here only.

No reflex and no database: the CLI and the reports use it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from copass_app.models import (
    AppealStatus,
    AttendanceStatus,
    BatchOrigin,
    BatchStatus,
    GlosaSource,
    GlosaStatus,
    GuideStatus,
    GuideType,
    Tax,
)
from copass_app.tiss import codes


@dataclass(frozen=True)
class Term:
    value: str  # the enum value as stored
    label: str  # what people read
    color: str = "gray"  # Radix colour of its badge
    short: str = ""  # a column or a filter, when the label is long
    tiss_code: str = ""  # the TISS domain code, where one exists

    @property
    def short_label(self) -> str:
        return self.short or self.label


class Vocabulary:
    """The terms of one enum, in the order filters and legends list them."""

    def __init__(self, name: str, terms: list[Term]) -> None:
        self.name = name
        self._terms = {term.value: term for term in terms}

    def __getitem__(self, value: StrEnum | str) -> Term:
        return self._terms[str(value)]

    def __contains__(self, value: object) -> bool:
        return str(value) in self._terms

    def __iter__(self):
        return iter(self._terms.values())

    def label(self, value: StrEnum | str) -> str:
        return self[value].label

    def options(self) -> list[tuple[str, str]]:
        """(value, label) for a filter's select."""
        return [(str(term.value), term.short_label) for term in self]

    def colors(self) -> dict[str, str]:
        return {term.value: term.color for term in self}


# TISS dm_statusProtocolo, the life of a batch.
BATCH_STATUS = Vocabulary("situação do lote", [
    Term(BatchStatus.RECEBIDO, "Recebido", "blue", tiss_code="1"),
    Term(BatchStatus.EM_ANALISE, "Em análise", "amber", tiss_code="2"),
    Term(BatchStatus.LIBERADO_PAGAMENTO, "Liberado para pagamento", "teal", tiss_code="3"),
    Term(BatchStatus.ENCERRADO_SEM_PAGAMENTO, "Encerrado sem pagamento", "red", tiss_code="4"),
    Term(BatchStatus.ANALISADO_AGUARDANDO_LIBERACAO, "Analisado e aguardando liberação para pagamento", "orange",
         short="Aguardando liberação", tiss_code="5"),
    Term(BatchStatus.PAGO, "Pagamento efetuado", "green", tiss_code="6"),
    Term(BatchStatus.CANCELADO, "Cancelado (estornado)", "gray", short="Cancelado", tiss_code="9"),
])

BATCH_ORIGIN = Vocabulary("origem do lote", [
    Term(BatchOrigin.WEB, "Portal do Prestador (faturamento na web)", "teal", short="Web"),
    Term(BatchOrigin.XML, "Arquivo XML TISS", "violet", short="XML"),
    Term(BatchOrigin.TYPED, "Atendimentos digitados no portal", "blue", short="Digitação"),
])

GUIDE_TYPE = Vocabulary("tipo de guia", [
    Term(GuideType.CONSULTA, "Consulta", tiss_code="guiaConsulta"),
    Term(GuideType.SP_SADT, "SP/SADT", tiss_code="guiaSP-SADT"),
    Term(GuideType.RESUMO_INTERNACAO, "Resumo de internação", tiss_code="guiaResumoInternacao"),
    Term(GuideType.HONORARIOS, "Honorários", tiss_code="guiaHonorarios"),
    Term(GuideType.ODONTO, "Odontologia", tiss_code="guiaOdonto"),
])

# TISS dm_statusSolicitacao, as the operator records it.
GUIDE_STATUS = Vocabulary("situação TISS da guia", [
    Term(GuideStatus.AUTORIZADO, "Autorizado", "green", tiss_code="1"),
    Term(GuideStatus.EM_ANALISE, "Em análise", "amber", tiss_code="2"),
    Term(GuideStatus.NEGADO, "Negado", "red", tiss_code="3"),
    Term(GuideStatus.AGUARDANDO_JUSTIFICATIVA, "Aguardando justificativa técnica do solicitante", "orange",
         tiss_code="4"),
    Term(GuideStatus.AGUARDANDO_DOCUMENTACAO, "Aguardando documentação do prestador", "orange", tiss_code="5"),
    Term(GuideStatus.CANCELADA, "Solicitação cancelada", "gray", tiss_code="6"),
    Term(GuideStatus.AUTORIZADO_PARCIALMENTE, "Autorizado parcialmente", "green", tiss_code="7"),
])


class GuideSituation(StrEnum):
    """The five situations providers know; each TISS status belongs to exactly one."""

    AUTORIZADA = "autorizada"
    NAO_AUTORIZADA = "nao_autorizada"
    PENDENTE = "pendente"
    NEGADA = "negada"
    CANCELADA = "cancelada"


GUIDE_SITUATION = Vocabulary("situação da guia", [
    Term(GuideSituation.AUTORIZADA, "Autorizada", "green"),
    Term(GuideSituation.NAO_AUTORIZADA, "Não autorizada", "orange"),
    Term(GuideSituation.PENDENTE, "Pendente", "amber"),
    Term(GuideSituation.NEGADA, "Negada", "red"),
    Term(GuideSituation.CANCELADA, "Cancelada", "gray"),
])

STATUSES_OF_SITUATION: dict[GuideSituation, tuple[GuideStatus, ...]] = {
    GuideSituation.AUTORIZADA: (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE),
    GuideSituation.NAO_AUTORIZADA: (GuideStatus.AGUARDANDO_JUSTIFICATIVA, GuideStatus.AGUARDANDO_DOCUMENTACAO),
    GuideSituation.PENDENTE: (GuideStatus.EM_ANALISE,),
    GuideSituation.NEGADA: (GuideStatus.NEGADO,),
    GuideSituation.CANCELADA: (GuideStatus.CANCELADA,),
}
SITUATION_OF_STATUS = {status: group for group, members in STATUSES_OF_SITUATION.items() for status in members}

# TUSS tables a provider may add to a guide when billing.
EXTRA_ITEM_TABLE = Vocabulary("tabela TUSS", [
    Term("18", "Diárias, taxas e gases medicinais", short="Taxas e diárias (TUSS 18)", tiss_code="18"),
    Term("19", "Materiais e OPME", short="Materiais (TUSS 19)", tiss_code="19"),
    Term("20", "Medicamentos", short="Medicamentos (TUSS 20)", tiss_code="20"),
])

UPLOAD_RESULT = Vocabulary("resultado do envio", [
    Term("accepted", "Aceito", "green"),
    Term("refused", "Recusado", "red"),
])

# The money half.
GLOSA_STATUS = Vocabulary("situação da glosa", [
    Term(GlosaStatus.PROPOSTA, "Proposta pela crítica", "amber", short="Proposta"),
    Term(GlosaStatus.APLICADA, "Aplicada", "red"),
    Term(GlosaStatus.DESCARTADA, "Descartada", "gray"),
])

GLOSA_SOURCE = Vocabulary("origem da glosa", [
    Term(GlosaSource.CRITICA, "Crítica automática", "amber", short="Crítica"),
    Term(GlosaSource.ANALISTA, "Analista", "blue"),
])

APPEAL_STATUS = Vocabulary("situação do recurso", [
    Term(AppealStatus.PENDENTE, "Aguardando análise", "amber", short="Pendente"),
    Term(AppealStatus.ACEITO, "Aceito", "green"),
    Term(AppealStatus.ACEITO_PARCIAL, "Aceito parcialmente", "teal", short="Aceito parcial"),
    Term(AppealStatus.RECUSADO, "Recusado", "red"),
])

TAX = Vocabulary("tributo retido", [
    Term(Tax.IRRF, "Imposto de Renda Retido na Fonte", short="IRRF"),
    Term(Tax.PIS, "PIS", short="PIS"),
    Term(Tax.COFINS, "COFINS", short="COFINS"),
    Term(Tax.CSLL, "CSLL", short="CSLL"),
    Term(Tax.ISS, "ISS", short="ISS"),
])

# The automatic critique's rules, each with the TISS table 38 code of the glosa it proposes.
CRITIQUE_RULE = Vocabulary("regra da crítica", [
    Term("duplicate", "Cobrança em duplicidade (mesmo procedimento, beneficiário e data)", "red",
         short="Duplicidade", tiss_code=codes.DUPLICATE_BILLING),
    Term("value_above_contract", "Valor unitário acima do contratado", "orange", short="Valor acima do contrato",
         tiss_code=codes.VALUE_ABOVE_CONTRACT),
    Term("quantity_above_authorized", "Quantidade acima da autorizada", "orange", short="Quantidade acima",
         tiss_code=codes.ABOVE_AUTHORIZED),
    Term("outside_validity", "Atendimento fora da validade da autorização", "amber", short="Fora da validade",
         tiss_code=codes.GUIDE_EXPIRED),
    Term("not_authorized", "Procedimento não autorizado", "red", short="Não autorizado",
         tiss_code=codes.PROCEDURE_NOT_AUTHORIZED),
    Term("unknown_card", "Carteira do beneficiário não identificada", "red", short="Carteira desconhecida",
         tiss_code=codes.INVALID_CARD),
])

# --- typed attendances (issue 12) -----------------------------------------------------------------

ATTENDANCE_STATUS = Vocabulary("situação do atendimento digitado", [
    Term(AttendanceStatus.DIGITADO, "Digitado", "blue"),
    Term(AttendanceStatus.FECHADO, "Fechado", "green"),
])

# TISS domain tables the typed forms offer (values checked against the XSD's dm_* by a test).
PROFESSIONAL_COUNCIL = Vocabulary("conselho profissional (dm_conselhoProfissional)", [
    Term("01", "CRAS – Conselho Regional de Assistência Social", short="CRAS", tiss_code="01"),
    Term("02", "COREN – Conselho Regional de Enfermagem", short="COREN", tiss_code="02"),
    Term("03", "CRF – Conselho Regional de Farmácia", short="CRF", tiss_code="03"),
    Term("04", "CRFA – Conselho Regional de Fonoaudiologia", short="CRFA", tiss_code="04"),
    Term("05", "CREFITO – Conselho Regional de Fisioterapia e Terapia Ocupacional", short="CREFITO",
         tiss_code="05"),
    Term("06", "CRM – Conselho Regional de Medicina", short="CRM", tiss_code="06"),
    Term("07", "CRN – Conselho Regional de Nutrição", short="CRN", tiss_code="07"),
    Term("08", "CRO – Conselho Regional de Odontologia", short="CRO", tiss_code="08"),
    Term("09", "CRP – Conselho Regional de Psicologia", short="CRP", tiss_code="09"),
    Term("10", "Outros conselhos", short="Outros", tiss_code="10"),
    *(Term(code, f"Conselho código {code} (tabela TISS 26)", short=code, tiss_code=code)
      for code in ("11", "12", "13", "14", "15")),
])

UF = Vocabulary("unidade da federação (dm_UF, código IBGE)", [
    Term(code, name, short=short, tiss_code=code) for code, short, name in (
        ("11", "RO", "Rondônia"), ("12", "AC", "Acre"), ("13", "AM", "Amazonas"), ("14", "RR", "Roraima"),
        ("15", "PA", "Pará"), ("16", "AP", "Amapá"), ("17", "TO", "Tocantins"), ("21", "MA", "Maranhão"),
        ("22", "PI", "Piauí"), ("23", "CE", "Ceará"), ("24", "RN", "Rio Grande do Norte"), ("25", "PB", "Paraíba"),
        ("26", "PE", "Pernambuco"), ("27", "AL", "Alagoas"), ("28", "SE", "Sergipe"), ("29", "BA", "Bahia"),
        ("31", "MG", "Minas Gerais"), ("32", "ES", "Espírito Santo"), ("33", "RJ", "Rio de Janeiro"),
        ("35", "SP", "São Paulo"), ("41", "PR", "Paraná"), ("42", "SC", "Santa Catarina"),
        ("43", "RS", "Rio Grande do Sul"), ("50", "MS", "Mato Grosso do Sul"), ("51", "MT", "Mato Grosso"),
        ("52", "GO", "Goiás"), ("53", "DF", "Distrito Federal"), ("98", "EX", "Países estrangeiros"),
    )
])

CARE_CHARACTER = Vocabulary("caráter do atendimento (dm_caraterAtendimento)", [
    Term("1", "Eletivo", tiss_code="1"),
    Term("2", "Urgência/Emergência", tiss_code="2"),
])

CONSULTATION_TYPE = Vocabulary("tipo de consulta (dm_tipoConsulta)", [
    Term("1", "Primeira consulta", tiss_code="1"),
    Term("2", "Retorno", tiss_code="2"),
    Term("3", "Pré-natal", tiss_code="3"),
    Term("4", "Por encaminhamento", tiss_code="4"),
])

ACCIDENT_INDICATION = Vocabulary("indicação de acidente (dm_indicadorAcidente)", [
    Term("0", "Trabalho", tiss_code="0"),
    Term("1", "Trânsito", tiss_code="1"),
    Term("2", "Outros acidentes", tiss_code="2"),
    Term("9", "Não acidente", tiss_code="9"),
])

CARE_REGIME = Vocabulary("regime de atendimento (dm_regimeAtendimento)", [
    Term("01", "Ambulatorial", tiss_code="01"),
    Term("02", "Emergência", tiss_code="02"),
    Term("03", "Internação", tiss_code="03"),
    Term("04", "Hospital-dia", tiss_code="04"),
    Term("05", "Atenção domiciliar", tiss_code="05"),
])

SADT_CARE_TYPE = Vocabulary("tipo de atendimento (dm_tipoAtendimento)", [
    Term("01", "Remoção", tiss_code="01"),
    Term("02", "Pequena cirurgia", tiss_code="02"),
    Term("03", "Outras terapias", tiss_code="03"),
    Term("04", "Consulta", tiss_code="04"),
    Term("08", "Quimioterapia", tiss_code="08"),
    Term("09", "Radioterapia", tiss_code="09"),
    Term("10", "Terapia renal substitutiva (TRS)", tiss_code="10"),
    Term("13", "Pequeno atendimento (sutura, gesso e outros)", tiss_code="13"),
    Term("23", "Exame", tiss_code="23"),
])
