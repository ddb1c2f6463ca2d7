"""What the analysis services return: typed rows for the staff's screens (frozen, Decimal money)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from copass_app.models import GlosaSource, GlosaStatus
from copass_app.services.batch_queries import BatchRow
from copass_app.vocabulary import CRITIQUE_RULE, GLOSA_SOURCE, GLOSA_STATUS

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class GlosaReason:
    """A reason of TISS table 38 (dm_tipoGlosa), as the analyst picks it."""

    code: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.code} · {self.description}"


@dataclass(frozen=True)
class ReceivedBatch:
    """A line of Lotes recebidos."""

    row: BatchRow
    provider_code: str
    provider_name: str
    glosa_value: Decimal = ZERO
    approved_value: Decimal = ZERO


@dataclass(frozen=True)
class GlosaView:
    id: int
    batch_item_id: int
    reason_code: str
    reason_description: str
    value: Decimal
    note: str
    status: GlosaStatus
    source: GlosaSource
    rule: str  # the critique rule that proposed it; "" for the analyst's own
    created_by_name: str
    created_at: datetime
    decided_by_name: str
    decided_at: datetime | None

    @property
    def status_label(self) -> str:
        return GLOSA_STATUS.label(self.status)

    @property
    def source_label(self) -> str:
        return GLOSA_SOURCE.label(self.source)

    @property
    def rule_label(self) -> str:
        return CRITIQUE_RULE[self.rule].short_label if self.rule in CRITIQUE_RULE else ""

    @property
    def proposed(self) -> bool:
        return self.source == GlosaSource.CRITICA


@dataclass(frozen=True)
class ItemAnalysis:
    id: int  # BatchItem id
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    approved_value: Decimal | None  # None: not decided yet
    applied: GlosaView | None
    proposals: tuple[GlosaView, ...]  # pending proposals of the critique
    discarded: tuple[GlosaView, ...]  # proposals and glosas set aside, kept visible as history

    @property
    def decided(self) -> bool:
        return self.approved_value is not None

    @property
    def glosa_value(self) -> Decimal:
        return self.applied.value if self.applied else ZERO


@dataclass(frozen=True)
class GuideAnalysis:
    batch_guide_id: int
    guide_id: int
    guide_number: str
    operator_guide_number: str
    beneficiary_name: str
    card_number: str
    performed_on: date
    total: Decimal
    items: tuple[ItemAnalysis, ...]

    @property
    def glosa_value(self) -> Decimal:
        return sum((item.glosa_value for item in self.items), ZERO)

    @property
    def approved_value(self) -> Decimal:
        return sum((item.approved_value for item in self.items if item.decided), ZERO)

    @property
    def undecided_count(self) -> int:
        return sum(1 for item in self.items if not item.decided)

    @property
    def pending_count(self) -> int:
        return sum(len(item.proposals) for item in self.items)


@dataclass(frozen=True)
class BatchAnalysis:
    row: BatchRow
    provider_code: str
    provider_name: str
    total_value: Decimal  # informado
    glosa_value: Decimal  # applied glosas
    approved_value: Decimal  # liberado: what the decided items approve
    undecided_count: int
    pending_count: int  # proposals waiting for a decision
    editable: bool  # EM_ANALISE: decisions can still change
    analysed_at: datetime | None
    analysed_by_name: str
    guides: tuple[GuideAnalysis, ...]

    @property
    def can_finish(self) -> bool:
        return self.editable and self.undecided_count == 0 and self.pending_count == 0

    @property
    def item_count(self) -> int:
        return sum(len(guide.items) for guide in self.guides)
