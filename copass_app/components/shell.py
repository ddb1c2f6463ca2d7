"""The frame around every logged-in page: header with the logo, provider and user, and the menu of the
route registry for the page's audience.

Responsive: on a desktop the menu is a sidebar; at 768 px and below it folds into a drawer opened by the
"Menu" button of the header, and "Sair" stays in the header at every width.
"""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.routes import Audience, Route
from copass_app.state.auth import AuthState

LOGO = "/logo.svg"  # assets/logo.svg
FAVICON = "/favicon.svg"
PHONE = "@media (max-width: 768px)"  # the one breakpoint of the shell
DESKTOP = "@media (min-width: 769px)"
HEADER_HEIGHT = "56px"


def logo(height: str = "32px") -> rx.Component:
    return rx.image(src=LOGO, alt=routes.APP_NAME, height=height, width="auto")


def _menu_links(audience: Audience, *, in_drawer: bool) -> rx.Component:
    def entry(label: str, path: str) -> rx.Component:
        link = rx.link(label, href=path, size="2", underline="none", padding_x="0.5em", padding_y="0.35em",
                       border_radius="6px", width="100%", display="block",
                       _hover={"background": rx.color("accent", 3)})
        # In the drawer a link also closes it: the next page opens without the drawer over it.
        return rx.dialog.close(link) if in_drawer else link

    return rx.vstack(
        *[
            rx.vstack(
                rx.text(section, size="1", weight="bold", color_scheme="gray", text_transform="uppercase"),
                *[entry(label, path) for label, path in entries],
                spacing="1",
                width="100%",
            )
            for section, entries in routes.menu(audience)
        ],
        spacing="4",
        width="100%",
    )


def _sidebar(audience: Audience) -> rx.Component:
    return rx.el.nav(
        _menu_links(audience, in_drawer=False),
        aria_label="Menu principal",
        style={
            "flex_shrink": "0", "width": "14em", "padding": "1em",
            "border_right": f"1px solid {rx.color('gray', 5)}", "min_height": f"calc(100vh - {HEADER_HEIGHT})",
            PHONE: {"display": "none"},
        },
    )


def _drawer(audience: Audience) -> rx.Component:
    """The menu on a phone: a modal panel from the left (focus kept inside, Esc closes it)."""
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("menu", size=16), "Menu", variant="soft", id="menu-button",
                                    aria_label="Menu", style={DESKTOP: {"display": "none"}})),
        rx.dialog.content(
            rx.dialog.title("Menu", size="3"),
            rx.dialog.description(AuthState.provider_name, size="2", color_scheme="gray", margin_bottom="1em"),
            rx.el.nav(_menu_links(audience, in_drawer=True), aria_label="Menu principal"),
            rx.dialog.close(rx.button("Fechar menu", variant="soft", color_scheme="gray", margin_top="1.5em",
                                      width="100%")),
            id="menu-drawer",
            style={"position": "fixed", "top": "0", "left": "0", "bottom": "0", "width": "min(85vw, 20em)",
                   "max_height": "100vh", "height": "100vh", "border_radius": "0", "transform": "none",
                   "margin": "0", "overflow_y": "auto"},
        ),
    )


def _header(audience: Audience) -> rx.Component:
    return rx.el.header(rx.hstack(
        _drawer(audience),
        rx.hstack(
            rx.box(logo(), style={PHONE: {"display": "none"}}),
            rx.box(logo("24px"), style={DESKTOP: {"display": "none"}}),
            rx.text("Copass Saúde", color_scheme="gray", size="2", style={PHONE: {"display": "none"}}),
            rx.cond(AuthState.is_demo, rx.badge(
                rx.el.span("Dados de demonstração", style={PHONE: {"display": "none"}}),
                rx.el.span("Demonstração", style={DESKTOP: {"display": "none"}}),
                color_scheme="amber", variant="soft", high_contrast=True, size="2", flex_shrink="0", id="demo-badge",
                title="Portal com os dados de demonstração: nada aqui é real.")),
            align="center",
            spacing="3",
            min_width="0",
        ),
        rx.spacer(),
        rx.vstack(
            rx.text(AuthState.provider_name, weight="bold", size="2", id="provider-name", trim="both"),
            rx.text(AuthState.user_name, " (", AuthState.user_login, ")", size="1", color_scheme="gray"),
            spacing="0",
            align="end",
            min_width="0",
            style={PHONE: {"display": "none"}},
        ),
        rx.button(rx.icon("log-out", size=16), "Sair", variant="soft", on_click=AuthState.logout, id="logout",
                  flex_shrink="0"),
        align="center",
        height=HEADER_HEIGHT,
        padding_x="1.25em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        width="100%",
        spacing="4",
        style={PHONE: {"padding_left": "0.75em", "padding_right": "0.75em", "gap": "0.5em"}},
    ))


def page_shell(route: Route, *content: rx.Component, heading: str | None = None) -> rx.Component:
    """A logged-in page: the header, the menu of the route's audience, and the page's heading and content."""
    return rx.box(
        rx.el.a("Ir para o conteúdo", href="#conteudo", class_name="skip-link",
                style={"position": "absolute", "left": "-999px", "&:focus": {"left": "0.5em", "top": "0.5em",
                                                                             "z_index": "10"}}),
        _header(route.audience),
        rx.hstack(
            _sidebar(route.audience),
            rx.el.main(rx.vstack(
                rx.heading(heading or route.title, size="6", as_="h1"),
                *content,
                padding="1.5em",
                spacing="4",
                width="100%",
                style={PHONE: {"padding": "1em 0.75em"}},
            ), id="conteudo", style={"width": "100%", "min_width": "0"}),
            align="start",
            spacing="0",
            width="100%",
        ),
        width="100%",
        max_width="100vw",
    )
