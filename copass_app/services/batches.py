"""Acompanhamento de lotes: the provider's batches, their summary, protocol and CSV, and the estorno."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import (
    Appeal,
    AppealStatus,
    AuditLog,
    Batch,
    BatchGuide,
    BatchItem,
    BatchOrigin,
    BatchStatus,
    Glosa,
    GlosaStatus,
    GuideType,
    Operator,
    PaymentBatch,
    Protocol,
    Provider,
)
from copass_app.reports.csv_export import table_csv
from copass_app.reports.data import ProtocolGuideLine, ProtocolReport
from copass_app.reports.protocol_pdf import render_protocol_pdf
from copass_app.services import paging, transitions
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_queries import (
    BatchFilters,
    BatchRow,
    batch_guides,
    batch_row,
    batches_page,
    filter_conditions,
    visible_batch,
)
from copass_app.services.paging import Page
from copass_app.tiss import codes
from copass_app.vocabulary import APPEAL_STATUS, BATCH_ORIGIN, BATCH_STATUS, GUIDE_TYPE

__all__ = ["BatchFilters", "BatchRow", "BatchStep", "ItemGlosa", "list_batches", "batch_summary", "batch_history",
           "protocol_report", "protocol_pdf", "reverse_batch", "export_batches_csv"]

ZERO = Decimal("0.00")
# The analysis is over: the glosas are final, the provider sees them and may appeal.
ANALYSED = (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.PAGO)

CSV_MAX_ROWS = 10_000
CSV_COLUMNS = [
    ("protocol_number", "Protocolo"), ("lot_number", "Lote"), ("received_at", "Recebido em"),
    ("competence", "Competência"), ("origin", "Origem"), ("guide_type", "Tipo de guia"),
    ("guide_count", "Guias"), ("total", "Valor"), ("status", "Situação"),
    ("processed_at", "Processado em"), ("paid_at", "Pago em"),
]


@dataclass(frozen=True)
class ItemGlosa:
    """The applied glosa of an item as the provider reads it, with the latest appeal against it."""

    id: int
    reason_code: str  # TISS table 38
    reason_description: str
    note: str
    value: Decimal
    appeal_id: int | None = None
    appeal_status: AppealStatus | None = None
    contested_value: Decimal | None = None
    accepted_value: Decimal | None = None  # None until decided
    decision_note: str = ""
    appeal_payment_id: int | None = None  # the payment that paid the accepted value

    @property
    def appealable(self) -> bool:
        """One appeal per glosa: a pending one waits, a decided one is final (services/appeals.py)."""
        return self.appeal_id is None

    @property
    def appeal_status_label(self) -> str:
        return APPEAL_STATUS.label(self.appeal_status) if self.appeal_status else ""


@dataclass(frozen=True)
class BatchItemLine:
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    added_in_billing: bool  # a fee, material or medication the provider added, not a guide item
    id: int = 0  # the batch item
    approved_value: Decimal | None = None  # None until the analysis is over
    glosa: ItemGlosa | None = None  # shown once the analysis is over


@dataclass(frozen=True)
class BatchGuideLine:
    guide_id: int
    guide_type: GuideType
    provider_guide_number: str
    operator_guide_number: str
    beneficiary_name: str
    card_number: str
    performed_on: date
    total: Decimal
    items: list[BatchItemLine]
    batch_guide_id: int = 0

    @property
    def type_label(self) -> str:
        return GUIDE_TYPE.label(self.guide_type)

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def glosa_value(self) -> Decimal:
        return sum((item.glosa.value for item in self.items if item.glosa), ZERO)

    @property
    def appealable_count(self) -> int:
        """Glosas of the guide with no appeal yet ("Recorrer da guia" contests them all)."""
        return sum(1 for item in self.items if item.glosa and item.glosa.appealable)


@dataclass(frozen=True)
class BatchStep:
    """One status the batch reached, and when (Recebido 10/03 14:05 → Em análise … → Pagamento efetuado)."""

    status: BatchStatus
    at: datetime

    @property
    def label(self) -> str:
        return BATCH_STATUS.label(self.status)


@dataclass(frozen=True)
class BatchSummary:
    """One batch as the provider reviews it: the list row, who was attended and when, and every item."""

    row: BatchRow
    reversed_at: datetime | None
    provider_name: str
    provider_code: str
    patient_count: int
    first_performed_on: date | None
    last_performed_on: date | None
    item_count: int
    glosa_value: Decimal
    guides: list[BatchGuideLine]
    approved_value: Decimal = ZERO  # liberado (0 until the analysis is over)
    analysed: bool = False  # the glosas are final and shown
    history: list[BatchStep] = field(default_factory=list)
    payment_id: int | None = None  # the payment that paid the batch

    @property
    def appeals_accepted_value(self) -> Decimal:
        return sum((item.glosa.accepted_value or ZERO for guide in self.guides for item in guide.items
                    if item.glosa and item.glosa.accepted_value), ZERO)


def list_batches(db: Session, actor: Actor, filters: BatchFilters = BatchFilters(), *, page: object = 1,
                 page_size: object = paging.PAGE_SIZE) -> Page[BatchRow]:
    """The provider's batches, newest first, one page at a time."""
    provider_id = require_provider(actor)
    conditions = [Batch.provider_id == provider_id, *filter_conditions(filters)]
    found = batches_page(db, conditions, page=page, page_size=page_size)
    return Page(rows=[batch_row(b) for b in found.rows], total=found.total, page=found.page,
                page_size=found.page_size)


def batch_summary(db: Session, actor: Actor, batch_id: int) -> BatchSummary:
    """Patients, attendance dates, values, every guide with its items, and once analysed each item's
    approved value and glosa (code, description, note, value, appeal); the status history; the payment."""
    batch = visible_batch(db, actor, batch_id)
    provider = db.get(Provider, batch.provider_id)
    analysed = BatchStatus(batch.status) in ANALYSED
    rows = batch_guides(db, batch.id)
    glosas = _item_glosas(db, batch.id) if analysed else {}
    items: dict[int, list[BatchItemLine]] = {batch_guide.id: [] for batch_guide, *_ in rows}
    for item in db.exec(
        select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
        .where(BatchGuide.batch_id == batch.id).order_by(BatchItem.id)
    ):
        items[item.batch_guide_id].append(BatchItemLine(
            table_code=item.table_code, code=item.code, description=item.description, quantity=item.quantity,
            unit_value=item.unit_value, total=item.total_value, added_in_billing=item.guide_item_id is None,
            id=item.id, approved_value=item.approved_value if analysed else None, glosa=glosas.get(item.id)))
    guides = [
        BatchGuideLine(
            guide_id=guide.id, guide_type=GuideType(guide.guide_type),
            provider_guide_number=guide.provider_guide_number, operator_guide_number=guide.operator_guide_number,
            beneficiary_name=name, card_number=card, performed_on=batch_guide.performed_on,
            total=batch_guide.total_value, items=items[batch_guide.id], batch_guide_id=batch_guide.id)
        for batch_guide, guide, name, card in rows
    ]
    dates = [guide.performed_on for guide in guides]
    return BatchSummary(
        row=batch_row(batch),
        reversed_at=batch.reversed_at,
        provider_name=provider.name,
        provider_code=provider.code,
        patient_count=len({guide.beneficiary_id for _, guide, *_ in rows}),
        first_performed_on=min(dates, default=None),
        last_performed_on=max(dates, default=None),
        item_count=sum(len(lines) for lines in items.values()),
        glosa_value=batch.glosa_value if analysed else ZERO,
        guides=guides,
        approved_value=batch.approved_value if analysed else ZERO,
        analysed=analysed,
        history=_history(db, batch),
        payment_id=db.exec(select(PaymentBatch.payment_id).where(PaymentBatch.batch_id == batch.id)).first(),
    )


def batch_history(db: Session, actor: Actor, batch_id: int) -> list[BatchStep]:
    """Each status the batch reached with its moment, oldest first (owner-checked)."""
    return _history(db, visible_batch(db, actor, batch_id))


# What each audited move of a batch reaches: its creation, then the rows of the transition table.
_MOVES: dict[str, BatchStatus] = {
    "batch.create": BatchStatus.RECEBIDO,
    **{t.name: BatchStatus(t.to_state) for t in transitions.TRANSITIONS.values() if t.model is Batch},
}
_LIFECYCLE = list(BatchStatus)


def _stamps(batch: Batch) -> dict[BatchStatus, datetime]:
    """The moments the batch itself records; they win over the audit row's (the payment's date is the
    day the money left, which may be before the day it was registered)."""
    stamps = {BatchStatus.RECEBIDO: batch.received_at, BatchStatus.EM_ANALISE: batch.processed_at,
              BatchStatus.PAGO: batch.paid_at, BatchStatus.CANCELADO: batch.reversed_at}
    if batch.analysed_at is not None:
        closed = batch.status == BatchStatus.ENCERRADO_SEM_PAGAMENTO
        stamps[BatchStatus.ENCERRADO_SEM_PAGAMENTO if closed else BatchStatus.LIBERADO_PAGAMENTO] = batch.analysed_at
    return {status: at for status, at in stamps.items() if at is not None}


def _history(db: Session, batch: Batch) -> list[BatchStep]:
    reached: dict[BatchStatus, datetime] = {}
    for action, at in db.exec(
        select(AuditLog.action, AuditLog.at)
        .where(AuditLog.entity == "batch", AuditLog.entity_id == str(batch.id), AuditLog.action.in_(list(_MOVES)))
        .order_by(AuditLog.at, AuditLog.id)
    ):
        reached.setdefault(_MOVES[action], at)
    reached.update(_stamps(batch))  # also the moves of batches written without audit rows (older data)
    return sorted((BatchStep(status, at) for status, at in reached.items()),
                  key=lambda step: (_aware(step.at), _LIFECYCLE.index(step.status)))


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes: compare them as aware UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _item_glosas(db: Session, batch_id: int) -> dict[int, ItemGlosa]:
    """batch item id → its applied glosa with the latest appeal against it (two queries)."""
    glosas = db.exec(select(Glosa).where(Glosa.batch_id == batch_id, Glosa.status == GlosaStatus.APLICADA)).all()
    latest: dict[int, Appeal] = {}
    if glosas:
        for appeal in db.exec(select(Appeal).where(Appeal.glosa_id.in_([g.id for g in glosas])).order_by(Appeal.id)):
            latest[appeal.glosa_id] = appeal
    found = {}
    for glosa in glosas:
        appeal = latest.get(glosa.id)
        found[glosa.batch_item_id] = ItemGlosa(
            id=glosa.id, reason_code=glosa.reason_code, reason_description=codes.describe(glosa.reason_code),
            note=glosa.note, value=glosa.value,
            appeal_id=appeal.id if appeal else None,
            appeal_status=AppealStatus(appeal.status) if appeal else None,
            contested_value=appeal.contested_value if appeal else None,
            accepted_value=appeal.accepted_value if appeal else None,
            decision_note=appeal.decision_note if appeal else "",
            appeal_payment_id=appeal.payment_id if appeal else None)
    return found


def protocol_report(db: Session, actor: Actor, batch_id: int) -> ProtocolReport:
    """The receipt data of a batch, for the protocol PDF."""
    batch = visible_batch(db, actor, batch_id)
    provider = db.get(Provider, batch.provider_id)
    operator = db.get(Operator, provider.operator_id)
    protocol = db.exec(select(Protocol).where(Protocol.batch_id == batch.id)).first()
    lines = [
        ProtocolGuideLine(
            beneficiary_name=name,
            card_number=card,
            provider_guide_number=guide.provider_guide_number,
            operator_guide_number=guide.operator_guide_number or None,
            guide_type_label=GUIDE_TYPE.label(guide.guide_type),
            performed_date=batch_guide.performed_on,
            value=batch_guide.total_value,
        )
        for batch_guide, guide, name, card in batch_guides(db, batch.id)
    ]
    return ProtocolReport(
        operator_name=operator.name,
        operator_ans_registry=operator.registro_ans,
        provider_name=provider.name,
        provider_code=provider.code,
        provider_document=provider.document,
        protocol_number=protocol.number if protocol else batch.protocol_number,
        received_at=batch.received_at,
        competence=batch.competence,
        origin_label=BATCH_ORIGIN.label(BatchOrigin(batch.origin)),
        lot_number=batch.lot_number,
        guides=lines,
        total=batch.total_value,
    )


def protocol_pdf(db: Session, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    report = protocol_report(db, actor, batch_id)
    return f"protocolo-{report.protocol_number}.pdf", render_protocol_pdf(report)


def export_batches_csv(db: Session, actor: Actor, filters: BatchFilters = BatchFilters()) -> tuple[str, bytes]:
    """The filtered list as a spreadsheet (semicolon, decimal comma, UTF-8 with BOM), newest first."""
    provider_id = require_provider(actor)
    batches = db.exec(
        select(Batch).where(Batch.provider_id == provider_id, *filter_conditions(filters))
        .order_by(Batch.received_at.desc(), Batch.id.desc()).limit(CSV_MAX_ROWS)
    ).all()
    rows = [
        {"protocol_number": r.protocol_number, "lot_number": r.lot_number, "received_at": r.received_at,
         "competence": f"{r.competence[5:7]}/{r.competence[:4]}", "origin": r.origin_label,
         "guide_type": r.guide_type_label, "guide_count": r.guide_count, "total": r.total,
         "status": r.status_label, "processed_at": r.processed_at, "paid_at": r.paid_at}
        for r in map(batch_row, batches)
    ]
    return f"faturamentos-{clock.today():%Y%m%d}.csv", table_csv(rows, CSV_COLUMNS)


def reverse_batch(db: Session, actor: Actor, batch_id: int, *, now: datetime | None = None) -> Batch:
    """Estorno: the owning provider undoes a batch the operator has not started processing.

    The guides become billable again; the batch stays as history (see the transition table).
    """
    return transitions.apply(db, actor, "batch.reverse", batch_id, now=now)

