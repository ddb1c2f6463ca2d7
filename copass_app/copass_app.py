"""The Reflex app: pages, their routes and on_load handlers."""

from __future__ import annotations

import reflex as rx

from copass_app.pages.guides import guides_page
from copass_app.pages.login import login_page
from copass_app.pages.staff import staff_home_page
from copass_app.state.guides import GuidesState
from copass_app.state.home import HomeState
from copass_app.state.login import LoginState
from copass_app.state.staff import StaffHomeState
from copass_app.tiss.schema import verify_schema_pins

# Refuse to start when the official XSD files differ from the pinned ones (schemas/).
verify_schema_pins()

app = rx.App(
    head_components=[rx.el.meta(name="robots", content="noindex")],
)
app.add_page(lambda: rx.center(rx.spinner()), route="/", on_load=HomeState.on_load, title="Portal do Prestador")
app.add_page(login_page, route="/login", on_load=LoginState.on_load, title="Entrar · Portal do Prestador")
app.add_page(guides_page, route="/guias", on_load=GuidesState.on_load, title="Procedimentos solicitados")
app.add_page(staff_home_page, route="/operadora", on_load=StaffHomeState.on_load, title="Operadora")
