""""Recursos de glosa" (Acompanhamento › Recursos de glosa): the provider's appeals with their status, the
operator's decision, the accepted value and the payment that paid it; filtered by status, paged."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from copass_app.models import AppealStatus
from copass_app.services import appeals as appeal_service
from copass_app.state.auth import call_service
from copass_app.state.money_rows import AppealLine, appeal_line
from copass_app.state.paging import PagedState, filter_value
from copass_app.vocabulary import APPEAL_STATUS


@dataclass
class StatusCount:
    status: str = ""  # APPEAL_STATUS value
    label: str = ""
    count: int = 0


class ProviderAppealsState(PagedState, rx.State):
    rows: list[AppealLine] = []
    status: str = ""  # "" = every status
    counts: list[StatusCount] = []

    async def _reload(self):
        status, page = self.status, self.page

        def action(db, actor):
            found = appeal_service.provider_appeals(db, actor, appeal_service.AppealFilters(status=status or None),
                                                    page=page)
            counts = [StatusCount(str(term.value), term.short_label, found.counts.get(str(term.value), 0))
                      for term in APPEAL_STATUS]
            return [appeal_line(row) for row in found.rows], counts, (found.total, found.page, found.page_count)

        found, event = await call_service(self, action)
        if found is None:
            return event
        self.rows, self.counts, (self.total, self.page, self.page_count) = found
        self.loaded = True
        return None

    @rx.event
    async def on_load(self):
        self.page = 1
        return await self._reload()

    @rx.event
    async def filter_status(self, status: str | list[str]):
        value = filter_value((status if isinstance(status, list) else [status])[0] if status else "")
        if value and value not in {str(s) for s in AppealStatus}:
            return rx.toast.error("Situação de recurso desconhecida.")
        self.status = value
        self.page = 1
        return await self._reload()
