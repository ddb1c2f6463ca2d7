"""The SQL of the draft: what is billable, what is chosen, the totals and one page of guides.

Money is summed in SQL over the stored scaled integers, so totals are exact and fast.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import cache

from sqlalchemy import BigInteger, and_, bindparam, case, exists, func, or_, true, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from copass_app.dbtypes import to_money
from copass_app.models import (
    Beneficiary,
    BilledItem,
    BillingDraft,
    CatalogItem,
    DraftExtraItem,
    DraftGuide,
    Guide,
    GuideItem,
    GuideStatus,
    GuideType,
    TypedAttendance,
)
from copass_app.services import paging
from copass_app.services.access import Actor, require_provider
from copass_app.services.billing.views import DraftGuideView, DraftItemView, DraftPage, DraftSummary
from copass_app.services.errors import DomainError, NotFound
from copass_app.vocabulary import GUIDE_TYPE

AUTHORIZED = (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE)
NO_DRAFT = "Nenhum faturamento em preparação. Escolha o período a faturar."
GUIDE_NOT_IN_DRAFT = "Guia não encontrada neste faturamento."


def draft_page(db: Session, actor: Actor, *, page: int = 1, page_size: int = paging.PAGE_SIZE,
               summary: DraftSummary | None = None) -> DraftPage:
    """One page of the draft's billable guides with their items, by date of realização then number.

    `summary`: the totals the caller's action has just computed in this same transaction (opening the
    period, select all), so they are not added up twice."""
    require_provider(actor)
    draft = require_draft(db, actor)
    summary = summary or draft_summary(db, draft)
    page, page_size, offset = paging.clamp(page, page_size, summary.guide_count_available)
    rows = db.exec(_page_statement(), params={"draft_id": draft.id, "provider_id": draft.provider_id,
                                              "offset": offset, "limit": page_size}).all()
    items = _page_items(db, draft, [row.id for row in rows])
    views = [_guide_view(row, draft.include_by_default if row.included is None else row.included,
                         items.get(row.id, []))
             for row in rows]
    return DraftPage(rows=views, total=summary.guide_count_available, page=page, page_size=page_size,
                     summary=summary)


@cache
def _page_statement():
    """One page of the draft's guides (built once: see `_summary_statement`)."""
    performed = func.coalesce(DraftGuide.performed_on, Guide.performed_on)
    # Plain columns, not Guide entities: the page is read again after most clicks on it.
    return (
        select(Guide.id, Guide.guide_type, Guide.provider_guide_number, Guide.operator_guide_number,
               Beneficiary.name.label("beneficiary_name"), Beneficiary.card_number, Guide.performed_on,
               Guide.requested_on, Guide.authorized_on, Guide.valid_until, DraftGuide.included,
               DraftGuide.performed_on.label("corrected_on"))
        .select_from(DraftGuide)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(DraftGuide.draft_id == bindparam("draft_id"), billable(bindparam("provider_id")))
        .order_by(performed, Guide.provider_guide_number, Guide.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


# --- the draft row -----------------------------------------------------------------------------


@cache
def _find_draft_statement():
    return select(BillingDraft).where(BillingDraft.user_id == bindparam("user_id"),
                                      BillingDraft.provider_id == bindparam("provider_id"))


def find_draft(db: Session, actor: Actor) -> BillingDraft | None:
    return db.exec(_find_draft_statement(), params={"user_id": actor.user_id,
                                                    "provider_id": actor.provider_id}).first()


def require_draft(db: Session, actor: Actor) -> BillingDraft:
    draft = find_draft(db, actor)
    if draft is None:
        raise DomainError(NO_DRAFT)
    return draft


def draft_guide(db: Session, draft: BillingDraft, provider_id: int, guide_id: int) -> tuple[DraftGuide, Guide]:
    """The guide as offered by this draft; any other guide, another provider's included, is not found."""
    row = db.exec(
        select(DraftGuide, Guide)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == guide_id, Guide.provider_id == provider_id)
    ).first()
    if row is None:
        raise NotFound(GUIDE_NOT_IN_DRAFT)
    return row


# --- SQL expressions ---------------------------------------------------------------------------


def line_cents(quantity, unit_value):
    """quantity × unit value in cents, rounded half-up like to_money, on the stored scaled integers."""
    scaled = type_coerce(quantity, BigInteger) * type_coerce(unit_value, BigInteger)  # 10^4 × 10^2
    return (scaled + 5000) // 10000


def unbilled(item=GuideItem):
    """A released item not in a live batch."""
    return and_(item.performed_qty > 0, ~exists().where(BilledItem.guide_item_id == item.id))


def billable(provider_id: int):
    """The guide (in the enclosing query) is the provider's, authorized, with an item still to bill.

    A typed attendance is billed by "Encerrar Fatura" (services.closing), never here."""
    item = aliased(GuideItem)
    return and_(
        Guide.provider_id == provider_id,
        Guide.status.in_(AUTHORIZED),
        exists().where(item.guide_id == Guide.id, unbilled(item)),
        ~exists().where(TypedAttendance.guide_id == Guide.id),
    )


def no_longer_billable(provider_id: int):
    item = aliased(GuideItem)
    return or_(
        Guide.provider_id != provider_id,
        Guide.status.not_in(AUTHORIZED),
        ~exists().where(item.guide_id == Guide.id, unbilled(item)),
    )


def chosen(draft: BillingDraft):
    """The draft guide is checked: NULL follows the draft's default."""
    return _chosen_by_default(draft.include_by_default)


def _chosen_by_default(include_by_default: bool):
    if include_by_default:
        return or_(DraftGuide.included.is_(None), DraftGuide.included == true())
    return DraftGuide.included == true()


# --- totals ------------------------------------------------------------------------------------


# The totals run on every click that changes them: their statements are built once (the SQL shape depends
# only on the draft's default choice) and run with the draft's values, which skips SQLAlchemy's
# construction and cache-key work on every call.
@cache
def _summary_statement(include_by_default: bool):
    is_chosen = _chosen_by_default(include_by_default)
    return (
        select(
            func.count(Guide.id.distinct()),
            func.count(case((is_chosen, Guide.id)).distinct()),
            func.count(case((is_chosen, GuideItem.id))),
            func.coalesce(func.sum(case((is_chosen, line_cents(GuideItem.performed_qty, GuideItem.unit_value)),
                                        else_=0)), 0),
        )
        .select_from(DraftGuide)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .join(GuideItem, GuideItem.guide_id == Guide.id)
        .where(DraftGuide.draft_id == bindparam("draft_id"), Guide.provider_id == bindparam("provider_id"),
               Guide.status.in_(AUTHORIZED), unbilled())
    )


@cache
def _extras_per_guide_statement():
    return (
        select(DraftExtraItem.guide_id, func.count(),
               func.sum(line_cents(DraftExtraItem.quantity, DraftExtraItem.unit_value)))
        .where(DraftExtraItem.draft_id == bindparam("draft_id"))
        .group_by(DraftExtraItem.guide_id)
    )


@cache
def _extras_counted_statement(include_by_default: bool):
    return (
        select(DraftGuide.guide_id)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .where(DraftGuide.draft_id == bindparam("draft_id"),
               DraftGuide.guide_id.in_(bindparam("guide_ids", expanding=True)),
               _chosen_by_default(include_by_default), billable(bindparam("provider_id")))
    )


def draft_summary(db: Session, draft: BillingDraft) -> DraftSummary:
    available, selected, items, cents = db.exec(
        _summary_statement(draft.include_by_default),
        params={"draft_id": draft.id, "provider_id": draft.provider_id},
    ).one()
    extra_items, extra_cents = _extras_summary(db, draft)
    return DraftSummary(
        period_start=draft.period_start,
        period_end=draft.period_end,
        competence=draft.competence,
        guide_count_selected=selected,
        item_count_selected=items + extra_items,
        value_selected=_money_from_cents(int(cents) + int(extra_cents)),
        guide_count_available=available,
        include_by_default=draft.include_by_default,
    )


def _extras_summary(db: Session, draft: BillingDraft) -> tuple[int, int]:
    """Added items of checked, billable guides: read from the draft's few added items first."""
    per_guide = db.exec(_extras_per_guide_statement(), params={"draft_id": draft.id}).all()
    if not per_guide:
        return 0, 0
    counted = set(db.exec(
        _extras_counted_statement(draft.include_by_default),
        params={"draft_id": draft.id, "provider_id": draft.provider_id, "guide_ids": [row[0] for row in per_guide]},
    ).all())
    rows = [row for row in per_guide if row[0] in counted]
    return sum(row[1] for row in rows), sum(int(row[2]) for row in rows)


def _money_from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


# --- one page ----------------------------------------------------------------------------------


@cache
def _page_items_statements():
    items = (select(GuideItem.id, GuideItem.guide_id, GuideItem.table_code, GuideItem.code, GuideItem.description,
                    GuideItem.performed_qty, GuideItem.unit_value)
             .where(GuideItem.guide_id.in_(bindparam("guide_ids", expanding=True)), unbilled())
             .order_by(GuideItem.id))
    extras = (
        select(DraftExtraItem, CatalogItem.price)
        .outerjoin(CatalogItem, and_(CatalogItem.table_code == DraftExtraItem.table_code,
                                     CatalogItem.code == DraftExtraItem.code))
        .where(DraftExtraItem.draft_id == bindparam("draft_id"),
               DraftExtraItem.guide_id.in_(bindparam("guide_ids", expanding=True)))
        .order_by(DraftExtraItem.id)
    )
    return items, extras


def _page_items(db: Session, draft: BillingDraft, guide_ids: list[int]) -> dict[int, list[DraftItemView]]:
    items: dict[int, list[DraftItemView]] = defaultdict(list)
    if not guide_ids:
        return items
    items_statement, extras_statement = _page_items_statements()
    for item in db.exec(items_statement, params={"guide_ids": guide_ids}):
        items[item.guide_id].append(DraftItemView(
            id=item.id, table_code=item.table_code, code=item.code, description=item.description,
            quantity=item.performed_qty, unit_value=item.unit_value,
            total=to_money(item.performed_qty * item.unit_value)))
    for extra, contracted in db.exec(extras_statement, params={"draft_id": draft.id, "guide_ids": guide_ids}):
        items[extra.guide_id].append(DraftItemView(
            id=None, table_code=extra.table_code, code=extra.code, description=extra.description,
            quantity=extra.quantity, unit_value=extra.unit_value,
            total=to_money(extra.quantity * extra.unit_value), extra_item_id=extra.id, contracted_value=contracted))
    return items


def _guide_view(row, included: bool, items: list[DraftItemView]) -> DraftGuideView:
    guide_type = GuideType(row.guide_type)
    return DraftGuideView(
        guide_id=row.id,
        guide_type=guide_type,
        type_label=GUIDE_TYPE.label(guide_type),
        provider_guide_number=row.provider_guide_number,
        operator_guide_number=row.operator_guide_number,
        beneficiary_name=row.beneficiary_name,
        card_number=row.card_number,
        performed_on=row.corrected_on or row.performed_on,
        original_performed_on=row.performed_on,
        requested_on=row.requested_on,
        authorized_on=row.authorized_on,
        valid_until=row.valid_until,
        included=bool(included),
        items=items,
        total=sum((item.total for item in items), Decimal("0.00")),
    )
