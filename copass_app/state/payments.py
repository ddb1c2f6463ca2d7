"""Pagamentos (staff): pick a provider, its released batches and accepted unpaid appeals, the date;
a live preview (gross, glosa, approved, appeals, each withholding, net, bank data); register it
(one transaction); the registered payment's detail; the list of payments with filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import reflex as rx

from copass_app import clock, formatting
from copass_app.routes import Audience
from copass_app.services import payments
from copass_app.services.appeals import AppealRow
from copass_app.services.errors import DomainError
from copass_app.services.payments import PayableBatch, PaymentFilters, PaymentPreview, PaymentRow, PaymentView
from copass_app.services.withholdings import MINIMUM_WITHHOLDING, WithholdingLine
from copass_app.state.auth import call_service, record_id
from copass_app.state.paging import PagedState, filter_value, set_paging
from copass_app.state.staff import ProviderOption, provider_options

ZERO = Decimal("0.00")
NOT_WITHHELD = f"não retido: até {formatting.money(MINIMUM_WITHHOLDING)}"


def _money(value) -> str:
    return formatting.money(value)


@dataclass
class ProviderToPayLine:
    value: str = ""  # the provider id as text
    label: str = ""


@dataclass
class PayableBatchLine:
    id: int = 0
    protocol: str = ""
    lot: str = ""
    competence: str = ""
    guide_type: str = ""
    guides: int = 0
    gross: str = ""
    glosa: str = ""
    approved: str = ""
    analysed_at: str = "—"
    checked: bool = True


def payable_batch_line(b: PayableBatch, checked: bool = True) -> PayableBatchLine:
    return PayableBatchLine(b.id, b.protocol_number, b.lot_number, formatting.competence(b.competence),
                            b.guide_type_label, b.guide_count, _money(b.gross), _money(b.glosa), _money(b.approved),
                            formatting.datetime_br(b.analysed_at) if b.analysed_at else "—", checked)


@dataclass
class PayableAppealLine:
    id: int = 0
    protocol: str = ""
    guide: str = ""
    item: str = ""
    reason: str = ""
    glosa: str = ""
    accepted: str = ""
    status: str = ""
    checked: bool = True


def payable_appeal_line(a: AppealRow, checked: bool = True) -> PayableAppealLine:
    return PayableAppealLine(a.id, a.protocol_number, a.guide_number, f"{a.item_code} · {a.item_description}",
                             f"{a.reason_code} · {a.reason_description}", _money(a.glosa_value),
                             _money(a.accepted_value if a.accepted_value is not None else ZERO), str(a.status), checked)


@dataclass
class WithholdingView:
    tax: str = ""
    label: str = ""
    rate: str = ""
    base: str = ""
    value: str = ""
    withheld: bool = False
    note: str = ""  # why it was not withheld


def withholding_view(line: WithholdingLine) -> WithholdingView:
    note = "" if line.withheld else f"{NOT_WITHHELD} (seria {_money(line.computed)})"
    return WithholdingView(str(line.tax), line.short_label, f"{formatting.quantity(line.rate_percent)} %",
                           _money(line.base), _money(line.value), line.withheld, note)


@dataclass
class PaymentFigures:
    """A preview or a registered payment, as the page shows it."""

    id: int = 0
    number: str = ""
    provider: str = ""
    paid_on: str = ""
    batch_count: int = 0
    appeal_count: int = 0
    gross: str = ""
    glosa: str = ""
    approved: str = ""
    appeals: str = ""
    base: str = ""
    withheld: str = ""
    net: str = ""
    bank: str = ""
    agency: str = ""
    account: str = ""
    has_bank: bool = False
    protocols: str = ""
    withholdings: list[WithholdingView] = field(default_factory=list)


def preview_figures(p: PaymentPreview) -> PaymentFigures:
    return PaymentFigures(
        provider=f"{p.provider_code} · {p.provider_name}", paid_on=formatting.date_br(p.paid_on),
        batch_count=len(p.batches), appeal_count=len(p.appeals), gross=_money(p.gross), glosa=_money(p.glosa),
        approved=_money(p.approved), appeals=_money(p.appeals_value), base=_money(p.base),
        withheld=_money(p.withholding_value), net=_money(p.net), bank=p.bank or "—", agency=p.agency or "—",
        account=p.account or "—", has_bank=p.has_bank_data, protocols=", ".join(b.protocol_number for b in p.batches),
        withholdings=[withholding_view(w) for w in p.withholdings])


def payment_figures(p: PaymentView) -> PaymentFigures:
    return PaymentFigures(
        id=p.id, number=p.number, provider=f"{p.provider_code} · {p.provider_name}",
        paid_on=formatting.date_br(p.paid_on), batch_count=len(p.batches), appeal_count=len(p.appeals),
        gross=_money(p.gross), glosa=_money(p.glosa), approved=_money(p.approved), appeals=_money(p.appeals_value),
        base=_money(p.approved + p.appeals_value), withheld=_money(p.withholding_value), net=_money(p.net),
        bank=p.bank, agency=p.agency, account=p.account, has_bank=True,
        protocols=", ".join(b.protocol_number for b in p.batches),
        withholdings=[withholding_view(w) for w in p.withholdings])


@dataclass
class PaymentListLine:
    id: int = 0
    number: str = ""
    paid_on: str = ""
    provider: str = ""
    batches: int = 0
    gross: str = ""
    glosa: str = ""
    appeals: str = ""
    withheld: str = ""
    net: str = ""


def payment_list_line(r: PaymentRow) -> PaymentListLine:
    return PaymentListLine(r.id, r.number, formatting.date_br(r.paid_on), f"{r.provider_code} · {r.provider_name}",
                           r.batch_count, _money(r.gross), _money(r.glosa), _money(r.appeals_value),
                           _money(r.withholding_value), _money(r.net))


def _provider_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


class PaymentsState(PagedState, rx.State):
    to_pay: list[ProviderToPayLine] = []
    provider_id: str = ""
    batches: list[PayableBatchLine] = []
    appeals: list[PayableAppealLine] = []
    paid_on: str = ""  # ISO, from the date input
    preview: PaymentFigures = PaymentFigures()
    has_preview: bool = False
    preview_problem: str = ""  # why there is no preview (nothing chosen, a future date...)
    registered: PaymentFigures = PaymentFigures()  # the payment just registered, or one opened from the list
    has_registered: bool = False

    # The list of payments.
    rows: list[PaymentListLine] = []
    providers: list[ProviderOption] = []
    list_provider: str = ""
    list_from: str = ""
    list_to: str = ""
    list_number: str = ""

    def _chosen(self) -> tuple[int | None, list[int], list[int], str]:
        return (_provider_id(self.provider_id), [b.id for b in self.batches if b.checked],
                [a.id for a in self.appeals if a.checked], self.paid_on)

    async def _load_payable(self):
        """The providers with something to pay and, for the chosen one, what it has to pay (all checked)."""
        provider = _provider_id(self.provider_id)

        def action(db, actor):
            to_pay = [ProviderToPayLine(str(p.provider_id), f"{p.provider_code} · {p.provider_name} — "
                                        f"{p.batch_count} lote(s), {p.appeal_count} recurso(s)")
                      for p in payments.providers_to_pay(db, actor)]
            found = payments.payable(db, actor, provider) if provider in {int(p.value) for p in to_pay} else None
            return to_pay, found

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            return event
        self.to_pay, payable = found
        if payable is None:
            self.provider_id = ""
            self.batches, self.appeals = [], []
        else:
            self.batches = [payable_batch_line(b) for b in payable.batches]
            self.appeals = [payable_appeal_line(a) for a in payable.appeals]
        return await self._preview()

    async def _preview(self):
        provider, batch_ids, appeal_ids, paid_on = self._chosen()
        if provider is None:
            self.has_preview, self.preview_problem = False, ""
            return None

        def action(db, actor):
            try:
                return preview_figures(payments.preview_payment(
                    db, actor, provider, batch_ids=batch_ids, appeal_ids=appeal_ids, paid_on=paid_on))
            except DomainError as error:  # shown beside the choice, not as a toast on every click
                return str(error)

        found, event = await call_service(self, action, audience=Audience.STAFF, cached_session=True)
        if found is None:
            return event
        if isinstance(found, str):
            self.has_preview, self.preview_problem = False, found
        else:
            self.preview, self.has_preview, self.preview_problem = found, True, ""
        return None

    async def _reload(self):
        filters = PaymentFilters(provider_id=_provider_id(self.list_provider), date_from=self.list_from or None,
                                 date_to=self.list_to or None, number=self.list_number or None)
        page, with_providers = self.page, not self.providers

        def action(db, actor):
            found = payments.staff_payments(db, actor, filters, page=page)
            return ([payment_list_line(r) for r in found.rows], (found.total, found.page, found.page_count),
                    provider_options(db, actor) if with_providers else None)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            return event
        self.rows, paging, options = found
        if options is not None:
            self.providers = options
        set_paging(self, paging)
        return None

    @rx.event
    async def on_load(self):
        self.paid_on = clock.today().isoformat()
        self.has_registered = False
        self.page = 1
        list_event = await self._reload()
        return await self._load_payable() or list_event

    @rx.event
    async def choose_provider(self, value: str | list[str]):
        self.provider_id = filter_value(value)
        return await self._load_payable()

    @rx.event
    async def toggle_batch(self, batch_id: str, value: bool):
        for line in self.batches:
            if str(line.id) == str(batch_id):
                line.checked = value is True
        self.batches = list(self.batches)
        return await self._preview()

    @rx.event
    async def toggle_appeal(self, appeal_id: str, value: bool):
        for line in self.appeals:
            if str(line.id) == str(appeal_id):
                line.checked = value is True
        self.appeals = list(self.appeals)
        return await self._preview()

    @rx.event
    async def set_paid_on(self, value: str):
        self.paid_on = str(value)[:20]
        return await self._preview()

    @rx.event
    async def register(self):
        provider, batch_ids, appeal_ids, paid_on = self._chosen()
        if provider is None:
            return rx.toast.error("Escolha o prestador a pagar.")

        def action(db, actor):
            return payment_figures(payments.register_payment(
                db, actor, provider, batch_ids=batch_ids, appeal_ids=appeal_ids, paid_on=paid_on))

        found, event = await call_service(self, action, audience=Audience.STAFF)
        # Registered or refused, the page shows what is stored now (another payment may have taken a batch).
        payable_event = await self._load_payable()
        list_event = await self._reload()
        if found is None:
            return event or payable_event or list_event
        self.registered, self.has_registered = found, True
        return rx.toast.success(f"Pagamento {found.number} registrado: líquido {found.net}.")

    @rx.event
    async def open_payment(self, payment_id: str):
        found, event = await call_service(
            self, lambda db, actor: payment_figures(payments.payment_detail(db, actor, record_id(payment_id))),
            audience=Audience.STAFF)
        if found is None:
            return event
        self.registered, self.has_registered = found, True
        return None

    @rx.event
    def close_payment(self):
        self.has_registered = False

    @rx.event
    async def filter_payments(self, form: dict):
        self.list_provider = filter_value(form.get("provider"))
        self.list_from = str(form.get("date_from") or "").strip()
        self.list_to = str(form.get("date_to") or "").strip()
        self.list_number = str(form.get("number") or "").strip()[:20]
        self.page = 1
        return await self._reload()
