"""Operator staff pages: the accredited providers and the queue of received batches."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import field_label, labelled_field, select_field
from copass_app.components.shell import PHONE, page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.state.paging import ALL
from copass_app.state.staff import ProviderOption, ReceivedBatchesState, ReceivedLine, StaffHomeState, StatusChip
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


def provider_select(options: rx.Var, *, field_id: str, name: str = "provider", **root_props) -> rx.Component:
    """A labelled select of the providers (loaded by the page's state), "Todos" first."""
    return rx.vstack(
        field_label("Prestador", field_id),
        rx.select.root(
            rx.select.trigger(id=field_id, width="16em", style={PHONE: {"width": "100%"}}),
            rx.select.content(
                rx.select.item("Todos", value=ALL),
                rx.foreach(options, lambda p: rx.select.item(p.label, value=p.value)),
            ),
            name=name,
            **root_props,
        ),
        spacing="1",
        style={PHONE: {"width": "100%"}},
    )


def status_chip_bar(chips: rx.Var, current: rx.Var, on_pick, *, bar_id: str) -> rx.Component:
    """The counts per status as buttons: a click (or Enter) filters by the status; the current one is pressed."""
    def chip(c: StatusChip) -> rx.Component:
        pressed = current == c.value
        return rx.button(
            c.label, " ", rx.text.strong(c.count),
            size="1", variant=rx.cond(pressed, "solid", "soft"), on_click=on_pick(c.value),
            custom_attrs={"aria-pressed": rx.cond(pressed, "true", "false")}, class_name="status-chip",
        )

    return rx.hstack(rx.foreach(chips, chip), spacing="2", wrap="wrap", id=bar_id, role="group",
                     aria_label="Quantidade por situação")


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
        rx.table.cell(rx.link(b.protocol, href=r.href, class_name="analysis-link"), white_space="nowrap"),
        rx.table.cell(r.provider, white_space="nowrap"),
        rx.table.cell(b.received_at, white_space="nowrap"), rx.table.cell(b.competence),
        rx.table.cell(status_badge(BATCH_ORIGIN, b.origin)), rx.table.cell(b.guides, text_align="right"),
        rx.table.cell(b.total, text_align="right", white_space="nowrap"),
        rx.table.cell(r.glosa, text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(BATCH_STATUS, b.status)),
        actions_cell(
            # On a phone the protocol is the link: the sticky column keeps only "Iniciar análise".
            rx.link("Abrir análise", href=r.href, size="2", class_name="open-analysis", white_space="nowrap",
                    style={PHONE: {"display": "none"}}),
            rx.cond(r.can_start, _start_analysis_button(r)),
        ),
        class_name="received-row",
    )


def _filters() -> rx.Component:
    s = ReceivedBatchesState
    return rx.form(
        rx.hstack(
            provider_select(s.providers, field_id="received-provider", default_value=ALL),
            labelled_field("Competência", rx.input(type="month", name="competence"), field_id="received-competence"),
            select_field("Origem", BATCH_ORIGIN.options(), field_id="received-origin", all_label="Todas",
                         width="8em", name="origin", default_value=ALL),
            labelled_field("Recebidos de", rx.input(type="date", name="date_from"), field_id="received-from"),
            labelled_field("Recebidos até", rx.input(type="date", name="date_to"), field_id="received-to"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit", id="received-filter"),
            rx.button("Limpar filtros", type="reset", variant="soft", color_scheme="gray",
                      on_click=s.clear_filters, id="received-clear"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=s.apply_filters,
        reset_on_submit=False,
    )


def received_batches_page() -> rx.Component:
    s = ReceivedBatchesState
    headers = ["Protocolo", "Prestador", "Recebido em", "Competência", "Origem", "Guias", "Informado", "Glosa",
               "Situação", "Ações"]
    return page_shell(
        routes.RECEIVED_BATCHES,
        _filters(),
        rx.hstack(
            select_field("Situação", BATCH_STATUS.options(), field_id="received-status", all_label="Todas",
                         value=rx.cond(s.status == "", ALL, s.status), on_change=s.filter_status),
            status_chip_bar(s.chips, s.status, s.filter_status, bar_id="received-counts"),
            align="end",
            spacing="4",
            wrap="wrap",
        ),
        loaded_or_skeleton(s.loaded, data_table(
            headers, rx.foreach(s.rows, _received_row), table_id="received-table",
            is_empty=s.rows.length() == 0,
            empty=empty_state("Nenhum lote com estes filtros",
                              "Escolha outra situação (ou Todas), outro prestador ou outro período.",
                              rx.button("Limpar filtros", on_click=s.clear_filters, variant="soft"),
                              id="received-empty"),
        )),
        pager(s.page, s.page_count, s.total, s.go_to_page),
    )


__all__ = ["ProviderOption", "provider_select", "received_batches_page", "staff_home_page", "status_chip_bar"]
