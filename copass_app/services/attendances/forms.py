"""What the attendance form sends and what the pages show: plain dataclasses, the limits and the refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from copass_app.models import (
    AttendanceStatus,
    GuideType,
)
from copass_app.services.errors import DomainError

TYPED_TYPES = (GuideType.CONSULTA, GuideType.SP_SADT)
NOT_FOUND = "Atendimento não encontrado."
MAX_PROCEDURES = 99  # sequencialItem is st_numerico4; a typed guide is short
MAX_QUANTITY = 999  # quantidadeExecutada: st_numerico3 (a whole number)
SEARCH_LIMIT = 20


class AttendanceInvalid(DomainError):
    """The form has wrong fields: `fields` maps each to its Portuguese message, `field_codes` to a TISS code."""

    def __init__(self, fields: dict[str, str], field_codes: dict[str, str] | None = None) -> None:
        count = len(fields)
        super().__init__(f"Corrija {'o campo destacado' if count == 1 else f'os {count} campos destacados'}: "
                         + " ".join(fields.values()))
        self.fields = fields
        self.field_codes = field_codes or {}


# --- what the form sends -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfessionalInput:
    name: str = ""
    council: str = ""  # dm_conselhoProfissional
    number: str = ""
    uf: str = ""  # dm_UF (IBGE code)
    cbos: str = ""  # dm_CBOS


@dataclass(frozen=True)
class ProcedureInput:
    code: str = ""  # TUSS 22
    quantity: str = "1"
    unit_value: str = ""  # "" = the contracted price


@dataclass(frozen=True)
class AttendanceInput:
    guide_type: GuideType | str = ""
    competence: str = ""
    card_number: str = ""
    performed_on: str | date = ""
    professional: ProfessionalInput = field(default_factory=ProfessionalInput)
    accident_indication: str = ""
    care_regime: str = ""
    procedures: list[ProcedureInput] = field(default_factory=list)
    consultation_type: str = ""  # consulta
    care_character: str = ""  # SP/SADT
    care_type: str = ""  # SP/SADT
    requester: ProfessionalInput | None = None  # SP/SADT
    requested_on: str | date | None = None  # SP/SADT
    clinical_indication: str = ""  # SP/SADT
    provider_guide_number: str = ""
    observation: str = ""


# --- what the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingView:
    rule: str
    rule_label: str
    reason_code: str  # TISS tabela 38
    message: str
    value: Decimal
    item_code: str


@dataclass(frozen=True)
class AttendanceItemView:
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal


@dataclass(frozen=True)
class AttendanceView:
    guide_id: int
    guide_type: GuideType
    number: str
    competence: str
    status: AttendanceStatus
    beneficiary_name: str
    card_number: str
    performed_on: date
    total: Decimal
    items: list[AttendanceItemView]
    protocol_number: str | None
    findings: list[FindingView]
    input: AttendanceInput


@dataclass(frozen=True)
class AttendanceRow:
    guide_id: int
    number: str
    guide_type: GuideType
    beneficiary_name: str
    card_number: str
    performed_on: date
    total: Decimal
    status: AttendanceStatus
    protocol_number: str | None


@dataclass(frozen=True)
class BeneficiaryHit:
    id: int
    card_number: str
    name: str
    birth_date: date


@dataclass(frozen=True)
class ProcedureHit:
    code: str
    name: str
    price: Decimal | None  # the contracted price, when the catalog has one
