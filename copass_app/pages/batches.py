""""Acompanhamento dos faturamentos": batches with protocol, status, dates, summary, protocol PDF and estorno."""

from __future__ import annotations

import reflex as rx

from copass_app.components.shell import page_shell
from copass_app.components.ui import action_link, pager
from copass_app.state.batches import BatchesState

STATUS_OPTIONS = [("todas", "Todas"), ("1", "Recebido"), ("2", "Em análise"), ("3", "Liberado para pagamento"),
                  ("6", "Pagamento efetuado"), ("9", "Cancelado (estornado)")]
STATUS_COLORS = {"1": "blue", "2": "amber", "3": "teal", "4": "gray", "5": "teal", "6": "green", "9": "gray"}


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.vstack(rx.text("Situação", size="1"), rx.select.root(
                rx.select.trigger(placeholder="Todas", width="14em"),
                rx.select.content(*[rx.select.item(label, value=value) for value, label in STATUS_OPTIONS]),
                name="status", default_value="todas"), spacing="1"),
            rx.vstack(rx.text("Competência", size="1"), rx.input(type="month", name="competence"), spacing="1"),
            rx.vstack(rx.text("Recebidos de", size="1"), rx.input(type="date", name="date_from"), spacing="1"),
            rx.vstack(rx.text("até", size="1"), rx.input(type="date", name="date_to"), spacing="1"),
            rx.vstack(rx.text("Origem", size="1"), rx.select.root(
                rx.select.trigger(width="8em"),
                rx.select.content(rx.select.item("Todas", value="todas"), rx.select.item("Web", value="WEB"),
                                  rx.select.item("XML", value="XML")),
                name="origin", default_value="todas"), spacing="1"),
            rx.vstack(rx.text("Protocolo", size="1"), rx.input(name="protocol", id="protocol-filter"), spacing="1"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=BatchesState.apply_filters,
        reset_on_submit=False,
    )


def _status_badge(row: rx.Var) -> rx.Component:
    return rx.match(
        row["status"],
        *[(code, rx.badge(row["status_label"], color_scheme=color, variant="soft")) for code, color in STATUS_COLORS.items()],
        rx.badge(row["status_label"]),
    )


def _reverse_button(row: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Estornar", size="1", variant="outline", color_scheme="red",
                                          class_name="reverse-batch")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Estornar o lote ", row["protocol"], "?"),
            rx.alert_dialog.description(
                "O lote será cancelado e suas guias voltarão a ficar disponíveis para faturamento. "
                "Só é possível enquanto a operadora não processou o lote."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Voltar", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Estornar", color_scheme="red", on_click=BatchesState.reverse(row["id"]),
                                                 class_name="reverse-confirm")),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def _table() -> rx.Component:
    headers = ("Protocolo", "Recebido em", "Competência", "Origem", "Tipo", "Guias", "Valor", "Situação",
               "Processado em", "Pago em", "")
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(BatchesState.rows, lambda row: rx.table.row(
            rx.table.cell(action_link(row["protocol"], BatchesState.open_summary(row["id"]), class_name="batch-protocol")),
            rx.table.cell(row["received_at"], white_space="nowrap"),
            rx.table.cell(row["competence"]),
            rx.table.cell(row["origin"]),
            rx.table.cell(row["type"]),
            rx.table.cell(row["guides"], text_align="right"),
            rx.table.cell(row["total"], text_align="right", white_space="nowrap"),
            rx.table.cell(_status_badge(row)),
            rx.table.cell(row["processed_at"], white_space="nowrap"),
            rx.table.cell(row["paid_at"], white_space="nowrap"),
            rx.table.cell(rx.hstack(
                rx.button(rx.icon("file-down", size=14), "Protocolo", size="1", variant="soft",
                          on_click=BatchesState.download_protocol(row["id"]), class_name="batch-pdf"),
                rx.cond(row["can_reverse"] != "", _reverse_button(row)),
                spacing="2",
            )),
            class_name="batch-row",
        ))),
        width="100%",
        variant="surface",
        id="batches-table",
    )


def _summary_dialog() -> rx.Component:
    s = BatchesState.summary
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Lote — protocolo ", s["protocol"]),
            rx.vstack(
                rx.hstack(
                    rx.text("Situação: ", rx.text.strong(s["status"])),
                    rx.text("Competência: ", rx.text.strong(s["competence"])),
                    rx.text("Pacientes: ", rx.text.strong(s["patients"])),
                    rx.text("Atendimentos de ", s["first_date"], " a ", s["last_date"]),
                    wrap="wrap",
                    spacing="4",
                ),
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Guia", "Beneficiário", "Realização", "Itens", "Valor")])),
                    rx.table.body(rx.foreach(BatchesState.summary_guides, lambda g: rx.table.row(
                        rx.table.cell(g["number"]), rx.table.cell(g["beneficiary"]), rx.table.cell(g["performed_on"]),
                        rx.table.cell(g["items"]), rx.table.cell(g["total"], white_space="nowrap"),
                    ))),
                    size="1",
                    width="100%",
                ),
                rx.text("Total: ", s["total"], weight="bold"),
                rx.hstack(
                    rx.button(rx.icon("file-down", size=14), "Protocolo (PDF)", variant="soft",
                              on_click=BatchesState.download_protocol(s["id"])),
                    rx.dialog.close(rx.button("Fechar", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="56em",
            id="batch-summary",
        ),
        open=BatchesState.summary_open,
        on_open_change=BatchesState.set_summary_open,
    )


def batches_page() -> rx.Component:
    return page_shell(
        "Acompanhamento dos faturamentos",
        _filters(),
        _table(),
        pager(BatchesState.page, BatchesState.page_count, BatchesState.total, BatchesState.go_to_page),
        _summary_dialog(),
    )
