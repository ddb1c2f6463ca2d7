"""Reflex states driven as the browser would: a fresh state tree per browser tab, its session token
from a real login, handlers called directly (Reflex's advice for wiring tests), the real database."""

from __future__ import annotations

import json

import pytest
import reflex as rx

from copass_app.models import Role
from copass_app.services import auth as auth_service
from copass_app.services.unit_of_work import perform
from copass_app.state.auth import AuthState
from tests.factories import PASSWORD


def browser_tab(state_cls: type[rx.State], token: str = "") -> rx.State:
    """The `state_cls` of a new tab whose browser holds `token`."""
    root = rx.State(_reflex_internal_init=True)
    root.get_substate(AuthState._get_substate_path()).session_token = token
    return root.get_substate(state_cls._get_substate_path())


def says(event: object, text: str) -> bool:
    """Whether an event sent to the browser (a redirect, a toast) carries `text`, as the JS escapes it."""
    escaped = json.dumps(text)[1:-1]
    return escaped in str(event) or escaped.replace("\\", "\\\\") in str(event)


@pytest.fixture
def login(factory):
    """login(provider=None, role=...) -> a live session token of a new user."""

    def open_session(provider=None, role: Role = Role.PROVIDER) -> str:
        user = factory.user(provider, role)
        return perform(lambda db: auth_service.login(db, user.login, PASSWORD))

    return open_session
