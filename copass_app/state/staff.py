"""Operator staff home."""

from __future__ import annotations

import reflex as rx

from copass_app import formatting
from copass_app.db import session_scope
from copass_app.models import BatchStatus
from copass_app.services import batches, processing
from copass_app.services.providers import list_providers
from copass_app.state.auth import actor_or_redirect, call_service, record_id
from copass_app.state.paging import PagedState


class StaffHomeState(rx.State):
    providers: list[dict[str, str]] = []

    @rx.event
    async def on_load(self):
        actor, redirect = await actor_or_redirect(self, staff=True)
        if redirect:
            return redirect
        with session_scope() as db:
            summaries = list_providers(db, actor)
        self.providers = [
            {
                "code": p.code,
                "name": p.name,
                "document": formatting.cpf_cnpj(p.document),
                "kind": p.kind,
                "guides": str(p.guide_count),
            }
            for p in summaries
        ]
        return None


class ReceivedBatchesState(PagedState, rx.State):
    """"Lotes recebidos": every provider's batches; staff start the analysis (data de processamento)."""

    rows: list[dict[str, str]] = []
    status: str = "1"

    async def _reload(self):
        status = self.status if self.status in {s.value for s in BatchStatus} else None
        found, event = await call_service(
            self, lambda db, actor: processing.list_received(db, actor, batches.BatchFilters(status=status),
                                                             page=self.page), staff=True)
        if found is None:
            return event
        received, info = found
        self.rows = [
            {
                "id": str(r.row.id),
                "provider": f"{r.provider_code} · {r.provider_name}",
                "protocol": r.row.protocol_number,
                "received_at": formatting.datetime_br(r.row.received_at),
                "competence": formatting.competence(r.row.competence),
                "origin": r.row.origin_label,
                "guides": str(r.row.guide_count),
                "total": formatting.money(r.row.total),
                "status_label": r.row.status_label,
                "can_start": "1" if r.row.status == BatchStatus.RECEBIDO else "",
            }
            for r in received
        ]
        self.total, self.page, self.page_count = info.total, info.page, info.page_count
        return None

    @rx.event
    async def on_load(self):
        self.page = 1
        return await self._reload()

    @rx.event
    async def filter_status(self, status: str | list[str]):
        self.status = status if isinstance(status, str) else status[0]
        self.page = 1
        return await self._reload()

    @rx.event
    async def start_analysis(self, batch_id: str):
        _, event = await call_service(
            self, lambda db, actor: processing.start_analysis(db, actor, record_id(batch_id)), staff=True)
        if event is not None:
            return event
        await self._reload()
        return rx.toast.success("Análise iniciada: a data de processamento foi registrada e o prestador não pode "
                                "mais estornar o lote.")
