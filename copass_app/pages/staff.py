"""Operator staff pages."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.forms import select_field
from copass_app.components.shell import page_shell
from copass_app.components.ui import pager, status_badge
from copass_app.state.paging import ALL
from copass_app.state.staff import ReceivedBatchesState, ReceivedLine, StaffHomeState
from copass_app.vocabulary import BATCH_ORIGIN, BATCH_STATUS


def staff_home_page() -> rx.Component:
    return page_shell(
        routes.STAFF_HOME,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Código", "Prestador", "CNPJ/CPF", "Tipo", "Guias")])),
            rx.table.body(rx.foreach(StaffHomeState.providers, lambda p: rx.table.row(
                rx.table.cell(p.code), rx.table.cell(p.name), rx.table.cell(p.document),
                rx.table.cell(p.kind), rx.table.cell(p.guides),
            ))),
            width="100%",
            variant="surface",
            id="providers-table",
        ),
    )


def _received_row(r: ReceivedLine) -> rx.Component:
    b = r.batch
    return rx.table.row(
        rx.table.cell(r.provider), rx.table.cell(b.protocol),
        rx.table.cell(b.received_at, white_space="nowrap"), rx.table.cell(b.competence),
        rx.table.cell(status_badge(BATCH_ORIGIN, b.origin)), rx.table.cell(b.guides, text_align="right"),
        rx.table.cell(b.total, text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(BATCH_STATUS, b.status)),
        rx.table.cell(rx.cond(r.can_start, rx.button(
            "Iniciar análise", size="1", variant="soft", on_click=ReceivedBatchesState.start_analysis(b.id),
            class_name="start-analysis"))),
        class_name="received-row",
    )


def received_batches_page() -> rx.Component:
    headers = ("Prestador", "Protocolo", "Recebido em", "Competência", "Origem", "Guias", "Valor", "Situação", "")
    return page_shell(
        routes.RECEIVED_BATCHES,
        select_field("Situação", BATCH_STATUS.options(), field_id="received-status", all_label="Todas",
                     value=rx.cond(ReceivedBatchesState.status == "", ALL, ReceivedBatchesState.status),
                     on_change=ReceivedBatchesState.filter_status),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(ReceivedBatchesState.rows, _received_row)),
            width="100%",
            variant="surface",
            id="received-table",
        ),
        pager(ReceivedBatchesState.page, ReceivedBatchesState.page_count, ReceivedBatchesState.total,
              ReceivedBatchesState.go_to_page),
    )
