"""Relatórios (menu "Relatórios"): the four reports on screen (one page of lines, paged on the server, and
the totals of the whole filter), as PDF and as CSV. A provider's user sees its own data
(ProviderReportsState, routes /relatorios/…); the operator's staff any provider, with a provider filter
(StaffReportsState, /operadora/relatorios/…). Which report a page shows is its route.

The rules and the figures are services/reports; the columns are reports/report_tables (the same on screen,
in the PDF and in the CSV). The CSV is quick: a plain download (state/files.download). A PDF of thousands
of lines is drawn in a background event: the lines are read in one unit of work (session, owner, audit),
then the PDF is drawn in a worker thread while the page shows "Gerando… N %", and the tab (and everyone
else's) keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import reflex as rx

from copass_app import clock, routes
from copass_app.reports.report_table import TableReport, display
from copass_app.reports.report_tables import extrato_report, glosas_report, nf_report, statements_report
from copass_app.routes import Audience
from copass_app.services import statements
from copass_app.services.reports import (
    ReportFilters,
    glosas_by_procedure,
    glosas_by_reason,
    nf_values,
    payment_statements,
    summary_statement,
)
from copass_app.services.reports.exports import MIME, FileFormat, ReportKind, render, report_table
from copass_app.state.auth import call_service, record_id
from copass_app.state.files import download
from copass_app.state.paging import PagedState, filter_value, select_value, set_paging
from copass_app.state.staff import ProviderOption, provider_options

BY_REASON, BY_PROCEDURE = "motivo", "procedimento"
KIND_OF_PATH = {
    **dict(zip((r.path for r in routes.PROVIDER_REPORTS), ReportKind, strict=True)),
    **dict(zip((r.path for r in routes.STAFF_REPORTS), ReportKind, strict=True)),
}
PROGRESS_POLL_SECONDS = 0.4


@dataclass
class ReportLine:
    """One line of a report as the screen shows it: its cells as text, and the payment it names."""

    cells: list[str] = field(default_factory=list)
    payment_id: str = ""  # "" when the line is no payment (still to be paid, a patient, a reason)
    detail_href: str = ""  # the payment's detail page
    nf_href: str = ""  # the NF values of that payment alone


@dataclass
class ScreenReport:
    headers: list[str]
    aligns: list[str]
    lines: list[ReportLine]
    totals: list[str]
    notes: list[str]
    provider: str
    period: str
    counters: tuple[int, int, int]  # total, page, page count


def _table(kind: ReportKind, view: str, report, now) -> TableReport:
    rows, totals, scope = report.page.rows, report.totals, report.scope
    if kind == ReportKind.NF:
        return nf_report(rows, totals, scope, now)
    if kind == ReportKind.STATEMENTS:
        return statements_report(rows, totals, scope, now)
    if kind == ReportKind.EXTRATO:
        return extrato_report(rows, totals, scope, now)
    if view == BY_PROCEDURE:
        return glosas_report([], rows, totals, scope, now).sections[0]
    return glosas_report(rows, [], totals, scope, now)


def _fetch(kind: ReportKind, view: str):
    if kind == ReportKind.NF:
        return nf_values
    if kind == ReportKind.STATEMENTS:
        return payment_statements
    if kind == ReportKind.EXTRATO:
        return summary_statement
    return glosas_by_procedure if view == BY_PROCEDURE else glosas_by_reason


def screen_report(db, actor, kind: ReportKind, view: str, filters: ReportFilters, page: int) -> ScreenReport:
    """One page of the report as text cells, with its totals line (runs inside call_service)."""
    report = _fetch(kind, view)(db, actor, filters, page=page)
    table = _table(kind, view, report, clock.local_now())
    # The provider's Pagamentos opens a payment named in its address; the staff's page does not (yet).
    detail = "" if actor.is_staff else routes.PROVIDER_PAYMENTS.path
    nf = (routes.STAFF_REPORT_NF if actor.is_staff else routes.REPORT_NF).path
    lines = []
    for row, values in zip(report.page.rows, table.rows, strict=True):
        payment_id = getattr(row, "payment_id", None)
        lines.append(ReportLine(
            cells=[display(values.get(c.key), c.kind) for c in table.columns],
            payment_id=str(payment_id or ""),
            detail_href=f"{detail}?pagamento={payment_id}" if payment_id and detail else "",
            nf_href=f"{nf}?pagamento={payment_id}" if payment_id else ""))
    totals = [display(table.totals[c.key], c.kind) if c.key in table.totals else "" for c in table.columns]
    totals[0] = totals[0] or table.totals_label
    return ScreenReport(
        headers=[c.label for c in table.columns], aligns=["right" if c.align == "R" else "left" for c in table.columns],
        lines=lines, totals=totals, notes=list(table.notes), provider=table.provider, period=table.period,
        counters=(report.page.total, report.page.page, report.page.page_count))


class ReportsState(PagedState, mixin=True):
    kind: str = ReportKind.NF.value
    view: str = BY_REASON  # glosas: per reason or per procedure
    headers: list[str] = []
    aligns: list[str] = []
    rows: list[ReportLine] = []
    totals: list[str] = []
    notes: list[str] = []
    provider_label: str = ""
    period_label: str = ""
    date_from: str = ""
    date_to: str = ""
    competence: str = ""
    payment: str = ""  # NF: one payment (its id), from a link
    provider_id: str = ""  # staff only
    providers: list[ProviderOption] = []
    generating: bool = False
    progress: int = 0  # percent of the PDF drawn
    progress_text: str = ""

    def _audience(self) -> Audience:
        raise NotImplementedError

    def _filters(self) -> ReportFilters:
        return ReportFilters(provider_id=self.provider_id or None, date_from=self.date_from, date_to=self.date_to,
                             competence=self.competence, payment_id=self.payment or None)

    def _kind(self) -> ReportKind:
        return ReportKind(self.kind) if self.kind in set(ReportKind) else ReportKind.NF

    async def _reload(self, *, with_providers: bool = False):
        kind, view, filters, page = self._kind(), self.view, self._filters(), self.page
        staff = self._audience() == Audience.STAFF

        def action(db, actor):
            options = provider_options(db, actor) if with_providers and staff else None
            return screen_report(db, actor, kind, view, filters, page), options

        found, event = await call_service(self, action, audience=self._audience())
        if found is None:
            return event
        shown, options = found
        self.headers, self.aligns, self.rows, self.totals, self.notes = (
            shown.headers, shown.aligns, shown.lines, shown.totals, shown.notes)
        self.provider_label, self.period_label = shown.provider, shown.period
        if options is not None:
            self.providers = options
        set_paging(self, shown.counters)
        return None

    @rx.event
    async def on_load(self):
        self.kind = KIND_OF_PATH.get(self.router.url.path.rstrip("/") or "/", ReportKind.NF).value
        self.page, self.view, self.loaded, self.generating, self.progress = 1, BY_REASON, False, False, 0
        self.payment = str(self.router.url.query_parameters.get("pagamento", "") or "").strip()[:18]
        event = await self._reload(with_providers=True)
        if event is not None and self.payment and not self.loaded:
            # A payment that is not found (or another provider's): said so, and the whole period shown instead.
            self.payment = ""
            await self._reload(with_providers=True)
        return event

    @rx.event
    async def apply_filters(self, form: dict):
        self.date_from = str(form.get("date_from") or "").strip()[:10]
        self.date_to = str(form.get("date_to") or "").strip()[:10]
        self.competence = str(form.get("competence") or "").strip()[:7]
        if self._audience() == Audience.STAFF:
            self.provider_id = filter_value(form.get("provider"))[:18]
        self.payment, self.page = "", 1
        return await self._reload()

    @rx.event
    async def clear_filters(self):
        self.date_from = self.date_to = self.competence = self.payment = self.provider_id = ""
        self.page = 1
        return await self._reload()

    @rx.event
    async def set_view(self, value: str | list[str]):
        chosen = str(select_value(value))
        self.view = chosen if chosen in (BY_REASON, BY_PROCEDURE) else BY_REASON
        self.page = 1
        return await self._reload()

    @rx.event
    async def download_csv(self):
        kind, filters = self._kind(), self._filters()
        # report_table checks the session's owner and audits the download; the CSV is drawn in the same worker.
        return await download(self, lambda db, actor: render(report_table(db, actor, kind, filters, what="CSV"),
                                                             FileFormat.CSV),
                              mime_type=MIME[FileFormat.CSV], entity=None, entity_id=kind.value, what="CSV",
                              audience=self._audience())

    @rx.event(background=True)
    async def download_pdf(self):
        """The PDF of every line of the filter: read under the tab's lock, drawn outside it with progress."""
        async with self:
            if self.generating:
                return None
            kind, filters, audience = self._kind(), self._filters(), self._audience()
            self.generating, self.progress, self.progress_text = True, 0, "Lendo as linhas do relatório…"
        try:
            async with self:
                table, event = await call_service(
                    self, lambda db, actor: report_table(db, actor, kind, filters, what="PDF"), audience=audience)
            if table is None:
                return event
            done = [0]
            total = max(table.line_count, 1)
            drawing = asyncio.ensure_future(asyncio.to_thread(
                render, table, FileFormat.PDF, lambda lines, _all: done.__setitem__(0, lines)))
            while not drawing.done():
                await asyncio.wait({drawing}, timeout=PROGRESS_POLL_SECONDS)
                async with self:
                    self.progress = min(99, done[0] * 100 // total)
                    self.progress_text = f"Gerando o PDF… {self.progress} % ({done[0]} de {table.line_count} linhas)"
            filename, data = drawing.result()
            return rx.download(data=data, filename=filename, mime_type=MIME[FileFormat.PDF])
        finally:
            async with self:
                self.generating, self.progress, self.progress_text = False, 0, ""

    @rx.event
    async def download_statement(self, payment_id: str):
        """The payment's TISS DEMONSTRATIVO_PAGAMENTO (the service checks the owner and audits it)."""
        return await download(self, lambda db, actor: statements.payment_statement(db, actor, record_id(payment_id)),
                              mime_type="application/xml", entity=None, entity_id=str(payment_id)[:20],
                              what="demonstrativo de pagamento (XML)", audience=self._audience())


class ProviderReportsState(ReportsState, rx.State):
    """The provider's own reports (/relatorios/…)."""

    def _audience(self) -> Audience:
        return Audience.PROVIDER


class StaffReportsState(ReportsState, rx.State):
    """The operator's staff: any provider, or all of them (/operadora/relatorios/…)."""

    def _audience(self) -> Audience:
        return Audience.STAFF
