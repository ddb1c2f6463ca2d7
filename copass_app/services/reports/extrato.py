"""Extrato sintético: the patients attended (name, card), the value of each guide, the provider to be
paid with its bank data (bank, agency, account) and the gross total.

Lines are the guides of the batches paid in the period (the bank data the payment used) and, when the
period reaches today, of the batches released and not yet paid (the provider's bank data as registered now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from copass_app.models import Batch, BatchGuide, BatchStatus, Beneficiary, Guide, Payment, PaymentBatch, Provider
from copass_app.services import paging
from copass_app.services.access import Actor
from copass_app.services.paging import Page
from copass_app.services.reports.filters import (
    ZERO,
    Report,
    ReportFilters,
    Scope,
    date_conditions,
    money_or_zero,
    resolve,
)


@dataclass(frozen=True)
class ExtratoRow:
    beneficiary_name: str
    card_number: str
    guide_number: str
    performed_on: date
    value: Decimal  # billed value of the guide
    provider_id: int
    provider_code: str
    provider_name: str
    bank: str
    agency: str
    account: str
    paid_on: date | None  # None: released, not paid yet
    protocol_number: str


@dataclass(frozen=True)
class ExtratoTotals:
    count: int  # guides
    patients: int = 0
    gross: Decimal = ZERO


def summary_statement(db: Session, actor: Actor, filters: ReportFilters = ReportFilters(), *, page: object = 1,
                      page_size: object = paging.PAGE_SIZE) -> Report[ExtratoRow, ExtratoTotals]:
    """Patients, the value of each, who is paid and into which account, and the gross total of the period."""
    scope = resolve(db, actor, filters)
    totals = extrato_totals(db, scope)
    number, size, offset = paging.clamp(page, page_size, totals.count)
    rows = extrato_rows(db, scope, offset=offset, limit=size)
    return Report(Page(rows=rows, total=totals.count, page=number, page_size=size), totals, scope)


def _from(query, scope: Scope):
    """The guides in the scope, joined to what a line shows."""
    paid = and_(Batch.status == BatchStatus.PAGO, Payment.id.is_not(None), *date_conditions(Payment.paid_on, scope))
    if scope.payment_id is not None:
        paid = and_(paid, Payment.id == scope.payment_id)
    states = or_(paid, Batch.status == BatchStatus.LIBERADO_PAGAMENTO) if scope.reaches_today else paid
    conditions = [states]
    if scope.provider_id is not None:
        conditions.append(Batch.provider_id == scope.provider_id)
    if scope.competence:
        conditions.append(Batch.competence == scope.competence)
    return (query.select_from(BatchGuide).join(Batch, Batch.id == BatchGuide.batch_id)
            .join(Guide, Guide.id == BatchGuide.guide_id).join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
            .join(Provider, Provider.id == Batch.provider_id)
            .outerjoin(PaymentBatch, PaymentBatch.batch_id == Batch.id)
            .outerjoin(Payment, Payment.id == PaymentBatch.payment_id).where(*conditions))


def extrato_rows(db: Session, scope: Scope, *, offset: int = 0, limit: int | None = None) -> list[ExtratoRow]:
    query = _from(select(
        Beneficiary.name, Beneficiary.card_number, Guide.provider_guide_number, BatchGuide.performed_on,
        BatchGuide.total_value, Provider.id, Provider.code, Provider.name,
        func.coalesce(Payment.bank, Provider.bank), func.coalesce(Payment.agency, Provider.agency),
        func.coalesce(Payment.account, Provider.account), Payment.paid_on, Batch.protocol_number), scope)
    query = query.order_by(Provider.name, Provider.id, Beneficiary.name, BatchGuide.performed_on,
                           BatchGuide.id).offset(offset)
    found = db.exec(query.limit(limit) if limit is not None else query).all()
    return [ExtratoRow(*row) for row in found]


def extrato_totals(db: Session, scope: Scope) -> ExtratoTotals:
    count, patients, gross = db.exec(_from(select(
        func.count(), func.count(func.distinct(Guide.beneficiary_id)), func.sum(BatchGuide.total_value)),
        scope)).one()
    return ExtratoTotals(count, patients, money_or_zero(gross))
