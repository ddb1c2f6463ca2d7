"""Análise do lote (/operadora/lotes/<id>): the batch's guides and items with the critique's proposals
and the applied glosas; the analyst starts the analysis, accepts or glosses each item, accepts all,
and concludes. Every decision reloads the screen from one service call (a few queries per batch,
none per item); a refusal is a toast and the screen shows what is stored."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import formatting
from copass_app.routes import Audience
from copass_app.services import analysis, processing
from copass_app.services.analysis import BatchAnalysis, GlosaView, ItemAnalysis
from copass_app.services.errors import NotFound
from copass_app.state.auth import call_service, record_id
from copass_app.state.staff import ANALYSIS_PATH

MAX_REASONS = 40  # reasons listed at once; typing narrows table 38


def _typed(value) -> str:
    """A value as a person types it: 1.234,56."""
    return formatting.money(value).replace("R$", "").strip()


@dataclass
class GlosaLine:
    id: int = 0
    reason_code: str = ""
    reason: str = ""  # the table 38 description
    value: str = ""
    note: str = ""
    rule_label: str = ""  # the critique rule that proposed it ("" for the analyst's own)
    proposed: bool = False
    status: str = ""  # GLOSA_STATUS value
    decided: str = ""  # who decided, when


def glosa_line(g: GlosaView) -> GlosaLine:
    who = g.decided_by_name or g.created_by_name
    when = g.decided_at or g.created_at
    return GlosaLine(g.id, g.reason_code, g.reason_description, formatting.money(g.value), g.note, g.rule_label,
                     g.proposed, str(g.status), f"{who} em {formatting.datetime_br(when)}" if who else "")


@dataclass
class ItemLine:
    id: int = 0
    table: str = ""
    code: str = ""
    description: str = ""
    quantity: str = ""
    unit_value: str = ""
    total: str = ""
    total_typed: str = ""  # prefills the glosa's value
    decided: bool = False
    decision: str = "Sem decisão"
    approved: str = "—"
    has_glosa: bool = False
    glosa: GlosaLine = field(default_factory=GlosaLine)
    proposals: list[GlosaLine] = field(default_factory=list)
    discarded: int = 0  # decisions set aside, kept as history


def item_line(item: ItemAnalysis) -> ItemLine:
    decision = "Sem decisão"
    if item.applied is not None:
        decision = "Glosado"
    elif item.decided:
        decision = "Aceito"
    return ItemLine(
        id=item.id, table=item.table_code, code=item.code, description=item.description,
        quantity=formatting.quantity(item.quantity), unit_value=formatting.money(item.unit_value),
        total=formatting.money(item.total), total_typed=_typed(item.total), decided=item.decided,
        decision=decision, approved=formatting.money(item.approved_value) if item.decided else "—",
        has_glosa=item.applied is not None, glosa=glosa_line(item.applied) if item.applied else GlosaLine(),
        proposals=[glosa_line(p) for p in item.proposals], discarded=len(item.discarded))


@dataclass
class GuideLine:
    guide_id: int = 0
    number: str = ""
    operator_number: str = ""
    beneficiary: str = ""
    card: str = ""
    performed_on: str = ""
    total: str = ""
    glosa: str = ""
    waiting: int = 0  # items undecided or with a pending proposal
    item_lines: list[ItemLine] = field(default_factory=list)


@dataclass
class AnalysisHeader:
    batch_id: int = 0
    protocol: str = ""
    lot: str = ""
    provider: str = ""
    competence: str = ""
    guide_type: str = ""
    status: str = ""  # BATCH_STATUS value
    received_at: str = ""
    processed_at: str = "—"
    analysed: str = ""  # "concluída por X em ..." once analysed
    total: str = ""
    glosa: str = ""
    approved: str = ""
    item_count: int = 0
    undecided: int = 0
    pending: int = 0
    editable: bool = False
    can_start: bool = False
    can_finish: bool = False
    waiting: str = ""  # what still waits, for the disabled "Concluir análise"
    finish_result: str = ""  # what concluding will do, for its confirmation


def waiting_text(screen: BatchAnalysis) -> str:
    parts = [text for count, text in (
        (screen.undecided_count, f"{screen.undecided_count} item(ns) sem decisão"),
        (screen.pending_count, f"{screen.pending_count} proposta(s) da crítica sem decisão")) if count]
    return f"Aguardando: {' e '.join(parts)}." if parts else ""


def header(screen: BatchAnalysis) -> AnalysisHeader:
    row = screen.row
    analysed = ""
    if screen.analysed_at:
        analysed = f"Análise concluída em {formatting.datetime_br(screen.analysed_at)}"
        analysed += f" por {screen.analysed_by_name}" if screen.analysed_by_name else ""
    if screen.approved_value > 0:
        result = (f"O lote será liberado para pagamento com {formatting.money(screen.approved_value)} aprovados "
                  f"(glosa de {formatting.money(screen.glosa_value)}). Depois disso ninguém poderá alterá-lo.")
    else:
        result = ("Nada foi aprovado: o lote será encerrado sem pagamento. Depois disso ninguém poderá "
                  "alterá-lo.")
    return AnalysisHeader(
        batch_id=row.id, protocol=row.protocol_number, lot=row.lot_number,
        provider=f"{screen.provider_code} · {screen.provider_name}", competence=formatting.competence(row.competence),
        guide_type=row.guide_type_label, status=str(row.status), received_at=formatting.datetime_br(row.received_at),
        processed_at=formatting.datetime_br(row.processed_at) if row.processed_at else "—", analysed=analysed,
        total=formatting.money(screen.total_value), glosa=formatting.money(screen.glosa_value),
        approved=formatting.money(screen.approved_value), item_count=screen.item_count,
        undecided=screen.undecided_count, pending=screen.pending_count, editable=screen.editable,
        can_start=row.can_start_analysis, can_finish=screen.can_finish, waiting=waiting_text(screen),
        finish_result=result)


def screen_lines(screen: BatchAnalysis) -> tuple[AnalysisHeader, list[GuideLine]]:
    """The service's screen as the page's typed rows (plain Python: no query)."""
    guides = [GuideLine(
        guide_id=g.guide_id, number=g.guide_number, operator_number=g.operator_guide_number,
        beneficiary=g.beneficiary_name, card=g.card_number, performed_on=formatting.date_br(g.performed_on),
        total=formatting.money(g.total), glosa=formatting.money(g.glosa_value),
        waiting=sum(1 for item in g.items if not item.decided or item.proposals),
        item_lines=[item_line(item) for item in g.items]) for g in screen.guides]
    return header(screen), guides


@dataclass
class ReasonLine:
    code: str = ""
    description: str = ""


def reason_lines(term: str) -> tuple[list[ReasonLine], int]:
    found = analysis.glosa_reasons(term)
    return [ReasonLine(r.code, r.description) for r in found[:MAX_REASONS]], len(found)


def batch_id_of(path: str) -> str:
    """The batch id of /operadora/lotes/<id> (as text: record_id decides whether it is one)."""
    path = str(path or "").split("?", 1)[0].rstrip("/")
    return path[len(ANALYSIS_PATH):] if path.startswith(ANALYSIS_PATH) else ""


class AnalysisState(rx.State):
    head: AnalysisHeader = AnalysisHeader()
    guides: list[GuideLine] = []
    loaded: bool = False
    found: bool = False  # False: no such batch (the page says so)
    batch_key: str = ""  # the batch id as the address gave it

    # The glosa dialog.
    glosa_open: bool = False
    glosa_item_id: int = 0
    glosa_item: str = ""  # "code · description (R$ total)"
    glosa_value: str = ""
    glosa_note: str = ""
    reason_term: str = ""
    reasons: list[ReasonLine] = []
    reason_total: int = 0
    reason_index: int = -1  # highlighted with the arrows
    reason_code: str = ""  # the chosen reason
    reason_label: str = ""

    async def _reload(self):
        key = self.batch_key

        def action(db, actor):
            try:
                return screen_lines(analysis.batch_analysis(db, actor, record_id(key)))
            except NotFound:
                return None

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if event is not None:
            return event
        self.loaded = True
        self.found = found is not None
        self.head, self.guides = found if found is not None else (AnalysisHeader(), [])
        return None

    async def _decide(self, decision, success: str):
        """Run `decision(db, actor)`, then show the batch as stored; a refusal is a toast (and the reload)."""
        key = self.batch_key

        def action(db, actor):
            decision(db, actor)
            return screen_lines(analysis.batch_analysis(db, actor, record_id(key)))

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:
            reload_event = await self._reload()
            return event or reload_event
        self.head, self.guides = found
        return rx.toast.success(success) if success else None

    @rx.event
    async def on_load(self):
        self.glosa_open = False
        self.loaded = False
        self.batch_key = batch_id_of(self.router.url.path)
        return await self._reload()

    @rx.event
    async def start_analysis(self):
        key = self.batch_key
        return await self._decide(lambda db, actor: processing.start_analysis(db, actor, record_id(key)),
                                  "Análise iniciada: a crítica automática já propôs as glosas que encontrou.")

    @rx.event
    async def accept_item(self, item_id: str):
        return await self._decide(lambda db, actor: analysis.accept_item(db, actor, record_id(item_id)), "")

    @rx.event
    async def accept_proposal(self, glosa_id: str):
        return await self._decide(lambda db, actor: analysis.accept_proposal(db, actor, record_id(glosa_id)),
                                  "Proposta aceita: a glosa foi aplicada ao item.")

    @rx.event
    async def discard_proposal(self, glosa_id: str):
        return await self._decide(lambda db, actor: analysis.discard_proposal(db, actor, record_id(glosa_id)),
                                  "Proposta descartada: o item aguarda a sua decisão.")

    @rx.event
    async def remove_glosa(self, glosa_id: str):
        return await self._decide(lambda db, actor: analysis.remove_glosa(db, actor, record_id(glosa_id)),
                                  "Glosa removida: o item voltou a ficar sem decisão.")

    @rx.event
    async def accept_guide(self, guide_id: str):
        key = self.batch_key
        return await self._decide(
            lambda db, actor: analysis.accept_all(db, actor, record_id(key), guide_id=record_id(guide_id)),
            "Itens da guia sem proposta pendente aceitos.")

    @rx.event
    async def accept_all(self):
        key = self.batch_key
        return await self._decide(lambda db, actor: analysis.accept_all(db, actor, record_id(key)),
                                  "Itens sem proposta pendente aceitos.")

    @rx.event
    async def accept_all_proposals(self):
        key = self.batch_key
        return await self._decide(lambda db, actor: analysis.accept_all_proposals(db, actor, record_id(key)),
                                  "Propostas da crítica aceitas: as glosas foram aplicadas.")

    @rx.event
    async def finish(self):
        key = self.batch_key
        return await self._decide(lambda db, actor: analysis.finish_analysis(db, actor, record_id(key)),
                                  "Análise concluída.")

    # --- the glosa dialog --------------------------------------------------------------------------

    @rx.event
    async def open_glosa(self, item_id: str):
        """Opens the dialog for an item on this screen, its value prefilled with the item's total."""
        item = next((i for g in self.guides for i in g.item_lines if str(i.id) == str(item_id)), None)
        if item is None or not self.head.editable:
            return None
        self.glosa_item_id, self.glosa_item = item.id, f"{item.code} · {item.description} ({item.total})"
        self.glosa_value, self.glosa_note = item.total_typed, ""
        self.reason_code = self.reason_label = ""
        self.glosa_open = True
        return await self.search_reasons("")

    @rx.event
    def set_glosa_open(self, value: bool):
        self.glosa_open = value is True

    @rx.event
    def set_glosa_value(self, value: str):
        self.glosa_value = str(value)[:40]

    @rx.event
    def set_glosa_note(self, value: str):
        self.glosa_note = str(value)[:2000]

    @rx.event
    async def search_reasons(self, term: str):
        self.reason_term = term = str(term)[:100]
        found, event = await call_service(self, lambda db, actor: reason_lines(term), audience=Audience.STAFF,
                                          cached_session=True)
        if found is None:
            return event
        self.reasons, self.reason_total = found
        chosen = next((n for n, r in enumerate(self.reasons) if r.code == self.reason_code), -1)
        self.reason_index = chosen if chosen >= 0 else (0 if self.reasons else -1)
        return None

    @rx.event
    def pick_reason(self, index: int):
        if isinstance(index, int) and 0 <= index < len(self.reasons):
            reason = self.reasons[index]
            self.reason_index = index
            self.reason_code, self.reason_label = reason.code, f"{reason.code} · {reason.description}"

    @rx.event
    def reason_key(self, key: str):
        """From the search field: the arrows choose the next or previous reason found, Enter the highlighted one."""
        if not self.reasons:
            return
        if key == "ArrowDown":
            self.pick_reason(min(self.reason_index + 1, len(self.reasons) - 1))
        elif key == "ArrowUp":
            self.pick_reason(max(self.reason_index - 1, 0))
        elif key == "Enter":
            self.pick_reason(max(self.reason_index, 0))

    @rx.event
    async def save_glosa(self):
        item_id, value, code, note = self.glosa_item_id, self.glosa_value, self.reason_code, self.glosa_note
        key = self.batch_key

        def action(db, actor):
            analysis.apply_glosa(db, actor, item_id, value=value, reason_code=code, note=note)
            return screen_lines(analysis.batch_analysis(db, actor, record_id(key)))

        found, event = await call_service(self, action, audience=Audience.STAFF)
        if found is None:  # the dialog stays open with what was typed; the screen shows what is stored
            reload_event = await self._reload()
            return event or reload_event
        self.head, self.guides = found
        self.glosa_open = False
        return rx.toast.success("Glosa aplicada.")
