"""Operator staff: the accredited providers and every provider's received batches."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.models import BatchStatus
from copass_app.routes import Audience
from copass_app.services import processing
from copass_app.services.batch_queries import BatchFilters
from copass_app.services.providers import ProviderSummary, list_providers
from copass_app.state.auth import call_service, record_id
from copass_app.state.batches import BatchLine, batch_line
from copass_app.state.paging import PagedState, filter_value
from copass_app.vocabulary import BATCH_STATUS


@dataclass
class ProviderLine:
    code: str = ""
    name: str = ""
    document: str = ""
    kind: str = ""
    guides: int = 0


def provider_line(p: ProviderSummary) -> ProviderLine:
    return ProviderLine(p.code, p.name, formatting.cpf_cnpj(p.document), p.kind, p.guide_count)


class StaffHomeState(rx.State):
    providers: list[ProviderLine] = []
    loaded: bool = False

    @rx.event
    async def on_load(self):
        found, event = await call_service(
            self, lambda db, actor: [provider_line(p) for p in list_providers(db, actor)], audience=Audience.STAFF)
        if found is None:
            return event
        self.providers = found
        self.loaded = True
        return None


@dataclass
class ReceivedLine:
    provider: str = ""
    batch: BatchLine = field(default_factory=BatchLine)
    can_start: bool = False


def received_line(received: processing.ReceivedBatch) -> ReceivedLine:
    return ReceivedLine(f"{received.provider_code} · {received.provider_name}", batch_line(received.row),
                        received.row.can_start_analysis)


class ReceivedBatchesState(PagedState, rx.State):
    """"Lotes recebidos": every provider's batches; staff start the analysis (data de processamento)."""

    rows: list[ReceivedLine] = []
    status: str = BatchStatus.RECEBIDO.value

    async def _reload(self):
        status = self.status if self.status in BATCH_STATUS else None
        page = self.page

        def action(db, actor):
            found = processing.list_received(db, actor, BatchFilters(status=status), page=page)
            return [received_line(r) for r in found.rows], (found.total, found.page, found.page_count)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            return event
        self.rows, (self.total, self.page, self.page_count) = found
        self.loaded = True
        return None

    @rx.event
    async def on_load(self):
        self.page = 1
        return await self._reload()

    @rx.event
    async def filter_status(self, status: str | list[str]):
        self.status = filter_value((status if isinstance(status, list) else [status])[0] if status else "")
        self.page = 1
        return await self._reload()

    @rx.event
    async def start_analysis(self, batch_id: str):
        _, event = await call_service(
            self, lambda db, actor: processing.start_analysis(db, actor, record_id(batch_id)), audience=Audience.STAFF)
        # Refused or not, the list shows what is stored now (another operator may have started it).
        reload_event = await self._reload()
        if event is not None:
            return event
        if reload_event is not None:
            return reload_event
        return rx.toast.success("Análise iniciada: a data de processamento foi registrada e o prestador não pode "
                                "mais estornar o lote.")
