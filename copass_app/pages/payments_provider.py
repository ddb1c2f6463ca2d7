""""Acompanhamento › Pagamentos": the provider's payments and the detail of each (withholdings, bank data,
the batches and appeal values paid)."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import action_link, pager
from copass_app.state.money_rows import PaidAppealLine, PaidBatchLine, PaymentLine, WithholdingRow
from copass_app.state.payments_provider import ProviderPaymentsState


def _cell(value, **props) -> rx.Component:
    return rx.table.cell(value, text_align="right", white_space="nowrap", **props)


def _row(row: PaymentLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(
            rx.text(row.paid_on, size="2", white_space="nowrap"),
            action_link(row.number, ProviderPaymentsState.open_detail(row.id), class_name="payment-number"),
            spacing="0", align="start")),
        _cell(row.batches),
        _cell(row.gross),
        _cell(row.glosa),
        _cell(row.approved),
        _cell(row.appeals),
        _cell(row.withholdings),
        _cell(rx.text.strong(row.net)),
        actions_cell(rx.button("Detalhe", size="1", variant="soft", on_click=ProviderPaymentsState.open_detail(row.id),
                               aria_label="Detalhe do pagamento " + row.number, class_name="payment-detail")),
        class_name="payment-row",
    )


def _table() -> rx.Component:
    headers = ["Data e demonstrativo", "Lotes", "Bruto", "Glosa", "Aprovado", "Recursos", "Retenções", "Líquido",
               "Ações"]
    return loaded_or_skeleton(ProviderPaymentsState.loaded, data_table(
        headers, rx.foreach(ProviderPaymentsState.rows, _row), table_id="payments-table",
        is_empty=ProviderPaymentsState.rows.length() == 0,
        empty=empty_state(
            "Nenhum pagamento registrado ainda",
            "Os pagamentos aparecem aqui quando a operadora paga lotes liberados (veja a situação de cada lote em "
            "Acompanhamento) ou valores de recursos aceitos.",
            rx.link("Ver os faturamentos", href=routes.BATCHES.path), id="payments-empty"),
    ))


def _withholding(line: WithholdingRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.label),
        _cell(line.base),
        _cell(line.rate),
        _cell(rx.cond(line.withheld, line.value, rx.text(line.value, color_scheme="green", size="1"))),
        class_name="withholding-row",
    )


def _paid_batch(line: PaidBatchLine) -> rx.Component:
    return rx.table.row(rx.table.cell(line.protocol), rx.table.cell(line.lot), rx.table.cell(line.competence),
                        _cell(line.gross), _cell(line.glosa), _cell(line.approved), class_name="paid-batch")


def _paid_appeal(line: PaidAppealLine) -> rx.Component:
    return rx.table.row(rx.table.cell(line.protocol), rx.table.cell(line.guide), rx.table.cell(line.item),
                        rx.table.cell(line.glosa_code), _cell(line.accepted), class_name="paid-appeal")


def _small_table(headers: list[str], body, table_id: str) -> rx.Component:
    return data_table(headers, body, table_id=table_id, actions=False, size="1")


def _figure(label: str, value, element_id: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.text(value, size="3", weight="bold", id=element_id, white_space="nowrap"), spacing="0")


def _detail_dialog() -> rx.Component:
    d = ProviderPaymentsState.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Pagamento de ", d.paid_on, " — demonstrativo nº ", d.number),
            rx.vstack(
                rx.hstack(
                    _figure("Bruto (informado)", d.gross, "payment-gross"),
                    _figure("Glosa", d.glosa, "payment-glosa"),
                    _figure("Aprovado", d.approved, "payment-approved"),
                    _figure("Recursos aceitos", d.appeals, "payment-appeals"),
                    _figure("Retenções", d.withholdings, "payment-withholdings"),
                    _figure("Líquido", d.net, "payment-net"),
                    spacing="5", wrap="wrap",
                ),
                rx.heading("Retenções", size="3", as_="h3"),
                _small_table(["Tributo", "Base", "Alíquota", "Retido"],
                             rx.foreach(d.withholding_rows, _withholding), "withholdings-table"),
                rx.text("Um tributo de até R$ 10,00 não é retido (a linha mostra quanto seria).", size="1",
                        color_scheme="gray"),
                rx.text("Depositado em ", rx.text.strong(d.bank), " · agência ", rx.text.strong(d.agency),
                        " · conta ", rx.text.strong(d.account), size="2", id="payment-bank"),
                rx.heading("Lotes pagos", size="3", as_="h3"),
                rx.cond(d.batches.length() > 0,
                        _small_table(["Protocolo", "Lote", "Competência", "Informado", "Glosa", "Aprovado"],
                                     rx.foreach(d.batches, _paid_batch), "paid-batches-table"),
                        rx.text("Nenhum lote neste pagamento (só recursos).", size="2")),
                rx.cond(d.appeal_rows.length() > 0, rx.vstack(
                    rx.heading("Recursos de glosa pagos", size="3", as_="h3"),
                    _small_table(["Protocolo", "Guia", "Item", "Glosa", "Valor aceito"],
                                 rx.foreach(d.appeal_rows, _paid_appeal), "paid-appeals-table"),
                    width="100%",
                )),
                rx.hstack(
                    rx.button(rx.icon("file-code", size=14), "Demonstrativo de pagamento (XML)", variant="soft",
                              on_click=ProviderPaymentsState.download_statement(d.id), id="download-payment"),
                    rx.dialog.close(rx.button("Fechar", variant="soft", color_scheme="gray")),
                    justify="end", width="100%", wrap="wrap", id="payment-actions",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="56em",
            id="payment-detail",
        ),
        open=ProviderPaymentsState.detail_open,
        on_open_change=ProviderPaymentsState.set_detail_open,
    )


def provider_payments_page() -> rx.Component:
    return page_shell(
        routes.PROVIDER_PAYMENTS,
        rx.text("Cada pagamento da operadora: lotes pagos, glosas, recursos aceitos, retenções e o valor líquido "
                "depositado.", size="2", color_scheme="gray"),
        _table(),
        pager(ProviderPaymentsState.page, ProviderPaymentsState.page_count, ProviderPaymentsState.total,
              ProviderPaymentsState.go_to_page),
        _detail_dialog(),
        heading="Acompanhamento › Pagamentos",
    )
