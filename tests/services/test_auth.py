import threading
from datetime import timedelta

import pytest

from copass_app.models import Role, User, utcnow
from copass_app.services import auth
from copass_app.services.auth import LoginRefused
from copass_app.services.unit_of_work import perform
from tests.factories import PASSWORD


def login(name: str, password: str, now=None) -> str:
    """As the login page does: one unit of work, which keeps a failed attempt although it refuses."""
    return perform(lambda db: auth.login(db, name, password, now=now))


def test_right_password_opens_a_session_for_the_provider_user(db, factory):
    provider = factory.provider(name="Clínica Vitória")
    user = factory.user(provider, login="clinica")
    token = login("clinica", PASSWORD)
    actor = auth.actor_for_token(db, token)
    assert actor.user_id == user.id
    assert actor.provider_id == provider.id
    assert actor.provider_name == "Clínica Vitória"


def test_login_is_case_insensitive_and_trims(db, factory):
    factory.user(factory.provider(), login="clinica")
    assert login("  CLINICA ", PASSWORD)


def test_wrong_password_refused_with_a_generic_message(db, factory):
    factory.user(factory.provider(), login="clinica")
    with pytest.raises(LoginRefused, match="Usuário ou senha inválidos"):
        login("clinica", "errada-123")


def test_unknown_login_gets_the_same_message_as_a_wrong_password(db):
    with pytest.raises(LoginRefused, match="Usuário ou senha inválidos"):
        login("ninguem", PASSWORD)


def test_password_is_stored_as_argon2_hash(db, factory):
    user = factory.user(factory.provider())
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


def test_short_password_refused_when_creating_user(db, factory):
    from copass_app.services.errors import DomainError
    from copass_app.services.users import add_user

    with pytest.raises(DomainError, match="ao menos 8"):
        add_user(db, "novo", "Novo", "curta", Role.STAFF)


def test_five_wrong_passwords_lock_the_account_for_15_minutes(db, factory):
    factory.user(factory.provider(), login="clinica")
    start = utcnow()
    for _ in range(5):
        with pytest.raises(LoginRefused, match="inválidos"):
            login("clinica", "errada-123", now=start)
    # Even the right password waits while the account is locked.
    with pytest.raises(LoginRefused, match="Conta bloqueada.*15 minuto"):
        login("clinica", PASSWORD, now=start + timedelta(seconds=1))
    with pytest.raises(LoginRefused, match="bloqueada"):
        login("clinica", PASSWORD, now=start + timedelta(minutes=14, seconds=50))
    assert login("clinica", PASSWORD, now=start + timedelta(minutes=15, seconds=1))


def test_four_wrong_passwords_do_not_lock_and_success_resets_the_count(db, factory):
    user = factory.user(factory.provider(), login="clinica")
    for _ in range(4):
        with pytest.raises(LoginRefused):
            login("clinica", "errada-123")
    assert login("clinica", PASSWORD)
    db.refresh(user)
    assert user.failed_attempts == 0
    for _ in range(4):
        with pytest.raises(LoginRefused, match="inválidos"):
            login("clinica", "errada-123")
    assert login("clinica", PASSWORD)


def test_logout_ends_the_session(db, factory):
    factory.user(factory.provider(), login="clinica")
    token = login("clinica", PASSWORD)
    auth.logout(db, token)
    assert auth.actor_for_token(db, token) is None


def test_expired_session_is_refused(db, factory):
    factory.user(factory.provider(), login="clinica")
    token = login("clinica", PASSWORD)
    assert auth.actor_for_token(db, token, now=utcnow() + timedelta(hours=13)) is None


def test_unknown_or_empty_token_has_no_actor(db):
    assert auth.actor_for_token(db, "") is None
    assert auth.actor_for_token(db, "forjado") is None


def test_deactivated_user_loses_session_and_cannot_log_in(db, factory):
    user = factory.user(factory.provider(), login="clinica")
    token = login("clinica", PASSWORD)
    db.get(User, user.id).active = False
    db.commit()
    assert auth.actor_for_token(db, token) is None
    with pytest.raises(LoginRefused):
        login("clinica", PASSWORD)


def test_wrong_passwords_at_the_same_moment_are_all_counted(db, factory):
    # Read-then-write-back lost updates: 4 parallel failures left failed_attempts=1.
    user = factory.user(factory.provider(), login="clinica")
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        with pytest.raises(LoginRefused):
            login("clinica", "errada-123")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.expire_all()
    assert db.get(User, user.id).failed_attempts == 4
    with pytest.raises(LoginRefused):
        login("clinica", "errada-123")  # the fifth locks, even the right password then waits
    with pytest.raises(LoginRefused, match="bloqueada"):
        login("clinica", PASSWORD)


def test_login_service_flushes_and_leaves_the_commit_to_its_caller(db, factory):
    factory.user(factory.provider(), login="clinica")
    token = auth.login(db, "clinica", PASSWORD)
    db.rollback()  # the caller's unit of work failed later: no session survives
    assert auth.actor_for_token(db, token) is None
