"""The user's own account: "Alterar senha". The change ends every session of the user on the server;
this browser goes on with the new session's token."""

from __future__ import annotations

import reflex as rx

from copass_app.services import auth as auth_service
from copass_app.state.auth import AuthState, call_service, client_address


class AccountState(rx.State):
    done: bool = False

    @rx.event
    async def on_load(self):
        self.done = False
        _, event = await call_service(self, lambda db, actor: None, audience=None)
        return event

    @rx.event
    async def change_password(self, form: dict):
        current = str(form.get("current_password", ""))
        new = str(form.get("new_password", ""))
        confirmation = str(form.get("confirmation", ""))
        source = client_address(self)
        token, event = await call_service(
            self, lambda db, actor: auth_service.change_password(db, actor, current, new, confirmation, source=source),
            audience=None)
        if token is None:  # a refusal (a toast with its Portuguese message) or no live session (the login)
            self.done = False
            return event
        auth = await self.get_state(AuthState)
        auth.session_token = token
        self.done = True
        return rx.toast.success(SUCCESS)


SUCCESS = "Senha alterada. As outras sessões deste usuário foram encerradas."
