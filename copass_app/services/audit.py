"""Who did what: one AuditLog row per business action, written in the action's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from copass_app.models import AuditLog, utcnow
from copass_app.services.access import Actor


def record(
    db: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    detail: str = "",
    *,
    provider_id: int | None = None,
    at: datetime | None = None,
) -> AuditLog:
    """Add the row without committing, so it is kept or dropped together with the change it describes.

    `provider_id` names the provider concerned when a staff member acts on its data.
    """
    row = AuditLog(
        at=at or utcnow(),
        user_id=actor.user_id,
        provider_id=provider_id if provider_id is not None else actor.provider_id,
        action=action[:40],
        entity=entity[:40],
        entity_id=str(entity_id),
        detail=detail,
    )
    db.add(row)
    return row
