"""Providers as the operator's staff see them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from copass_app.models import Guide, Provider
from copass_app.services.access import Actor, require_staff


@dataclass(frozen=True)
class ProviderSummary:
    id: int
    code: str
    name: str
    document: str
    kind: str
    guide_count: int


def list_providers(db: Session, actor: Actor) -> list[ProviderSummary]:
    require_staff(actor)
    counts = dict(db.exec(select(Guide.provider_id, func.count()).group_by(Guide.provider_id)).all())
    return [
        ProviderSummary(p.id, p.code, p.name, p.document, p.kind, counts.get(p.id, 0))
        for p in db.exec(select(Provider).order_by(Provider.name))
    ]
