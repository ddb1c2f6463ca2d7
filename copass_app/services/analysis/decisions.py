"""The analyst's decisions on a batch in analysis: accept an item, apply or remove a glosa, accept
or discard the critique's proposals, accept all, and finish the analysis.

Every change happens only while the batch is EM_ANALISE, and first takes the batch row with a
conditional UPDATE: of a decision and a finish racing each other, one waits for the other and
then sees the batch as it is (on PostgreSQL the later statements read after the wait; on SQLite
writes are serialized). Every write is audited with who, what, and the value before and after.

Decisions already taken on an item are never deleted: a glosa replaced or removed, and the
proposals set aside by a decision, stay on the item as DESCARTADA, visible as history.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, exists, func, update
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import Batch, BatchGuide, BatchItem, BatchStatus, Glosa, GlosaSource, GlosaStatus, Guide
from copass_app.services import audit, transitions
from copass_app.services.access import Actor, require_staff
from copass_app.services.analysis.screen import item_analysis
from copass_app.services.analysis.views import ZERO, ItemAnalysis
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.transitions import BATCH_NOT_FOUND
from copass_app.services.typed_input import parse_money
from copass_app.text import clean_input
from copass_app.tiss import codes
from copass_app.vocabulary import GLOSA_STATUS

ALREADY_ANALYSED = "Lote já analisado: não pode mais ser alterado."
NOT_STARTED = "A análise deste lote ainda não foi iniciada."
CANCELLED = "Lote cancelado (estornado) pelo prestador: não pode ser analisado."
ITEM_NOT_FOUND = "Item não encontrado."
GLOSA_NOT_FOUND = "Glosa não encontrada."
GUIDE_NOT_IN_BATCH = "Guia não encontrada neste lote."
VALUE_FIELD = "Valor da glosa"
MAX_NOTE = 1000


# --- one item ----------------------------------------------------------------------------------


def accept_item(db: Session, staff: Actor, batch_item_id: int) -> ItemAnalysis:
    """Approve the item in full: its glosa, if any, and its pending proposals are set aside."""
    item, guide_number, batch = _open_item(db, staff, batch_item_id)
    before = _decision(db, item)
    _set_aside(db, staff, item.id, (GlosaStatus.APLICADA, GlosaStatus.PROPOSTA))
    item.approved_value = item.total_value
    db.add(item)
    db.flush()
    _audit(db, staff, "analysis.accept_item", item, guide_number, batch, before, "aceito integralmente")
    return item_analysis(db, item)


def apply_glosa(db: Session, staff: Actor, batch_item_id: int, *, value: object, reason_code: object,
                note: object = "") -> ItemAnalysis:
    """The analyst's glosa: replaces the item's earlier glosa; the pending proposals are set aside."""
    require_staff(staff)
    amount = parse_money(value, VALUE_FIELD)
    reason = clean_input(str(reason_code or "")).strip()
    note_text = clean_input(str(note or "")).strip()
    item, guide_number, batch = _open_item(db, staff, batch_item_id)
    _check_glosa(amount, item, reason, note_text)
    before = _decision(db, item)
    _set_aside(db, staff, item.id, (GlosaStatus.APLICADA, GlosaStatus.PROPOSTA))
    now = clock.now()
    db.add(Glosa(batch_item_id=item.id, batch_id=batch.id, provider_id=batch.provider_id, reason_code=reason,
                 value=amount, note=note_text, status=GlosaStatus.APLICADA, source=GlosaSource.ANALISTA,
                 created_by=staff.user_id, created_at=now, decided_by=staff.user_id, decided_at=now))
    item.approved_value = item.total_value - amount
    db.add(item)
    db.flush()
    _audit(db, staff, "analysis.apply_glosa", item, guide_number, batch, before,
           f"glosa {reason} de {fmt.money(amount)}")
    return item_analysis(db, item)


def remove_glosa(db: Session, staff: Actor, glosa_id: int) -> ItemAnalysis:
    """Undo an applied glosa: the item is undecided again (the glosa stays as DESCARTADA)."""
    glosa, item, guide_number, batch = _open_glosa(db, staff, glosa_id)
    if glosa.status != GlosaStatus.APLICADA:
        raise DomainError(f"Esta glosa não está aplicada (situação: {GLOSA_STATUS.label(glosa.status)}).")
    before = _decision(db, item)
    _decide(db, staff, glosa, GlosaStatus.DESCARTADA)
    item.approved_value = None
    db.add(item)
    db.flush()
    _audit(db, staff, "analysis.remove_glosa", item, guide_number, batch, before, "sem decisão")
    return item_analysis(db, item)


def accept_proposal(db: Session, staff: Actor, glosa_id: int) -> ItemAnalysis:
    """The critique's proposal becomes the item's glosa; the item's other proposals are set aside."""
    glosa, item, guide_number, batch = _open_glosa(db, staff, glosa_id)
    _require_pending(glosa)
    if glosa.value > item.total_value:  # the critique never proposes more; an item is never glossed over its value
        raise DomainError(f"{VALUE_FIELD}: maior que o valor do item ({fmt.money(item.total_value)}).")
    before = _decision(db, item)
    _set_aside(db, staff, item.id, (GlosaStatus.APLICADA, GlosaStatus.PROPOSTA), keep=glosa.id)
    _decide(db, staff, glosa, GlosaStatus.APLICADA)
    item.approved_value = item.total_value - glosa.value
    db.add(item)
    db.flush()
    _audit(db, staff, "analysis.accept_proposal", item, guide_number, batch, before,
           f"glosa {glosa.reason_code} de {fmt.money(glosa.value)} (proposta da crítica)")
    return item_analysis(db, item)


def discard_proposal(db: Session, staff: Actor, glosa_id: int) -> ItemAnalysis:
    """Set the proposal aside; the item still waits for the analyst's decision."""
    glosa, item, guide_number, batch = _open_glosa(db, staff, glosa_id)
    _require_pending(glosa)
    _decide(db, staff, glosa, GlosaStatus.DESCARTADA)
    db.flush()
    audit.record(db, staff, "analysis.discard_proposal", "glosa", glosa.id,
                 f"Proposta {glosa.reason_code} de {fmt.money(glosa.value)} do item {item.code} da guia "
                 f"{guide_number} ({_batch_label(batch)}): proposta → descartada", provider_id=batch.provider_id)
    return item_analysis(db, item)


# --- many items --------------------------------------------------------------------------------


def accept_all(db: Session, staff: Actor, batch_id: int, *, guide_id: int | None = None) -> int:
    """Approve in full every undecided item without a pending proposal (of one guide, or of the batch).

    Items with proposals keep waiting: nothing is glossed or cleared without a person's decision."""
    batch = _open_batch(db, staff, batch_id)
    guides = select(BatchGuide.id).where(BatchGuide.batch_id == batch.id)
    where = f"do {_batch_label(batch)}"
    if guide_id is not None:
        number = db.exec(select(Guide.provider_guide_number).join(BatchGuide, BatchGuide.guide_id == Guide.id)
                         .where(BatchGuide.batch_id == batch.id, Guide.id == guide_id)).first()
        if number is None:
            raise NotFound(GUIDE_NOT_IN_BATCH)
        guides = guides.where(BatchGuide.guide_id == guide_id)
        where = f"da guia {number} ({_batch_label(batch)})"
    open_items = and_(BatchItem.batch_guide_id.in_(guides.scalar_subquery()), BatchItem.approved_value.is_(None),
                      ~exists().where(Glosa.batch_item_id == BatchItem.id, Glosa.status == GlosaStatus.PROPOSTA))
    count, value = db.exec(select(func.count(), func.coalesce(func.sum(BatchItem.total_value), 0))
                           .select_from(BatchItem).where(open_items)).one()
    if count:
        db.execute(update(BatchItem).where(open_items).values(approved_value=BatchItem.total_value)
                   .execution_options(synchronize_session=False))
        audit.record(db, staff, "analysis.accept_all", "batch", batch.id,
                     f"Aceitos integralmente {count} item(ns) {where}: sem decisão → aprovados "
                     f"{fmt.money(value)}", provider_id=batch.provider_id)
    return count


def accept_all_proposals(db: Session, staff: Actor, batch_id: int) -> int:
    """The explicit "aceitar todas as propostas": each undecided item with proposals gets its largest
    one as its glosa (the first, on a tie); the item's other proposals are set aside. Returns items glossed."""
    batch = _open_batch(db, staff, batch_id)
    pending = list(db.exec(
        select(Glosa, BatchItem).join(BatchItem, BatchItem.id == Glosa.batch_item_id)
        .where(Glosa.batch_id == batch.id, Glosa.status == GlosaStatus.PROPOSTA, BatchItem.approved_value.is_(None))
        .order_by(Glosa.batch_item_id, Glosa.id)))
    chosen: dict[int, tuple[Glosa, BatchItem]] = {}
    for glosa, item in pending:
        if item.id not in chosen or glosa.value > chosen[item.id][0].value:
            chosen[item.id] = (glosa, item)
    total = ZERO
    for glosa, item in chosen.values():
        _set_aside(db, staff, item.id, (GlosaStatus.APLICADA, GlosaStatus.PROPOSTA), keep=glosa.id)
        _decide(db, staff, glosa, GlosaStatus.APLICADA)
        item.approved_value = item.total_value - glosa.value
        db.add(item)
        total += glosa.value
    db.flush()
    if chosen:
        audit.record(db, staff, "analysis.accept_all_proposals", "batch", batch.id,
                     f"Aceitas as propostas da crítica em {len(chosen)} item(ns) do {_batch_label(batch)}: "
                     f"sem decisão → glosas de {fmt.money(total)}", provider_id=batch.provider_id)
    return len(chosen)


def finish_analysis(db: Session, staff: Actor, batch_id: int) -> Batch:
    """Close the analysis: liberado para pagamento when anything is approved, encerrado sem pagamento otherwise.

    Refused while an item is undecided or a proposal pending. The batch's totals are summed in SQL."""
    batch = _open_batch(db, staff, batch_id)
    items = select(BatchGuide.id).where(BatchGuide.batch_id == batch.id).scalar_subquery()
    undecided = db.exec(select(func.count()).select_from(BatchItem)
                        .where(BatchItem.batch_guide_id.in_(items), BatchItem.approved_value.is_(None))).one()
    pending = db.exec(select(func.count()).select_from(Glosa)
                      .where(Glosa.batch_id == batch.id, Glosa.status == GlosaStatus.PROPOSTA)).one()
    if undecided or pending:
        waiting = [text for count, text in (
            (undecided, f"{undecided} item(ns) sem decisão"),
            (pending, f"{pending} proposta(s) da crítica sem decisão")) if count]
        raise DomainError(f"Não é possível concluir a análise: {' e '.join(waiting)}. "
                          "Aceite ou glose cada item antes de concluir.")
    glosa_sum = (select(func.coalesce(func.sum(Glosa.value), 0))
                 .where(Glosa.batch_id == batch.id, Glosa.status == GlosaStatus.APLICADA).scalar_subquery())
    approved_sum = (select(func.coalesce(func.sum(BatchItem.approved_value), 0))
                    .where(BatchItem.batch_guide_id.in_(items)).scalar_subquery())
    db.execute(update(Batch).where(Batch.id == batch.id, Batch.status == BatchStatus.EM_ANALISE)
               .values(glosa_value=glosa_sum, approved_value=approved_sum)
               .execution_options(synchronize_session=False))
    batch = db.get(Batch, batch.id, populate_existing=True)
    move = "batch.release_payment" if batch.approved_value > 0 else "batch.close_without_payment"
    return transitions.apply(db, staff, move, batch.id)


# --- the batch, the item, the glosa ------------------------------------------------------------


def _open_batch(db: Session, staff: Actor, batch_id: int) -> Batch:
    """The batch, taken for this transaction, if it is in analysis; the refusal says why not."""
    require_staff(staff)
    if not isinstance(batch_id, int):
        raise NotFound(BATCH_NOT_FOUND)
    taken = db.execute(update(Batch).where(Batch.id == batch_id, Batch.status == BatchStatus.EM_ANALISE)
                       .values(status=Batch.status).execution_options(synchronize_session=False))
    batch = db.get(Batch, batch_id, populate_existing=True)
    if batch is None:
        raise NotFound(BATCH_NOT_FOUND)
    if taken.rowcount != 1:
        if batch.status == BatchStatus.RECEBIDO:
            raise DomainError(NOT_STARTED)
        raise DomainError(CANCELLED if batch.status == BatchStatus.CANCELADO else ALREADY_ANALYSED)
    return batch


def _open_item(db: Session, staff: Actor, batch_item_id: int) -> tuple[BatchItem, str, Batch]:
    require_staff(staff)
    row = db.exec(select(BatchItem, BatchGuide.batch_id, Guide.provider_guide_number)
                  .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                  .join(Guide, Guide.id == BatchGuide.guide_id)
                  .where(BatchItem.id == batch_item_id)).first() if isinstance(batch_item_id, int) else None
    if row is None:
        raise NotFound(ITEM_NOT_FOUND)
    item, batch_id, guide_number = row
    batch = _open_batch(db, staff, batch_id)
    db.refresh(item)  # as it is now that the batch is ours
    return item, guide_number, batch


def _open_glosa(db: Session, staff: Actor, glosa_id: int) -> tuple[Glosa, BatchItem, str, Batch]:
    require_staff(staff)
    glosa = db.get(Glosa, glosa_id) if isinstance(glosa_id, int) else None
    if glosa is None:
        raise NotFound(GLOSA_NOT_FOUND)
    item, guide_number, batch = _open_item(db, staff, glosa.batch_item_id)
    db.refresh(glosa)
    return glosa, item, guide_number, batch


def _require_pending(glosa: Glosa) -> None:
    if glosa.status != GlosaStatus.PROPOSTA:
        raise DomainError(f"Esta proposta já foi decidida ({GLOSA_STATUS.label(glosa.status)}).")


def _check_glosa(amount: Decimal, item: BatchItem, reason: str, note: str) -> None:
    if amount <= 0:
        raise DomainError(f"{VALUE_FIELD}: informe um valor maior que zero.")
    if amount > item.total_value:
        raise DomainError(f"{VALUE_FIELD}: {fmt.money(amount)} é maior que o valor do item "
                          f"({fmt.money(item.total_value)}).")
    if not reason:
        raise DomainError("Motivo da glosa: escolha um código da tabela 38 da TISS.")
    if not codes.is_known(reason):
        raise DomainError(f"Motivo da glosa: o código {reason[:8]} não consta da tabela 38 da TISS.")
    if len(note) > MAX_NOTE:
        raise DomainError(f"Observação: no máximo {MAX_NOTE} caracteres.")


def _decide(db: Session, staff: Actor, glosa: Glosa, status: GlosaStatus) -> None:
    glosa.status, glosa.decided_by, glosa.decided_at = status, staff.user_id, clock.now()
    db.add(glosa)
    db.flush()  # before another glosa of the item becomes APLICADA (one applied per item)


def _set_aside(db: Session, staff: Actor, item_id: int, statuses: tuple[GlosaStatus, ...], *,
               keep: int | None = None) -> None:
    for glosa in db.exec(select(Glosa).where(Glosa.batch_item_id == item_id, Glosa.status.in_(statuses))):
        if glosa.id != keep:
            _decide(db, staff, glosa, GlosaStatus.DESCARTADA)


def _decision(db: Session, item: BatchItem) -> str:
    """The item's decision as the audit line reads it."""
    if item.approved_value is None:
        return "sem decisão"
    applied = db.exec(select(Glosa).where(Glosa.batch_item_id == item.id,
                                          Glosa.status == GlosaStatus.APLICADA)).first()
    if applied is None:
        return "aceito integralmente"
    return f"glosa {applied.reason_code} de {fmt.money(applied.value)}"


def _audit(db: Session, staff: Actor, action: str, item: BatchItem, guide_number: str, batch: Batch,
           before: str, after: str) -> None:
    audit.record(db, staff, action, "batch_item", item.id,
                 f"Item {item.code} ({fmt.money(item.total_value)}) da guia {guide_number}, {_batch_label(batch)}: "
                 f"{before} → {after}", provider_id=batch.provider_id)


def _batch_label(batch: Batch) -> str:
    return f"lote {batch.lot_number}, protocolo {batch.protocol_number}"
