""""Acompanhamento dos faturamentos": batches with protocol, status, dates, the detail (history, glosas,
appeals, payment: pages/batch_detail.py), protocol PDF, CSV and estorno."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field, select_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import (
    data_table,
    light_actions_cell,
    light_badge,
    light_button,
    light_cell,
    light_link,
    light_row,
)
from copass_app.components.ui import pager
from copass_app.pages.batch_detail import summary_dialog
from copass_app.state.batches import BatchesState, BatchLine
from copass_app.state.paging import ALL
from copass_app.vocabulary import BATCH_ORIGIN, BATCH_STATUS


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            select_field("Situação", BATCH_STATUS.options(), field_id="status-filter", all_label="Todas",
                         name="status", default_value=ALL),
            labelled_field("Competência", rx.input(type="month", name="competence"), field_id="competence-filter"),
            labelled_field("Recebidos de", rx.input(type="date", name="date_from"), field_id="received-from"),
            labelled_field("Recebidos até", rx.input(type="date", name="date_to"), field_id="received-to"),
            select_field("Origem", BATCH_ORIGIN.options(), field_id="origin-filter", all_label="Todas", width="8em",
                         name="origin", default_value=ALL),
            labelled_field("Protocolo", rx.input(name="protocol"), field_id="protocol-filter"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit"),
            rx.button(rx.icon("sheet", size=14), "Exportar CSV", type="button", variant="soft",
                      on_click=BatchesState.export_csv, id="export-csv", loading=BatchesState.exporting),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=BatchesState.apply_filters,
        reset_on_submit=False,
    )


def _reverse_dialog() -> rx.Component:
    """One dialog for the whole list (a dialog per row made every page of rows slower to show)."""
    return confirm_dialog(
        None,
        ["Estornar o lote ", BatchesState.reverse_protocol, "?"],
        "O lote será cancelado e suas guias voltarão a ficar disponíveis para faturamento. "
        "Só é possível enquanto a operadora não processou o lote.",
        "Estornar",
        BatchesState.reverse(BatchesState.reverse_id),
        confirm_class="reverse-confirm",
        open=BatchesState.reverse_open,
        on_open_change=BatchesState.set_reverse_open,
    )


def _row(row: BatchLine) -> rx.Component:
    return light_row(
        light_cell(light_link(row.protocol, BatchesState.open_summary(row.id), class_name="batch-protocol")),
        light_cell(row.received_at, nowrap=True),
        light_cell(row.competence),
        light_cell(light_badge(BATCH_ORIGIN, row.origin)),
        light_cell(row.guide_type),
        light_cell(row.guides, right=True),
        light_cell(row.total, right=True),
        light_cell(light_badge(BATCH_STATUS, row.status)),
        light_cell(row.processed_at, nowrap=True),
        light_cell(row.paid_at, nowrap=True),
        light_actions_cell(
            light_button(rx.icon("file-down", size=14), "Protocolo",
                         on_click=BatchesState.download_protocol(row.id), class_name="batch-pdf"),
            light_button(rx.icon("file-code", size=14), "XML TISS", on_click=BatchesState.download_xml(row.id),
                         class_name="batch-xml", aria_label="XML TISS do lote " + row.protocol),
            rx.cond(row.can_reverse,
                    light_button("Estornar", on_click=BatchesState.ask_reverse(row.id, row.protocol),
                                 variant="outline", color="red", class_name="reverse-batch",
                                 aria_haspopup="dialog")),
        ),
        class_name="batch-row",
    )


def _table() -> rx.Component:
    headers = ["Protocolo", "Recebido em", "Competência", "Origem", "Tipo", "Guias", "Valor", "Situação",
               "Processado em", "Pago em", "Ações"]
    return loaded_or_skeleton(BatchesState.loaded, data_table(
        headers, rx.foreach(BatchesState.rows, _row), table_id="batches-table",
        is_empty=BatchesState.rows.length() == 0,
        empty=empty_state(
            "Nenhum faturamento encontrado",
            "Não há lotes com estes filtros. Mude a situação, a competência ou o período e clique em Filtrar; "
            "lotes novos chegam pelo Faturamento de atendimentos ou pelo Envio de arquivo XML.",
            rx.link("Faturar atendimentos", href=routes.BILLING.path),
            id="batches-empty",
        ),
    ))


def batches_page() -> rx.Component:
    return page_shell(
        routes.BATCHES,
        _filters(),
        _table(),
        pager(BatchesState.page, BatchesState.page_count, BatchesState.total, BatchesState.go_to_page),
        summary_dialog(),
        _reverse_dialog(),
    )
