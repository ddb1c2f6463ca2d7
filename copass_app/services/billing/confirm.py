"""Confirming the draft: the checked guides become received batches (lotes), all of them or none."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, select

from copass_app import clock
from copass_app.db import in_chunks
from copass_app.models import (
    Batch,
    BatchOrigin,
    Beneficiary,
    BilledItem,
    BillingDraft,
    DetailSource,
    DraftExtraItem,
    DraftGuide,
    Guide,
    GuideItem,
    GuideStatus,
    GuideType,
    Operator,
    Provider,
)
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_writer import BatchLine, GuideToBill, write_batch
from copass_app.services.billing.draft import delete_draft
from copass_app.services.billing.queries import AUTHORIZED, NO_DRAFT, chosen, find_draft, unbilled
from copass_app.services.billing.views import ConfirmedBatch
from copass_app.services.errors import DomainError
from copass_app.services.lot_export import portal_guide_tree
from copass_app.services.unit_of_work import is_retry
from copass_app.tiss import codes
from copass_app.vocabulary import GUIDE_STATUS

MAX_GUIDES_PER_BATCH = 100  # TISS loteGuias
CONFIRM_RETRIES = 2  # what callers pass to perform(...)
NOTHING_CHOSEN = "Nenhuma guia selecionada para faturar."
REFRESH = "Atualize a lista."


def confirm_draft(db: Session, actor: Actor, *, now: datetime | None = None) -> list[ConfirmedBatch]:
    """Create the batches of the checked guides in the caller's transaction: all of them or none.

    Callers must run it with retries: `perform(lambda db: billing.confirm_draft(db, actor),
    retries=billing.CONFIRM_RETRIES)`. The BilledItem primary key is what makes double billing
    impossible: when another confirmation takes an item first, the insert fails with an
    IntegrityError, `perform` rolls everything back and runs this again, and the retry finds the
    guide billed (TISS 1702, with the other batch's protocol). A lot number taken meanwhile by
    another confirmation fails the same way and the retry simply takes the next one.
    """
    require_provider(actor)
    now = now or clock.now()
    draft = find_draft(db, actor)
    if draft is None:
        if is_retry(db):  # the same draft confirmed at once in another tab: the winner removed it
            raise DomainError(f"Estas guias já foram faturadas em outro lote. {REFRESH}", codes.DUPLICATE_BILLING)
        raise DomainError(NO_DRAFT)
    guides = _with_details(db, draft.provider_id, _load_chosen(db, draft))
    confirmed = [
        _write_batch(db, actor, draft, guide_type, chunk, now) for guide_type, chunk in _plan_batches(guides)
    ]
    # Checked again after writing: a guide cancelled while we were reading is refused.
    _refuse_unbillable(_chosen_guide_rows(db, draft), draft.provider_id)
    delete_draft(db, draft.id)
    db.flush()
    return confirmed


def _load_chosen(db: Session, draft: BillingDraft) -> list[GuideToBill]:
    rows = _chosen_guide_rows(db, draft)
    if not rows:
        raise DomainError(NOTHING_CHOSEN)
    _refuse_unbillable(rows, draft.provider_id)
    lines: dict[int, list[BatchLine]] = defaultdict(list)
    # By the chosen guides' ids, not a join with the draft: PostgreSQL then reads them through the
    # guide_item index whatever its statistics say (with stale ones it scanned every item of every
    # provider on each confirmation: 20 ms instead of 0.1).
    for chunk in in_chunks([row[0] for row in rows]):
        items = db.exec(
            select(GuideItem.id, GuideItem.guide_id, GuideItem.table_code, GuideItem.code, GuideItem.description,
                   GuideItem.performed_qty, GuideItem.unit_value)
            .where(GuideItem.guide_id.in_(chunk), unbilled())
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
        .where(DraftGuide.draft_id == draft.id, chosen(draft))
    ).all()


def _refuse_unbillable(rows: list[tuple], provider_id: int) -> None:
    problems = []
    for _id, guide_provider, status, _type, number, performed, corrected in rows:
        if guide_provider != provider_id:
            problems.append(f"{number} (não pertence a este prestador)")
        elif status not in AUTHORIZED:
            problems.append(f"{number} ({GUIDE_STATUS.label(GuideStatus(status)).lower()})")
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
    return DomainError(f"Algumas guias já foram faturadas em outro lote{where}. {REFRESH}",
                       codes.DUPLICATE_BILLING)


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


def _with_details(db: Session, provider_id: int, guides: list[GuideToBill]) -> list[GuideToBill]:
    """Each guide with the TISS element it is billed with (batch_guide_detail, source PORTAL): the portal's
    own guide data, and its documented defaults for the clinical fields it does not keep (lot_export).
    All the chosen guides at once, before they are split into batches: the provider, the operator and the
    guides are read once per confirmation, not once per batch."""
    provider = db.get(Provider, provider_id)
    operator = db.get(Operator, provider.operator_id)
    rows = {}
    for chunk in in_chunks([g.guide_id for g in guides]):
        rows.update((guide.id, (guide, card)) for guide, card in db.exec(
            select(Guide, Beneficiary.card_number).join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
            .where(Guide.id.in_(chunk))))
    with_details = []
    for g in guides:
        try:
            tree = portal_guide_tree(db, provider, operator, *rows[g.guide_id], g.lines, g.performed_on)
        except ValueError:  # not writable as a TISS guide (a consulta with two lines): billed all the same
            tree = None
        with_details.append(replace(g, detail_source=DetailSource.PORTAL, detail=tree))
    return with_details


def _write_batch(
    db: Session, actor: Actor, draft: BillingDraft, guide_type: GuideType, guides: list[GuideToBill], now: datetime
) -> ConfirmedBatch:
    batch = write_batch(db, actor, draft.provider_id, origin=BatchOrigin.WEB, guide_type=guide_type,
                        competence=draft.competence, guides=guides, now=now)
    return ConfirmedBatch(batch_id=batch.id, protocol_number=batch.protocol_number, lot_number=batch.lot_number,
                          guide_type=guide_type, guide_count=len(guides), total=batch.total_value)
