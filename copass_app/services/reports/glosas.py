"""Glosas: the glosas applied in the period, per reason (TISS table 38 code and description) and per
procedure: how many, their value, their share of the billed value, how much was appealed and how much the
appeals recovered.

The period is the day the analysis of a batch finished (Brasília days) or the batches' competência; the
billed value is that of the same analysed batches (liberado, encerrado sem pagamento or pago), so the
shares of all reasons add up to the period's glosa rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func
from sqlmodel import Session, select

from copass_app.models import Appeal, Batch, BatchItem, Glosa, GlosaStatus
from copass_app.services import paging
from copass_app.services.access import Actor
from copass_app.services.appeals import ACCEPTED, ANALYSED
from copass_app.services.paging import Page
from copass_app.services.reports.filters import (
    ZERO,
    Report,
    ReportFilters,
    Scope,
    moment_conditions,
    money_or_zero,
    resolve,
    share,
)
from copass_app.tiss import codes


@dataclass(frozen=True)
class GlosaReasonRow:
    reason_code: str  # TISS table 38
    description: str
    count: int
    value: Decimal
    share: Decimal  # value ÷ billed value of the period (fraction, 4 places)
    appealed: Decimal  # contested in appeals
    recovered: Decimal  # accepted in appeals


@dataclass(frozen=True)
class GlosaProcedureRow:
    table_code: str  # TUSS table
    code: str
    description: str
    count: int
    value: Decimal
    share: Decimal
    appealed: Decimal
    recovered: Decimal


@dataclass(frozen=True)
class GlosaTotals:
    count: int
    value: Decimal = ZERO
    billed: Decimal = ZERO  # billed value of the period's analysed batches
    share: Decimal = Decimal("0.0000")  # the period's glosa rate
    appealed: Decimal = ZERO
    recovered: Decimal = ZERO


def batch_conditions(scope: Scope) -> list:
    conditions = [Batch.status.in_(ANALYSED), Batch.analysed_at.is_not(None),
                  *moment_conditions(Batch.analysed_at, scope)]
    if scope.provider_id is not None:
        conditions.append(Batch.provider_id == scope.provider_id)
    if scope.competence:
        conditions.append(Batch.competence == scope.competence)
    return conditions


def _appeals():
    """Per glosa: what its appeals contested and what they recovered."""
    recovered = case((Appeal.status.in_(ACCEPTED), Appeal.accepted_value), else_=None)
    return (select(Appeal.glosa_id.label("glosa_id"), func.sum(Appeal.contested_value).label("appealed"),
                   func.sum(recovered).label("recovered"))
            .group_by(Appeal.glosa_id).subquery())


def _glosas(query, scope: Scope, appeals):
    return (query.select_from(Glosa).join(Batch, Batch.id == Glosa.batch_id)
            .outerjoin(appeals, appeals.c.glosa_id == Glosa.id)
            .where(Glosa.status == GlosaStatus.APLICADA, *batch_conditions(scope)))


def billed_value(db: Session, scope: Scope) -> Decimal:
    return money_or_zero(db.exec(select(func.sum(Batch.total_value)).where(*batch_conditions(scope))).one())


def glosa_totals(db: Session, scope: Scope) -> GlosaTotals:
    appeals = _appeals()
    count, value, appealed, recovered = db.exec(_glosas(
        select(func.count(Glosa.id), func.sum(Glosa.value), func.sum(appeals.c.appealed),
               func.sum(appeals.c.recovered)), scope, appeals)).one()
    billed = billed_value(db, scope)
    value = money_or_zero(value)
    return GlosaTotals(count, value, billed, share(value, billed), money_or_zero(appealed),
                       money_or_zero(recovered))


def _reason_query(scope: Scope):
    appeals = _appeals()
    value = func.sum(Glosa.value)
    return _glosas(select(Glosa.reason_code, func.count(Glosa.id), value, func.sum(appeals.c.appealed),
                          func.sum(appeals.c.recovered)), scope, appeals).group_by(Glosa.reason_code) \
        .order_by(value.desc(), Glosa.reason_code)


def _procedure_query(scope: Scope):
    appeals = _appeals()
    value = func.sum(Glosa.value)
    return (_glosas(select(BatchItem.table_code, BatchItem.code, func.min(BatchItem.description),
                           func.count(Glosa.id), value, func.sum(appeals.c.appealed), func.sum(appeals.c.recovered)),
                    scope, appeals).join(BatchItem, BatchItem.id == Glosa.batch_item_id)
            .group_by(BatchItem.table_code, BatchItem.code)
            .order_by(value.desc(), BatchItem.table_code, BatchItem.code))


def _paged(db: Session, query, page: object, page_size: object):
    total = db.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    number, size, offset = paging.clamp(page, page_size, total)
    return db.exec(query.offset(offset).limit(size)).all(), total, number, size


def reason_rows(found, billed: Decimal) -> list[GlosaReasonRow]:
    return [GlosaReasonRow(code, codes.describe(code), count, money_or_zero(value), share(value or ZERO, billed),
                           money_or_zero(appealed), money_or_zero(recovered))
            for code, count, value, appealed, recovered in found]


def procedure_rows(found, billed: Decimal) -> list[GlosaProcedureRow]:
    return [GlosaProcedureRow(table, code, description, count, money_or_zero(value), share(value or ZERO, billed),
                              money_or_zero(appealed), money_or_zero(recovered))
            for table, code, description, count, value, appealed, recovered in found]


def glosas_by_reason(db: Session, actor: Actor, filters: ReportFilters = ReportFilters(), *, page: object = 1,
                     page_size: object = paging.PAGE_SIZE) -> Report[GlosaReasonRow, GlosaTotals]:
    """The period's applied glosas per table 38 reason, largest value first: count, value, share of the billed
    value, appealed and recovered; totals over the whole period (GlosaTotals.share is the glosa rate)."""
    scope = resolve(db, actor, filters)
    totals = glosa_totals(db, scope)
    found, total, number, size = _paged(db, _reason_query(scope), page, page_size)
    return Report(Page(rows=reason_rows(found, totals.billed), total=total, page=number, page_size=size), totals,
                  scope)


def glosas_by_procedure(db: Session, actor: Actor, filters: ReportFilters = ReportFilters(), *, page: object = 1,
                        page_size: object = paging.PAGE_SIZE) -> Report[GlosaProcedureRow, GlosaTotals]:
    """The period's applied glosas per procedure (TUSS table and code), largest value first; same figures
    and totals as glosas_by_reason."""
    scope = resolve(db, actor, filters)
    totals = glosa_totals(db, scope)
    found, total, number, size = _paged(db, _procedure_query(scope), page, page_size)
    return Report(Page(rows=procedure_rows(found, totals.billed), total=total, page=number, page_size=size),
                  totals, scope)


def all_reason_rows(db: Session, scope: Scope, billed: Decimal) -> list[GlosaReasonRow]:
    return reason_rows(db.exec(_reason_query(scope)).all(), billed)


def all_procedure_rows(db: Session, scope: Scope, billed: Decimal) -> list[GlosaProcedureRow]:
    return procedure_rows(db.exec(_procedure_query(scope)).all(), billed)
