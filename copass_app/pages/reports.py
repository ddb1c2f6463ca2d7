"""Relatórios: valores para emissão de NF, demonstrativos de pagamento, extrato sintético and glosas —
each a filtered table (paged on the server) with its totals line, and its PDF and CSV. The same layout for
a provider (its own data) and for the operator's staff (a provider filter more)."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import data_table
from copass_app.components.ui import pager
from copass_app.pages.staff import provider_select
from copass_app.routes import Route
from copass_app.services.reports.exports import ReportKind
from copass_app.state.paging import ALL
from copass_app.state.reports import BY_PROCEDURE, BY_REASON, ProviderReportsState, ReportLine, StaffReportsState

INTRO = {
    ReportKind.NF: "Bruto, glosa, aprovado, cada retenção (IRRF, PIS, COFINS, CSLL e ISS, pelo perfil tributário "
                   "do prestador) e o líquido de cada pagamento do período, e o que está liberado e ainda não foi "
                   "pago: os valores para emitir a nota fiscal.",
    ReportKind.STATEMENTS: "Uma linha por pagamento do período, com os totais. Cada linha abre o detalhe do "
                           "pagamento e o demonstrativo TISS (XML).",
    ReportKind.EXTRATO: "Os beneficiários atendidos (nome e carteira), o valor de cada guia, o favorecido com os "
                        "dados bancários e o total bruto: lotes pagos no período e liberados a pagar.",
    ReportKind.GLOSAS: "As glosas dos lotes analisados no período, por motivo (tabela 38 da TISS) ou por "
                       "procedimento: quantidade, valor, participação no valor faturado, recursado e recuperado.",
}
EMPTY = {
    ReportKind.NF: "Nenhum pagamento nem valor a receber no período",
    ReportKind.STATEMENTS: "Nenhum pagamento no período",
    ReportKind.EXTRATO: "Nenhuma guia paga ou liberada no período",
    ReportKind.GLOSAS: "Nenhuma glosa no período",
}


def _filters(S, kind: ReportKind, staff: bool) -> rx.Component:
    # The period is the payment's date, or for the glosas the day the analysis of the batch finished.
    verb = "Analisado" if kind == ReportKind.GLOSAS else "Pago"
    fields = [
        labelled_field(f"{verb} de", rx.input(type="date", name="date_from", default_value=S.date_from),
                       field_id="report-from"),
        labelled_field(f"{verb} até", rx.input(type="date", name="date_to", default_value=S.date_to),
                       field_id="report-to"),
        labelled_field("Competência", rx.input(type="month", name="competence", default_value=S.competence,
                                               placeholder="AAAA-MM"), field_id="report-competence"),
    ]
    if staff:
        fields.insert(0, provider_select(S.providers, field_id="report-provider", default_value=ALL))
    return rx.form(rx.hstack(
        *fields,
        rx.button(rx.icon("search", size=14), "Filtrar", type="submit", id="report-filter"),
        rx.button("Limpar", type="button", variant="soft", color_scheme="gray", on_click=S.clear_filters,
                  id="report-clear"),
        align="end", spacing="3", wrap="wrap",
    ), on_submit=S.apply_filters, reset_on_submit=False, aria_label="Filtros do relatório", width="100%")


def _exports(S) -> rx.Component:
    return rx.hstack(
        rx.button(rx.cond(S.generating, rx.spinner(size="1"), rx.icon("file-text", size=14)), "Baixar PDF",
                  on_click=S.download_pdf, disabled=S.generating, id="report-pdf"),
        rx.button(rx.icon("sheet", size=14), "Baixar CSV", variant="soft", on_click=S.download_csv,
                  id="report-csv"),
        rx.cond(S.generating, rx.hstack(
            rx.progress(value=S.progress, width="10em", aria_label="Geração do PDF"),
            rx.text(S.progress_text, size="2"),
            align="center", spacing="2", role="status", id="report-progress", wrap="wrap")),
        spacing="3", wrap="wrap", align="center",
    )


def _cell(S, text, index) -> rx.Component:
    return rx.table.cell(text, text_align=S.aligns[index], white_space="nowrap")


def _row(S, actions: bool):
    def row(line: ReportLine) -> rx.Component:
        cells = [rx.foreach(line.cells, lambda text, index: _cell(S, text, index))]
        if actions:
            cells.append(rx.table.cell(rx.hstack(
                rx.cond(line.detail_href != "", rx.button(
                    rx.link("Detalhe", href=line.detail_href, aria_label="Detalhe do pagamento", underline="none"),
                    as_child=True, size="1", variant="soft")),
                rx.button(rx.link("NF", href=line.nf_href, aria_label="Valores para emissão de NF deste pagamento",
                                  underline="none"), as_child=True, size="1", variant="soft"),
                rx.button(rx.icon("file-code", size=12), "XML TISS", size="1", variant="soft",
                          on_click=S.download_statement(line.payment_id),
                          aria_label="Demonstrativo de pagamento TISS (XML)"),
                spacing="2", wrap="nowrap"), white_space="nowrap", class_name="row-actions"))
        return rx.table.row(*cells, class_name="report-row")
    return row


def _totals_row(S, actions: bool) -> rx.Component:
    cells = [rx.foreach(S.totals, lambda text, index: rx.table.cell(
        rx.text.strong(text), text_align=S.aligns[index], white_space="nowrap"))]
    if actions:
        cells.append(rx.table.cell(""))
    return rx.table.row(*cells, id="report-totals", class_name="report-totals",
                        style={"border_top": f"2px solid {rx.color('gray', 8)}"})


def _table(S, kind: ReportKind) -> rx.Component:
    actions = kind == ReportKind.STATEMENTS
    headers = [rx.foreach(S.headers, lambda label, index: rx.table.column_header_cell(
        label, text_align=S.aligns[index], white_space="nowrap"))]
    if actions:
        headers.append(rx.table.column_header_cell("Ações", white_space="nowrap"))
    return loaded_or_skeleton(S.loaded, data_table(
        headers, rx.fragment(rx.foreach(S.rows, _row(S, actions)), _totals_row(S, actions)),
        table_id="report-table", actions=actions, is_empty=S.rows.length() == 0,
        empty=empty_state(EMPTY[kind], "Escolha outro período ou limpe os filtros. Os valores aparecem quando a "
                          "operadora analisa e paga os lotes.", id="report-empty"),
    ))


def _glosa_view(S) -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item("Por motivo", value=BY_REASON),
        rx.segmented_control.item("Por procedimento", value=BY_PROCEDURE),
        value=S.view, on_change=S.set_view, id="glosa-view", aria_label="Agrupar as glosas",
    )


def report_page(route: Route, S, kind: ReportKind, staff: bool) -> rx.Component:
    return page_shell(
        route,
        rx.text(INTRO[kind], size="2", color_scheme="gray"),
        _filters(S, kind, staff),
        rx.hstack(
            rx.vstack(rx.text(rx.text.strong("Prestador: "), S.provider_label, size="2", id="report-provider-label"),
                      rx.text(rx.text.strong("Período: "), S.period_label, size="2", id="report-period"),
                      spacing="0", min_width="0"),
            rx.spacer(),
            _exports(S),
            align="center", width="100%", wrap="wrap", spacing="3",
        ),
        *([_glosa_view(S)] if kind == ReportKind.GLOSAS else []),
        _table(S, kind),
        pager(S.page, S.page_count, S.total, S.go_to_page),
        rx.foreach(S.notes, lambda note: rx.text(note, size="1", color_scheme="gray")),
        heading=f"Relatórios › {route.title}",
    )


def _pages() -> dict[str, object]:
    pages = {}
    for routes_, S, staff in ((routes.PROVIDER_REPORTS, ProviderReportsState, False),
                              (routes.STAFF_REPORTS, StaffReportsState, True)):
        for route, kind in zip(routes_, ReportKind, strict=True):
            def page(route=route, S=S, kind=kind, staff=staff) -> rx.Component:
                return report_page(route, S, kind, staff)
            page.__name__ = f"{'staff_' if staff else ''}report_{kind.value}_page"
            pages[route.path] = page
    return pages


REPORT_PAGES = _pages()
