"""Relatório de valores para emissão de NF: what the provider invoices, per payment or per period.

One line per payment in the period (paid, with its date): gross billed, glosa, approved, accepted appeal
values, each withholding as the payment recorded it, and the net. When the period reaches today, one line
per provider for what is released and not yet paid ("a pagar"): the same figures, the withholdings computed
now from the provider's tax profile by services/withholdings (the R$ 10,00 rule included).
Totals are SQL sums over the whole filter (the pending lines are added to them), never the page's.
With a competência, the payments are those that paid at least one batch of it (each with its whole figures).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func
from sqlmodel import Session, select

from copass_app.db import in_chunks
from copass_app.models import Appeal, Batch, BatchStatus, Payment, PaymentBatch, PaymentWithholding, Provider, Tax
from copass_app.services import paging
from copass_app.services.access import Actor
from copass_app.services.appeals import ACCEPTED
from copass_app.services.errors import NotFound
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
from copass_app.services.withholdings import TAX_ORDER, profile_for, total_withheld, withholdings

PAYMENT_NOT_FOUND = "Pagamento não encontrado."


@dataclass(frozen=True)
class NfRow:
    payment_id: int | None  # None: released, not paid yet
    number: str  # the payment statement number ("" while not paid)
    provider_id: int
    provider_code: str
    provider_name: str
    gross: Decimal  # billed (informado)
    glosa: Decimal
    approved: Decimal
    appeals: Decimal  # accepted appeal values paid with it
    base: Decimal  # approved + appeals: what the withholdings are computed on
    irrf: Decimal
    pis: Decimal
    cofins: Decimal
    csll: Decimal
    iss: Decimal
    withholding_total: Decimal
    net: Decimal
    paid: bool
    paid_on: date | None

    def tax(self, tax: Tax) -> Decimal:
        return getattr(self, Tax(tax).value.lower())


@dataclass(frozen=True)
class NfTotals:
    count: int
    gross: Decimal = ZERO
    glosa: Decimal = ZERO
    approved: Decimal = ZERO
    appeals: Decimal = ZERO
    base: Decimal = ZERO
    irrf: Decimal = ZERO
    pis: Decimal = ZERO
    cofins: Decimal = ZERO
    csll: Decimal = ZERO
    iss: Decimal = ZERO
    withholding_total: Decimal = ZERO
    net: Decimal = ZERO
    paid_net: Decimal = ZERO  # of the paid lines only
    pending_net: Decimal = ZERO  # of the lines still to be paid

    def tax(self, tax: Tax) -> Decimal:
        return getattr(self, Tax(tax).value.lower())


def nf_values(db: Session, actor: Actor, filters: ReportFilters = ReportFilters(), *, page: object = 1,
              page_size: object = paging.PAGE_SIZE) -> Report[NfRow, NfTotals]:
    """Values for the nota fiscal: payments in the period (and, if the period reaches today, what is released
    and not yet paid), each with gross, glosa, approved, IRRF, PIS, COFINS, CSLL, ISS, net, paid and date.

    `filters.payment_id`: that payment only; another provider's payment is answered as a missing one."""
    scope = resolve(db, actor, filters)
    if scope.payment_id is not None:
        payment = db.get(Payment, scope.payment_id) if scope.payment_id else None
        if payment is None or (scope.provider_id is not None and payment.provider_id != scope.provider_id):
            raise NotFound(PAYMENT_NOT_FOUND)
    pending = pending_rows(db, scope) if scope.reaches_today else []
    conditions = payment_conditions(scope)
    paid_count = db.exec(select(func.count()).select_from(Payment).where(*conditions)).one()
    total = len(pending) + paid_count
    number, size, offset = paging.clamp(page, page_size, total)
    rows = pending[offset:offset + size]
    if len(rows) < size:
        rows += paid_rows(db, conditions, offset=max(0, offset - len(pending)), limit=size - len(rows))
    return Report(Page(rows=rows, total=total, page=number, page_size=size), nf_totals(db, conditions, pending),
                  scope)


def all_nf_rows(db: Session, scope: Scope) -> list[NfRow]:
    """Every line of the report (for the PDF and the CSV), in the screen's order."""
    pending = pending_rows(db, scope) if scope.reaches_today else []
    return pending + paid_rows(db, payment_conditions(scope), offset=0, limit=None)


def payment_conditions(scope: Scope) -> list:
    conditions = [*date_conditions(Payment.paid_on, scope)]
    if scope.provider_id is not None:
        conditions.append(Payment.provider_id == scope.provider_id)
    if scope.payment_id is not None:
        conditions.append(Payment.id == scope.payment_id)
    if scope.competence:
        conditions.append(exists().where(PaymentBatch.payment_id == Payment.id, PaymentBatch.batch_id == Batch.id,
                                         Batch.competence == scope.competence))
    return conditions


def paid_rows(db: Session, conditions: list, *, offset: int, limit: int | None) -> list[NfRow]:
    query = (select(Payment, Provider.code, Provider.name).join(Provider, Provider.id == Payment.provider_id)
             .where(*conditions).order_by(Payment.paid_on.desc(), Payment.id.desc()).offset(offset))
    found = db.exec(query.limit(limit) if limit is not None else query).all()
    taxes = _withheld_by_payment(db, [p.id for p, _, _ in found])
    rows = []
    for payment, code, name in found:
        withheld = taxes.get(payment.id, {})
        rows.append(NfRow(
            payment_id=payment.id, number=payment.number, provider_id=payment.provider_id, provider_code=code,
            provider_name=name, gross=payment.gross_value, glosa=payment.glosa_value,
            approved=payment.approved_value, appeals=payment.appeals_value,
            base=payment.approved_value + payment.appeals_value,
            **{tax.value.lower(): withheld.get(tax, ZERO) for tax in TAX_ORDER},
            withholding_total=payment.withholding_value, net=payment.net_value, paid=True, paid_on=payment.paid_on))
    return rows


def _withheld_by_payment(db: Session, payment_ids: list[int]) -> dict[int, dict[Tax, Decimal]]:
    found: dict[int, dict[Tax, Decimal]] = defaultdict(dict)
    for chunk in in_chunks(payment_ids):
        for line in db.exec(select(PaymentWithholding).where(PaymentWithholding.payment_id.in_(chunk))):
            found[line.payment_id][Tax(line.tax)] = line.value
    return found


def pending_rows(db: Session, scope: Scope) -> list[NfRow]:
    """Per provider, what is released for payment and the accepted appeals not paid yet, with the
    withholdings its tax profile gives today."""
    batch_conditions = [Batch.status == BatchStatus.LIBERADO_PAGAMENTO]
    appeal_conditions = [Appeal.status.in_(ACCEPTED), Appeal.payment_id.is_(None), Appeal.accepted_value > 0]
    if scope.provider_id is not None:
        batch_conditions.append(Batch.provider_id == scope.provider_id)
        appeal_conditions.append(Appeal.provider_id == scope.provider_id)
    if scope.competence:
        batch_conditions.append(Batch.competence == scope.competence)
        appeal_conditions.append(exists().where(Batch.id == Appeal.batch_id, Batch.competence == scope.competence))
    batches = {provider_id: (gross, glosa, approved) for provider_id, gross, glosa, approved in db.exec(
        select(Batch.provider_id, func.sum(Batch.total_value), func.sum(Batch.glosa_value),
               func.sum(Batch.approved_value)).where(*batch_conditions).group_by(Batch.provider_id))}
    appeals = dict(db.exec(select(Appeal.provider_id, func.sum(Appeal.accepted_value))
                           .where(*appeal_conditions).group_by(Appeal.provider_id)).all())
    ids = set(batches) | set(appeals)
    if not ids:
        return []
    rows = []
    for provider in db.exec(select(Provider).where(Provider.id.in_(ids)).order_by(Provider.name, Provider.id)):
        gross, glosa, approved = (money_or_zero(v) for v in batches.get(provider.id, (None, None, None)))
        appeal_value = money_or_zero(appeals.get(provider.id))
        base = approved + appeal_value
        lines = withholdings(profile_for(provider), base)
        withheld = total_withheld(lines)
        rows.append(NfRow(
            payment_id=None, number="", provider_id=provider.id, provider_code=provider.code,
            provider_name=provider.name, gross=gross, glosa=glosa, approved=approved, appeals=appeal_value,
            base=base, **{line.tax.value.lower(): line.value for line in lines}, withholding_total=withheld,
            net=base - withheld, paid=False, paid_on=None))
    return rows


def nf_totals(db: Session, conditions: list, pending: list[NfRow]) -> NfTotals:
    count, gross, glosa, approved, appeals, withheld, net = db.exec(
        select(func.count(), func.sum(Payment.gross_value), func.sum(Payment.glosa_value),
               func.sum(Payment.approved_value), func.sum(Payment.appeals_value),
               func.sum(Payment.withholding_value), func.sum(Payment.net_value)).where(*conditions)).one()
    taxes = dict(db.exec(
        select(PaymentWithholding.tax, func.sum(PaymentWithholding.value))
        .join(Payment, Payment.id == PaymentWithholding.payment_id).where(*conditions)
        .group_by(PaymentWithholding.tax)).all())
    paid = {
        "gross": money_or_zero(gross), "glosa": money_or_zero(glosa), "approved": money_or_zero(approved),
        "appeals": money_or_zero(appeals), "withholding_total": money_or_zero(withheld), "net": money_or_zero(net),
        **{tax.value.lower(): money_or_zero(taxes.get(tax.value)) for tax in TAX_ORDER},
    }
    paid["base"] = paid["approved"] + paid["appeals"]
    figures = {key: value + sum((getattr(row, key) for row in pending), ZERO) for key, value in paid.items()}
    return NfTotals(count=count + len(pending), **figures, paid_net=paid["net"],
                    pending_net=sum((row.net for row in pending), ZERO))
