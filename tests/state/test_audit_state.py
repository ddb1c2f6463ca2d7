"""The staff audit page and the 'Alterar senha' page, driven as the browser would."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from copass_app import routes
from copass_app.models import AuditLog, Role
from copass_app.pages.account import account_page
from copass_app.pages.audit import audit_page
from copass_app.routes import Audience
from copass_app.services import auth as auth_service
from copass_app.state.account import SUCCESS, AccountState
from copass_app.state.audit import AuditLine, AuditState
from copass_app.state.auth import AuthState
from tests.factories import PASSWORD
from tests.state.conftest import browser_tab, says


def test_staff_read_the_trail_newest_first_and_filter_it(db, factory, login):
    clinic = factory.provider(name="Clínica A", code="100001")
    login(clinic)  # a login.success row for the clinic's user
    tab = browser_tab(AuditState, login(role=Role.STAFF))
    assert asyncio.run(tab.on_load()) is None
    assert tab.loaded and all(isinstance(row, AuditLine) for row in tab.rows)
    assert [row.action for row in tab.rows] == ["Acesso ao portal", "Acesso ao portal"]
    assert tab.rows[1].provider == "100001 · Clínica A"
    asyncio.run(tab.apply_filters({"provider": "100001", "action": "login.", "login": "", "entity": "",
                                   "entity_id": "", "date_from": "", "date_to": ""}))
    assert len(tab.rows) == 1 and tab.total == 1
    asyncio.run(tab.apply_filters({"provider": "ninguém", "action": "todas"}))
    assert tab.rows == [] and tab.total == 0  # the page shows its empty state
    assert says(asyncio.run(tab.apply_filters({"date_from": "31/02/2026"})), "Período de")


def test_a_provider_is_sent_home_and_reads_nothing(db, factory, login):
    tab = browser_tab(AuditState, login(factory.provider()))
    event = asyncio.run(tab.on_load())
    assert says(event, routes.PROVIDER_HOME.path) and tab.rows == []


def test_change_password_keeps_this_browser_in_and_ends_the_others(db, factory, login):
    user = factory.user(factory.provider(), login="clinica")
    here = auth_service.login(db, "clinica", PASSWORD)
    elsewhere = auth_service.login(db, "clinica", PASSWORD)
    db.commit()
    tab = browser_tab(AccountState, here)
    form = {"current_password": PASSWORD, "new_password": "nova-senha-789", "confirmation": "nova-senha-789"}
    assert says(asyncio.run(tab.change_password(form)), SUCCESS) and tab.done
    token = asyncio.run(tab.get_state(AuthState)).session_token
    assert token not in (here, elsewhere)
    assert auth_service.actor_for_token(db, token).user_id == user.id
    assert auth_service.actor_for_token(db, elsewhere) is None and auth_service.actor_for_token(db, here) is None
    assert db.exec(select(AuditLog).where(AuditLog.action == "password.change")).one()


def test_change_password_refusals_are_messages(db, factory, login):
    tab = browser_tab(AccountState, login(factory.provider()))
    wrong = {"current_password": "errada-000", "new_password": "nova-senha-789", "confirmation": "nova-senha-789"}
    assert says(asyncio.run(tab.change_password(wrong)), "senha atual não confere") and not tab.done
    short = {"current_password": PASSWORD, "new_password": "curta", "confirmation": "curta"}
    assert says(asyncio.run(tab.change_password(short)), "ao menos 8")


def test_change_password_is_in_both_menus_and_the_audit_only_in_the_staffs():
    provider_paths = [path for _, entries in routes.menu(Audience.PROVIDER) for _, path in entries]
    staff_paths = [path for _, entries in routes.menu(Audience.STAFF) for _, path in entries]
    assert routes.ACCOUNT.path in provider_paths and routes.ACCOUNT.path in staff_paths
    assert routes.AUDIT.path in staff_paths and routes.AUDIT.path not in provider_paths
    account_page(), audit_page()  # both pages build
