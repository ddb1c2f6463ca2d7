"""Reading batches: filters, the list row and paging, shared by the provider's Acompanhamento
and the staff's Lotes recebidos, and the owner check every read of a batch goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Batch, BatchGuide, BatchOrigin, BatchStatus, Beneficiary, Guide, GuideType
from copass_app.services import paging, transitions
from copass_app.services.access import Actor, require_provider
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.paging import Page
from copass_app.services.transitions import BATCH_NOT_FOUND
from copass_app.services.typed_input import parse_competence, parse_optional_date
from copass_app.text import clean_input, escape_like
from copass_app.vocabulary import BATCH_ORIGIN, BATCH_STATUS, GUIDE_TYPE


@dataclass(frozen=True)
class BatchFilters:
    """What a list of batches is narrowed by; text as typed is accepted and checked here."""

    status: BatchStatus | str | None = None
    competence: str | None = None  # AAAA-MM or MM/AAAA
    date_from: date | str | None = None  # received on or after (Brasília date)
    date_to: date | str | None = None  # received on or before
    protocol: str | None = None  # protocol number or its beginning
    origin: BatchOrigin | str | None = None
    provider_id: int | None = None  # staff only: one provider's batches


@dataclass(frozen=True)
class BatchRow:
    id: int
    provider_id: int
    protocol_number: str
    lot_number: str
    received_at: datetime
    competence: str
    origin: BatchOrigin
    guide_type: GuideType
    guide_count: int
    total: Decimal
    status: BatchStatus
    processed_at: datetime | None
    paid_at: datetime | None
    can_reverse: bool
    can_start_analysis: bool

    @property
    def status_label(self) -> str:
        return BATCH_STATUS.label(self.status)

    @property
    def origin_label(self) -> str:
        return BATCH_ORIGIN.label(self.origin)

    @property
    def guide_type_label(self) -> str:
        return GUIDE_TYPE.label(self.guide_type)


def batch_row(batch: Batch) -> BatchRow:
    return BatchRow(
        id=batch.id,
        provider_id=batch.provider_id,
        protocol_number=batch.protocol_number,
        lot_number=batch.lot_number,
        received_at=batch.received_at,
        competence=batch.competence,
        origin=BatchOrigin(batch.origin),
        guide_type=GuideType(batch.guide_type),
        guide_count=batch.guide_count,
        total=batch.total_value,
        status=BatchStatus(batch.status),
        processed_at=batch.processed_at,
        paid_at=batch.paid_at,
        can_reverse=transitions.can("batch.reverse", batch),
        can_start_analysis=transitions.can("batch.start_analysis", batch),
    )


def batches_page(db: Session, conditions: list, *, page: object = 1, page_size: object = paging.PAGE_SIZE
                 ) -> Page[Batch]:
    """Newest first, one page, paged in SQL."""
    total = db.exec(select(func.count()).select_from(Batch).where(*conditions)).one()
    number, size, offset = paging.clamp(page, page_size, total)
    batches = db.exec(
        select(Batch).where(*conditions).order_by(Batch.received_at.desc(), Batch.id.desc()).offset(offset).limit(size)
    ).all()
    return Page(rows=list(batches), total=total, page=number, page_size=size)


def filter_conditions(filters: BatchFilters) -> list:
    conditions = []
    if filters.status:
        if filters.status not in BATCH_STATUS:
            raise DomainError("Situação de lote desconhecida.")
        conditions.append(Batch.status == BatchStatus(str(filters.status)))
    if filters.origin:
        origin = str(filters.origin).upper()
        if origin not in BATCH_ORIGIN:
            raise DomainError("Origem de lote desconhecida.")
        conditions.append(Batch.origin == BatchOrigin(origin))
    if filters.competence and str(filters.competence).strip():
        conditions.append(Batch.competence == parse_competence(filters.competence))
    date_from = parse_optional_date(filters.date_from, "Data inicial")
    date_to = parse_optional_date(filters.date_to, "Data final")
    if date_from and date_to and date_from > date_to:
        raise DomainError("A data inicial do período é posterior à data final.")
    if date_from:
        conditions.append(Batch.received_at >= clock.brasilia_midnight(date_from))
    if date_to:
        conditions.append(Batch.received_at < clock.brasilia_midnight(date_to + timedelta(days=1)))
    protocol = clean_input(filters.protocol or "").strip()
    if protocol:
        conditions.append(Batch.protocol_number.like(f"{escape_like(protocol)}%", escape="\\"))
    if filters.provider_id is not None:
        conditions.append(Batch.provider_id == filters.provider_id)
    return conditions


def visible_batch(db: Session, actor: Actor, batch_id: int) -> Batch:
    """Staff see any batch; a provider only its own, and another's is simply not found."""
    batch = db.get(Batch, batch_id)
    if batch is None or (not actor.is_staff and batch.provider_id != require_provider(actor)):
        raise NotFound(BATCH_NOT_FOUND)
    return batch


def batch_guides(db: Session, batch_id: int) -> list[tuple[BatchGuide, Guide, str, str]]:
    """The batch's guides with the beneficiary's name and card, in the order they were billed."""
    return db.exec(
        select(BatchGuide, Guide, Beneficiary.name, Beneficiary.card_number)
        .join(Guide, Guide.id == BatchGuide.guide_id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(BatchGuide.batch_id == batch_id)
        .order_by(BatchGuide.id)
    ).all()
