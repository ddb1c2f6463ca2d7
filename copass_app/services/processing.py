"""The operator's processing of received batches (staff only). For now: starting the analysis,
which sets the data de processamento and ends the provider's right to an estorno."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from copass_app.models import Batch, BatchStatus, Provider, utcnow
from copass_app.services import audit
from copass_app.services.access import Actor, require_staff
from copass_app.services.batches import (
    BATCH_NOT_FOUND,
    PAGE_SIZE,
    STATUS_LABELS,
    BatchFilters,
    BatchRow,
    PageInfo,
    batch_row,
    batches_page,
    filter_conditions,
    transaction,
)
from copass_app.services.errors import DomainError, NotFound


@dataclass(frozen=True)
class ReceivedBatch:
    row: BatchRow
    provider_code: str
    provider_name: str


def list_received(
    db: Session, staff_actor: Actor, filters: BatchFilters = BatchFilters(), *, page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[list[ReceivedBatch], PageInfo]:
    """Every provider's batches, newest first, for the operator's staff."""
    require_staff(staff_actor)
    batches, info = batches_page(db, filter_conditions(filters), page=page, page_size=page_size)
    providers = {p.id: p for p in db.exec(select(Provider).where(Provider.id.in_({b.provider_id for b in batches})))}
    return [ReceivedBatch(batch_row(b), providers[b.provider_id].code, providers[b.provider_id].name)
            for b in batches], info


def start_analysis(db: Session, staff_actor: Actor, batch_id: int, *, now: datetime | None = None) -> None:
    """RECEBIDO → EM_ANALISE, stamping the processing date."""
    require_staff(staff_actor)
    now = now or utcnow()
    with transaction(db):
        batch = db.get(Batch, batch_id)
        if batch is None:
            raise NotFound(BATCH_NOT_FOUND)
        _refuse_analysis(batch)
        # Conditional on RECEBIDO: an estorno committed meanwhile makes it match nothing.
        result = db.execute(
            update(Batch)
            .where(Batch.id == batch.id, Batch.status == BatchStatus.RECEBIDO, Batch.reversed_at.is_(None))
            .values(status=BatchStatus.EM_ANALISE, processed_at=now)
            .execution_options(synchronize_session=False)
        )
        batch = db.get(Batch, batch.id, populate_existing=True)
        if result.rowcount != 1:
            _refuse_analysis(batch)
            raise DomainError("A análise deste lote não pode ser iniciada.")
        audit.record(db, staff_actor, "batch.start_analysis", "batch", batch.id,
                     f"Início da análise do lote {batch.lot_number}, protocolo {batch.protocol_number}",
                     provider_id=batch.provider_id, at=now)


def _refuse_analysis(batch: Batch) -> None:
    if batch.status == BatchStatus.CANCELADO or batch.reversed_at is not None:
        raise DomainError("Lote cancelado (estornado) pelo prestador: não pode ser analisado.")
    if batch.status != BatchStatus.RECEBIDO:
        raise DomainError(
            f"A análise deste lote já foi iniciada (situação: {STATUS_LABELS[BatchStatus(batch.status)]})."
        )
