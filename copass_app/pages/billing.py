""""Faturamento de atendimentos": pick a period, choose guides, fix dates, add fees and materials, confirm."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state
from copass_app.components.forms import field_label, labelled_field
from copass_app.components.shell import page_shell
from copass_app.components.ui import pager
from copass_app.pages.glosa_preview import draft_preview_section
from copass_app.state.billing import CATALOG_LABELS, BillingState, DraftGuideCard, DraftItemLine, DraftSelectionState


def _period_form() -> rx.Component:
    by_dates = BillingState.period_mode == "dates"
    return rx.form(
        rx.hstack(
            rx.vstack(
                rx.text("Escolher por", size="2", weight="medium", id="period-mode-label"),
                rx.segmented_control.root(
                    rx.segmented_control.item("Por período", value="dates"),
                    rx.segmented_control.item("Por competência", value="competence"),
                    value=BillingState.period_mode, on_change=BillingState.set_period_mode, id="period-mode",
                    custom_attrs={"aria-labelledby": "period-mode-label"},
                ),
                spacing="1",
            ),
            rx.cond(
                by_dates,
                rx.hstack(
                    labelled_field("Realizadas de", rx.input(type="date", name="start"), field_id="period-start"),
                    labelled_field("Realizadas até", rx.input(type="date", name="end"), field_id="period-end"),
                    spacing="3", wrap="wrap",
                ),
                labelled_field("Competência", rx.input(type="month", name="competence"), field_id="period-competence"),
            ),
            rx.button(rx.icon("receipt", size=16), "Faturar", type="submit", id="faturar", size="3"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=BillingState.open_period,
        reset_on_submit=False,
    )


def _discard_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Descartar as alterações deste faturamento?"),
            rx.alert_dialog.description(
                "Outro período começa um faturamento novo: as guias desmarcadas, as datas corrigidas e os itens "
                "adicionados ao faturamento atual serão perdidos."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Manter o faturamento atual", variant="soft", color_scheme="gray",
                                                 on_click=BillingState.keep_draft, id="discard-keep")),
                rx.alert_dialog.action(rx.button("Descartar e faturar o novo período", color_scheme="red",
                                                 on_click=BillingState.confirm_discard, id="discard-confirm")),
                justify="end", spacing="3", margin_top="1em", wrap="wrap",
            ),
        ),
        open=BillingState.discard_open,
        id="discard-dialog",
    )


def _stat(label: str, value: rx.Var | rx.Component, element_id: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.text(value, size="4", weight="bold", id=element_id),
                     spacing="0")


def _summary_bar() -> rx.Component:
    summary = DraftSelectionState.summary
    return rx.card(
        rx.hstack(
            _stat("Período", summary.period, "summary-period"),
            _stat("Competência", summary.competence, "summary-competence"),
            _stat("Guias selecionadas", rx.fragment(summary.guides, " de ", summary.available), "summary-guides"),
            _stat("Itens", summary.item_count, "summary-items"),
            _stat("Valor", summary.value, "summary-value"),
            rx.spacer(),
            rx.button("Selecionar todas", variant="soft", on_click=BillingState.select_all(True), id="select-all"),
            rx.button("Nenhuma", variant="soft", color_scheme="gray", on_click=BillingState.select_all(False),
                      id="select-none"),
            _confirm_button(),
            _cancel_button(),
            align="center",
            spacing="5",
            wrap="wrap",
        ),
        width="100%",
        position="sticky",
        top="0",
        z_index="5",
    )


def _confirm_button() -> rx.Component:
    summary = DraftSelectionState.summary
    nothing = summary.guides == 0
    return rx.alert_dialog.root(
        rx.vstack(
            rx.alert_dialog.trigger(rx.button(rx.icon("send", size=16), "Confirmar envio", id="confirm-open",
                                              color_scheme="teal", disabled=nothing,
                                              custom_attrs={"aria-describedby": "confirm-reason"})),
            rx.cond(nothing, rx.text("Marque ao menos uma guia para enviar.", size="1", color_scheme="gray",
                                     id="confirm-reason")),
            spacing="1",
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Confirmar envio"),
            rx.alert_dialog.description(
                "Enviar ", summary.guides, " guia(s), no valor de ", summary.value,
                ", para a operadora? Cada lote tem um só tipo de guia e até 100 guias.",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Voltar", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Confirmar envio", on_click=BillingState.confirm, id="confirm-send")),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def _cancel_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Cancelar", variant="outline", color_scheme="red", id="cancel-open")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancelar faturamento"),
            rx.alert_dialog.description(
                "Descartar as escolhas, datas alteradas e itens adicionados? As guias continuam disponíveis."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Voltar", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Descartar", color_scheme="red", on_click=BillingState.cancel,
                                                 id="cancel-confirm")),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def _confirmed() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(
            rx.text("Lotes recebidos pela operadora. Guarde os protocolos:", weight="bold"),
            rx.foreach(BillingState.confirmed, lambda b: rx.hstack(
                rx.text("Protocolo ", rx.text.strong(b.protocol), " · lote ", b.lot, " · ", b.guides,
                        " guia(s) · ", b.total),
                rx.button(rx.icon("download", size=14), "Protocolo (PDF)", size="1", variant="soft",
                          on_click=BillingState.download_protocol(b.batch_id), class_name="download-protocol"),
                align="center",
            )),
            rx.link("Acompanhar faturamentos", href=routes.BATCHES.path),
            spacing="2",
        ),
        color_scheme="green",
        width="100%",
        id="confirmed",
    )


def _item_row(item: DraftItemLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.table),
        rx.table.cell(item.code),
        rx.table.cell(item.description),
        rx.table.cell(item.quantity, text_align="right"),
        rx.table.cell(
            rx.vstack(rx.text(item.unit_value),
                      rx.cond(item.above_contract != "",
                              rx.text(item.above_contract, size="1", color_scheme="amber",
                                      class_name="above-contract")),
                      spacing="0", align="end"),
            text_align="right", white_space="nowrap"),
        rx.table.cell(item.total, text_align="right", white_space="nowrap"),
        rx.table.cell(rx.cond(
            item.extra_id > 0,
            rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                           on_click=BillingState.remove_extra(item.extra_id), aria_label="Remover item",
                           class_name="remove-extra"),
        )),
        class_name="draft-item",
    )


def _guide_card(guide: DraftGuideCard) -> rx.Component:
    key = guide.id.to_string()
    return billing_guide_card(guide=guide, included=DraftSelectionState.included[key],
                              performed=DraftSelectionState.performed[key],
                              changed=DraftSelectionState.date_changed[key],
                              refusal=DraftSelectionState.date_refusal[key])


DATE_DEBOUNCE_MS = 0  # see the date field: refusals wait for on_blur, not for a pause in typing

# A React memo fed only this guide's values: a click re-renders its own card, not the page's 20
# (reading BillingState inside would re-render every card on every change of the state).
@rx.memo
def billing_guide_card(guide: rx.Var[DraftGuideCard], included: rx.Var[bool], performed: rx.Var[str],
                       changed: rx.Var[bool], refusal: rx.Var[str]) -> rx.Component:
    date_id = "performed-" + guide.id.to_string()
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.el.input(type="checkbox", checked=included,
                            on_click=DraftSelectionState.toggle_guide(guide.id, ~included),
                            class_name="guide-check", aria_label="Incluir a guia " + guide.number,
                            width="20px", height="20px", accent_color=rx.color("accent", 9), cursor="pointer"),
                rx.vstack(
                    rx.hstack(rx.badge(guide.guide_type), rx.text("Guia ", rx.text.strong(guide.number),
                                                                  class_name="guide-number"),
                              rx.text("Operadora: ", guide.operator_number, size="1", color_scheme="gray"),
                              align="center"),
                    rx.text(guide.beneficiary, " · carteira ", guide.card, size="2"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.vstack(
                    field_label("Realização", date_id),
                    # Sent at once (no debounce: a date picked shows in a few ms). Typed by keyboard, a
                    # date passes through intermediate values (day 01 on the way to 12) that a rule may
                    # refuse: the refusal is said under the field and the typed text stays under the
                    # user's fingers; leaving the field (on_blur) puts the stored date back.
                    rx.debounce_input(
                        rx.input(type="date", id=date_id,
                                 on_change=lambda value: DraftSelectionState.change_date(guide.id, value),
                                 on_blur=lambda _value: DraftSelectionState.settle_date(guide.id),
                                 class_name="performed-date",
                                 aria_invalid=rx.cond(refusal != "", "true", "false"),
                                 aria_describedby="refusal-" + guide.id.to_string(),
                                 border=rx.cond(changed, f"1px solid {rx.color('amber', 8)}", "")),
                        value=performed, debounce_timeout=DATE_DEBOUNCE_MS),
                    rx.cond(changed, rx.text("data corrigida", size="1", color_scheme="amber")),
                    rx.text(refusal, id="refusal-" + guide.id.to_string(), class_name="date-refusal",
                            size="1", color_scheme="red", role="status", max_width="16em"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.text("Valor da guia", size="1", color_scheme="gray"),
                    rx.text(guide.total, weight="bold", class_name="guide-total"),
                    spacing="1",
                    align="end",
                ),
                rx.vstack(
                    rx.button(rx.icon("plus", size=14), "Taxas", size="1", variant="soft", class_name="add-fees",
                              on_click=BillingState.open_catalog(guide.id, guide.number, "fees")),
                    rx.button(rx.icon("plus", size=14), "Materiais/medicamentos", size="1", variant="soft",
                              class_name="add-materials",
                              on_click=BillingState.open_catalog(guide.id, guide.number, "materials")),
                    spacing="1",
                ),
                align="center",
                width="100%",
                spacing="4",
            ),
            guide_lines_table(lines=guide.lines),
            spacing="2",
            width="100%",
        ),
        width="100%",
        opacity=rx.cond(included, "1", "0.55"),
        class_name="billing-guide",
        custom_attrs={"data-date-changed": rx.cond(changed, "sim", "não")},
    )


# Its own memo: checking the guide or changing its date re-renders the card, not its lines (the same list).
@rx.memo
def guide_lines_table(lines: rx.Var[list[DraftItemLine]]) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("Tabela", "Código", "Descrição", "Qtd.", "Unitário", "Total", "")])),
        rx.table.body(rx.foreach(lines, _item_row)),
        size="1",
        width="100%",
    )


def _catalog_hits() -> rx.Component:
    return rx.cond(
        BillingState.searched & (BillingState.hits.length() == 0),
        empty_state("Nenhum item encontrado no catálogo",
                    "Confira a grafia, busque por outra palavra ou pelo código TUSS, ou troque a tabela.",
                    id="catalog-empty"),
        rx.box(
            # Buttons: Tab reaches each hit, Enter or a click chooses it; the arrows move from the search field.
            rx.foreach(BillingState.hits, lambda hit, index: rx.el.button(
                rx.hstack(
                    rx.text(hit.code, size="2", width="7em", color_scheme="gray"),
                    rx.text(hit.name, size="2", flex="1", text_align="left"),
                    rx.text(hit.price, size="2", white_space="nowrap"),
                    width="100%",
                ),
                type="button",
                padding="0.35em 0.5em",
                cursor="pointer",
                border="none",
                border_radius="4px",
                width="100%",
                background=rx.cond(BillingState.selected_hit == index, rx.color("accent", 4), "transparent"),
                custom_attrs={"aria-pressed": rx.cond(BillingState.selected_hit == index, "true", "false")},
                on_click=BillingState.pick(index),
                on_double_click=BillingState.pick(index),
                class_name="catalog-hit",
            )),
            max_height="16em",
            overflow_y="auto",
            width="100%",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="6px",
            id="catalog-hits",
        ),
    )


def _repeat_question() -> rx.Component:
    return rx.cond(BillingState.repeat_question != "", rx.callout.root(
        rx.callout.icon(rx.icon("copy")),
        rx.vstack(
            rx.text(BillingState.repeat_question, size="2"),
            rx.hstack(
                rx.button("Somar à linha existente", size="1", on_click=BillingState.add_repeated(True),
                          id="repeat-merge"),
                rx.button("Adicionar outra linha", size="1", variant="soft", on_click=BillingState.add_repeated(False),
                          id="repeat-new-line"),
                rx.button("Cancelar", size="1", variant="soft", color_scheme="gray",
                          on_click=BillingState.cancel_repeat, id="repeat-cancel"),
                spacing="2", wrap="wrap",
            ),
            spacing="2",
        ),
        color_scheme="amber", width="100%", id="repeat-question", role="alertdialog",
    ))


def _catalog_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Adicionar itens à guia ", BillingState.dialog_guide_label),
            rx.vstack(
                rx.cond(
                    BillingState.dialog_tables.length() > 1,
                    rx.segmented_control.root(
                        *[rx.segmented_control.item(CATALOG_LABELS[t], value=t) for t in ("19", "20")],
                        value=BillingState.dialog_table,
                        on_change=BillingState.set_dialog_table,
                    ),
                    rx.text(CATALOG_LABELS["18"], size="2", color_scheme="gray"),
                ),
                # Uncontrolled: a controlled value would fight the debounce while the user types.
                labelled_field("Buscar no catálogo", rx.input(
                    placeholder="Nome ou código…", on_change=BillingState.search.debounce(250),
                    on_key_down=BillingState.search_key, auto_focus=True, width="100%"),
                    field_id="catalog-search", width="100%"),
                _catalog_hits(),
                rx.hstack(
                    # Text inputs: a number input would refuse the decimal comma (1,2345).
                    labelled_field("Quantidade", rx.input(value=BillingState.quantity, input_mode="decimal",
                                                          on_change=BillingState.set_quantity, width="7em"),
                                   field_id="catalog-quantity"),
                    labelled_field("Valor unitário (R$)", rx.input(value=BillingState.unit_value, input_mode="decimal",
                                                                   on_change=BillingState.set_unit_value, width="10em"),
                                   field_id="catalog-value"),
                    rx.button(rx.icon("plus", size=14), "Adicionar", on_click=BillingState.add_selected,
                              id="catalog-add"),
                    align="end",
                    spacing="3",
                ),
                _repeat_question(),
                rx.cond(BillingState.added_in_dialog.length() > 0, rx.vstack(
                    rx.text("Adicionados nesta guia:", size="2", weight="bold"),
                    rx.foreach(BillingState.added_in_dialog, lambda line: rx.text("• ", line, size="2")),
                    spacing="1",
                    id="catalog-added",
                )),
                rx.hstack(rx.button("Concluir", on_click=BillingState.close_catalog, id="catalog-done"), justify="end",
                          width="100%"),
                spacing="3",
                width="100%",
            ),
            max_width="48em",
            id="catalog-dialog",
        ),
        open=BillingState.dialog_open,
        on_open_change=BillingState.set_dialog_open,
    )


def billing_page() -> rx.Component:
    return page_shell(
        routes.BILLING,
        rx.text("Escolha o período de realização e clique em Faturar: a lista traz as guias autorizadas e realizadas "
                "no período que ainda não foram faturadas.", size="2", color_scheme="gray"),
        _period_form(),
        _discard_dialog(),
        rx.cond(BillingState.confirmed.length() > 0, _confirmed()),
        rx.cond(
            BillingState.has_draft,
            rx.vstack(
                _summary_bar(),
                draft_preview_section(BillingState, DraftSelectionState.summary),
                rx.cond(BillingState.guides.length() == 0,
                        empty_state("Nenhuma guia a faturar neste período",
                                    "Só aparecem guias autorizadas, realizadas no período e ainda não faturadas. "
                                    "Escolha outro período e clique em Faturar.", id="no-guides")),
                rx.foreach(BillingState.guides, _guide_card),
                pager(BillingState.page, BillingState.page_count, DraftSelectionState.summary.available,
                      BillingState.go_to_page),
                spacing="3",
                width="100%",
            ),
        ),
        _catalog_dialog(),
    )
