"""Operator staff pages."""

from __future__ import annotations

import reflex as rx

from copass_app.components.shell import page_shell
from copass_app.state.staff import StaffHomeState


def staff_home_page() -> rx.Component:
    return page_shell(
        "Prestadores credenciados",
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Código", "Prestador", "CNPJ/CPF", "Tipo", "Guias")])),
            rx.table.body(rx.foreach(StaffHomeState.providers, lambda p: rx.table.row(
                rx.table.cell(p["code"]), rx.table.cell(p["name"]), rx.table.cell(p["document"]),
                rx.table.cell(p["kind"]), rx.table.cell(p["guides"]),
            ))),
            width="100%",
            variant="surface",
            id="providers-table",
        ),
        staff=True,
    )
