"""The root path sends each user to their home page."""

from __future__ import annotations

import reflex as rx

from copass_app.state.auth import HOME_ROUTE, LOGIN_ROUTE, STAFF_HOME_ROUTE, AuthState


class HomeState(rx.State):
    @rx.event
    async def on_load(self):
        auth = await self.get_state(AuthState)
        actor = auth.current_actor()
        if actor is None:
            return rx.redirect(LOGIN_ROUTE, replace=True)
        return rx.redirect(STAFF_HOME_ROUTE if actor.is_staff else HOME_ROUTE, replace=True)
