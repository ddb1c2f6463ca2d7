"""Small shared pieces: status badges, sortable headers, pager."""

from __future__ import annotations

import reflex as rx

STATUS_COLORS = {
    "autorizada": "green",
    "nao_autorizada": "orange",
    "pendente": "amber",
    "negada": "red",
    "cancelada": "gray",
}


def status_badge(group: rx.Var, label: rx.Var) -> rx.Component:
    return rx.match(
        group,
        *[(key, rx.badge(label, color_scheme=color, variant="soft")) for key, color in STATUS_COLORS.items()],
        rx.badge(label),
    )


def sortable_header(label: str, column: str, state_sort: rx.Var, descending: rx.Var, on_sort) -> rx.Component:  # noqa: ANN001
    arrow = rx.cond(state_sort == column, rx.cond(descending, " ↓", " ↑"), "")
    return rx.table.column_header_cell(
        rx.text(label, arrow, cursor="pointer", on_click=on_sort(column), white_space="nowrap"),
    )


def pager(page: rx.Var, page_count: rx.Var, total: rx.Var, on_page) -> rx.Component:  # noqa: ANN001
    return rx.hstack(
        rx.text(total, " registro(s)", size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("chevrons-left", size=14), variant="soft", size="1", on_click=on_page(1), disabled=page <= 1),
        rx.button(rx.icon("chevron-left", size=14), variant="soft", size="1", on_click=on_page(page - 1), disabled=page <= 1,
                  aria_label="Página anterior"),
        rx.text("Página ", page, " de ", page_count, size="2", id="pager-label"),
        rx.button(rx.icon("chevron-right", size=14), variant="soft", size="1", on_click=on_page(page + 1),
                  disabled=page >= page_count, aria_label="Próxima página", id="next-page"),
        rx.button(rx.icon("chevrons-right", size=14), variant="soft", size="1", on_click=on_page(page_count),
                  disabled=page >= page_count),
        align="center",
        width="100%",
    )


def action_link(label: rx.Var | str, on_click, **props) -> rx.Component:  # noqa: ANN001
    """Looks like a link, acts like a button: an <a> without href would make the router reload the page."""
    return rx.button(label, on_click=on_click, variant="ghost", size="2", cursor="pointer", padding="0", **props)
