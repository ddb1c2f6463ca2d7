""""Fechar atendimentos" — "Encerrar Fatura / Gerar Protocolo": as in the manual, the provider's row with its
open typed attendances of the competência (it expands to each of them) and "Gerar Protocolo", which asks
"Tem certeza que deseja continuar com o fechamento?" before closing them into batches (one per guide type)
with their protocol PDFs."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import field_label
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.state.closing import ClosedLine, ClosingAttendanceLine, ClosingLine, ClosingState

S = ClosingState
HEADING = "Encerrar Fatura / Gerar Protocolo"
CONFIRM_QUESTION = "Tem certeza que deseja continuar com o fechamento?"


def _generate_button(row: ClosingLine) -> rx.Component:
    return confirm_dialog(
        rx.button(rx.icon("file-check", size=14), "Gerar Protocolo", size="2", class_name="generate-protocol"),
        CONFIRM_QUESTION,
        ["Serão fechados ", row.count, " atendimento(s) da competência, no total de ", row.total, " (",
         row.batches, "). Depois disso eles não poderão mais ser alterados nem excluídos (só com o estorno "
         "do lote, enquanto a operadora não o processar)."],
        "Confirmar",
        S.close,
        danger=False,
        confirm_class="closing-confirm",
    )


def _attendance_row(line: ClosingAttendanceLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(line.number), rx.text(line.guide_type, size="1", color_scheme="gray"),
                      white_space="nowrap"),
        rx.table.cell(line.beneficiary),
        rx.table.cell(line.total, text_align="right", white_space="nowrap"),
        class_name="closing-attendance",
    )


def _row(row: ClosingLine) -> rx.Component:
    open_ = S.expanded.contains(row.key)
    details_id = "closing-details-" + row.key
    return rx.fragment(
        rx.table.row(
            rx.table.cell(rx.hstack(
                rx.icon_button(rx.cond(open_, rx.icon("chevron-down", size=14), rx.icon("chevron-right", size=14)),
                               size="1", variant="ghost", on_click=S.toggle_row(row.key), class_name="expand-row",
                               aria_label="Ver os atendimentos de " + row.provider,
                               custom_attrs={"aria-expanded": rx.cond(open_, "true", "false"),
                                             "aria-controls": details_id}),
                rx.text(row.protocol, size="2"),
                align="center", spacing="2",
            ), white_space="nowrap"),
            rx.table.cell(rx.text(row.provider), rx.text(row.batches, size="1", color_scheme="gray"),
                          min_width="14em"),
            rx.table.cell(row.count, text_align="right"),
            rx.table.cell(row.total, text_align="right", white_space="nowrap"),
            actions_cell(_generate_button(row)),
            class_name="closing-row",
        ),
        rx.cond(open_, rx.table.row(
            rx.table.cell(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Núm. Atendimento"),
                        rx.table.column_header_cell("Beneficiário"),
                        rx.table.column_header_cell("Total", text_align="right"),
                    )),
                    rx.table.body(rx.foreach(row.attendances, _attendance_row)),
                    size="1", width="100%",
                ),
                col_span=4,
                id=details_id,
            ),
            rx.table.cell(),  # the actions column stays the row's last cell (it sticks to the right edge)
            class_name="closing-details",
        )),
    )


def _table() -> rx.Component:
    return loaded_or_skeleton(S.loaded, data_table(
        ["Nº Protocolo", "Prestador", "Qtde Atendimento", "Total", "Gerar Protocolo"],
        rx.foreach(S.rows, _row), table_id="closing-table",
        is_empty=S.rows.length() == 0,
        empty=empty_state(
            "Nenhum atendimento digitado a fechar nesta competência",
            "Os atendimentos digitados aparecem aqui até o fechamento. Digite-os em Digitação de atendimentos "
            "ou escolha outra competência.",
            rx.link("Digitar atendimentos", href=routes.ATTENDANCES.path),
            id="closing-empty",
        ),
    ))


def _closed_line(line: ClosedLine) -> rx.Component:
    return rx.hstack(
        rx.text("Protocolo ", rx.text.strong(line.protocol, class_name="closed-protocol"), " · ", line.guide_type,
                " · lote ", line.lot, " · ", line.guides, " atendimento(s) · ", line.total, size="2"),
        rx.button(rx.icon("download", size=14), "Protocolo (PDF)", size="1", variant="soft",
                  on_click=S.download_protocol(line.batch_id), class_name="download-protocol"),
        align="center", wrap="wrap", spacing="2",
    )


def _closed() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(
            rx.text("Fatura encerrada. Imprima o protocolo e anexe às faturas físicas:", weight="bold"),
            rx.foreach(S.closed, _closed_line),
            rx.link("Acompanhar faturamentos", href=routes.BATCHES.path),
            spacing="2",
        ),
        color_scheme="green", width="100%", id="closing-done", role="status",
    )


def closing_page() -> rx.Component:
    return page_shell(
        routes.CLOSING,
        rx.text("Ao fim da competência, feche os atendimentos digitados: cada tipo de guia vira um lote com o seu "
                "protocolo, que você imprime e anexa às faturas.", size="2", color_scheme="gray"),
        rx.hstack(
            rx.vstack(
                field_label("Competência", "closing-competence"),
                rx.input(type="month", id="closing-competence", value=S.competence,
                         on_change=S.set_competence, width="11em"),
                spacing="1",
            ),
            rx.text("Total da competência: ", rx.text.strong(S.total, id="closing-total"), " em ",
                    rx.text.strong(S.count, id="closing-count"), " atendimento(s)", size="2"),
            align="end", spacing="4", wrap="wrap",
        ),
        rx.cond(S.closed.length() > 0, _closed()),
        _table(),
        heading=HEADING,
    )
