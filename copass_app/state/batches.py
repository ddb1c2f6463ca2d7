""""Acompanhamento dos faturamentos": the provider's batches, a batch's summary, protocol, CSV and estorno."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.services import batches as batch_service
from copass_app.state.auth import call_service, record_id
from copass_app.state.files import download_file
from copass_app.state.paging import PagedState, filter_value


@dataclass
class BatchLine:
    """One batch in a list (the provider's Acompanhamento and the staff's Lotes recebidos)."""

    id: int = 0
    protocol: str = ""
    lot: str = ""
    received_at: str = ""
    competence: str = ""
    origin: str = ""  # BATCH_ORIGIN value
    guide_type: str = ""
    guides: int = 0
    total: str = ""
    status: str = ""  # BATCH_STATUS value
    processed_at: str = "—"
    paid_at: str = "—"
    can_reverse: bool = False


def batch_line(row: batch_service.BatchRow) -> BatchLine:
    return BatchLine(
        id=row.id,
        protocol=row.protocol_number,
        lot=row.lot_number,
        received_at=formatting.datetime_br(row.received_at),
        competence=formatting.competence(row.competence),
        origin=str(row.origin),
        guide_type=row.guide_type_label,
        guides=row.guide_count,
        total=formatting.money(row.total),
        status=str(row.status),
        processed_at=formatting.datetime_br(row.processed_at) if row.processed_at else "—",
        paid_at=formatting.datetime_br(row.paid_at) if row.paid_at else "—",
        can_reverse=row.can_reverse,
    )


@dataclass
class SummaryGuide:
    number: str = ""
    beneficiary: str = ""
    performed_on: str = ""
    item_count: int = 0
    total: str = ""


@dataclass
class BatchSummaryView:
    id: int = 0
    protocol: str = ""
    status: str = ""
    competence: str = ""
    patients: int = 0
    first_date: str = "—"
    last_date: str = "—"
    guide_count: int = 0
    total: str = ""
    guides: list[SummaryGuide] = field(default_factory=list)


def summary_view(summary: batch_service.BatchSummary) -> BatchSummaryView:
    row = summary.row
    return BatchSummaryView(
        id=row.id,
        protocol=row.protocol_number,
        status=str(row.status),
        competence=formatting.competence(row.competence),
        patients=summary.patient_count,
        first_date=formatting.date_br(summary.first_performed_on) if summary.first_performed_on else "—",
        last_date=formatting.date_br(summary.last_performed_on) if summary.last_performed_on else "—",
        guide_count=len(summary.guides),
        total=formatting.money(row.total),
        guides=[SummaryGuide(g.provider_guide_number, g.beneficiary_name, formatting.date_br(g.performed_on),
                             g.item_count, formatting.money(g.total)) for g in summary.guides],
    )


class BatchesState(PagedState, rx.State):
    rows: list[BatchLine] = []
    status: str = ""
    competence: str = ""
    date_from: str = ""
    date_to: str = ""
    protocol: str = ""
    origin: str = ""

    summary_open: bool = False
    summary: BatchSummaryView = BatchSummaryView()
    exporting: bool = False  # the CSV is being built: its button spins

    def _filters(self) -> batch_service.BatchFilters:
        """As typed: the service checks dates (DD/MM/AAAA or ISO) and the competência and names the field."""
        return batch_service.BatchFilters(
            status=self.status or None, competence=self.competence or None, date_from=self.date_from or None,
            date_to=self.date_to or None, protocol=self.protocol or None, origin=self.origin or None)

    async def _reload(self):
        filters, page = self._filters(), self.page
        found, event = await call_service(self, lambda db, actor: _lines(batch_service.list_batches(
            db, actor, filters, page=page)))
        if found is None:
            return event
        self.rows, (self.total, self.page, self.page_count) = found
        self.loaded = True
        return None

    @rx.event
    async def on_load(self):
        self.summary_open = False
        self.page = 1
        return await self._reload()

    @rx.event
    async def apply_filters(self, form: dict):
        self.status = filter_value(form.get("status"))
        self.competence = str(form.get("competence", "")).strip()
        self.date_from = str(form.get("date_from", "")).strip()
        self.date_to = str(form.get("date_to", "")).strip()
        self.protocol = str(form.get("protocol", "")).strip()
        self.origin = filter_value(form.get("origin"))
        self.page = 1
        return await self._reload()

    @rx.event
    async def export_csv(self):
        self.exporting = True
        yield
        filters = self._filters()
        try:
            found, event = await call_service(
                self, lambda db, actor: batch_service.export_batches_csv(db, actor, filters))
        finally:
            self.exporting = False
        if found is None:
            yield event
            return
        file_name, data = found
        yield rx.download(data=data, filename=file_name, mime_type="text/csv")

    @rx.event
    async def open_summary(self, batch_id: str):
        summary, event = await call_service(
            self, lambda db, actor: summary_view(batch_service.batch_summary(db, actor, record_id(batch_id))))
        if summary is None:
            return event
        self.summary = summary
        self.summary_open = True
        return None

    @rx.event
    def set_summary_open(self, value: bool):
        self.summary_open = bool(value)

    @rx.event
    async def download_protocol(self, batch_id: str):
        return await download_file(self, "protocol", batch_id)

    @rx.event
    async def reverse(self, batch_id: str):
        _, event = await call_service(
            self, lambda db, actor: batch_service.reverse_batch(db, actor, record_id(batch_id)))
        # Refused or not, the list shows what is stored now (e.g. "Em análise", no "Estornar", when the
        # operator started the analysis meanwhile).
        reload_event = await self._reload()
        if event is not None:
            return event
        if reload_event is not None:
            return reload_event
        return rx.toast.success("Lote estornado: as guias voltaram a ficar disponíveis para faturamento.")


def _lines(found) -> tuple[list[BatchLine], tuple[int, int, int]]:
    return [batch_line(row) for row in found.rows], (found.total, found.page, found.page_count)
