"""The login page's state. Checking a password (argon2) takes a while: it runs off the event loop."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.services import auth as auth_service
from copass_app.services.errors import DomainError
from copass_app.state.auth import AuthState, SessionUser, call_service, client_address, forget_page_states, run_unit


def _open_session(db, login_name: str, password: str, source: str, previous_token: str) -> tuple[str, SessionUser]:
    token = auth_service.login(db, login_name, password, source=source, previous_token=previous_token)
    actor = auth_service.actor_for_token(db, token)
    if actor is None:  # pragma: no cover - a session just opened is live
        raise DomainError(auth_service.INVALID_CREDENTIALS)
    return token, SessionUser.of(actor)


class LoginState(rx.State):
    error: str = ""

    @rx.event
    async def on_load(self):
        self.error = ""
        auth = await self.get_state(AuthState)
        if not auth.session_token:
            return None
        is_staff, event = await call_service(self, lambda db, actor: actor.is_staff, audience=None)
        # A stale token just stays on the login page (its redirect would come back here).
        return None if event is not None else rx.redirect(routes.home_for(bool(is_staff)), replace=True)

    @rx.event
    async def submit(self, form: dict):
        login_name = str(form.get("login", "")).strip()
        password = str(form.get("password", ""))
        if not login_name or not password:
            self.error = "Informe usuário e senha."
            return None
        auth = await self.get_state(AuthState)
        source, previous_token = client_address(self), auth.session_token
        try:
            token, user = await run_unit(lambda db: _open_session(db, login_name, password, source, previous_token))
        except DomainError as error:
            self.error = error.message
            return None
        # Whoever used this browser before, none of their page states stays for this user.
        await forget_page_states(self)
        auth.session_token = token
        auth._show_user(user)
        target = routes.safe_next(self.router.url.query_parameters.get("next", ""))
        return rx.redirect(target or routes.home_for(user.is_staff), replace=True)
