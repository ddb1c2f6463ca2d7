""""Procedimentos solicitados": the provider's guides by situation, with filters and detail."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import data_table, light_badge, light_cell, light_link, light_row
from copass_app.components.ui import pager, sortable_header, status_badge
from copass_app.state.guides import GuideLine, GuidesState
from copass_app.vocabulary import GUIDE_SITUATION, Term

FILTERS_FORM = "guide-filters"


def _situation_card(term: Term) -> rx.Component:
    selected = GuidesState.status_group == term.value
    # A card is a real button (Tab, Enter, Space) that says whether its filter is on.
    return rx.card(
        rx.el.button(
            rx.vstack(
                rx.text(term.label, size="2", color_scheme="gray"),
                rx.text(GuidesState.counts.get(term.value, 0), size="6", weight="bold",
                        color=rx.color(term.color, 11), class_name="situation-count"),
                spacing="1",
                align="start",
            ),
            id=f"status-{term.value}",
            on_click=GuidesState.filter_status(term.value),
            custom_attrs={"aria-pressed": rx.cond(selected, "true", "false")},
            style={"text_align": "left", "cursor": "pointer"},
        ),
        as_child=True,
        flex="1 1 9em",
        variant=rx.cond(selected, "classic", "surface"),
        border=rx.cond(selected, f"2px solid {rx.color(term.color, 8)}", "2px solid transparent"),
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            labelled_field("Solicitadas de", rx.input(type="date", name="date_from"), field_id="date-from"),
            labelled_field("Solicitadas até", rx.input(type="date", name="date_to"), field_id="date-to"),
            labelled_field("Beneficiário (nome ou carteira)",
                           rx.input(name="beneficiary", placeholder="ex.: Conceição", width="16em", max_width="100%"),
                           field_id="beneficiary-filter", max_width="100%"),
            labelled_field("Nº da guia", rx.input(name="guide_number"), field_id="guide-number-filter"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit", id="apply-filters"),
            rx.button("Limpar", type="reset", variant="soft", color_scheme="gray", on_click=GuidesState.clear_filters),
            align="end",
            wrap="wrap",
            spacing="3",
        ),
        on_submit=GuidesState.apply_filters,
        reset_on_submit=False,
        id=FILTERS_FORM,
    )


def _row(row: GuideLine) -> rx.Component:
    return light_row(
        light_cell(light_link(row.number, GuidesState.open_guide(row.id), class_name="guide-link")),
        light_cell(row.guide_type),
        light_cell(rx.el.p(row.beneficiary, class_name="rt-Text rt-r-size-2"),
                   rx.el.p(row.card, class_name="rt-Text rt-r-size-1", custom_attrs={"data-accent-color": "gray"})),
        light_cell(row.requested_on),
        light_cell(row.performed_on),
        light_cell(light_badge(GUIDE_SITUATION, row.situation)),
        light_cell(row.total, right=True),
        class_name="guide-row",
    )


def _table() -> rx.Component:
    header = lambda label, col: sortable_header(  # noqa: E731
        label, col, GuidesState.sort, GuidesState.descending, GuidesState.sort_by
    )
    headers = [header("Guia", "guide_number"), "Tipo", header("Beneficiário", "beneficiary"),
               header("Solicitação", "requested_on"), header("Realização", "performed_on"),
               header("Situação", "status"), header("Valor", "total")]
    return loaded_or_skeleton(GuidesState.loaded, data_table(
        headers, rx.foreach(GuidesState.rows, _row), table_id="guides-table", actions=False,
        is_empty=GuidesState.rows.length() == 0,
        empty=empty_state(
            "Nenhuma guia encontrada",
            "Nenhuma guia atende a estes filtros. Amplie o período, confira o nome ou a carteira do beneficiário "
            "ou limpe os filtros.",
            rx.button("Limpar filtros", type="reset", variant="soft", on_click=GuidesState.clear_filters,
                      custom_attrs={"form": FILTERS_FORM}, id="empty-clear-filters"),
            id="guides-empty",
        ),
    ))


def _field(label: str, value: rx.Var) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2"), spacing="0")


def _detail_dialog() -> rx.Component:
    detail = GuidesState.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Guia ", detail.number),
            rx.vstack(
                rx.hstack(status_badge(GUIDE_SITUATION, detail.situation),
                          rx.text(detail.tiss_status, size="2", color_scheme="gray"), align="center"),
                rx.grid(
                    _field("Tipo", detail.guide_type),
                    _field("Nº na operadora", detail.operator_number),
                    _field("Senha", detail.password),
                    _field("Beneficiário", detail.beneficiary),
                    _field("Carteira", detail.card),
                    _field("Solicitação", detail.requested_on),
                    _field("Autorização", detail.authorized_on),
                    _field("Realização", detail.performed_on),
                    _field("Validade", detail.valid_until),
                    columns="3",
                    spacing="3",
                    width="100%",
                ),
                rx.heading("Itens", size="3"),
                rx.table.root(
                    rx.table.header(rx.table.row(
                        *[rx.table.column_header_cell(h) for h in
                          ("Tabela", "Código", "Descrição", "Qtd. aut.", "Qtd. real.", "Unitário", "Total")]
                    )),
                    rx.table.body(rx.foreach(detail.lines, lambda item: rx.table.row(
                        rx.table.cell(item.table), rx.table.cell(item.code), rx.table.cell(item.description),
                        rx.table.cell(item.authorized_qty), rx.table.cell(item.performed_qty),
                        rx.table.cell(item.unit_value, white_space="nowrap"),
                        rx.table.cell(item.total, white_space="nowrap"),
                    ))),
                    size="1",
                    width="100%",
                ),
                rx.text("Total da guia: ", detail.total, weight="bold"),
                rx.heading("Histórico", size="3"),
                rx.foreach(detail.history, lambda entry: rx.hstack(
                    rx.text(entry.at, size="2", color_scheme="gray", width="9em"),
                    rx.text(entry.status, size="2"),
                    rx.text(entry.note, size="2", color_scheme="gray"),
                )),
                rx.dialog.close(rx.button("Fechar", variant="soft", id="close-detail")),
                spacing="3",
                width="100%",
            ),
            max_width="52em",
            id="guide-detail",
        ),
        open=GuidesState.detail_open,
        on_open_change=GuidesState.set_detail_open,
    )


def guides_page() -> rx.Component:
    return page_shell(
        routes.GUIDES,
        rx.flex(*[_situation_card(term) for term in GUIDE_SITUATION], width="100%", spacing="3", wrap="wrap"),
        _filters(),
        rx.cond(GuidesState.error != "", rx.callout(GuidesState.error, icon="triangle-alert", color_scheme="red",
                                                           high_contrast=True, role="alert")),
        _table(),
        pager(GuidesState.page, GuidesState.page_count, GuidesState.total, GuidesState.go_to_page),
        _detail_dialog(),
    )
