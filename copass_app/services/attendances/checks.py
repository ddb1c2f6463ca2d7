"""Checking what was typed: every field as the TISS 4.03.00 guide needs it, each wrong one named with its own
Portuguese message (AttendanceInvalid.fields)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from sqlmodel import Session, select

from copass_app import formatting as fmt
from copass_app.dbtypes import to_money
from copass_app.models import (
    Beneficiary,
    CatalogItem,
    Guide,
    GuideType,
    Provider,
)
from copass_app.services.attendances.forms import (
    MAX_PROCEDURES,
    MAX_QUANTITY,
    TYPED_TYPES,
    AttendanceInput,
    AttendanceInvalid,
    ProcedureInput,
    ProfessionalInput,
)
from copass_app.services.critique.context import (
    PROCEDURE_TABLE,
)
from copass_app.services.errors import DomainError
from copass_app.services.tuss_source import TussTerm, current_terms
from copass_app.services.typed_input import competence_month, parse_competence, parse_date, parse_money
from copass_app.text import clean_input
from copass_app.tiss import codes, domains
from copass_app.tiss.clinical import ConsultaDetail, Detail, Professional, SadtDetail

# --- checking what was typed -----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedLine:
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    contract_price: Decimal | None

    @property
    def total(self) -> Decimal:
        return to_money(self.quantity * self.unit_value)


@dataclass(frozen=True)
class CheckedInput:
    guide_type: GuideType
    competence: str
    beneficiary: Beneficiary
    performed_on: date
    number: str  # "" = the portal numbers it
    detail: Detail
    lines: list[CheckedLine]

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def add(self, name: str, message: str, code: str | None = None) -> None:
        self.fields.setdefault(name, message)
        if code:
            self.codes.setdefault(name, code)

    def raise_if_any(self) -> None:
        if self.fields:
            raise AttendanceInvalid(self.fields, self.codes)


def as_text(value: object) -> str:
    return " ".join(clean_input(value if isinstance(value, str) else "").split())


def _code(errors: _Errors, name: str, value: str, domain: str, label: str, tiss_code: str | None = None) -> str:
    value = as_text(value)
    if not value:
        errors.add(name, f"{label}: escolha uma opção.", tiss_code)
    elif not domains.allows(domain, value):
        errors.add(name, f"{label}: “{value}” não é um código válido da tabela TISS.", tiss_code)
    return value


def _length(errors: _Errors, name: str, value: str, label: str, limit: int, *, required: bool) -> str:
    value = as_text(value)
    if required and not value:
        errors.add(name, f"{label}: campo obrigatório.")
    elif len(value) > limit:
        errors.add(name, f"{label}: no máximo {limit} caracteres (tem {len(value)}).")
    return value


def _professional(errors: _Errors, prefix: str, given: ProfessionalInput | None, who: str) -> Professional | None:
    given = given or ProfessionalInput()
    name = _length(errors, f"{prefix}.name", given.name, f"Nome do profissional {who}", 70, required=True)
    council = _code(errors, f"{prefix}.council", given.council, "dm_conselhoProfissional", "Conselho profissional")
    number = _length(errors, f"{prefix}.number", given.number, "Número no conselho", 15, required=True)
    uf = _code(errors, f"{prefix}.uf", given.uf, "dm_UF", "UF do conselho")
    cbos = as_text(given.cbos)
    if not cbos:
        errors.add(f"{prefix}.cbos", "CBO: informe o código CBO do profissional (6 dígitos).")
    elif not domains.allows("dm_CBOS", cbos):
        errors.add(f"{prefix}.cbos", f"CBO: “{cbos}” não é um código CBO aceito pelo padrão TISS.")
    if any(key.startswith(prefix + ".") for key in errors.fields):
        return None
    return Professional(name=name, council=council, number=number, uf=uf, cbos=cbos)


def _date(errors: _Errors, name: str, value: object, label: str) -> date | None:
    try:
        return parse_date(value, label)
    except DomainError as error:
        errors.add(name, error.message, codes.INVALID_DATE)
        return None


def contract_prices(db: Session, codes_: set[str]) -> dict[str, Decimal]:
    if not codes_:
        return {}
    return dict(db.exec(select(CatalogItem.code, CatalogItem.price)
                        .where(CatalogItem.table_code == PROCEDURE_TABLE, CatalogItem.code.in_(codes_))).all())


def _catalog_names(db: Session, codes_: set[str]) -> dict[str, str]:
    names = {term.code: term.name for term in tuss_terms() if term.code in codes_}
    if codes_ - names.keys():
        names.update(db.exec(select(CatalogItem.code, CatalogItem.name)
                             .where(CatalogItem.table_code == PROCEDURE_TABLE,
                                    CatalogItem.code.in_(codes_ - names.keys()))).all())
    return names


@cache
def tuss_terms() -> tuple[TussTerm, ...]:
    """TUSS 22 in force (read once per process: the file has every table)."""
    return tuple(current_terms(PROCEDURE_TABLE, max_name_length=150))


def _lines(db: Session, errors: _Errors, guide_type: GuideType, procedures: list[ProcedureInput]) -> list[CheckedLine]:
    if not procedures:
        errors.add("procedures", "Inclua ao menos um procedimento.")
        return []
    if guide_type == GuideType.CONSULTA and len(procedures) != 1:
        errors.add("procedures", "A guia de consulta tem exatamente um procedimento.")
        return []
    if len(procedures) > MAX_PROCEDURES:
        errors.add("procedures", f"No máximo {MAX_PROCEDURES} procedimentos por atendimento.")
        return []
    wanted = {as_text(p.code) for p in procedures}
    names = _catalog_names(db, wanted)
    prices = contract_prices(db, wanted)
    lines = []
    for index, procedure in enumerate(procedures):
        where = f"procedures[{index}]"
        code = as_text(procedure.code)
        if not code:
            errors.add(f"{where}.code", "Procedimento: informe o código TUSS ou busque pelo nome.",
                       codes.PROCEDURE_MISMATCH)
            continue
        if code not in names:
            errors.add(f"{where}.code", f"Procedimento {code}: não consta da tabela TUSS 22 em vigor.",
                       codes.PROCEDURE_MISMATCH)
            continue
        quantity = _quantity(errors, f"{where}.quantity", procedure.quantity, guide_type)
        unit_value = _unit_value(errors, f"{where}.unit_value", procedure.unit_value, prices.get(code), code)
        if quantity is not None and unit_value is not None:
            lines.append(CheckedLine(code, names[code], quantity, unit_value, prices.get(code)))
    return lines


def _quantity(errors: _Errors, name: str, value: object, guide_type: GuideType) -> Decimal | None:
    text = as_text(value) if isinstance(value, str) else str(value)
    if not text.isdigit() or int(text) < 1:
        errors.add(name, "Quantidade: informe um número inteiro maior que zero.")
        return None
    if int(text) > MAX_QUANTITY:
        errors.add(name, f"Quantidade: no máximo {MAX_QUANTITY} (padrão TISS).")
        return None
    if guide_type == GuideType.CONSULTA and int(text) != 1:
        errors.add(name, "Quantidade: a consulta é cobrada com quantidade 1.")
        return None
    return Decimal(int(text))


def _unit_value(errors: _Errors, name: str, value: object, price: Decimal | None, code: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if price is None:
            errors.add(name, f"Valor unitário: o procedimento {code} não tem preço contratado; informe o valor.")
        return price
    try:
        unit_value = parse_money(value, "Valor unitário")
    except DomainError as error:
        errors.add(name, error.message)
        return None
    if unit_value <= 0:
        errors.add(name, "Valor unitário: informe um valor maior que zero.")
        return None
    return unit_value


def _beneficiary(db: Session, errors: _Errors, provider: Provider, card: str) -> Beneficiary | None:
    card = as_text(card).replace(" ", "")
    if not card:
        errors.add("card_number", "Beneficiário: informe o número da carteira ou busque pelo nome.",
                   codes.INVALID_CARD)
        return None
    found = db.exec(select(Beneficiary).where(Beneficiary.card_number == card,
                                              Beneficiary.operator_id == provider.operator_id)).first()
    if found is None:
        errors.add("card_number", f"Carteira {card} não encontrada entre os beneficiários da operadora.",
                   codes.INVALID_CARD)
    return found


def _guide_type(errors: _Errors, value: object) -> GuideType | None:
    if str(value) not in {t.value for t in TYPED_TYPES}:
        errors.add("guide_type", "Tipo de guia: escolha Consulta ou SP/SADT.", codes.WRONG_GUIDE_TYPE)
        return None
    return GuideType(str(value))


def check_input(db: Session, provider: Provider, data: AttendanceInput, *, today: date,
           guide_id: int | None = None) -> CheckedInput:
    errors = _Errors()
    guide_type = _guide_type(errors, data.guide_type)
    competence = None
    try:
        competence = parse_competence(data.competence)
    except DomainError as error:
        errors.add("competence", error.message)
    beneficiary = _beneficiary(db, errors, provider, data.card_number)
    performed_on = _date(errors, "performed_on", data.performed_on, "Data do atendimento")
    if performed_on and performed_on > today:
        errors.add("performed_on", f"Data do atendimento: {fmt.date_br(performed_on)} ainda não chegou.",
                   codes.INVALID_DATE)
    elif performed_on and competence and performed_on > competence_month(competence)[1]:
        errors.add("performed_on", f"Data do atendimento: {fmt.date_br(performed_on)} é posterior à competência "
                                   f"{fmt.competence(competence)}.", codes.INVALID_DATE)
    number = _length(errors, "provider_guide_number", data.provider_guide_number, "Número da guia no prestador",
                     20, required=False)
    if number and _number_taken(db, provider.id, number, guide_id):
        errors.add("provider_guide_number", f"Número da guia {number}: já usado em outra guia deste prestador.",
                   codes.GUIDE_ALREADY_SENT)
    professional = _professional(errors, "professional", data.professional, "executante")
    accident = _code(errors, "accident_indication", data.accident_indication, "dm_indicadorAcidente",
                     "Indicação de acidente")
    regime = _code(errors, "care_regime", data.care_regime, "dm_regimeAtendimento", "Regime de atendimento")
    observation = _length(errors, "observation", data.observation, "Observação", 500, required=False)
    detail_fields: dict = {}
    if guide_type == GuideType.CONSULTA:
        detail_fields["consultation_type"] = _code(errors, "consultation_type", data.consultation_type,
                                                   "dm_tipoConsulta", "Tipo de consulta")
    elif guide_type == GuideType.SP_SADT:
        detail_fields["requester"] = _professional(errors, "requester", data.requester, "solicitante")
        detail_fields["care_character"] = _code(errors, "care_character", data.care_character,
                                                "dm_caraterAtendimento", "Caráter do atendimento",
                                                codes.INVALID_CARE_CHARACTER)
        detail_fields["care_type"] = _code(errors, "care_type", data.care_type, "dm_tipoAtendimento",
                                           "Tipo de atendimento")
        requested_on = None
        if data.requested_on not in (None, ""):
            requested_on = _date(errors, "requested_on", data.requested_on, "Data da solicitação")
            if requested_on and performed_on and requested_on > performed_on:
                errors.add("requested_on", "Data da solicitação: não pode ser posterior à data do atendimento.",
                           codes.INVALID_DATE)
        detail_fields["requested_on"] = requested_on
        detail_fields["clinical_indication"] = _length(errors, "clinical_indication", data.clinical_indication,
                                                       "Indicação clínica", 500, required=False)
    lines = _lines(db, errors, guide_type, list(data.procedures or [])) if guide_type else []
    errors.raise_if_any()
    common = dict(professional=professional, accident_indication=accident, care_regime=regime,
                  observation=observation)
    model = ConsultaDetail if guide_type == GuideType.CONSULTA else SadtDetail
    return CheckedInput(guide_type, competence, beneficiary, performed_on, number, model(**common, **detail_fields),
                    lines)


def _number_taken(db: Session, provider_id: int, number: str, guide_id: int | None) -> bool:
    query = select(Guide.id).where(Guide.provider_id == provider_id, Guide.provider_guide_number == number)
    if guide_id is not None:
        query = query.where(Guide.id != guide_id)
    return db.exec(query).first() is not None
