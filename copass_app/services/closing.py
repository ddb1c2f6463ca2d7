"""\"Fechar atendimentos\" / \"Encerrar Fatura – Gerar Protocolo\": the provider's open typed attendances
of one competência become received batches (one per guide type, at most 100 guides each, like a TISS
loteGuias), with protocol and protocol PDF — the same batch lifecycle as web billing
(services.batch_writer), in one transaction:

    perform(lambda db: closing.close_attendances(db, actor, competence), retries=closing.CLOSE_RETRIES)

Two closes at once: both read the same open attendances, the BilledItem primary key lets only the
first write them; the second's insert fails, `perform` runs it again and the retry finds nothing open
(refused, with the first one's protocol). Each guide stores its TISS element as typed
(batch_guide_detail), so the batch's XML carries every clinical field the provider typed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists
from sqlmodel import Session, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import (
    Batch,
    BatchOrigin,
    Beneficiary,
    BilledItem,
    DetailSource,
    Guide,
    GuideItem,
    GuideType,
    Provider,
    TypedAttendance,
)
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_writer import BatchLine, GuideToBill, write_batch
from copass_app.services.errors import DomainError
from copass_app.services.lot_export import typed_guide_tree
from copass_app.services.typed_input import parse_competence
from copass_app.services.unit_of_work import is_retry
from copass_app.tiss import codes
from copass_app.tiss.clinical import parse_detail

MAX_GUIDES_PER_BATCH = 100  # TISS loteGuias
CLOSE_RETRIES = 2  # what callers pass to perform(...)
PROTOCOL_TO_BE = "Gerado ao encerrar"
_TYPE_ORDER = (GuideType.CONSULTA, GuideType.SP_SADT)


@dataclass(frozen=True)
class ClosingAttendance:
    guide_id: int
    number: str  # Núm. Atendimento
    beneficiary_name: str
    total: Decimal


@dataclass(frozen=True)
class ClosingRow:
    """One batch "Gerar Protocolo" will create."""

    protocol_label: str  # Nº Protocolo: not known before closing
    provider_name: str
    guide_type: GuideType
    attendance_count: int  # Qtde Atendimento
    total: Decimal
    attendances: list[ClosingAttendance]


@dataclass(frozen=True)
class ClosingSummary:
    competence: str
    rows: list[ClosingRow]

    @property
    def attendance_count(self) -> int:
        return sum(row.attendance_count for row in self.rows)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), Decimal("0.00"))


@dataclass(frozen=True)
class ClosedBatch:
    batch_id: int
    protocol_number: str
    lot_number: str
    guide_type: GuideType
    guide_count: int
    total: Decimal


def _open_items(provider_id: int, competence: str):
    """The open typed attendances' items of the competência (none of them in a live batch)."""
    return (
        select(Guide, GuideItem, Beneficiary.name, TypedAttendance.detail)
        .join(TypedAttendance, TypedAttendance.guide_id == Guide.id)
        .join(GuideItem, GuideItem.guide_id == Guide.id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(TypedAttendance.provider_id == provider_id, TypedAttendance.competence == competence,
               GuideItem.performed_qty > 0,  # 0: withdrawn by an edit after an estorno
               ~exists().where(BilledItem.guide_item_id == GuideItem.id))
        .order_by(Guide.performed_on, Guide.provider_guide_number, Guide.id, GuideItem.id)
    )


@dataclass
class _Open:
    guide: Guide
    beneficiary_name: str
    detail: dict
    lines: list[BatchLine]

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))


def _load_open(db: Session, provider_id: int, competence: str) -> list[_Open]:
    found: dict[int, _Open] = {}
    for guide, item, name, detail in db.exec(_open_items(provider_id, competence)):
        entry = found.setdefault(guide.id, _Open(guide, name, detail, []))
        entry.lines.append(BatchLine(item.id, item.table_code, item.code, item.description, item.performed_qty,
                                     item.unit_value))
    return list(found.values())


def _plan(attendances: list[_Open]) -> list[tuple[GuideType, list[_Open]]]:
    by_type: dict[GuideType, list[_Open]] = defaultdict(list)
    for attendance in attendances:
        by_type[GuideType(attendance.guide.guide_type)].append(attendance)
    return [(guide_type, by_type[guide_type][start:start + MAX_GUIDES_PER_BATCH])
            for guide_type in _TYPE_ORDER
            for start in range(0, len(by_type.get(guide_type, [])), MAX_GUIDES_PER_BATCH)]


def closing_summary(db: Session, actor: Actor, competence: str) -> ClosingSummary:
    """What "Gerar Protocolo" would close now: one row per batch, each with its attendances."""
    provider_id = require_provider(actor)
    competence = parse_competence(competence)
    provider = db.get(Provider, provider_id)
    rows = [
        ClosingRow(PROTOCOL_TO_BE, provider.name, guide_type, len(chunk),
                   sum((a.total for a in chunk), Decimal("0.00")),
                   [ClosingAttendance(a.guide.id, a.guide.provider_guide_number, a.beneficiary_name, a.total)
                    for a in chunk])
        for guide_type, chunk in _plan(_load_open(db, provider_id, competence))
    ]
    return ClosingSummary(competence, rows)


def close_attendances(db: Session, actor: Actor, competence: str, *,
                      now: datetime | None = None) -> list[ClosedBatch]:
    """Close every open typed attendance of the competência into batches, all of them or none."""
    provider_id = require_provider(actor)
    competence = parse_competence(competence)
    now = now or clock.now()
    provider = db.get(Provider, provider_id)
    attendances = _load_open(db, provider_id, competence)
    if not attendances:
        raise _nothing_open(db, provider_id, competence)
    closed = []
    for guide_type, chunk in _plan(attendances):
        guides = [
            GuideToBill(a.guide.id, a.guide.performed_on, a.lines, guide_type=guide_type,
                        number=a.guide.provider_guide_number, detail_source=DetailSource.TYPED,
                        detail=typed_guide_tree(db, provider, a.guide, parse_detail(guide_type, a.detail), a.lines,
                                                a.guide.performed_on))
            for a in chunk
        ]
        batch = write_batch(db, actor, provider_id, origin=BatchOrigin.TYPED, guide_type=guide_type,
                            competence=competence, guides=guides, now=now)
        closed.append(ClosedBatch(batch.id, batch.protocol_number, batch.lot_number, guide_type, len(guides),
                                  batch.total_value))
    db.flush()
    return closed


def _nothing_open(db: Session, provider_id: int, competence: str) -> DomainError:
    shown = fmt.competence(competence)
    protocols = db.exec(
        select(Batch.protocol_number)
        .where(Batch.provider_id == provider_id, Batch.origin == BatchOrigin.TYPED, Batch.competence == competence,
               Batch.reversed_at.is_(None))
        .order_by(Batch.id.desc()).limit(3)
    ).all()
    if protocols:
        again = " (fechados agora mesmo em outra janela)" if is_retry(db) else ""
        return DomainError(f"Os atendimentos da competência {shown} já foram fechados{again}: protocolo "
                           f"{', '.join(protocols)}. Nenhum atendimento digitado a fechar.",
                           codes.GUIDE_ALREADY_SENT)
    return DomainError(f"Nenhum atendimento digitado a fechar na competência {shown}.")
