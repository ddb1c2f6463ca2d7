"""What the critique reads about one guide as billed, loaded for a whole batch (or a whole draft)
in a handful of queries: the guide's items as billed, its authorization (items, quantities,
validity), whether the beneficiary's card is known, the contracted prices, and what else was
billed for the same beneficiary, procedure and date.

The same `GuideContext` is built from a received batch (the operator's analysis, the provider's
preview of an uploaded lot) and from the provider's billing draft (Faturamento's "Prévia de
glosas"), so one rule set judges both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from copass_app.dbtypes import to_money
from copass_app.models import (
    Batch,
    BatchGuide,
    BatchItem,
    BatchStatus,
    Beneficiary,
    BillingDraft,
    CatalogItem,
    DraftExtraItem,
    DraftGuide,
    Guide,
    GuideItem,
    GuideType,
    Provider,
    TypedAttendance,
)
from copass_app.services.billing.queries import billable, chosen, unbilled

PROCEDURE_TABLE = "22"  # TUSS procedimentos: what an authorization names and what is billed twice
CATALOG_PRICED_TABLES = ("18", "19", "20")  # taxas/diárias, materiais, medicamentos: the catalog's price


class ItemRef(NamedTuple):
    """Which line a finding is about: a batch item, or a draft's guide item or added item."""

    batch_item_id: int | None = None
    guide_item_id: int | None = None
    extra_item_id: int | None = None


class ItemContext(NamedTuple):
    """One line as billed (a typed row; a named tuple because a preview builds ten thousand of them)."""

    ref: ItemRef
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    authorized_qty: Decimal | None  # None: not an item of the authorization (a fee, material, medication added)
    contract_price: Decimal | None  # the contracted unit price, when one is known
    billed_before: str = ""  # where the same procedure, beneficiary and date was billed already ("" = nowhere)


@dataclass(frozen=True)
class GuideContext:
    guide_id: int
    provider_id: int
    guide_number: str
    beneficiary_name: str
    card_number: str
    card_known: bool
    performed_on: date
    valid_until: date | None
    authorized_procedures: frozenset[tuple[str, str]]  # (table, code) with an authorized quantity > 0
    items: tuple[ItemContext, ...]


@dataclass
class _Guide:
    """A guide while its context is being assembled."""

    guide_id: int
    provider_id: int
    number: str
    beneficiary_id: int | None
    beneficiary_name: str
    card_number: str
    card_known: bool
    performed_on: date
    valid_until: date | None
    order: tuple = ()


# A line while its context is being assembled: (guide key, ref, table, code, description, quantity,
# unit value, total, authorized quantity, authorized unit value, catalog price).
_Line = tuple


# --- a received batch --------------------------------------------------------------------------


def batch_contexts(db: Session, batch: Batch) -> list[GuideContext]:
    """Every guide of a received batch, in billing order."""
    operator_id = _operator_of(db, batch.provider_id)
    guide_rows = db.exec(
        select(BatchGuide.id, Guide.id, Guide.provider_id, Guide.provider_guide_number, Guide.beneficiary_id,
               Beneficiary.name, Beneficiary.card_number, Beneficiary.operator_id, BatchGuide.performed_on,
               Guide.valid_until)
        .join(Guide, Guide.id == BatchGuide.guide_id)
        .outerjoin(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(BatchGuide.batch_id == batch.id)
        .order_by(BatchGuide.id)
    ).all()
    guides: dict[int, _Guide] = {}
    for order, (bg_id, gid, provider_id, number, ben_id, name, card, ben_operator, performed, valid) in \
            enumerate(guide_rows):
        guides[bg_id] = _Guide(gid, provider_id, number, ben_id, name or "", card or "",
                               _card_known(card, ben_operator, operator_id), performed, valid, (order,))
    lines = [
        (bg_id, ItemRef(item_id, None, None), table, code, description, quantity, unit_value, total,
         authorized_qty, authorized_unit, price)
        for item_id, bg_id, table, code, description, quantity, unit_value, total, authorized_qty, authorized_unit,
        price in db.exec(
            select(BatchItem.id, BatchItem.batch_guide_id, BatchItem.table_code, BatchItem.code,
                   BatchItem.description, BatchItem.quantity, BatchItem.unit_value, BatchItem.total_value,
                   GuideItem.authorized_qty,
                   # A typed attendance's value is the provider's own, not an authorized one: its contracted
                   # price is the catalog's (none known: the value rule does not judge it).
                   case((TypedAttendance.guide_id.is_not(None), CatalogItem.price), else_=GuideItem.unit_value),
                   CatalogItem.price)
            .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
            .outerjoin(GuideItem, GuideItem.id == BatchItem.guide_item_id)
            .outerjoin(TypedAttendance, TypedAttendance.guide_id == GuideItem.guide_id)
            .outerjoin(CatalogItem, and_(CatalogItem.table_code == BatchItem.table_code,
                                         CatalogItem.code == BatchItem.code))
            .where(BatchGuide.batch_id == batch.id)
            .order_by(BatchItem.id)
        )
    ]
    authorized = _authorized_procedures(
        db, select(BatchGuide.guide_id).where(BatchGuide.batch_id == batch.id).scalar_subquery())
    earlier = _billed_elsewhere(db, batch.provider_id, guides.values(), before_batch=batch.id)
    return _assemble(guides, lines, authorized, earlier, where_here="neste lote")


# --- the provider's billing draft --------------------------------------------------------------


def draft_contexts(db: Session, draft: BillingDraft) -> list[GuideContext]:
    """The checked guides of a draft as they would be billed: unbilled items, added items, corrected dates."""
    operator_id = _operator_of(db, draft.provider_id)
    type_order = {guide_type.value: index for index, guide_type in enumerate(GuideType)}
    guides: dict[int, _Guide] = {}
    for gid, provider_id, number, guide_type, ben_id, name, card, ben_operator, performed, corrected, valid in \
            db.exec(
                select(Guide.id, Guide.provider_id, Guide.provider_guide_number, Guide.guide_type,
                       Guide.beneficiary_id, Beneficiary.name, Beneficiary.card_number, Beneficiary.operator_id,
                       Guide.performed_on, DraftGuide.performed_on, Guide.valid_until)
                .select_from(DraftGuide)
                .join(Guide, Guide.id == DraftGuide.guide_id)
                .outerjoin(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
                .where(DraftGuide.draft_id == draft.id, chosen(draft), billable(draft.provider_id))):
        performed_on = corrected or performed
        if performed_on is None:
            continue  # not billable as it is; confirming refuses it with its own message
        # The order confirmation bills in: by type (one batch per type), then date and number.
        guides[gid] = _Guide(gid, provider_id, number, ben_id, name or "", card or "",
                             _card_known(card, ben_operator, operator_id), performed_on, valid,
                             (type_order.get(str(guide_type), 99), performed_on, number, gid))
    chosen_guides = (select(DraftGuide.guide_id)
                     .where(DraftGuide.draft_id == draft.id, chosen(draft)).scalar_subquery())
    lines = [
        (gid, ItemRef(None, item_id, None), table, code, description, quantity, unit_value,
         to_money(quantity * unit_value), authorized_qty, unit_value, price)
        for item_id, gid, table, code, description, quantity, unit_value, authorized_qty, price in db.exec(
            select(GuideItem.id, GuideItem.guide_id, GuideItem.table_code, GuideItem.code, GuideItem.description,
                   GuideItem.performed_qty, GuideItem.unit_value, GuideItem.authorized_qty, CatalogItem.price)
            .outerjoin(CatalogItem, and_(CatalogItem.table_code == GuideItem.table_code,
                                         CatalogItem.code == GuideItem.code))
            .where(GuideItem.guide_id.in_(chosen_guides), unbilled())
            .order_by(GuideItem.guide_id, GuideItem.id)
        )
        if gid in guides
    ]
    lines += [
        (guide_id, ItemRef(None, None, extra_id), table, code, description, quantity, unit_value,
         to_money(quantity * unit_value), None, None, price)
        for extra_id, guide_id, table, code, description, quantity, unit_value, price in db.exec(
            select(DraftExtraItem.id, DraftExtraItem.guide_id, DraftExtraItem.table_code, DraftExtraItem.code,
                   DraftExtraItem.description, DraftExtraItem.quantity, DraftExtraItem.unit_value, CatalogItem.price)
            .outerjoin(CatalogItem, and_(CatalogItem.table_code == DraftExtraItem.table_code,
                                         CatalogItem.code == DraftExtraItem.code))
            .where(DraftExtraItem.draft_id == draft.id)
            .order_by(DraftExtraItem.id)
        )
        if guide_id in guides
    ]
    authorized = _authorized_procedures(db, chosen_guides)
    earlier = _billed_elsewhere(db, draft.provider_id, guides.values(), before_batch=None)
    ordered = dict(sorted(guides.items(), key=lambda entry: entry[1].order))
    return _assemble(ordered, lines, authorized, earlier, where_here="neste faturamento")


# --- shared pieces -----------------------------------------------------------------------------


def _operator_of(db: Session, provider_id: int) -> int | None:
    return db.exec(select(Provider.operator_id).where(Provider.id == provider_id)).first()


def _card_known(card: str | None, beneficiary_operator: int | None, operator_id: int | None) -> bool:
    """A card is known when it is a beneficiary of the provider's operator (a card of another plan is not)."""
    return bool(card and card.strip()) and beneficiary_operator is not None and beneficiary_operator == operator_id


def _authorized_procedures(db: Session, guide_ids) -> dict[int, set[tuple[str, str]]]:
    found: dict[int, set[tuple[str, str]]] = {}
    for gid, table, code in db.exec(
        select(GuideItem.guide_id, GuideItem.table_code, GuideItem.code)
        .where(GuideItem.guide_id.in_(guide_ids), GuideItem.authorized_qty > 0)
    ):
        found.setdefault(gid, set()).add((table, code))
    return found


def _billed_elsewhere(db: Session, provider_id: int, guides: Iterable[_Guide], *,
                      before_batch: int | None) -> dict[tuple[int, str, date], str]:
    """(beneficiary, procedure, date) → where it was billed in another live batch of the provider.

    For a received batch only batches received before it count (by id): of two batches billing the
    same procedure the later one is the duplicate, whichever is analysed first."""
    guides = list(guides)
    if not guides:
        return {}
    dates = [guide.performed_on for guide in guides]
    query = (
        select(Guide.beneficiary_id, BatchItem.code, BatchGuide.performed_on, func.min(Batch.lot_number),
               func.min(Batch.protocol_number))
        .select_from(BatchItem)
        .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
        .join(Batch, Batch.id == BatchGuide.batch_id)
        .join(Guide, Guide.id == BatchGuide.guide_id)
        .where(Batch.provider_id == provider_id, Batch.status != BatchStatus.CANCELADO,
               BatchItem.table_code == PROCEDURE_TABLE, BatchGuide.performed_on.between(min(dates), max(dates)))
        .group_by(Guide.beneficiary_id, BatchItem.code, BatchGuide.performed_on)
    )
    if before_batch is not None:
        query = query.where(Batch.id < before_batch)
    return {(ben_id, code, performed): f"no lote {lot} (protocolo {protocol})"
            for ben_id, code, performed, lot, protocol in db.exec(query)}


def _assemble(guides: dict[int, _Guide], lines: list[_Line], authorized: dict[int, set[tuple[str, str]]],
              earlier: dict[tuple[int, str, date], str], *, where_here: str) -> list[GuideContext]:
    """The contexts in the guides' order (the first of two repeated procedures is the original)."""
    by_guide: dict[int, list[_Line]] = {key: [] for key in guides}
    for line in lines:
        by_guide[line[0]].append(line)
    seen_here: dict[tuple[int, str, date], tuple[int, str]] = {}
    contexts = []
    for key, guide in guides.items():
        items = []
        for _key, ref, table, code, description, quantity, unit_value, total, authorized_qty, authorized_unit, \
                catalog_price in by_guide[key]:
            billed_before = ""
            if table == PROCEDURE_TABLE and guide.beneficiary_id is not None:
                same = (guide.beneficiary_id, code, guide.performed_on)
                first = seen_here.setdefault(same, (key, guide.number))
                if same in earlier:
                    billed_before = earlier[same]
                elif first[0] != key:  # a repeat within one guide is the quantity rule's business
                    billed_before = f"{where_here} (guia {first[1]})"
            # The contracted price: the catalog's for fees, materials and medications, else the authorized value.
            price = catalog_price if table in CATALOG_PRICED_TABLES and catalog_price is not None else authorized_unit
            items.append(ItemContext(ref, table, code, description, quantity, unit_value, total, authorized_qty,
                                     price, billed_before))
        contexts.append(GuideContext(
            guide_id=guide.guide_id, provider_id=guide.provider_id, guide_number=guide.number,
            beneficiary_name=guide.beneficiary_name, card_number=guide.card_number, card_known=guide.card_known,
            performed_on=guide.performed_on, valid_until=guide.valid_until,
            authorized_procedures=frozenset(authorized.get(guide.guide_id, ())), items=tuple(items)))
    return contexts
