"""The audit trail of logins, and the slowdown of an address that keeps failing (counted in the database,
so attempts through separate units of work, as from several workers, add up)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import select

from copass_app import clock
from copass_app.models import AuditLog, LoginFailure
from copass_app.services import auth
from copass_app.services.auth import LoginRefused
from copass_app.services.unit_of_work import perform
from tests.factories import PASSWORD

ATTACKER = "203.0.113.9"


def login(name: str, password: str, **options) -> str:
    return perform(lambda db: auth.login(db, name, password, **options))


def audit_rows(db, action: str) -> list[AuditLog]:
    db.expire_all()
    return list(db.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_login_success_is_audited_with_the_user_and_the_address(db, factory):
    provider = factory.provider()
    user = factory.user(provider, login="clinica")
    login("clinica", PASSWORD, source="192.0.2.10")
    (row,) = audit_rows(db, "login.success")
    assert (row.user_id, row.provider_id, row.login, row.source) == (user.id, provider.id, "clinica", "192.0.2.10")


def test_failed_login_is_audited_with_the_login_typed_and_the_address_never_the_password(db, factory):
    user = factory.user(factory.provider(), login="clinica")
    with pytest.raises(LoginRefused):
        login(" Clinica ", "senha-chutada-1", source=ATTACKER)
    with pytest.raises(LoginRefused):
        login("fulano", "senha-chutada-2", source=ATTACKER)
    wrong, unknown = audit_rows(db, "login.failure")
    # Nobody proved who they are: no acting user; the account tried is the record concerned.
    assert (wrong.user_id, wrong.entity_id, wrong.login, wrong.source) == (None, str(user.id), "clinica", ATTACKER)
    # An unknown login has no user: the row still says what was typed.
    assert (unknown.user_id, unknown.login, unknown.source) == (None, "fulano", ATTACKER)
    for row in (wrong, unknown):
        assert "chutada" not in row.detail and "chutada" not in row.entity_id


def test_the_fifth_failure_locks_and_the_lock_is_audited(db, factory):
    factory.user(factory.provider(), login="clinica")
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(LoginRefused):
            login("clinica", "errada-123")
    (lock,) = audit_rows(db, "login.lockout")
    assert lock.login == "clinica" and "15 minutos" in lock.detail


def test_unknown_login_and_wrong_password_take_the_same_time_and_say_the_same(db, factory):
    factory.user(factory.provider(), login="clinica")

    def attempt(name: str) -> tuple[float, str]:
        started = time.perf_counter()
        with pytest.raises(LoginRefused) as refused:
            login(name, "errada-123")
        return time.perf_counter() - started, str(refused.value)

    # Alternate, keep the best of several: argon2's cost dominates both and must run for both.
    wrong = [attempt("clinica") for _ in range(3)]
    unknown = [attempt("ninguem") for _ in range(3)]
    assert {message for _, message in wrong + unknown} == {auth.INVALID_CREDENTIALS}
    best_wrong, best_unknown = min(t for t, _ in wrong), min(t for t, _ in unknown)
    assert best_unknown > 0.5 * best_wrong and best_wrong > 0.5 * best_unknown


def test_an_address_that_keeps_failing_is_refused_before_any_password_check(db, factory, monkeypatch):
    monkeypatch.setenv("COPASS_LOGIN_ADDRESS_MAX_FAILURES", "6")
    monkeypatch.setenv("COPASS_LOGIN_ADDRESS_WINDOW_MINUTES", "10")
    for index in range(6):
        factory.user(factory.provider(), login=f"vitima{index}")
    start = clock.now()
    # One wrong password on each of six accounts: no account reaches its own lock.
    for index in range(6):
        with pytest.raises(LoginRefused, match="inválidos"):
            login(f"vitima{index}", "chute-123", source=ATTACKER, now=start + timedelta(seconds=index))
    with pytest.raises(LoginRefused, match=r"Muitas tentativas .* deste endereço. Aguarde 10 minuto\(s\)"):
        login("vitima0", PASSWORD, source=ATTACKER, now=start + timedelta(seconds=30))
    assert len(audit_rows(db, "login.address_blocked")) == 1
    # Another address is not slowed down; refused attempts do not count as more failures.
    assert login("vitima0", PASSWORD, source="198.51.100.1", now=start + timedelta(seconds=31))
    assert db.exec(select(LoginFailure)).all().__len__() == 6
    # Once the failures leave the window, the address may try again.
    assert login("vitima1", PASSWORD, source=ATTACKER, now=start + timedelta(minutes=10, seconds=2))


def test_refused_attempt_from_a_blocked_address_costs_no_password_check(db, factory, monkeypatch):
    monkeypatch.setenv("COPASS_LOGIN_ADDRESS_MAX_FAILURES", "3")
    factory.user(factory.provider(), login="clinica")
    for _ in range(3):
        with pytest.raises(LoginRefused):
            login("ninguem", "chute-123", source=ATTACKER)
    started = time.perf_counter()
    for _ in range(20):
        with pytest.raises(LoginRefused, match="Muitas tentativas"):
            login("clinica", PASSWORD, source=ATTACKER)
    # Twenty argon2 checks take seconds; refusing twenty blocked attempts takes a small fraction of that.
    assert time.perf_counter() - started < 1.0
