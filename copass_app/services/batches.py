"""Acompanhamento de lotes: the provider's batches, their summary and protocol, and the estorno."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from copass_app import formatting as fmt
from copass_app.models import (
    Batch,
    BatchGuide,
    BatchItem,
    BatchOrigin,
    BatchStatus,
    Beneficiary,
    BilledItem,
    Guide,
    GuideType,
    Operator,
    Protocol,
    Provider,
    utcnow,
)
from copass_app.reports.data import ProtocolGuideLine, ProtocolReport
from copass_app.reports.protocol_pdf import render_protocol_pdf
from copass_app.services import audit
from copass_app.services.access import Actor, require_provider
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.guides import GUIDE_TYPE_LABELS
from copass_app.text import escape_like

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
BATCH_NOT_FOUND = "Lote não encontrado."

# TISS dm_statusProtocolo, as providers read it.
STATUS_LABELS = {
    BatchStatus.RECEBIDO: "Recebido",
    BatchStatus.EM_ANALISE: "Em análise",
    BatchStatus.LIBERADO_PAGAMENTO: "Liberado para pagamento",
    BatchStatus.ENCERRADO_SEM_PAGAMENTO: "Encerrado sem pagamento",
    BatchStatus.ANALISADO_AGUARDANDO_LIBERACAO: "Analisado e aguardando liberação para pagamento",
    BatchStatus.PAGO: "Pagamento efetuado",
    BatchStatus.CANCELADO: "Cancelado (estornado)",
}
ORIGIN_LABELS = {BatchOrigin.WEB: "Portal (faturamento na web)", BatchOrigin.XML: "Arquivo XML TISS"}
_REPORT_ORIGINS = {BatchOrigin.WEB: "web", BatchOrigin.XML: "xml"}
_COMPETENCE_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class BatchFilters:
    status: BatchStatus | str | None = None
    competence: str | None = None  # YYYY-MM
    date_from: date | None = None  # received on or after (Brasília date)
    date_to: date | None = None  # received on or before
    protocol: str | None = None  # protocol number or its beginning
    origin: BatchOrigin | str | None = None


@dataclass(frozen=True)
class BatchRow:
    id: int
    protocol_number: str
    lot_number: str
    received_at: datetime
    competence: str
    origin: BatchOrigin
    guide_type: GuideType
    guide_count: int
    total: Decimal
    status: BatchStatus
    status_label: str
    processed_at: datetime | None
    paid_at: datetime | None
    can_reverse: bool

    @property
    def origin_label(self) -> str:
        return ORIGIN_LABELS[self.origin]

    @property
    def guide_type_label(self) -> str:
        return GUIDE_TYPE_LABELS[self.guide_type]


@dataclass(frozen=True)
class BatchPage:
    rows: list[BatchRow]
    total: int
    page: int
    page_count: int
    page_size: int = PAGE_SIZE


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
    type_label: str
    provider_guide_number: str
    operator_guide_number: str
    beneficiary_name: str
    card_number: str
    performed_on: date
    total: Decimal
    items: list[BatchItemLine]

    @property
    def item_count(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class BatchSummary:
    """One batch as the provider reviews it: the list row's data, who was attended and when, and every item."""

    id: int
    protocol_number: str
    lot_number: str
    received_at: datetime
    competence: str
    origin: BatchOrigin
    guide_type: GuideType
    guide_type_label: str
    status: BatchStatus
    status_label: str
    processed_at: datetime | None
    paid_at: datetime | None
    reversed_at: datetime | None
    can_reverse: bool
    provider_name: str
    provider_code: str
    patient_count: int
    first_performed_on: date | None
    last_performed_on: date | None
    item_count: int
    total: Decimal
    glosa_value: Decimal
    guides: list[BatchGuideLine]


# --- listing and reading -----------------------------------------------------------------------


def list_batches(
    db: Session,
    actor: Actor,
    filters: BatchFilters = BatchFilters(),
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> BatchPage:
    """The provider's batches, newest first, one page at a time."""
    provider_id = require_provider(actor)
    conditions = [Batch.provider_id == provider_id, *filter_conditions(filters)]
    batches, page = batches_page(db, conditions, page=page, page_size=page_size)
    return BatchPage(rows=[batch_row(b) for b in batches], total=page.total, page=page.page,
                     page_count=page.page_count, page_size=page.page_size)


@dataclass(frozen=True)
class PageInfo:
    total: int
    page: int
    page_count: int
    page_size: int


def batches_page(db: Session, conditions: list, *, page: int, page_size: int) -> tuple[list[Batch], PageInfo]:
    """Newest first, one page, paged in SQL (shared by the provider's and the staff's lists)."""
    total = db.exec(select(func.count()).select_from(Batch).where(*conditions)).one()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page_count = max(1, -(-total // page_size))
    page = max(1, min(page, page_count))
    batches = db.exec(
        select(Batch)
        .where(*conditions)
        .order_by(Batch.received_at.desc(), Batch.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return list(batches), PageInfo(total, page, page_count, page_size)


def batch_summary(db: Session, actor: Actor, batch_id: int) -> BatchSummary:
    """Patients, attendance dates, values, and every guide with its items."""
    batch = _visible_batch(db, actor, batch_id)
    provider = db.get(Provider, batch.provider_id)
    rows = _batch_guides(db, batch.id)
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
            type_label=GUIDE_TYPE_LABELS[GuideType(guide.guide_type)],
            provider_guide_number=guide.provider_guide_number, operator_guide_number=guide.operator_guide_number,
            beneficiary_name=name, card_number=card, performed_on=batch_guide.performed_on,
            total=batch_guide.total_value, items=items[batch_guide.id])
        for batch_guide, guide, name, card in rows
    ]
    dates = [guide.performed_on for guide in guides]
    row = batch_row(batch)
    return BatchSummary(
        id=row.id,
        protocol_number=row.protocol_number,
        lot_number=row.lot_number,
        received_at=row.received_at,
        competence=row.competence,
        origin=row.origin,
        guide_type=row.guide_type,
        guide_type_label=row.guide_type_label,
        status=row.status,
        status_label=row.status_label,
        processed_at=row.processed_at,
        paid_at=row.paid_at,
        reversed_at=batch.reversed_at,
        can_reverse=row.can_reverse,
        provider_name=provider.name,
        provider_code=provider.code,
        patient_count=len({guide.beneficiary_id for _, guide, *_ in rows}),
        first_performed_on=min(dates, default=None),
        last_performed_on=max(dates, default=None),
        item_count=sum(len(lines) for lines in items.values()),
        total=batch.total_value,
        glosa_value=batch.glosa_value,
        guides=guides,
    )


def protocol_report(db: Session, actor: Actor, batch_id: int) -> ProtocolReport:
    """The receipt data of a batch, for the protocol PDF."""
    batch = _visible_batch(db, actor, batch_id)
    provider = db.get(Provider, batch.provider_id)
    operator = db.get(Operator, provider.operator_id)
    protocol = db.exec(select(Protocol).where(Protocol.batch_id == batch.id)).first()
    lines = [
        ProtocolGuideLine(
            beneficiary_name=name,
            card_number=card,
            provider_guide_number=guide.provider_guide_number,
            operator_guide_number=guide.operator_guide_number or None,
            guide_type_label=GUIDE_TYPE_LABELS[GuideType(guide.guide_type)],
            performed_date=batch_guide.performed_on,
            value=batch_guide.total_value,
        )
        for batch_guide, guide, name, card in _batch_guides(db, batch.id)
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
        origin=_REPORT_ORIGINS[BatchOrigin(batch.origin)],
        lot_number=batch.lot_number,
        guides=lines,
        total=batch.total_value,
    )


def protocol_pdf(db: Session, actor: Actor, batch_id: int) -> tuple[str, bytes]:
    report = protocol_report(db, actor, batch_id)
    return f"protocolo-{report.protocol_number}.pdf", render_protocol_pdf(report)


# --- estorno -----------------------------------------------------------------------------------


def reverse_batch(db: Session, actor: Actor, batch_id: int, *, now: datetime | None = None) -> None:
    """Estorno: the owning provider undoes a batch the operator has not started processing.

    The guides become billable again (their BilledItem rows go); the batch stays as history.
    """
    provider_id = require_provider(actor)
    now = now or utcnow()
    with transaction(db):
        batch = _own_batch(db, provider_id, batch_id)
        refuse_reversal(batch)
        # Conditional on the state we checked: processing started meanwhile makes it match nothing.
        result = db.execute(
            update(Batch)
            .where(Batch.id == batch.id, Batch.status == BatchStatus.RECEBIDO, Batch.processed_at.is_(None),
                   Batch.reversed_at.is_(None))
            .values(status=BatchStatus.CANCELADO, reversed_at=now, reversed_by=actor.user_id)
            .execution_options(synchronize_session=False)
        )
        batch = db.get(Batch, batch.id, populate_existing=True)
        if result.rowcount != 1:
            refuse_reversal(batch)
            raise DomainError("Este lote não pode mais ser estornado.")
        db.execute(delete(BilledItem).where(BilledItem.batch_id == batch.id))
        audit.record(db, actor, "batch.reverse", "batch", batch.id,
                     f"Estorno do lote {batch.lot_number}, protocolo {batch.protocol_number}", at=now)


def refuse_reversal(batch: Batch) -> None:
    if batch.reversed_at is not None or batch.status == BatchStatus.CANCELADO:
        raise DomainError("Este lote já foi estornado.")
    if batch.processed_at is not None:
        raise DomainError(
            f"O lote já foi processado pela operadora em {fmt.date_br(_brasilia_date(batch.processed_at))} "
            "e não pode mais ser estornado."
        )
    if batch.status != BatchStatus.RECEBIDO:
        raise DomainError(
            f"O lote está na situação “{STATUS_LABELS[BatchStatus(batch.status)]}” e não pode mais ser estornado."
        )


def can_reverse(batch: Batch) -> bool:
    return batch.status == BatchStatus.RECEBIDO and batch.processed_at is None and batch.reversed_at is None


# --- shared with billing and processing --------------------------------------------------------


@contextmanager
def transaction(db: Session) -> Iterator[None]:
    """One user action, one transaction: commit at the end, roll back on any error."""
    try:
        yield
        db.commit()
    except BaseException:
        db.rollback()
        raise


def batch_row(batch: Batch) -> BatchRow:
    status = BatchStatus(batch.status)
    return BatchRow(
        id=batch.id,
        protocol_number=batch.protocol_number,
        lot_number=batch.lot_number,
        received_at=batch.received_at,
        competence=batch.competence,
        origin=BatchOrigin(batch.origin),
        guide_type=GuideType(batch.guide_type),
        guide_count=batch.guide_count,
        total=batch.total_value,
        status=status,
        status_label=STATUS_LABELS[status],
        processed_at=batch.processed_at,
        paid_at=batch.paid_at,
        can_reverse=can_reverse(batch),
    )


def next_lot_number(db: Session, provider_id: int) -> str:
    """The provider's next numeroLote: one more than its last portal lot, skipping numbers an XML lot took.

    Two confirmations at once may pick the same number; the unique (provider, lot) key refuses
    the second, which retries.
    """
    last = db.exec(
        select(Batch.lot_number)
        .where(Batch.provider_id == provider_id, Batch.origin == BatchOrigin.WEB)
        .order_by(func.length(Batch.lot_number).desc(), Batch.lot_number.desc())
        .limit(1)
    ).first()
    number = int(last) + 1 if last and last.isdigit() else 1
    while db.exec(
        select(Batch.id).where(Batch.provider_id == provider_id, Batch.lot_number == str(number))
    ).first():
        number += 1
    return str(number)


def provisional_protocol_number() -> str:
    """Unique placeholder until the batch id, which the protocol number is made of, is known."""
    return f"tmp{uuid.uuid4().hex[:17]}"


def protocol_number_for(batch_id: int, received_at: datetime) -> str:
    """Year of receipt + batch id: 12 digits, as TISS numeroProtocolo allows (st_texto12 / st_numerico12).

    Unique because the id is; past 10^8 batches the 12-digit id alone keeps it unique and short.
    """
    if batch_id >= 10**8:
        return f"{batch_id:012d}"
    return f"{_brasilia_date(received_at):%Y}{batch_id:08d}"


# --- helpers -----------------------------------------------------------------------------------


def _brasilia_date(moment: datetime) -> date:
    return moment.astimezone(fmt.BRASILIA).date() if moment.tzinfo else moment.date()


def _brasilia_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=fmt.BRASILIA)


def filter_conditions(filters: BatchFilters) -> list:
    conditions = []
    if filters.status:
        try:
            conditions.append(Batch.status == BatchStatus(str(filters.status)))
        except ValueError:
            raise DomainError("Situação de lote desconhecida.") from None
    if filters.origin:
        try:
            conditions.append(Batch.origin == BatchOrigin(str(filters.origin).upper()))
        except ValueError:
            raise DomainError("Origem de lote desconhecida.") from None
    if filters.competence:
        competence = filters.competence.strip()
        if not _COMPETENCE_RE.fullmatch(competence):
            raise DomainError("Competência inválida. Use o formato AAAA-MM, por exemplo 2026-03.")
        conditions.append(Batch.competence == competence)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise DomainError("A data inicial do período é posterior à data final.")
    if filters.date_from:
        conditions.append(Batch.received_at >= _brasilia_midnight(filters.date_from))
    if filters.date_to:
        conditions.append(Batch.received_at < _brasilia_midnight(filters.date_to + timedelta(days=1)))
    protocol = (filters.protocol or "").strip()
    if protocol:
        conditions.append(Batch.protocol_number.like(f"{escape_like(protocol)}%", escape="\\"))
    return conditions


def _visible_batch(db: Session, actor: Actor, batch_id: int) -> Batch:
    """Staff see any batch; a provider only its own, and another's is simply not found."""
    if actor.is_staff:
        batch = db.get(Batch, batch_id)
        if batch is None:
            raise NotFound(BATCH_NOT_FOUND)
        return batch
    return _own_batch(db, require_provider(actor), batch_id)


def _own_batch(db: Session, provider_id: int, batch_id: int) -> Batch:
    batch = db.get(Batch, batch_id)
    if batch is None or batch.provider_id != provider_id:
        raise NotFound(BATCH_NOT_FOUND)
    return batch


def _batch_guides(db: Session, batch_id: int) -> list[tuple[BatchGuide, Guide, str, str]]:
    return db.exec(
        select(BatchGuide, Guide, Beneficiary.name, Beneficiary.card_number)
        .join(Guide, Guide.id == BatchGuide.guide_id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(BatchGuide.batch_id == batch_id)
        .order_by(BatchGuide.id)
    ).all()
