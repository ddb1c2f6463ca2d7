"""Typed attendances ("Digitação de atendimentos"): a provider without billing software types its
consultas and SP/SADT guides over the month; they are kept per competência as "digitado", editable
and deletable until "Encerrar Fatura" (services.closing) closes them into a batch.

A typed attendance is a Guide row (status AUTORIZADO: the provider is the source, nothing waits for
an authorization), its GuideItem rows (the procedures, TUSS 22) and a TypedAttendance row with the
competência and the typed clinical fields (tiss.clinical). It is open while none of its items is in
a live batch: the BilledItem key that makes billing twice impossible also says "closed", and an
estorno of the batch opens it again.

Every field is checked as the TISS 4.03.00 guide needs it (domains read from the official XSD); a
refusal names each wrong field with its own Portuguese message (AttendanceInvalid.fields).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.dbtypes import to_money
from copass_app.models import (
    AttendanceStatus,
    Batch,
    BatchGuide,
    BatchItem,
    Beneficiary,
    BilledItem,
    CatalogItem,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
    Provider,
    TypedAttendance,
)
from copass_app.services import audit
from copass_app.services.access import Actor, require_provider
from copass_app.services.critique.context import (
    PROCEDURE_TABLE,
    GuideContext,
    ItemContext,
    ItemRef,
    _billed_elsewhere,
    _Guide,
)
from copass_app.services.critique.rules import critique
from copass_app.services.critique.settings import effective_settings
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import PAGE_SIZE, Page, clamp
from copass_app.services.tuss_source import TussTerm, current_terms
from copass_app.services.typed_input import competence_month, parse_competence, parse_date, parse_money
from copass_app.text import clean_input, escape_like, fold
from copass_app.tiss import codes, domains
from copass_app.tiss.clinical import ConsultaDetail, Detail, Professional, SadtDetail, dump_detail, parse_detail

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


# --- checking what was typed -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    contract_price: Decimal | None

    @property
    def total(self) -> Decimal:
        return to_money(self.quantity * self.unit_value)


@dataclass(frozen=True)
class _Checked:
    guide_type: GuideType
    competence: str
    beneficiary: Beneficiary
    performed_on: date
    number: str  # "" = the portal numbers it
    detail: Detail
    lines: list[_Line]

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


def _text(value: object) -> str:
    return " ".join(clean_input(value if isinstance(value, str) else "").split())


def _code(errors: _Errors, name: str, value: str, domain: str, label: str, tiss_code: str | None = None) -> str:
    value = _text(value)
    if not value:
        errors.add(name, f"{label}: escolha uma opção.", tiss_code)
    elif not domains.allows(domain, value):
        errors.add(name, f"{label}: “{value}” não é um código válido da tabela TISS.", tiss_code)
    return value


def _length(errors: _Errors, name: str, value: str, label: str, limit: int, *, required: bool) -> str:
    value = _text(value)
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
    cbos = _text(given.cbos)
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


def _contract_prices(db: Session, codes_: set[str]) -> dict[str, Decimal]:
    if not codes_:
        return {}
    return dict(db.exec(select(CatalogItem.code, CatalogItem.price)
                        .where(CatalogItem.table_code == PROCEDURE_TABLE, CatalogItem.code.in_(codes_))).all())


def _catalog_names(db: Session, codes_: set[str]) -> dict[str, str]:
    names = {term.code: term.name for term in _tuss_terms() if term.code in codes_}
    if codes_ - names.keys():
        names.update(db.exec(select(CatalogItem.code, CatalogItem.name)
                             .where(CatalogItem.table_code == PROCEDURE_TABLE,
                                    CatalogItem.code.in_(codes_ - names.keys()))).all())
    return names


@cache
def _tuss_terms() -> tuple[TussTerm, ...]:
    """TUSS 22 in force (read once per process: the file has every table)."""
    return tuple(current_terms(PROCEDURE_TABLE, max_name_length=150))


def _lines(db: Session, errors: _Errors, guide_type: GuideType, procedures: list[ProcedureInput]) -> list[_Line]:
    if not procedures:
        errors.add("procedures", "Inclua ao menos um procedimento.")
        return []
    if guide_type == GuideType.CONSULTA and len(procedures) != 1:
        errors.add("procedures", "A guia de consulta tem exatamente um procedimento.")
        return []
    if len(procedures) > MAX_PROCEDURES:
        errors.add("procedures", f"No máximo {MAX_PROCEDURES} procedimentos por atendimento.")
        return []
    wanted = {_text(p.code) for p in procedures}
    names = _catalog_names(db, wanted)
    prices = _contract_prices(db, wanted)
    lines = []
    for index, procedure in enumerate(procedures):
        where = f"procedures[{index}]"
        code = _text(procedure.code)
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
            lines.append(_Line(code, names[code], quantity, unit_value, prices.get(code)))
    return lines


def _quantity(errors: _Errors, name: str, value: object, guide_type: GuideType) -> Decimal | None:
    text = _text(value) if isinstance(value, str) else str(value)
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
    card = _text(card).replace(" ", "")
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


def _check(db: Session, provider: Provider, data: AttendanceInput, *, today: date,
           guide_id: int | None = None) -> _Checked:
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
    return _Checked(guide_type, competence, beneficiary, performed_on, number, model(**common, **detail_fields),
                    lines)


def _number_taken(db: Session, provider_id: int, number: str, guide_id: int | None) -> bool:
    query = select(Guide.id).where(Guide.provider_id == provider_id, Guide.provider_guide_number == number)
    if guide_id is not None:
        query = query.where(Guide.id != guide_id)
    return db.exec(query).first() is not None


# --- open / closed ------------------------------------------------------------------------------


def _closed_by(db: Session, guide_id: int) -> str | None:
    """The protocol of the live batch holding the attendance's items, None while it is open."""
    return db.exec(
        select(Batch.protocol_number)
        .join(BilledItem, BilledItem.batch_id == Batch.id)
        .join(GuideItem, GuideItem.id == BilledItem.guide_item_id)
        .where(GuideItem.guide_id == guide_id)
        .limit(1)
    ).first()


def _own(db: Session, actor: Actor, guide_id: object) -> tuple[TypedAttendance, Guide]:
    provider_id = require_provider(actor)
    try:
        key = int(str(guide_id))
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND) from None
    typed = db.get(TypedAttendance, key)
    if typed is None or typed.provider_id != provider_id:  # another provider's: exactly like a missing one
        raise NotFound(NOT_FOUND)
    return typed, db.get(Guide, key)


def _refuse_closed(db: Session, guide: Guide, doing: str) -> None:
    protocol = _closed_by(db, guide.id)
    if protocol:
        raise DomainError(f"O atendimento {guide.provider_guide_number} já foi fechado no protocolo {protocol} "
                          f"e não pode mais ser {doing}. Para corrigi-lo, estorne o lote em Acompanhamento.",
                          codes.GUIDE_ALREADY_SENT)


# --- the service functions ------------------------------------------------------------------------


def create_attendance(db: Session, actor: Actor, data: AttendanceInput, *,
                      now: datetime | None = None) -> AttendanceView:
    provider_id = require_provider(actor)
    now = now or clock.now()
    provider = db.get(Provider, provider_id)
    checked = _check(db, provider, data, today=clock.brasilia_date(now))
    guide = Guide(provider_id=provider_id, beneficiary_id=checked.beneficiary.id, guide_type=checked.guide_type,
                  provider_guide_number=checked.number or f"tmp{uuid.uuid4().hex[:17]}",
                  status=GuideStatus.AUTORIZADO, requested_on=_requested_on(checked),
                  authorized_on=None, performed_on=checked.performed_on, total_value=checked.total, created_at=now)
    db.add(guide)
    db.flush()
    if not checked.number:
        guide.provider_guide_number = f"D{guide.id:09d}"
    db.add(GuideStatusHistory(guide_id=guide.id, status=GuideStatus.AUTORIZADO, changed_at=now,
                              note="atendimento digitado pelo prestador"))
    db.add(TypedAttendance(guide_id=guide.id, provider_id=provider_id, competence=checked.competence,
                           detail=dump_detail(checked.detail), created_by=actor.user_id, created_at=now,
                           updated_at=now))
    _write_items(db, guide.id, checked.lines)
    db.flush()
    audit.record(db, actor, "attendance.create", "guide", guide.id,
                 f"Atendimento {guide.provider_guide_number} digitado ({checked.guide_type.value}), "
                 f"{fmt.money(checked.total)}", at=now)
    return get_attendance(db, actor, guide.id)


def update_attendance(db: Session, actor: Actor, guide_id: int, data: AttendanceInput, *,
                      now: datetime | None = None) -> AttendanceView:
    typed, guide = _own(db, actor, guide_id)
    _refuse_closed(db, guide, "alterado")
    now = now or clock.now()
    checked = _check(db, db.get(Provider, typed.provider_id), data, today=clock.brasilia_date(now),
                     guide_id=guide.id)
    if checked.guide_type != guide.guide_type:
        raise AttendanceInvalid({"guide_type": "Tipo de guia: não pode ser trocado; exclua e digite de novo."},
                                {"guide_type": codes.WRONG_GUIDE_TYPE})
    guide.beneficiary_id = checked.beneficiary.id
    guide.provider_guide_number = checked.number or guide.provider_guide_number
    guide.performed_on = checked.performed_on
    guide.requested_on = _requested_on(checked)
    guide.total_value = checked.total
    typed.competence = checked.competence
    typed.detail = dump_detail(checked.detail)
    typed.updated_at = now
    db.add_all([guide, typed])
    _replace_items(db, guide.id, checked.lines)
    db.flush()
    audit.record(db, actor, "attendance.update", "guide", guide.id,
                 f"Atendimento {guide.provider_guide_number} alterado, {fmt.money(checked.total)}", at=now)
    return get_attendance(db, actor, guide.id)


def delete_attendance(db: Session, actor: Actor, guide_id: int) -> None:
    typed, guide = _own(db, actor, guide_id)
    _refuse_closed(db, guide, "excluído")
    number = guide.provider_guide_number
    # A closed-then-reversed attendance has batch history pointing at it: it is kept as history.
    if db.exec(select(BatchGuide.id).where(BatchGuide.guide_id == guide.id).limit(1)).first():
        raise DomainError(f"O atendimento {number} já esteve num lote (estornado) e fica no histórico; "
                          "feche-o de novo ou peça o cancelamento à operadora.")
    db.execute(delete(GuideItem).where(GuideItem.guide_id == guide.id))
    db.execute(delete(GuideStatusHistory).where(GuideStatusHistory.guide_id == guide.id))
    db.delete(typed)
    db.flush()
    db.delete(guide)
    db.flush()
    audit.record(db, actor, "attendance.delete", "guide", guide_id, f"Atendimento {number} excluído")


def _requested_on(checked: _Checked) -> date:
    detail = checked.detail
    return getattr(detail, "requested_on", None) or checked.performed_on


def _write_items(db: Session, guide_id: int, lines: list[_Line]) -> None:
    for line in lines:
        db.add(GuideItem(guide_id=guide_id, table_code=PROCEDURE_TABLE, code=line.code,
                         description=line.description, authorized_qty=line.quantity, performed_qty=line.quantity,
                         unit_value=line.unit_value))


def _replace_items(db: Session, guide_id: int, lines: list[_Line]) -> None:
    """The procedures as now typed. Rows are reused in order; a surplus row that a reversed batch's
    history points at is kept with quantity 0 (withdrawn: never billed again), the others deleted."""
    rows = _live_items(db, guide_id, include_withdrawn=True)
    for row, line in zip(rows, lines, strict=False):
        row.code, row.description, row.unit_value = line.code, line.description, line.unit_value
        row.authorized_qty = row.performed_qty = line.quantity
        db.add(row)
    surplus = rows[len(lines):]
    in_history = set(db.exec(select(BatchItem.guide_item_id).where(
        BatchItem.guide_item_id.in_([row.id for row in surplus])))) if surplus else set()
    for row in surplus:
        if row.id in in_history:
            row.authorized_qty = row.performed_qty = Decimal(0)
            db.add(row)
        else:
            db.delete(row)
    _write_items(db, guide_id, lines[len(rows):])


def _live_items(db: Session, guide_id: int, *, include_withdrawn: bool = False) -> list[GuideItem]:
    query = select(GuideItem).where(GuideItem.guide_id == guide_id)
    if not include_withdrawn:
        query = query.where(GuideItem.performed_qty > 0)
    return list(db.exec(query.order_by(GuideItem.id)).all())


def get_attendance(db: Session, actor: Actor, guide_id: int) -> AttendanceView:
    typed, guide = _own(db, actor, guide_id)
    beneficiary = db.get(Beneficiary, guide.beneficiary_id)
    items = _live_items(db, guide.id)
    detail = parse_detail(guide.guide_type, typed.detail)
    protocol = _closed_by(db, guide.id)
    views = [AttendanceItemView(i.code, i.description, i.performed_qty, i.unit_value,
                                to_money(i.performed_qty * i.unit_value)) for i in items]
    prices = _contract_prices(db, {i.code for i in items})
    lines = [_Line(i.code, i.description, i.performed_qty, i.unit_value, prices.get(i.code)) for i in items]
    findings = [] if protocol else _findings(db, typed.provider_id, guide, beneficiary, guide.performed_on, lines)
    return AttendanceView(
        guide_id=guide.id, guide_type=GuideType(guide.guide_type), number=guide.provider_guide_number,
        competence=typed.competence, status=AttendanceStatus.FECHADO if protocol else AttendanceStatus.DIGITADO,
        beneficiary_name=beneficiary.name, card_number=beneficiary.card_number, performed_on=guide.performed_on,
        total=sum((v.total for v in views), Decimal("0.00")), items=views, protocol_number=protocol,
        findings=findings, input=_as_input(guide, typed, detail, beneficiary, items),
    )


def _as_input(guide: Guide, typed: TypedAttendance, detail: Detail, beneficiary: Beneficiary,
              items: list[GuideItem]) -> AttendanceInput:
    def person(p: Professional) -> ProfessionalInput:
        return ProfessionalInput(p.name, p.council, p.number, p.uf, p.cbos)

    sadt = isinstance(detail, SadtDetail)
    return AttendanceInput(
        guide_type=GuideType(guide.guide_type), competence=typed.competence, card_number=beneficiary.card_number,
        performed_on=guide.performed_on, professional=person(detail.professional),
        accident_indication=detail.accident_indication, care_regime=detail.care_regime,
        procedures=[ProcedureInput(i.code, fmt.quantity(i.performed_qty), fmt.money(i.unit_value).replace("R$", "")
                                   .replace("\xa0", " ").strip()) for i in items],
        consultation_type="" if sadt else detail.consultation_type,
        care_character=detail.care_character if sadt else "", care_type=detail.care_type if sadt else "",
        requester=person(detail.requester) if sadt else None,
        requested_on=detail.requested_on if sadt else None,
        clinical_indication=detail.clinical_indication if sadt else "",
        provider_guide_number=guide.provider_guide_number, observation=detail.observation,
    )


def list_attendances(db: Session, actor: Actor, competence: str, *, page: object = 1,
                     page_size: object = PAGE_SIZE) -> Page[AttendanceRow]:
    """The provider's typed attendances of one competência, by date then number."""
    provider_id = require_provider(actor)
    competence = parse_competence(competence)
    where = (TypedAttendance.provider_id == provider_id, TypedAttendance.competence == competence)
    total = db.exec(select(func.count()).select_from(TypedAttendance).where(*where)).one()
    page, size, offset = clamp(page, page_size, total)
    rows = db.exec(
        select(Guide, Beneficiary.name, Beneficiary.card_number)
        .join(TypedAttendance, TypedAttendance.guide_id == Guide.id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(*where)
        .order_by(Guide.performed_on, Guide.provider_guide_number, Guide.id)
        .offset(offset).limit(size)
    ).all()
    protocols = _protocols(db, [guide.id for guide, *_ in rows])
    return Page(rows=[
        AttendanceRow(guide.id, guide.provider_guide_number, GuideType(guide.guide_type), name, card,
                      guide.performed_on, guide.total_value,
                      AttendanceStatus.FECHADO if guide.id in protocols else AttendanceStatus.DIGITADO,
                      protocols.get(guide.id))
        for guide, name, card in rows
    ], total=total, page=page, page_size=size)


def _protocols(db: Session, guide_ids: list[int]) -> dict[int, str]:
    if not guide_ids:
        return {}
    return dict(db.exec(
        select(GuideItem.guide_id, func.min(Batch.protocol_number))
        .join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
        .join(Batch, Batch.id == BilledItem.batch_id)
        .where(GuideItem.guide_id.in_(guide_ids))
        .group_by(GuideItem.guide_id)
    ).all())


# --- the critique, as typed --------------------------------------------------------------------------


def preview_findings(db: Session, actor: Actor, data: AttendanceInput, *, guide_id: int | None = None,
                     now: datetime | None = None) -> list[FindingView]:
    """The automatic critique's findings on the attendance as typed (nothing is saved): warnings for the
    form. A form that does not pass the field checks raises AttendanceInvalid, like saving it."""
    provider_id = require_provider(actor)
    if guide_id is not None:
        _own(db, actor, guide_id)
    checked = _check(db, db.get(Provider, provider_id), data, today=clock.brasilia_date(now or clock.now()),
                     guide_id=guide_id)
    return _findings(db, provider_id, None, checked.beneficiary, checked.performed_on, checked.lines,
                     number=checked.number or "(nova)")


def _findings(db: Session, provider_id: int, guide: Guide | None, beneficiary: Beneficiary, performed_on: date,
              lines: list[_Line], *, number: str = "") -> list[FindingView]:
    operator_id = db.get(Provider, provider_id).operator_id
    key = guide.id if guide else 0
    shell = _Guide(key, provider_id, guide.provider_guide_number if guide else number, beneficiary.id,
                   beneficiary.name, beneficiary.card_number, beneficiary.operator_id == operator_id, performed_on,
                   None)
    earlier = _billed_elsewhere(db, provider_id, [shell], before_batch=None)
    typed_twice = _typed_elsewhere(db, provider_id, beneficiary.id, performed_on, key)
    items = []
    for index, line in enumerate(lines):
        same = (beneficiary.id, line.code, performed_on)
        before = earlier.get(same, "") or typed_twice.get(line.code, "")
        items.append(ItemContext(ItemRef(None, index, None), PROCEDURE_TABLE, line.code, line.description,
                                 line.quantity, line.unit_value, line.total, line.quantity, line.contract_price,
                                 before))
    context = GuideContext(guide_id=key, provider_id=provider_id, guide_number=shell.number,
                           beneficiary_name=beneficiary.name, card_number=beneficiary.card_number,
                           card_known=shell.card_known, performed_on=performed_on, valid_until=None,
                           authorized_procedures=frozenset((PROCEDURE_TABLE, line.code) for line in lines),
                           items=tuple(items))
    return [FindingView(f.rule, f.rule_label, f.reason_code, f.message, f.value, lines[f.item.guide_item_id].code)
            for f in critique([context], effective_settings(db, provider_id))]


def _typed_elsewhere(db: Session, provider_id: int, beneficiary_id: int, performed_on: date,
                     guide_id: int) -> dict[str, str]:
    """Procedure code → the other typed attendance of the same beneficiary and date that has it already."""
    rows = db.exec(
        select(GuideItem.code, func.min(Guide.provider_guide_number))
        .join(Guide, Guide.id == GuideItem.guide_id)
        .join(TypedAttendance, TypedAttendance.guide_id == Guide.id)
        .where(TypedAttendance.provider_id == provider_id, Guide.beneficiary_id == beneficiary_id,
               GuideItem.performed_qty > 0,
               Guide.performed_on == performed_on, Guide.id != guide_id)
        .group_by(GuideItem.code)
    ).all()
    return {code: f"no atendimento digitado {number}" for code, number in rows}


# --- look-ups for the form --------------------------------------------------------------------------


def find_beneficiaries(db: Session, actor: Actor, term: str, *, limit: int = SEARCH_LIMIT) -> list[BeneficiaryHit]:
    """By card number (the card the patient shows: any beneficiary of the operator, the whole number only)
    or by name words (only beneficiaries this provider already attended): a provider cannot browse the
    operator's list of patients, by name or by the start of a card number."""
    provider_id = require_provider(actor)
    provider = db.get(Provider, provider_id)
    term = _text(term)
    if not term:
        return []
    limit = max(1, min(int(limit), 100))
    digits = term.replace(" ", "").replace(".", "").replace("-", "")
    if digits.isdigit():
        query = select(Beneficiary).where(Beneficiary.operator_id == provider.operator_id,
                                          Beneficiary.card_number == digits)
    else:
        words = fold(term).split()
        attended = select(Guide.beneficiary_id).where(Guide.provider_id == provider_id).distinct()
        query = select(Beneficiary).where(
            Beneficiary.operator_id == provider.operator_id, Beneficiary.id.in_(attended),
            *[Beneficiary.name_search.like(f"%{escape_like(word)}%", escape="\\") for word in words])
    rows = db.exec(query.order_by(Beneficiary.name_search, Beneficiary.card_number).limit(limit)).all()
    return [BeneficiaryHit(b.id, b.card_number, b.name, b.birth_date) for b in rows]


def search_procedures(db: Session, actor: Actor, term: str, *, limit: int = SEARCH_LIMIT) -> list[ProcedureHit]:
    """TUSS 22 procedures in force whose code starts with the term or whose name has every word of it,
    codes first; the contracted price where the operator's catalog has one."""
    require_provider(actor)
    term = _text(term)
    if not term:
        return []
    limit = max(1, min(int(limit), 100))
    words = fold(term).split()
    by_code = [t for t in _tuss_terms() if t.code.startswith(term)]
    by_name = [t for t in _tuss_terms() if not t.code.startswith(term)
               and all(word in _folded(t.name) for word in words)] if not term.isdigit() else []
    picked = (by_code + by_name)[:limit]
    catalog = db.exec(select(CatalogItem).where(
        CatalogItem.table_code == PROCEDURE_TABLE,
        or_(CatalogItem.code.like(f"{escape_like(term)}%", escape="\\"),
            *[CatalogItem.name_search.like(f"%{escape_like(w)}%", escape="\\") for w in words[:1]]),
    ).limit(limit)).all()
    prices = _contract_prices(db, {t.code for t in picked} | {c.code for c in catalog})
    hits = {t.code: ProcedureHit(t.code, t.name, prices.get(t.code)) for t in picked}
    for item in catalog:  # the operator's own procedures not in the TUSS file
        if item.code not in hits and (item.code.startswith(term) or all(w in item.name_search for w in words)):
            hits[item.code] = ProcedureHit(item.code, item.name, item.price)
    return sorted(hits.values(), key=lambda h: (not h.code.startswith(term), _folded(h.name), h.code))[:limit]


_FOLDED: dict[str, str] = {}


def _folded(name: str) -> str:
    folded = _FOLDED.get(name)
    if folded is None:
        folded = _FOLDED[name] = fold(name)
    return folded
