"""The batch detail of Acompanhamento: its status history, totals informado/glosa/liberado, every glosa
per item (code, description, note, value) with its appeal, the payment, the downloads, and the
"Recurso de glosa" form (one item, or every glosa of a guide)."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.forms import labelled_field, money_input
from copass_app.components.ui import status_badge
from copass_app.state.batches import BatchesState
from copass_app.state.money_rows import DetailGuide, DetailItem, HistoryStep, WithholdingRow
from copass_app.vocabulary import APPEAL_STATUS, BATCH_STATUS

MAX_JUSTIFICATION = 500  # TISS st_texto500 (services/appeals.py checks it)


def _step(step: HistoryStep) -> rx.Component:
    return rx.el.li(
        status_badge(BATCH_STATUS, step.status),
        rx.text(step.at, size="1", color_scheme="gray", white_space="nowrap"),
        display="flex", align_items="center", gap="0.4em", class_name="history-step",
    )


def _history() -> rx.Component:
    return rx.vstack(
        rx.text("Andamento", size="2", weight="bold", id="history-label"),
        rx.el.ol(rx.foreach(BatchesState.summary.history, _step), display="flex", flex_wrap="wrap", gap="0.5em 1.25em",
                 list_style="none", padding="0", margin="0", id="batch-history",
                 custom_attrs={"aria-labelledby": "history-label"}),
        spacing="1",
        width="100%",
    )


def _figure(label: str, value: rx.Var, element_id: str, **props) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.text(value, size="3", weight="bold", id=element_id, white_space="nowrap", **props),
                     spacing="0")


def _totals() -> rx.Component:
    s = BatchesState.summary
    return rx.cond(
        s.analysed,
        rx.hstack(
            _figure("Informado", s.total, "total-informed"),
            _figure("Glosa", s.glosa, "total-glosa", color_scheme="red"),
            _figure("Liberado", s.approved, "total-approved", color_scheme="green"),
            rx.cond(s.has_appeals_accepted, _figure("Recursos aceitos", s.appeals_accepted, "total-appeals")),
            spacing="5",
            wrap="wrap",
            id="batch-totals",
        ),
        rx.text("Informado: ", rx.text.strong(s.total), ". As glosas e o valor liberado aparecem aqui quando a "
                "operadora concluir a análise do lote.", size="2", id="batch-not-analysed"),
    )


def _withholding(line: WithholdingRow) -> rx.Component:
    return rx.text(line.label, " (", line.rate, " sobre ", line.base, "): ", line.value, size="1",
                   color_scheme=rx.cond(line.withheld, "gray", "green"), class_name="withholding-line")


def _payment() -> rx.Component:
    p = BatchesState.summary.payment
    return rx.cond(BatchesState.summary.paid, rx.callout.root(
        rx.callout.icon(rx.icon("banknote")),
        rx.vstack(
            rx.text("Pago em ", rx.text.strong(p.paid_on), " · demonstrativo nº ", p.number, size="2"),
            rx.text("Aprovado ", p.approved, " + recursos ", p.appeals, " − retenções ", p.withholdings,
                    " = líquido ", rx.text.strong(p.net, id="batch-payment-net"), size="2"),
            rx.foreach(p.withholding_rows, _withholding),
            rx.text("Depositado em ", p.bank, " · agência ", p.agency, " · conta ", p.account, size="1"),
            rx.link("Ver o pagamento", href=f"{routes.PROVIDER_PAYMENTS.path}?pagamento=" + p.id.to_string(),
                    size="2", id="batch-payment-link"),
            spacing="1",
        ),
        color_scheme="green", high_contrast=True, width="100%", id="batch-payment",
    ))


def _appeal_state(item: DetailItem) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text("Recurso:", size="1"), status_badge(APPEAL_STATUS, item.appeal_status),
                  rx.text("contestado ", item.appeal_contested, size="1"),
                  rx.cond(item.appeal_accepted != "", rx.text("· aceito ", rx.text.strong(item.appeal_accepted),
                                                              size="1")),
                  rx.cond(item.appeal_paid, rx.text("· pago", size="1", color_scheme="green")),
                  align="center", spacing="2", wrap="wrap"),
        rx.cond(item.appeal_note != "", rx.text("Resposta da operadora: ", item.appeal_note, size="1")),
        spacing="1",
        class_name="item-appeal",
    )


def _glosa(item: DetailItem) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.badge("Glosa ", item.glosa_code, color_scheme="red", high_contrast=True),
                rx.text(item.glosa_description, size="1", flex="1", min_width="10em"),
                rx.text(item.glosa_value, size="2", weight="bold", color_scheme="red", white_space="nowrap",
                        class_name="glosa-value"),
                align="center", spacing="2", width="100%", wrap="wrap",
            ),
            rx.cond(item.glosa_note != "", rx.text("Observação da operadora: ", item.glosa_note, size="1")),
            rx.cond(item.appeal_status != "", _appeal_state(item)),
            rx.cond(item.can_appeal, rx.button(
                rx.icon("message-square-warning", size=14), "Recorrer", size="1", variant="soft",
                on_click=BatchesState.open_item_appeal(item.id), class_name="appeal-item",
                aria_label="Recorrer da glosa de " + item.code)),
            spacing="1",
            width="100%",
        ),
        padding="0.5em",
        border_radius="6px",
        background=rx.color("red", 2),
        width="100%",
        class_name="item-glosa",
    )


def _item(item: DetailItem) -> rx.Component:
    return rx.vstack(
        rx.text(rx.text.strong(item.code), " · ", item.description, size="2"),
        rx.hstack(
            rx.text("Tabela ", item.table, " · ", item.quantity, " × ", item.unit_value, " = ", item.total, size="1",
                    color_scheme="gray"),
            rx.spacer(),
            rx.cond(BatchesState.summary.analysed, rx.text("Aprovado ", rx.text.strong(item.approved), size="1",
                                                           class_name="item-approved")),
            width="100%", wrap="wrap",
        ),
        rx.cond(item.has_glosa, _glosa(item)),
        spacing="1",
        width="100%",
        padding_y="0.4em",
        border_top=f"1px solid {rx.color('gray', 4)}",
        class_name="detail-item",
    )


def _guide(guide: DetailGuide) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading("Guia ", guide.number, size="3", as_="h3"),
                    rx.text(guide.beneficiary, " · realizada em ", guide.performed_on, " · ", guide.item_count,
                            " item(ns)", size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.vstack(
                    rx.text(guide.total, size="2", weight="bold"),
                    rx.cond(guide.has_glosa, rx.text("glosa ", guide.glosa, size="1", color_scheme="red")),
                    spacing="0", align="end",
                ),
                rx.cond(guide.can_appeal, rx.button(
                    "Recorrer da guia", size="1", variant="outline", on_click=BatchesState.open_guide_appeal(
                        guide.batch_guide_id), class_name="appeal-guide",
                    aria_label="Recorrer de todas as glosas da guia " + guide.number)),
                align="center", width="100%", wrap="wrap", spacing="3",
            ),
            rx.foreach(guide.lines, _item),
            spacing="1",
            width="100%",
        ),
        padding="0.75em",
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="8px",
        width="100%",
        class_name="detail-guide",
    )


def _appeal_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(BatchesState.appeal_title),
            rx.dialog.description(BatchesState.appeal_detail, size="2"),
            rx.form(
                rx.vstack(
                    rx.cond(
                        BatchesState.appeal_whole_guide,
                        rx.text("Cada glosa sem recurso é contestada pelo seu valor integral.", size="2"),
                        money_input("Valor contestado (até o valor glosado)", field_id="appeal-value",
                                    name="contested_value", default_value=BatchesState.appeal_value,
                                    required=True),
                    ),
                    labelled_field("Justificativa", rx.text_area(
                        name="justification", required=True, min_length=10, max_length=MAX_JUSTIFICATION, rows="4",
                        width="100%", custom_attrs={"aria-describedby": "appeal-justification-hint"}),
                        field_id="appeal-justification", width="100%"),
                    rx.text("De 10 a 500 caracteres: por que a glosa não procede (o padrão TISS limita a 500). "
                            "Depois de enviado, o recurso não pode ser alterado; a operadora responde a cada item.",
                            size="1", color_scheme="gray", id="appeal-justification-hint"),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancelar", type="button", variant="soft", color_scheme="gray",
                                                  id="appeal-cancel")),
                        rx.button(rx.icon("send", size=14), "Enviar recurso", type="submit", id="appeal-submit"),
                        justify="end", spacing="3", width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=BatchesState.submit_appeal,
                reset_on_submit=False,
            ),
            max_width="36em",
            id="appeal-dialog",
        ),
        open=BatchesState.appeal_open,
        on_open_change=BatchesState.set_appeal_open,
    )


def summary_dialog() -> rx.Component:
    s = BatchesState.summary
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Lote — protocolo ", s.protocol),
            rx.vstack(
                rx.hstack(
                    rx.text("Situação: ", status_badge(BATCH_STATUS, s.status)),
                    rx.text("Competência: ", rx.text.strong(s.competence)),
                    rx.text("Pacientes: ", rx.text.strong(s.patients)),
                    rx.text("Atendimentos de ", s.first_date, " a ", s.last_date),
                    wrap="wrap",
                    spacing="4",
                ),
                _history(),
                _totals(),
                _payment(),
                rx.foreach(s.guides, _guide),
                rx.hstack(
                    rx.button(rx.icon("file-down", size=14), "Protocolo (PDF)", variant="soft",
                              on_click=BatchesState.download_protocol(s.id)),
                    rx.cond(s.analysed, rx.button(
                        rx.icon("file-code", size=14), "Demonstrativo de análise (XML)", variant="soft",
                        on_click=BatchesState.download_statement("analysis", s.id), id="download-analysis")),
                    rx.cond(s.has_appeals, rx.fragment(
                        rx.button(rx.icon("file-code", size=14), "Recurso de glosa (XML)", variant="soft",
                                  on_click=BatchesState.download_statement("appeal", s.id), id="download-appeal"),
                        rx.button(rx.icon("file-code", size=14), "Recebimento do recurso (XML)", variant="soft",
                                  on_click=BatchesState.download_statement("appeal_receipt", s.id),
                                  id="download-appeal-receipt"),
                    )),
                    rx.dialog.close(rx.button("Fechar", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            _appeal_dialog(),
            max_width="60em",
            id="batch-summary",
        ),
        open=BatchesState.summary_open,
        on_open_change=BatchesState.set_summary_open,
    )
