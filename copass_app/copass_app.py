"""The Reflex app: pages, their routes and on_load handlers, and the HTTP API for providers' software."""

from __future__ import annotations

import reflex as rx

from copass_app.api import api_app
from copass_app.pages.batches import batches_page
from copass_app.pages.billing import billing_page
from copass_app.pages.guides import guides_page
from copass_app.pages.login import login_page
from copass_app.pages.staff import received_batches_page, staff_home_page
from copass_app.pages.uploads import api_tokens_page, upload_history_page, upload_page
from copass_app.state.batches import BatchesState
from copass_app.state.billing import BillingState
from copass_app.state.guides import GuidesState
from copass_app.state.home import HomeState
from copass_app.state.login import LoginState
from copass_app.state.staff import ReceivedBatchesState, StaffHomeState
from copass_app.state.uploads import ApiTokensState, UploadHistoryState, UploadState
from copass_app.tiss.schema import verify_schema_pins

# Refuse to start when the official XSD files differ from the pinned ones (schemas/).
verify_schema_pins()

app = rx.App(
    head_components=[rx.el.meta(name="robots", content="noindex")],
    api_transformer=api_app(),
)

PAGES = [
    ("/", lambda: rx.center(rx.spinner(), height="100vh"), HomeState.on_load, "Portal do Prestador"),
    ("/login", login_page, LoginState.on_load, "Entrar"),
    ("/guias", guides_page, GuidesState.on_load, "Procedimentos solicitados"),
    ("/faturamento", billing_page, BillingState.on_load, "Faturamento de atendimentos"),
    ("/envio-xml", upload_page, UploadState.on_load, "Envio de arquivo XML"),
    ("/acompanhamento", batches_page, BatchesState.on_load, "Acompanhamento dos faturamentos"),
    ("/acompanhamento/envios", upload_history_page, UploadHistoryState.on_load, "Envios de XML"),
    ("/integracao", api_tokens_page, ApiTokensState.on_load, "Integração (API)"),
    ("/operadora", staff_home_page, StaffHomeState.on_load, "Operadora"),
    ("/operadora/lotes", received_batches_page, ReceivedBatchesState.on_load, "Lotes recebidos"),
]
for route, component, on_load, title in PAGES:
    app.add_page(component, route=route, on_load=on_load, title=f"{title} · Portal do Prestador")
