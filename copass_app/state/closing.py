""""Fechar atendimentos" / "Encerrar Fatura / Gerar Protocolo": the typed attendances of the competência
waiting to be closed, and the closing itself (after "Tem certeza que deseja continuar com o fechamento?"),
which puts them in batches with their protocols, as web billing does."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import clock, formatting
from copass_app.services import closing
from copass_app.state.auth import call_service
from copass_app.state.files import download_file
from copass_app.vocabulary import GUIDE_TYPE


@dataclass
class ClosingAttendanceLine:
    number: str = ""
    guide_type: str = ""
    beneficiary: str = ""
    total: str = ""


@dataclass
class ClosingLine:
    """The table's row, as in the manual: the provider's open attendances of the competência; "Gerar
    Protocolo" closes them all, in one batch per guide type (at most 100 guides each)."""

    key: str = ""  # the row's id for expanding it
    protocol: str = ""  # "Gerado ao encerrar" until closed
    provider: str = ""
    batches: str = ""  # what closing makes: "2 lotes: Consulta, SP/SADT"
    batch_count: int = 0
    count: int = 0
    total: str = ""
    attendances: list[ClosingAttendanceLine] = field(default_factory=list)


def closing_lines(summary: closing.ClosingSummary) -> list[ClosingLine]:
    if not summary.rows:
        return []
    first = summary.rows[0]
    types = ", ".join(dict.fromkeys(GUIDE_TYPE.label(row.guide_type) for row in summary.rows))
    count = len(summary.rows)
    return [ClosingLine(
        key=summary.competence,
        protocol=first.protocol_label,
        provider=first.provider_name,
        batches=f"{count} {'lote' if count == 1 else 'lotes'} ao encerrar: {types}",
        batch_count=count,
        count=summary.attendance_count,
        total=formatting.money(summary.total),
        attendances=[ClosingAttendanceLine(a.number, GUIDE_TYPE.label(row.guide_type), a.beneficiary_name,
                                           formatting.money(a.total))
                     for row in summary.rows for a in row.attendances],
    )]


@dataclass
class ClosedLine:
    """A batch the closing made: its protocol to print and attach to the physical invoices."""

    batch_id: int = 0
    protocol: str = ""
    lot: str = ""
    guide_type: str = ""
    guides: int = 0
    total: str = ""


def closed_line(batch: closing.ClosedBatch) -> ClosedLine:
    return ClosedLine(batch.batch_id, batch.protocol_number, batch.lot_number, GUIDE_TYPE.label(batch.guide_type),
                      batch.guide_count, formatting.money(batch.total))


class ClosingState(rx.State):
    competence: str = ""  # YYYY-MM, as the month input wants it
    rows: list[ClosingLine] = []
    count: int = 0
    total: str = ""
    expanded: list[str] = []  # keys of the rows showing their attendances
    closed: list[ClosedLine] = []
    loaded: bool = False

    async def _reload(self):
        competence = self.competence
        summary, event = await call_service(self, lambda db, actor: closing.closing_summary(db, actor, competence))
        if summary is None:
            return event
        self.rows = closing_lines(summary)
        self.count, self.total = summary.attendance_count, formatting.money(summary.total)
        self.expanded = [key for key in self.expanded if any(row.key == key for row in self.rows)]
        self.loaded = True
        return None

    @rx.event
    async def on_load(self):
        self.competence = clock.today().strftime("%Y-%m")
        self.expanded, self.closed = [], []
        return await self._reload()

    @rx.event
    async def set_competence(self, value: str):
        text = str(value or "").strip()
        if not text:
            return None
        self.competence = text
        self.expanded, self.closed = [], []
        return await self._reload()

    @rx.event
    def toggle_row(self, key: str):
        """Show or hide the attendances of a row (Núm. Atendimento, Beneficiário, Total)."""
        key = str(key)
        if key in self.expanded:
            self.expanded = [k for k in self.expanded if k != key]
        elif any(row.key == key for row in self.rows):
            self.expanded = [*self.expanded, key]

    @rx.event
    async def close(self):
        """"Confirmar" in the dialog: the competência's typed attendances become batches with protocols."""
        competence = self.competence
        closed, event = await call_service(
            self, lambda db, actor: [closed_line(b) for b in closing.close_attendances(db, actor, competence)],
            retries=closing.CLOSE_RETRIES)
        reload_event = await self._reload()  # closed or refused: the table as stored now
        if closed is None:
            return event
        self.closed = closed
        count = sum(line.guides for line in closed)
        return reload_event or rx.toast.success(
            f"Fatura encerrada: {count} atendimento(s) em {len(closed)} protocolo(s). Imprima o protocolo e "
            "anexe às faturas físicas.")

    @rx.event
    async def download_protocol(self, batch_id: str):
        return await download_file(self, "protocol", batch_id)
