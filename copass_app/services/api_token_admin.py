"""API tokens managed from the command line (`copass token`), for the operator's support team and
scripted set-ups: a token is created for a provider user by login, listed, and revoked by its id, by
the token itself (one that leaked) or by login and name.

The token acts as the provider user it is created for, exactly like one created on the user's
*Integração (API)* page; the audit rows (api_token.create / api_token.revoke) name that user and say
the action came from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import ApiToken, Provider, Role, User
from copass_app.services import api_tokens
from copass_app.services.access import Actor
from copass_app.services.api_tokens import CreatedToken
from copass_app.services.auth import actor_for_user
from copass_app.services.errors import DomainError, NotFound

SOURCE = "linha de comando"


def _provider_user(db: Session, login: str) -> User:
    """The active provider user of a login; refusals say why, in Portuguese."""
    login = (login or "").strip()
    user = db.exec(select(User).where(User.login == login)).first() if login else None
    if user is None:
        raise NotFound(f"Usuário '{login}' não encontrado.")
    if user.role != Role.PROVIDER or user.provider_id is None:
        raise DomainError(f"O usuário '{login}' é da equipe da operadora: tokens de API são só de usuários de "
                          "prestador (o sistema do prestador age em nome dele).")
    if not user.active:
        raise DomainError(f"O usuário '{login}' está desativado: reative-o antes de criar um token para ele.")
    return user


def default_name() -> str:
    return f"Criado pela operadora em {clock.today():%d/%m/%Y}"


def create_for_login(db: Session, login: str, name: str | None = None) -> tuple[CreatedToken, Provider]:
    """A new token of the login's provider, acting as that user; the token itself is only in the result."""
    user = _provider_user(db, login)
    created = api_tokens.create_token(db, actor_for_user(db, user), name or default_name(), source=SOURCE)
    return created, db.get(Provider, user.provider_id)


@dataclass(frozen=True)
class AdminTokenView:
    id: int
    name: str
    login: str  # the user it acts as
    provider_code: str
    provider_name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_tokens(db: Session, login: str | None = None) -> list[AdminTokenView]:
    """Every token (or the login's provider's), newest first."""
    query = (select(ApiToken, User.login, Provider.code, Provider.name)
             .join(User, User.id == ApiToken.created_by).join(Provider, Provider.id == ApiToken.provider_id))
    if login:
        query = query.where(ApiToken.provider_id == _provider_user(db, login).provider_id)
    rows = db.exec(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [AdminTokenView(t.id, t.name, user_login, code, provider_name, t.created_at, t.last_used_at, t.revoked_at)
            for t, user_login, code, provider_name in rows]


def revoke(db: Session, *, token_id: object = None, token: str | None = None, login: str | None = None,
           name: str | None = None) -> ApiToken:
    """Revoke one token, found by id, by its value, or by login and name (the one live token of that name)."""
    row = _find(db, token_id=token_id, token=token, login=login, name=name)
    user = db.get(User, row.created_by)
    actor = actor_for_user(db, user)
    if actor.role != Role.PROVIDER or actor.provider_id != row.provider_id:  # the creator moved: act as the provider
        actor = Actor(user_id=user.id, login=user.login, name=user.name, role=Role.PROVIDER,
                      provider_id=row.provider_id)
    api_tokens.revoke_token(db, actor, row.id, source=SOURCE)
    return row


def _find(db: Session, *, token_id: object, token: str | None, login: str | None, name: str | None) -> ApiToken:
    given = [token_id not in (None, ""), bool(token), bool(login or name)]
    if sum(given) != 1:
        raise DomainError("Informe o token a revogar de um só modo: pelo número (ID), por --token, "
                          "ou por --login e --name.")
    if given[0]:
        text = str(token_id).strip()
        row = db.get(ApiToken, int(text)) if text.isdigit() and int(text) < 2**63 else None
        if row is None:
            raise NotFound(f"Token {text} não encontrado.")
        return row
    if given[1]:
        digest = api_tokens._hash(token.strip())  # the one hashing rule of the tokens
        row = db.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
        if row is None:
            raise NotFound("Nenhum token do portal tem esse valor.")
        return row
    if not (login and name):
        raise DomainError("Para revogar por nome, informe --login e --name.")
    provider_id = _provider_user(db, login).provider_id
    wanted = " ".join(name.split())
    live = db.exec(select(ApiToken).where(ApiToken.provider_id == provider_id, ApiToken.name == wanted,
                                          ApiToken.revoked_at.is_(None))).all()
    if not live:
        raise NotFound(f"O prestador do usuário '{login}' não tem token ativo chamado '{wanted}'.")
    if len(live) > 1:
        ids = ", ".join(str(row.id) for row in live)
        raise DomainError(f"Há {len(live)} tokens ativos chamados '{wanted}' (IDs {ids}); revogue pelo número.")
    return live[0]
