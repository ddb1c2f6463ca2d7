"""Lotes recebidos: every provider's batches for the operator's staff, filtered, paged, with the
number of batches in each status (under the same filters but the status itself)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func
from sqlmodel import Session, select

from copass_app.models import Batch, Provider
from copass_app.services import paging
from copass_app.services.access import Actor, require_staff
from copass_app.services.analysis.views import ReceivedBatch
from copass_app.services.batch_queries import BatchFilters, batch_row, batches_page, filter_conditions
from copass_app.services.paging import Page


def received_queue(db: Session, staff: Actor, filters: BatchFilters = BatchFilters(), page: object = 1, *,
                   page_size: object = paging.PAGE_SIZE) -> Page[ReceivedBatch]:
    """Newest first; `counts` maps each status value to its number of batches."""
    require_staff(staff)
    found = batches_page(db, filter_conditions(filters), page=page, page_size=page_size)
    ids = {batch.provider_id for batch in found.rows}
    providers = {p.id: p for p in db.exec(select(Provider).where(Provider.id.in_(ids)))} if ids else {}
    rows = [ReceivedBatch(batch_row(batch), providers[batch.provider_id].code, providers[batch.provider_id].name,
                          batch.glosa_value, batch.approved_value)
            for batch in found.rows]
    any_status = filter_conditions(replace(filters, status=None))
    counts = {str(status): count for status, count in db.exec(
        select(Batch.status, func.count()).where(*any_status).group_by(Batch.status))}
    return Page(rows=rows, total=found.total, page=found.page, page_size=found.page_size, counts=counts)
