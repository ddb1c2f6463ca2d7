"""Painel: "how am I doing this month?" — a provider's own figures per month, or the operator's across
providers, summed in SQL (GROUP BY month), for the home page's charts and their tables.

Each figure is counted in the month it happened (Brasília time):
- faturado (billed): the batches received in the month, cancelled ones (estorno) left out;
- glosa and aprovado: the batches whose analysis concluded in the month (liberado para pagamento,
  encerrado sem pagamento or pago); the glosa rate is their glosa over their billed value;
- pago (paid): the payments dated in the month, net of withholdings (what was deposited).
The operator's average glosa rate of a month is every provider's glosa over every provider's
analysed value (weighted by value, not a mean of rates); it is left out of a provider's view in a
month with fewer than MIN_PROVIDERS_FOR_AVERAGE providers analysed, so that no provider can read
another's figures from it. Batches by status are those received in the period; the next payment is
what is released and not paid yet, whenever it was received.

A provider sees only its own figures (the actor's provider); staff see every provider's, or one's.
Plain data in, frozen dataclasses out; no reflex, no writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, distinct, func
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Appeal, Batch, BatchStatus, Glosa, GlosaStatus, Payment, Provider
from copass_app.services.access import Actor, require_provider, require_staff
from copass_app.services.appeals import ACCEPTED, ANALYSED
from copass_app.services.errors import DomainError, NotFound
from copass_app.tiss import codes

PERIOD_MONTHS = (6, 12, 24)
DEFAULT_MONTHS = 12
TOP_REASONS = 5
RANKING_SIZE = 10
MIN_PROVIDERS_FOR_AVERAGE = 3
PROVIDER_NOT_FOUND = "Prestador não encontrado."
ZERO = Decimal("0.00")
HUNDREDTH = Decimal("0.01")


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in percent, to the hundredth (half up); None when there is no whole to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    billed: Decimal = ZERO  # received in the month
    billed_batches: int = 0
    analysed: Decimal = ZERO  # billed value of the batches analysed in the month
    analysed_batches: int = 0
    glosa: Decimal = ZERO
    approved: Decimal = ZERO
    paid: Decimal = ZERO  # net of the month's payments
    payments: int = 0
    operator_analysed: Decimal = ZERO
    operator_glosa: Decimal = ZERO
    operator_providers: int = 0  # providers with an analysed batch in the month

    @property
    def competence(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def glosa_rate(self) -> Decimal | None:
        return rate(self.glosa, self.analysed)

    @property
    def operator_glosa_rate(self) -> Decimal | None:
        return rate(self.operator_glosa, self.operator_analysed)

    @property
    def has_data(self) -> bool:
        return bool(self.billed_batches or self.analysed_batches or self.payments)


@dataclass(frozen=True)
class ReasonFigures:
    code: str  # TISS table 38
    description: str
    count: int
    value: Decimal
    share: Decimal | None  # percent of the billed value of the period's analysed batches


@dataclass(frozen=True)
class StatusFigures:
    status: BatchStatus
    count: int
    value: Decimal  # billed


@dataclass(frozen=True)
class NextPayment:
    batches: int  # released for payment, not paid
    value: Decimal  # their approved value
    appeals: int  # accepted appeals not paid yet
    appeals_value: Decimal

    @property
    def total(self) -> Decimal:
        return self.value + self.appeals_value


@dataclass(frozen=True)
class ProviderRank:
    provider_id: int
    code: str
    name: str
    analysed: Decimal
    glosa: Decimal
    batches: int

    @property
    def glosa_rate(self) -> Decimal:
        return rate(self.glosa, self.analysed) or ZERO


@dataclass(frozen=True)
class Dashboard:
    scope: str  # the provider's name, or "Todos os prestadores"
    provider_id: int | None  # None: every provider (staff)
    months: list[MonthFigures]  # oldest first, the current month last
    reasons: list[ReasonFigures]  # the top TOP_REASONS of the period by value
    statuses: list[StatusFigures]  # batches received in the period, in BatchStatus order
    next_payment: NextPayment
    ranking: list[ProviderRank]  # staff only: highest glosa rate first

    @property
    def this_month(self) -> MonthFigures:
        return self.months[-1]

    @property
    def previous_month(self) -> MonthFigures:
        return self.months[-2]

    @property
    def has_data(self) -> bool:
        return (any(m.has_data for m in self.months) or bool(self.statuses) or self.next_payment.batches > 0
                or self.next_payment.appeals > 0)

    @property
    def glosa(self) -> Decimal:
        return sum((m.glosa for m in self.months), ZERO)

    @property
    def analysed(self) -> Decimal:
        return sum((m.analysed for m in self.months), ZERO)

    @property
    def glosa_rate(self) -> Decimal | None:
        return rate(self.glosa, self.analysed)

    @property
    def operator_glosa_rate(self) -> Decimal | None:
        """The operator's average over the period (the months it may be shown in)."""
        return rate(sum((m.operator_glosa for m in self.months), ZERO),
                    sum((m.operator_analysed for m in self.months), ZERO))


ALL_PROVIDERS = "Todos os prestadores"


def period_months(value: object) -> int:
    """The number of months a period shows: one of PERIOD_MONTHS (the page's choice, sent as text)."""
    text = str(value if value is not None else "").strip()
    if text.isascii() and text.isdigit() and int(text) in PERIOD_MONTHS:
        return int(text)
    raise DomainError(f"Período inválido: escolha {', '.join(map(str, PERIOD_MONTHS[:-1]))} ou "
                      f"{PERIOD_MONTHS[-1]} meses.")


def provider_dashboard(db: Session, actor: Actor, months: object = DEFAULT_MONTHS) -> Dashboard:
    """The actor's provider's own figures (the operator's average aside)."""
    provider_id = require_provider(actor)
    provider = db.get(Provider, provider_id)
    return _dashboard(db, provider.name, provider_id, period_months(months), ranking=False)


def staff_dashboard(db: Session, staff: Actor, months: object = DEFAULT_MONTHS,
                    provider_id: int | None = None) -> Dashboard:
    """Every provider's figures, or one provider's; with the ranking of providers by glosa rate."""
    require_staff(staff)
    count = period_months(months)
    if provider_id is None:
        return _dashboard(db, ALL_PROVIDERS, None, count, ranking=True)
    provider = db.get(Provider, provider_id) if isinstance(provider_id, int) else None
    if provider is None:
        raise NotFound(PROVIDER_NOT_FOUND)
    return _dashboard(db, provider.name, provider.id, count, ranking=True)


# --- the sums --------------------------------------------------------------------------------------


def month_starts(last: date, count: int) -> list[date]:
    """The first days of `count` months ending with `last`'s, and of the month after (the upper bound)."""
    index = last.year * 12 + last.month - 1
    return [date(n // 12, n % 12 + 1, 1) for n in range(index - count + 1, index + 2)]


def _bucket(column, bounds: list) -> object:
    """The month's position (0 = the oldest) of a date or moment already within bounds[0] … bounds[-1]."""
    return case(*[(column >= bounds[n], n) for n in reversed(range(1, len(bounds) - 1))], else_=0).label("m")


def _within(column, bounds: list) -> list:
    return [column >= bounds[0], column < bounds[-1]]


def _scope(column, provider_id: int | None) -> list:
    return [] if provider_id is None else [column == provider_id]


def _dashboard(db: Session, scope: str, provider_id: int | None, count: int, *, ranking: bool) -> Dashboard:
    starts = month_starts(clock.today(), count)
    moments = [clock.brasilia_midnight(day) for day in starts]
    figures = [dict(month=day) for day in starts[:-1]]

    received = _bucket(Batch.received_at, moments)
    for m, batches, billed in db.exec(
            select(received, func.count(), func.sum(Batch.total_value))
            .where(*_scope(Batch.provider_id, provider_id), *_within(Batch.received_at, moments),
                   Batch.status != BatchStatus.CANCELADO)
            .group_by("m")):
        figures[m].update(billed=billed or ZERO, billed_batches=batches)

    analysed = _bucket(Batch.analysed_at, moments)
    for m, batches, total, glosa, approved in db.exec(
            select(analysed, func.count(), func.sum(Batch.total_value), func.sum(Batch.glosa_value),
                   func.sum(Batch.approved_value))
            .where(*_scope(Batch.provider_id, provider_id), *_within(Batch.analysed_at, moments),
                   Batch.status.in_(ANALYSED))
            .group_by("m")):
        figures[m].update(analysed=total or ZERO, analysed_batches=batches, glosa=glosa or ZERO,
                          approved=approved or ZERO)

    for m, providers, total, glosa in db.exec(
            select(analysed, func.count(distinct(Batch.provider_id)), func.sum(Batch.total_value),
                   func.sum(Batch.glosa_value))
            .where(*_within(Batch.analysed_at, moments), Batch.status.in_(ANALYSED))
            .group_by("m")):
        if provider_id is None or providers >= MIN_PROVIDERS_FOR_AVERAGE:
            figures[m].update(operator_analysed=total or ZERO, operator_glosa=glosa or ZERO)
        figures[m].update(operator_providers=providers)

    paid = _bucket(Payment.paid_on, starts)
    for m, payments, net in db.exec(
            select(paid, func.count(), func.sum(Payment.net_value))
            .where(*_scope(Payment.provider_id, provider_id), *_within(Payment.paid_on, starts))
            .group_by("m")):
        figures[m].update(paid=net or ZERO, payments=payments)

    months = [MonthFigures(**values) for values in figures]
    return Dashboard(
        scope=scope, provider_id=provider_id, months=months,
        reasons=_reasons(db, provider_id, moments, sum((m.analysed for m in months), ZERO)),
        statuses=_statuses(db, provider_id, moments), next_payment=_next_payment(db, provider_id),
        ranking=_ranking(db, moments) if ranking else [])


def _reasons(db: Session, provider_id: int | None, moments: list, analysed: Decimal) -> list[ReasonFigures]:
    value = func.sum(Glosa.value)
    rows = db.exec(
        select(Glosa.reason_code, func.count(), value)
        .join(Batch, Batch.id == Glosa.batch_id)
        .where(*_scope(Glosa.provider_id, provider_id), Glosa.status == GlosaStatus.APLICADA,
               *_within(Batch.analysed_at, moments), Batch.status.in_(ANALYSED))
        .group_by(Glosa.reason_code).order_by(value.desc(), Glosa.reason_code).limit(TOP_REASONS))
    return [ReasonFigures(code, codes.describe(code), n, total or ZERO, rate(total or ZERO, analysed))
            for code, n, total in rows]


def _statuses(db: Session, provider_id: int | None, moments: list) -> list[StatusFigures]:
    found = {BatchStatus(status): (n, total or ZERO) for status, n, total in db.exec(
        select(Batch.status, func.count(), func.sum(Batch.total_value))
        .where(*_scope(Batch.provider_id, provider_id), *_within(Batch.received_at, moments))
        .group_by(Batch.status))}
    return [StatusFigures(status, *found[status]) for status in BatchStatus if status in found]


def _next_payment(db: Session, provider_id: int | None) -> NextPayment:
    batches, value = db.exec(
        select(func.count(), func.sum(Batch.approved_value))
        .where(*_scope(Batch.provider_id, provider_id), Batch.status == BatchStatus.LIBERADO_PAGAMENTO)).one()
    appeals, appeals_value = db.exec(
        select(func.count(), func.sum(Appeal.accepted_value))
        .where(*_scope(Appeal.provider_id, provider_id), Appeal.status.in_(ACCEPTED), Appeal.payment_id.is_(None),
               Appeal.accepted_value > 0)).one()
    return NextPayment(batches, value or ZERO, appeals, appeals_value or ZERO)


def _ranking(db: Session, moments: list) -> list[ProviderRank]:
    rows = db.exec(
        select(Provider.id, Provider.code, Provider.name, func.sum(Batch.total_value), func.sum(Batch.glosa_value),
               func.count())
        .join(Provider, Provider.id == Batch.provider_id)
        .where(*_within(Batch.analysed_at, moments), Batch.status.in_(ANALYSED))
        .group_by(Provider.id, Provider.code, Provider.name))
    ranks = [ProviderRank(pid, code, name, total or ZERO, glosa or ZERO, n)
             for pid, code, name, total, glosa, n in rows]
    ranks.sort(key=lambda r: (-r.glosa_rate, -r.glosa, r.name))
    return ranks[:RANKING_SIZE]


__all__ = [
    "ALL_PROVIDERS", "DEFAULT_MONTHS", "MIN_PROVIDERS_FOR_AVERAGE", "PERIOD_MONTHS", "RANKING_SIZE", "TOP_REASONS",
    "Dashboard", "MonthFigures", "NextPayment", "ProviderRank", "ReasonFigures", "StatusFigures", "month_starts",
    "period_months", "provider_dashboard", "rate", "staff_dashboard",
]
