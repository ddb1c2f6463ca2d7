"""The critique on the provider's side, before anything is decided: "Prévia de glosas".

The same rules and the same settings as the operator's analysis, run on the checked guides of
the Faturamento draft (with added items and corrected dates) or on an uploaded lot's batch.
Nothing is written: the provider fixes the date, quantity or value, or leaves the guide out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_queries import visible_batch
from copass_app.services.billing.queries import require_draft
from copass_app.services.critique.context import GuideContext, ItemRef, batch_contexts, draft_contexts
from copass_app.services.critique.rules import Finding, critique
from copass_app.services.critique.settings import effective_settings

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ItemPreview:
    item: ItemRef
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    findings: tuple[Finding, ...]

    @property
    def glosa_value(self) -> Decimal:
        """What is at risk on the item: its largest finding (an item is glossed once)."""
        return max((finding.value for finding in self.findings), default=ZERO)


@dataclass(frozen=True)
class GuidePreview:
    guide_id: int
    guide_number: str
    beneficiary_name: str
    card_number: str
    performed_on: date
    total: Decimal
    items: tuple[ItemPreview, ...]  # the items with findings

    @property
    def glosa_value(self) -> Decimal:
        return sum((item.glosa_value for item in self.items), ZERO)


@dataclass(frozen=True, kw_only=True)
class CritiquePreview:
    guides: tuple[GuidePreview, ...]  # the guides with findings, in billing order
    guide_count: int  # guides critiqued
    item_count: int  # items critiqued
    total_value: Decimal  # billed value critiqued

    @property
    def finding_count(self) -> int:
        return sum(len(item.findings) for guide in self.guides for item in guide.items)

    @property
    def glosa_value(self) -> Decimal:
        return sum((guide.glosa_value for guide in self.guides), ZERO)

    @property
    def clean(self) -> bool:
        return not self.guides


@dataclass(frozen=True, kw_only=True)
class DraftPreview(CritiquePreview):
    pass


@dataclass(frozen=True, kw_only=True)
class BatchPreview(CritiquePreview):
    batch_id: int
    lot_number: str
    protocol_number: str


def preview_draft(db: Session, actor: Actor) -> DraftPreview:
    """The glosas the operator would propose on the draft's checked guides, as they would be billed."""
    provider_id = require_provider(actor)
    contexts = draft_contexts(db, require_draft(db, actor))
    return DraftPreview(**_summarize(contexts, critique(contexts, effective_settings(db, provider_id))))


def preview_batch(db: Session, actor: Actor, batch_id: int) -> BatchPreview:
    """The glosas the operator would propose on one of the provider's batches (an uploaded lot's)."""
    require_provider(actor)
    batch = visible_batch(db, actor, batch_id)
    contexts = batch_contexts(db, batch)
    return BatchPreview(batch_id=batch.id, lot_number=batch.lot_number, protocol_number=batch.protocol_number,
                        **_summarize(contexts, critique(contexts, effective_settings(db, batch.provider_id))))


def _summarize(contexts: list[GuideContext], findings: list[Finding]) -> dict:
    by_item: dict[ItemRef, list[Finding]] = {}
    for finding in findings:
        by_item.setdefault(finding.item, []).append(finding)
    guides = []
    for guide in contexts:
        items = tuple(
            ItemPreview(item.ref, item.table_code, item.code, item.description, item.quantity, item.unit_value,
                        item.total, tuple(by_item[item.ref]))
            for item in guide.items if item.ref in by_item)
        if items:
            guides.append(GuidePreview(guide.guide_id, guide.guide_number, guide.beneficiary_name,
                                       guide.card_number, guide.performed_on,
                                       sum((item.total for item in guide.items), ZERO), items))
    return {
        "guides": tuple(guides),
        "guide_count": len(contexts),
        "item_count": sum(len(guide.items) for guide in contexts),
        "total_value": sum((item.total for guide in contexts for item in guide.items), ZERO),
    }
