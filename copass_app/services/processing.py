"""The operator's processing of received batches (staff only): the queue and starting the
analysis, which sets the data de processamento, ends the provider's right to an estorno and runs
the automatic critique (its proposals are written in the same transaction). The analysis itself
lives in services/analysis."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from copass_app.models import Batch
from copass_app.services import paging, transitions
from copass_app.services.access import Actor
from copass_app.services.analysis import ReceivedBatch, received_queue
from copass_app.services.batch_queries import BatchFilters
from copass_app.services.critique import critique_batch
from copass_app.services.paging import Page

__all__ = ["ReceivedBatch", "list_received", "start_analysis"]


def list_received(db: Session, staff_actor: Actor, filters: BatchFilters = BatchFilters(), *, page: object = 1,
                  page_size: object = paging.PAGE_SIZE) -> Page[ReceivedBatch]:
    """Every provider's batches, newest first, for the operator's staff (with counts per status)."""
    return received_queue(db, staff_actor, filters, page, page_size=page_size)


def start_analysis(db: Session, staff_actor: Actor, batch_id: int, *, now: datetime | None = None) -> Batch:
    """RECEBIDO → EM_ANALISE, stamping the processing date (a row of the transition table), and the
    critique's proposed glosas, read with the rule settings as they are now."""
    batch = transitions.apply(db, staff_actor, "batch.start_analysis", batch_id, now=now)
    critique_batch(db, batch.id, created_by=staff_actor.user_id)
    return batch
