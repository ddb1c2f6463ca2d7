""""Prévia de glosas": the panel Faturamento and Envio de XML show, per guide and item, the glosas the
operator's critique would propose (rule, TISS code and description, value, why)."""

from __future__ import annotations

import reflex as rx

from copass_app.components.ui import status_badge
from copass_app.state.glosa_preview import PreviewFinding, PreviewGuide, PreviewItem
from copass_app.vocabulary import CRITIQUE_RULE


def _finding(finding: PreviewFinding) -> rx.Component:
    return rx.hstack(
        status_badge(CRITIQUE_RULE, finding.rule),
        rx.vstack(
            rx.text(rx.text.strong("Código ", finding.reason_code), " · ", finding.reason_description, size="2"),
            rx.text(finding.message, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="12em",
        ),
        rx.text(finding.value, size="2", weight="bold", white_space="nowrap"),
        align="start",
        spacing="2",
        width="100%",
        wrap="wrap",
        class_name="preview-finding",
    )


def _item(item: PreviewItem) -> rx.Component:
    return rx.vstack(
        rx.text(rx.text.strong(item.code), " · ", item.description, size="2"),
        rx.text("Tabela ", item.table, " · ", item.quantity, " × ", item.unit_value, " = ", item.total, size="1",
                color_scheme="gray"),
        rx.foreach(item.findings, _finding),
        spacing="1",
        width="100%",
        padding_left="0.75em",
        border_left=f"3px solid {rx.color('amber', 7)}",
        class_name="preview-item",
    )


def _guide(guide: PreviewGuide, leave_out) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading("Guia ", guide.number, size="3", as_="h3"),
                    rx.text(guide.beneficiary, " · carteira ", guide.card, " · realizada em ", guide.performed_on,
                            size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.vstack(
                    rx.text("Valor da guia ", guide.total, size="1", color_scheme="gray"),
                    rx.text("Glosa prevista ", rx.text.strong(guide.glosa), size="2", color_scheme="red"),
                    spacing="0",
                    align="end",
                ),
                *([rx.button(rx.icon("square-x", size=14), "Deixar de fora", size="1", variant="soft",
                             color_scheme="gray", on_click=leave_out(guide.guide_id), class_name="preview-leave-out",
                             aria_label="Deixar a guia " + guide.number + " de fora deste faturamento")]
                  if leave_out is not None else []),
                align="center",
                width="100%",
                wrap="wrap",
                spacing="3",
            ),
            rx.foreach(guide.lines, _item),
            spacing="2",
            width="100%",
        ),
        padding="0.75em",
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="8px",
        width="100%",
        class_name="preview-guide",
    )


def preview_panel(state, *, leave_out=None) -> rx.Component:
    """The result of `state`'s last preview (a GlosaPreviewMixin state); `leave_out(guide_id)`: the draft's
    "Deixar de fora" (None for a lot already sent)."""
    p = state.preview
    return rx.cond(p.shown, rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Prévia de glosas", size="4", as_="h2"),
                rx.spacer(),
                rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray",
                               on_click=state.close_preview, aria_label="Fechar a prévia de glosas"),
                align="center",
                width="100%",
            ),
            rx.text("A crítica da operadora sobre ", p.subject, " (calculada às ", p.at, "): ", p.guide_count,
                    " guia(s), ", p.item_count, " item(ns), ", p.total, ".", size="2"),
            rx.cond(
                p.clean,
                rx.callout.root(
                    rx.callout.icon(rx.icon("circle-check")),
                    rx.callout.text("Nenhuma glosa prevista: as regras da operadora não apontaram nada."),
                    color_scheme="green", high_contrast=True, width="100%", id="preview-clean",
                ),
                rx.vstack(
                    rx.callout.root(
                        rx.callout.icon(rx.icon("triangle-alert")),
                        rx.callout.text(
                            p.finding_count, " apontamento(s) em ", p.flagged_guides, " guia(s): até ",
                            rx.text.strong(p.glosa, id="preview-glosa"), " podem ser glosados. ",
                            "Corrija a data, a quantidade ou o valor nas guias abaixo, ou deixe a guia de fora, "
                            "e calcule a prévia de novo." if leave_out is not None else
                            "Confira cada apontamento; a análise da operadora decide cada item."),
                        color_scheme="amber", high_contrast=True, width="100%", id="preview-findings",
                    ),
                    rx.foreach(state.preview_rows, lambda guide: _guide(guide, leave_out)),
                    spacing="3",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="glosa-preview",
        role="region",
        custom_attrs={"aria-label": "Prévia de glosas"},
    ))


def preview_button(on_click, running, *, disabled=False, element_id: str = "run-preview") -> rx.Component:
    return rx.button(rx.icon("shield-check", size=16), "Prévia de glosas", variant="soft", color_scheme="amber",
                     on_click=on_click, loading=running, disabled=disabled, id=element_id)


def draft_preview_section(state, summary) -> rx.Component:
    """Faturamento: the button (for the checked guides: the draft's `summary`) and the panel with "Deixar de fora"."""
    return rx.vstack(
        rx.hstack(
            preview_button(state.run_draft_preview, state.preview_running, disabled=summary.guides == 0),
            rx.text("Antes de enviar: as glosas que a crítica da operadora proporia nas guias marcadas.", size="1",
                    color_scheme="gray"),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        preview_panel(state, leave_out=state.leave_out_of_preview),
        spacing="2",
        width="100%",
    )
