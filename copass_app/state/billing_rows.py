"""The typed rows Faturamento shows: the draft's totals, its guide cards and item lines, the batches
made and the catalog's hits (strings formatted for the page, numbers the state keeps for its totals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from copass_app import formatting
from copass_app.services import billing
from copass_app.services import catalog as catalog_service
from copass_app.vocabulary import GUIDE_TYPE


@dataclass
class DraftSummaryView:
    period: str = ""
    competence: str = ""
    guides: int = 0
    available: int = 0
    item_count: int = 0
    value: str = ""


def summary_view(summary: billing.DraftSummary) -> DraftSummaryView:
    return DraftSummaryView(
        period=f"{formatting.date_br(summary.period_start)} a {formatting.date_br(summary.period_end)}",
        competence=formatting.competence(summary.competence),
        guides=summary.guide_count_selected,
        available=summary.guide_count_available,
        item_count=summary.item_count_selected,
        value=formatting.money(summary.value_selected),
    )


@dataclass
class DraftItemLine:
    table: str = ""
    code: str = ""
    description: str = ""
    quantity: str = ""
    unit_value: str = ""
    total: str = ""
    extra_id: int = 0  # an item added in billing (removable); 0 for the guide's own items
    above_contract: str = ""  # "acima do valor contratado (R$ 3.050,40)": accepted, shown


@dataclass
class DraftGuideCard:
    id: int = 0
    guide_type: str = ""
    number: str = ""
    operator_number: str = "—"
    beneficiary: str = ""
    card: str = ""
    performed_on: str = ""  # ISO, as the date input wants it
    original_performed_on: str = ""
    changed_date: bool = False
    included: bool = True
    total: str = ""
    lines: list[DraftItemLine] = field(default_factory=list)
    total_cents: int = 0  # what checking the guide adds to the totals (kept incrementally)
    item_count: int = 0


def guide_card(guide: billing.DraftGuideView) -> DraftGuideCard:
    return DraftGuideCard(
        id=guide.guide_id,
        guide_type=GUIDE_TYPE.label(guide.guide_type),
        number=guide.provider_guide_number,
        operator_number=guide.operator_guide_number or "—",
        beneficiary=guide.beneficiary_name,
        card=guide.card_number,
        performed_on=guide.performed_on.isoformat(),
        original_performed_on=guide.original_performed_on.isoformat() if guide.original_performed_on else "",
        changed_date=guide.performed_on != guide.original_performed_on,
        included=guide.included,
        total=formatting.money(guide.total),
        lines=[DraftItemLine(item.table_code, item.code, item.description, formatting.quantity(item.quantity),
                             formatting.money(item.unit_value), formatting.money(item.total), item.extra_item_id or 0,
                             _above_contract(item))
               for item in guide.items],
        total_cents=int(guide.total * 100),
        item_count=len(guide.items),
    )


def _above_contract(item: billing.DraftItemView) -> str:
    if not item.above_contract:
        return ""
    return f"acima do valor contratado ({formatting.money(item.contracted_value)})"


@dataclass
class ConfirmedLine:
    batch_id: int = 0
    protocol: str = ""
    lot: str = ""
    guides: int = 0
    total: str = ""


def confirmed_line(batch: billing.ConfirmedBatch) -> ConfirmedLine:
    return ConfirmedLine(batch.batch_id, batch.protocol_number, batch.lot_number, batch.guide_count,
                         formatting.money(batch.total))


@dataclass
class CatalogHitLine:
    id: int = 0
    code: str = ""
    name: str = ""
    unit: str = ""
    price: str = ""
    price_typed: str = ""  # the price as a provider would type it: 1.500,00


def catalog_hit_line(hit: catalog_service.CatalogHit) -> CatalogHitLine:
    price = formatting.money(hit.price)
    return CatalogHitLine(hit.id, hit.code, hit.name, hit.unit, price, price.replace("R$", "").strip())
