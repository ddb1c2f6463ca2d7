"""The operator's processing of received batches (staff only). For now: the queue and starting
the analysis, which sets the data de processamento and ends the provider's right to an estorno."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from copass_app.models import Batch, Provider
from copass_app.services import paging, transitions
from copass_app.services.access import Actor, require_staff
from copass_app.services.batch_queries import BatchFilters, BatchRow, batch_row, batches_page, filter_conditions
from copass_app.services.paging import Page


@dataclass(frozen=True)
class ReceivedBatch:
    row: BatchRow
    provider_code: str
    provider_name: str


def list_received(db: Session, staff_actor: Actor, filters: BatchFilters = BatchFilters(), *, page: object = 1,
                  page_size: object = paging.PAGE_SIZE) -> Page[ReceivedBatch]:
    """Every provider's batches, newest first, for the operator's staff."""
    require_staff(staff_actor)
    found = batches_page(db, filter_conditions(filters), page=page, page_size=page_size)
    ids = {b.provider_id for b in found.rows}
    providers = {p.id: p for p in db.exec(select(Provider).where(Provider.id.in_(ids)))} if ids else {}
    rows = [ReceivedBatch(batch_row(b), providers[b.provider_id].code, providers[b.provider_id].name)
            for b in found.rows]
    return Page(rows=rows, total=found.total, page=found.page, page_size=found.page_size)


def start_analysis(db: Session, staff_actor: Actor, batch_id: int, *, now: datetime | None = None) -> Batch:
    """RECEBIDO → EM_ANALISE, stamping the processing date (a row of the transition table)."""
    return transitions.apply(db, staff_actor, "batch.start_analysis", batch_id, now=now)
