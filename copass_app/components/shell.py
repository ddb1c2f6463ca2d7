"""The frame around every logged-in page: header with the logo, provider and user, and the menu of the
route registry for the page's audience."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.routes import Audience, Route
from copass_app.state.auth import AuthState

LOGO = "/logo.svg"  # assets/logo.svg
FAVICON = "/favicon.svg"


def logo(height: str = "32px") -> rx.Component:
    return rx.image(src=LOGO, alt=routes.APP_NAME, height=height, width="auto")


def _menu(audience: Audience) -> rx.Component:
    return rx.el.nav(rx.vstack(
        *[
            rx.vstack(
                rx.text(section, size="1", weight="bold", color_scheme="gray", text_transform="uppercase"),
                *[
                    rx.link(
                        label,
                        href=path,
                        size="2",
                        underline="none",
                        padding_x="0.5em",
                        padding_y="0.25em",
                        border_radius="6px",
                        width="100%",
                        _hover={"background": rx.color("accent", 3)},
                    )
                    for label, path in entries
                ],
                spacing="1",
                width="100%",
            )
            for section, entries in routes.menu(audience)
        ],
        spacing="4",
        width="14em",
        padding="1em",
        border_right=f"1px solid {rx.color('gray', 5)}",
        min_height="calc(100vh - 56px)",
    ), aria_label="Menu", style={"flex_shrink": "0"})


def _header() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            logo(),
            rx.text("Copass Saúde", color_scheme="gray", size="2"),
            align="center",
            spacing="3",
        ),
        rx.spacer(),
        rx.vstack(
            rx.text(AuthState.provider_name, weight="bold", size="2", id="provider-name"),
            rx.text(AuthState.user_name, " (", AuthState.user_login, ")", size="1", color_scheme="gray"),
            spacing="0",
            align="end",
        ),
        rx.button(rx.icon("log-out", size=16), "Sair", variant="soft", on_click=AuthState.logout, id="logout"),
        align="center",
        height="56px",
        padding_x="1.25em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        width="100%",
        spacing="4",
    )


def page_shell(route: Route, *content: rx.Component, heading: str | None = None) -> rx.Component:
    """A logged-in page: the header, the menu of the route's audience, and the page's heading and content."""
    return rx.box(
        _header(),
        rx.hstack(
            _menu(route.audience),
            rx.el.main(rx.vstack(
                rx.heading(heading or route.title, size="6", as_="h1"),
                *content,
                padding="1.5em",
                spacing="4",
                width="100%",
            ), style={"width": "100%", "min_width": "0"}),
            align="start",
            spacing="0",
            width="100%",
        ),
    )
