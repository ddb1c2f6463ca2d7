"""Lot and protocol numbers of a received batch (web billing, XML lots, typed attendances)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Batch, BatchOrigin


def next_lot_number(db: Session, provider_id: int) -> str:
    """The provider's next numeroLote: one more than its last portal lot, skipping numbers an XML lot took.

    Two confirmations at once may pick the same number; the unique (provider, lot) key refuses
    the second, which retries.
    """
    last = db.exec(
        select(Batch.lot_number)
        .where(Batch.provider_id == provider_id, Batch.origin.in_((BatchOrigin.WEB, BatchOrigin.TYPED)))
        .order_by(func.length(Batch.lot_number).desc(), Batch.lot_number.desc())
        .limit(1)
    ).first()
    number = int(last) + 1 if last and last.isdigit() else 1
    while db.exec(
        select(Batch.id).where(Batch.provider_id == provider_id, Batch.lot_number == str(number))
    ).first():
        number += 1
    return str(number)


def provisional_protocol_number() -> str:
    """Unique placeholder until the batch id, which the protocol number is made of, is known."""
    return f"tmp{uuid.uuid4().hex[:17]}"


def protocol_number_for(batch_id: int, received_at: datetime) -> str:
    """Year of receipt (in Brasília) + batch id: 12 digits, as TISS numeroProtocolo allows.

    Unique because the id is; past 10^8 batches the 12-digit id alone keeps it unique and short.
    """
    if batch_id >= 10**8:
        return f"{batch_id:012d}"
    return f"{clock.brasilia_date(received_at):%Y}{batch_id:08d}"
