"""Crítica automática: the rules, on or off, with their tolerance, for all providers or one."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import field_label
from copass_app.components.shell import PHONE, page_shell
from copass_app.components.tables import data_table
from copass_app.state.critique import CritiqueState, RuleLine
from copass_app.state.paging import ALL

S = CritiqueState


def _provider_picker() -> rx.Component:
    return rx.vstack(
        field_label("Valem para", "critique-provider"),
        rx.select.root(
            rx.select.trigger(id="critique-provider", width="20em", style={PHONE: {"width": "100%"}}),
            rx.select.content(
                rx.select.item("Todos os prestadores", value=ALL),
                rx.foreach(S.providers, lambda p: rx.select.item(p.label, value=p.value)),
            ),
            value=rx.cond(S.provider_id == "", ALL, S.provider_id),
            on_change=S.choose_provider,
        ),
        rx.text("Uma regra de um prestador prevalece sobre a regra de todos os prestadores.", size="1",
                color_scheme="gray"),
        spacing="1",
        style={PHONE: {"width": "100%"}},
    )


def _row(row: RuleLine) -> rx.Component:
    tolerance_id = "tolerance-" + row.rule
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row.short_label, weight="bold", size="2"),
                                rx.text(row.label, size="1", color_scheme="gray"), spacing="0"), min_width="14em"),
        rx.table.cell(row.reason_code),
        rx.table.cell(rx.hstack(
            rx.switch(checked=row.enabled, on_change=lambda value: S.set_enabled(row.rule, value),
                      aria_label="Regra ativa: " + row.short_label, class_name="rule-enabled"),
            rx.text(rx.cond(row.enabled, "Ativa", "Inativa"), size="2"),
            align="center", spacing="2")),
        rx.table.cell(rx.cond(
            row.uses_tolerance,
            rx.hstack(
                rx.input(value=row.tolerance, on_change=lambda value: S.set_tolerance(row.rule, value),
                         input_mode="decimal", width="5em", id=tolerance_id, class_name="rule-tolerance",
                         aria_label="Tolerância em % da regra " + row.short_label),
                rx.text("%", size="2"),
                align="center", spacing="1"),
            rx.text("—", color_scheme="gray", title="Esta regra não usa tolerância"),
        )),
        rx.table.cell(row.scope, white_space="nowrap"),
        rx.table.cell(rx.cond(row.changed, rx.badge("Alterada", color_scheme="amber", high_contrast=True), row.updated),
                      white_space="nowrap"),
        class_name="rule-row",
    )


def critique_page() -> rx.Component:
    save = confirm_dialog(
        rx.button("Salvar alterações", id="critique-save"),
        "Salvar as regras da crítica?",
        "Vale para os lotes analisados a partir de agora: os lotes já em análise mantêm as propostas que "
        "receberam. A alteração fica registrada na auditoria.",
        "Salvar", S.save, danger=False, confirm_class="critique-save-confirm")
    return page_shell(
        routes.CRITIQUE,
        rx.text("A crítica automática propõe glosas com o código da tabela 38 quando o analista inicia a análise "
                "de um lote; nada é glosado sem a decisão de uma pessoa.", size="2", color_scheme="gray"),
        _provider_picker(),
        loaded_or_skeleton(S.loaded, data_table(
            ["Regra", "Código", "Situação", "Tolerância", "Origem da regra", "Alterada por"],
            rx.foreach(S.rows, _row), table_id="critique-table", actions=False,
            is_empty=S.rows.length() == 0,
            empty=empty_state("Nenhuma regra", "A crítica automática não tem regras cadastradas."),
        )),
        rx.hstack(
            save,
            rx.button("Desfazer alterações", variant="soft", color_scheme="gray", on_click=S.discard_changes,
                      id="critique-discard"),
            spacing="3", wrap="wrap",
        ),
    )
