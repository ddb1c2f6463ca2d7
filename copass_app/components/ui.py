"""Small shared pieces: the status badge of any vocabulary, sortable headers, pager, link-like buttons."""

from __future__ import annotations

import reflex as rx

from copass_app.vocabulary import Vocabulary


def status_badge(vocabulary: Vocabulary, value: rx.Var, **props) -> rx.Component:
    """The badge of `value` in `vocabulary`: its short label and colour; the full label on hover."""
    return rx.match(
        value,
        # high_contrast: the soft badges' step-11 text falls short of WCAG AA on their step-3 background.
        *[(term.value, rx.badge(term.short_label, color_scheme=term.color, variant="soft", title=term.label,
                                high_contrast=True, **props))
          for term in vocabulary],
        rx.badge(value, variant="soft", high_contrast=True, **props),
    )


def sortable_header(label: str, column: str, state_sort: rx.Var, descending: rx.Var, on_sort) -> rx.Component:
    """A header that sorts by `column` on click or Enter (a real button), its order told by aria-sort."""
    arrow = rx.cond(state_sort == column, rx.cond(descending, " ↓", " ↑"), "")
    order = rx.cond(state_sort == column, rx.cond(descending, "descending", "ascending"), "none")
    return rx.table.column_header_cell(
        rx.el.button(label, arrow, on_click=on_sort(column), type="button",
                     style={"white_space": "nowrap", "cursor": "pointer", "font": "inherit", "background": "none",
                            "border": "none", "padding": "0", "color": "inherit"}),
        custom_attrs={"aria-sort": order},
    )


def pager(page: rx.Var, page_count: rx.Var, total: rx.Var, on_page) -> rx.Component:
    return rx.hstack(
        rx.text(total, " registro(s)", size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("chevrons-left", size=14), variant="soft", size="1", on_click=on_page(1), disabled=page <= 1,
                  aria_label="Primeira página"),
        rx.button(rx.icon("chevron-left", size=14), variant="soft", size="1", on_click=on_page(page - 1),
                  disabled=page <= 1,
                  aria_label="Página anterior"),
        rx.text("Página ", page, " de ", page_count, size="2", id="pager-label"),
        rx.button(rx.icon("chevron-right", size=14), variant="soft", size="1", on_click=on_page(page + 1),
                  disabled=page >= page_count, aria_label="Próxima página", id="next-page"),
        rx.button(rx.icon("chevrons-right", size=14), variant="soft", size="1", on_click=on_page(page_count),
                  disabled=page >= page_count, aria_label="Última página"),
        align="center",
        width="100%",
    )


def action_link(label: rx.Var | str, on_click, **props) -> rx.Component:
    """Looks like a link, acts like a button: an <a> without href would make the router reload the page."""
    return rx.button(label, on_click=on_click, variant="ghost", size="2", cursor="pointer", padding="0", **props)
