""""Pagamentos" (Acompanhamento › Pagamentos): the provider's payments, newest first, and the detail of one
(each withholding line, the bank data used, the batches and appeal values it paid)."""

from __future__ import annotations

import reflex as rx

from copass_app.services import payments as payment_service
from copass_app.services import statements
from copass_app.state.auth import call_service, record_id
from copass_app.state.files import download
from copass_app.state.money_rows import PaymentDetailView, PaymentLine, payment_detail_view, payment_line
from copass_app.state.paging import PagedState

PAYMENT_PARAM = "pagamento"  # /pagamentos?pagamento=<id> opens that payment (links from a batch or an appeal)


class ProviderPaymentsState(PagedState, rx.State):
    rows: list[PaymentLine] = []
    detail_open: bool = False
    detail: PaymentDetailView = PaymentDetailView()

    async def _reload(self):
        page = self.page
        return await self._show_page(lambda db, actor: payment_service.provider_payments(db, actor, page=page),
                                     payment_line)

    @rx.event
    async def on_load(self):
        self.page, self.detail_open = 1, False
        event = await self._reload()
        wanted = str(self.router.url.query_parameters.get(PAYMENT_PARAM, "") or "").strip()
        if event is None and wanted:
            return await self.open_detail(wanted)
        return event

    @rx.event
    async def open_detail(self, payment_id: str):
        detail, event = await call_service(
            self, lambda db, actor: payment_detail_view(payment_service.payment_detail(db, actor,
                                                                                       record_id(payment_id))))
        if detail is None:
            return event
        self.detail = detail
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)

    @rx.event
    async def download_statement(self, payment_id: str):
        """DEMONSTRATIVO_PAGAMENTO (the service checks the owner and audits the download)."""
        return await download(self, lambda db, actor: statements.payment_statement(db, actor, record_id(payment_id)),
                              mime_type="application/xml", entity=None, entity_id=str(payment_id),
                              what="demonstrativo de pagamento (XML)")
