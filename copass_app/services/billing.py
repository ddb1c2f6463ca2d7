"""Faturamento de atendimentos: the provider's draft of what to bill, and its confirmation into batches.

The draft lives in the database, so it survives reloads and new logins:

- BillingDraft: period, competência and the default choice ("marcar todas / nenhuma");
- DraftGuide: one row per guide the draft offers, taken when the period is chosen, so a
  confirmation bills what the provider saw and can tell when a guide changed meanwhile.
  `included` is NULL while the guide follows the default (select all / none is one UPDATE);
  `performed_on` holds a corrected "Realização";
- DraftExtraItem: fees, materials and medications added to a guide.

Money is summed in SQL over the stored scaled integers, so totals are exact and fast.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    text,
    true,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from copass_app import formatting as fmt
from copass_app.dbtypes import to_money
from copass_app.models import (
    Batch,
    BatchOrigin,
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
    utcnow,
)
from copass_app.services.access import Actor, require_provider
from copass_app.services.batches import transaction
from copass_app.services.batch_writer import BatchLine, GuideToBill, write_batch
from copass_app.services.catalog import require_extra_table
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.guides import GUIDE_TYPE_LABELS, TISS_STATUS_LABELS

AUTHORIZED = (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE)
MAX_GUIDES_PER_BATCH = 100  # TISS loteGuias
MAX_PERIOD_DAYS = 366
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CONFIRM_ATTEMPTS = 3
ANALYZE_AFTER_OFFERING = 2000  # guides offered at once (see _refresh_planner_statistics)
DUPLICATE_BILLING = "1702"  # TISS table 38: cobrança de procedimento em duplicidade
# TISS ct_procedimentoExecutadoOutras: quantidadeExecutada st_decimal9-4, valores st_decimal10-2.
MAX_QUANTITY = Decimal("99999.9999")
MAX_VALUE = Decimal("99999999.99")


NO_DRAFT = "Nenhum faturamento em preparação. Escolha o período a faturar."
GUIDE_NOT_IN_DRAFT = "Guia não encontrada neste faturamento."
NOTHING_CHOSEN = "Nenhuma guia selecionada para faturar."
BUSY = "Não foi possível concluir o faturamento agora. Tente novamente em instantes."
REFRESH = "Atualize a lista."

_COMPETENCE_RE = re.compile(r"(\d{4})-(\d{2})")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DraftSummary:
    period_start: date
    period_end: date
    competence: str  # YYYY-MM
    guide_count_selected: int
    item_count_selected: int  # guide items and added items
    value_selected: Decimal
    guide_count_available: int
    include_by_default: bool


@dataclass(frozen=True)
class DraftItemView:
    id: int | None  # GuideItem id; None for an added item
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    extra_item_id: int | None = None  # DraftExtraItem id for an added item

    @property
    def is_extra(self) -> bool:
        return self.extra_item_id is not None


@dataclass(frozen=True)
class DraftGuideView:
    guide_id: int
    guide_type: GuideType
    type_label: str
    provider_guide_number: str
    operator_guide_number: str
    beneficiary_name: str
    card_number: str
    performed_on: date  # corrected or original
    original_performed_on: date | None
    requested_on: date
    authorized_on: date | None
    valid_until: date | None
    included: bool
    items: list[DraftItemView]
    total: Decimal

    @property
    def date_changed(self) -> bool:
        return self.performed_on != self.original_performed_on


@dataclass(frozen=True)
class DraftPage:
    summary: DraftSummary
    rows: list[DraftGuideView]
    total: int  # guides available in the draft
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class ConfirmedBatch:
    batch_id: int
    protocol_number: str
    lot_number: str
    guide_type: GuideType
    guide_count: int
    total: Decimal


# --- the draft ---------------------------------------------------------------------------------


def open_draft(
    db: Session,
    actor: Actor,
    *,
    start: date | None = None,
    end: date | None = None,
    competence: str | None = None,
    today: date | None = None,
) -> DraftSummary:
    """Offer the period's billable guides; the same period again keeps the choices already made."""
    provider_id = require_provider(actor)
    start, end, competence = _resolve_period(start, end, competence, today or _today())
    try:
        with transaction(db):
            draft = _find_draft(db, actor)
            same = draft and (draft.period_start, draft.period_end, draft.competence) == (start, end, competence)
            if same:
                offered = _refresh(db, draft)
            else:
                _discard_user_drafts(db, actor.user_id)
                draft = BillingDraft(user_id=actor.user_id, provider_id=provider_id, period_start=start,
                                     period_end=end, competence=competence)
                db.add(draft)
                db.flush()
                offered = _offer_period_guides(db, draft, new_draft=True)
    except IntegrityError as error:  # the same user opened a period in another tab at the same moment
        raise DomainError("O período foi escolhido ao mesmo tempo em outra aba. Tente novamente.") from error
    if offered >= ANALYZE_AFTER_OFFERING:
        _refresh_planner_statistics(db)
    return _summary(db, draft)


def get_draft(db: Session, actor: Actor) -> DraftSummary | None:
    """The draft in preparation, brought up to date: guides released since are offered, guides
    that can no longer be billed (cancelled, billed in another lot) are dropped."""
    require_provider(actor)
    with transaction(db):
        draft = _find_draft(db, actor)
        if draft is None:
            return None
        _refresh(db, draft)
        return _summary(db, draft)


def draft_page(db: Session, actor: Actor, *, page: int = 1, page_size: int = PAGE_SIZE) -> DraftPage:
    """One page of the draft's billable guides with their items, by date of realização then number."""
    require_provider(actor)
    draft = _require_draft(db, actor)
    summary = _summary(db, draft)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, min(page, max(1, -(-summary.guide_count_available // page_size))))
    performed = func.coalesce(DraftGuide.performed_on, Guide.performed_on)
    rows = db.exec(
        select(Guide, Beneficiary.name, Beneficiary.card_number, DraftGuide.included, DraftGuide.performed_on)
        .select_from(DraftGuide)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(DraftGuide.draft_id == draft.id, _billable(draft.provider_id))
        .order_by(performed, Guide.provider_guide_number, Guide.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = _page_items(db, draft, [guide.id for guide, *_ in rows])
    views = [
        _guide_view(guide, name, card, draft.include_by_default if included is None else included,
                    corrected, items.get(guide.id, []))
        for guide, name, card, included, corrected in rows
    ]
    return DraftPage(summary=summary, rows=views, total=summary.guide_count_available, page=page,
                     page_size=page_size)


def set_guide_included(db: Session, actor: Actor, guide_id: int, included: bool) -> DraftSummary:
    """Check or uncheck one guide: one UPDATE and the totals query."""
    require_provider(actor)
    with transaction(db):
        draft = _require_draft(db, actor)
        # NULL = "follows the default", so select all / none clears every exception at once.
        value = None if bool(included) == draft.include_by_default else bool(included)
        result = db.execute(
            update(DraftGuide)
            .where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == guide_id)
            .values(included=value)
        )
        if result.rowcount != 1:
            raise NotFound(GUIDE_NOT_IN_DRAFT)
        _touch(draft)
        return _summary(db, draft)


def set_all_included(db: Session, actor: Actor, included: bool) -> DraftSummary:
    """Select all / none: flip the default and clear the per-guide exceptions (corrected dates stay)."""
    require_provider(actor)
    with transaction(db):
        draft = _require_draft(db, actor)
        draft.include_by_default = bool(included)
        db.execute(
            update(DraftGuide)
            .where(DraftGuide.draft_id == draft.id, DraftGuide.included.is_not(None))
            .values(included=None)
        )
        _touch(draft)
        return _summary(db, draft)


def change_performed_date(
    db: Session, actor: Actor, guide_id: int, new_date: date | str, *, today: date | None = None
) -> DraftSummary:
    """Correct a guide's "Realização". The guide stays in the draft even if the new date leaves the period."""
    provider_id = require_provider(actor)
    with transaction(db):
        draft = _require_draft(db, actor)
        draft_guide, guide = _draft_guide(db, draft, provider_id, guide_id)
        new_date = _as_date(new_date, "Data de realização inválida. Use o formato DD/MM/AAAA.")
        _check_performed_date(guide, new_date, today or _today())
        draft_guide.performed_on = None if new_date == guide.performed_on else new_date
        db.add(draft_guide)
        _touch(draft)
        return _summary(db, draft)


def add_extra_item(
    db: Session,
    actor: Actor,
    guide_id: int,
    catalog_item_id: int,
    *,
    quantity: Decimal | int | str = Decimal(1),
    unit_value: Decimal | int | str | None = None,
) -> DraftSummary:
    """Add a fee (TUSS 18), material (19) or medication (20) to a guide; the value defaults to the contracted price."""
    provider_id = require_provider(actor)
    with transaction(db):
        draft = _require_draft(db, actor)
        _draft_guide(db, draft, provider_id, guide_id)
        item = db.get(CatalogItem, catalog_item_id)
        if item is None:
            raise NotFound("Item não encontrado no catálogo.")
        require_extra_table(item.table_code)
        quantity = _valid_quantity(quantity)
        unit_value = _valid_unit_value(item.price if unit_value is None else unit_value)
        if to_money(quantity * unit_value) > MAX_VALUE:
            raise DomainError("O valor total do item ultrapassa o máximo permitido pelo padrão TISS.")
        db.add(DraftExtraItem(draft_id=draft.id, guide_id=guide_id, table_code=item.table_code, code=item.code,
                              description=item.name, quantity=quantity, unit_value=unit_value))
        _touch(draft)
        db.flush()
        return _summary(db, draft)


def remove_extra_item(db: Session, actor: Actor, extra_item_id: int) -> DraftSummary:
    require_provider(actor)
    with transaction(db):
        draft = _require_draft(db, actor)
        result = db.execute(
            delete(DraftExtraItem).where(DraftExtraItem.id == extra_item_id, DraftExtraItem.draft_id == draft.id)
        )
        if result.rowcount != 1:
            raise NotFound("Item adicionado não encontrado.")
        _touch(draft)
        return _summary(db, draft)


def cancel_draft(db: Session, actor: Actor) -> None:
    """Discard everything not confirmed; the guides stay available to bill."""
    require_provider(actor)
    with transaction(db):
        _discard_user_drafts(db, actor.user_id)


# --- confirmation ------------------------------------------------------------------------------


def confirm_draft(db: Session, actor: Actor, *, now: datetime | None = None) -> list[ConfirmedBatch]:
    """Create the batches of the checked guides in one transaction: all of them or none.

    The BilledItem primary key is what makes double billing impossible: when another
    confirmation takes an item first, the insert fails, everything is rolled back and the next
    attempt finds the guide billed (TISS 1702). A lot number taken meanwhile is simply retried.
    """
    require_provider(actor)
    now = now or utcnow()
    after_conflict = False
    for _ in range(CONFIRM_ATTEMPTS):
        try:
            confirmed = _confirm_once(db, actor, now, after_conflict=after_conflict)
            db.commit()
            return confirmed
        except IntegrityError:
            db.rollback()
            after_conflict = True
        except OperationalError as error:  # lock timeout, deadlock: nothing was written
            db.rollback()
            raise DomainError(BUSY) from error
        except BaseException:
            db.rollback()
            raise
    raise DomainError(BUSY)


def _confirm_once(db: Session, actor: Actor, now: datetime, *, after_conflict: bool) -> list[ConfirmedBatch]:
    draft = _find_draft(db, actor)
    if draft is None:
        # The same draft confirmed at once in another tab: the winner removed it.
        if after_conflict:
            raise DomainError(f"Estas guias já foram faturadas em outro lote. {REFRESH}", DUPLICATE_BILLING)
        raise DomainError(NO_DRAFT)
    guides = _load_chosen(db, draft)
    confirmed = [
        _write_batch(db, actor, draft, guide_type, chunk, now) for guide_type, chunk in _plan_batches(guides)
    ]
    # Checked again inside the write transaction: a guide cancelled while we were reading is refused.
    _refuse_unbillable(_chosen_guide_rows(db, draft), draft.provider_id)
    _delete_draft(db, draft.id)
    return confirmed


def _load_chosen(db: Session, draft: BillingDraft) -> list[GuideToBill]:
    rows = _chosen_guide_rows(db, draft)
    if not rows:
        raise DomainError(NOTHING_CHOSEN)
    _refuse_unbillable(rows, draft.provider_id)
    lines: dict[int, list[BatchLine]] = defaultdict(list)
    items = db.exec(
        select(GuideItem.id, GuideItem.guide_id, GuideItem.table_code, GuideItem.code, GuideItem.description,
               GuideItem.performed_qty, GuideItem.unit_value)
        .join(DraftGuide, DraftGuide.guide_id == GuideItem.guide_id)
        .where(DraftGuide.draft_id == draft.id, _chosen(draft), _unbilled())
        .order_by(GuideItem.guide_id, GuideItem.id)
    )
    for item_id, guide_id, table, code, description, quantity, unit_value in items:
        lines[guide_id].append(BatchLine(item_id, table, code, description, quantity, unit_value))
    billed_meanwhile = [row[0] for row in rows if row[0] not in lines]
    if billed_meanwhile:
        raise _already_billed(db, billed_meanwhile)
    extras = db.exec(select(DraftExtraItem).where(DraftExtraItem.draft_id == draft.id).order_by(DraftExtraItem.id))
    for extra in extras:
        if extra.guide_id in lines:
            lines[extra.guide_id].append(
                BatchLine(None, extra.table_code, extra.code, extra.description, extra.quantity, extra.unit_value)
            )
    return [
        GuideToBill(guide_id=guide_id, performed_on=corrected or performed, lines=lines[guide_id],
                    guide_type=GuideType(guide_type), number=number)
        for guide_id, _provider, _status, guide_type, number, performed, corrected in rows
    ]


def _chosen_guide_rows(db: Session, draft: BillingDraft) -> list[tuple]:
    return db.exec(
        select(Guide.id, Guide.provider_id, Guide.status, Guide.guide_type, Guide.provider_guide_number,
               Guide.performed_on, DraftGuide.performed_on)
        .join(DraftGuide, DraftGuide.guide_id == Guide.id)
        .where(DraftGuide.draft_id == draft.id, _chosen(draft))
    ).all()


def _refuse_unbillable(rows: list[tuple], provider_id: int) -> None:
    problems = []
    for _id, guide_provider, status, _type, number, performed, corrected in rows:
        if guide_provider != provider_id:
            problems.append(f"{number} (não pertence a este prestador)")
        elif status not in AUTHORIZED:
            problems.append(f"{number} ({TISS_STATUS_LABELS[GuideStatus(status)].lower()})")
        elif (corrected or performed) is None:
            problems.append(f"{number} (sem data de realização)")
    if problems:
        more = f" e mais {len(problems) - 5}" if len(problems) > 5 else ""
        raise DomainError(f"Algumas guias não podem mais ser faturadas: {', '.join(problems[:5])}{more}. {REFRESH}")


def _already_billed(db: Session, guide_ids: list[int]) -> DomainError:
    protocols = db.exec(
        select(Batch.protocol_number)
        .join(BilledItem, BilledItem.batch_id == Batch.id)
        .join(GuideItem, GuideItem.id == BilledItem.guide_item_id)
        .where(GuideItem.guide_id.in_(guide_ids[:500]))
        .distinct()
        .order_by(Batch.protocol_number)
        .limit(5)
    ).all()
    where = f" (protocolo {', '.join(protocols)})" if protocols else ""
    return DomainError(f"Algumas guias já foram faturadas em outro lote{where}. {REFRESH}", DUPLICATE_BILLING)


def _plan_batches(guides: list[GuideToBill]) -> list[tuple[GuideType, list[GuideToBill]]]:
    """One guide type per batch and at most 100 guides per batch, like a TISS loteGuias."""
    by_type: dict[GuideType, list[GuideToBill]] = defaultdict(list)
    for guide in sorted(guides, key=lambda g: (g.performed_on, g.number, g.guide_id)):
        by_type[guide.guide_type].append(guide)
    return [
        (guide_type, by_type[guide_type][start:start + MAX_GUIDES_PER_BATCH])
        for guide_type in GuideType
        for start in range(0, len(by_type.get(guide_type, [])), MAX_GUIDES_PER_BATCH)
    ]


def _write_batch(
    db: Session, actor: Actor, draft: BillingDraft, guide_type: GuideType, guides: list[GuideToBill], now: datetime
) -> ConfirmedBatch:
    batch = write_batch(db, actor, draft.provider_id, origin=BatchOrigin.WEB, guide_type=guide_type,
                        competence=draft.competence, guides=guides, now=now)
    return ConfirmedBatch(batch_id=batch.id, protocol_number=batch.protocol_number, lot_number=batch.lot_number,
                          guide_type=guide_type, guide_count=len(guides), total=batch.total_value)


# --- queries -----------------------------------------------------------------------------------


def _line_cents(quantity, unit_value):  # noqa: ANN001, ANN202
    """quantity × unit value in cents, rounded half-up like to_money, on the stored scaled integers."""
    scaled = type_coerce(quantity, BigInteger) * type_coerce(unit_value, BigInteger)  # 10^4 × 10^2
    return (scaled + 5000) // 10000


def _unbilled(item=GuideItem):  # noqa: ANN001, ANN202
    """A released item not in a live batch."""
    return and_(item.performed_qty > 0, ~exists().where(BilledItem.guide_item_id == item.id))


def _billable(provider_id: int):  # noqa: ANN202
    """The guide (in the enclosing query) is the provider's, authorized, with an item still to bill."""
    item = aliased(GuideItem)
    return and_(
        Guide.provider_id == provider_id,
        Guide.status.in_(AUTHORIZED),
        exists().where(item.guide_id == Guide.id, _unbilled(item)),
    )


def _chosen(draft: BillingDraft):  # noqa: ANN202
    if draft.include_by_default:
        return or_(DraftGuide.included.is_(None), DraftGuide.included == true())
    return DraftGuide.included == true()


def _summary(db: Session, draft: BillingDraft) -> DraftSummary:
    chosen = _chosen(draft)
    available, selected, items, cents = db.exec(
        select(
            func.count(Guide.id.distinct()),
            func.count(case((chosen, Guide.id)).distinct()),
            func.count(case((chosen, GuideItem.id))),
            func.coalesce(func.sum(case((chosen, _line_cents(GuideItem.performed_qty, GuideItem.unit_value)),
                                        else_=0)), 0),
        )
        .select_from(DraftGuide)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .join(GuideItem, GuideItem.guide_id == Guide.id)
        .where(DraftGuide.draft_id == draft.id, Guide.provider_id == draft.provider_id,
               Guide.status.in_(AUTHORIZED), _unbilled())
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
    per_guide = db.exec(
        select(DraftExtraItem.guide_id, func.count(),
               func.sum(_line_cents(DraftExtraItem.quantity, DraftExtraItem.unit_value)))
        .where(DraftExtraItem.draft_id == draft.id)
        .group_by(DraftExtraItem.guide_id)
    ).all()
    if not per_guide:
        return 0, 0
    counted = set(db.exec(
        select(DraftGuide.guide_id)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id.in_([row[0] for row in per_guide]),
               _chosen(draft), _billable(draft.provider_id))
    ).all())
    rows = [row for row in per_guide if row[0] in counted]
    return sum(row[1] for row in rows), sum(int(row[2]) for row in rows)


def _money_from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def _page_items(db: Session, draft: BillingDraft, guide_ids: list[int]) -> dict[int, list[DraftItemView]]:
    items: dict[int, list[DraftItemView]] = defaultdict(list)
    if not guide_ids:
        return items
    for item in db.exec(
        select(GuideItem).where(GuideItem.guide_id.in_(guide_ids), _unbilled()).order_by(GuideItem.id)
    ):
        items[item.guide_id].append(DraftItemView(
            id=item.id, table_code=item.table_code, code=item.code, description=item.description,
            quantity=item.performed_qty, unit_value=item.unit_value,
            total=to_money(item.performed_qty * item.unit_value)))
    for extra in db.exec(
        select(DraftExtraItem)
        .where(DraftExtraItem.draft_id == draft.id, DraftExtraItem.guide_id.in_(guide_ids))
        .order_by(DraftExtraItem.id)
    ):
        items[extra.guide_id].append(DraftItemView(
            id=None, table_code=extra.table_code, code=extra.code, description=extra.description,
            quantity=extra.quantity, unit_value=extra.unit_value,
            total=to_money(extra.quantity * extra.unit_value), extra_item_id=extra.id))
    return items


def _guide_view(
    guide: Guide, name: str, card: str, included: bool, corrected: date | None, items: list[DraftItemView]
) -> DraftGuideView:
    return DraftGuideView(
        guide_id=guide.id,
        guide_type=GuideType(guide.guide_type),
        type_label=GUIDE_TYPE_LABELS[GuideType(guide.guide_type)],
        provider_guide_number=guide.provider_guide_number,
        operator_guide_number=guide.operator_guide_number,
        beneficiary_name=name,
        card_number=card,
        performed_on=corrected or guide.performed_on,
        original_performed_on=guide.performed_on,
        requested_on=guide.requested_on,
        authorized_on=guide.authorized_on,
        valid_until=guide.valid_until,
        included=bool(included),
        items=items,
        total=sum((item.total for item in items), Decimal("0.00")),
    )


# --- draft bookkeeping -------------------------------------------------------------------------


def _find_draft(db: Session, actor: Actor) -> BillingDraft | None:
    return db.exec(
        select(BillingDraft).where(BillingDraft.user_id == actor.user_id,
                                   BillingDraft.provider_id == actor.provider_id)
    ).first()


def _require_draft(db: Session, actor: Actor) -> BillingDraft:
    draft = _find_draft(db, actor)
    if draft is None:
        raise DomainError(NO_DRAFT)
    return draft


def _draft_guide(db: Session, draft: BillingDraft, provider_id: int, guide_id: int) -> tuple[DraftGuide, Guide]:
    """The guide as offered by this draft; any other guide, another provider's included, is not found."""
    row = db.exec(
        select(DraftGuide, Guide)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == guide_id, Guide.provider_id == provider_id)
    ).first()
    if row is None:
        raise NotFound(GUIDE_NOT_IN_DRAFT)
    return row


def _touch(draft: BillingDraft) -> None:
    draft.updated_at = utcnow()


def _offer_period_guides(db: Session, draft: BillingDraft, *, new_draft: bool = False) -> int:
    """Add the period's billable guides the draft does not offer yet (one INSERT … SELECT); returns how many."""
    offered = select(literal(draft.id, Integer), Guide.id).where(
        _billable(draft.provider_id),
        Guide.performed_on.between(draft.period_start, draft.period_end),
    )
    if not new_draft:
        offered = offered.where(~exists().where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == Guide.id))
    return db.execute(insert(DraftGuide).from_select(["draft_id", "guide_id"], offered)).rowcount


def _refresh_planner_statistics(db: Session) -> None:
    """PostgreSQL plans the draft's queries from statistics autovacuum refreshes only later; with
    thousands of rows it does not know about yet it picks nested loops that double the time of the
    totals. ANALYZE samples the table (a few ms) and blocks no reader or writer."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ANALYZE draft_guide"))
        db.commit()


def _refresh(db: Session, draft: BillingDraft) -> int:
    """Drop guides that can no longer be billed (with their added items), then offer new ones."""
    item = aliased(GuideItem)
    stale = db.exec(
        select(DraftGuide.guide_id)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .where(DraftGuide.draft_id == draft.id, or_(
            Guide.provider_id != draft.provider_id,
            Guide.status.not_in(AUTHORIZED),
            ~exists().where(item.guide_id == Guide.id, _unbilled(item)),
        ))
    ).all()
    for start in range(0, len(stale), 500):
        chunk = stale[start:start + 500]
        db.execute(delete(DraftExtraItem).where(DraftExtraItem.draft_id == draft.id,
                                                DraftExtraItem.guide_id.in_(chunk)))
        db.execute(delete(DraftGuide).where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id.in_(chunk)))
    return _offer_period_guides(db, draft)


def _discard_user_drafts(db: Session, user_id: int) -> None:
    for draft_id in db.exec(select(BillingDraft.id).where(BillingDraft.user_id == user_id)).all():
        _delete_draft(db, draft_id)


def _delete_draft(db: Session, draft_id: int) -> None:
    db.execute(delete(DraftExtraItem).where(DraftExtraItem.draft_id == draft_id))
    db.execute(delete(DraftGuide).where(DraftGuide.draft_id == draft_id))
    db.execute(delete(BillingDraft).where(BillingDraft.id == draft_id))


# --- input checks ------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(fmt.BRASILIA).date()


def _as_date(value: object, message: str) -> date:
    """A date, or text as typed (DD/MM/AAAA) or sent by a date input (AAAA-MM-DD)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if _ISO_DATE_RE.fullmatch(text) else fmt.parse_date_br(text)
        except ValueError:
            pass
    raise DomainError(message)


def _competence_month(competence: str) -> tuple[date, date]:
    match = _COMPETENCE_RE.fullmatch(competence.strip()) if isinstance(competence, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise DomainError("Competência inválida. Use o formato AAAA-MM, por exemplo 2026-03.")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _resolve_period(start: object, end: object, competence: str | None, today: date) -> tuple[date, date, str]:
    """The period to bill and its competência: a competência alone means that month."""
    month = None
    if competence is not None and str(competence).strip():
        month = _competence_month(competence)
        if month[0] > today:
            raise DomainError("A competência não pode ser futura.")
        if start is None and end is None:
            start, end = month
    if start is None or end is None:
        raise DomainError("Informe a data inicial e a data final do período, ou a competência.")
    start = _as_date(start, "Data inicial inválida. Use o formato DD/MM/AAAA.")
    end = _as_date(end, "Data final inválida. Use o formato DD/MM/AAAA.")
    if start > end:
        raise DomainError("A data inicial do período é posterior à data final.")
    if start > today:
        raise DomainError("O período escolhido está no futuro: não há atendimentos realizados a faturar.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(f"O período pode ter no máximo {MAX_PERIOD_DAYS} dias.")
    competence = f"{month[0]:%Y-%m}" if month else f"{min(end, today):%Y-%m}"
    return start, end, competence


def _check_performed_date(guide: Guide, new_date: date, today: date) -> None:
    if new_date > today:
        raise DomainError("A data de realização não pode ser futura.")
    if new_date < guide.requested_on:
        raise DomainError(
            f"A data de realização não pode ser anterior à solicitação da guia ({fmt.date_br(guide.requested_on)})."
        )
    if guide.authorized_on and new_date < guide.authorized_on:
        raise DomainError(
            f"A data de realização não pode ser anterior à autorização da guia ({fmt.date_br(guide.authorized_on)})."
        )
    if guide.valid_until and new_date > guide.valid_until:
        raise DomainError(
            "A data de realização não pode ser posterior à validade da autorização "
            f"({fmt.date_br(guide.valid_until)})."
        )


def _decimal(value: object, message: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Use Decimal para quantidades e valores, nunca float.")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise DomainError(message) from None
    if not number.is_finite():
        raise DomainError(message)
    return number


def _valid_quantity(value: object) -> Decimal:
    quantity = _decimal(value, "Quantidade inválida.")
    if quantity <= 0:
        raise DomainError("A quantidade deve ser maior que zero.")
    if quantity > MAX_QUANTITY:
        raise DomainError("A quantidade máxima é 99.999,9999.")
    if quantity != quantity.quantize(Decimal("0.0001")):
        raise DomainError("A quantidade pode ter no máximo 4 casas decimais.")
    return quantity


def _valid_unit_value(value: object) -> Decimal:
    unit_value = _decimal(value, "Valor unitário inválido.")
    if unit_value < Decimal("0.01"):
        raise DomainError("O valor unitário deve ser de ao menos R$ 0,01.")
    if unit_value > MAX_VALUE:
        raise DomainError("O valor unitário ultrapassa o máximo permitido pelo padrão TISS.")
    if unit_value != unit_value.quantize(Decimal("0.01")):
        raise DomainError("O valor unitário pode ter no máximo 2 casas decimais.")
    return unit_value
