"""Login page."""

from __future__ import annotations

import reflex as rx

from copass_app.components.forms import labelled_field
from copass_app.components.shell import logo
from copass_app.state.login import LoginState


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    logo("40px"),
                    rx.text("Acesso de prestadores e equipe da operadora", color_scheme="gray", size="2"),
                    labelled_field("Usuário", rx.input(name="login", placeholder="seu usuário", auto_focus=True,
                                                       width="100%", auto_complete="username"),
                                   field_id="login", width="100%"),
                    labelled_field("Senha", rx.input(name="password", type="password", width="100%",
                                                     auto_complete="current-password"),
                                   field_id="password", width="100%"),
                    rx.cond(
                        LoginState.error != "",
                        rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red", id="login-error",
                                   high_contrast=True, width="100%", role="alert"),
                    ),
                    rx.button("Entrar", type="submit", width="100%", id="login-submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                reset_on_submit=False,
            ),
            width="24em",
            size="4",
        ),
        height="100vh",
        background=rx.color("gray", 2),
    )
