"""Recursos de glosa (staff): the queue as cards (they reflow on a phone), counts per status, and the
decision dialog that says what will happen before it is recorded."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field, money_input, select_field
from copass_app.components.shell import page_shell
from copass_app.components.ui import pager, status_badge
from copass_app.pages.staff import provider_select, status_chip_bar
from copass_app.state.appeals_staff import AppealLine, AppealsQueueState
from copass_app.state.paging import ALL
from copass_app.vocabulary import APPEAL_STATUS

S = AppealsQueueState


def _filters() -> rx.Component:
    return rx.vstack(
        rx.form(rx.hstack(
            provider_select(S.providers, field_id="appeals-provider", default_value=ALL),
            labelled_field("Abertos de", rx.input(type="date", name="date_from"), field_id="appeals-from"),
            labelled_field("Abertos até", rx.input(type="date", name="date_to"), field_id="appeals-to"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit"),
            align="end", spacing="3", wrap="wrap",
        ), on_submit=S.apply_filters, reset_on_submit=False),
        rx.hstack(
            select_field("Situação", APPEAL_STATUS.options(), field_id="appeals-status", all_label="Todas",
                         value=rx.cond(S.status == "", ALL, S.status), on_change=S.filter_status),
            status_chip_bar(S.chips, S.status, S.filter_status, bar_id="appeals-counts"),
            align="end", spacing="4", wrap="wrap",
        ),
        spacing="3", width="100%",
    )


def _line(label: str, *value) -> rx.Component:
    return rx.text(rx.text.span(label, color_scheme="gray"), " ", *value, size="2")


def _card(a: AppealLine) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading("Recurso ", a.id, size="3", as_="h2"),
            status_badge(APPEAL_STATUS, a.status),
            rx.spacer(),
            rx.text(a.provider, size="2", weight="bold"),
            align="center", spacing="3", width="100%", wrap="wrap",
        ),
        rx.hstack(
            _line("Lote:", rx.link(a.protocol, href=a.batch_href)),
            _line("Guia:", a.guide, " · ", a.beneficiary),
            _line("Item:", a.item, " (", a.item_value, ")"),
            spacing="4", wrap="wrap",
        ),
        _line("Glosa:", rx.text.strong(a.glosa), " — ", a.reason),
        rx.cond(a.glosa_note != "", _line("Observação da glosa:", a.glosa_note)),
        rx.box(rx.text("Justificativa do prestador", size="1", weight="bold"),
               rx.text(a.justification, size="2", white_space="pre-wrap", class_name="appeal-justification"),
               padding="0.5em 0.75em", background=rx.color("gray", 2), border_radius="6px", width="100%"),
        rx.hstack(
            _line("Valor contestado:", rx.text.strong(a.contested, class_name="appeal-contested")),
            _line("Aberto em", a.opened_at),
            rx.cond(~a.can_decide, _line("Valor aceito:", rx.text.strong(a.accepted))),
            rx.cond(a.decided_at != "", _line("Decidido em", a.decided_at)),
            spacing="4", wrap="wrap",
        ),
        rx.cond(a.decision_note != "", _line("Motivo da decisão:", a.decision_note)),
        rx.cond(a.paid != "", rx.text(a.paid, size="2", color_scheme="green")),
        rx.cond(a.can_decide, rx.hstack(
            rx.button("Aceitar", size="2", color_scheme="green", on_click=S.open_decision(a.id, "accept"),
                      class_name="appeal-accept"),
            rx.button("Aceitar parcialmente", size="2", variant="soft", on_click=S.open_decision(a.id, "accept_partly"),
                      class_name="appeal-accept-partly"),
            rx.button("Recusar", size="2", variant="soft", color_scheme="red", on_click=S.open_decision(a.id, "refuse"),
                      class_name="appeal-refuse"),
            spacing="2", wrap="wrap",
        )),
        spacing="2", width="100%",
    ), width="100%", class_name="appeal-card")


def _decision_dialog() -> rx.Component:
    a = S.decision_appeal
    consequence = rx.match(
        S.decision,
        ("accept", rx.text("O valor contestado, ", rx.text.strong(a.contested), ", será aceito e pago ao prestador "
                           "no próximo pagamento.", size="2")),
        ("accept_partly", rx.text("O valor aceito abaixo (maior que zero e menor que o contestado, ", a.contested,
                                  ") será pago ao prestador no próximo pagamento.", size="2")),
        rx.text("O recurso será recusado e esta glosa não poderá receber outro recurso.", size="2"),
    )
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(S.decision_title, " ", a.id, "?"),
        rx.dialog.description(a.provider, " · glosa de ", a.glosa, " · ", a.reason, size="2"),
        rx.vstack(
            consequence,
            rx.cond(S.decision == "accept_partly",
                    money_input("Valor aceito", field_id="appeal-accepted-value", value=S.accepted_value,
                                on_change=S.set_accepted_value)),
            labelled_field(rx.cond(S.decision == "refuse", "Motivo da recusa (obrigatório)", "Observação (opcional)"),
                           rx.text_area(value=S.decision_note, on_change=S.set_decision_note, width="100%",
                                        max_length=500),
                           field_id="appeal-decision-note", width="100%"),
            rx.text("Esta decisão não pode ser desfeita.", size="1", color_scheme="gray"),
            rx.hstack(
                rx.dialog.close(rx.button("Cancelar", variant="soft", color_scheme="gray",
                                          class_name="appeal-decision-cancel")),
                rx.button("Confirmar decisão", on_click=S.confirm_decision, id="appeal-decision-confirm",
                          color_scheme=rx.cond(S.decision == "refuse", "red", "green")),
                justify="end", spacing="3", width="100%",
            ),
            spacing="3", width="100%",
        ),
        max_width="34em", id="appeal-decision-dialog",
    ), open=S.decision_open, on_open_change=S.set_decision_open)


def appeals_queue_page() -> rx.Component:
    return page_shell(
        routes.APPEALS_QUEUE,
        _filters(),
        loaded_or_skeleton(S.loaded, rx.cond(
            S.rows.length() == 0,
            empty_state("Nenhum recurso com estes filtros",
                        "Os recursos abertos pelos prestadores aparecem aqui. Escolha outra situação (ou Todas).",
                        id="appeals-empty"),
            rx.vstack(rx.foreach(S.rows, _card), spacing="3", width="100%", id="appeals-list"),
        )),
        pager(S.page, S.page_count, S.total, S.go_to_page),
        _decision_dialog(),
    )
