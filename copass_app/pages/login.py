"""Login page."""

from __future__ import annotations

import reflex as rx

from copass_app.state.login import LoginState


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(rx.icon("heart-pulse", size=28), rx.heading("Portal do Prestador", size="6"), align="center"),
                    rx.text("Acesso de prestadores e equipe da operadora", color_scheme="gray", size="2"),
                    rx.text("Usuário", size="2", weight="bold"),
                    rx.input(name="login", id="login", placeholder="seu usuário", auto_focus=True, width="100%",
                             auto_complete="username"),
                    rx.text("Senha", size="2", weight="bold"),
                    rx.input(name="password", id="password", type="password", width="100%",
                             auto_complete="current-password"),
                    rx.cond(
                        LoginState.error != "",
                        rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red", id="login-error", width="100%"),
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
