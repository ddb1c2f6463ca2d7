"""Operator staff pages."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import select_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.state.paging import ALL
from copass_app.state.staff import ReceivedBatchesState, ReceivedLine, StaffHomeState
from copass_app.vocabulary import BATCH_ORIGIN, BATCH_STATUS


def staff_home_page() -> rx.Component:
    return page_shell(
        routes.STAFF_HOME,
        loaded_or_skeleton(StaffHomeState.loaded, data_table(
            ["Código", "Prestador", "CNPJ/CPF", "Tipo", "Guias"],
            rx.foreach(StaffHomeState.providers, lambda p: rx.table.row(
                rx.table.cell(p.code), rx.table.cell(p.name), rx.table.cell(p.document, white_space="nowrap"),
                rx.table.cell(p.kind), rx.table.cell(p.guides),
            )),
            table_id="providers-table",
            actions=False,
            is_empty=StaffHomeState.providers.length() == 0,
            empty=empty_state("Nenhum prestador credenciado",
                              "Cadastre os prestadores pela linha de comando (copass) para que apareçam aqui."),
        )),
    )


def _start_analysis_button(r: ReceivedLine) -> rx.Component:
    return confirm_dialog(
        rx.button("Iniciar análise", size="1", variant="soft", class_name="start-analysis"),
        ["Iniciar a análise do lote ", r.batch.protocol, "?"],
        "A data de processamento será registrada e o prestador não poderá mais estornar o lote. "
        "Esta ação não pode ser desfeita.",
        "Iniciar análise",
        ReceivedBatchesState.start_analysis(r.batch.id),
        confirm_class="start-analysis-confirm",
    )


def _received_row(r: ReceivedLine) -> rx.Component:
    b = r.batch
    return rx.table.row(
        rx.table.cell(r.provider), rx.table.cell(b.protocol),
        rx.table.cell(b.received_at, white_space="nowrap"), rx.table.cell(b.competence),
        rx.table.cell(status_badge(BATCH_ORIGIN, b.origin)), rx.table.cell(b.guides, text_align="right"),
        rx.table.cell(b.total, text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(BATCH_STATUS, b.status)),
        actions_cell(rx.cond(r.can_start, _start_analysis_button(r))),
        class_name="received-row",
    )


def received_batches_page() -> rx.Component:
    headers = ["Prestador", "Protocolo", "Recebido em", "Competência", "Origem", "Guias", "Valor", "Situação",
               "Ações"]
    return page_shell(
        routes.RECEIVED_BATCHES,
        select_field("Situação", BATCH_STATUS.options(), field_id="received-status", all_label="Todas",
                     value=rx.cond(ReceivedBatchesState.status == "", ALL, ReceivedBatchesState.status),
                     on_change=ReceivedBatchesState.filter_status),
        loaded_or_skeleton(ReceivedBatchesState.loaded, data_table(
            headers, rx.foreach(ReceivedBatchesState.rows, _received_row), table_id="received-table",
            is_empty=ReceivedBatchesState.rows.length() == 0,
            empty=empty_state("Nenhum lote nesta situação",
                              "Escolha outra situação (ou Todas) para ver os lotes recebidos dos prestadores.",
                              id="received-empty"),
        )),
        pager(ReceivedBatchesState.page, ReceivedBatchesState.page_count, ReceivedBatchesState.total,
              ReceivedBatchesState.go_to_page),
    )
