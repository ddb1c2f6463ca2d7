"""Pagamentos (staff): what a provider has to pay, the live preview with each withholding, registering the
payment, its detail, and the list of payments."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import field_label, labelled_field
from copass_app.components.shell import PHONE, page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.pages.staff import provider_select
from copass_app.state.paging import ALL
from copass_app.state.payments import (
    PayableAppealLine,
    PayableBatchLine,
    PaymentFigures,
    PaymentListLine,
    PaymentsState,
    WithholdingView,
)
from copass_app.vocabulary import APPEAL_STATUS

S = PaymentsState
NO_PROVIDER = "nenhum"  # not an id: choosing it clears the choice


def _provider_picker() -> rx.Component:
    return rx.vstack(
        field_label("Prestador a pagar", "pay-provider"),
        rx.select.root(
            rx.select.trigger(id="pay-provider", width="30em", style={PHONE: {"width": "100%"}}),
            rx.select.content(
                # A real first item rather than a placeholder (Radix greys a placeholder below WCAG AA).
                rx.select.item("Escolha o prestador", value=NO_PROVIDER),
                rx.foreach(S.to_pay, lambda p: rx.select.item(p.label, value=p.value)),
            ),
            value=rx.cond(S.provider_id == "", NO_PROVIDER, S.provider_id),
            on_change=S.choose_provider,
        ),
        spacing="1", style={PHONE: {"width": "100%"}},
    )


def _batch_row(b: PayableBatchLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.checkbox(checked=b.checked, on_change=lambda v: S.toggle_batch(b.id, v),
                                  aria_label="Pagar o lote de protocolo " + b.protocol, class_name="pay-batch")),
        rx.table.cell(b.protocol, white_space="nowrap"), rx.table.cell(b.competence), rx.table.cell(b.guide_type),
        rx.table.cell(b.guides, text_align="right"),
        rx.table.cell(b.gross, text_align="right", white_space="nowrap"),
        rx.table.cell(b.glosa, text_align="right", white_space="nowrap"),
        rx.table.cell(b.approved, text_align="right", white_space="nowrap"),
        rx.table.cell(b.analysed_at, white_space="nowrap"),
        class_name="payable-batch",
    )


def _appeal_row(a: PayableAppealLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.checkbox(checked=a.checked, on_change=lambda v: S.toggle_appeal(a.id, v),
                                  aria_label="Pagar o recurso " + a.id.to_string(), class_name="pay-appeal")),
        rx.table.cell(a.id), rx.table.cell(a.protocol, white_space="nowrap"), rx.table.cell(a.guide),
        rx.table.cell(a.item, min_width="14em"), rx.table.cell(a.reason, min_width="18em"),
        rx.table.cell(a.glosa, text_align="right", white_space="nowrap"),
        rx.table.cell(a.accepted, text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(APPEAL_STATUS, a.status)),
        class_name="payable-appeal",
    )


def _withholding(w: WithholdingView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(w.label), rx.table.cell(w.rate, white_space="nowrap"),
        rx.table.cell(w.base, text_align="right", white_space="nowrap"),
        rx.table.cell(rx.cond(w.withheld, w.value, rx.text(w.note, size="1", color_scheme="gray")),
                      text_align="right", white_space="nowrap"),
        class_name="withholding-line",
    )


def _figure(label: str, value: rx.Var, css_class: str, strong: bool = False) -> rx.Component:
    return rx.hstack(rx.text(label, size="2"), rx.spacer(),
                     rx.text(value, size="3" if strong else "2", weight="bold" if strong else "regular",
                             class_name=css_class, white_space="nowrap"),
                     width="100%", max_width="28em")


def figures(f: PaymentFigures, prefix: str) -> rx.Component:
    """Gross, glosa, approved, appeals, each withholding, net and the bank data (preview or payment)."""
    return rx.vstack(
        _figure("Bruto (informado)", f.gross, f"{prefix}-gross"),
        _figure("Glosa", f.glosa, f"{prefix}-glosa"),
        _figure("Aprovado", f.approved, f"{prefix}-approved"),
        _figure("Recursos aceitos", f.appeals, f"{prefix}-appeals"),
        _figure("Base das retenções", f.base, f"{prefix}-base"),
        data_table(["Tributo", "Alíquota", "Base", "Retido"], rx.foreach(f.withholdings, _withholding),
                   table_id=f"{prefix}-withholdings", actions=False, size="1"),
        _figure("Total retido", f.withheld, f"{prefix}-withheld"),
        _figure("Líquido a pagar", f.net, f"{prefix}-net", strong=True),
        rx.text("Dados bancários: banco ", f.bank, " · agência ", f.agency, " · conta ", f.account, size="2",
                class_name=f"{prefix}-bank"),
        spacing="2", width="100%",
    )


def _preview() -> rx.Component:
    register = confirm_dialog(
        rx.button("Registrar pagamento", id="register-payment", disabled=~S.preview.has_bank),
        ["Registrar o pagamento de ", S.preview.net, " a ", S.preview.provider, "?"],
        ["Em ", S.preview.paid_on, ": ", S.preview.batch_count, " lote(s) passam a \"pagamento efetuado\" e ",
         S.preview.appeal_count, " recurso(s) ficam pagos. Esta ação não pode ser desfeita."],
        "Registrar pagamento", S.register, danger=False, confirm_class="register-payment-confirm")
    return rx.cond(
        S.has_preview,
        rx.card(rx.vstack(
            rx.heading("Prévia do pagamento", size="3", as_="h2"),
            figures(S.preview, "preview"),
            rx.cond(~S.preview.has_bank, rx.callout("O cadastro do prestador não tem banco, agência e conta "
                                                     "completos: complete-os antes de registrar.",
                                                     icon="triangle-alert", color_scheme="red")),
            register,
            spacing="3", width="100%",
        ), width="100%", id="payment-preview"),
        rx.cond(S.preview_problem != "", rx.callout(S.preview_problem, icon="info", color_scheme="amber",
                                                    id="preview-problem", role="status")),
    )


def _payable() -> rx.Component:
    return rx.cond(
        S.provider_id == "",
        rx.cond(S.to_pay.length() == 0,
                empty_state("Nada a pagar", "Não há lotes liberados para pagamento nem recursos aceitos sem "
                            "pagamento. Conclua análises em Lotes recebidos ou decida recursos de glosa.",
                            id="nothing-to-pay")),
        rx.vstack(
            rx.heading("Lotes liberados", size="3", as_="h2"),
            data_table(["", "Protocolo", "Competência", "Tipo", "Guias", "Informado", "Glosa", "Aprovado",
                        "Analisado em"], rx.foreach(S.batches, _batch_row), table_id="payable-batches",
                       actions=False, is_empty=S.batches.length() == 0,
                       empty=empty_state("Nenhum lote liberado", "Este prestador não tem lotes a pagar.")),
            rx.heading("Recursos aceitos sem pagamento", size="3", as_="h2"),
            data_table(["", "Recurso", "Protocolo", "Guia", "Item", "Motivo da glosa", "Glosa", "Aceito",
                        "Situação"], rx.foreach(S.appeals, _appeal_row), table_id="payable-appeals", actions=False,
                       is_empty=S.appeals.length() == 0,
                       empty=empty_state("Nenhum recurso aceito a pagar", "Os valores de recursos aceitos "
                                         "aparecem aqui até serem pagos.")),
            labelled_field("Data do pagamento", rx.input(type="date", value=S.paid_on, on_change=S.set_paid_on,
                                                         width="12em"), field_id="paid-on"),
            _preview(),
            spacing="3", width="100%",
        ),
    )


def _registered() -> rx.Component:
    r = S.registered
    return rx.cond(S.has_registered, rx.card(rx.vstack(
        rx.hstack(rx.heading("Pagamento nº ", r.number, size="3", as_="h2", id="payment-number"), rx.spacer(),
                  rx.button("Fechar", size="1", variant="soft", color_scheme="gray", on_click=S.close_payment),
                  width="100%", align="center", wrap="wrap"),
        rx.text(r.provider, " · pago em ", r.paid_on, " · lotes (protocolos): ", r.protocols, size="2"),
        figures(r, "payment"),
        spacing="3", width="100%",
    ), width="100%", id="payment-detail"))


def _list_row(r: PaymentListLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.number, white_space="nowrap"), rx.table.cell(r.paid_on),
        rx.table.cell(r.provider, min_width="14em"),
        rx.table.cell(r.batches, text_align="right"),
        rx.table.cell(r.gross, text_align="right", white_space="nowrap"),
        rx.table.cell(r.glosa, text_align="right", white_space="nowrap"),
        rx.table.cell(r.appeals, text_align="right", white_space="nowrap"),
        rx.table.cell(r.withheld, text_align="right", white_space="nowrap"),
        rx.table.cell(r.net, text_align="right", white_space="nowrap"),
        actions_cell(rx.button("Detalhes", size="1", variant="soft", on_click=S.open_payment(r.id),
                               class_name="open-payment")),
        class_name="payment-row",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.heading("Pagamentos registrados", size="4", as_="h2"),
        rx.form(rx.hstack(
            provider_select(S.providers, field_id="payments-provider", default_value=ALL),
            labelled_field("Pagos de", rx.input(type="date", name="date_from"), field_id="payments-from"),
            labelled_field("Pagos até", rx.input(type="date", name="date_to"), field_id="payments-to"),
            labelled_field("Número", rx.input(name="number", input_mode="numeric", width="10em"),
                           field_id="payments-number"),
            rx.button(rx.icon("search", size=14), "Filtrar", type="submit"),
            align="end", spacing="3", wrap="wrap",
        ), on_submit=S.filter_payments, reset_on_submit=False),
        loaded_or_skeleton(S.loaded, data_table(
            ["Número", "Pago em", "Prestador", "Lotes", "Bruto", "Glosa", "Recursos", "Retido", "Líquido", "Ações"],
            rx.foreach(S.rows, _list_row), table_id="payments-table", is_empty=S.rows.length() == 0,
            empty=empty_state("Nenhum pagamento encontrado", "Mude os filtros, ou registre um pagamento acima."),
        )),
        pager(S.page, S.page_count, S.total, S.go_to_page),
        spacing="3", width="100%",
    )


def payments_page() -> rx.Component:
    return page_shell(
        routes.PAYMENTS,
        _registered(),
        loaded_or_skeleton(S.loaded, rx.vstack(_provider_picker(), _payable(), spacing="3", width="100%")),
        rx.divider(),
        _list(),
    )
