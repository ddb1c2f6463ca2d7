"""Passwords, lockout, slowdown per source address and server-side sessions, each step audited.

A session is a random token the browser keeps; the server keeps only its SHA-256. It ends at
logout, on a password change (every session of that user), after `COPASS_SESSION_IDLE_MINUTES`
without use and `COPASS_SESSION_HOURS` after the login, whichever comes first.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, update
from sqlmodel import Session, select

from copass_app import clock, settings
from copass_app.models import LoginFailure, Provider, Role, User, UserSession
from copass_app.services import audit
from copass_app.services.access import Actor
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import TracedRefusal

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
# A session's last use is written at most this often: not one write per page event.
TOUCH_EVERY = timedelta(minutes=1)

_hasher = PasswordHasher()
# Verifying against a real hash when the login is unknown keeps the response time the same.
_DUMMY_HASH = _hasher.hash("senha-inexistente")

INVALID_CREDENTIALS = "Usuário ou senha inválidos."
LOCKOUT_DETAIL = (f"Conta bloqueada por {int(LOCKOUT.total_seconds() // 60)} minutos após "
                  f"{MAX_FAILED_ATTEMPTS} tentativas sem sucesso")
WRONG_CURRENT_PASSWORD = "A senha atual não confere."


class LoginRefused(DomainError):
    pass


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


def idle_minutes() -> int:
    return _env_int("COPASS_SESSION_IDLE_MINUTES", 30)


def address_max_failures() -> int:
    """Failed logins from one address within the window before its next attempts are refused."""
    return _env_int("COPASS_LOGIN_ADDRESS_MAX_FAILURES", 20)


def address_window() -> timedelta:
    return timedelta(minutes=_env_int("COPASS_LOGIN_ADDRESS_WINDOW_MINUTES", 15))


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


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() // 60) + 1)


# --- login ---------------------------------------------------------------------------------------------


def login(db: Session, login_name: str, password: str, now: datetime | None = None, *,
          source: str = "", previous_token: str = "") -> str:
    """Check the password and open a new session; returns the token the browser keeps.

    `source` is the client's address (its failures slow it down); `previous_token` is the session
    the browser still held, revoked on success (a new token at every login). A wrong password or an
    unknown login is a refusal that leaves a trace (the failure, its audit row, the lock after the
    fifth): run it with `unit_of_work.perform`, which keeps the trace although it refuses.
    """
    now = now or clock.now()
    typed = login_name.strip().lower()
    _refuse_blocked_address(db, source, now)
    user = db.exec(select(User).where(User.login == typed)).first()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise TracedRefusal(lambda trace_db: _register_failure(trace_db, None, typed, source, now))
    if user.locked_until and clock.as_utc(user.locked_until) > now:
        raise LoginRefused("Conta bloqueada por excesso de tentativas. Tente novamente em "
                           f"{_minutes_until(clock.as_utc(user.locked_until), now)} minuto(s).")
    if not _verify(user.password_hash, password):
        user_id = user.id
        raise TracedRefusal(lambda trace_db: _register_failure(trace_db, user_id, typed, source, now))
    user.failed_attempts = 0
    user.locked_until = None
    db.add(user)
    if previous_token:
        _revoke(db, UserSession.token_hash == _token_hash(previous_token), now)
    token = _open_session(db, user.id, now)
    audit.record(db, actor_for_user(db, user), "login.success", "user", user.id, "Acesso ao portal",
                 at=now, source=source)
    return token


def _open_session(db: Session, user_id: int, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    db.add(UserSession(token_hash=_token_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
                       expires_at=now + timedelta(hours=settings.session_hours())))
    db.flush()
    return token


def _refuse_blocked_address(db: Session, source: str, now: datetime) -> None:
    """Too many failures from this address lately: refuse before spending a password check on it."""
    if not source:
        return
    limit, since = address_max_failures(), now - address_window()
    moments = db.exec(select(LoginFailure.at).where(LoginFailure.address == source[:64], LoginFailure.at > since)
                      .order_by(LoginFailure.at)).all()
    if len(moments) < limit:
        return
    # Attempts open again when enough of these failures have left the window.
    reopens = clock.as_utc(moments[len(moments) - limit]) + address_window()
    raise LoginRefused("Muitas tentativas de acesso sem sucesso a partir deste endereço. Aguarde "
                       f"{_minutes_until(reopens, now)} minuto(s) e tente novamente.")


def _register_failure(db: Session, user_id: int | None, typed: str, source: str, now: datetime) -> None:
    """Count the failure in the database itself, so attempts from several workers add up; then refuse."""
    locked = user_id is not None and _count_account_failure(db, user_id, now)
    known = "" if user_id is not None else " (usuário inexistente ou inativo)"
    audit.record(db, None, "login.failure", "user", user_id or "", f"Senha ou usuário inválido{known}",
                 at=now, login=typed, source=source)
    if locked:
        audit.record(db, None, "login.lockout", "user", user_id, LOCKOUT_DETAIL, at=now, login=typed, source=source)
    if source:
        _count_address_failure(db, source, typed, now)
    raise LoginRefused(INVALID_CREDENTIALS)


def _count_account_failure(db: Session, user_id: int, now: datetime) -> bool:
    """One more failure on the account, as one UPDATE (no lost updates between workers); True when it locks."""
    db.execute(update(User).where(User.id == user_id).values(failed_attempts=User.failed_attempts + 1))
    return db.execute(
        update(User)
        .where(User.id == user_id, User.failed_attempts >= MAX_FAILED_ATTEMPTS)
        .values(locked_until=now + LOCKOUT, failed_attempts=0)
    ).rowcount == 1


def _count_address_failure(db: Session, source: str, typed: str, now: datetime) -> None:
    address, window = source[:64], address_window()
    db.execute(delete(LoginFailure).where(LoginFailure.at <= now - 2 * window))  # keeps the table small
    db.add(LoginFailure(address=address, at=now))
    db.flush()
    recent = db.exec(select(func.count()).select_from(LoginFailure)
                     .where(LoginFailure.address == address, LoginFailure.at > now - window)).one()
    if recent == address_max_failures():
        audit.record(db, None, "login.address_blocked", "address", address,
                     f"{recent} tentativas sem sucesso em {int(window.total_seconds() // 60)} minutos: "
                     "novas tentativas recusadas", at=now, login=typed, source=source)


# --- sessions ------------------------------------------------------------------------------------------


@cache
def _session_statement():
    """The session check's one query, of plain columns (no ORM entities), built once: every event of every
    tab runs it."""
    return (
        select(UserSession.id, UserSession.created_at, UserSession.last_seen_at, UserSession.expires_at,
               UserSession.revoked_at, User.id, User.login, User.name, User.role, User.provider_id, User.active,
               Provider.name)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Provider, Provider.id == User.provider_id)
        .where(UserSession.token_hash == bindparam("token_hash"))
    )


def actor_for_token(db: Session, token: str, now: datetime | None = None) -> Actor | None:
    """The acting user of a live session, or None when the token is unknown, expired, idle or revoked.

    A live session's last use is stamped (at most once a minute), which moves its idle expiry on.
    """
    if not token:
        return None
    now = now or clock.now()
    row = db.exec(_session_statement(), params={"token_hash": _token_hash(token)}).first()
    if row is None:
        return None
    (session_id, created_at, last_seen_at, expires_at, revoked_at,
     user_id, login, name, role, provider_id, active, provider_name) = row
    last_seen = clock.as_utc(last_seen_at or created_at)
    if (revoked_at or clock.as_utc(expires_at) <= now or not active
            or now - last_seen >= timedelta(minutes=idle_minutes())):
        return None
    if now - last_seen >= TOUCH_EVERY or last_seen_at is None:
        db.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
                   .execution_options(synchronize_session=False))
    return Actor(user_id=user_id, login=login, name=name, role=Role(role), provider_id=provider_id,
                 provider_name=provider_name or "")


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


def _revoke(db: Session, condition, now: datetime) -> int:
    return db.execute(update(UserSession).where(condition, UserSession.revoked_at.is_(None))
                      .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount


def revoke_sessions(db: Session, user_id: int, now: datetime | None = None) -> int:
    """End every live session of a user (password change, deactivation); how many ended."""
    return _revoke(db, UserSession.user_id == user_id, now or clock.now())


def logout(db: Session, token: str, now: datetime | None = None, *, source: str = "") -> None:
    """End this browser's session on the server; audited when it was still open."""
    if not token:
        return
    now = now or clock.now()
    row = db.exec(select(UserSession, User).join(User, User.id == UserSession.user_id)
                  .where(UserSession.token_hash == _token_hash(token))).first()
    if row is None or row[0].revoked_at is not None:
        return
    user_session, user = row
    _revoke(db, UserSession.id == user_session.id, now)
    audit.record(db, actor_for_user(db, user), "logout", "user", user.id, "Saída do portal", at=now, source=source)


# --- password change -----------------------------------------------------------------------------------


def change_password(db: Session, actor: Actor, current: str, new: str, confirmation: str, *,
                    now: datetime | None = None, source: str = "") -> str:
    """The user's own password change: ends every session of the user and returns the new one's token.

    A wrong current password counts as a failed attempt (five lock the account), so a session left
    open cannot be used to guess it.
    """
    now = now or clock.now()
    user = db.get(User, actor.user_id)
    if user is None or not user.active:
        raise DomainError("Usuário não encontrado.")
    if not current or not new or not confirmation:
        raise DomainError("Preencha a senha atual, a nova senha e a confirmação.")
    if not _verify(user.password_hash, current):
        raise TracedRefusal(lambda trace_db: _wrong_current_password(trace_db, actor, now, source))
    if new != confirmation:
        raise DomainError("A confirmação não confere com a nova senha.")
    if new == current:
        raise DomainError("A nova senha deve ser diferente da atual.")
    user.password_hash = hash_password(new)
    user.failed_attempts = 0
    db.add(user)
    ended = revoke_sessions(db, user.id, now)
    token = _open_session(db, user.id, now)
    audit.record(db, actor, "password.change", "user", user.id,
                 f"Senha alterada; {ended} sessão(ões) encerrada(s)", at=now, source=source)
    return token


def _wrong_current_password(db: Session, actor: Actor, now: datetime, source: str) -> None:
    locked = _count_account_failure(db, actor.user_id, now)
    audit.record(db, actor, "password.change_refused", "user", actor.user_id, "Senha atual incorreta",
                 at=now, source=source)
    if locked:
        audit.record(db, actor, "login.lockout", "user", actor.user_id, LOCKOUT_DETAIL, at=now, source=source)
    raise DomainError(WRONG_CURRENT_PASSWORD)
