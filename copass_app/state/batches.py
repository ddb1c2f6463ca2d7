""""Acompanhamento dos faturamentos": the provider's batches, a batch's summary, protocol and estorno."""

from __future__ import annotations

from datetime import date

import reflex as rx

from copass_app import formatting
from copass_app.db import session_scope
from copass_app.services import batches as batch_service
from copass_app.services.errors import DomainError
from copass_app.state.auth import actor_or_redirect, call_service, record_id
from copass_app.state.files import download_file
from copass_app.state.paging import PagedState


def _batch_row(row: batch_service.BatchRow) -> dict[str, str]:
    return {
        "id": str(row.id),
        "protocol": row.protocol_number,
        "lot": row.lot_number,
        "received_at": formatting.datetime_br(row.received_at),
        "competence": formatting.competence(row.competence),
        "origin": "XML" if row.origin == "XML" else "Web",
        "type": row.guide_type_label,
        "guides": str(row.guide_count),
        "total": formatting.money(row.total),
        "status": row.status,
        "status_label": row.status_label,
        "processed_at": formatting.datetime_br(row.processed_at) if row.processed_at else "—",
        "paid_at": formatting.datetime_br(row.paid_at) if row.paid_at else "—",
        "can_reverse": "1" if row.can_reverse else "",
    }


class BatchesState(PagedState, rx.State):
    rows: list[dict[str, str]] = []
    status: str = ""
    competence: str = ""
    date_from: str = ""
    date_to: str = ""
    protocol: str = ""
    origin: str = ""

    summary_open: bool = False
    summary: dict[str, str] = {}
    summary_guides: list[dict[str, str]] = []

    async def _reload(self):
        actor, redirect = await actor_or_redirect(self)
        if redirect:
            return redirect
        try:
            filters = batch_service.BatchFilters(
                status=self.status or None,
                competence=self.competence or None,
                date_from=date.fromisoformat(self.date_from) if self.date_from else None,
                date_to=date.fromisoformat(self.date_to) if self.date_to else None,
                protocol=self.protocol or None,
                origin=self.origin or None,
            )
            with session_scope() as db:
                result = batch_service.list_batches(db, actor, filters, page=self.page, page_size=20)
        except ValueError:
            return rx.toast.error("Data inválida no filtro.")
        except DomainError as error:
            return rx.toast.error(str(error))
        self.rows = [_batch_row(row) for row in result.rows]
        self.total, self.page, self.page_count = result.total, result.page, result.page_count
        return None

    @rx.event
    async def on_load(self):
        self.summary_open = False
        self.page = 1
        return await self._reload()

    @rx.event
    async def apply_filters(self, form: dict):
        self.status = str(form.get("status", "")).replace("todas", "")
        self.competence = str(form.get("competence", ""))
        self.date_from = str(form.get("date_from", ""))
        self.date_to = str(form.get("date_to", ""))
        self.protocol = str(form.get("protocol", "")).strip()
        self.origin = str(form.get("origin", "")).replace("todas", "")
        self.page = 1
        return await self._reload()

    @rx.event
    async def open_summary(self, batch_id: str):
        summary, event = await call_service(self, lambda db, actor: batch_service.batch_summary(db, actor, record_id(batch_id)))
        if summary is None:
            return event
        self.summary = {
            "id": str(summary.id),
            "protocol": summary.protocol_number,
            "status": summary.status_label,
            "competence": formatting.competence(summary.competence),
            "patients": str(summary.patient_count),
            "first_date": formatting.date_br(summary.first_performed_on) if summary.first_performed_on else "—",
            "last_date": formatting.date_br(summary.last_performed_on) if summary.last_performed_on else "—",
            "guides": str(len(summary.guides)),
            "total": formatting.money(summary.total),
        }
        self.summary_guides = [
            {
                "number": g.provider_guide_number,
                "beneficiary": g.beneficiary_name,
                "performed_on": formatting.date_br(g.performed_on),
                "items": str(g.item_count),
                "total": formatting.money(g.total),
            }
            for g in summary.guides
        ]
        self.summary_open = True
        return None

    @rx.event
    def set_summary_open(self, value: bool):
        self.summary_open = value

    @rx.event
    async def download_protocol(self, batch_id: str):
        return await download_file(self, "protocol", batch_id)

    @rx.event
    async def reverse(self, batch_id: str):
        _, event = await call_service(self, lambda db, actor: batch_service.reverse_batch(db, actor, record_id(batch_id)))
        if event is not None:
            return event
        await self._reload()
        return rx.toast.success("Lote estornado: as guias voltaram a ficar disponíveis para faturamento.")
