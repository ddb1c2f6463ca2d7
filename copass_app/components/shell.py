"""The frame around every logged-in page: header with provider and user, and the providers' menu."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from copass_app.state.auth import AuthState


@dataclass(frozen=True)
class MenuEntry:
    section: str
    label: str
    route: str


# Only what works is listed; later issues add their entries here.
PROVIDER_MENU: list[MenuEntry] = [
    MenuEntry("Solicitação", "Procedimentos solicitados", "/guias"),
    MenuEntry("Solicitação", "Faturamento de atendimentos", "/faturamento"),
    MenuEntry("Envio de arquivo XML", "Enviar lote XML", "/envio-xml"),
    MenuEntry("Envio de arquivo XML", "Integração (API)", "/integracao"),
    MenuEntry("Acompanhamento", "Faturamentos", "/acompanhamento"),
    MenuEntry("Acompanhamento", "Envios de XML", "/acompanhamento/envios"),
]
STAFF_MENU: list[MenuEntry] = [
    MenuEntry("Operadora", "Prestadores", "/operadora"),
    MenuEntry("Operadora", "Lotes recebidos", "/operadora/lotes"),
]


def _menu(entries: list[MenuEntry]) -> rx.Component:
    sections: dict[str, list[MenuEntry]] = {}
    for entry in entries:
        sections.setdefault(entry.section, []).append(entry)
    return rx.vstack(
        *[
            rx.vstack(
                rx.text(section, size="1", weight="bold", color_scheme="gray", text_transform="uppercase"),
                *[
                    rx.link(
                        entry.label,
                        href=entry.route,
                        size="2",
                        underline="none",
                        padding_x="0.5em",
                        padding_y="0.25em",
                        border_radius="6px",
                        width="100%",
                        _hover={"background": rx.color("accent", 3)},
                    )
                    for entry in items
                ],
                spacing="1",
                width="100%",
            )
            for section, items in sections.items()
        ],
        spacing="4",
        width="14em",
        padding="1em",
        border_right=f"1px solid {rx.color('gray', 5)}",
        min_height="calc(100vh - 56px)",
        flex_shrink="0",
    )


def _header() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            rx.icon("heart-pulse", color=rx.color("accent", 9)),
            rx.heading("Portal do Prestador", size="4"),
            rx.text("Copass Saúde", color_scheme="gray", size="2"),
            align="center",
            spacing="2",
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


def page_shell(title: str, *content: rx.Component, staff: bool = False) -> rx.Component:
    return rx.box(
        _header(),
        rx.hstack(
            _menu(STAFF_MENU if staff else PROVIDER_MENU),
            rx.vstack(
                rx.heading(title, size="6"),
                *content,
                padding="1.5em",
                spacing="4",
                width="100%",
                min_width="0",
            ),
            align="start",
            spacing="0",
            width="100%",
        ),
    )
