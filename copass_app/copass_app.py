"""The Reflex app: the pages of the route registry with their components and on_load handlers, and the
HTTP API for providers' software."""

from __future__ import annotations

import gc

import reflex as rx

from copass_app import routes
from copass_app.api import api_app
from copass_app.backend_errors import backend_error_toast
from copass_app.components.feedback import connection_banner
from copass_app.components.shell import FAVICON
from copass_app.pages.account import account_page
from copass_app.pages.analysis import analysis_page
from copass_app.pages.appeals import provider_appeals_page
from copass_app.pages.appeals_staff import appeals_queue_page
from copass_app.pages.attendances import attendances_page
from copass_app.pages.audit import audit_page
from copass_app.pages.batches import batches_page
from copass_app.pages.billing import billing_page
from copass_app.pages.closing import closing_page
from copass_app.pages.critique import critique_page
from copass_app.pages.dashboard import dashboard_page, staff_dashboard_page
from copass_app.pages.guides import guides_page
from copass_app.pages.integration import integration_page
from copass_app.pages.login import login_page
from copass_app.pages.not_found import TITLE as NOT_FOUND_TITLE
from copass_app.pages.not_found import not_found_page
from copass_app.pages.payments import payments_page
from copass_app.pages.payments_provider import provider_payments_page
from copass_app.pages.reports import REPORT_PAGES
from copass_app.pages.staff import received_batches_page, staff_home_page
from copass_app.pages.uploads import upload_history_page, upload_page
from copass_app.state.account import AccountState
from copass_app.state.analysis import AnalysisState
from copass_app.state.appeals import ProviderAppealsState
from copass_app.state.appeals_staff import AppealsQueueState
from copass_app.state.attendances import AttendancesState
from copass_app.state.audit import AuditState
from copass_app.state.batches import BatchesState
from copass_app.state.billing import BillingState
from copass_app.state.closing import ClosingState
from copass_app.state.critique import CritiqueState
from copass_app.state.dashboard import ProviderDashboardState, StaffDashboardState
from copass_app.state.guard import EventArgumentGuard
from copass_app.state.guides import GuidesState
from copass_app.state.home import HomeState
from copass_app.state.login import LoginState
from copass_app.state.payments import PaymentsState
from copass_app.state.payments_provider import ProviderPaymentsState
from copass_app.state.reports import ProviderReportsState, StaffReportsState
from copass_app.state.staff import ReceivedBatchesState, StaffHomeState
from copass_app.state.uploads import ApiTokensState, UploadHistoryState, UploadState
from copass_app.tiss.schema import verify_schema_pins

# Refuse to start when the official XSD files differ from the pinned ones (schemas/).
verify_schema_pins()


def _redirecting() -> rx.Component:
    return rx.center(rx.spinner(), height="100vh")


# What each route of the registry shows and loads.
PAGES = {
    routes.HOME.path: (_redirecting, HomeState.on_load),
    routes.LOGIN.path: (login_page, LoginState.on_load),
    routes.DASHBOARD.path: (dashboard_page, ProviderDashboardState.on_load),
    routes.STAFF_DASHBOARD.path: (staff_dashboard_page, StaffDashboardState.on_load),
    routes.GUIDES.path: (guides_page, GuidesState.on_load),
    routes.BILLING.path: (billing_page, BillingState.on_load),
    routes.ATTENDANCES.path: (attendances_page, AttendancesState.on_load),
    routes.CLOSING.path: (closing_page, ClosingState.on_load),
    routes.XML_UPLOAD.path: (upload_page, UploadState.on_load),
    routes.BATCHES.path: (batches_page, BatchesState.on_load),
    routes.UPLOAD_HISTORY.path: (upload_history_page, UploadHistoryState.on_load),
    routes.PROVIDER_APPEALS.path: (provider_appeals_page, ProviderAppealsState.on_load),
    routes.PROVIDER_PAYMENTS.path: (provider_payments_page, ProviderPaymentsState.on_load),
    routes.API_TOKENS.path: (integration_page, ApiTokensState.on_load),
    routes.STAFF_HOME.path: (staff_home_page, StaffHomeState.on_load),
    routes.RECEIVED_BATCHES.path: (received_batches_page, ReceivedBatchesState.on_load),
    routes.BATCH_ANALYSIS.path: (analysis_page, AnalysisState.on_load),
    routes.APPEALS_QUEUE.path: (appeals_queue_page, AppealsQueueState.on_load),
    routes.PAYMENTS.path: (payments_page, PaymentsState.on_load),
    routes.CRITIQUE.path: (critique_page, CritiqueState.on_load),
    routes.AUDIT.path: (audit_page, AuditState.on_load),
    **{r.path: (REPORT_PAGES[r.path], ProviderReportsState.on_load) for r in routes.PROVIDER_REPORTS},
    **{r.path: (REPORT_PAGES[r.path], StaffReportsState.on_load) for r in routes.STAFF_REPORTS},
    routes.ACCOUNT.path: (account_page, AccountState.on_load),
}

app = rx.App(
    html_lang="pt-BR",
    stylesheets=["/contrast.css", "/tables.css"],  # assets/contrast.css: accent shades that meet WCAG AA
    head_components=[
        rx.el.meta(name="robots", content="noindex"),
        rx.el.link(rel="icon", href=FAVICON, type="image/svg+xml"),
        rx.script(src="/scroll_regions.js"),  # assets/scroll_regions.js: wide tables scroll with the keyboard
    ],
    api_transformer=api_app(),
    backend_exception_handler=backend_error_toast,  # Portuguese, not Reflex's English toast
)
# Crafted events whose arguments a handler cannot take get "Requisição inválida." and run nothing.
app.add_middleware(EventArgumentGuard())

# Portuguese instead of Reflex's English: the connection banner replaces its toast and pulser (the
# "Overlay" app wrap), and the "404" route is the portal's own page.
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_banner() if stateful else None
app.add_page(not_found_page, route="404", title=NOT_FOUND_TITLE,
             description="O endereço não existe no Portal do Prestador.")

for route in routes.ROUTES:
    component, on_load = PAGES[route.path]
    app.add_page(component, route=route.path, on_load=on_load, title=routes.page_title(route))

# Everything built so far (modules, the pages' component trees, the states' classes) lives as long as the
# worker: out of the collector's reach, a full collection scans only what events create. Measured under
# load before: full collections of ~200,000 objects every minute or so, each pausing the worker ~150 ms.
gc.freeze()
