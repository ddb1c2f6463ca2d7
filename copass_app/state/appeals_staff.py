"""Recursos de glosa (staff): every provider's appeals, pending first, with filters and counts per
status; per appeal accept it, accept part of it (a value) or refuse it (a reason), each confirmed."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from copass_app import formatting
from copass_app.models import AppealStatus
from copass_app.routes import Audience
from copass_app.services import appeals
from copass_app.services.appeals import AppealFilters, AppealRow
from copass_app.state.auth import call_service, record_id
from copass_app.state.paging import PagedState, filter_value, set_paging
from copass_app.state.staff import ProviderOption, StatusChip, analysis_path, provider_options
from copass_app.vocabulary import APPEAL_STATUS

DECISION_TITLES = {
    "accept": "Aceitar integralmente o recurso",
    "accept_partly": "Aceitar parcialmente o recurso",
    "refuse": "Recusar o recurso",
}


@dataclass
class AppealLine:
    id: int = 0
    status: str = ""  # APPEAL_STATUS value
    provider: str = ""
    protocol: str = ""
    batch_href: str = ""
    guide: str = ""
    beneficiary: str = ""
    item: str = ""
    item_value: str = ""
    reason: str = ""
    glosa: str = ""
    glosa_note: str = ""
    contested: str = ""
    contested_typed: str = ""
    justification: str = ""
    opened_at: str = ""
    accepted: str = ""
    decision_note: str = ""
    decided_at: str = ""
    paid: str = ""  # the payment that paid the accepted value
    can_decide: bool = False


def appeal_line(a: AppealRow) -> AppealLine:
    paid = f"Pago no pagamento {a.payment_number} em {formatting.date_br(a.paid_on)}" if a.paid_on else ""
    return AppealLine(
        id=a.id, status=str(a.status), provider=f"{a.provider_code} · {a.provider_name}", protocol=a.protocol_number,
        batch_href=analysis_path(a.batch_id), guide=a.guide_number, beneficiary=a.beneficiary_name,
        item=f"{a.item_code} · {a.item_description}", item_value=formatting.money(a.item_value),
        reason=f"{a.reason_code} · {a.reason_description}", glosa=formatting.money(a.glosa_value),
        glosa_note=a.glosa_note, contested=formatting.money(a.contested_value),
        contested_typed=formatting.money(a.contested_value).replace("R$", "").strip(),
        justification=a.justification, opened_at=formatting.datetime_br(a.created_at),
        accepted=formatting.money(a.accepted_value) if a.accepted_value is not None else "—",
        decision_note=a.decision_note, decided_at=formatting.datetime_br(a.decided_at) if a.decided_at else "",
        paid=paid, can_decide=a.can_decide)


def appeal_chips(counts: dict[str, int]) -> list[StatusChip]:
    return [StatusChip("", "Todos", sum(counts.values()))] + [
        StatusChip(term.value, term.short_label, counts.get(term.value, 0)) for term in APPEAL_STATUS]


class AppealsQueueState(PagedState, rx.State):
    rows: list[AppealLine] = []
    chips: list[StatusChip] = []
    providers: list[ProviderOption] = []
    status: str = AppealStatus.PENDENTE.value
    provider_id: str = ""
    date_from: str = ""
    date_to: str = ""

    # The decision dialog (it is the confirmation: it says what will happen).
    decision_open: bool = False
    decision: str = ""  # accept, accept_partly, refuse
    decision_title: str = ""
    decision_appeal: AppealLine = AppealLine()
    accepted_value: str = ""
    decision_note: str = ""

    def _filters(self) -> AppealFilters:
        text = self.provider_id
        provider = int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
        return AppealFilters(status=self.status if self.status in APPEAL_STATUS else None, provider_id=provider,
                             date_from=self.date_from or None, date_to=self.date_to or None)

    async def _reload(self, *, with_providers: bool = False):
        filters, page = self._filters(), self.page

        def action(db, actor):
            found = appeals.appeal_queue(db, actor, filters, page=page)
            return ([appeal_line(r) for r in found.rows], appeal_chips(found.counts),
                    (found.total, found.page, found.page_count),
                    provider_options(db, actor) if with_providers else None)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            self.loaded = True
            return event
        self.rows, self.chips, paging, options = found
        if options is not None:
            self.providers = options
        set_paging(self, paging)
        return None

    @rx.event
    async def on_load(self):
        self.decision_open = False
        self.page = 1
        return await self._reload(with_providers=True)

    @rx.event
    async def filter_status(self, status: str | list[str]):
        self.status = filter_value(status)
        self.page = 1
        return await self._reload()

    @rx.event
    async def apply_filters(self, form: dict):
        self.provider_id = filter_value(form.get("provider"))
        self.date_from = str(form.get("date_from") or "").strip()
        self.date_to = str(form.get("date_to") or "").strip()
        self.page = 1
        return await self._reload()

    @rx.event
    def open_decision(self, appeal_id: str, decision: str):
        """The dialog for an appeal on this page (no query: the row is here)."""
        line = next((r for r in self.rows if str(r.id) == str(appeal_id)), None)
        if line is None or not line.can_decide or decision not in DECISION_TITLES:
            return
        self.decision, self.decision_title, self.decision_appeal = decision, DECISION_TITLES[decision], line
        self.accepted_value = line.contested_typed if decision == "accept_partly" else ""
        self.decision_note = ""
        self.decision_open = True

    @rx.event
    def set_decision_open(self, value: bool):
        self.decision_open = value is True

    @rx.event
    def set_accepted_value(self, value: str):
        self.accepted_value = str(value)[:40]

    @rx.event
    def set_decision_note(self, value: str):
        self.decision_note = str(value)[:1000]

    @rx.event
    async def confirm_decision(self):
        appeal_id, decision = self.decision_appeal.id, self.decision
        value = self.accepted_value if decision == "accept_partly" else None
        note = self.decision_note

        def action(db, actor):
            return appeals.decide_appeal(db, actor, record_id(appeal_id), decision=decision, accepted_value=value,
                                         note=note)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        reload_event = await self._reload()
        if found is None:  # the dialog keeps what was typed; the list shows what is stored
            if not any(r.id == appeal_id and r.can_decide for r in self.rows):
                self.decision_open = False  # decided meanwhile by someone else
            return event or reload_event
        self.decision_open = False
        accepted = formatting.money(found.accepted_value) if found.accepted_value is not None else "—"
        return rx.toast.success(f"Recurso {found.id}: {found.status_label.lower()} (valor aceito {accepted}).")
