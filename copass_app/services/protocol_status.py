"""Where a protocol stands, for the providers' software (SOAP SOLIC_STATUS_PROTOCOLO, REST status).

A guide's status inside a protocol is its batch's (TISS dm_statusProtocolo: recebido, em análise,
liberado, pago, cancelado...); once the batch is analysed each guide also carries its glosas and
approved value. A provider only reads its own protocols: another provider's is answered exactly
like one that does not exist. Read-only: the caller records the API call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, func, select

from copass_app import clock
from copass_app.models import (
    Appeal,
    AppealStatus,
    Batch,
    BatchGuide,
    BatchItem,
    BatchStatus,
    Beneficiary,
    Glosa,
    GlosaStatus,
    Guide,
    GuideType,
    Payment,
)
from copass_app.services import transitions
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_queries import batch_guides
from copass_app.services.batches import reverse_batch
from copass_app.services.errors import NotFound
from copass_app.tiss import codes
from copass_app.vocabulary import BATCH_STATUS

ZERO = Decimal("0.00")
PROTOCOL_NOT_FOUND = "Protocolo não localizado para este prestador."
LOT_NOT_FOUND = "Número de lote não localizado para este prestador."
# The analysis is over: glosas and approved values are final and shown.
ANALYSED = (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.PAGO)
ACCEPTED_APPEALS = (AppealStatus.ACEITO, AppealStatus.ACEITO_PARCIAL)


@dataclass(frozen=True)
class GuideStatusLine:
    guide_number: str  # numeroGuiaPrestador
    operator_guide_number: str  # numeroGuiaOperadora ("" when none)
    card_number: str  # numeroCarteira
    beneficiary_name: str
    performed_on: date
    total_value: Decimal  # valor informado of the guide in this batch
    glosa_value: Decimal  # its applied glosas (0 before the analysis ends)
    approved_value: Decimal | None  # None until analysed
    glosa_codes: tuple[str, ...]  # TISS table 38 codes of its applied glosas, in item order, once analysed
    status: BatchStatus  # a guide's status in a protocol is its batch's (dm_statusProtocolo)
    status_label: str
    tiss_status: str  # dm_statusProtocolo code


@dataclass(frozen=True)
class ProtocolStatus:
    batch_id: int
    protocol_number: str
    lot_number: str
    guide_type: GuideType
    status: BatchStatus
    status_label: str
    tiss_status: str
    received_at: datetime  # aware UTC
    total_value: Decimal
    glosa_value: Decimal
    approved_value: Decimal
    guide_count: int
    guides: tuple[GuideStatusLine, ...] = ()  # in the order they were billed; empty in provider_protocols
    analysed_at: datetime | None = None

    @property
    def version(self) -> tuple:
        """Changes whenever anything a status answer shows may change (the guides of a batch never do); the
        moment of receipt keeps a database rebuilt with the same ids (demo reset, restore) from matching."""
        return (self.batch_id, self.protocol_number, self.lot_number, self.received_at, self.status,
                self.analysed_at, self.glosa_value, self.approved_value, self.guide_count)

    @property
    def analysed(self) -> bool:
        return self.status in ANALYSED

    @property
    def sent_on(self) -> date:
        """dataEnvioLote: the Brasília date the lot arrived."""
        return clock.brasilia_date(clock.as_utc(self.received_at))


def protocol_status(db: Session, actor: Actor, protocol_number: str) -> ProtocolStatus:
    """The provider's protocol with each guide's status; NotFound (3291) when missing or another's."""
    batch = _own_batch(db, actor, Batch.protocol_number == (protocol_number or "").strip())
    if batch is None:
        raise NotFound(PROTOCOL_NOT_FOUND, codes.PROTOCOL_NOT_FOUND)
    return _with_guides(db, batch)


def protocol_summary(db: Session, actor: Actor, protocol_number: str) -> ProtocolStatus:
    """protocol_status without the guides (one query): enough to tell whether a cached answer still holds."""
    batch = _own_batch(db, actor, Batch.protocol_number == (protocol_number or "").strip())
    if batch is None:
        raise NotFound(PROTOCOL_NOT_FOUND, codes.PROTOCOL_NOT_FOUND)
    return _summary(batch)


def protocol_status_for_lot(db: Session, actor: Actor, lot_number: str) -> ProtocolStatus:
    """The same, found by the provider's numeroLote; NotFound (3270) when missing or another's."""
    batch = _own_batch(db, actor, Batch.lot_number == (lot_number or "").strip())
    if batch is None:
        raise NotFound(LOT_NOT_FOUND, codes.LOT_NOT_FOUND)
    return _with_guides(db, batch)


def provider_protocols(db: Session, actor: Actor, *, limit: int = 50) -> list[ProtocolStatus]:
    """The provider's latest protocols, newest first, without their guides (a cheap list)."""
    provider_id = require_provider(actor)
    limit = max(1, min(int(limit), 500))
    rows = db.exec(select(Batch).where(Batch.provider_id == provider_id)
                   .order_by(Batch.received_at.desc(), Batch.id.desc()).limit(limit))
    return [_summary(batch) for batch in rows]


def _own_batch(db: Session, actor: Actor, condition) -> Batch | None:
    provider_id = require_provider(actor)
    return db.exec(select(Batch).where(condition, Batch.provider_id == provider_id)).first()


def _summary(batch: Batch, guides: tuple[GuideStatusLine, ...] = ()) -> ProtocolStatus:
    status = BatchStatus(batch.status)
    analysed = status in ANALYSED
    return ProtocolStatus(
        batch_id=batch.id, protocol_number=batch.protocol_number, lot_number=batch.lot_number,
        guide_type=GuideType(batch.guide_type), status=status, status_label=BATCH_STATUS.label(status),
        tiss_status=BATCH_STATUS[status].tiss_code, received_at=clock.as_utc(batch.received_at),
        total_value=batch.total_value, glosa_value=batch.glosa_value if analysed else ZERO,
        approved_value=batch.approved_value if analysed else ZERO, guide_count=batch.guide_count, guides=guides,
        analysed_at=batch.analysed_at,
    )


def _with_guides(db: Session, batch: Batch) -> ProtocolStatus:
    status = BatchStatus(batch.status)
    analysed = status in ANALYSED
    glosa_codes: dict[int, list[str]] = defaultdict(list)
    glosa_values: dict[int, Decimal] = defaultdict(lambda: ZERO)
    approved: dict[int, Decimal] = {}
    if analysed:
        for batch_guide_id, code, value in db.exec(
            select(BatchItem.batch_guide_id, Glosa.reason_code, Glosa.value)
            .join(BatchItem, BatchItem.id == Glosa.batch_item_id)
            .where(Glosa.batch_id == batch.id, Glosa.status == GlosaStatus.APLICADA)
            .order_by(BatchItem.id)
        ):
            glosa_codes[batch_guide_id].append(code)
            glosa_values[batch_guide_id] += value
        approved = dict(db.exec(
            select(BatchItem.batch_guide_id, func.coalesce(func.sum(BatchItem.approved_value), 0))
            .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
            .where(BatchGuide.batch_id == batch.id).group_by(BatchItem.batch_guide_id)
        ).all())
    label, tiss_status = BATCH_STATUS.label(status), BATCH_STATUS[status].tiss_code
    # Plain columns, not ORM rows: a 100-guide protocol is asked for often by the providers' software.
    rows = db.exec(
        select(BatchGuide.id, BatchGuide.performed_on, BatchGuide.total_value, Guide.provider_guide_number,
               Guide.operator_guide_number, Beneficiary.name, Beneficiary.card_number)
        .join(Guide, Guide.id == BatchGuide.guide_id).join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(BatchGuide.batch_id == batch.id).order_by(BatchGuide.id)
    ).all()
    guides = tuple(
        GuideStatusLine(
            guide_number=number, operator_guide_number=operator_number or "", card_number=card,
            beneficiary_name=name, performed_on=performed_on, total_value=total,
            glosa_value=glosa_values[batch_guide_id] if analysed else ZERO,
            approved_value=Decimal(approved.get(batch_guide_id, 0)).quantize(ZERO) if analysed else None,
            glosa_codes=tuple(glosa_codes[batch_guide_id]), status=status, status_label=label, tiss_status=tiss_status,
        )
        for batch_guide_id, performed_on, total, number, operator_number, name, card in rows
    )
    return _summary(batch, guides)


# --- cancellation (CANCELA_GUIA): the estorno, asked by the provider's software -------------------------

# dm_statusCancelamento
CANCELLED = "1"  # cancelado com sucesso
NOT_CANCELLED = "2"  # não cancelado (processed, paid, already reversed, or only part of its lot named)
GUIDE_MISSING = "3"  # guia inexistente
PROCESSING = "4"  # em processamento (the operator's analysis has started)
LOT_MISSING = "5"  # lote inexistente
PROTOCOL_MISSING = "6"  # protocolo inexistente


@dataclass(frozen=True)
class GuideRef:
    """A guide named in a CANCELA_GUIA (tipoCancelamentoGuia)."""

    guide_type: str  # dm_tipoGuia, echoed back
    guide_number: str  # numeroGuiaPrestador
    operator_guide_number: str = ""
    protocol_number: str = ""


@dataclass(frozen=True)
class Cancellation:
    status: str  # dm_statusCancelamento
    protocol_number: str = ""
    lot_number: str = ""
    ref: GuideRef | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


def _reversal_status(batch: Batch) -> str:
    if transitions.can("batch.reverse", batch):
        return CANCELLED
    return PROCESSING if batch.status == BatchStatus.EM_ANALISE else NOT_CANCELLED


def cancel_lot(db: Session, actor: Actor, lot_number: str, protocol_number: str = "", *,
               now: datetime | None = None) -> Cancellation:
    """Estorno of the provider's lot while the operator has not processed it: its guides are billable again.

    Another provider's lot is answered like a missing one (5); a protocol that is not the lot's, 6.
    """
    lot_number, protocol_number = (lot_number or "").strip(), (protocol_number or "").strip()
    batch = _own_batch(db, actor, Batch.lot_number == lot_number)
    if batch is None:
        return Cancellation(LOT_MISSING, protocol_number, lot_number)
    if protocol_number and protocol_number != batch.protocol_number:
        return Cancellation(PROTOCOL_MISSING, protocol_number, lot_number)
    status = _reversal_status(batch)
    if status == CANCELLED:
        reverse_batch(db, actor, batch.id, now=now)
    return Cancellation(status, batch.protocol_number, batch.lot_number)


def cancel_guides(db: Session, actor: Actor, refs: list[GuideRef], *,
                  now: datetime | None = None) -> list[Cancellation]:
    """Cancel guides by reversing their lots: the estorno is of a whole lot, so a lot is reversed only when
    every one of its guides is named (otherwise its guides answer 2, não cancelado)."""
    provider_id = require_provider(actor)
    found: list[tuple[GuideRef, Batch | None, str]] = []
    for ref in refs:
        row = db.exec(
            select(Batch, Guide.operator_guide_number)
            .join(BatchGuide, BatchGuide.batch_id == Batch.id).join(Guide, Guide.id == BatchGuide.guide_id)
            .where(Guide.provider_id == provider_id, Guide.provider_guide_number == ref.guide_number.strip(),
                   Batch.provider_id == provider_id)
            .order_by(Batch.status == BatchStatus.CANCELADO, Batch.id.desc())
        ).first()
        if row is None or (ref.operator_guide_number and ref.operator_guide_number != (row[1] or "")):
            found.append((ref, None, GUIDE_MISSING))
        elif ref.protocol_number and ref.protocol_number.strip() != row[0].protocol_number:
            found.append((ref, None, PROTOCOL_MISSING))
        else:
            found.append((ref, row[0], ""))
    named: dict[int, set[str]] = defaultdict(set)
    for ref, batch, _ in found:
        if batch is not None:
            named[batch.id].add(ref.guide_number.strip())
    decided: dict[int, str] = {}
    for batch_id in named:
        batch = db.get(Batch, batch_id)
        numbers = {guide.provider_guide_number for _, guide, _, _ in batch_guides(db, batch_id)}
        status = _reversal_status(batch)
        if status == CANCELLED and not numbers <= named[batch_id]:
            status = NOT_CANCELLED
        if status == CANCELLED:
            reverse_batch(db, actor, batch_id, now=now)
        decided[batch_id] = status
    return [Cancellation(decided[batch.id] if batch else status, batch.protocol_number if batch else
                         ref.protocol_number, batch.lot_number if batch else "", ref)
            for ref, batch, status in found]


# --- appeals (SOLIC_STATUS_RECURSO_GLOSA) --------------------------------------------------------------

APPEAL_PROTOCOL_NOT_FOUND = "Protocolo de recurso de glosa não localizado para este prestador."


@dataclass(frozen=True)
class AppealProtocolStatus:
    appeal_protocol_number: str  # nrProtocoloRecursoGlosa, as the receipt gave it
    protocol_number: str  # the appealed protocol
    lot_number: str
    sent_on: date  # the first appeal's Brasília date
    status: str  # dm_statusProtocolo of the appeals as a whole
    status_label: str
    situation_on: date  # when the appeals last changed
    appeal_count: int
    pending: int


def appeal_status(db: Session, actor: Actor, appeal_protocol_number: str) -> AppealProtocolStatus:
    """Where a provider's appeal protocol stands: received (none decided), in analysis (some decided),
    released (an amount accepted), closed without payment (all refused) or paid. Another provider's
    protocol is answered like a missing one (3291)."""
    provider_id = require_provider(actor)
    number = (appeal_protocol_number or "").strip().upper()
    digits = number[3:] if number.startswith("R") else ""
    first = db.get(Appeal, int(digits)) if digits.isdigit() and 0 < int(digits) < 2**63 else None
    if first is None or first.provider_id != provider_id or appeal_protocol_number_of(first) != number:
        raise NotFound(APPEAL_PROTOCOL_NOT_FOUND, codes.PROTOCOL_NOT_FOUND)
    rows = db.exec(select(Appeal).where(Appeal.batch_id == first.batch_id, Appeal.id >= first.id)
                   .order_by(Appeal.id)).all()
    batch = db.get(Batch, first.batch_id)
    pending = sum(1 for row in rows if row.status == AppealStatus.PENDENTE)
    if pending == len(rows):
        status = BatchStatus.RECEBIDO
    elif pending:
        status = BatchStatus.EM_ANALISE
    elif any(row.payment_id for row in rows if row.status in ACCEPTED_APPEALS):
        status = BatchStatus.PAGO
    elif any(row.status in ACCEPTED_APPEALS for row in rows):
        status = BatchStatus.LIBERADO_PAGAMENTO
    else:
        status = BatchStatus.ENCERRADO_SEM_PAGAMENTO
    changed = max(clock.as_utc(row.decided_at or row.created_at) for row in rows)
    return AppealProtocolStatus(
        appeal_protocol_number=number, protocol_number=batch.protocol_number, lot_number=batch.lot_number,
        sent_on=clock.brasilia_date(clock.as_utc(first.created_at)), status=BATCH_STATUS[status].tiss_code,
        status_label=BATCH_STATUS.label(status), situation_on=clock.brasilia_date(changed),
        appeal_count=len(rows), pending=pending)


def appeal_protocol_number_of(first: Appeal) -> str:
    from copass_app.services.statements import appeal_protocol_number

    return appeal_protocol_number(first.id, first.created_at)


# --- payments (SOLIC_DEMONSTRATIVO_RETORNO / demonstrativoPagamento) ------------------------------------

PAYMENT_NOT_FOUND = "Nenhum pagamento deste prestador na data ou competência informada."


def payment_for_period(db: Session, actor: Actor, *, paid_on: date | None = None,
                       competence: str = "") -> int:
    """The provider's latest payment on that date (or in that competência, YYYYMM); NotFound otherwise."""
    provider_id = require_provider(actor)
    query = select(Payment.id, Payment.paid_on).where(Payment.provider_id == provider_id)
    if paid_on is not None:
        query = query.where(Payment.paid_on == paid_on)
    rows = db.exec(query.order_by(Payment.paid_on.desc(), Payment.id.desc())).all()
    if competence:
        rows = [row for row in rows if f"{row[1]:%Y%m}" == competence.strip()]
    if paid_on is None and not competence or not rows:
        raise NotFound(PAYMENT_NOT_FOUND, codes.STATEMENT_NOT_FOUND)
    return rows[0][0]
