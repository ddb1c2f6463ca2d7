""""Faturamento de atendimentos": the draft batch, one page of guides at a time, and the catalog dialog."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import reflex as rx

from copass_app import formatting
from copass_app.services import billing
from copass_app.services import catalog as catalog_service
from copass_app.services.errors import DomainError
from copass_app.state.auth import call_service, page_number, record_id
from copass_app.state.files import download_file

PAGE_SIZE = 20
CATALOG_LABELS = {"18": "Taxas e diárias (TUSS 18)", "19": "Materiais (TUSS 19)", "20": "Medicamentos (TUSS 20)"}


def _summary_view(summary: billing.DraftSummary) -> dict[str, str]:
    return {
        "period": f"{formatting.date_br(summary.period_start)} a {formatting.date_br(summary.period_end)}",
        "competence": formatting.competence(summary.competence),
        "guides": str(summary.guide_count_selected),
        "available": str(summary.guide_count_available),
        "items": str(summary.item_count_selected),
        "value": formatting.money(summary.value_selected),
    }


def _guide_view(guide: billing.DraftGuideView) -> dict:
    return {
        "id": str(guide.guide_id),
        "type": guide.type_label,
        "number": guide.provider_guide_number,
        "operator_number": guide.operator_guide_number or "—",
        "beneficiary": guide.beneficiary_name,
        "card": guide.card_number,
        "performed_on": guide.performed_on.isoformat(),
        "performed_on_br": formatting.date_br(guide.performed_on),
        "changed_date": guide.performed_on != guide.original_performed_on,
        "included": guide.included,
        "total": formatting.money(guide.total),
        "items": [
            {
                "table": item.table_code,
                "code": item.code,
                "description": item.description,
                "quantity": formatting.quantity(item.quantity),
                "unit_value": formatting.money(item.unit_value),
                "total": formatting.money(item.total),
                "extra_id": str(item.extra_item_id or ""),
            }
            for item in guide.items
        ],
    }


def _parse_decimal(text: str, what: str) -> Decimal:
    try:
        return formatting.parse_money_br(text) if "," in text or "." not in text else Decimal(text)
    except (ValueError, InvalidOperation) as error:
        raise DomainError(f"{what} inválido: use o formato 1.234,56.") from error


class BillingState(rx.State):
    has_draft: bool = False
    summary: dict[str, str] = {}
    guides: list[dict] = []
    page: int = 1
    page_count: int = 1
    include_by_default: bool = True
    start: str = ""
    end: str = ""
    competence: str = ""
    error: str = ""
    confirmed: list[dict[str, str]] = []

    # Catalog dialog ("Adicionar taxas" / "Adicionar materiais e medicamentos")
    dialog_open: bool = False
    dialog_guide_id: str = ""
    dialog_guide_label: str = ""
    dialog_tables: list[str] = []
    dialog_table: str = "18"
    search_term: str = ""
    hits: list[dict[str, str]] = []
    selected_hit: int = -1
    quantity: str = "1"
    unit_value: str = ""
    added_in_dialog: list[str] = []

    # ---- loading -------------------------------------------------------------------------
    def _show(self, db, actor, *, refresh: bool = False) -> None:  # noqa: ANN001
        """One page of the draft; `refresh` also brings the draft up to date (page load)."""
        if refresh and billing.get_draft(db, actor) is None:
            self._clear()
            return
        try:
            result = billing.draft_page(db, actor, page=self.page, page_size=PAGE_SIZE)
        except DomainError:  # no draft any more: confirmed or cancelled (maybe in another tab)
            self._clear()
            return
        self.has_draft = True
        self.summary = _summary_view(result.summary)
        self.include_by_default = result.summary.include_by_default
        self.guides = [_guide_view(guide) for guide in result.rows]
        self.page, self.page_count = result.page, result.page_count

    def _clear(self) -> None:
        self.has_draft = False
        self.summary, self.guides, self.page, self.page_count = {}, [], 1, 1

    async def _call(self, action, *, reload: bool = True, refresh: bool = False):  # noqa: ANN001
        """Call a billing service for the logged-in provider: (its result, the event to return).

        The page then shows the draft as the database has it, read in the same transaction.
        """
        def act_and_show(db, actor):  # noqa: ANN001, ANN202
            outcome = action(db, actor)
            if reload:
                self._show(db, actor, refresh=refresh)
            return outcome

        return await call_service(self, act_and_show)

    async def _run(self, action, *, reload: bool = True, refresh: bool = False):  # noqa: ANN001
        return (await self._call(action, reload=reload, refresh=refresh))[1]

    @rx.event
    async def on_load(self):
        self.confirmed = []
        self.dialog_open = False
        self.page = 1
        return await self._run(lambda db, actor: None, refresh=True)

    # ---- period -----------------------------------------------------------------------------
    @rx.event
    async def open_period(self, form: dict):
        self.start = str(form.get("start", ""))
        self.end = str(form.get("end", ""))
        self.competence = str(form.get("competence", ""))
        try:
            start = date.fromisoformat(self.start) if self.start else None
            end = date.fromisoformat(self.end) if self.end else None
        except ValueError:
            return rx.toast.error("Data inválida no período.")
        if not self.competence and not (start and end):
            return rx.toast.error("Informe o período (data inicial e final) ou a competência.")
        self.page = 1
        self.confirmed = []
        return await self._run(lambda db, actor: billing.open_draft(
            db, actor, start=None if self.competence else start, end=None if self.competence else end,
            competence=self.competence or None))

    @rx.event
    async def go_to_page(self, page: int):
        self.page = page_number(page, self.page_count)
        return await self._run(lambda db, actor: None)

    # ---- selection and dates -------------------------------------------------------------
    @rx.event
    async def toggle_guide(self, guide_id: str, included: bool):
        def action(db, actor):  # noqa: ANN001, ANN202
            return billing.set_guide_included(db, actor, record_id(guide_id), bool(included))

        summary, event = await self._call(action, reload=False)
        if summary is not None:
            self.summary = _summary_view(summary)
            self.guides = [dict(g, included=bool(included)) if g["id"] == guide_id else g for g in self.guides]
        return event

    @rx.event
    async def select_all(self, included: bool):
        return await self._run(lambda db, actor: billing.set_all_included(db, actor, included))

    @rx.event
    async def change_date(self, guide_id: str, value: str):
        if not value:
            return None
        try:
            new_date = date.fromisoformat(value)
        except ValueError:
            return rx.toast.error("Data de realização inválida.")
        return await self._run(lambda db, actor: billing.change_performed_date(db, actor, record_id(guide_id), new_date))

    # ---- confirm / cancel -----------------------------------------------------------------
    @rx.event
    async def confirm(self):
        batches, event = await self._call(lambda db, actor: billing.confirm_draft(db, actor))
        if batches is None:
            return event
        self.confirmed = [
            {
                "batch_id": str(b.batch_id),
                "protocol": b.protocol_number,
                "lot": b.lot_number,
                "guides": str(b.guide_count),
                "total": formatting.money(b.total),
            }
            for b in batches
        ]
        return rx.toast.success(f"{len(batches)} lote(s) enviado(s) para a operadora.")

    @rx.event
    async def cancel(self):
        _, event = await self._call(lambda db, actor: billing.cancel_draft(db, actor))
        return event or rx.toast.info("Faturamento cancelado; as guias continuam disponíveis.")

    @rx.event
    async def download_protocol(self, batch_id: str):
        return await download_file(self, "protocol", batch_id)

    # ---- catalog dialog --------------------------------------------------------------------
    @rx.event
    def open_catalog(self, guide_id: str, label: str, kind: str):
        self.dialog_guide_id = guide_id
        self.dialog_guide_label = label
        self.dialog_tables = ["18"] if kind == "fees" else ["19", "20"]
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
        self.dialog_open = value

    @rx.event
    async def set_dialog_table(self, table: str | list[str]):
        table = table if isinstance(table, str) else table[0]
        if table in self.dialog_tables:
            self.dialog_table = table
            return await self.search(self.search_term)
        return None

    @rx.event
    async def search(self, term: str):
        self.search_term = term
        if len(term.strip()) < 2:
            self.hits, self.selected_hit = [], -1
            return None
        hits, event = await call_service(self, lambda db, actor: catalog_service.search(db, self.dialog_table, term))
        if hits is None:
            return event
        self.hits = [
            {"id": str(h.id), "code": h.code, "name": h.name, "unit": h.unit, "price": formatting.money(h.price),
             "price_plain": formatting.money(h.price).replace("R$", "").strip()}
            for h in hits
        ]
        self.selected_hit = 0 if self.hits else -1
        if self.hits:
            self.unit_value = self.hits[0]["price_plain"]
        return None

    @rx.event
    def pick(self, index: int):
        if 0 <= index < len(self.hits):
            self.selected_hit = index
            self.unit_value = self.hits[index]["price_plain"]

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
        self.quantity = value

    @rx.event
    def set_unit_value(self, value: str):
        self.unit_value = value

    @rx.event
    async def add_selected(self):
        if not 0 <= self.selected_hit < len(self.hits):
            return rx.toast.error("Escolha um item da lista.")
        hit = self.hits[self.selected_hit]
        try:
            quantity = _parse_decimal(self.quantity.strip() or "1", "Quantidade")
            value = _parse_decimal(self.unit_value.strip(), "Valor")
        except DomainError as error:
            return rx.toast.error(error.message)

        def action(db, actor):  # noqa: ANN001, ANN202
            return billing.add_extra_item(db, actor, record_id(self.dialog_guide_id), record_id(hit["id"]),
                                          quantity=quantity, unit_value=value)

        summary, event = await self._call(action, reload=False)
        if summary is None:
            return event
        self.summary = _summary_view(summary)
        self.added_in_dialog.append(f"{hit['code']} · {hit['name']} · {self.quantity} × R$ {self.unit_value}")
        self.quantity = "1"
        return rx.toast.success(f"Adicionado: {hit['name']}")

    @rx.event
    async def remove_extra(self, extra_item_id: str):
        return await self._run(lambda db, actor: billing.remove_extra_item(db, actor, record_id(extra_item_id)))
