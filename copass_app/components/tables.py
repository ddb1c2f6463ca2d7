"""Lists as tables that fit any screen: a wide table scrolls inside its own box (never the page), its last
column — the row's actions — stays in view (sticky), and an empty list says so instead of bare headers."""

from __future__ import annotations

import reflex as rx

# Radix's Table.Root scrolls sideways inside its own ScrollArea; the actions column sticks to its right edge.
_STICKY_ACTIONS = {
    # The surface variant clips its <table> (overflow: hidden), which would make the table the sticky
    # cells' scroll box instead of the ScrollArea: they would never stick.
    "& .rt-TableRootTable": {"overflow": "visible"},
    "& th:last-child, & td:last-child": {
        "position": "sticky", "right": "0", "z_index": "1", "background": "var(--color-panel-solid)",
        "box_shadow": f"-1px 0 0 {rx.color('gray', 5)}",
    },
}


def data_table(headers: list[str | rx.Component], body: rx.Component, *, table_id: str,
               is_empty: rx.Var | None = None, empty: rx.Component | None = None, actions: bool = True,
               **props) -> rx.Component:
    """A list's table. `body` is the rows (usually `rx.foreach`); with `is_empty`/`empty` the empty
    state replaces the table when there is nothing to show; `actions`: the last column holds the row's
    buttons and stays visible while the table scrolls sideways. Header strings become header cells."""
    header_cells = [rx.table.column_header_cell(h, white_space="nowrap") if isinstance(h, str) else h
                    for h in headers]
    table = rx.table.root(
        rx.table.header(rx.table.row(*header_cells)),
        rx.table.body(body),
        width="100%",
        max_width="100%",
        variant="surface",
        id=table_id,
        style=_STICKY_ACTIONS if actions else {},
        **props,
    )
    if is_empty is None or empty is None:
        return table
    return rx.cond(is_empty, empty, table)


def actions_cell(*buttons: rx.Component) -> rx.Component:
    """The last cell of a row: its buttons side by side, never wrapped under each other."""
    return rx.table.cell(rx.hstack(*buttons, spacing="2", wrap="nowrap"), white_space="nowrap",
                         class_name="row-actions")
