"""The login page's state."""

from __future__ import annotations

import reflex as rx

from copass_app.db import session_scope
from copass_app.services import auth as auth_service
from copass_app.services.errors import DomainError
from copass_app.state.auth import HOME_ROUTE, STAFF_HOME_ROUTE, AuthState


def _safe_next(target: str) -> str:
    # Only local paths: an attacker's link must not turn the login into an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else ""


class LoginState(rx.State):
    error: str = ""
    busy: bool = False

    @rx.event
    async def on_load(self):
        self.error = ""
        auth = await self.get_state(AuthState)
        actor = auth.current_actor()
        if actor is not None:
            return rx.redirect(STAFF_HOME_ROUTE if actor.is_staff else HOME_ROUTE, replace=True)

    @rx.event
    async def submit(self, form: dict):
        login_name = str(form.get("login", "")).strip()
        password = str(form.get("password", ""))
        if not login_name or not password:
            self.error = "Informe usuário e senha."
            return
        auth = await self.get_state(AuthState)
        try:
            with session_scope() as db:
                token = auth_service.login(db, login_name, password)
        except DomainError as error:
            self.error = error.message
            return
        self.error = ""
        auth.session_token = token
        actor = auth.current_actor()
        default = STAFF_HOME_ROUTE if actor and actor.is_staff else HOME_ROUTE
        target = _safe_next(self.router.url.query_parameters.get("next", "")) or default
        if target == "/login":
            target = default
        return rx.redirect(target, replace=True)
