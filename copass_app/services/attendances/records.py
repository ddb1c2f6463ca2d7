"""Create, update, delete, read and list typed attendances: open while none of their items is in a live batch."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, func
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
from copass_app.services.attendances.checks import CheckedInput, CheckedLine, check_input, contract_prices
from copass_app.services.attendances.forms import (
    AttendanceInput,
    AttendanceInvalid,
    AttendanceItemView,
    AttendanceRow,
    AttendanceView,
    ProcedureInput,
    ProfessionalInput,
)
from copass_app.services.attendances.open_closed import closed_by, own_attendance, refuse_closed
from copass_app.services.attendances.typed_critique import findings_for
from copass_app.services.critique.context import (
    PROCEDURE_TABLE,
)
from copass_app.services.errors import DomainError
from copass_app.services.paging import PAGE_SIZE, Page, clamp
from copass_app.services.typed_input import parse_competence
from copass_app.tiss import codes
from copass_app.tiss.clinical import Detail, Professional, SadtDetail, dump_detail, parse_detail

# --- the service functions ------------------------------------------------------------------------


def create_attendance(db: Session, actor: Actor, data: AttendanceInput, *,
                      now: datetime | None = None) -> AttendanceView:
    provider_id = require_provider(actor)
    now = now or clock.now()
    provider = db.get(Provider, provider_id)
    checked = check_input(db, provider, data, today=clock.brasilia_date(now))
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
    typed, guide = own_attendance(db, actor, guide_id)
    refuse_closed(db, guide, "alterado")
    now = now or clock.now()
    checked = check_input(db, db.get(Provider, typed.provider_id), data, today=clock.brasilia_date(now),
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
    typed, guide = own_attendance(db, actor, guide_id)
    refuse_closed(db, guide, "excluído")
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


def _requested_on(checked: CheckedInput) -> date:
    detail = checked.detail
    return getattr(detail, "requested_on", None) or checked.performed_on


def _write_items(db: Session, guide_id: int, lines: list[CheckedLine]) -> None:
    for line in lines:
        db.add(GuideItem(guide_id=guide_id, table_code=PROCEDURE_TABLE, code=line.code,
                         description=line.description, authorized_qty=line.quantity, performed_qty=line.quantity,
                         unit_value=line.unit_value))


def _replace_items(db: Session, guide_id: int, lines: list[CheckedLine]) -> None:
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
    typed, guide = own_attendance(db, actor, guide_id)
    beneficiary = db.get(Beneficiary, guide.beneficiary_id)
    items = _live_items(db, guide.id)
    detail = parse_detail(guide.guide_type, typed.detail)
    protocol = closed_by(db, guide.id)
    views = [AttendanceItemView(i.code, i.description, i.performed_qty, i.unit_value,
                                to_money(i.performed_qty * i.unit_value)) for i in items]
    prices = contract_prices(db, {i.code for i in items})
    lines = [CheckedLine(i.code, i.description, i.performed_qty, i.unit_value, prices.get(i.code)) for i in items]
    findings = [] if protocol else findings_for(db, typed.provider_id, guide, beneficiary, guide.performed_on, lines)
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
