"""Every allowed move of a batch (and next, of an appeal and a payment) is a row of one table.

A row names the states it starts from, the state it reaches, the role that may ask, the extra
guards, what it stamps on the record, and what else it does in the same transaction. One
helper applies any row: it checks the role and the owner, makes the move as a conditional
UPDATE (so of two racing requests one wins and the other is refused cleanly, with the reason
read from the row as it now is), and writes the audit with the states before and after.

A new lifecycle step is a new row, not a new function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import Appeal, AppealStatus, Batch, BatchStatus, BilledItem
from copass_app.services import audit
from copass_app.services.access import Actor, require_provider, require_staff
from copass_app.services.errors import DomainError, NotFound
from copass_app.vocabulary import APPEAL_STATUS, BATCH_STATUS, Vocabulary

PROVIDER = "provider"  # the record's owning provider
STAFF = "staff"  # the operator's staff


@dataclass(frozen=True)
class Transition:
    name: str  # also the audit action, e.g. "batch.reverse"
    model: type
    vocabulary: Vocabulary
    from_states: tuple[str, ...]
    to_state: str
    role: str  # PROVIDER or STAFF
    not_found: str
    refusal: Callable[[Any], str]  # why the record, as it is now, cannot make this move
    describe: Callable[[Any], str]  # the audit line
    still_unset: tuple[str, ...] = ()  # columns that must still be empty (e.g. no processing date yet)
    stamp_now: tuple[str, ...] = ()  # columns set to the moment of the move
    stamp_actor: tuple[str, ...] = ()  # columns set to the acting user's id
    then: Callable[[Session, Any], None] | None = None  # more writes of the same action
    extra_values: dict[str, Any] = field(default_factory=dict)


def _batch_label(batch: Batch) -> str:
    return f"lote {batch.lot_number}, protocolo {batch.protocol_number}"


def _reversal_refusal(batch: Batch) -> str:
    if batch.reversed_at is not None or batch.status == BatchStatus.CANCELADO:
        return "Este lote já foi estornado."
    if batch.processed_at is not None:
        return (f"O lote já foi processado pela operadora em {fmt.date_br(clock.brasilia_date(batch.processed_at))} "
                "e não pode mais ser estornado.")
    return f"O lote está na situação “{BATCH_STATUS.label(batch.status)}” e não pode mais ser estornado."


def _analysis_refusal(batch: Batch) -> str:
    if batch.status == BatchStatus.CANCELADO or batch.reversed_at is not None:
        return "Lote cancelado (estornado) pelo prestador: não pode ser analisado."
    return f"A análise deste lote já foi iniciada (situação: {BATCH_STATUS.label(batch.status)})."


def _release_billed_items(db: Session, batch: Batch) -> None:
    """After an estorno the guides are billable again; the batch itself stays as history."""
    db.execute(delete(BilledItem).where(BilledItem.batch_id == batch.id))


def _analysis_state_refusal(batch: Batch) -> str:
    if batch.status == BatchStatus.RECEBIDO:
        return "A análise deste lote ainda não foi iniciada."
    return f"A análise deste lote já foi concluída (situação: {BATCH_STATUS.label(batch.status)})."


def _payment_refusal(batch: Batch) -> str:
    if batch.status == BatchStatus.PAGO:
        return f"O {_batch_label(batch)} já foi pago."
    return (f"O {_batch_label(batch)} não está liberado para pagamento "
            f"(situação: {BATCH_STATUS.label(batch.status)}).")


def _appeal_refusal(appeal: Appeal) -> str:
    return f"Este recurso já foi decidido ({APPEAL_STATUS.label(appeal.status)})."


BATCH_NOT_FOUND = "Lote não encontrado."
APPEAL_NOT_FOUND = "Recurso não encontrado."

TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    Transition(
        name="batch.reverse", model=Batch, vocabulary=BATCH_STATUS,
        from_states=(BatchStatus.RECEBIDO,), to_state=BatchStatus.CANCELADO, role=PROVIDER,
        not_found=BATCH_NOT_FOUND, refusal=_reversal_refusal,
        describe=lambda b: f"Estorno do {_batch_label(b)}",
        still_unset=("processed_at", "reversed_at"),
        stamp_now=("reversed_at",), stamp_actor=("reversed_by",), then=_release_billed_items,
    ),
    Transition(
        name="batch.start_analysis", model=Batch, vocabulary=BATCH_STATUS,
        from_states=(BatchStatus.RECEBIDO,), to_state=BatchStatus.EM_ANALISE, role=STAFF,
        not_found=BATCH_NOT_FOUND, refusal=_analysis_refusal,
        describe=lambda b: f"Início da análise do {_batch_label(b)}",
        still_unset=("reversed_at",),
        stamp_now=("processed_at",),
    ),
    # Finishing the analysis: released when anything was approved, closed without payment otherwise.
    Transition(
        name="batch.release_payment", model=Batch, vocabulary=BATCH_STATUS,
        from_states=(BatchStatus.EM_ANALISE,), to_state=BatchStatus.LIBERADO_PAGAMENTO, role=STAFF,
        not_found=BATCH_NOT_FOUND, refusal=_analysis_state_refusal,
        describe=lambda b: f"Análise concluída do {_batch_label(b)}, liberado para pagamento",
        stamp_now=("analysed_at",), stamp_actor=("analysed_by",),
    ),
    Transition(
        name="batch.close_without_payment", model=Batch, vocabulary=BATCH_STATUS,
        from_states=(BatchStatus.EM_ANALISE,), to_state=BatchStatus.ENCERRADO_SEM_PAGAMENTO, role=STAFF,
        not_found=BATCH_NOT_FOUND, refusal=_analysis_state_refusal,
        describe=lambda b: f"Análise concluída do {_batch_label(b)}, nada aprovado",
        stamp_now=("analysed_at",), stamp_actor=("analysed_by",),
    ),
    Transition(
        name="batch.pay", model=Batch, vocabulary=BATCH_STATUS,
        from_states=(BatchStatus.LIBERADO_PAGAMENTO,), to_state=BatchStatus.PAGO, role=STAFF,
        not_found=BATCH_NOT_FOUND, refusal=_payment_refusal,
        describe=lambda b: f"Pagamento do {_batch_label(b)}",
        stamp_now=("paid_at",),
    ),
    # Recursos de glosa: the staff's decision (the accepted value is set by the service first).
    Transition(
        name="appeal.accept", model=Appeal, vocabulary=APPEAL_STATUS,
        from_states=(AppealStatus.PENDENTE,), to_state=AppealStatus.ACEITO, role=STAFF,
        not_found=APPEAL_NOT_FOUND, refusal=_appeal_refusal,
        describe=lambda a: f"Recurso {a.id} aceito", stamp_now=("decided_at",), stamp_actor=("decided_by",),
    ),
    Transition(
        name="appeal.accept_partly", model=Appeal, vocabulary=APPEAL_STATUS,
        from_states=(AppealStatus.PENDENTE,), to_state=AppealStatus.ACEITO_PARCIAL, role=STAFF,
        not_found=APPEAL_NOT_FOUND, refusal=_appeal_refusal,
        describe=lambda a: f"Recurso {a.id} aceito parcialmente", stamp_now=("decided_at",),
        stamp_actor=("decided_by",),
    ),
    Transition(
        name="appeal.refuse", model=Appeal, vocabulary=APPEAL_STATUS,
        from_states=(AppealStatus.PENDENTE,), to_state=AppealStatus.RECUSADO, role=STAFF,
        not_found=APPEAL_NOT_FOUND, refusal=_appeal_refusal,
        describe=lambda a: f"Recurso {a.id} recusado", stamp_now=("decided_at",), stamp_actor=("decided_by",),
    ),
]}


def can(name: str, record: Any) -> bool:
    """Whether the record, as read, may make the move (for showing or hiding a button)."""
    transition = TRANSITIONS[name]
    if str(record.status) not in {str(s) for s in transition.from_states}:
        return False
    return all(getattr(record, column) is None for column in transition.still_unset)


def apply(db: Session, actor: Actor, name: str, record_id: int, *, now: datetime | None = None) -> Any:
    """Make the move named `name` on one record for `actor`, in the caller's transaction."""
    transition = TRANSITIONS[name]
    model = transition.model
    record = _authorized_record(db, actor, transition, record_id)
    before = record.status
    if not can(name, record):
        raise DomainError(transition.refusal(record))
    now = now or clock.now()
    values = {"status": transition.to_state, **transition.extra_values,
              **{column: now for column in transition.stamp_now},
              **{column: actor.user_id for column in transition.stamp_actor}}
    # Conditional on the state just checked: a concurrent move makes it match nothing.
    result = db.execute(
        update(model)
        .where(model.id == record.id, model.status.in_(transition.from_states),
               *[getattr(model, column).is_(None) for column in transition.still_unset])
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    record = db.get(model, record.id, populate_existing=True)
    if result.rowcount != 1:
        raise DomainError(transition.refusal(record))
    if transition.then is not None:
        transition.then(db, record)
    vocabulary = transition.vocabulary
    audit.record(db, actor, transition.name, model.__tablename__, record.id,
                 f"{transition.describe(record)}: {vocabulary.label(before)} → {vocabulary.label(record.status)}",
                 provider_id=getattr(record, "provider_id", None), at=now)
    return record


def _authorized_record(db: Session, actor: Actor, transition: Transition, record_id: int) -> Any:
    """The role first; then a provider sees only its own records, and another's is simply not found."""
    if transition.role == STAFF:
        require_staff(actor)
        provider_id = None
    else:
        provider_id = require_provider(actor)
    record = db.get(transition.model, record_id)
    if record is None or (provider_id is not None and record.provider_id != provider_id):
        raise NotFound(transition.not_found)
    return record
