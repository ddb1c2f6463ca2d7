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
from copass_app.models import Batch, BatchGuide, BatchItem, BatchStatus, Glosa, GlosaStatus, GuideType
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_queries import batch_guides
from copass_app.services.errors import NotFound
from copass_app.tiss import codes
from copass_app.vocabulary import BATCH_STATUS

ZERO = Decimal("0.00")
PROTOCOL_NOT_FOUND = "Protocolo não localizado para este prestador."
LOT_NOT_FOUND = "Número de lote não localizado para este prestador."
# The analysis is over: glosas and approved values are final and shown.
ANALYSED = (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.PAGO)


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
    guides = tuple(
        GuideStatusLine(
            guide_number=guide.provider_guide_number, operator_guide_number=guide.operator_guide_number or "",
            card_number=card, beneficiary_name=name, performed_on=batch_guide.performed_on,
            total_value=batch_guide.total_value, glosa_value=glosa_values[batch_guide.id] if analysed else ZERO,
            approved_value=Decimal(approved.get(batch_guide.id, 0)).quantize(ZERO) if analysed else None,
            glosa_codes=tuple(glosa_codes[batch_guide.id]), status=status, status_label=label, tiss_status=tiss_status,
        )
        for batch_guide, guide, name, card in batch_guides(db, batch.id)
    )
    return _summary(batch, guides)
