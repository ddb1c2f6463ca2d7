"""Accounts: created by the CLI (and later by admins in the portal)."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from copass_app.models import Provider, Role, User
from copass_app.services.auth import hash_password
from copass_app.services.errors import DomainError

_LOGIN_PATTERN = re.compile(r"^[a-z0-9._-]{3,64}$")


def add_user(
    db: Session,
    login: str,
    name: str,
    password: str,
    role: Role,
    provider_code: str | None = None,
) -> User:
    login = login.strip().lower()
    if not _LOGIN_PATTERN.match(login):
        raise DomainError("Login inválido: use de 3 a 64 letras minúsculas, números, ponto, hífen ou sublinhado.")
    if db.exec(select(User).where(User.login == login)).first():
        raise DomainError(f"Já existe um usuário com o login '{login}'.")
    provider_id = None
    if role == Role.PROVIDER:
        if not provider_code:
            raise DomainError("Usuário de prestador precisa do código do prestador.")
        provider = db.exec(select(Provider).where(Provider.code == provider_code)).first()
        if provider is None:
            raise DomainError(f"Prestador com código '{provider_code}' não encontrado.")
        provider_id = provider.id
    elif provider_code:
        raise DomainError("Somente usuários de prestador são vinculados a um prestador.")
    user = User(
        login=login,
        name=name.strip() or login,
        password_hash=hash_password(password),
        role=role,
        provider_id=provider_id,
    )
    db.add(user)
    db.flush()
    return user
