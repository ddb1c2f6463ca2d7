""""Prévia de glosas": what the operator's critique would propose, shown to the provider before it
matters — on Faturamento for the draft's checked guides, on Envio de XML for the accepted lot.

Mixins: Faturamento's state takes `DraftPreviewMixin`, the upload's `BatchPreviewMixin`, so each
handler belongs to its page (its audience comes from the route registry) while the rows and the
panel are written once. Nothing is written by a preview; "Deixar de fora" unchecks the guide
through the billing service, like the guide's own checkbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from copass_app import clock, formatting
from copass_app.services import billing, critique
from copass_app.state.auth import call_service, record_id
from copass_app.tiss import codes


@dataclass
class PreviewFinding:
    rule: str = ""  # CRITIQUE_RULE value
    rule_label: str = ""
    reason_code: str = ""  # TISS table 38
    reason_description: str = ""
    value: str = ""
    message: str = ""


@dataclass
class PreviewItem:
    table: str = ""
    code: str = ""
    description: str = ""
    quantity: str = ""
    unit_value: str = ""
    total: str = ""
    glosa: str = ""  # the largest finding: an item is glossed once
    findings: list[PreviewFinding] = field(default_factory=list)


@dataclass
class PreviewGuide:
    guide_id: int = 0
    number: str = ""
    beneficiary: str = ""
    card: str = ""
    performed_on: str = ""
    total: str = ""
    glosa: str = ""
    lines: list[PreviewItem] = field(default_factory=list)  # not "items": a Var method


@dataclass
class PreviewView:
    shown: bool = False  # a preview ran and is on screen
    subject: str = ""  # "as guias marcadas do faturamento" / "o lote 12 (protocolo …)"
    batch_id: int = 0  # the lot previewed (0: the draft)
    guide_count: int = 0
    item_count: int = 0
    total: str = ""
    glosa: str = ""
    finding_count: int = 0
    flagged_guides: int = 0
    clean: bool = True
    at: str = ""  # when it ran (the draft may have changed since)


def preview_guides(preview: critique.CritiquePreview) -> list[PreviewGuide]:
    return [
        PreviewGuide(
            guide_id=guide.guide_id, number=guide.guide_number, beneficiary=guide.beneficiary_name,
            card=guide.card_number, performed_on=formatting.date_br(guide.performed_on),
            total=formatting.money(guide.total), glosa=formatting.money(guide.glosa_value),
            lines=[PreviewItem(
                table=item.table_code, code=item.code, description=item.description,
                quantity=formatting.quantity(item.quantity), unit_value=formatting.money(item.unit_value),
                total=formatting.money(item.total), glosa=formatting.money(item.glosa_value),
                findings=[PreviewFinding(f.rule, f.rule_label, f.reason_code, codes.describe(f.reason_code),
                                         formatting.money(f.value), f.message) for f in item.findings])
                for item in guide.items])
        for guide in preview.guides
    ]


def preview_view(preview: critique.CritiquePreview, subject: str, batch_id: int = 0) -> PreviewView:
    return PreviewView(
        shown=True, subject=subject, batch_id=batch_id, guide_count=preview.guide_count,
        item_count=preview.item_count, total=formatting.money(preview.total_value),
        glosa=formatting.money(preview.glosa_value), finding_count=preview.finding_count,
        flagged_guides=len(preview.guides), clean=preview.clean,
        at=clock.local_now().strftime("%H:%M"))


def _draft_preview(db, actor) -> tuple[PreviewView, list[PreviewGuide]]:
    found = critique.preview_draft(db, actor)
    return preview_view(found, "as guias marcadas deste faturamento"), preview_guides(found)


class GlosaPreviewMixin(rx.State, mixin=True):
    preview: PreviewView = PreviewView()
    preview_rows: list[PreviewGuide] = []
    preview_running: bool = False

    def _show_preview(self, found: tuple[PreviewView, list[PreviewGuide]]) -> None:
        self.preview, self.preview_rows = found

    def _clear_preview(self) -> None:
        if self.preview.shown:
            self.preview, self.preview_rows = PreviewView(), []

    @rx.event
    def close_preview(self):
        self._clear_preview()


class DraftPreviewMixin(GlosaPreviewMixin, mixin=True):
    """Faturamento: the checked guides, with their corrected dates and added items, as they would be billed."""

    async def _draft_changed(self):
        """What the page does after the preview changed the draft (Faturamento shows it again)."""
        return None

    @rx.event
    async def run_draft_preview(self):
        self.preview_running = True
        yield
        try:
            found, event = await call_service(self, _draft_preview)
        finally:
            self.preview_running = False
        if found is None:
            yield event
            return
        self._show_preview(found)

    @rx.event
    async def leave_out_of_preview(self, guide_id: str):
        """Uncheck a guide the preview flags, then preview again what is left (one unit of work)."""

        def leave_out(db, actor):
            billing.toggle_guide(db, actor, record_id(guide_id), False)
            return _draft_preview(db, actor)

        found, event = await call_service(self, leave_out)
        if found is None:
            # Refused (the draft is gone, the guide is not in it): the page shows what is stored.
            return [event, *_as_list(await self._draft_changed())]
        self._show_preview(found)
        return [rx.toast.info("Guia deixada de fora deste faturamento."), *_as_list(await self._draft_changed())]


class BatchPreviewMixin(GlosaPreviewMixin, mixin=True):
    """Envio de XML: the accepted lot's guides, as the operator's analysis will see them."""

    @rx.event
    async def run_batch_preview(self, batch_id: str):
        self.preview_running = True
        yield

        def preview(db, actor):
            found = critique.preview_batch(db, actor, record_id(batch_id))
            subject = f"o lote {found.lot_number} (protocolo {found.protocol_number})"
            return preview_view(found, subject, found.batch_id), preview_guides(found)

        try:
            found, event = await call_service(self, preview)
        finally:
            self.preview_running = False
        if found is None:
            yield event
            return
        self._show_preview(found)


def _as_list(event) -> list:
    if event is None:
        return []
    return list(event) if isinstance(event, list | tuple) else [event]
