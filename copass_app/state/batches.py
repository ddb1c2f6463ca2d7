""""Acompanhamento dos faturamentos": the provider's batches, a batch's summary, protocol, CSV and estorno."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.services import appeals as appeal_service
from copass_app.services import batches as batch_service
from copass_app.services import payments as payment_service
from copass_app.services import statements
from copass_app.state.auth import call_service, record_id
from copass_app.state.files import download, download_file
from copass_app.state.money_rows import (
    DetailGuide,
    HistoryStep,
    PaymentDetailView,
    detail_guide,
    history_steps,
    payment_detail_view,
)
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
class BatchSummaryView:
    id: int = 0
    protocol: str = ""
    status: str = ""
    competence: str = ""
    patients: int = 0
    first_date: str = "—"
    last_date: str = "—"
    guide_count: int = 0
    total: str = ""  # informado
    analysed: bool = False  # the glosas are final: shown, appealable, the demonstrativo exists
    glosa: str = ""
    approved: str = ""  # liberado
    appeals_accepted: str = ""
    has_appeals_accepted: bool = False
    has_appeals: bool = False  # its RECURSO_GLOSA (and the operator's receipt) can be downloaded
    history: list[HistoryStep] = field(default_factory=list)
    guides: list[DetailGuide] = field(default_factory=list)
    paid: bool = False
    payment: PaymentDetailView = field(default_factory=PaymentDetailView)


def summary_view(summary: batch_service.BatchSummary,
                 payment: payment_service.PaymentView | None = None) -> BatchSummaryView:
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
        analysed=summary.analysed,
        glosa=formatting.money(summary.glosa_value),
        approved=formatting.money(summary.approved_value),
        appeals_accepted=formatting.money(summary.appeals_accepted_value),
        has_appeals_accepted=summary.appeals_accepted_value > 0,
        has_appeals=any(item.glosa and item.glosa.appeal_id for guide in summary.guides for item in guide.items),
        history=history_steps(summary.history),
        guides=[detail_guide(g, summary.analysed) for g in summary.guides],
        paid=payment is not None,
        payment=payment_detail_view(payment) if payment is not None else PaymentDetailView(),
    )


def _summary(db, actor, batch_id: object) -> BatchSummaryView:
    """The batch as stored, with the payment that paid it (one unit of work)."""
    summary = batch_service.batch_summary(db, actor, record_id(batch_id))
    payment = payment_service.payment_detail(db, actor, summary.payment_id) if summary.payment_id else None
    return summary_view(summary, payment)


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
    appeal_open: bool = False
    appeal_title: str = ""
    appeal_detail: str = ""
    appeal_value: str = ""  # prefilled with the glosa's value
    appeal_whole_guide: bool = False
    _appeal_kind: str = ""  # "item" (a glosa) or "guide" (every glosa of a batch guide)
    _appeal_target: int = 0
    exporting: bool = False  # the CSV is being built: its button spins
    # "Estornar o lote …?": the one dialog of the list, for the row whose button was clicked.
    reverse_open: bool = False
    reverse_id: str = ""
    reverse_protocol: str = ""

    def _filters(self) -> batch_service.BatchFilters:
        """As typed: the service checks dates (DD/MM/AAAA or ISO) and the competência and names the field."""
        return batch_service.BatchFilters(
            status=self.status or None, competence=self.competence or None, date_from=self.date_from or None,
            date_to=self.date_to or None, protocol=self.protocol or None, origin=self.origin or None)

    async def _reload(self):
        filters, page = self._filters(), self.page
        return await self._show_page(lambda db, actor: batch_service.list_batches(db, actor, filters, page=page),
                                     batch_line)

    @rx.event
    async def on_load(self):
        self.summary_open = self.appeal_open = self.reverse_open = False
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
        summary, event = await call_service(self, lambda db, actor: _summary(db, actor, batch_id))
        if summary is None:
            return event
        self.summary = summary
        self.summary_open = True
        self.appeal_open = False
        return None

    async def _reload_summary(self):
        """The open batch as stored now (after an appeal, refused or not)."""
        batch_id = self.summary.id
        summary, event = await call_service(self, lambda db, actor: _summary(db, actor, batch_id))
        if summary is not None:
            self.summary = summary
        return event

    # ---- recurso de glosa: one item, or every glosa of a guide --------------------------------------
    @rx.event
    def open_item_appeal(self, batch_item_id: str):
        """The item's glosa, as the open batch shows it (no query: the service checks everything)."""
        item = next((i for g in self.summary.guides for i in g.lines if str(i.id) == str(batch_item_id).strip()
                     and i.can_appeal), None)
        if item is None:
            return rx.toast.error("Escolha uma glosa do lote aberto para recorrer.")
        self._appeal_kind, self._appeal_target = "item", item.glosa_id
        self.appeal_title = f"Recurso da glosa de {item.code} · {item.description}"
        self.appeal_detail = (f"Glosa {item.glosa_value}, código {item.glosa_code} · {item.glosa_description}"
                              + (f" — {item.glosa_note}" if item.glosa_note else ""))
        self.appeal_value = item.glosa_value_typed
        self.appeal_whole_guide = False
        self.appeal_open = True
        return None

    @rx.event
    def open_guide_appeal(self, batch_guide_id: str):
        guide = next((g for g in self.summary.guides if str(g.batch_guide_id) == str(batch_guide_id).strip()
                      and g.can_appeal), None)
        if guide is None:
            return rx.toast.error("Escolha uma guia com glosa do lote aberto para recorrer.")
        count = sum(1 for item in guide.lines if item.can_appeal)
        self._appeal_kind, self._appeal_target = "guide", guide.batch_guide_id
        self.appeal_title = f"Recurso de todas as glosas da guia {guide.number}"
        self.appeal_detail = (f"{count} glosa(s) ainda sem recurso, cada uma contestada pelo valor glosado "
                              f"(total glosado na guia: {guide.glosa}).")
        self.appeal_value = ""
        self.appeal_whole_guide = True
        self.appeal_open = True
        return None

    @rx.event
    def set_appeal_open(self, value: bool):
        self.appeal_open = bool(value)

    @rx.event
    async def submit_appeal(self, form: dict):
        kind, target = self._appeal_kind, self._appeal_target
        if not target or not isinstance(form, dict):
            return rx.toast.error("Escolha uma glosa do lote aberto para recorrer.")
        justification = _text(form.get("justification"))
        value = _text(form.get("contested_value"))

        def appeal(db, actor):
            if kind == "guide":
                return len(appeal_service.appeal_guide(db, actor, target, justification=justification))
            appeal_service.open_appeal(db, actor, target, contested_value=value, justification=justification)
            return 1

        opened, event = await call_service(self, appeal)
        reload_event = await self._reload_summary()  # refused or not: what is stored now
        if opened is None:
            return event  # the dialog stays open with what was typed, the reason in the toast
        self.appeal_open = False
        self._appeal_kind, self._appeal_target = "", 0
        if reload_event is not None:
            return reload_event
        return rx.toast.success(f"{opened} recurso(s) de glosa enviado(s): aguardando análise da operadora.")

    @rx.event
    def set_summary_open(self, value: bool):
        self.summary_open = bool(value)

    @rx.event
    async def download_protocol(self, batch_id: str):
        return await download_file(self, "protocol", batch_id)

    @rx.event
    async def download_xml(self, batch_id: str):
        """The batch's TISS XML (ENVIO_LOTE_GUIAS 4.03.00), however it came in: to keep or send again."""
        return await download_file(self, "batch_xml", batch_id)

    @rx.event
    async def download_statement(self, kind: str, batch_id: str):
        """The batch's TISS files of the money half (each service checks the owner and audits the download)."""
        if kind not in STATEMENTS:
            return rx.toast.error("Arquivo não encontrado.")
        fetch, what = STATEMENTS[kind]
        return await download(self, lambda db, actor: fetch(db, actor, record_id(batch_id)),
                              mime_type="application/xml", entity=None, entity_id=str(batch_id), what=what)

    @rx.event
    def ask_reverse(self, batch_id: str, protocol: str):
        """"Estornar" on a row: the dialog asks first (`reverse` checks everything, this only shows)."""
        self.reverse_id, self.reverse_protocol = str(batch_id), str(protocol)
        self.reverse_open = True

    @rx.event
    def set_reverse_open(self, value: bool):
        self.reverse_open = bool(value)

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


# kind: (service returning (file name, XML bytes), what it is)
STATEMENTS = {
    "analysis": (statements.analysis_statement, "demonstrativo de análise de conta (XML)"),
    "appeal": (statements.appeal_message, "recurso de glosa (XML)"),
    "appeal_receipt": (statements.appeal_receipt, "recebimento do recurso de glosa (XML)"),
}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
