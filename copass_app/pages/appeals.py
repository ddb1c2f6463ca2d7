""""Acompanhamento › Recursos de glosa": the provider's appeals, their status, the operator's decision, the
accepted value and the payment that paid it."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.state.appeals import ProviderAppealsState, StatusCount
from copass_app.state.money_rows import AppealLine
from copass_app.state.paging import ALL
from copass_app.vocabulary import APPEAL_STATUS


def _chip(chip: StatusCount) -> rx.Component:
    chosen = ProviderAppealsState.status == chip.status
    return rx.button(chip.label, " (", chip.count, ")", size="1", variant=rx.cond(chosen, "solid", "soft"),
                     on_click=ProviderAppealsState.filter_status(chip.status), class_name="appeal-chip",
                     custom_attrs={"aria-pressed": rx.cond(chosen, "true", "false")})


def _chips() -> rx.Component:
    everything = ProviderAppealsState.status == ""
    return rx.hstack(
        rx.text("Situação:", size="2", id="appeal-chips-label"),
        rx.button("Todos", size="1", variant=rx.cond(everything, "solid", "soft"),
                  on_click=ProviderAppealsState.filter_status(ALL),
                  custom_attrs={"aria-pressed": rx.cond(everything, "true", "false")}),
        rx.foreach(ProviderAppealsState.counts, _chip),
        align="center", spacing="2", wrap="wrap", role="group",
        custom_attrs={"aria-labelledby": "appeal-chips-label"},
    )


def _decision(row: AppealLine) -> rx.Component:
    return rx.vstack(
        rx.cond(row.decided_at != "", rx.text(row.decided_at, size="1", white_space="nowrap")),
        rx.cond(row.decision_note != "", rx.text(row.decision_note, size="1")),
        spacing="0",
    )


def _payment(row: AppealLine) -> rx.Component:
    return rx.cond(
        row.payment_id > 0,
        rx.link(row.payment_number, " (", row.paid_on, ")",
                href=f"{routes.PROVIDER_PAYMENTS.path}?pagamento=" + row.payment_id.to_string(), size="2",
                class_name="appeal-payment"),
        rx.text(rx.cond(row.accepted != "—", "a pagar", "—"), size="1", color_scheme="gray"),
    )


def _row(row: AppealLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.opened_at, white_space="nowrap"),
        rx.table.cell(row.protocol),
        rx.table.cell(rx.vstack(rx.text("Guia ", row.guide, size="2"), rx.text(row.beneficiary, size="1"),
                                spacing="0")),
        rx.table.cell(row.item, min_width="12em"),
        rx.table.cell(rx.tooltip(rx.badge(row.glosa_code, color_scheme="red", high_contrast=True),
                                 content=row.glosa_description)),
        rx.table.cell(row.glosa_value, text_align="right", white_space="nowrap"),
        rx.table.cell(row.contested, text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(APPEAL_STATUS, row.status)),
        rx.table.cell(row.accepted, text_align="right", white_space="nowrap", class_name="appeal-accepted"),
        rx.table.cell(_decision(row), min_width="10em"),
        actions_cell(_payment(row)),
        class_name="appeal-row",
    )


def _table() -> rx.Component:
    headers = ["Aberto em", "Protocolo", "Guia", "Item", "Código", "Glosa", "Contestado", "Situação", "Aceito",
               "Decisão", "Pagamento"]
    return loaded_or_skeleton(ProviderAppealsState.loaded, data_table(
        headers, rx.foreach(ProviderAppealsState.rows, _row), table_id="appeals-table",
        is_empty=ProviderAppealsState.rows.length() == 0,
        empty=empty_state(
            "Nenhum recurso de glosa",
            "Para recorrer, abra um lote analisado em Acompanhamento e clique em Recorrer na glosa do item "
            "(ou em Recorrer da guia).",
            rx.link("Abrir Acompanhamento", href=routes.BATCHES.path), id="appeals-empty"),
    ))


def provider_appeals_page() -> rx.Component:
    return page_shell(
        routes.PROVIDER_APPEALS,
        _chips(),
        _table(),
        pager(ProviderAppealsState.page, ProviderAppealsState.page_count, ProviderAppealsState.total,
              ProviderAppealsState.go_to_page),
        heading="Acompanhamento › Recursos de glosa",
    )
