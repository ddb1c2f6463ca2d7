"""Open or closed: a typed attendance is open while none of its items is in a live batch; only its own
provider reaches it."""

from __future__ import annotations

from sqlmodel import Session, select

from copass_app.models import (
    Batch,
    BilledItem,
    Guide,
    GuideItem,
    TypedAttendance,
)
from copass_app.services.access import Actor, require_provider
from copass_app.services.attendances.forms import NOT_FOUND
from copass_app.services.errors import DomainError, NotFound
from copass_app.tiss import codes


def closed_by(db: Session, guide_id: int) -> str | None:
    """The protocol of the live batch holding the attendance's items, None while it is open."""
    return db.exec(
        select(Batch.protocol_number)
        .join(BilledItem, BilledItem.batch_id == Batch.id)
        .join(GuideItem, GuideItem.id == BilledItem.guide_item_id)
        .where(GuideItem.guide_id == guide_id)
        .limit(1)
    ).first()


def own_attendance(db: Session, actor: Actor, guide_id: object) -> tuple[TypedAttendance, Guide]:
    provider_id = require_provider(actor)
    try:
        key = int(str(guide_id))
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND) from None
    typed = db.get(TypedAttendance, key)
    if typed is None or typed.provider_id != provider_id:  # another provider's: exactly like a missing one
        raise NotFound(NOT_FOUND)
    return typed, db.get(Guide, key)


def refuse_closed(db: Session, guide: Guide, doing: str) -> None:
    protocol = closed_by(db, guide.id)
    if protocol:
        raise DomainError(f"O atendimento {guide.provider_guide_number} já foi fechado no protocolo {protocol} "
                          f"e não pode mais ser {doing}. Para corrigi-lo, estorne o lote em Acompanhamento.",
                          codes.GUIDE_ALREADY_SENT)
