"""Acompanhamento de lotes: the provider's batches, their summary, protocol and CSV, and the estorno."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Batch, BatchGuide, BatchItem, BatchOrigin, GuideType, Operator, Protocol, Provider
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
from copass_app.vocabulary import BATCH_ORIGIN, GUIDE_TYPE

__all__ = ["BatchFilters", "BatchRow", "list_batches", "batch_summary", "protocol_report", "protocol_pdf",
           "reverse_batch", "export_batches_csv"]

CSV_MAX_ROWS = 10_000
CSV_COLUMNS = [
    ("protocol_number", "Protocolo"), ("lot_number", "Lote"), ("received_at", "Recebido em"),
    ("competence", "Competência"), ("origin", "Origem"), ("guide_type", "Tipo de guia"),
    ("guide_count", "Guias"), ("total", "Valor"), ("status", "Situação"),
    ("processed_at", "Processado em"), ("paid_at", "Pago em"),
]


@dataclass(frozen=True)
class BatchItemLine:
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    added_in_billing: bool  # a fee, material or medication the provider added, not a guide item


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

    @property
    def type_label(self) -> str:
        return GUIDE_TYPE.label(self.guide_type)

    @property
    def item_count(self) -> int:
        return len(self.items)


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


def list_batches(db: Session, actor: Actor, filters: BatchFilters = BatchFilters(), *, page: object = 1,
                 page_size: object = paging.PAGE_SIZE) -> Page[BatchRow]:
    """The provider's batches, newest first, one page at a time."""
    provider_id = require_provider(actor)
    conditions = [Batch.provider_id == provider_id, *filter_conditions(filters)]
    found = batches_page(db, conditions, page=page, page_size=page_size)
    return Page(rows=[batch_row(b) for b in found.rows], total=found.total, page=found.page,
                page_size=found.page_size)


def batch_summary(db: Session, actor: Actor, batch_id: int) -> BatchSummary:
    """Patients, attendance dates, values, and every guide with its items."""
    batch = visible_batch(db, actor, batch_id)
    provider = db.get(Provider, batch.provider_id)
    rows = batch_guides(db, batch.id)
    items: dict[int, list[BatchItemLine]] = {batch_guide.id: [] for batch_guide, *_ in rows}
    for item in db.exec(
        select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
        .where(BatchGuide.batch_id == batch.id).order_by(BatchItem.id)
    ):
        items[item.batch_guide_id].append(BatchItemLine(
            table_code=item.table_code, code=item.code, description=item.description, quantity=item.quantity,
            unit_value=item.unit_value, total=item.total_value, added_in_billing=item.guide_item_id is None))
    guides = [
        BatchGuideLine(
            guide_id=guide.id, guide_type=GuideType(guide.guide_type),
            provider_guide_number=guide.provider_guide_number, operator_guide_number=guide.operator_guide_number,
            beneficiary_name=name, card_number=card, performed_on=batch_guide.performed_on,
            total=batch_guide.total_value, items=items[batch_guide.id])
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
        glosa_value=batch.glosa_value,
        guides=guides,
    )


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

