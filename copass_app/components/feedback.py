"""What a page says besides its data: empty states, confirmations before irreversible actions, loading
skeletons and the connection banner — one way each, in Portuguese."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_connection_errors


def empty_state(title: str | rx.Var, hint: str | rx.Var, action: rx.Component | None = None,
                **props) -> rx.Component:
    """Says what is empty and what to do about it (`action`: a button or link that does it)."""
    return rx.vstack(
        rx.icon("inbox", size=28, color=rx.color("gray", 9), aria_hidden="true"),
        rx.text(title, weight="bold", size="3"),
        rx.text(hint, size="2", color_scheme="gray", text_align="center"),
        *([action] if action is not None else []),
        align="center",
        spacing="2",
        padding="2em 1em",
        width="100%",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="8px",
        class_name="empty-state",
        role="status",
        **props,
    )


def confirm_dialog(trigger: rx.Component | None, title: str | rx.Var | list, description: str | rx.Var | list,
                   confirm_label: str, on_confirm, *, danger: bool = True, cancel_label: str = "Cancelar",
                   confirm_class: str = "confirm-action", open: rx.Var | None = None,
                   on_open_change=None) -> rx.Component:
    """An alert dialog in front of an irreversible action: `trigger` opens it, it says what will happen,
    Esc or "Cancelar" (where the focus starts) closes it, `confirm_label` runs `on_confirm`.

    `title`/`description` may be a list of strings and vars (joined as text). Without a trigger, `open`
    and `on_open_change` drive it: one dialog for every row of a list instead of one per row."""
    title_parts = title if isinstance(title, list) else [title]
    description_parts = description if isinstance(description, list) else [description]
    controlled = {} if open is None else {"open": open, "on_open_change": on_open_change}
    return rx.alert_dialog.root(
        *([rx.alert_dialog.trigger(trigger)] if trigger is not None else []),
        rx.alert_dialog.content(
            rx.alert_dialog.title(*title_parts),
            rx.alert_dialog.description(*description_parts),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(cancel_label, variant="soft", color_scheme="gray",
                                                 class_name="confirm-cancel")),
                rx.alert_dialog.action(rx.button(confirm_label, color_scheme="red" if danger else None,
                                                 on_click=on_confirm, class_name=confirm_class)),
                justify="end",
                spacing="3",
                margin_top="1em",
                wrap="wrap",
            ),
            max_width="32em",
            class_name="confirm-dialog",
        ),
        **controlled,
    )


def list_skeleton(rows: int = 5, **props) -> rx.Component:
    """Grey placeholder lines while a list's first page loads (the shell is already there)."""
    return rx.vstack(
        *[rx.skeleton(rx.box(height="2.25em", width="100%"), loading=True) for _ in range(rows)],
        spacing="2",
        width="100%",
        class_name="list-skeleton",
        aria_busy="true",
        aria_label="Carregando",
        **props,
    )


def loaded_or_skeleton(loaded: rx.Var, content: rx.Component, rows: int = 5) -> rx.Component:
    """`content` once `loaded`, the skeleton before."""
    return rx.cond(loaded, content, list_skeleton(rows))


CONNECTION_LOST = "Conexão com o portal perdida. Tentando reconectar…"


def connection_banner() -> rx.Component:
    """Replaces Reflex's English "Cannot connect to server" toast and pulser (app-wide overlay)."""
    return rx.cond(
        has_connection_errors,
        rx.hstack(
            rx.icon("wifi-off", size=16, aria_hidden="true"),
            rx.text(CONNECTION_LOST, size="2", weight="bold"),
            role="alert",
            id="connection-banner",
            align="center",
            justify="center",
            spacing="2",
            width="100%",
            padding="0.5em 1em",
            background=rx.color("red", 9),
            color="white",
            position="fixed",
            top="0",
            left="0",
            z_index="9999",
        ),
    )
