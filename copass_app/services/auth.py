"""Passwords, lockout and server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, select

from copass_app import clock, settings
from copass_app.models import Provider, User, UserSession
from copass_app.services.access import Actor
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import TracedRefusal

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verifying against a real hash when the login is unknown keeps the response time the same.
_DUMMY_HASH = _hasher.hash("senha-inexistente")

INVALID_CREDENTIALS = "Usuário ou senha inválidos."


class LoginRefused(DomainError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"A senha deve ter ao menos {MIN_PASSWORD_LENGTH} caracteres.")
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(db: Session, login_name: str, password: str, now: datetime | None = None) -> str:
    """Check the password and open a session; returns the token the browser keeps.

    A wrong password is a refusal that leaves a trace (the failed attempt, and the lock after
    the fifth): run it with `unit_of_work.perform`, which keeps the count although it refuses.
    """
    now = now or clock.now()
    user = db.exec(select(User).where(User.login == login_name.strip().lower())).first()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise LoginRefused(INVALID_CREDENTIALS)
    if user.locked_until and clock.as_utc(user.locked_until) > now:
        minutes = max(1, int((clock.as_utc(user.locked_until) - now).total_seconds() // 60) + 1)
        raise LoginRefused(
            f"Conta bloqueada por excesso de tentativas. Tente novamente em {minutes} minuto(s)."
        )
    if not _verify(user.password_hash, password):
        user_id = user.id
        raise TracedRefusal(lambda trace_db: _register_failure(trace_db, user_id, now))
    user.failed_attempts = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    db.add(user)
    db.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours()),
        )
    )
    db.flush()
    return token


def _register_failure(db: Session, user_id: int, now: datetime) -> None:
    """Count the failure in the database itself, so attempts from several workers add up; then refuse."""
    db.execute(update(User).where(User.id == user_id).values(failed_attempts=User.failed_attempts + 1))
    db.execute(
        update(User)
        .where(User.id == user_id, User.failed_attempts >= MAX_FAILED_ATTEMPTS)
        .values(locked_until=now + LOCKOUT, failed_attempts=0)
    )
    raise LoginRefused(INVALID_CREDENTIALS)


def actor_for_token(db: Session, token: str, now: datetime | None = None) -> Actor | None:
    """The acting user of a live session, or None when the token is unknown, expired or revoked."""
    if not token:
        return None
    now = now or clock.now()
    row = db.exec(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if user_session.revoked_at or clock.as_utc(user_session.expires_at) <= now or not user.active:
        return None
    return actor_for_user(db, user)


def actor_for_user(db: Session, user: User) -> Actor:
    provider_name = ""
    if user.provider_id is not None:
        provider = db.get(Provider, user.provider_id)
        provider_name = provider.name if provider else ""
    return Actor(
        user_id=user.id,
        login=user.login,
        name=user.name,
        role=user.role,
        provider_id=user.provider_id,
        provider_name=provider_name,
    )


def logout(db: Session, token: str, now: datetime | None = None) -> None:
    user_session = db.exec(
        select(UserSession).where(UserSession.token_hash == _token_hash(token))
    ).first()
    if user_session and user_session.revoked_at is None:
        user_session.revoked_at = now or clock.now()
        db.add(user_session)
        db.flush()
