"""Who did what: one AuditLog row per business action, written in the action's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from copass_app.models import AuditLog, utcnow
from copass_app.services.access import Actor

# Column sizes of audit_log (a value typed by anyone is cut, never refused).
_SHORT = 40
_LOGIN = 64


def record(
    db: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    detail: str = "",
    *,
    provider_id: int | None = None,
    at: datetime | None = None,
    login: str | None = None,
    source: str = "",
) -> AuditLog:
    """Add the row without committing, so it is kept or dropped together with the change it describes.

    `actor` is None when nobody is known (a failed login of an unknown user): `login` then says what
    was typed. `provider_id` names the provider concerned when a staff member acts on its data;
    `source` is the client's address, when there is one.
    """
    row = AuditLog(
        at=at or utcnow(),
        user_id=actor.user_id if actor else None,
        provider_id=provider_id if provider_id is not None else (actor.provider_id if actor else None),
        action=action[:_SHORT],
        entity=entity[:_SHORT],
        entity_id=str(entity_id),
        detail=detail,
        login=(login if login is not None else (actor.login if actor else ""))[:_LOGIN],
        source=(source or "")[:_LOGIN],
    )
    db.add(row)
    return row
