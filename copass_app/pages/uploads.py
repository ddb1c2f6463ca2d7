""""Envio de arquivo XML" and "Acompanhamento › Envios" ("Integração (API)" is pages/integration.py)."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import empty_state, loaded_or_skeleton
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.components.ui import pager, status_badge
from copass_app.pages.glosa_preview import preview_button, preview_panel
from copass_app.services.retention import PURGED_NOTE
from copass_app.state.uploads import UPLOAD_ID, UploadHistoryState, UploadLine, UploadState
from copass_app.vocabulary import UPLOAD_RESULT


def error_groups_view(groups: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.foreach(groups, lambda group: rx.vstack(
            rx.heading(group.title, size="3"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Código", "Descrição TISS", "Linha", "Mensagem")])),
                rx.table.body(rx.foreach(group.errors, lambda e: rx.table.row(
                    rx.table.cell(rx.badge(e.code, color_scheme="red", high_contrast=True)),
                    rx.table.cell(e.description, size="1"),
                    rx.table.cell(e.line),
                    rx.table.cell(rx.vstack(rx.text(e.message, size="2"),
                                            rx.text(e.path, size="1", color_scheme="gray"), spacing="0")),
                    class_name="upload-error",
                ))),
                size="1",
                width="100%",
            ),
            width="100%",
            spacing="2",
        )),
        width="100%",
        spacing="4",
        id="error-groups",
    )


def named_file_input(zone: rx.Component, name: str) -> rx.Component:
    """The dropzone's hidden <input type=file> gets an accessible name (Reflex renders it unnamed)."""
    stack = [zone]
    while stack:
        component = stack.pop()
        if getattr(component, "type", None) is not None and str(component.type).strip('"') == "file":
            component.custom_attrs["aria-label"] = name
            return zone
        stack.extend(getattr(component, "children", []))
    return zone


def _drop_zone() -> rx.Component:
    return named_file_input(rx.upload.root(
        rx.vstack(
            rx.icon("file-up", size=36, color=rx.color("accent", 9)),
            rx.text("Arraste o arquivo XML do lote aqui ou clique para escolher", weight="bold"),
            rx.text("Lote TISS 4.03.00 (ENVIO_LOTE_GUIAS), até 100 guias de um tipo, no máximo 20 MB.",
                    size="2", color_scheme="gray"),
            rx.foreach(rx.selected_files(UPLOAD_ID),
                       lambda name: rx.badge(name, id="selected-file", high_contrast=True)),
            align="center",
            spacing="2",
            padding="2em",
        ),
        id=UPLOAD_ID,
        accept={"application/xml": [".xml"], "text/xml": [".xml"]},
        multiple=False,
        max_files=1,
        max_size=20_000_000,
        border=f"2px dashed {rx.color('accent', 7)}",
        border_radius="10px",
        width="100%",
        cursor="pointer",
    ), "Arquivo XML do lote")


def _result() -> rx.Component:
    r = UploadState.result
    accepted = rx.callout.root(
        rx.callout.icon(rx.icon("circle-check")),
        rx.vstack(
            rx.text("Arquivo ", rx.text.strong(r.file_name), " aceito: protocolo ",
                    rx.text.strong(r.protocol, id="upload-protocol"), " · ", r.guides, " guia(s)."),
            rx.hstack(
                rx.button(rx.icon("file-down", size=14), "Protocolo (PDF)", size="1", variant="soft",
                          on_click=UploadState.download("protocol", r.batch_id), id="download-upload-protocol"),
                rx.button(rx.icon("file-code", size=14), "Protocolo TISS (XML)", size="1", variant="soft",
                          on_click=UploadState.download("receipt", r.upload_id)),
                preview_button(UploadState.run_batch_preview(r.batch_id), UploadState.preview_running,
                               element_id="run-batch-preview"),
                rx.link("Ver em Acompanhamento", href=routes.BATCHES.path, size="2"),
                align="center",
                wrap="wrap",
            ),
            spacing="2",
        ),
        color_scheme="green",
        high_contrast=True,
        width="100%",
        id="upload-accepted",
    )
    refused = rx.vstack(
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text("Arquivo ", rx.text.strong(r.file_name), " recusado com ", r.error_count,
                        " erro(s). Nada foi faturado; corrija o arquivo e envie novamente."),
                rx.text("MD5 do arquivo: ", r.md5, size="1"),
                rx.button(rx.icon("printer", size=14), "Relatório de erros (PDF)", size="1", variant="soft",
                          on_click=UploadState.download("error_report", r.upload_id), id="download-error-report"),
                spacing="2",
            ),
            color_scheme="red",
            high_contrast=True,
            width="100%",
            id="upload-refused",
        ),
        error_groups_view(UploadState.error_groups),
        width="100%",
    )
    return rx.cond(r.accepted, rx.vstack(accepted, preview_panel(UploadState), width="100%", spacing="3"), refused)


def upload_page() -> rx.Component:
    return page_shell(
        routes.XML_UPLOAD,
        _drop_zone(),
        rx.hstack(
            rx.button(rx.icon("send", size=16), "Enviar arquivo", id="send-xml", loading=UploadState.uploading,
                      on_click=[UploadState.start_sending, UploadState.handle_upload(
                          rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=UploadState.on_progress))]),
            rx.button("Limpar", variant="soft", color_scheme="gray", on_click=rx.clear_selected_files(UPLOAD_ID)),
            rx.cond(UploadState.uploading, rx.hstack(
                rx.progress(value=UploadState.progress, width="12em", aria_label="Envio do arquivo"),
                rx.text(rx.cond(UploadState.progress >= 100, "Conferindo o lote…", "Enviando…"), size="2",
                        color_scheme="gray"),
                align="center", role="status", id="upload-progress",
            )),
            rx.spacer(),
            rx.link("Histórico de envios", href=routes.UPLOAD_HISTORY.path),
            rx.link("Integração (API)", href=routes.API_TOKENS.path),
            align="center",
            width="100%",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(UploadState.has_result, _result()),
    )


def _history_row(row: UploadLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.file_name),
        rx.table.cell(row.size, white_space="nowrap"),
        rx.table.cell(row.received_at, white_space="nowrap"),
        rx.table.cell(row.user),
        rx.table.cell(rx.tooltip(rx.code(row.md5_short, size="1", color_scheme="gray", high_contrast=True),
                                 content=row.md5)),
        rx.table.cell(status_badge(UPLOAD_RESULT, row.result)),
        rx.table.cell(row.errors, text_align="right"),
        rx.table.cell(row.protocol),
        actions_cell(
            rx.cond(
                row.accepted,
                rx.fragment(
                    rx.button("Protocolo", size="1", variant="soft",
                              on_click=UploadHistoryState.download("protocol", row.batch_id)),
                    rx.button("XML TISS", size="1", variant="soft",
                              on_click=UploadHistoryState.download("receipt", row.id)),
                ),
                rx.fragment(
                    rx.button("Erros", size="1", variant="soft", color_scheme="red",
                              on_click=UploadHistoryState.show_errors(row.id, row.file_name)),
                    rx.button("Relatório", size="1", variant="soft", color_scheme="red",
                              on_click=UploadHistoryState.download("error_report", row.id)),
                ),
            ),
            rx.cond(
                row.file_purged,
                rx.text(PURGED_NOTE, size="1", color_scheme="gray", class_name="file-purged"),
                rx.button("Original", size="1", variant="soft", color_scheme="gray",
                          on_click=UploadHistoryState.download("original", row.id)),
            ),
        ),
        class_name="upload-row",
    )


def _history_table() -> rx.Component:
    headers = ["Arquivo", "Tamanho", "Enviado em", "Usuário", "MD5", "Resultado", "Erros", "Protocolo", "Ações"]
    return loaded_or_skeleton(UploadHistoryState.loaded, data_table(
        headers, rx.foreach(UploadHistoryState.rows, _history_row), table_id="uploads-table",
        is_empty=UploadHistoryState.rows.length() == 0,
        empty=empty_state("Nenhum arquivo XML enviado ainda",
                          "Os lotes enviados pelo portal ou pela API aparecem aqui, aceitos ou recusados.",
                          rx.link("Enviar um lote XML", href=routes.XML_UPLOAD.path), id="uploads-empty"),
    ))


def upload_history_page() -> rx.Component:
    return page_shell(
        routes.UPLOAD_HISTORY,
        _history_table(),
        pager(UploadHistoryState.page, UploadHistoryState.page_count, UploadHistoryState.total,
              UploadHistoryState.go_to_page),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Erros de ", UploadHistoryState.errors_title),
                error_groups_view(UploadHistoryState.error_groups),
                rx.dialog.close(rx.button("Fechar", variant="soft", margin_top="1em")),
                max_width="60em",
            ),
            open=UploadHistoryState.errors_open,
            on_open_change=UploadHistoryState.set_errors_open,
        ),
        heading="Acompanhamento › Envios de XML",
    )
