"""The page of an address the portal does not have, in Portuguese, with a way home (replaces Reflex's
"404: Page not found")."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.shell import logo

TITLE = f"Página não encontrada · {routes.APP_NAME}"


def not_found_page() -> rx.Component:
    return rx.center(
        rx.el.main(rx.card(
            rx.vstack(
                logo("40px"),
                rx.heading("Página não encontrada", as_="h1", size="6"),
                rx.text("O endereço digitado não existe no Portal do Prestador. Confira o endereço ou volte ao "
                        "início.", size="2", color_scheme="gray"),
                rx.button(rx.link(rx.icon("house", size=16), "Voltar ao início", href=routes.HOME.path,
                                  id="not-found-home", color="inherit", underline="none"), as_child=True),
                spacing="3",
                align="start",
            ),
            size="4",
            max_width="28em",
            id="not-found",
        )),
        min_height="100vh",
        padding="1em",
        background=rx.color("gray", 2),
    )
