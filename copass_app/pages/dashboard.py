"""Painel: the provider's home page ("how am I doing this month?") and the staff's view across providers.

Each chart has a heading, a sentence saying what it counts, its numbers one click away ("Ver números",
a native <details>: keyboard and screen readers open it, no event) and a link to the page or report it
comes from. Charts fill their box (ResponsiveContainer, width 100%): they fit a 390 px screen.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import Var

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.forms import select_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import data_table
from copass_app.components.ui import status_badge
from copass_app.routes import Route
from copass_app.state.dashboard import (
    PERIOD_OPTIONS,
    DashboardView,
    MonthPoint,
    ProviderDashboardState,
    RankLine,
    ReasonLine,
    StaffDashboardState,
    StatusLine,
    SummaryCard,
)
from copass_app.state.paging import ALL
from copass_app.state.staff import ProviderOption
from copass_app.vocabulary import BATCH_STATUS

CHART_HEIGHT = 260
TICK = {"fontSize": 12}
BILLED, APPROVED, PAID = rx.color("blue", 9), rx.color("green", 9), rx.color("violet", 9)
RATE, OPERATOR = rx.color("red", 9), rx.color("gray", 10)
# JavaScript the charts call to write their numbers in pt-BR (axis ticks and tooltips).
MONEY_JS = "(value) => new Intl.NumberFormat('pt-BR', {style: 'currency', currency: 'BRL'}).format(value)"
COMPACT_JS = "(value) => new Intl.NumberFormat('pt-BR', {notation: 'compact', maximumFractionDigits: 1}).format(value)"
IN_ORDER_JS = "(item) => ['billed', 'approved', 'paid'].indexOf(item.dataKey)"  # the legend as the bars
PERCENT_JS = ("(value) => value == null ? '—' : value.toLocaleString('pt-BR', "
              "{minimumFractionDigits: 2, maximumFractionDigits: 2}) + '%'")


def _js(code: str) -> Var:
    return Var(_js_expr=code)


def _data(rows: rx.Var) -> rx.Var:
    """Typed rows as the chart reads them (a list of objects)."""
    return rows.to(list[dict[str, Any]])


def _tooltip(formatter: str) -> rx.Component:
    return rx.recharts.graphing_tooltip(custom_attrs={"formatter": _js(formatter)}, is_animation_active=False)


def _right(value, **props) -> rx.Component:
    return rx.table.cell(value, text_align="right", white_space="nowrap", **props)


def _numbers(headers: list[str], body, table_id: str) -> rx.Component:
    """The chart's numbers, folded under it: a native disclosure (Enter or a click opens it)."""
    return rx.el.details(
        rx.el.summary("Ver números", style={"cursor": "pointer", "font_size": "0.875rem",
                                            "color": rx.color("accent", 11)}),
        rx.box(data_table(headers, body, table_id=table_id, actions=False, size="1"), margin_top="0.5em",
               width="100%", min_width="0"),
        class_name="chart-numbers",
        style={"width": "100%", "min_width": "0"},
    )


def _source(label: str, href: str) -> rx.Component:
    return rx.link(rx.icon("file-text", size=14, aria_hidden="true", flex_shrink="0"), label, href=href, size="2",
                   class_name="chart-source", style={"display": "inline-flex", "align_items": "center",
                                                     "gap": "0.35em"})


def _chart_card(section_id: str, title: str, hint: str, chart: rx.Component, numbers: rx.Component,
                source: rx.Component, *, has_data: rx.Var, empty: str) -> rx.Component:
    """One chart: its heading, what it counts, the drawing (an image to screen readers, the table being its
    text), the numbers and where they come from."""
    heading_id = f"{section_id}-title"
    return rx.el.section(
        rx.vstack(
            rx.heading(title, size="4", as_="h2", id=heading_id),
            rx.text(hint, size="1", color_scheme="gray"),
            rx.cond(
                has_data,
                rx.vstack(
                    rx.box(chart, width="100%", height=f"{CHART_HEIGHT}px", role="img",
                           aria_label=f"Gráfico: {title}. Os valores estão em “Ver números”.",
                           class_name="chart"),
                    numbers,
                    width="100%",
                    spacing="2",
                    align="stretch",
                ),
                rx.text(empty, size="2", color_scheme="gray", class_name="chart-empty"),
            ),
            source,
            spacing="2",
            width="100%",
            align="stretch",
        ),
        id=section_id,
        aria_labelledby=heading_id,
        style={"border": f"1px solid {rx.color('gray', 5)}", "border_radius": "8px", "padding": "1em",
               "min_width": "0", "width": "100%"},
    )


# --- the figures of this month ---------------------------------------------------------------------


def _card(card: SummaryCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(card.label, size="2", color_scheme="gray"),
            rx.text(card.value, size=rx.breakpoints(initial="4", md="6"), weight="bold", white_space="nowrap",
                    class_name="card-value"),
            rx.text(card.previous, size="1", color_scheme="gray"),
            spacing="1",
        ),
        id=card.element_id,
        class_name="summary-card",
    )


def _this_month(view: DashboardView) -> rx.Component:
    return rx.el.section(
        rx.heading("Este mês", size="4", as_="h2", id="this-month-title"),
        rx.text(view.this_month, size="1", color_scheme="gray", id="this-month-name"),
        rx.grid(rx.foreach(view.cards, _card), columns=rx.breakpoints(initial="2", md="4"), spacing="3",
                width="100%", margin_top="0.5em"),
        aria_labelledby="this-month-title",
        id="this-month",
        style={"width": "100%"},
    )


def _nowrap(value) -> rx.Component:
    return rx.text.span(value, white_space="nowrap")


def _next_payment(view: DashboardView, batches: Route, nf_source: rx.Component) -> rx.Component:
    nxt = view.next_payment
    return rx.card(
        rx.vstack(
            rx.heading("Próximo pagamento previsto", size="4", as_="h2"),
            rx.text(nxt.total, size="7", weight="bold", id="next-payment-total"),
            rx.text(nxt.batches, " lote(s) liberado(s) para pagamento: ", _nowrap(nxt.batches_value),
                    rx.cond(nxt.appeals > 0, rx.text.span(" · ", nxt.appeals, " recurso(s) aceito(s): ",
                                                          _nowrap(nxt.appeals_value))),
                    size="2", id="next-payment-detail"),
            rx.text("Valor aprovado, antes das retenções; a data é a do pagamento pela operadora.", size="1",
                    color_scheme="gray"),
            rx.hstack(_source(batches.title, batches.path), nf_source, spacing="4", wrap="wrap"),
            spacing="1",
        ),
        id="next-payment",
        width="100%",
    )


# --- the charts --------------------------------------------------------------------------------------


def _month_row(m: MonthPoint) -> rx.Component:
    return rx.table.row(rx.table.cell(m.label, white_space="nowrap"), _right(m.billed_text), _right(m.approved_text),
                        _right(m.paid_text), class_name="money-month-row")


def _money_chart(view: DashboardView, source: rx.Component) -> rx.Component:
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", tick=TICK),
        rx.recharts.y_axis(tick_formatter=COMPACT_JS, width=64, tick=TICK),
        _tooltip(MONEY_JS),
        rx.recharts.legend(custom_attrs={"itemSorter": _js(IN_ORDER_JS)}),
        rx.recharts.bar(data_key="billed", name="Faturado", fill=BILLED, is_animation_active=False),
        rx.recharts.bar(data_key="approved", name="Aprovado", fill=APPROVED, is_animation_active=False),
        rx.recharts.bar(data_key="paid", name="Pago (líquido)", fill=PAID, is_animation_active=False),
        data=_data(view.months), width="100%", height=CHART_HEIGHT, bar_gap=1,
    )
    return _chart_card(
        "chart-money", "Faturado, aprovado e pago por mês",
        "Faturado: lotes recebidos no mês. Aprovado: lotes com a análise concluída no mês. "
        "Pago: pagamentos do mês, líquidos das retenções.",
        chart,
        _numbers(["Mês", "Faturado", "Aprovado", "Pago (líquido)"], rx.foreach(view.months, _month_row),
                 "money-numbers"),
        source, has_data=view.has_data, empty="Nenhum valor no período.")


def _rate_row(m: MonthPoint) -> rx.Component:
    return rx.table.row(rx.table.cell(m.label, white_space="nowrap"), _right(m.analysed_text), _right(m.glosa_text),
                        _right(m.rate_text), _right(m.operator_rate_text), class_name="rate-month-row")


def _rate_chart(view: DashboardView, source: rx.Component) -> rx.Component:
    chart = rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", tick=TICK),
        rx.recharts.y_axis(tick_formatter="(value) => value + '%'", width=48, tick=TICK),
        _tooltip(PERCENT_JS),
        rx.recharts.legend(),
        rx.cond(view.has_operator_rate, rx.recharts.reference_line(
            rx.recharts.label(value="Média da operadora: " + view.operator_rate_text, position="insideTopLeft",
                              fill=OPERATOR, font_size=12),
            y=view.operator_rate.to(int), stroke=OPERATOR, stroke_dasharray="6 4", if_overflow="extendDomain")),
        rx.recharts.line(data_key="glosa_rate", name="Taxa de glosa", stroke=RATE, stroke_width=2,
                         type_="monotone", dot={"r": 4}, is_animation_active=False),
        data=_data(view.months), width="100%", height=CHART_HEIGHT,
    )
    return _chart_card(
        "chart-rate", "Taxa de glosa por mês",
        "Glosa sobre o valor dos lotes analisados no mês; a linha tracejada é a média da operadora no período "
        "(todos os prestadores).",
        chart,
        rx.vstack(
            _numbers(["Mês", "Analisado", "Glosa", "Taxa", "Média da operadora"], rx.foreach(view.months, _rate_row),
                     "rate-numbers"),
            rx.text("Média da operadora no período: ", rx.text.strong(view.operator_rate_text), size="1",
                    id="operator-rate"),
            width="100%", spacing="1"),
        source, has_data=view.has_data, empty="Nenhum lote analisado no período.")


def _reason_row(r: ReasonLine) -> rx.Component:
    return rx.table.row(rx.table.cell(r.code), rx.table.cell(r.description, min_width="10em"), _right(r.count),
                        _right(r.value_text), _right(r.share_text), class_name="reason-row")


def _reasons_chart(view: DashboardView, source: rx.Component) -> rx.Component:
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", horizontal=False),
        rx.recharts.x_axis(type_="number", tick_formatter=COMPACT_JS, tick=TICK),
        rx.recharts.y_axis(data_key="code", type_="category", width=48, tick=TICK),
        _tooltip(MONEY_JS),
        rx.recharts.bar(data_key="value", name="Valor glosado", fill=RATE, is_animation_active=False),
        data=_data(view.reasons), layout="vertical", width="100%", height=CHART_HEIGHT,
    )
    return _chart_card(
        "chart-reasons", "Principais motivos de glosa",
        "Os motivos (tabela 38 da TISS) com maior valor glosado nos lotes analisados no período.",
        chart,
        _numbers(["Código", "Motivo", "Glosas", "Valor", "% do faturado"], rx.foreach(view.reasons, _reason_row),
                 "reason-numbers"),
        source, has_data=view.reasons.length() > 0, empty="Nenhuma glosa no período.")


def _status_row(s: StatusLine) -> rx.Component:
    return rx.table.row(rx.table.cell(status_badge(BATCH_STATUS, s.status)), _right(s.count), _right(s.value_text),
                        class_name="status-row")


def _status_chart(view: DashboardView, source: rx.Component) -> rx.Component:
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", horizontal=False),
        rx.recharts.x_axis(type_="number", allow_decimals=False, tick=TICK),
        rx.recharts.y_axis(data_key="short_label", type_="category", interval=0, width=150, tick=TICK),
        rx.recharts.graphing_tooltip(is_animation_active=False),
        rx.recharts.bar(
            rx.foreach(view.statuses, lambda s: rx.recharts.cell(fill=s.fill)),
            data_key="count", name="Lotes", is_animation_active=False),
        data=_data(view.statuses), layout="vertical", width="100%", height=CHART_HEIGHT,
    )
    return _chart_card(
        "chart-status", "Lotes por situação",
        "Os lotes recebidos no período, pela situação de hoje.",
        chart,
        _numbers(["Situação", "Lotes", "Valor informado"], rx.foreach(view.statuses, _status_row), "status-numbers"),
        source, has_data=view.statuses.length() > 0, empty="Nenhum lote recebido no período.")


def _charts(view: DashboardView, *, money_source: rx.Component, rate_source: rx.Component,
            reasons_source: rx.Component, status_source: rx.Component) -> rx.Component:
    return rx.grid(
        _money_chart(view, money_source), _rate_chart(view, rate_source), _reasons_chart(view, reasons_source),
        _status_chart(view, status_source),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
    )


def _period(state) -> rx.Component:
    return select_field("Período", PERIOD_OPTIONS, field_id=f"{state.__name__.lower()}-period", width="12em",
                        value=state.months, on_change=state.set_period)


def _heading_line(view: DashboardView, *controls: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(view.scope, weight="bold", size="3", id="dashboard-scope"),
                  rx.text("Período: ", view.period, size="1", color_scheme="gray", id="dashboard-period"),
                  spacing="0"),
        rx.spacer(),
        *controls,
        align="end", width="100%", wrap="wrap", spacing="3",
    )


def _body(view: DashboardView, batches: Route, sources: dict) -> rx.Component:
    nf_source = sources.pop("nf_source")
    return rx.vstack(_this_month(view), _next_payment(view, batches, nf_source), _charts(view, **sources),
                     spacing="4", width="100%")


def _route(path: str) -> Route | None:
    return routes.by_path(path)


def _link_to(path: str, label: str, fallback: Route) -> rx.Component:
    """A link to a report of the Relatórios menu when it exists, else to the page the figures come from."""
    route = _route(path)
    return _source(label if route else fallback.title, route.path if route else fallback.path)


# --- the provider's page ------------------------------------------------------------------------------


def dashboard_page() -> rx.Component:
    view = ProviderDashboardState.view
    sources = {
        "nf_source": _link_to("/relatorios/nf", "Valores para emissão de NF (a pagar e pagos)",
                              routes.PROVIDER_PAYMENTS),
        "money_source": _link_to("/relatorios/demonstrativos", "Demonstrativos de pagamento",
                                 routes.PROVIDER_PAYMENTS),
        "rate_source": _link_to("/relatorios/glosas", "Relatório de glosas", routes.BATCHES),
        "reasons_source": _link_to("/relatorios/glosas", "Relatório de glosas", routes.BATCHES),
        "status_source": _source(routes.BATCHES.title, routes.BATCHES.path),
    }
    return page_shell(
        routes.DASHBOARD,
        _heading_line(view, _period(ProviderDashboardState)),
        loaded_or_skeleton(ProviderDashboardState.loaded, rx.cond(
            view.has_data,
            _body(view, routes.BATCHES, sources),
            empty_state(
                "Ainda não há números para mostrar",
                "O painel mostra o que você faturou, o que foi aprovado e glosado e o que foi pago, mês a mês, "
                "a partir do primeiro lote enviado à operadora.",
                rx.link("Faturar atendimentos", href=routes.BILLING.path), id="dashboard-empty"),
        ), rows=6),
    )


# --- the staff's page ---------------------------------------------------------------------------------


def _rank_row(r: RankLine) -> rx.Component:
    return rx.table.row(
        _right(r.position),
        rx.table.cell(rx.vstack(rx.text(r.name, size="2", weight="medium"), rx.text(r.code, size="1",
                                                                                   color_scheme="gray"),
                                spacing="0")),
        _right(r.batches), _right(r.analysed_text), _right(r.glosa_text), _right(rx.text.strong(r.rate_text)),
        rx.table.cell(rx.link("Ver painel", href=r.href, size="2", aria_label="Ver o painel de " + r.name)),
        class_name="rank-row",
    )


def _ranking(view: DashboardView) -> rx.Component:
    return rx.el.section(
        rx.heading("Prestadores com maior taxa de glosa", size="4", as_="h2", id="ranking-title"),
        rx.text("Glosa sobre o valor dos lotes analisados no período, de todos os prestadores.", size="1",
                color_scheme="gray"),
        data_table(["Posição", "Prestador", "Lotes", "Analisado", "Glosa", "Taxa", "Painel"],
                   rx.foreach(view.ranking, _rank_row), table_id="ranking-table", size="1",
                   is_empty=view.ranking.length() == 0,
                   empty=empty_state("Nenhum lote analisado no período", "O ranking aparece quando a operadora "
                                     "conclui análises de lotes.", id="ranking-empty")),
        aria_labelledby="ranking-title",
        id="ranking",
        style={"width": "100%"},
    )


def _provider_option(option: ProviderOption) -> rx.Component:
    return rx.select.item(option.label, value=option.value)


def _provider_filter() -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text("Prestador", as_="span", size="1"), html_for="staff-dashboard-provider"),
        rx.select.root(
            rx.select.trigger(id="staff-dashboard-provider", width="18em", max_width="80vw"),
            rx.select.content(rx.select.item("Todos os prestadores", value=ALL),
                              rx.foreach(StaffDashboardState.providers, _provider_option)),
            value=StaffDashboardState.provider, on_change=StaffDashboardState.set_provider,
        ),
        spacing="1",
    )


def staff_dashboard_page() -> rx.Component:
    view = StaffDashboardState.view
    sources = {
        "nf_source": _link_to("/operadora/relatorios/nf", "Valores para emissão de NF (a pagar e pagos)",
                              routes.PAYMENTS),
        "money_source": _link_to("/operadora/relatorios/demonstrativos", "Demonstrativos de pagamento",
                                 routes.PAYMENTS),
        "rate_source": _link_to("/operadora/relatorios/glosas", "Relatório de glosas", routes.RECEIVED_BATCHES),
        "reasons_source": _link_to("/operadora/relatorios/glosas", "Relatório de glosas", routes.RECEIVED_BATCHES),
        "status_source": _source(routes.RECEIVED_BATCHES.title, routes.RECEIVED_BATCHES.path),
    }
    return page_shell(
        routes.STAFF_DASHBOARD,
        _heading_line(view, _provider_filter(), _period(StaffDashboardState)),
        loaded_or_skeleton(StaffDashboardState.loaded, rx.vstack(
            rx.cond(view.has_data, _body(view, routes.PAYMENTS, sources),
                    empty_state("Nenhum lote ou pagamento no período",
                                "Os números aparecem quando os prestadores enviam lotes e a operadora os analisa "
                                "e paga.", id="dashboard-empty")),
            _ranking(view),
            spacing="4", width="100%",
        ), rows=6),
    )
