"""'Auditoria' (staff): who did what, when, on which record, searched and paged on the server."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field, select_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import data_table
from copass_app.components.ui import pager
from copass_app.state.audit import ACTION_OPTIONS, AuditLine, AuditState
from copass_app.state.paging import ALL


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            labelled_field("Prestador (código ou nome)", rx.input(name="provider"), field_id="audit-provider"),
            labelled_field("Usuário (login)", rx.input(name="login"), field_id="audit-login"),
            labelled_field("Registro", rx.input(name="entity", placeholder="batch, upload_record, user…"),
                           field_id="audit-entity"),
            labelled_field("Id do registro", rx.input(name="entity_id", width="7em"), field_id="audit-entity-id"),
            select_field("Ação", ACTION_OPTIONS, field_id="audit-action", all_label="Todas", width="16em",
                         name="action", default_value=ALL),
            labelled_field("De", rx.input(type="date", name="date_from"), field_id="audit-from"),
            labelled_field("Até", rx.input(type="date", name="date_to"), field_id="audit-to"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=AuditState.apply_filters,
        reset_on_submit=False,
    )


def _row(line: AuditLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.at, white_space="nowrap"), rx.table.cell(line.who), rx.table.cell(line.provider),
        rx.table.cell(line.action), rx.table.cell(line.record, white_space="nowrap"), rx.table.cell(line.detail),
        rx.table.cell(line.source, white_space="nowrap"),
        class_name="audit-row",
    )


def audit_page() -> rx.Component:
    return page_shell(
        routes.AUDIT,
        _filters(),
        loaded_or_skeleton(AuditState.loaded, data_table(
            ["Quando", "Quem", "Prestador", "Ação", "Registro", "Detalhe", "Origem"],
            rx.foreach(AuditState.rows, _row), table_id="audit-table", actions=False,
            is_empty=AuditState.rows.length() == 0,
            empty=empty_state("Nenhum registro de auditoria", "Nenhum evento corresponde aos filtros: amplie o "
                              "período ou limpe os campos.", id="audit-empty"),
        )),
        pager(AuditState.page, AuditState.page_count, AuditState.total, AuditState.go_to_page),
    )
