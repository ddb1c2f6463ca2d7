""""Digitação de atendimentos": type a guia de consulta or SP/SADT with the keyboard (Tab from field to
field, Enter in the procedure search adds the procedure), see each wrong field's message under it and
the automatic critique's findings while typing, and list, edit or delete the competência's attendances
until they are closed ("Fechar atendimentos")."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import field_label
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.state.attendance_rows import AttendanceLine, ProcedureLine
from copass_app.state.attendances import CONSULTA, SP_SADT, AttendancesState, field_id
from copass_app.tiss import domains
from copass_app.vocabulary import (
    ACCIDENT_INDICATION,
    ATTENDANCE_STATUS,
    CARE_CHARACTER,
    CARE_REGIME,
    CONSULTATION_TYPE,
    PROFESSIONAL_COUNCIL,
    SADT_CARE_TYPE,
    UF,
)

S = AttendancesState
GRID = {"display": "grid", "grid_template_columns": "repeat(auto-fill, minmax(13em, 1fr))", "gap": "0.75em",
        "width": "100%"}
# A native <select>: the keyboard picks by typing the first letters or with the arrows, without opening it.
NATIVE_SELECT = {
    "height": "var(--space-6)", "padding": "0 0.5em", "border_radius": "var(--radius-2)", "width": "100%",
    "border": f"1px solid {rx.color('gray', 7)}", "background": "var(--color-surface)", "color": "inherit",
    "font_size": "var(--font-size-2)", "font_family": "inherit",
}
CBOS_LIST = "cbos-codes"


def _error(name: str) -> rx.Component:
    """The service's message for the field, read with it (aria-describedby) and announced when it appears."""
    return rx.text(S.errors[name], id=f"{field_id(name)}-error", size="1", color_scheme="red", role="alert",
                   class_name="field-error")


def _invalid_attrs(name: str) -> dict:
    return {"aria-invalid": rx.cond(S.errors.contains(name), "true", "false"),
            "aria-describedby": f"{field_id(name)}-error"}


def _labelled(label: str, name: str, control: rx.Component) -> rx.Component:
    control.id = field_id(name)
    return rx.vstack(field_label(label, field_id(name)), control, _error(name), spacing="1", width="100%",
                     class_name="att-field")


def _text_field(label: str, name: str, *, type_: str = "text", attrs: dict | None = None, **props) -> rx.Component:
    return _labelled(label, name, rx.input(
        type=type_, name=name, default_value=S.form[name], width="100%", auto_complete="off",
        on_blur=lambda value: S.leave_field(name, value), custom_attrs={**_invalid_attrs(name), **(attrs or {})},
        **props))


def _date_field(label: str, name: str) -> rx.Component:
    """A date typed as on paper, DD/MM/AAAA: one Tab leaves it (a date input's Tab walks its day, month and
    year), and it reads the same whatever the browser's language."""
    return _text_field(label, name, input_mode="numeric", max_length=10, placeholder="dd/mm/aaaa")


def _select(label: str, name: str, options: list[tuple[str, str]]) -> rx.Component:
    return _labelled(label, name, rx.el.select(
        rx.el.option("Selecione…", value=""),
        *[rx.el.option(text, value=value) for value, text in options],
        name=name, default_value=S.form[name], on_change=lambda value: S.leave_field(name, value),
        style=NATIVE_SELECT, custom_attrs=_invalid_attrs(name)))


def _full_options(vocabulary) -> list[tuple[str, str]]:
    return [(term.value, term.label) for term in vocabulary]


def _uf_options() -> list[tuple[str, str]]:
    return [(term.value, f"{term.short} – {term.label}") for term in UF]


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text(title, size="3", weight="bold", as_="span")),
        *children,
        style={"border": f"1px solid {rx.color('gray', 5)}", "border_radius": "8px", "padding": "0.75em 1em 1em",
               "width": "100%", "min_width": "0", "margin": "0"},
        **props,
    )


# ---- the form -------------------------------------------------------------------------------------


def _guide_type_switch() -> rx.Component:
    return rx.vstack(
        rx.text("Tipo de guia", size="1", id="guide-type-label"),
        rx.segmented_control.root(
            rx.segmented_control.item("Consulta", value=CONSULTA),
            rx.segmented_control.item("SP/SADT", value=SP_SADT),
            value=S.guide_type, on_change=S.set_guide_type, id="guide-type",
            custom_attrs={"aria-labelledby": "guide-type-label"},
            disabled=S.editing_id > 0,  # the type of a stored attendance stays (delete and type it again)
        ),
        spacing="1",
    )


def _beneficiary_hits() -> rx.Component:
    return rx.cond(
        S.beneficiary_searched & (S.beneficiary_hits.length() == 0),
        rx.text("Nenhum beneficiário encontrado. Pelo nome só aparecem os já atendidos por você; "
                "para um paciente novo digite o número da carteira.", size="1", color_scheme="gray",
                id="beneficiary-none"),
        rx.cond(S.beneficiary_hits.length() > 0, rx.vstack(
            rx.foreach(S.beneficiary_hits, lambda hit, index: rx.el.button(
                rx.text(hit.name, " · carteira ", hit.card, " · nasc. ", hit.birth, size="2"),
                type="button", on_click=S.pick_beneficiary(index), class_name="beneficiary-hit",
                style={"text_align": "left", "width": "100%", "padding": "0.3em 0.5em", "border": "none",
                       "border_radius": "4px", "cursor": "pointer",
                       "background": rx.cond(S.selected_beneficiary == index, rx.color("accent", 4), "transparent")},
                custom_attrs={"aria-pressed": rx.cond(S.selected_beneficiary == index, "true", "false")},
            )),
            spacing="0", width="100%", id="beneficiary-hits",
            border=f"1px solid {rx.color('gray', 5)}", border_radius="6px",
        )),
    )


def _beneficiary_section() -> rx.Component:
    name = "card_number"
    return _section(
        "Beneficiário",
        rx.vstack(
            field_label("Carteira ou nome do beneficiário", field_id(name)),
            rx.input(id=field_id(name), name=name, default_value=S.form[name], width="100%", auto_complete="off",
                     placeholder="Número da carteira ou nome…",
                     on_change=S.search_beneficiary.debounce(300), on_key_down=S.beneficiary_key,
                     on_blur=S.leave_beneficiary, custom_attrs=_invalid_attrs(name)),
            _error(name),
            _beneficiary_hits(),
            rx.cond(S.beneficiary_label != "", rx.hstack(
                rx.icon("user-check", size=14, aria_hidden="true"),
                rx.text(S.beneficiary_label, size="2", weight="medium"),
                align="center", spacing="1", id="beneficiary-chosen")),
            spacing="1", width="100%",
        ),
    )


def _attendance_section() -> rx.Component:
    sadt = S.guide_type == SP_SADT
    return _section(
        "Atendimento",
        rx.box(
            _date_field("Data do atendimento", "performed_on"),
            _text_field("Número da guia no prestador", "provider_guide_number", placeholder="Em branco: automático",
                        max_length=20),
            rx.cond(sadt,
                    _select("Caráter do atendimento", "care_character", _full_options(CARE_CHARACTER)),
                    _select("Tipo de consulta", "consultation_type", _full_options(CONSULTATION_TYPE))),
            rx.cond(sadt, _select("Tipo de atendimento", "care_type", _full_options(SADT_CARE_TYPE))),
            _select("Indicação de acidente", "accident_indication", _full_options(ACCIDENT_INDICATION)),
            _select("Regime de atendimento", "care_regime", _full_options(CARE_REGIME)),
            rx.cond(sadt, _date_field("Data da solicitação", "requested_on")),
            style=GRID,
        ),
        rx.cond(sadt, rx.box(_text_field("Indicação clínica", "clinical_indication", max_length=500),
                             margin_top="0.75em")),
    )


def _professional_section(title: str, prefix: str) -> rx.Component:
    return _section(
        title,
        rx.box(
            _text_field("Nome do profissional", f"{prefix}.name", max_length=70),
            _select("Conselho profissional", f"{prefix}.council",
                    _full_options(PROFESSIONAL_COUNCIL)),
            _text_field("Número no conselho", f"{prefix}.number", max_length=15),
            _select("UF do conselho", f"{prefix}.uf", _uf_options()),
            _text_field("CBO (6 dígitos)", f"{prefix}.cbos", input_mode="numeric", max_length=6,
                        attrs={"list": CBOS_LIST}),
            style=GRID,
        ),
    )


def _procedure_hits() -> rx.Component:
    return rx.cond(
        S.procedure_searched & (S.procedure_hits.length() == 0),
        rx.text("Nenhum procedimento da TUSS 22 com este código ou nome.", size="1", color_scheme="gray",
                id="procedure-none"),
        rx.cond(S.procedure_hits.length() > 0, rx.box(
            rx.foreach(S.procedure_hits, lambda hit, index: rx.el.button(
                rx.hstack(rx.text(hit.code, size="2", color_scheme="gray", min_width="6.5em"),
                          rx.text(hit.name, size="2", flex="1", text_align="left"),
                          rx.text(hit.price, size="2", white_space="nowrap"),
                          width="100%", wrap="wrap", spacing="2"),
                type="button", on_click=S.pick(index), on_double_click=S.add_procedure, class_name="procedure-hit",
                style={"width": "100%", "padding": "0.3em 0.5em", "border": "none", "border_radius": "4px",
                       "cursor": "pointer",
                       "background": rx.cond(S.selected_hit == index, rx.color("accent", 4), "transparent")},
                custom_attrs={"aria-pressed": rx.cond(S.selected_hit == index, "true", "false")},
            )),
            max_height="14em", overflow_y="auto", width="100%", id="procedure-hits",
            border=f"1px solid {rx.color('gray', 5)}", border_radius="6px",
        )),
    )


def _line_input(line: ProcedureLine, index: rx.Var, part: str, label: str, value: rx.Var, **props) -> rx.Component:
    name = f"procedures[{index}].{part}"
    return rx.vstack(
        rx.input(default_value=value, on_blur=lambda typed: S.set_line(index, part, typed), input_mode="decimal",
                 auto_complete="off", width="7em", class_name=f"line-{part}",
                 custom_attrs={"aria-label": label + " de " + line.code}, **props),
        rx.text(S.errors[name], size="1", color_scheme="red", role="alert"),
        spacing="1",
    )


def _line_row(line: ProcedureLine, index: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.code, white_space="nowrap"),
        rx.table.cell(line.description, rx.text(S.errors[f"procedures[{index}].code"], size="1", color_scheme="red",
                                                role="alert")),
        rx.table.cell(_line_input(line, index, "quantity", "Quantidade", line.quantity)),
        rx.table.cell(_line_input(line, index, "unit_value", "Valor unitário", line.unit_value,
                                  placeholder=line.contracted)),
        rx.table.cell(line.total, text_align="right", white_space="nowrap"),
        actions_cell(rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                                    on_click=S.remove_line(index), aria_label="Remover o procedimento " + line.code,
                                    class_name="remove-line")),
        class_name="procedure-line",
    )


def _procedures_section() -> rx.Component:
    return _section(
        "Procedimentos (TUSS 22)",
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    field_label("Buscar procedimento (código ou nome) — Enter adiciona", "att-procedure-search"),
                    rx.input(id="att-procedure-search", placeholder="Ex.: 10101012 ou consulta…", width="100%",
                             auto_complete="off", on_change=S.search_procedure.debounce(250),
                             on_key_down=S.procedure_key, key=S.search_version.to_string() + "-search",
                             custom_attrs={"aria-describedby": "att-procedures-error"}),
                    spacing="1", flex="1 1 16em", min_width="0",
                ),
                rx.vstack(field_label("Quantidade", "att-quantity"),
                          rx.input(id="att-quantity", value=S.quantity, on_change=S.set_quantity, width="6em",
                                   input_mode="numeric", auto_complete="off", on_key_down=S.procedure_key),
                          spacing="1"),
                rx.vstack(field_label("Valor unitário (R$)", "att-unit-value"),
                          rx.input(id="att-unit-value", value=S.unit_value, on_change=S.set_unit_value, width="9em",
                                   input_mode="decimal", auto_complete="off", placeholder="Preço contratado",
                                   on_key_down=S.procedure_key),
                          spacing="1"),
                rx.button(rx.icon("plus", size=14), "Adicionar", on_click=S.add_procedure, id="att-add-procedure",
                          type="button"),
                align="end", spacing="3", wrap="wrap", width="100%",
            ),
            _procedure_hits(),
            _error("procedures"),
            rx.cond(S.lines.length() > 0, rx.box(data_table(
                ["Código", "Procedimento", "Qtd.", "Valor unitário (R$)", "Total", ""],
                rx.foreach(S.lines, _line_row), table_id="procedure-lines", size="1",
            ), key=S.search_version.to_string() + "-lines", width="100%"),
                rx.text("Nenhum procedimento incluído ainda.", size="2", color_scheme="gray", id="no-lines")),
            spacing="2", width="100%",
        ),
    )


def _findings() -> rx.Component:
    return rx.cond(
        S.findings.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text("A crítica automática da operadora proporia glosa:", weight="bold", size="2"),
                rx.foreach(S.findings, lambda f: rx.text(
                    rx.text.strong(f.label), " (código ", f.code, ", ", f.value, "): ", f.message, size="2",
                    class_name="critique-finding")),
                rx.text("Você pode salvar assim mesmo; corrija se for um erro de digitação.", size="1"),
                spacing="1",
            ),
            color_scheme="amber", width="100%", id="critique-findings", role="status",
        ),
        rx.cond(S.checked, rx.hstack(
            rx.icon("circle-check", size=14, aria_hidden="true", color=rx.color("green", 11)),
            rx.text("Crítica automática: nenhuma glosa prevista.", size="2", color_scheme="green"),
            align="center", spacing="1", id="critique-clear", role="status")),
    )


def _form() -> rx.Component:
    sadt = S.guide_type == SP_SADT
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(rx.cond(S.editing_id > 0, "Alterar o atendimento " + S.editing_number,
                                   "Novo atendimento"), size="4", as_="h2", id="form-title"),
                rx.spacer(),
                _guide_type_switch(),
                align="end", width="100%", wrap="wrap", spacing="3",
            ),
            rx.box(
                _beneficiary_section(),
                _attendance_section(),
                _professional_section("Profissional executante", "professional"),
                rx.cond(sadt, _professional_section("Profissional solicitante", "requester")),
                _procedures_section(),
                _section("Observação", _text_field("Observação / justificativa", "observation", max_length=500)),
                key=S.form_version.to_string(),
                style={"display": "flex", "flex_direction": "column", "gap": "0.75em", "width": "100%"},
            ),
            _findings(),
            _error("guide_type"),
            _error("competence"),
            rx.hstack(
                rx.cond(S.editing_id > 0, rx.button("Cancelar alteração", variant="soft", color_scheme="gray",
                                                    on_click=S.cancel_edit, id="cancel-edit", type="button")),
                rx.button(rx.icon("save", size=16), rx.cond(S.editing_id > 0, "Salvar alteração", "Salvar atendimento"),
                          on_click=S.save, id="save-attendance", size="3", type="button"),
                justify="end", width="100%", spacing="3", wrap="wrap",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
        id="attendance-form",
        custom_attrs={"aria-labelledby": "form-title", "role": "form"},
    )


# ---- the competência's list ------------------------------------------------------------------------


def _delete_button(row: AttendanceLine) -> rx.Component:
    return confirm_dialog(
        rx.button("Excluir", size="1", variant="outline", color_scheme="red", class_name="delete-attendance"),
        ["Excluir o atendimento ", row.number, "?"],
        ["O atendimento de ", row.beneficiary, " (", row.total, ") será apagado e não poderá ser recuperado."],
        "Excluir",
        S.delete(row.id),
        confirm_class="delete-confirm",
    )


def _row(row: AttendanceLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.number, white_space="nowrap", class_name="attendance-number"),
        rx.table.cell(row.guide_type),
        rx.table.cell(rx.text(row.beneficiary), rx.text(row.card, size="1", color_scheme="gray")),
        rx.table.cell(row.performed_on, white_space="nowrap"),
        rx.table.cell(row.total, text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(ATTENDANCE_STATUS, row.status), rx.cond(
            row.protocol != "", rx.text("Protocolo ", row.protocol, size="1", color_scheme="gray"))),
        actions_cell(rx.cond(row.editable, rx.hstack(
            rx.button("Editar", size="1", variant="soft", on_click=S.edit(row.id), class_name="edit-attendance"),
            _delete_button(row),
            spacing="2",
        ), rx.text("—", size="1", color_scheme="gray"))),
        class_name="attendance-row",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Atendimentos digitados na competência", size="4", as_="h2"),
            rx.spacer(),
            rx.vstack(
                field_label("Competência", "att-competence"),
                rx.input(type="month", id="att-competence", value=S.competence,
                         on_change=S.set_competence, width="11em"),
                spacing="1",
            ),
            align="end", width="100%", wrap="wrap", spacing="3",
        ),
        loaded_or_skeleton(S.loaded, data_table(
            ["Nº", "Tipo", "Beneficiário", "Atendimento", "Total", "Situação", "Ações"],
            rx.foreach(S.rows, _row), table_id="attendances-table",
            is_empty=S.rows.length() == 0,
            empty=empty_state(
                "Nenhum atendimento digitado nesta competência",
                "Digite acima as consultas e os exames realizados; ao fim do mês, feche-os em Fechar atendimentos "
                "para gerar o protocolo.",
                rx.link("Fechar atendimentos", href=routes.CLOSING.path),
                id="attendances-empty",
            ),
        )),
        pager(S.page, S.page_count, S.total, S.go_to_page),
        spacing="3", width="100%",
    )


def attendances_page() -> rx.Component:
    return page_shell(
        routes.ATTENDANCES,
        rx.text("Digite cada atendimento como na guia em papel: Tab passa de um campo ao outro e, na busca de "
                "procedimentos, Enter adiciona o escolhido. Os atendimentos ficam como digitados até o fechamento.",
                size="2", color_scheme="gray"),
        rx.cond(S.saved_message != "", rx.callout.root(
            rx.callout.icon(rx.icon("circle-check")), rx.callout.text(S.saved_message),
            color_scheme="green", width="100%", id="saved-message", role="status")),
        _form(),
        rx.el.datalist(*[rx.el.option(value=code) for code in domains.values("dm_CBOS")], id=CBOS_LIST),
        _list(),
    )
