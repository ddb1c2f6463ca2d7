""""Acompanhamento › Recursos de glosa": the provider's appeals, their status, the operator's decision, the
accepted value and the payment that paid it."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.pages.uploads import error_groups_view, named_file_input
from copass_app.state.appeals import APPEAL_UPLOAD_ID, ProviderAppealsState, StatusCount
from copass_app.state.money_rows import AppealLine
from copass_app.state.paging import ALL
from copass_app.vocabulary import APPEAL_STATUS


def _chip(chip: StatusCount) -> rx.Component:
    chosen = ProviderAppealsState.status == chip.status
    return rx.button(chip.label, " (", chip.count, ")", size="1", variant=rx.cond(chosen, "solid", "soft"),
                     on_click=ProviderAppealsState.filter_status(chip.status), class_name="appeal-chip",
                     custom_attrs={"aria-pressed": rx.cond(chosen, "true", "false")})


def _chips() -> rx.Component:
    everything = ProviderAppealsState.status == ""
    return rx.hstack(
        rx.text("Situação:", size="2", id="appeal-chips-label"),
        rx.button("Todos", size="1", variant=rx.cond(everything, "solid", "soft"),
                  on_click=ProviderAppealsState.filter_status(ALL),
                  custom_attrs={"aria-pressed": rx.cond(everything, "true", "false")}),
        rx.foreach(ProviderAppealsState.counts, _chip),
        align="center", spacing="2", wrap="wrap", role="group",
        custom_attrs={"aria-labelledby": "appeal-chips-label"},
    )


def _decision(row: AppealLine) -> rx.Component:
    return rx.vstack(
        rx.cond(row.decided_at != "", rx.text(row.decided_at, size="1", white_space="nowrap")),
        rx.cond(row.decision_note != "", rx.text(row.decision_note, size="1")),
        spacing="0",
    )


def _payment(row: AppealLine) -> rx.Component:
    return rx.cond(
        row.payment_id > 0,
        rx.link(row.payment_number, " (", row.paid_on, ")",
                href=f"{routes.PROVIDER_PAYMENTS.path}?pagamento=" + row.payment_id.to_string(), size="2",
                class_name="appeal-payment"),
        rx.text(rx.cond(row.accepted != "—", "a pagar", "—"), size="1", color_scheme="gray"),
    )


def _row(row: AppealLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.opened_at, white_space="nowrap"),
        rx.table.cell(status_badge(APPEAL_STATUS, row.status)),
        rx.table.cell(row.protocol),
        rx.table.cell(rx.vstack(rx.text(row.item, size="2"),
                                rx.text("Guia ", row.guide, " · ", row.beneficiary, size="1", color_scheme="gray"),
                                spacing="0"), min_width="16em"),
        rx.table.cell(rx.tooltip(rx.badge(row.glosa_code, color_scheme="red", high_contrast=True),
                                 content=row.glosa_description)),
        rx.table.cell(row.glosa_value, text_align="right", white_space="nowrap"),
        rx.table.cell(row.contested, text_align="right", white_space="nowrap"),
        rx.table.cell(row.accepted, text_align="right", white_space="nowrap", class_name="appeal-accepted"),
        rx.table.cell(_decision(row), min_width="10em"),
        rx.table.cell(_payment(row), white_space="nowrap"),
        actions_cell(
            rx.button(rx.icon("file-code", size=14), "XML", size="1", variant="soft",
                      on_click=ProviderAppealsState.download_appeal(row.batch_id), class_name="appeal-xml",
                      aria_label="Recurso de glosa (XML) do protocolo " + row.protocol),
        ),
        class_name="appeal-row",
    )


def _table() -> rx.Component:
    headers = ["Aberto em", "Situação", "Protocolo", "Item e guia", "Código", "Glosa", "Contestado", "Aceito",
               "Decisão", "Pagamento", "Ações"]
    return loaded_or_skeleton(ProviderAppealsState.loaded, data_table(
        headers, rx.foreach(ProviderAppealsState.rows, _row), table_id="appeals-table",
        is_empty=ProviderAppealsState.rows.length() == 0,
        empty=empty_state(
            "Nenhum recurso de glosa",
            "Para recorrer, abra um lote analisado em Acompanhamento e clique em Recorrer na glosa do item "
            "(ou em Recorrer da guia).",
            rx.link("Abrir Acompanhamento", href=routes.BATCHES.path), id="appeals-empty"),
    ))


def _upload_result() -> rx.Component:
    u = ProviderAppealsState.upload
    reply = rx.button(rx.icon("file-code", size=14), "Resposta da operadora (XML)", size="1", variant="soft",
                      on_click=ProviderAppealsState.download_reply, id="download-appeal-reply")
    accepted = rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(
            rx.text("Arquivo ", rx.text.strong(u.file_name), " recebido: ", u.opened, " glosa(s) do protocolo ",
                    u.protocol, " recorrida(s), ", u.total, " contestados. Protocolo do recurso ",
                    rx.text.strong(u.appeal_protocol), "."),
            reply,
            spacing="2",
        ),
        color_scheme="green", high_contrast=True, width="100%", id="appeal-upload-accepted",
    )
    refused = rx.vstack(
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text("Arquivo ", rx.text.strong(u.file_name), " recusado com ", u.error_count, " erro(s). "
                        "Nenhuma glosa foi recorrida; corrija o arquivo e envie novamente."),
                rx.text("MD5 do arquivo: ", u.md5, size="1"),
                reply,
                spacing="2",
            ),
            color_scheme="red", high_contrast=True, width="100%", id="appeal-upload-refused",
        ),
        error_groups_view(ProviderAppealsState.upload_errors),
        width="100%",
    )
    return rx.cond(u.shown, rx.cond(u.accepted, accepted, refused))


def _upload() -> rx.Component:
    zone = named_file_input(rx.upload.root(
        rx.vstack(
            rx.icon("file-up", size=28, color=rx.color("accent", 9), aria_hidden="true"),
            rx.text("Arraste o arquivo RECURSO_GLOSA aqui ou clique para escolher", weight="bold", size="2"),
            rx.foreach(rx.selected_files(APPEAL_UPLOAD_ID),
                       lambda name: rx.badge(name, id="selected-appeal-file", high_contrast=True)),
            align="center", spacing="1", padding="1em",
        ),
        id=APPEAL_UPLOAD_ID, accept={"application/xml": [".xml"], "text/xml": [".xml"]}, multiple=False,
        max_files=1, border=f"2px dashed {rx.color('accent', 7)}", border_radius="10px", width="100%",
        cursor="pointer",
    ), "Arquivo XML do recurso de glosa")
    return rx.card(
        rx.vstack(
            rx.heading("Enviar recurso em XML", size="3", as_="h2"),
            rx.text("Em vez de recorrer item a item no Acompanhamento, envie a mensagem TISS 4.03.00 RECURSO_GLOSA "
                    "gerada pelo seu sistema. Ela é conferida como um lote: hash, schema, protocolo e guias seus, "
                    "código e valor de cada glosa.", size="2", color_scheme="gray"),
            zone,
            rx.hstack(
                rx.button(rx.icon("send", size=14), "Enviar recurso", id="send-appeal-xml",
                          loading=ProviderAppealsState.uploading,
                          on_click=[ProviderAppealsState.start_sending, ProviderAppealsState.handle_appeal_upload(
                              rx.upload_files(upload_id=APPEAL_UPLOAD_ID))]),
                rx.button("Limpar", variant="soft", color_scheme="gray",
                          on_click=rx.clear_selected_files(APPEAL_UPLOAD_ID)),
                spacing="3", wrap="wrap",
            ),
            _upload_result(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="appeal-upload",
    )


def provider_appeals_page() -> rx.Component:
    return page_shell(
        routes.PROVIDER_APPEALS,
        _chips(),
        _table(),
        pager(ProviderAppealsState.page, ProviderAppealsState.page_count, ProviderAppealsState.total,
              ProviderAppealsState.go_to_page),
        _upload(),
        heading="Acompanhamento › Recursos de glosa",
    )
