"""Writes a received batch (lote) — the one path shared by web billing and XML lots.

Batch, protocol, batch guides and items, and one BilledItem per guide item: its primary key is
what makes billing an item twice impossible, even for two confirmations at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert
from sqlmodel import Session

from copass_app import formatting as fmt
from copass_app.dbtypes import CENT
from copass_app.models import (
    Batch,
    BatchGuide,
    BatchGuideDetail,
    BatchItem,
    BatchOrigin,
    BatchStatus,
    BilledItem,
    DetailSource,
    GuideType,
    Protocol,
)
from copass_app.services import audit
from copass_app.services.access import Actor
from copass_app.services.protocols import next_lot_number, protocol_number_for, provisional_protocol_number

_BATCH_GUIDE = BatchGuide.__table__
_BATCH_ITEM = BatchItem.__table__
_BILLED_ITEM = BilledItem.__table__
_DETAIL = BatchGuideDetail.__table__


@dataclass(frozen=True)
class BatchLine:
    guide_item_id: int | None  # None: a fee, material or medication added by the provider
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    declared_total: Decimal | None = None  # an XML item's own valorTotal (reduções/acréscimos applied)

    @property
    def total(self) -> Decimal:
        if self.declared_total is not None:
            return self.declared_total
        return (self.quantity * self.unit_value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GuideToBill:
    guide_id: int
    performed_on: date
    lines: list[BatchLine]
    guide_type: GuideType | None = None  # web billing splits batches by type
    number: str = ""
    # The TISS guide element as billed (tiss.guide_tree), kept in batch_guide_detail; None = not kept.
    detail: list | None = None
    detail_source: DetailSource | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))


def write_batch(
    db: Session,
    actor: Actor,
    provider_id: int,
    *,
    origin: BatchOrigin,
    guide_type: GuideType,
    competence: str,
    guides: list[GuideToBill],
    now: datetime,
    lot_number: str | None = None,
    receipt_for: Callable[[Batch], bytes] | None = None,
) -> Batch:
    """Adds the rows without committing: the caller's transaction keeps or drops them together."""
    total = sum((guide.total for guide in guides), Decimal("0.00"))
    batch = Batch(provider_id=provider_id, lot_number=lot_number or next_lot_number(db, provider_id),
                  protocol_number=provisional_protocol_number(), origin=origin, guide_type=guide_type,
                  competence=competence, status=BatchStatus.RECEBIDO, guide_count=len(guides),
                  total_value=total, received_at=now, created_by=actor.user_id)
    db.add(batch)
    db.flush()
    batch.protocol_number = protocol_number_for(batch.id, now)
    # The TISS receipt (XML lots) quotes the protocol number, so it is built once that is known.
    receipt_xml = receipt_for(batch) if receipt_for else None
    db.add(Protocol(batch_id=batch.id, number=batch.protocol_number, issued_at=now, receipt_xml=receipt_xml))
    # Core inserts: thousands of rows, where building ORM objects would cost more than the SQL.
    batch_guide_ids = db.execute(
        insert(_BATCH_GUIDE).returning(_BATCH_GUIDE.c.id, sort_by_parameter_order=True),
        [{"batch_id": batch.id, "guide_id": g.guide_id, "performed_on": g.performed_on, "total_value": g.total}
         for g in guides],
    ).scalars().all()
    db.execute(insert(_BATCH_ITEM), [
        {"batch_guide_id": batch_guide_id, "guide_item_id": line.guide_item_id, "table_code": line.table_code,
         "code": line.code, "description": line.description, "quantity": line.quantity,
         "unit_value": line.unit_value, "total_value": line.total}
        for batch_guide_id, guide in zip(batch_guide_ids, guides, strict=True)
        for line in guide.lines
    ])
    details = [{"batch_guide_id": batch_guide_id, "source": guide.detail_source.value, "guide": guide.detail}
               for batch_guide_id, guide in zip(batch_guide_ids, guides, strict=True) if guide.detail is not None]
    if details:
        db.execute(insert(_DETAIL), details)
    claims = [{"guide_item_id": line.guide_item_id, "batch_id": batch.id}
              for guide in guides for line in guide.lines if line.guide_item_id is not None]
    if claims:
        db.execute(insert(_BILLED_ITEM), claims)
    audit.record(db, actor, "batch.create", "batch", batch.id,
                 f"Lote {batch.lot_number} ({origin.value}), protocolo {batch.protocol_number}, "
                 f"{len(guides)} guia(s), {fmt.money(total)}", at=now)
    return batch
