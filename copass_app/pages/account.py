"""'Alterar senha': the same page for providers and staff, each with their own menu."""

from __future__ import annotations

import dataclasses

import reflex as rx

from copass_app import routes
from copass_app.components.forms import labelled_field
from copass_app.components.shell import page_shell
from copass_app.routes import Audience
from copass_app.services.auth import MIN_PASSWORD_LENGTH
from copass_app.state.account import AccountState
from copass_app.state.auth import AuthState


def _password(label: str, name: str, field_id: str, auto_complete: str) -> rx.Component:
    return labelled_field(label, rx.input(name=name, type="password", auto_complete=auto_complete, width="100%"),
                          field_id=field_id, width="100%")


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _password("Senha atual", "current_password", "current-password", "current-password"),
            _password("Nova senha", "new_password", "new-password", "new-password"),
            _password("Confirme a nova senha", "confirmation", "confirm-password", "new-password"),
            rx.text(f"A nova senha deve ter ao menos {MIN_PASSWORD_LENGTH} caracteres e ser diferente da atual. "
                    "Ao alterá-la, as outras sessões abertas com o seu usuário são encerradas.",
                    size="2", color_scheme="gray"),
            rx.cond(AccountState.done, rx.callout("Senha alterada.", icon="check", color_scheme="green",
                                                  id="password-changed", role="status", width="100%")),
            rx.button("Alterar senha", type="submit", id="change-password"),
            spacing="3",
            width="100%",
        ),
        on_submit=AccountState.change_password,
        reset_on_submit=True,
        max_width="28em",
    )


def account_page() -> rx.Component:
    # One route for both roles: the shell shows the menu of the role of whoever is logged in.
    as_staff = dataclasses.replace(routes.ACCOUNT, audience=Audience.STAFF)
    as_provider = dataclasses.replace(routes.ACCOUNT, audience=Audience.PROVIDER)
    return rx.cond(AuthState.is_staff, page_shell(as_staff, _form()), page_shell(as_provider, _form()))
