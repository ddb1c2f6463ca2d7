"""Server-side sessions: a new token at each login, ended at logout, on a password change, when idle and
after COPASS_SESSION_HOURS; each step leaves an audit row. Real database, real argon2."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from copass_app import clock
from copass_app.models import AuditLog, User, UserSession
from copass_app.services import auth
from copass_app.services.errors import DomainError
from copass_app.services.unit_of_work import perform
from tests.factories import PASSWORD

NEW_PASSWORD = "outra-senha-456"


def login(name: str, password: str = PASSWORD, **options) -> str:
    return perform(lambda db: auth.login(db, name, password, **options))


def actor(token: str, now=None):
    return perform(lambda db: auth.actor_for_token(db, token, now=now))


def actions(db) -> list[str]:
    db.expire_all()
    return [row.action for row in db.exec(select(AuditLog).order_by(AuditLog.id))]


def test_every_login_gets_a_new_token_and_the_browsers_previous_session_ends(db, factory):
    factory.user(factory.provider(), login="clinica")
    first = login("clinica")
    second = login("clinica", previous_token=first)
    assert second != first
    assert actor(first) is None  # the token the browser held before this login is worth nothing now
    assert actor(second).login == "clinica"


def test_a_login_elsewhere_does_not_end_the_other_browsers_session(db, factory):
    factory.user(factory.provider(), login="clinica")
    office, home = login("clinica"), login("clinica")
    assert actor(office) and actor(home)


def test_logout_ends_the_session_on_the_server_and_is_audited(db, factory):
    factory.user(factory.provider(), login="clinica")
    token = login("clinica", source="10.0.0.7")
    perform(lambda db: auth.logout(db, token, source="10.0.0.7"))
    assert actor(token) is None
    row = db.exec(select(AuditLog).where(AuditLog.action == "logout")).one()
    assert (row.login, row.source) == ("clinica", "10.0.0.7")
    perform(lambda db: auth.logout(db, token))  # a second "Sair" writes nothing more
    assert actions(db).count("logout") == 1


def test_session_ends_after_the_idle_minutes_without_use(db, factory, monkeypatch):
    monkeypatch.setenv("COPASS_SESSION_IDLE_MINUTES", "30")
    factory.user(factory.provider(), login="clinica")
    start = clock.now()
    token = login("clinica", now=start)
    assert actor(token, now=start + timedelta(minutes=29))  # in use: its idle clock starts again
    assert actor(token, now=start + timedelta(minutes=58))
    assert actor(token, now=start + timedelta(minutes=88, seconds=1)) is None  # 30 minutes untouched


def test_last_use_is_written_at_most_once_a_minute(db, factory):
    factory.user(factory.provider(), login="clinica")
    start = clock.now()
    token = login("clinica", now=start)

    def last_seen():
        db.expire_all()
        return clock.as_utc(db.exec(select(UserSession)).one().last_seen_at)

    for seconds in (5, 20, 59):
        assert actor(token, now=start + timedelta(seconds=seconds))
    assert last_seen() == start  # no write per event
    actor(token, now=start + timedelta(seconds=61))
    assert last_seen() == start + timedelta(seconds=61)


def test_session_ends_after_the_absolute_hours_even_when_in_use(db, factory, monkeypatch):
    monkeypatch.setenv("COPASS_SESSION_HOURS", "2")
    factory.user(factory.provider(), login="clinica")
    start = clock.now()
    token = login("clinica", now=start)
    for minutes in range(20, 120, 20):
        assert actor(token, now=start + timedelta(minutes=minutes))
    assert actor(token, now=start + timedelta(hours=2)) is None


def test_sessions_from_before_migration_0003_still_work(db, factory):
    # Rows written before last_seen_at existed have it empty: idle time counts from the login.
    factory.user(factory.provider(), login="clinica")
    start = clock.now()
    token = login("clinica", now=start)
    db.exec(select(UserSession)).one().last_seen_at = None
    db.commit()
    assert actor(token, now=start + timedelta(minutes=10))


def test_password_change_ends_every_session_of_the_user_and_keeps_this_browser_in(db, factory):
    user = factory.user(factory.provider(), login="clinica")
    other = factory.user(factory.provider(), login="outra")
    here, there, others = login("clinica"), login("clinica"), login("outra")
    me = actor(here)
    new_token = perform(lambda db: auth.change_password(db, me, PASSWORD, NEW_PASSWORD, NEW_PASSWORD))
    assert actor(here) is None and actor(there) is None
    assert actor(new_token).user_id == user.id
    assert actor(others).user_id == other.id  # another user's sessions are not touched
    with pytest.raises(auth.LoginRefused):
        login("clinica", PASSWORD)
    assert login("clinica", NEW_PASSWORD)
    change = db.exec(select(AuditLog).where(AuditLog.action == "password.change")).one()
    assert change.user_id == user.id and "2 sessão(ões) encerrada(s)" in change.detail
    assert NEW_PASSWORD not in change.detail and PASSWORD not in change.detail


@pytest.mark.parametrize(("current", "new", "confirmation", "message"), [
    (PASSWORD, "curta", "curta", "ao menos 8"),
    (PASSWORD, NEW_PASSWORD, "outra-coisa-789", "confirmação não confere"),
    (PASSWORD, PASSWORD, PASSWORD, "diferente da atual"),
    (PASSWORD, "", "", "Preencha"),
])
def test_password_change_rules(db, factory, current, new, confirmation, message):
    factory.user(factory.provider(), login="clinica")
    token = login("clinica")
    me = actor(token)
    with pytest.raises(DomainError, match=message):
        perform(lambda db: auth.change_password(db, me, current, new, confirmation))
    assert actor(token)  # nothing changed: the session lives, the old password still opens
    assert login("clinica", PASSWORD)


def test_wrong_current_password_is_audited_and_counts_towards_the_lock(db, factory):
    user = factory.user(factory.provider(), login="clinica")
    me = actor(login("clinica"))
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(DomainError, match="senha atual não confere"):
            perform(lambda db: auth.change_password(db, me, "chute-errado", NEW_PASSWORD, NEW_PASSWORD))
    assert actions(db).count("password.change_refused") == auth.MAX_FAILED_ATTEMPTS
    assert "login.lockout" in actions(db)
    assert db.get(User, user.id).locked_until is not None
    with pytest.raises(auth.LoginRefused, match="bloqueada"):
        login("clinica", PASSWORD)
