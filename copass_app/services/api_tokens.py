"""Per-provider API tokens for the providers' own software (POST /api/tiss/lotes).

Only a SHA-256 of the token is stored; the token itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from copass_app.models import ApiToken, Provider, User, utcnow
from copass_app.services import audit
from copass_app.services.access import Actor, require_provider
from copass_app.services.errors import DomainError, NotFound

TOKEN_PREFIX = "cpt_"
MAX_ACTIVE_TOKENS = 10


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class CreatedToken:
    id: int
    name: str
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Session, actor: Actor, name: str) -> CreatedToken:
    provider_id = require_provider(actor)
    name = " ".join(name.split())
    if not 3 <= len(name) <= 60:
        raise DomainError("Dê ao token um nome de 3 a 60 caracteres (ex.: sistema de faturamento).")
    active = db.exec(
        select(ApiToken).where(ApiToken.provider_id == provider_id, ApiToken.revoked_at.is_(None))
    ).all()
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise DomainError(f"Limite de {MAX_ACTIVE_TOKENS} tokens ativos atingido; revogue um antes de criar outro.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(provider_id=provider_id, name=name, token_hash=_hash(token), created_by=actor.user_id)
    db.add(row)
    db.flush()
    audit.record(db, actor, "api_token.create", "api_token", row.id, name)
    return CreatedToken(id=row.id, name=name, token=token)


def list_tokens(db: Session, actor: Actor) -> list[TokenView]:
    provider_id = require_provider(actor)
    rows = db.exec(
        select(ApiToken).where(ApiToken.provider_id == provider_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [TokenView(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at) for r in rows]


def revoke_token(db: Session, actor: Actor, token_id: int, now: datetime | None = None) -> None:
    provider_id = require_provider(actor)
    row = db.get(ApiToken, token_id)
    if row is None or row.provider_id != provider_id:
        raise NotFound("Token não encontrado.")
    if row.revoked_at is not None:
        raise DomainError("Este token já foi revogado.")
    row.revoked_at = now or utcnow()
    db.add(row)
    audit.record(db, actor, "api_token.revoke", "api_token", row.id, row.name)


def actor_for_api_token(db: Session, token: str, now: datetime | None = None) -> Actor | None:
    """The provider a live token acts for, as the user who created it; None when unknown or revoked."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.exec(select(ApiToken).where(ApiToken.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = db.get(User, row.created_by)
    provider = db.get(Provider, row.provider_id)
    if user is None or not user.active or provider is None:
        return None
    row.last_used_at = now or utcnow()
    db.add(row)
    return Actor(user_id=user.id, login=user.login, name=f"API: {row.name}", role=user.role,
                 provider_id=provider.id, provider_name=provider.name)
