"""Demonstrativos de pagamento: one simplified line per payment of the period (date, batches, presented,
glosa, approved, appeals, withholdings, net paid), with the period's totals summed in SQL. Each line names
its payment, whose detail and TISS DEMONSTRATIVO_PAGAMENTO the portal already serves
(services/payments.payment_detail, services/statements.payment_statement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from copass_app.models import Payment, PaymentBatch, Provider
from copass_app.services import paging
from copass_app.services.access import Actor
from copass_app.services.paging import Page
from copass_app.services.reports.filters import ZERO, Report, ReportFilters, Scope, money_or_zero, resolve
from copass_app.services.reports.nf import payment_conditions


@dataclass(frozen=True)
class StatementRow:
    payment_id: int
    number: str
    paid_on: date
    provider_id: int
    provider_code: str
    provider_name: str
    batch_count: int
    presented: Decimal  # gross billed
    glosa: Decimal
    approved: Decimal
    appeals: Decimal
    withholdings: Decimal
    net: Decimal  # net paid


@dataclass(frozen=True)
class StatementTotals:
    count: int
    batch_count: int = 0
    presented: Decimal = ZERO
    glosa: Decimal = ZERO
    approved: Decimal = ZERO
    appeals: Decimal = ZERO
    withholdings: Decimal = ZERO
    net: Decimal = ZERO


def payment_statements(db: Session, actor: Actor, filters: ReportFilters = ReportFilters(), *, page: object = 1,
                       page_size: object = paging.PAGE_SIZE) -> Report[StatementRow, StatementTotals]:
    """The period's payments, newest first, one line each, with the totals of the whole period."""
    scope = resolve(db, actor, filters)
    conditions = payment_conditions(scope)
    totals = statement_totals(db, conditions)
    number, size, offset = paging.clamp(page, page_size, totals.count)
    rows = statement_rows(db, conditions, offset=offset, limit=size)
    return Report(Page(rows=rows, total=totals.count, page=number, page_size=size), totals, scope)


def all_statement_rows(db: Session, scope: Scope) -> list[StatementRow]:
    return statement_rows(db, payment_conditions(scope), offset=0, limit=None)


def _batch_count():
    return (select(func.count()).select_from(PaymentBatch).where(PaymentBatch.payment_id == Payment.id)
            .correlate(Payment).scalar_subquery())


def statement_rows(db: Session, conditions: list, *, offset: int, limit: int | None) -> list[StatementRow]:
    query = (select(Payment, Provider.code, Provider.name, _batch_count())
             .join(Provider, Provider.id == Payment.provider_id).where(*conditions)
             .order_by(Payment.paid_on.desc(), Payment.id.desc()).offset(offset))
    found = db.exec(query.limit(limit) if limit is not None else query).all()
    return [StatementRow(p.id, p.number, p.paid_on, p.provider_id, code, name, count, p.gross_value,
                         p.glosa_value, p.approved_value, p.appeals_value, p.withholding_value, p.net_value)
            for p, code, name, count in found]


def statement_totals(db: Session, conditions: list) -> StatementTotals:
    count, presented, glosa, approved, appeals, withheld, net = db.exec(
        select(func.count(), func.sum(Payment.gross_value), func.sum(Payment.glosa_value),
               func.sum(Payment.approved_value), func.sum(Payment.appeals_value),
               func.sum(Payment.withholding_value), func.sum(Payment.net_value)).where(*conditions)).one()
    batch_count = db.exec(select(func.count()).select_from(PaymentBatch)
                          .join(Payment, Payment.id == PaymentBatch.payment_id).where(*conditions)).one()
    return StatementTotals(count, batch_count, money_or_zero(presented), money_or_zero(glosa),
                           money_or_zero(approved), money_or_zero(appeals), money_or_zero(withheld),
                           money_or_zero(net))
