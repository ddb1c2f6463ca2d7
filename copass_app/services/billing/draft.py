"""The provider's draft of what to bill: choosing the period, checking guides, correcting dates,
adding fees, materials and medications, cancelling.

The draft lives in the database, so it survives reloads and new logins:

- BillingDraft: period, competência and the default choice ("marcar todas / nenhuma");
- DraftGuide: one row per guide the draft offers, taken when the period is chosen, so a
  confirmation bills what the provider saw and can tell when a guide changed meanwhile.
  `included` is NULL while the guide follows the default (select all / none is one UPDATE);
  `performed_on` holds a corrected "Realização";
- DraftExtraItem: fees, materials and medications added to a guide.

Each function adds and flushes; the caller's unit of work commits (see `unit_of_work.perform`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, delete, exists, func, insert, literal, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.db import in_chunks, refresh_planner_statistics
from copass_app.models import BillingDraft, CatalogItem, DraftExtraItem, DraftGuide, Guide
from copass_app.services.access import Actor, require_provider
from copass_app.services.billing import period
from copass_app.services.billing.queries import (
    GUIDE_NOT_IN_DRAFT,
    billable,
    draft_guide,
    draft_summary,
    find_draft,
    no_longer_billable,
    require_draft,
)
from copass_app.services.billing.views import DraftSummary
from copass_app.services.catalog import require_extra_table
from copass_app.services.errors import DomainError, NotFound

ANALYZE_AFTER_OFFERING = 2000  # guides offered at once (see db.refresh_planner_statistics)
OPENED_IN_ANOTHER_TAB = "O período foi escolhido ao mesmo tempo em outra aba. Tente novamente."


def open_draft(
    db: Session,
    actor: Actor,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    competence: str | None = None,
    today: date | None = None,
) -> DraftSummary:
    """Offer the billable guides of a period, chosen by its dates or by its competência (never both).

    The same period again keeps the choices already made; another period starts a new draft. If
    the same user opens a period in another tab at the same moment, this one is refused with a
    Portuguese message and the caller's unit of work rolls back.
    """
    provider_id = require_provider(actor)
    start, end, competence = period.resolve_period(start, end, competence, today or clock.today())
    draft = find_draft(db, actor)
    if draft and (draft.period_start, draft.period_end, draft.competence) == (start, end, competence):
        offered = _refresh(db, draft)
    else:
        _discard_user_drafts(db, actor.user_id)
        draft = BillingDraft(user_id=actor.user_id, provider_id=provider_id, period_start=start,
                             period_end=end, competence=competence)
        db.add(draft)
        try:
            db.flush()
        except IntegrityError as error:  # one draft per user: the other tab's insert came first
            raise DomainError(OPENED_IN_ANOTHER_TAB) from error
        offered = _offer_period_guides(db, draft, new_draft=True)
    if offered >= ANALYZE_AFTER_OFFERING:
        refresh_planner_statistics(db, "draft_guide")
    return draft_summary(db, draft)


def would_discard_changes(
    db: Session, actor: Actor, *, start: date | str | None = None, end: date | str | None = None,
    competence: str | None = None, today: date | None = None,
) -> bool:
    """Would `open_draft` with this period throw away what the provider did (unchecked guides,
    corrected dates, added items)? The same period keeps them; an untouched draft has nothing to lose."""
    require_provider(actor)
    start, end, competence = period.resolve_period(start, end, competence, today or clock.today())
    draft = find_draft(db, actor)
    if draft is None or (draft.period_start, draft.period_end, draft.competence) == (start, end, competence):
        return False
    if not draft.include_by_default:
        return True
    touched = select(DraftGuide.guide_id).where(
        DraftGuide.draft_id == draft.id, (DraftGuide.included.is_not(None)) | (DraftGuide.performed_on.is_not(None)))
    added = select(DraftExtraItem.id).where(DraftExtraItem.draft_id == draft.id)
    return db.exec(touched.limit(1)).first() is not None or db.exec(added.limit(1)).first() is not None


def get_draft(db: Session, actor: Actor) -> DraftSummary | None:
    """The draft in preparation, brought up to date: guides released since are offered, guides
    that can no longer be billed (cancelled, billed in another lot) are dropped."""
    require_provider(actor)
    draft = find_draft(db, actor)
    if draft is None:
        return None
    _refresh(db, draft)
    return draft_summary(db, draft)


def set_guide_included(db: Session, actor: Actor, guide_id: int, included: bool) -> DraftSummary:
    """Check or uncheck one guide: one UPDATE and the totals query."""
    require_provider(actor)
    draft = require_draft(db, actor)
    # NULL = "follows the default", so select all / none clears every exception at once.
    value = None if bool(included) == draft.include_by_default else bool(included)
    result = db.execute(
        update(DraftGuide)
        .where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == guide_id)
        .values(included=value)
    )
    if result.rowcount != 1:
        raise NotFound(GUIDE_NOT_IN_DRAFT)
    _touch(db, draft)
    return draft_summary(db, draft)


def toggle_guide(db: Session, actor: Actor, guide_id: int, included: bool) -> bool:
    """Check or uncheck one guide without recomputing the totals (the page keeps them by the row it
    shows): one conditional UPDATE. True when the guide's choice changed, False when it already was so."""
    require_provider(actor)
    draft = require_draft(db, actor)
    value = None if bool(included) == draft.include_by_default else bool(included)
    shown = func.coalesce(DraftGuide.included, draft.include_by_default)
    result = db.execute(
        update(DraftGuide)
        .where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == guide_id, shown != bool(included))
        .values(included=value)
    )
    if result.rowcount == 1:
        _touch(db, draft)
        return True
    if db.exec(select(DraftGuide.guide_id).where(DraftGuide.draft_id == draft.id,
                                                 DraftGuide.guide_id == guide_id)).first() is None:
        raise NotFound(GUIDE_NOT_IN_DRAFT)
    return False


def set_all_included(db: Session, actor: Actor, included: bool) -> DraftSummary:
    """Select all / none: flip the default and clear the per-guide exceptions (corrected dates stay)."""
    require_provider(actor)
    draft = require_draft(db, actor)
    draft.include_by_default = bool(included)
    db.execute(
        update(DraftGuide)
        .where(DraftGuide.draft_id == draft.id, DraftGuide.included.is_not(None))
        .values(included=None)
    )
    _touch(db, draft)
    return draft_summary(db, draft)


def change_performed_date(
    db: Session, actor: Actor, guide_id: int, new_date: date | str, *, today: date | None = None
) -> DraftSummary:
    """Correct a guide's "Realização". The guide stays in the draft even if the new date leaves the period."""
    correct_performed_date(db, actor, guide_id, new_date, today=today)
    return draft_summary(db, require_draft(db, actor))


def correct_performed_date(
    db: Session, actor: Actor, guide_id: int, new_date: date | str, *, today: date | None = None
) -> date:
    """`change_performed_date` without the totals (a date changes none): the Realização now stored."""
    provider_id = require_provider(actor)
    draft = require_draft(db, actor)
    offered, guide = draft_guide(db, draft, provider_id, guide_id)
    new_date = period.performed_date(guide, new_date, today or clock.today())
    offered.performed_on = None if new_date == guide.performed_on else new_date
    db.add(offered)
    _touch(db, draft)
    return new_date


def add_extra_item(
    db: Session,
    actor: Actor,
    guide_id: int,
    catalog_item_id: int,
    *,
    quantity: Decimal | int | str = Decimal(1),
    unit_value: Decimal | int | str | None = None,
    merge: bool | None = None,
) -> DraftSummary:
    """Add a fee (TUSS 18), material (19) or medication (20) to a guide; the value defaults to the contracted price.

    Quantity and value may be text as the provider typed it (`1,2345`, `1.500,00`) or Decimal.
    An item the guide already has is `RepeatedItem` (nothing written) unless the caller says what to
    do: `merge=True` adds the quantity to the existing line (at its value), `merge=False` adds a line.
    """
    provider_id = require_provider(actor)
    draft = require_draft(db, actor)
    draft_guide(db, draft, provider_id, guide_id)
    item = db.get(CatalogItem, catalog_item_id)
    if item is None:
        raise NotFound("Item não encontrado no catálogo.")
    require_extra_table(item.table_code)
    quantity, unit_value = period.extra_item_amounts(quantity, item.price if unit_value is None else unit_value)
    existing = db.exec(
        select(DraftExtraItem).where(DraftExtraItem.draft_id == draft.id, DraftExtraItem.guide_id == guide_id,
                                     DraftExtraItem.table_code == item.table_code, DraftExtraItem.code == item.code)
        .order_by(DraftExtraItem.id)
    ).first()
    if existing is not None and merge is None:
        raise RepeatedItem(item.code, item.name, existing.quantity)
    if existing is not None and merge:
        existing.quantity, _ = period.extra_item_amounts(existing.quantity + quantity, existing.unit_value)
        db.add(existing)
    else:
        db.add(DraftExtraItem(draft_id=draft.id, guide_id=guide_id, table_code=item.table_code, code=item.code,
                              description=item.name, quantity=quantity, unit_value=unit_value))
    _touch(db, draft)
    return draft_summary(db, draft)


class RepeatedItem(DomainError):
    """The guide already has this item: the provider chooses between one line or two."""

    def __init__(self, code: str, name: str, quantity: Decimal) -> None:
        super().__init__(f"A guia já tem o item {code} ({name}), quantidade {fmt.quantity(quantity)}. "
                         "Somar a quantidade à linha existente?")
        self.item_code, self.item_name, self.existing_quantity = code, name, quantity


def remove_extra_item(db: Session, actor: Actor, extra_item_id: int) -> DraftSummary:
    require_provider(actor)
    draft = require_draft(db, actor)
    result = db.execute(
        delete(DraftExtraItem).where(DraftExtraItem.id == extra_item_id, DraftExtraItem.draft_id == draft.id)
    )
    if result.rowcount != 1:
        raise NotFound("Item adicionado não encontrado.")
    _touch(db, draft)
    return draft_summary(db, draft)


def cancel_draft(db: Session, actor: Actor) -> None:
    """Discard everything not confirmed; the guides stay available to bill."""
    require_provider(actor)
    _discard_user_drafts(db, actor.user_id)


def delete_draft(db: Session, draft_id: int) -> None:
    db.execute(delete(DraftExtraItem).where(DraftExtraItem.draft_id == draft_id))
    db.execute(delete(DraftGuide).where(DraftGuide.draft_id == draft_id))
    db.execute(delete(BillingDraft).where(BillingDraft.id == draft_id))


# --- bookkeeping -------------------------------------------------------------------------------


def _touch(db: Session, draft: BillingDraft) -> None:
    draft.updated_at = clock.now()
    db.add(draft)
    db.flush()


def _offer_period_guides(db: Session, draft: BillingDraft, *, new_draft: bool = False) -> int:
    """Add the period's billable guides the draft does not offer yet (one INSERT … SELECT); returns how many."""
    offered = select(literal(draft.id, Integer), Guide.id).where(
        billable(draft.provider_id),
        Guide.performed_on.between(draft.period_start, draft.period_end),
    )
    if not new_draft:
        offered = offered.where(~exists().where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id == Guide.id))
    return db.execute(insert(DraftGuide).from_select(["draft_id", "guide_id"], offered)).rowcount


def _refresh(db: Session, draft: BillingDraft) -> int:
    """Drop guides that can no longer be billed (with their added items), then offer new ones."""
    stale = db.exec(
        select(DraftGuide.guide_id)
        .join(Guide, Guide.id == DraftGuide.guide_id)
        .where(DraftGuide.draft_id == draft.id, no_longer_billable(draft.provider_id))
    ).all()
    for chunk in in_chunks(stale):
        db.execute(delete(DraftExtraItem).where(DraftExtraItem.draft_id == draft.id,
                                                DraftExtraItem.guide_id.in_(chunk)))
        db.execute(delete(DraftGuide).where(DraftGuide.draft_id == draft.id, DraftGuide.guide_id.in_(chunk)))
    return _offer_period_guides(db, draft)


def _discard_user_drafts(db: Session, user_id: int) -> None:
    for draft_id in db.exec(select(BillingDraft.id).where(BillingDraft.user_id == user_id)).all():
        delete_draft(db, draft_id)
