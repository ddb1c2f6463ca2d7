"""Análise do lote: header and totals, the guides with their items (cards that reflow on a phone), the
critique's proposals marked as such, per item "Aceitar" or "Glosar", accept all, and concluding."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field, money_input
from copass_app.components.shell import page_shell
from copass_app.components.ui import status_badge
from copass_app.state.analysis import AnalysisState, GlosaLine, GuideLine, ItemLine, ReasonLine
from copass_app.vocabulary import BATCH_STATUS

S = AnalysisState
H = AnalysisState.head


def _figure(label: str, value: rx.Var, figure_id: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="4", weight="bold",
                     id=figure_id, white_space="nowrap"), spacing="0", min_width="9em")


def _header() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading("Protocolo ", H.protocol, size="4", as_="h2", id="analysis-protocol"),
            status_badge(BATCH_STATUS, H.status, id="analysis-status"),
            align="center", spacing="3", wrap="wrap",
        ),
        rx.hstack(
            rx.text("Prestador: ", rx.text.strong(H.provider), size="2"),
            rx.text("Lote ", H.lot, " · ", H.guide_type, size="2"),
            rx.text("Competência: ", H.competence, size="2"),
            rx.text("Recebido em ", H.received_at, size="2"),
            rx.text("Processado em ", H.processed_at, size="2"),
            spacing="4", wrap="wrap",
        ),
        rx.cond(H.analysed != "", rx.text(H.analysed, size="2", color_scheme="gray", id="analysis-done")),
        rx.hstack(
            _figure("Informado", H.total, "total-informed"),
            _figure("Glosa", H.glosa, "total-glosa"),
            _figure("Liberado", H.approved, "total-approved"),
            _figure("Itens", H.item_count, "total-items"),
            spacing="5", wrap="wrap",
        ),
        spacing="3", width="100%",
    ), width="100%")


def _actions() -> rx.Component:
    start = confirm_dialog(
        rx.button("Iniciar análise", id="start-analysis"),
        ["Iniciar a análise do lote ", H.protocol, "?"],
        "A data de processamento será registrada, o prestador não poderá mais estornar o lote e a crítica "
        "automática proporá as glosas que encontrar. Esta ação não pode ser desfeita.",
        "Iniciar análise", S.start_analysis, danger=False, confirm_class="start-analysis-confirm")
    accept_all = confirm_dialog(
        rx.button("Aceitar todos", variant="soft", id="accept-all"),
        "Aceitar todos os itens sem decisão?",
        "Cada item sem decisão e sem proposta da crítica pendente será aprovado integralmente. Itens com "
        "proposta continuam aguardando. Até concluir a análise, cada decisão pode ser mudada.",
        "Aceitar todos", S.accept_all, danger=False, confirm_class="accept-all-confirm")
    accept_proposals = confirm_dialog(
        rx.button("Aceitar todas as propostas", variant="soft", color_scheme="orange", id="accept-proposals"),
        "Aceitar todas as propostas da crítica?",
        ["As ", H.pending, " proposta(s) pendentes viram glosas aplicadas (em cada item, a maior proposta). "
         "Até concluir a análise, cada decisão pode ser mudada."],
        "Aceitar as propostas", S.accept_all_proposals, confirm_class="accept-proposals-confirm")
    finish = confirm_dialog(
        rx.button("Concluir análise", color_scheme="green", id="finish-analysis", disabled=~H.can_finish),
        ["Concluir a análise do lote ", H.protocol, "?"],
        H.finish_result, "Concluir análise", S.finish, danger=False, confirm_class="finish-confirm")
    return rx.vstack(
        rx.cond(H.can_start, rx.hstack(start, rx.text("O lote ainda não está em análise: inicie-a para decidir "
                                                      "os itens.", size="2", color_scheme="gray"),
                                       align="center", wrap="wrap")),
        rx.cond(H.editable, rx.vstack(
            rx.hstack(accept_all, rx.cond(H.pending > 0, accept_proposals), finish, spacing="3", wrap="wrap"),
            rx.cond(H.waiting != "", rx.text(H.waiting, size="2", color_scheme="amber", id="analysis-waiting",
                                             role="status")),
            spacing="2",
        )),
        spacing="2", width="100%",
    )


def _proposal(p: GlosaLine) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("sparkles")),
        rx.vstack(
            rx.text(rx.text.strong("Proposta da crítica: ", p.rule_label), " — ", p.note, size="2"),
            rx.text("Código ", p.reason_code, " · ", p.reason, " · ", rx.text.strong(p.value), size="1"),
            rx.cond(H.editable, rx.hstack(
                rx.button("Aceitar proposta", size="1", on_click=S.accept_proposal(p.id), class_name="accept-proposal"),
                rx.button("Descartar", size="1", variant="soft", color_scheme="gray",
                          on_click=S.discard_proposal(p.id), class_name="discard-proposal"),
                spacing="2", wrap="wrap",
            )),
            spacing="1",
        ),
        color_scheme="amber", size="1", width="100%", class_name="glosa-proposal",
    )


def _applied(item: ItemLine) -> rx.Component:
    g = item.glosa
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle-minus")),
        rx.vstack(
            rx.text(rx.text.strong("Glosa aplicada: ", g.value), " — código ", g.reason_code, " · ", g.reason,
                    size="2"),
            rx.cond(g.note != "", rx.text("Observação: ", g.note, size="1")),
            rx.cond(g.proposed, rx.text("Proposta da crítica (", g.rule_label, ") aceita por ", g.decided, size="1"),
                    rx.text("Por ", g.decided, size="1")),
            rx.cond(H.editable, rx.button("Remover glosa", size="1", variant="soft", color_scheme="gray",
                                          on_click=S.remove_glosa(g.id), class_name="remove-glosa")),
            spacing="1",
        ),
        color_scheme="red", size="1", width="100%", class_name="glosa-applied",
    )


def _item(item: ItemLine) -> rx.Component:
    decision_color = rx.match(item.decision, ("Aceito", "green"), ("Glosado", "red"), "amber")
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text(rx.text.strong(item.code), " · ", item.description, size="2"),
                    rx.text("Tabela ", item.table, " · ", item.quantity, " × ", item.unit_value, " = ",
                            rx.text.strong(item.total), size="1", color_scheme="gray"),
                    spacing="0", flex="1", min_width="12em",
                ),
                rx.vstack(
                    rx.badge(item.decision, color_scheme=decision_color, variant="soft", high_contrast=True,
                             class_name="item-decision"),
                    rx.text("Liberado: ", item.approved, size="1", class_name="item-approved"),
                    spacing="1", align="end",
                ),
                rx.cond(H.editable, rx.hstack(
                    rx.button("Aceitar", size="1", variant=rx.cond(item.decision == "Aceito", "solid", "outline"),
                              color_scheme="green", on_click=S.accept_item(item.id), class_name="accept-item",
                              aria_label="Aceitar o item " + item.code),
                    rx.button("Glosar", size="1", variant="outline", color_scheme="red",
                              on_click=S.open_glosa(item.id), class_name="glosa-item",
                              aria_label="Glosar o item " + item.code),
                    spacing="2",
                )),
                align="center", spacing="3", width="100%", wrap="wrap",
            ),
            rx.foreach(item.proposals, _proposal),
            rx.cond(item.has_glosa, _applied(item)),
            rx.cond(item.discarded > 0, rx.text(item.discarded, " decisão(ões) anterior(es) deste item descartada(s).",
                                                size="1", color_scheme="gray")),
            spacing="2", width="100%",
        ),
        padding="0.6em 0.75em", border=f"1px solid {rx.color('gray', 5)}", border_radius="6px", width="100%",
        class_name="analysis-item", custom_attrs={"data-item-id": item.id},
    )


def _guide(g: GuideLine) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.heading("Guia ", g.number, size="3", as_="h3"),
                rx.text(g.beneficiary, " · carteira ", g.card, " · realizada em ", g.performed_on, size="1",
                        color_scheme="gray"),
                spacing="0", flex="1", min_width="12em",
            ),
            rx.text("Total ", rx.text.strong(g.total), " · glosa ", g.glosa, size="2", white_space="nowrap"),
            rx.cond(H.editable & (g.waiting > 0), rx.button(
                "Aceitar todos da guia", size="1", variant="soft", on_click=S.accept_guide(g.guide_id),
                class_name="accept-guide")),
            align="center", spacing="3", width="100%", wrap="wrap",
        ),
        rx.foreach(g.item_lines, _item),
        spacing="2", width="100%",
    ), width="100%", class_name="analysis-guide")


def _reason(reason: ReasonLine, index: rx.Var) -> rx.Component:
    chosen = S.reason_code == reason.code
    return rx.el.button(
        rx.hstack(rx.text(reason.code, size="2", weight="bold", width="3.5em"),
                  rx.text(reason.description, size="1", flex="1", text_align="left"), width="100%"),
        type="button", on_click=S.pick_reason(index), class_name="glosa-reason",
        custom_attrs={"aria-pressed": rx.cond(chosen, "true", "false")},
        style={"width": "100%", "padding": "0.35em 0.5em", "border": "none", "border_radius": "4px",
               "cursor": "pointer", "text_align": "left",
               "background": rx.cond(chosen, rx.color("accent", 5),
                                     rx.cond(S.reason_index == index, rx.color("gray", 4), "transparent")),
               "outline": rx.cond(S.reason_index == index, f"2px solid {rx.color('accent', 8)}", "none")},
    )


def _glosa_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Glosar item"),
        rx.dialog.description(S.glosa_item, size="2"),
        rx.vstack(
            money_input("Valor da glosa", field_id="glosa-value", value=S.glosa_value, on_change=S.set_glosa_value,
                        hint="Até o valor do item. Formato: 1.234,56"),
            labelled_field("Motivo (código ou palavras da tabela 38)", rx.input(
                placeholder="Ex.: 1705 ou duplicidade", on_change=S.search_reasons.debounce(250),
                on_key_down=S.reason_key, width="100%", auto_complete="off",
                custom_attrs={"aria-controls": "glosa-reasons"}), field_id="glosa-reason-search", width="100%"),
            rx.cond(S.reasons.length() == 0,
                    empty_state("Nenhum motivo encontrado", "Busque pelo código (ex.: 1705) ou por outra palavra.",
                                id="glosa-reasons-empty"),
                    rx.box(rx.foreach(S.reasons, _reason), id="glosa-reasons", max_height="14em", overflow_y="auto",
                           width="100%", border=f"1px solid {rx.color('gray', 5)}", border_radius="6px",
                           role="group", aria_label="Motivos encontrados")),
            rx.text("Mostrando ", S.reasons.length(), " de ", S.reason_total, " motivo(s). ",
                    rx.cond(S.reason_code != "", rx.text.strong("Escolhido: ", S.reason_label),
                            "Escolha um motivo (clique, ou setas e Enter)."),
                    size="1", id="glosa-reason-chosen", role="status"),
            labelled_field("Observação (opcional)", rx.text_area(value=S.glosa_note, on_change=S.set_glosa_note,
                                                                 width="100%", max_length=1000),
                           field_id="glosa-note", width="100%"),
            rx.hstack(
                rx.dialog.close(rx.button("Cancelar", variant="soft", color_scheme="gray")),
                rx.button("Aplicar glosa", color_scheme="red", on_click=S.save_glosa, id="glosa-save",
                          disabled=S.reason_code == ""),
                justify="end", spacing="3", width="100%",
            ),
            spacing="3", width="100%",
        ),
        max_width="36em", id="glosa-dialog",
    ), open=S.glosa_open, on_open_change=S.set_glosa_open)


def _content() -> rx.Component:
    return rx.cond(
        S.found,
        rx.vstack(
            _header(),
            _actions(),
            rx.foreach(S.guides, _guide),
            rx.cond(S.guides.length() == 0, empty_state("Lote sem guias", "Este lote não tem guias a analisar.")),
            spacing="4", width="100%",
        ),
        empty_state("Lote não encontrado", "O endereço não corresponde a um lote recebido. Escolha o lote na lista.",
                    rx.link("Ir para Lotes recebidos", href=routes.RECEIVED_BATCHES.path), id="analysis-missing"),
    )


def analysis_page() -> rx.Component:
    return page_shell(
        routes.BATCH_ANALYSIS,
        rx.link("← Lotes recebidos", href=routes.RECEIVED_BATCHES.path, size="2", id="back-to-queue"),
        loaded_or_skeleton(S.loaded, _content()),
        _glosa_dialog(),
        heading="Análise do lote",
    )


__all__ = ["analysis_page"]
