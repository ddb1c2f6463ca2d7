"""The root path sends each user to their home page."""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.state.auth import call_service


class HomeState(rx.State):
    @rx.event
    async def on_load(self):
        is_staff, event = await call_service(self, lambda db, actor: actor.is_staff, audience=None)
        if event is not None:
            return event
        return rx.redirect(routes.home_for(bool(is_staff)), replace=True)
