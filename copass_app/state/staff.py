"""Operator staff: the accredited providers, and every provider's received batches as a queue
(filters, counts per status, paging), each opening its analysis."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.models import BatchStatus
from copass_app.routes import Audience
from copass_app.services import analysis, processing
from copass_app.services.batch_queries import BatchFilters
from copass_app.services.providers import ProviderSummary, list_providers
from copass_app.state.auth import call_service, record_id
from copass_app.state.batches import BatchLine, batch_line
from copass_app.state.paging import PagedState, filter_value, set_paging
from copass_app.vocabulary import BATCH_STATUS

ANALYSIS_PATH = "/operadora/lotes/"  # + the batch id: routes.BATCH_ANALYSIS


def analysis_path(batch_id: int) -> str:
    return f"{ANALYSIS_PATH}{batch_id}"


@dataclass
class ProviderLine:
    code: str = ""
    name: str = ""
    document: str = ""
    kind: str = ""
    guides: int = 0


def provider_line(p: ProviderSummary) -> ProviderLine:
    return ProviderLine(p.code, p.name, formatting.cpf_cnpj(p.document), p.kind, p.guide_count)


@dataclass
class ProviderOption:
    """A provider in a filter's select: its id as text (the select's value) and "code · name"."""

    value: str = ""
    label: str = ""


def provider_options(db, actor) -> list[ProviderOption]:
    return [ProviderOption(str(p.id), f"{p.code} · {p.name}") for p in list_providers(db, actor)]


@dataclass
class StatusChip:
    """A status with its number of batches (under the other filters): a click filters by it."""

    value: str = ""  # "" = every status
    label: str = ""
    count: int = 0


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
    glosa: str = ""
    approved: str = ""
    href: str = ""  # its analysis


def received_line(received: processing.ReceivedBatch) -> ReceivedLine:
    analysed = received.row.status in (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO,
                                       BatchStatus.PAGO)
    return ReceivedLine(f"{received.provider_code} · {received.provider_name}", batch_line(received.row),
                        received.row.can_start_analysis,
                        formatting.money(received.glosa_value) if analysed else "—",
                        formatting.money(received.approved_value) if analysed else "—",
                        analysis_path(received.row.id))


def status_chips(counts: dict[str, int]) -> list[StatusChip]:
    return [StatusChip("", "Todas", sum(counts.values()))] + [
        StatusChip(term.value, term.short_label, counts.get(term.value, 0)) for term in BATCH_STATUS]


class ReceivedBatchesState(PagedState, rx.State):
    """"Lotes recebidos": every provider's batches, filtered, with counts per status; staff start the
    analysis (data de processamento) and open each batch's analysis."""

    rows: list[ReceivedLine] = []
    chips: list[StatusChip] = []
    providers: list[ProviderOption] = []
    status: str = BatchStatus.RECEBIDO.value
    provider_id: str = ""
    competence: str = ""
    origin: str = ""
    date_from: str = ""
    date_to: str = ""

    def _filters(self) -> BatchFilters:
        """As typed: the service checks the competência and the dates and names the field it refuses."""
        provider = int(self.provider_id) if self.provider_id.isdigit() and len(self.provider_id) < 19 else None
        return BatchFilters(status=self.status if self.status in BATCH_STATUS else None,
                            competence=self.competence or None, origin=self.origin or None,
                            date_from=self.date_from or None, date_to=self.date_to or None, provider_id=provider)

    async def _reload(self, *, with_providers: bool = False):
        filters, page = self._filters(), self.page

        def action(db, actor):
            found = analysis.received_queue(db, actor, filters, page)
            options = provider_options(db, actor) if with_providers else None
            return ([received_line(r) for r in found.rows], status_chips(found.counts),
                    (found.total, found.page, found.page_count), options)

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            self.loaded = True  # a refused filter leaves the list as it was, not a skeleton
            return event
        self.rows, self.chips, paging, options = found
        if options is not None:
            self.providers = options
        set_paging(self, paging)
        return None

    @rx.event
    async def on_load(self):
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
        self.competence = str(form.get("competence") or "").strip()
        self.origin = filter_value(form.get("origin"))
        self.date_from = str(form.get("date_from") or "").strip()
        self.date_to = str(form.get("date_to") or "").strip()
        self.page = 1
        return await self._reload()

    @rx.event
    async def clear_filters(self):
        self.provider_id = self.competence = self.origin = self.date_from = self.date_to = ""
        self.status = ""
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
