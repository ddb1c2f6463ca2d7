"""Recursos de glosa: a provider contests an applied glosa of an analysed batch of its own; the
operator's staff accept it, accept part of it or refuse it. An accepted value becomes payable
(services/payments.py pays it in the provider's next payment).

Rules: only an applied glosa of an analysed batch (liberado, encerrado sem pagamento or pago);
a justification of 10 to 500 characters (TISS justificativa is st_texto500); a contested value
above zero and not above the glosa; one open appeal per glosa (the partial unique index backs
the check when two requests race); once decided, a glosa cannot be appealed again — a refusal is
final, and a partial acceptance already answered the appeal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import (
    Appeal,
    AppealStatus,
    Batch,
    BatchGuide,
    BatchItem,
    BatchStatus,
    Beneficiary,
    Glosa,
    GlosaStatus,
    Guide,
    Payment,
    Provider,
)
from copass_app.services import audit, paging, transitions
from copass_app.services.access import Actor, require_provider, require_staff
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import Page
from copass_app.services.transitions import APPEAL_NOT_FOUND
from copass_app.services.typed_input import parse_money, parse_optional_date
from copass_app.text import clean_input
from copass_app.tiss import codes
from copass_app.vocabulary import APPEAL_STATUS, BATCH_STATUS

MIN_TEXT = 10
MAX_TEXT = 500  # TISS st_texto500 (justificativaPrestador / justificativaOperadora)
ANALYSED = (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.PAGO)
ACCEPTED = (AppealStatus.ACEITO, AppealStatus.ACEITO_PARCIAL)
DECISIONS = {"accept": "appeal.accept", "accept_partly": "appeal.accept_partly", "refuse": "appeal.refuse"}
GLOSA_NOT_FOUND = "Glosa não encontrada."
GUIDE_NOT_FOUND = "Guia não encontrada."


@dataclass(frozen=True)
class AppealFilters:
    status: AppealStatus | str | None = None
    provider_id: int | None = None  # staff only
    date_from: date | str | None = None  # opened on or after (Brasília date)
    date_to: date | str | None = None
    batch_id: int | None = None


@dataclass(frozen=True)
class AppealRow:
    id: int
    status: AppealStatus
    contested_value: Decimal
    justification: str
    accepted_value: Decimal | None
    decision_note: str
    created_at: datetime
    decided_at: datetime | None
    glosa_id: int
    reason_code: str
    glosa_value: Decimal
    glosa_note: str
    batch_item_id: int
    item_table: str
    item_code: str
    item_description: str
    item_value: Decimal
    batch_guide_id: int
    guide_number: str
    beneficiary_name: str
    batch_id: int
    protocol_number: str
    lot_number: str
    provider_id: int
    provider_code: str
    provider_name: str
    payment_id: int | None
    payment_number: str
    paid_on: date | None

    @property
    def status_label(self) -> str:
        return APPEAL_STATUS.label(self.status)

    @property
    def reason_description(self) -> str:
        return codes.describe(self.reason_code)

    @property
    def can_decide(self) -> bool:
        return self.status == AppealStatus.PENDENTE

    @property
    def payable(self) -> bool:
        """Accepted (fully or partly) and not paid yet."""
        return self.status in ACCEPTED and self.payment_id is None and bool(self.accepted_value)


# --- the provider ---------------------------------------------------------------------------------


def open_appeal(db: Session, actor: Actor, glosa_id: int, *, contested_value: object,
                justification: str) -> AppealRow:
    """The provider contests one applied glosa of its own."""
    provider_id = require_provider(actor)
    glosa = db.get(Glosa, _id(glosa_id))
    if glosa is None or glosa.provider_id != provider_id:
        raise NotFound(GLOSA_NOT_FOUND)
    batch = db.get(Batch, glosa.batch_id)
    _refuse_unappealable(db, glosa, batch)
    text = _text(justification, "Justificativa")
    value = parse_money(contested_value, "Valor contestado")
    if value <= 0:
        raise DomainError("Valor contestado: informe um valor maior que zero.")
    if value > glosa.value:
        raise DomainError(f"Valor contestado: {fmt.money(value)} é maior que o valor glosado "
                          f"({fmt.money(glosa.value)}).")
    [appeal] = _add_appeals(db, actor, [(glosa, value)], text, batch)
    return _rows(db, [Appeal.id == appeal.id])[0]


def appeal_guide(db: Session, actor: Actor, batch_guide_id: int, *, justification: str) -> list[AppealRow]:
    """One appeal per applied glosa of the guide not appealed yet, each contesting the whole glosa."""
    provider_id = require_provider(actor)
    batch_guide = db.get(BatchGuide, _id(batch_guide_id))
    batch = db.get(Batch, batch_guide.batch_id) if batch_guide else None
    if batch is None or batch.provider_id != provider_id:
        raise NotFound(GUIDE_NOT_FOUND)
    _refuse_unanalysed(batch)
    text = _text(justification, "Justificativa")
    appealed = select(Appeal.glosa_id)
    glosas = db.exec(
        select(Glosa).join(BatchItem, BatchItem.id == Glosa.batch_item_id)
        .where(BatchItem.batch_guide_id == batch_guide.id, Glosa.status == GlosaStatus.APLICADA,
               Glosa.id.not_in(appealed))
        .order_by(Glosa.id)
    ).all()
    if not glosas:
        raise DomainError("Nenhuma glosa desta guia está disponível para recurso: "
                          "ou ela não tem glosas, ou todas já têm recurso.")
    appeals = _add_appeals(db, actor, [(glosa, glosa.value) for glosa in glosas], text, batch)
    return _rows(db, [Appeal.id.in_([a.id for a in appeals])])


def provider_appeals(db: Session, actor: Actor, filters: AppealFilters = AppealFilters(), *, page: object = 1,
                     page_size: object = paging.PAGE_SIZE) -> Page[AppealRow]:
    """The provider's own appeals, newest first, with the counts per status."""
    provider_id = require_provider(actor)
    conditions = [Appeal.provider_id == provider_id, *_filter_conditions(filters, staff=False)]
    return _page(db, conditions, _status_condition(filters), page, page_size,
                 order=(Appeal.created_at.desc(), Appeal.id.desc()))


# --- the operator's staff -------------------------------------------------------------------------


def appeal_queue(db: Session, staff: Actor, filters: AppealFilters = AppealFilters(), *, page: object = 1,
                 page_size: object = paging.PAGE_SIZE) -> Page[AppealRow]:
    """Every provider's appeals: the pending ones first, oldest first; then the decided, newest first."""
    require_staff(staff)
    pending = Appeal.status == AppealStatus.PENDENTE
    order = (case((pending, 0), else_=1), case((pending, Appeal.created_at)).asc(), Appeal.decided_at.desc(),
             Appeal.id)
    return _page(db, _filter_conditions(filters, staff=True), _status_condition(filters), page, page_size,
                 order=order)


def decide_appeal(db: Session, staff: Actor, appeal_id: int, *, decision: str, accepted_value: object = None,
                  note: str = "") -> AppealRow:
    """accept (the contested value), accept_partly (a value between zero and the contested one) or
    refuse (a reason required). Of two staff deciding at once, the transition lets one through."""
    require_staff(staff)
    appeal = db.get(Appeal, _id(appeal_id))
    if appeal is None:
        raise NotFound(APPEAL_NOT_FOUND)
    if decision not in DECISIONS:
        raise DomainError("Decisão desconhecida: escolha aceitar, aceitar parcialmente ou recusar.")
    note = _text(note, "Motivo", required=decision == "refuse")
    if decision == "accept":
        value = appeal.contested_value
    elif decision == "accept_partly":
        value = parse_money(accepted_value, "Valor aceito")
        if not 0 < value < appeal.contested_value:
            raise DomainError(f"Valor aceito: informe um valor maior que zero e menor que o contestado "
                              f"({fmt.money(appeal.contested_value)}); para aceitar tudo, use “Aceitar”.")
    else:
        value = Decimal("0.00")
    # The move first: the staff member who loses a race is refused before anything is written.
    appeal = transitions.apply(db, staff, DECISIONS[decision], appeal.id)
    appeal.accepted_value = value
    appeal.decision_note = note
    db.add(appeal)
    audit.record(db, staff, "appeal.decision", "appeal", appeal.id,
                 f"Recurso {appeal.id}: valor aceito — → {fmt.money(value)} (contestado "
                 f"{fmt.money(appeal.contested_value)})" + (f"; motivo: {note}" if note else ""),
                 provider_id=appeal.provider_id)
    db.flush()
    return _rows(db, [Appeal.id == appeal.id])[0]


# --- shared with payments -------------------------------------------------------------------------


def appeal_rows(db: Session, conditions: list, order: tuple = (Appeal.id,)) -> list[AppealRow]:
    """Appeals with their glosa, item, guide, batch, provider and payment (one query)."""
    return _rows(db, conditions, order)


# --- helpers --------------------------------------------------------------------------------------


def _refuse_unanalysed(batch: Batch) -> None:
    if batch.status not in ANALYSED:
        raise DomainError("O recurso de glosa só pode ser aberto depois de concluída a análise do lote "
                          f"(situação atual: {BATCH_STATUS.label(batch.status)}).")


def _refuse_unappealable(db: Session, glosa: Glosa, batch: Batch) -> None:
    _refuse_unanalysed(batch)
    if glosa.status != GlosaStatus.APLICADA:
        raise DomainError("Só uma glosa aplicada pode receber recurso.")
    earlier = db.exec(select(Appeal).where(Appeal.glosa_id == glosa.id).order_by(Appeal.id.desc())).first()
    if earlier is None:
        return
    if earlier.status == AppealStatus.PENDENTE:
        raise DomainError(f"Já existe um recurso aguardando análise para esta glosa (recurso {earlier.id}).")
    raise DomainError(f"Esta glosa já teve recurso decidido ({APPEAL_STATUS.label(earlier.status)}) "
                      "e não pode receber outro.")


def _add_appeals(db: Session, actor: Actor, contested: list[tuple[Glosa, Decimal]], justification: str,
                 batch: Batch) -> list[Appeal]:
    appeals = [Appeal(glosa_id=glosa.id, batch_id=glosa.batch_id, provider_id=glosa.provider_id,
                      contested_value=value, justification=justification, created_by=actor.user_id)
               for glosa, value in contested]
    db.add_all(appeals)
    try:
        db.flush()
    except IntegrityError as error:
        # Another request opened an appeal for the same glosa a moment ago: the partial unique index.
        if "uq_appeal_open_glosa" in str(error.orig) or "appeal.glosa_id" in str(error.orig):
            raise DomainError("Já existe um recurso aguardando análise para esta glosa.") from None
        raise
    for appeal, (glosa, value) in zip(appeals, contested, strict=True):
        audit.record(db, actor, "appeal.open", "appeal", appeal.id,
                     f"Recurso {appeal.id} da glosa {glosa.id} (código {glosa.reason_code}, "
                     f"protocolo {batch.protocol_number}): contestado {fmt.money(value)} de "
                     f"{fmt.money(glosa.value)} glosados")
    return appeals


def _text(value: object, field: str, *, required: bool = True) -> str:
    text = " ".join(clean_input(value if isinstance(value, str) else "").split())
    if required and len(text) < MIN_TEXT:
        raise DomainError(f"{field}: escreva ao menos {MIN_TEXT} caracteres explicando o motivo.")
    if len(text) > MAX_TEXT:
        raise DomainError(f"{field}: no máximo {MAX_TEXT} caracteres (limite do padrão TISS); "
                          f"o texto tem {len(text)}.")
    return text


def _id(value: object) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number < 2**63 else 0


def _filter_conditions(filters: AppealFilters, *, staff: bool) -> list:
    conditions = []
    if staff and filters.provider_id is not None:
        conditions.append(Appeal.provider_id == filters.provider_id)
    if filters.batch_id is not None:
        conditions.append(Appeal.batch_id == filters.batch_id)
    date_from = parse_optional_date(filters.date_from, "Data inicial")
    date_to = parse_optional_date(filters.date_to, "Data final")
    if date_from and date_to and date_from > date_to:
        raise DomainError("A data inicial do período é posterior à data final.")
    if date_from:
        conditions.append(Appeal.created_at >= clock.brasilia_midnight(date_from))
    if date_to:
        conditions.append(Appeal.created_at < clock.brasilia_midnight(date_to + timedelta(days=1)))
    return conditions


def _status_condition(filters: AppealFilters) -> list:
    if not filters.status:
        return []
    if filters.status not in APPEAL_STATUS:
        raise DomainError("Situação de recurso desconhecida.")
    return [Appeal.status == AppealStatus(str(filters.status))]


def _page(db: Session, conditions: list, status_condition: list, page: object, page_size: object, *,
          order: tuple) -> Page[AppealRow]:
    """Counts per status over the other filters (the status chips), the page over all of them."""
    counts = dict(db.exec(select(Appeal.status, func.count()).where(*conditions).group_by(Appeal.status)).all())
    where = [*conditions, *status_condition]
    total = db.exec(select(func.count()).select_from(Appeal).where(*where)).one()
    number, size, offset = paging.clamp(page, page_size, total)
    rows = _rows(db, where, order, offset=offset, limit=size)
    return Page(rows=rows, total=total, page=number, page_size=size,
                counts={str(status): counts.get(status, 0) for status in AppealStatus})


def _rows(db: Session, conditions: list, order: tuple = (Appeal.id,), *, offset: int = 0,
          limit: int | None = None) -> list[AppealRow]:
    query = (
        select(Appeal, Glosa, BatchItem, BatchGuide.id, Guide.provider_guide_number, Beneficiary.name,
               Batch.protocol_number, Batch.lot_number, Provider.code, Provider.name, Payment.number,
               Payment.paid_on)
        .join(Glosa, Glosa.id == Appeal.glosa_id)
        .join(BatchItem, BatchItem.id == Glosa.batch_item_id)
        .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
        .join(Guide, Guide.id == BatchGuide.guide_id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .join(Batch, Batch.id == Appeal.batch_id)
        .join(Provider, Provider.id == Appeal.provider_id)
        .outerjoin(Payment, Payment.id == Appeal.payment_id)
        .where(*conditions).order_by(*order).offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        AppealRow(
            id=a.id, status=AppealStatus(a.status), contested_value=a.contested_value, justification=a.justification,
            accepted_value=a.accepted_value, decision_note=a.decision_note, created_at=a.created_at,
            decided_at=a.decided_at, glosa_id=g.id, reason_code=g.reason_code, glosa_value=g.value,
            glosa_note=g.note, batch_item_id=item.id, item_table=item.table_code, item_code=item.code,
            item_description=item.description, item_value=item.total_value, batch_guide_id=batch_guide_id,
            guide_number=guide_number, beneficiary_name=beneficiary, batch_id=a.batch_id, protocol_number=protocol,
            lot_number=lot, provider_id=a.provider_id, provider_code=provider_code, provider_name=provider_name,
            payment_id=a.payment_id, payment_number=payment_number or "", paid_on=paid_on,
        )
        for (a, g, item, batch_guide_id, guide_number, beneficiary, protocol, lot, provider_code, provider_name,
             payment_number, paid_on) in db.exec(query).all()
    ]
