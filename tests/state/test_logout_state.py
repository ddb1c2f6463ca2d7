"""After "Sair", a login as someone else, or a session that ended, no page state of the previous user stays
in this browser's state tree on the server (the reset is what the browser then receives)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import reflex as rx
from sqlmodel import select

from copass_app import clock
from copass_app.models import AuditLog, Role, UserSession
from copass_app.routes import LOGIN
from copass_app.services import auth as auth_service
from copass_app.state.auth import AuthState
from copass_app.state.batches import BatchesState
from copass_app.state.guides import GuidesState
from copass_app.state.login import LoginState
from copass_app.state.uploads import UploadState
from tests.factories import PASSWORD
from tests.state.conftest import browser_tab, says


def _tab_with_an_open_guide(factory, login):
    provider = factory.provider(name="Clínica A")
    guide = factory.guide(provider, beneficiary=factory.beneficiary("Maria Sigilosa"))
    factory.db.commit()
    tab = browser_tab(GuidesState, login(provider))
    asyncio.run(tab.on_load())
    asyncio.run(tab.open_guide(str(guide.id)))
    assert [row.beneficiary for row in tab.rows] == ["Maria Sigilosa"] and tab.detail_open
    return tab


def _holds(state: rx.State, text: str) -> bool:
    """Whether anything of the browser's whole state tree, as it would be sent, contains `text`."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    return text in str(root.dict())


def test_logout_leaves_no_patient_of_the_previous_user_in_the_page_states(db, factory, login):
    tab = _tab_with_an_open_guide(factory, login)
    auth = asyncio.run(tab.get_state(AuthState))
    token = auth.session_token
    assert _holds(tab, "Maria Sigilosa")  # before the fix: still there after logout, sent again on reload
    event = asyncio.run(auth.logout())
    assert says(event, LOGIN.path)
    assert not _holds(tab, "Maria Sigilosa")
    assert tab.rows == [] and not tab.detail_open and tab.detail.beneficiary == ""
    assert auth.session_token == "" and auth.user_name == ""
    # And on the server the session is over: the token no longer opens anything.
    assert auth_service.actor_for_token(db, token) is None
    assert db.exec(select(AuditLog).where(AuditLog.action == "logout")).one()


def test_a_login_as_someone_else_in_the_same_tab_starts_from_empty_pages(db, factory, login):
    tab = _tab_with_an_open_guide(factory, login)
    old_token = asyncio.run(tab.get_state(AuthState)).session_token
    other = factory.user(factory.provider(name="Laboratório B"), login="laboratorio")
    login_state = asyncio.run(tab.get_state(LoginState))
    event = asyncio.run(login_state.submit({"login": "laboratorio", "password": PASSWORD}))
    assert says(event, "/painel")
    assert not _holds(tab, "Maria Sigilosa")
    auth = asyncio.run(tab.get_state(AuthState))
    assert auth.user_login == "laboratorio" and auth.session_token != old_token
    assert auth_service.actor_for_token(db, auth.session_token).user_id == other.id
    # The previous user's session, which this browser still held, is revoked by the new login.
    assert auth_service.actor_for_token(db, old_token) is None


def test_an_ended_session_clears_the_pages_at_the_next_event(db, factory, login):
    tab = _tab_with_an_open_guide(factory, login)
    # Ended elsewhere (a password change in another browser, the idle limit, an administrator).
    for row in db.exec(select(UserSession)):
        row.revoked_at = clock.now() - timedelta(seconds=1)
    db.commit()
    event = asyncio.run(tab.on_load())
    assert says(event, LOGIN.path)
    assert not _holds(tab, "Maria Sigilosa")


def test_downloads_of_a_patients_file_are_audited_with_who_and_which_record(db, factory, login):
    provider = factory.provider(name="Clínica A")
    token = login(provider)
    batch = factory.batch(provider, factory.user(provider).id)
    tab = browser_tab(BatchesState, token)
    event = asyncio.run(tab.download_protocol(str(batch.id)))
    assert "download" in str(event).lower()
    db.expire_all()
    (row,) = db.exec(select(AuditLog).where(AuditLog.action == "file.download")).all()
    acting = auth_service.actor_for_token(db, token)
    assert (row.user_id, row.provider_id, row.entity, row.entity_id) == (acting.user_id, provider.id, "batch",
                                                                         str(batch.id))
    assert "protocolo (PDF)" in row.detail
    # Another provider's record is not found, and nothing is recorded as downloaded.
    intruder = browser_tab(BatchesState, login(factory.provider()))
    assert says(asyncio.run(intruder.download_protocol(str(batch.id))), "não encontrado")
    assert len(db.exec(select(AuditLog).where(AuditLog.action == "file.download")).all()) == 1


def test_staff_logout_also_clears_the_tab(db, factory, login):
    tab = browser_tab(AuthState, login(role=Role.STAFF))
    event = asyncio.run(tab.logout())
    assert says(event, LOGIN.path) and tab.session_token == ""


def test_each_download_of_an_uploaded_file_is_audited_once(db, factory, login):
    token = login(factory.provider())
    tab = browser_tab(UploadState, token)
    data = b"<?xml version='1.0'?><nao-e-tiss/>"
    asyncio.run(tab.handle_upload([rx.UploadFile(file=BytesIO(data), path=Path("lote-ruim.xml"), size=len(data))]))
    upload_id = str(tab.result.upload_id)
    for kind in ("original", "error_report"):
        assert "download" in str(asyncio.run(tab.download(kind, upload_id))).lower()
    db.expire_all()
    rows = db.exec(select(AuditLog).where(AuditLog.action == "file.download")).all()
    assert len(rows) == 2 and {r.entity_id for r in rows} == {upload_id}
