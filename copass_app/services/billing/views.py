"""What the billing services return: the draft's totals, one page of its guides, the batches made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from copass_app.models import GuideType
from copass_app.services.paging import Page


@dataclass(frozen=True)
class DraftSummary:
    period_start: date
    period_end: date
    competence: str  # YYYY-MM
    guide_count_selected: int
    item_count_selected: int  # guide items and added items
    value_selected: Decimal
    guide_count_available: int
    include_by_default: bool


@dataclass(frozen=True)
class DraftItemView:
    id: int | None  # GuideItem id; None for an added item
    table_code: str
    code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    total: Decimal
    extra_item_id: int | None = None  # DraftExtraItem id for an added item
    contracted_value: Decimal | None = None  # the catalog's price of an added item

    @property
    def is_extra(self) -> bool:
        return self.extra_item_id is not None

    @property
    def above_contract(self) -> bool:
        """Accepted (the provider may have a newer agreement) but shown: the critique may propose a glosa."""
        return self.contracted_value is not None and self.unit_value > self.contracted_value


@dataclass(frozen=True)
class DraftGuideView:
    guide_id: int
    guide_type: GuideType
    type_label: str
    provider_guide_number: str
    operator_guide_number: str
    beneficiary_name: str
    card_number: str
    performed_on: date  # corrected or original
    original_performed_on: date | None
    requested_on: date
    authorized_on: date | None
    valid_until: date | None
    included: bool
    items: list[DraftItemView]
    total: Decimal

    @property
    def date_changed(self) -> bool:
        return self.performed_on != self.original_performed_on


@dataclass(frozen=True, kw_only=True)
class DraftPage(Page[DraftGuideView]):
    """One page of the draft's guides (`total`: guides available) with the draft's totals."""

    summary: DraftSummary


@dataclass(frozen=True)
class ConfirmedBatch:
    batch_id: int
    protocol_number: str
    lot_number: str
    guide_type: GuideType
    guide_count: int
    total: Decimal
