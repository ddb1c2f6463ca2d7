"""Operator staff pages."""

from __future__ import annotations

import reflex as rx

from copass_app.components.shell import page_shell
from copass_app.components.ui import pager
from copass_app.state.staff import ReceivedBatchesState, StaffHomeState


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


STAFF_STATUS_OPTIONS = [("todas", "Todas"), ("1", "Recebido"), ("2", "Em análise"), ("9", "Cancelado (estornado)")]


def received_batches_page() -> rx.Component:
    headers = ("Prestador", "Protocolo", "Recebido em", "Competência", "Origem", "Guias", "Valor", "Situação", "")
    return page_shell(
        "Lotes recebidos",
        rx.hstack(
            rx.text("Situação", size="2"),
            rx.select.root(
                rx.select.trigger(width="14em"),
                rx.select.content(*[rx.select.item(label, value=value) for value, label in STAFF_STATUS_OPTIONS]),
                value=ReceivedBatchesState.status,
                on_change=ReceivedBatchesState.filter_status,
            ),
            align="center",
        ),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(ReceivedBatchesState.rows, lambda r: rx.table.row(
                rx.table.cell(r["provider"]), rx.table.cell(r["protocol"]),
                rx.table.cell(r["received_at"], white_space="nowrap"), rx.table.cell(r["competence"]),
                rx.table.cell(r["origin"]), rx.table.cell(r["guides"], text_align="right"),
                rx.table.cell(r["total"], text_align="right", white_space="nowrap"), rx.table.cell(r["status_label"]),
                rx.table.cell(rx.cond(r["can_start"] != "", rx.button(
                    "Iniciar análise", size="1", variant="soft", on_click=ReceivedBatchesState.start_analysis(r["id"]),
                    class_name="start-analysis"))),
                class_name="received-row",
            ))),
            width="100%",
            variant="surface",
            id="received-table",
        ),
        pager(ReceivedBatchesState.page, ReceivedBatchesState.page_count, ReceivedBatchesState.total,
              ReceivedBatchesState.go_to_page),
        staff=True,
    )
