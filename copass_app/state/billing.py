""""Faturamento de atendimentos": the draft batch, one page of guides at a time, and the catalog dialog.

What the provider types (dates, competência, quantities, values) goes to the services as typed:
they parse it with the one parser and refuse it with a message naming the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import reflex as rx

from copass_app import formatting
from copass_app.services import billing
from copass_app.services import catalog as catalog_service
from copass_app.services.errors import DomainError
from copass_app.services.paging import PAGE_SIZE
from copass_app.state.auth import call_service, page_number, record_id
from copass_app.state.billing_rows import (
    CatalogHitLine,
    ConfirmedLine,
    DraftGuideCard,
    DraftItemLine,
    DraftSummaryView,
    catalog_hit_line,
    confirmed_line,
    guide_card,
    summary_view,
)
from copass_app.state.files import download_file
from copass_app.state.glosa_preview import DraftPreviewMixin
from copass_app.state.paging import select_value
from copass_app.vocabulary import EXTRA_ITEM_TABLE

__all__ = ["CATALOG_LABELS", "BillingState", "DraftGuideCard", "DraftItemLine", "DraftSelectionState"]

FEE_TABLES = ["18"]
MATERIAL_TABLES = ["19", "20"]
ASK_FIRST = object()  # an action's answer meaning "ask the provider before doing it" (nothing was written)


@dataclass(frozen=True)
class _Shown:
    """One page of the draft as the database has it; `summary` None when there is no draft."""

    summary: DraftSummaryView | None = None
    guides: tuple[DraftGuideCard, ...] = ()
    page: int = 1
    page_count: int = 1
    summary_raw: billing.DraftSummary | None = None


def _draft_shown(db, actor, page: int, *, refresh: bool, summary: billing.DraftSummary | None = None) -> _Shown:
    """`refresh` (page load) also brings the draft up to date; no draft any more (confirmed or
    cancelled, maybe in another tab) shows none. `summary`: the totals the action just computed."""
    if refresh:
        summary = billing.get_draft(db, actor)
        if summary is None:
            return _Shown()
    try:
        found = billing.draft_page(db, actor, page=page, page_size=PAGE_SIZE, summary=summary)
    except DomainError:
        return _Shown()
    return _Shown(summary_view(found.summary), tuple(guide_card(g) for g in found.rows), found.page, found.page_count,
                  found.summary)


class BillingState(DraftPreviewMixin, rx.State):
    """The page: the draft's cards, the period, the dialogs. What a click on a card changes (its check,
    its date, the totals) lives in the substate `DraftSelectionState`."""

    has_draft: bool = False
    guides: list[DraftGuideCard] = []
    page: int = 1
    page_count: int = 1
    confirmed: list[ConfirmedLine] = []
    period_mode: str = "dates"  # "dates" or "competence": one explicit choice
    discard_open: bool = False  # "Descartar as alterações deste faturamento?"
    _pending_period: dict[str, str] = {}

    # Catalog dialog ("Adicionar taxas" / "Adicionar materiais e medicamentos")
    dialog_open: bool = False
    dialog_guide_id: int = 0
    dialog_guide_label: str = ""
    dialog_tables: list[str] = []
    dialog_table: str = "18"
    search_term: str = ""
    searched: bool = False  # a search ran: no hits shows the empty state
    hits: list[CatalogHitLine] = []
    selected_hit: int = -1
    quantity: str = "1"
    unit_value: str = ""
    added_in_dialog: list[str] = []
    repeat_question: str = ""  # the guide already has the item: add to its line, or a second line?

    # ---- loading -------------------------------------------------------------------------
    async def _apply(self, shown: _Shown) -> None:
        self.has_draft = shown.summary is not None
        self.guides = list(shown.guides)
        self.page, self.page_count = shown.page, shown.page_count
        (await self.get_state(DraftSelectionState))._show(shown)

    async def _act(self, action, *, show: bool = True, refresh: bool = False, retries: int = 0,
                   cached_session: bool = False, refusal_as_value: bool = False, page: int | None = None):
        """Call a billing service for the logged-in provider: (its result, the event to return).

        With `show`, the page then shows the draft as the database has it (at `page`, default the page
        shown), read in the same unit of work. An action that returns the draft's totals (a DraftSummary)
        hands them to that reading; one that returns `ASK_FIRST` shows nothing.
        """
        page = self.page if page is None else page

        def act_and_show(db, actor):
            outcome = action(db, actor)
            if not show or outcome is ASK_FIRST:
                return outcome, None
            summary = outcome if isinstance(outcome, billing.DraftSummary) else None
            return outcome, _draft_shown(db, actor, page, refresh=refresh, summary=summary)

        found, event = await call_service(self, act_and_show, retries=retries, cached_session=cached_session,
                                          refusal_as_value=refusal_as_value)
        if found is None:
            return None, event
        outcome, shown = found
        if shown is not None:
            await self._apply(shown)
        return outcome, None

    async def _run(self, action, *, refresh: bool = False):
        return (await self._act(action, refresh=refresh))[1]

    async def _draft_changed(self):
        """The Prévia de glosas left a guide out: the cards and totals show the draft as stored."""
        return await self._run(lambda db, actor: None)

    @rx.event
    async def on_load(self):
        self.confirmed = []
        self.dialog_open = self.discard_open = False
        self.page = 1
        return await self._run(lambda db, actor: None, refresh=True)

    # ---- period -----------------------------------------------------------------------------
    @rx.event
    def set_period_mode(self, mode: str | list[str]):
        mode = select_value(mode)
        if mode in ("dates", "competence"):
            self.period_mode = mode

    @rx.event
    async def open_period(self, form: dict):
        """"Faturar": asks first when another period would discard what the provider changed; otherwise
        opens it in the same unit of work as the question."""
        self._pending_period = _period_of(form, self.period_mode)
        period = dict(self._pending_period)

        def ask_or_open(db, actor):
            if billing.would_discard_changes(db, actor, **period):
                return ASK_FIRST
            return billing.open_draft(db, actor, **period)

        outcome, event = await self._act(ask_or_open, page=1)
        if outcome is None:
            return event
        if outcome is ASK_FIRST:
            self.discard_open = True
        else:
            self.confirmed = []
        return None

    @rx.event
    async def confirm_discard(self):
        self.discard_open = False
        return await self._open_pending()

    @rx.event
    def keep_draft(self):
        self.discard_open = False

    async def _open_pending(self):
        period = dict(self._pending_period)
        self.page = 1
        self.confirmed = []
        # The service decides period versus competência (and refuses both).
        return await self._run(lambda db, actor: billing.open_draft(db, actor, **period))

    @rx.event
    async def go_to_page(self, page: int):
        self.page = page_number(page, self.page_count)
        _, event = await self._act(lambda db, actor: None, cached_session=True)
        return event

    @rx.event
    async def select_all(self, included: bool):
        included = bool(included)
        summary, event = await self._act(lambda db, actor: billing.set_all_included(db, actor, included), show=False)
        if event is None:  # every guide follows the choice: the cards stay, their checks and totals move (no re-read)
            selection = await self.get_state(DraftSelectionState)
            selection.included = dict.fromkeys(selection.included, included)
            selection._set_summary(summary)
        return event

    # ---- confirm / cancel -----------------------------------------------------------------
    @rx.event
    async def confirm(self):
        confirmed, event = await self._act(
            lambda db, actor: [confirmed_line(b) for b in billing.confirm_draft(db, actor)],
            show=False, retries=billing.CONFIRM_RETRIES)
        if confirmed is None:
            return event
        await self._apply(_Shown())  # the confirmation removed the draft: no page of it left to read
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
        self.dialog_guide_id = int(n) if (n := str(guide_id)).isascii() and n.isdigit() and len(n) < 19 else 0
        self.dialog_guide_label = str(label)
        self.dialog_tables = FEE_TABLES if kind == "fees" else MATERIAL_TABLES
        self.dialog_table = self.dialog_tables[0]
        self.search_term = ""
        self.searched = False
        self.hits = []
        self.selected_hit = -1
        self.quantity = "1"
        self.unit_value = ""
        self.added_in_dialog = []
        self.repeat_question = ""
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
        table = select_value(table)
        if table in self.dialog_tables:
            self.dialog_table = table
            return await self.search(self.search_term)
        return None

    @rx.event
    async def search(self, term: str):
        self.search_term = term = str(term)
        if len(term.strip()) < 2:
            self.hits, self.selected_hit, self.searched = [], -1, False
            return None
        table = self.dialog_table
        hits, event = await call_service(
            self, lambda db, actor: [catalog_hit_line(h) for h in catalog_service.search(db, table, term)],
            cached_session=True)
        if hits is None:
            return event
        self.hits, self.searched = hits, True
        self.selected_hit = -1
        if hits:
            self.pick(0)
        return None

    @rx.event
    def pick(self, index: int):
        """Choose a hit (click, double-click, arrow keys): its contracted price fills the value; "Adicionar" adds."""
        if isinstance(index, int) and 0 <= index < len(self.hits):
            if index != self.selected_hit:
                self.quantity = "1"
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
    def set_quantity(self, value: str):
        self.quantity = str(value)

    @rx.event
    def set_unit_value(self, value: str):
        self.unit_value = str(value)

    @rx.event
    async def add_selected(self):
        """"Adicionar"; an item the guide already has asks first (`repeat_question`): see `add_repeated`."""
        return await self._add(None)

    @rx.event
    async def add_repeated(self, merge: bool):
        """The answer to `repeat_question`: add the quantity to the existing line, or a line of its own."""
        return await self._add(bool(merge))

    async def _add(self, merge: bool | None):
        if not 0 <= self.selected_hit < len(self.hits):
            return rx.toast.error("Escolha um item da lista.")
        hit = self.hits[self.selected_hit]
        guide_id, item_id = self.dialog_guide_id, hit.id
        quantity, unit_value = self.quantity.strip() or "1", self.unit_value.strip() or None
        self.repeat_question = ""

        def add(db, actor):
            try:
                return billing.add_extra_item(db, actor, guide_id, item_id, quantity=quantity, unit_value=unit_value,
                                              merge=merge)
            except billing.RepeatedItem as repeated:  # nothing was written: the provider chooses
                return str(repeated)

        outcome, event = await self._act(add, show=False)
        if outcome is None:
            return event
        if isinstance(outcome, str):
            self.repeat_question = outcome
            return None
        (await self.get_state(DraftSelectionState))._set_summary(outcome)
        value = f"R$ {unit_value}" if unit_value else hit.price
        merged = " (somado à linha existente)" if merge else ""
        self.added_in_dialog.append(f"{hit.code} · {hit.name} · {quantity} × {value}{merged}")
        self.quantity = "1"
        return rx.toast.success(f"Adicionado: {hit.name}")

    @rx.event
    def cancel_repeat(self):
        self.repeat_question = ""

    @rx.event
    async def remove_extra(self, extra_item_id: int):
        return await self._run(lambda db, actor: billing.remove_extra_item(db, actor, record_id(extra_item_id)))


class DraftSelectionState(BillingState):
    """What a click on a card changes: its check, its Realização and the draft's totals. A substate of
    its own because the browser re-renders every piece of the page that reads a state when that state
    changes: a click re-renders the cards' list and the totals, not the period, the dialogs, the pager."""

    summary: DraftSummaryView = DraftSummaryView()
    # Per guide id (as text), apart from the cards: a click sends one small dict, not the page's cards.
    included: dict[str, bool] = {}
    performed: dict[str, str] = {}
    date_changed: dict[str, bool] = {}
    # A refused Realização, said under its field while the provider is still in it ("" none).
    date_refusal: dict[str, str] = {}
    _totals: tuple[int, int, int] = (0, 0, 0)  # selected guides, items, cents: kept incrementally

    def _show(self, shown: _Shown) -> None:
        self._set_summary(shown.summary_raw)
        self.included = {str(g.id): g.included for g in shown.guides}
        self.performed = {str(g.id): g.performed_on for g in shown.guides}
        self.date_changed = {str(g.id): g.changed_date for g in shown.guides}
        self.date_refusal = {str(g.id): "" for g in shown.guides}

    def _set_summary(self, summary: billing.DraftSummary | None) -> None:
        self.summary = summary_view(summary) if summary else DraftSummaryView()
        self._totals = ((summary.guide_count_selected, summary.item_count_selected, int(summary.value_selected * 100))
                        if summary else (0, 0, 0))

    @rx.event
    async def toggle_guide(self, guide_id: int, included: bool):
        card = next((g for g in self.guides if g.id == guide_id), None)
        if card is None:
            return rx.toast.error(billing.GUIDE_NOT_IN_DRAFT)
        included = bool(included)
        changed, event = await self._act(lambda db, actor: billing.toggle_guide(db, actor, card.id, included),
                                         show=False, cached_session=True)
        if event is not None:
            return event
        # The database holds the choice; the page moves its totals by this card instead of re-adding the draft.
        self.included[str(card.id)] = included
        if changed:
            sign = 1 if included else -1
            guides, items, cents = self._totals
            self._totals = (guides + sign, items + sign * card.item_count, cents + sign * card.total_cents)
            self.summary = dataclasses.replace(self.summary, guides=self._totals[0], item_count=self._totals[1],
                                               value=formatting.money(Decimal(self._totals[2]).scaleb(-2)))
        return None

    @rx.event
    async def change_date(self, guide_id: int, value: str):
        """Each date the field sends: stored, or refused under the field (the typed text stays until on_blur)."""
        key = str(guide_id)
        if not value or key not in self.performed or _year_being_typed(str(value)):
            return None
        stored, event = await self._act(
            lambda db, actor: billing.correct_performed_date(db, actor, record_id(guide_id), value),
            show=False, cached_session=True, refusal_as_value=True)
        if stored is None:
            if not isinstance(event, DomainError):
                return event  # no session any more, say: its redirect
            self.date_refusal[key] = f"{event} Vale a data gravada: {_br_date(self.performed[key])}."
            return None
        card = next(g for g in self.guides if str(g.id) == key)
        if self.date_refusal.get(key):
            self.date_refusal[key] = ""
        self.performed[key] = stored.isoformat()
        self.date_changed[key] = stored.isoformat() != card.original_performed_on
        return None

    @rx.event
    def settle_date(self, guide_id: int):
        """Leaving the date field after a refusal: the field shows the stored date again."""
        key = str(guide_id)
        if not self.date_refusal.get(key):
            return
        shown = self.performed[key]
        self.performed[key] = ""  # a change the field sees, even when the stored date is what it had
        yield
        self.performed[key] = shown


def _br_date(iso: str) -> str:
    return formatting.date_br(date.fromisoformat(iso)) if iso else "nenhuma"


def _year_being_typed(value: str) -> bool:
    """The date field sends every keystroke: typing 2026 over the year sends 0002, 0020, 0202 first."""
    year = value.split("-", 1)[0]
    return len(value) == 10 and year.isascii() and year.isdigit() and int(year) < 1000


def _period_of(form: dict, mode: str) -> dict[str, str | None]:
    """Only the fields of the chosen mode go to the service (which still refuses both)."""
    typed = {name: str(form.get(name, "")).strip() or None for name in ("start", "end", "competence")}
    if mode == "competence":
        return {"start": None, "end": None, "competence": typed["competence"]}
    return typed


CATALOG_LABELS = {term.value: term.short_label for term in EXTRA_ITEM_TABLE}
