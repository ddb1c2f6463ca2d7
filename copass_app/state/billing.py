""""Faturamento de atendimentos": the draft batch, one page of guides at a time, and the catalog dialog.

What the provider types (dates, competência, quantities, values) goes to the services as typed:
they parse it with the one parser and refuse it with a message naming the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.services import billing
from copass_app.services import catalog as catalog_service
from copass_app.services.errors import DomainError
from copass_app.services.paging import PAGE_SIZE
from copass_app.state.auth import call_service, page_number, record_id
from copass_app.state.files import download_file
from copass_app.vocabulary import EXTRA_ITEM_TABLE, GUIDE_TYPE

FEE_TABLES = ["18"]
MATERIAL_TABLES = ["19", "20"]


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


@dataclass
class DraftGuideCard:
    id: int = 0
    guide_type: str = ""
    number: str = ""
    operator_number: str = "—"
    beneficiary: str = ""
    card: str = ""
    performed_on: str = ""  # ISO, as the date input wants it
    changed_date: bool = False
    included: bool = True
    total: str = ""
    lines: list[DraftItemLine] = field(default_factory=list)


def guide_card(guide: billing.DraftGuideView) -> DraftGuideCard:
    return DraftGuideCard(
        id=guide.guide_id,
        guide_type=GUIDE_TYPE.label(guide.guide_type),
        number=guide.provider_guide_number,
        operator_number=guide.operator_guide_number or "—",
        beneficiary=guide.beneficiary_name,
        card=guide.card_number,
        performed_on=guide.performed_on.isoformat(),
        changed_date=guide.performed_on != guide.original_performed_on,
        included=guide.included,
        total=formatting.money(guide.total),
        lines=[DraftItemLine(item.table_code, item.code, item.description, formatting.quantity(item.quantity),
                             formatting.money(item.unit_value), formatting.money(item.total), item.extra_item_id or 0)
               for item in guide.items],
    )


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


@dataclass(frozen=True)
class _Shown:
    """One page of the draft as the database has it; `summary` None when there is no draft."""

    summary: DraftSummaryView | None = None
    guides: tuple[DraftGuideCard, ...] = ()
    page: int = 1
    page_count: int = 1


def _draft_shown(db, actor, page: int, *, refresh: bool) -> _Shown:
    """`refresh` (page load) also brings the draft up to date; no draft any more (confirmed or
    cancelled, maybe in another tab) shows none."""
    if refresh and billing.get_draft(db, actor) is None:
        return _Shown()
    try:
        found = billing.draft_page(db, actor, page=page, page_size=PAGE_SIZE)
    except DomainError:
        return _Shown()
    return _Shown(summary_view(found.summary), tuple(guide_card(g) for g in found.rows), found.page, found.page_count)


class BillingState(rx.State):
    has_draft: bool = False
    summary: DraftSummaryView = DraftSummaryView()
    guides: list[DraftGuideCard] = []
    page: int = 1
    page_count: int = 1
    confirmed: list[ConfirmedLine] = []

    # Catalog dialog ("Adicionar taxas" / "Adicionar materiais e medicamentos")
    dialog_open: bool = False
    dialog_guide_id: int = 0
    dialog_guide_label: str = ""
    dialog_tables: list[str] = []
    dialog_table: str = "18"
    search_term: str = ""
    hits: list[CatalogHitLine] = []
    selected_hit: int = -1
    quantity: str = "1"
    unit_value: str = ""
    added_in_dialog: list[str] = []

    # ---- loading -------------------------------------------------------------------------
    def _apply(self, shown: _Shown) -> None:
        self.has_draft = shown.summary is not None
        self.summary = shown.summary or DraftSummaryView()
        self.guides = list(shown.guides)
        self.page, self.page_count = shown.page, shown.page_count

    async def _act(self, action, *, show: bool = True, refresh: bool = False, retries: int = 0):
        """Call a billing service for the logged-in provider: (its result, the event to return).

        With `show`, the page then shows the draft as the database has it, read in the same unit of work.
        """
        page = self.page

        def act_and_show(db, actor):
            outcome = action(db, actor)
            return outcome, _draft_shown(db, actor, page, refresh=refresh) if show else None

        found, event = await call_service(self, act_and_show, retries=retries)
        if found is None:
            return None, event
        outcome, shown = found
        if shown is not None:
            self._apply(shown)
        return outcome, None

    async def _run(self, action, *, refresh: bool = False):
        return (await self._act(action, refresh=refresh))[1]

    @rx.event
    async def on_load(self):
        self.confirmed = []
        self.dialog_open = False
        self.page = 1
        return await self._run(lambda db, actor: None, refresh=True)

    # ---- period -----------------------------------------------------------------------------
    @rx.event
    async def open_period(self, form: dict):
        start, end, competence = (str(form.get(name, "")).strip() or None for name in ("start", "end", "competence"))
        self.page = 1
        self.confirmed = []
        # The service decides period versus competência (and refuses both).
        return await self._run(lambda db, actor: billing.open_draft(db, actor, start=start, end=end,
                                                                     competence=competence))

    @rx.event
    async def go_to_page(self, page: int):
        self.page = page_number(page, self.page_count)
        return await self._run(lambda db, actor: None)

    # ---- selection and dates -------------------------------------------------------------
    @rx.event
    async def toggle_guide(self, guide_id: int, included: bool):
        summary, event = await self._act(
            lambda db, actor: summary_view(billing.set_guide_included(db, actor, record_id(guide_id), bool(included))),
            show=False)
        if summary is not None:
            self.summary = summary
            # Only the toggled card changes: the rest of the page is as it was.
            self.guides = [_with_included(g, bool(included)) if g.id == guide_id else g for g in self.guides]
        return event

    @rx.event
    async def select_all(self, included: bool):
        return await self._run(lambda db, actor: billing.set_all_included(db, actor, bool(included)))

    @rx.event
    async def change_date(self, guide_id: int, value: str):
        if not value:
            return None
        return await self._run(lambda db, actor: billing.change_performed_date(db, actor, record_id(guide_id), value))

    # ---- confirm / cancel -----------------------------------------------------------------
    @rx.event
    async def confirm(self):
        confirmed, event = await self._act(
            lambda db, actor: [confirmed_line(b) for b in billing.confirm_draft(db, actor)],
            retries=billing.CONFIRM_RETRIES)
        if confirmed is None:
            return event
        self.confirmed = confirmed
        return rx.toast.success(f"{len(confirmed)} lote(s) enviado(s) para a operadora.")

    @rx.event
    async def cancel(self):
        _, event = await self._act(lambda db, actor: billing.cancel_draft(db, actor))
        return event or rx.toast.info("Faturamento cancelado; as guias continuam disponíveis.")

    @rx.event
    async def download_protocol(self, batch_id: int):
        return await download_file(self, "protocol", batch_id)

    # ---- catalog dialog --------------------------------------------------------------------
    @rx.event
    def open_catalog(self, guide_id: int, label: str, kind: str):
        self.dialog_guide_id = int(guide_id) if str(guide_id).isdigit() else 0
        self.dialog_guide_label = str(label)
        self.dialog_tables = FEE_TABLES if kind == "fees" else MATERIAL_TABLES
        self.dialog_table = self.dialog_tables[0]
        self.search_term = ""
        self.hits = []
        self.selected_hit = -1
        self.quantity = "1"
        self.unit_value = ""
        self.added_in_dialog = []
        self.dialog_open = True

    @rx.event
    async def close_catalog(self):
        self.dialog_open = False
        return await self._run(lambda db, actor: None)

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = bool(value)

    @rx.event
    async def set_dialog_table(self, table: str | list[str]):
        table = table if isinstance(table, str) else table[0]
        if table in self.dialog_tables:
            self.dialog_table = table
            return await self.search(self.search_term)
        return None

    @rx.event
    async def search(self, term: str):
        self.search_term = term = str(term)
        if len(term.strip()) < 2:
            self.hits, self.selected_hit = [], -1
            return None
        table = self.dialog_table
        hits, event = await call_service(
            self, lambda db, actor: [catalog_hit_line(h) for h in catalog_service.search(db, table, term)])
        if hits is None:
            return event
        self.hits = hits
        self.selected_hit = 0 if hits else -1
        if hits:
            self.unit_value = hits[0].price_typed
        return None

    @rx.event
    def pick(self, index: int):
        if isinstance(index, int) and 0 <= index < len(self.hits):
            self.selected_hit = index
            self.unit_value = self.hits[index].price_typed

    @rx.event
    async def search_key(self, key: str):
        if key == "ArrowDown" and self.hits:
            self.pick(min(self.selected_hit + 1, len(self.hits) - 1))
        elif key == "ArrowUp" and self.hits:
            self.pick(max(self.selected_hit - 1, 0))
        elif key == "Enter":
            return await self.add_selected()
        return None

    @rx.event
    async def pick_and_add(self, index: int):
        self.pick(index)
        return await self.add_selected()

    @rx.event
    def set_quantity(self, value: str):
        self.quantity = str(value)

    @rx.event
    def set_unit_value(self, value: str):
        self.unit_value = str(value)

    @rx.event
    async def add_selected(self):
        if not 0 <= self.selected_hit < len(self.hits):
            return rx.toast.error("Escolha um item da lista.")
        hit = self.hits[self.selected_hit]
        guide_id, item_id = self.dialog_guide_id, hit.id
        quantity, unit_value = self.quantity.strip() or "1", self.unit_value.strip() or None
        summary, event = await self._act(lambda db, actor: summary_view(billing.add_extra_item(
            db, actor, guide_id, item_id, quantity=quantity, unit_value=unit_value)), show=False)
        if summary is None:
            return event
        self.summary = summary
        value = f"R$ {unit_value}" if unit_value else hit.price
        self.added_in_dialog.append(f"{hit.code} · {hit.name} · {quantity} × {value}")
        self.quantity = "1"
        return rx.toast.success(f"Adicionado: {hit.name}")

    @rx.event
    async def remove_extra(self, extra_item_id: int):
        return await self._run(lambda db, actor: billing.remove_extra_item(db, actor, record_id(extra_item_id)))


def _with_included(card: DraftGuideCard, included: bool) -> DraftGuideCard:
    return dataclasses.replace(card, included=included)


CATALOG_LABELS = {term.value: term.short_label for term in EXTRA_ITEM_TABLE}
