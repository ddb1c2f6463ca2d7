"""Per-provider API tokens for the providers' own software (POST /api/tiss/lotes).

Only a SHA-256 of the token is stored; the token itself is shown once, at creation. Each request
records the token's last use and counts in a one-minute window per token, in the database so
several workers agree: past `COPASS_API_RATE_PER_MINUTE` the request is refused. Refusals are audited.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import ApiRateWindow, ApiToken, Operator, Provider, User, utcnow
from copass_app.services import audit
from copass_app.services.access import Actor, require_provider
from copass_app.services.errors import DomainError, NotFound

TOKEN_PREFIX = "cpt_"
MAX_ACTIVE_TOKENS = 10
UNAUTHORIZED = "Token de API ausente, inválido ou revogado."


def rate_per_minute() -> int:
    value = os.environ.get("COPASS_API_RATE_PER_MINUTE", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 60


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


def create_token(db: Session, actor: Actor, name: str, *, source: str = "") -> CreatedToken:
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
    audit.record(db, actor, "api_token.create", "api_token", row.id, name, source=source)
    return CreatedToken(id=row.id, name=name, token=token)


def list_tokens(db: Session, actor: Actor) -> list[TokenView]:
    provider_id = require_provider(actor)
    rows = db.exec(
        select(ApiToken).where(ApiToken.provider_id == provider_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [TokenView(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at) for r in rows]


def revoke_token(db: Session, actor: Actor, token_id: int, now: datetime | None = None, *, source: str = "") -> None:
    provider_id = require_provider(actor)
    row = db.get(ApiToken, token_id)
    if row is None or row.provider_id != provider_id:
        raise NotFound("Token não encontrado.")
    if row.revoked_at is not None:
        raise DomainError("Este token já foi revogado.")
    row.revoked_at = now or utcnow()
    db.add(row)
    audit.record(db, actor, "api_token.revoke", "api_token", row.id, row.name, source=source)


def actor_for_api_token(db: Session, token: str, now: datetime | None = None) -> Actor | None:
    """The provider a live token acts for, as the user who created it; None when unknown or revoked."""
    found = _live_token(db, token)
    if found is None:
        return None
    row, actor, _ = found
    row.last_used_at = now or utcnow()
    db.add(row)
    return actor


def _live_token(db: Session, token: str) -> tuple[ApiToken, Actor, Provider] | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    # One query for the token, its user, provider and operator (every API request asks): the operator
    # lands in the session's identity map for authorize_request.
    found = db.exec(
        select(ApiToken, User, Provider, Operator)
        .outerjoin(User, User.id == ApiToken.created_by).outerjoin(Provider, Provider.id == ApiToken.provider_id)
        .outerjoin(Operator, Operator.id == Provider.operator_id)
        .where(ApiToken.token_hash == _hash(token))
    ).first()
    if found is None:
        return None
    row, user, provider, _operator = found
    if row.revoked_at is not None or user is None or not user.active or provider is None:
        return None
    return row, Actor(user_id=user.id, login=user.login, name=f"API: {row.name}", role=user.role,
                      provider_id=provider.id, provider_name=provider.name), provider


@dataclass(frozen=True)
class ApiAccess:
    """What a request's token is worth: the actor, or why not (`status` 401 or 429 with `message`)."""

    actor: Actor | None
    status: int = 200
    message: str = ""
    retry_after: int = 0  # seconds, for a 429
    registro_ans: str = ""  # who answers a refusal in TISS, and to whom
    provider_code: str = ""
    token_id: int | None = None  # the token used, for the call's audit row (record_call)


def authorize_request(db: Session, token: str, *, source: str = "", now: datetime | None = None) -> ApiAccess:
    """Check one API request's token, count it in its minute and audit a refusal (run it in its own
    unit of work: the count and the audit row stay whatever the request then does)."""
    now = now or clock.now()
    found = _live_token(db, token)
    if found is None:
        _audit_unauthorized(db, token, source, now)
        return ApiAccess(None, 401, UNAUTHORIZED)
    row, actor, provider = found
    window = now.replace(second=0, microsecond=0)
    requests = _count_request(db, row.id, window)
    limit = rate_per_minute()
    operator = db.get(Operator, provider.operator_id)
    if requests > limit:
        retry_after = max(1, int((window + timedelta(minutes=1) - now).total_seconds()))
        message = (f"Limite de {limit} envios por minuto deste token atingido. "
                   f"Tente novamente em {retry_after} segundo(s).")
        if requests == limit + 1:  # one audit row per token and minute, not one per refused request of a flood
            audit.record(db, actor, "api.rate_limited", "api_token", row.id, message, at=now, source=source)
        return ApiAccess(None, 429, message, retry_after, operator.registro_ans if operator else "", provider.code,
                         row.id)
    row.last_used_at = now
    db.add(row)
    return ApiAccess(actor, registro_ans=operator.registro_ans if operator else "", provider_code=provider.code,
                     token_id=row.id)


CALL_ACTION = "api.call"


def record_call(db: Session, access: ApiAccess, service: str, result: str, *, source: str = "",
                now: datetime | None = None) -> None:
    """One audit row per API call of an authorized token (REST or SOAP), for Integração's last calls:
    detail "service: result" (split on the first ": "), e.g. "tissLoteGuias: aceito — protocolo 202600000012"."""
    audit.record(db, access.actor, CALL_ACTION, "api_token", access.token_id if access.token_id is not None else "",
                 f"{service}: {result}", at=now or clock.now(), source=source)


def _count_request(db: Session, token_id: int, window: datetime) -> int:
    """One more request in this token's window, as one atomic upsert; the window's count after it."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    requests = db.execute(
        dialect.insert(ApiRateWindow)
        .values(token_id=token_id, window_start=window, requests=1)
        .on_conflict_do_update(index_elements=["token_id", "window_start"],
                               set_={"requests": ApiRateWindow.requests + 1})
        .returning(ApiRateWindow.requests)
    ).scalar_one()
    if requests == 1:  # the minute's first request: the token's older windows go (once a minute, not per request)
        db.execute(delete(ApiRateWindow).where(ApiRateWindow.token_id == token_id,
                                               ApiRateWindow.window_start < window))
    return requests


def _audit_unauthorized(db: Session, token: str, source: str, now: datetime) -> None:
    """Who was refused, never the token: a revoked token still names its provider."""
    row = db.exec(select(ApiToken).where(ApiToken.token_hash == _hash(token))).first() if token else None
    if not token:
        detail = "Requisição sem token de API"
    elif row is None:
        detail = "Token de API desconhecido"
    elif row.revoked_at is not None:
        detail = f"Token de API revogado ({row.name})"
    else:
        detail = f"Token de API de usuário inativo ({row.name})"
    audit.record(db, None, "api.unauthorized", "api_token", row.id if row else "", detail,
                 provider_id=row.provider_id if row else None, at=now, source=source)
