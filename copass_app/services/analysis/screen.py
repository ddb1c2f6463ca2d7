"""Análise do lote: the batch's guides and items, each with its decision, its applied glosa and
the critique's proposals, and the totals informado / glosa / liberado. A few queries per batch."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from copass_app.models import Batch, BatchGuide, BatchItem, BatchStatus, Glosa, GlosaSource, GlosaStatus, Provider, User
from copass_app.services.access import Actor, require_staff
from copass_app.services.analysis.views import ZERO, BatchAnalysis, GlosaView, GuideAnalysis, ItemAnalysis
from copass_app.services.batch_queries import batch_guides, batch_row
from copass_app.services.errors import NotFound
from copass_app.services.transitions import BATCH_NOT_FOUND
from copass_app.tiss import codes


def batch_analysis(db: Session, staff: Actor, batch_id: int) -> BatchAnalysis:
    require_staff(staff)
    batch = db.get(Batch, batch_id) if isinstance(batch_id, int) else None
    if batch is None:
        raise NotFound(BATCH_NOT_FOUND)
    provider = db.get(Provider, batch.provider_id)
    guides = batch_guides(db, batch.id)
    items_by_guide: dict[int, list[BatchItem]] = defaultdict(list)
    for item in db.exec(
        select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
        .where(BatchGuide.batch_id == batch.id).order_by(BatchItem.id)
    ):
        items_by_guide[item.batch_guide_id].append(item)
    glosas = list(db.exec(select(Glosa).where(Glosa.batch_id == batch.id).order_by(Glosa.id)))
    names = user_names(db, {g.created_by for g in glosas} | {g.decided_by for g in glosas} | {batch.analysed_by})
    views = glosa_views(glosas, names)
    guide_views = tuple(
        GuideAnalysis(
            batch_guide_id=batch_guide.id, guide_id=guide.id, guide_number=guide.provider_guide_number,
            operator_guide_number=guide.operator_guide_number, beneficiary_name=name, card_number=card,
            performed_on=batch_guide.performed_on, total=batch_guide.total_value,
            items=tuple(item_view(item, views.get(item.id, [])) for item in items_by_guide[batch_guide.id]))
        for batch_guide, guide, name, card in guides
    )
    items = [item for guide in guide_views for item in guide.items]
    return BatchAnalysis(
        row=batch_row(batch), provider_code=provider.code, provider_name=provider.name,
        total_value=batch.total_value,
        glosa_value=sum((item.glosa_value for item in items), ZERO),
        approved_value=sum((item.approved_value for item in items if item.decided), ZERO),
        undecided_count=sum(1 for item in items if not item.decided),
        pending_count=sum(len(item.proposals) for item in items),
        editable=batch.status == BatchStatus.EM_ANALISE,
        analysed_at=batch.analysed_at, analysed_by_name=names.get(batch.analysed_by, ""),
        guides=guide_views,
    )


def item_analysis(db: Session, item: BatchItem) -> ItemAnalysis:
    """One item as the screen shows it, after a decision on it."""
    glosas = list(db.exec(select(Glosa).where(Glosa.batch_item_id == item.id).order_by(Glosa.id)))
    names = user_names(db, {g.created_by for g in glosas} | {g.decided_by for g in glosas})
    return item_view(item, glosa_views(glosas, names).get(item.id, []))


def item_view(item: BatchItem, glosas: list[GlosaView]) -> ItemAnalysis:
    applied = next((g for g in glosas if g.status == GlosaStatus.APLICADA), None)
    return ItemAnalysis(
        id=item.id, table_code=item.table_code, code=item.code, description=item.description,
        quantity=item.quantity, unit_value=item.unit_value, total=item.total_value,
        approved_value=item.approved_value, applied=applied,
        proposals=tuple(g for g in glosas if g.status == GlosaStatus.PROPOSTA),
        discarded=tuple(g for g in glosas if g.status == GlosaStatus.DESCARTADA))


def glosa_views(glosas: list[Glosa], names: dict[int, str]) -> dict[int, list[GlosaView]]:
    by_item: dict[int, list[GlosaView]] = defaultdict(list)
    for g in glosas:
        by_item[g.batch_item_id].append(GlosaView(
            id=g.id, batch_item_id=g.batch_item_id, reason_code=g.reason_code,
            reason_description=codes.describe(g.reason_code), value=g.value, note=g.note,
            status=GlosaStatus(g.status), source=GlosaSource(g.source), rule=g.rule,
            created_by_name=names.get(g.created_by, ""), created_at=g.created_at,
            decided_by_name=names.get(g.decided_by, ""), decided_at=g.decided_at))
    return by_item


def user_names(db: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.exec(select(User.id, User.name).where(User.id.in_(ids))).all())
