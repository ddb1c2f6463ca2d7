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


# The rows of the lists a pager replaces whole (20 at every click) are plain elements wearing Radix
# Themes' own classes: rx.table.cell, rx.badge and rx.button are React components that work out their
# classes (and Emotion styles, for props like text_align) from their props on every render, ~300 of
# them per page of rows, and that was most of the milliseconds a page took to show the next one.
# The look is the same; the modifiers are classes of assets/tables.css.
def light_row(*cells: rx.Component, class_name: str = "") -> rx.Component:
    return rx.el.tr(*cells, class_name=f"rt-TableRow {class_name}".strip())


def light_cell(*children, right: bool = False, nowrap: bool = False, class_name: str = "") -> rx.Component:
    """A table cell; `right`-aligned cells (numbers, money) never wrap either."""
    classes = ["rt-TableCell", "cell-right" if right else "", "cell-nowrap" if nowrap or right else "", class_name]
    return rx.el.td(*children, class_name=" ".join(c for c in classes if c))


def light_actions_cell(*buttons: rx.Component) -> rx.Component:
    """`actions_cell` as plain elements: the row's buttons side by side, never wrapped."""
    return light_cell(rx.el.div(*buttons, class_name="row-buttons"), nowrap=True, class_name="row-actions")


def light_badge(vocabulary, value: rx.Var) -> rx.Component:
    """`components.ui.status_badge` as one element: the term's short label, colour and full label."""
    def pick(attribute: str, default):
        return rx.match(value, *[(term.value, getattr(term, attribute)) for term in vocabulary], default)

    return rx.el.span(pick("short_label", value), title=pick("label", value),
                      class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
                      custom_attrs={"data-accent-color": pick("color", "gray")})


def light_button(*children, on_click=None, variant: str = "soft", size: str = "1", color: str = "",
                 class_name: str = "", **attributes) -> rx.Component:
    """A small rx.button (soft, outline or ghost) as one element (no `on_click`: a dialog's trigger)."""
    if on_click is not None:
        attributes["on_click"] = on_click
    return rx.el.button(*children, type="button",
                        class_name=f"rt-reset rt-BaseButton rt-r-size-{size} rt-variant-{variant} rt-Button "
                                   f"{class_name}".strip(),
                        custom_attrs={"data-accent-color": color}, **attributes)


def light_link(label: rx.Var | str, on_click, *, class_name: str = "") -> rx.Component:
    """`components.ui.action_link` as one element: looks like a link, acts like a button."""
    return light_button(label, on_click=on_click, variant="ghost", size="2", class_name=f"link-button {class_name}")
