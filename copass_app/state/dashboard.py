"""Painel: the provider's home page and the staff's view across providers. Thin: the figures come from
services/dashboard.py through call_service; this module turns them into typed rows — numbers for the
charts (floats: drawing only) and the exact text of each figure for its table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import reflex as rx
from babel.dates import format_date
from babel.numbers import format_decimal

from copass_app import formatting, routes
from copass_app.routes import Audience
from copass_app.services import dashboard as dashboard_service
from copass_app.services.dashboard import DEFAULT_MONTHS, PERIOD_MONTHS, Dashboard, MonthFigures
from copass_app.state.auth import call_service, record_id
from copass_app.state.paging import ALL, filter_value, select_value
from copass_app.state.staff import ProviderOption, provider_options
from copass_app.vocabulary import BATCH_STATUS

PROVIDER_PARAM = "prestador"  # /operadora/painel?prestador=<id>: one provider's figures (the ranking's links)
NO_RATE = "—"
PERIOD_OPTIONS = [(str(n), f"Últimos {n} meses") for n in PERIOD_MONTHS]


def percent(value: Decimal | None) -> str:
    """'4,94%' (two decimals, as the service rounds them); '—' when there is nothing to divide."""
    return NO_RATE if value is None else f"{format_decimal(value, format='#,##0.00', locale=formatting.LOCALE)}%"


def month_label(day: date) -> str:
    """'nov/26': the axis of the charts."""
    return format_date(day, "LLL/yy", locale=formatting.LOCALE).replace(".", "")


def month_name(day: date) -> str:
    """'novembro de 2026'."""
    return format_date(day, "MMMM 'de' yyyy", locale=formatting.LOCALE)


def status_fill(status: str) -> str:
    """The badge colour of a batch status (BATCH_STATUS), step 9 of its Radix scale, as a chart paints it."""
    return f"var(--{BATCH_STATUS[status].color}-9)"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class MonthPoint:
    month: str = ""  # YYYY-MM
    label: str = ""  # nov/26
    billed: float = 0.0
    approved: float = 0.0
    paid: float = 0.0
    glosa_rate: float | None = None  # None: nothing analysed that month
    billed_text: str = ""
    billed_batches: int = 0
    analysed_text: str = ""
    glosa_text: str = ""
    approved_text: str = ""
    paid_text: str = ""
    rate_text: str = NO_RATE
    operator_rate_text: str = NO_RATE


def month_point(m: MonthFigures) -> MonthPoint:
    return MonthPoint(
        month=m.competence, label=month_label(m.month), billed=float(m.billed), approved=float(m.approved),
        paid=float(m.paid), glosa_rate=_number(m.glosa_rate), billed_text=formatting.money(m.billed),
        billed_batches=m.billed_batches, analysed_text=formatting.money(m.analysed),
        glosa_text=formatting.money(m.glosa), approved_text=formatting.money(m.approved),
        paid_text=formatting.money(m.paid), rate_text=percent(m.glosa_rate),
        operator_rate_text=percent(m.operator_glosa_rate))


@dataclass
class SummaryCard:
    label: str = ""
    value: str = ""
    previous: str = ""  # the same figure last month
    element_id: str = ""


def summary_cards(this: MonthFigures, previous: MonthFigures) -> list[SummaryCard]:
    before = f"{month_label(previous.month)}: "
    return [
        SummaryCard("Faturado", formatting.money(this.billed), before + formatting.money(previous.billed),
                    "card-billed"),
        SummaryCard("Aprovado", formatting.money(this.approved), before + formatting.money(previous.approved),
                    "card-approved"),
        SummaryCard("Taxa de glosa", percent(this.glosa_rate), before + percent(previous.glosa_rate), "card-rate"),
        SummaryCard("Pago (líquido)", formatting.money(this.paid), before + formatting.money(previous.paid),
                    "card-paid"),
    ]


@dataclass
class ReasonLine:
    code: str = ""
    description: str = ""
    count: int = 0
    value: float = 0.0
    value_text: str = ""
    share_text: str = NO_RATE


@dataclass
class StatusLine:
    status: str = ""  # BATCH_STATUS value
    label: str = ""
    short_label: str = ""
    fill: str = ""  # the vocabulary's colour, as the chart paints it
    count: int = 0
    value_text: str = ""


@dataclass
class NextPaymentView:
    total: str = ""
    batches: int = 0
    batches_value: str = ""
    appeals: int = 0
    appeals_value: str = ""


@dataclass
class RankLine:
    position: int = 0
    provider_id: str = ""
    code: str = ""
    name: str = ""
    batches: int = 0
    analysed_text: str = ""
    glosa_text: str = ""
    rate_text: str = ""
    href: str = ""


@dataclass
class DashboardView:
    scope: str = ""
    period: str = ""  # "jan/26 a dez/26"
    this_month: str = ""  # "dezembro de 2026"
    cards: list[SummaryCard] = field(default_factory=list)
    months: list[MonthPoint] = field(default_factory=list)
    operator_rate: float = 0.0
    operator_rate_text: str = NO_RATE
    has_operator_rate: bool = False
    reasons: list[ReasonLine] = field(default_factory=list)
    statuses: list[StatusLine] = field(default_factory=list)
    next_payment: NextPaymentView = field(default_factory=NextPaymentView)
    ranking: list[RankLine] = field(default_factory=list)
    has_data: bool = False


def dashboard_view(d: Dashboard) -> DashboardView:
    operator = d.operator_glosa_rate
    nxt = d.next_payment
    return DashboardView(
        scope=d.scope, period=f"{month_label(d.months[0].month)} a {month_label(d.months[-1].month)}",
        this_month=month_name(d.this_month.month), cards=summary_cards(d.this_month, d.previous_month),
        months=[month_point(m) for m in d.months], operator_rate=float(operator or 0),
        operator_rate_text=percent(operator), has_operator_rate=operator is not None,
        reasons=[ReasonLine(r.code, r.description, r.count, float(r.value), formatting.money(r.value),
                            percent(r.share)) for r in d.reasons],
        statuses=[StatusLine(s.status.value, BATCH_STATUS.label(s.status), BATCH_STATUS[s.status].short_label,
                             status_fill(s.status.value), s.count,
                             formatting.money(s.value)) for s in d.statuses],
        next_payment=NextPaymentView(formatting.money(nxt.total), nxt.batches, formatting.money(nxt.value),
                                     nxt.appeals, formatting.money(nxt.appeals_value)),
        ranking=[RankLine(n, str(r.provider_id), r.code, r.name, r.batches, formatting.money(r.analysed),
                          formatting.money(r.glosa), percent(r.glosa_rate),
                          f"{routes.STAFF_DASHBOARD.path}?{PROVIDER_PARAM}={r.provider_id}")
                 for n, r in enumerate(d.ranking, start=1)],
        has_data=d.has_data)


def _months(value: object) -> str:
    text = str(select_value(value)).strip()
    return text if text in {str(n) for n in PERIOD_MONTHS} else ""


class ProviderDashboardState(rx.State):
    view: DashboardView = DashboardView()
    months: str = str(DEFAULT_MONTHS)
    loaded: bool = False

    async def _reload(self, months: str):
        found, event = await call_service(
            self, lambda db, actor: dashboard_view(dashboard_service.provider_dashboard(db, actor, months)))
        if found is None:
            return event
        self.view, self.months, self.loaded = found, months, True
        return None

    @rx.event
    async def on_load(self):
        return await self._reload(self.months)

    @rx.event
    async def set_period(self, months: str):
        """Another period: refused (the service's message) when it is not one of the choices."""
        return await self._reload(_months(months) or str(select_value(months)))


class StaffDashboardState(rx.State):
    view: DashboardView = DashboardView()
    months: str = str(DEFAULT_MONTHS)
    provider: str = ALL  # a provider's id as text, or ALL
    providers: list[ProviderOption] = []
    loaded: bool = False

    async def _reload(self, months: str, provider: str):
        def action(db, actor):
            provider_id = record_id(provider) if provider else None
            view = dashboard_view(dashboard_service.staff_dashboard(db, actor, months, provider_id))
            return view, provider_options(db, actor)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            return event
        (self.view, self.providers), self.months = found, months
        self.provider, self.loaded = provider or ALL, True
        return None

    @rx.event
    async def on_load(self):
        wanted = str(self.router.url.query_parameters.get(PROVIDER_PARAM, "") or "").strip()
        return await self._reload(self.months, wanted or filter_value(self.provider))

    @rx.event
    async def set_period(self, months: str):
        return await self._reload(_months(months) or str(select_value(months)), filter_value(self.provider))

    @rx.event
    async def set_provider(self, provider: str):
        return await self._reload(self.months, filter_value(provider))
