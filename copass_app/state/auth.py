"""Session state shared by every page: who is logged in. Imports nothing else of the app's states."""

from __future__ import annotations

import reflex as rx

from copass_app.db import session_scope
from copass_app.services import auth as auth_service
from copass_app.services.access import Actor
from copass_app.services.errors import DomainError, NotFound

LOGIN_ROUTE = "/login"
HOME_ROUTE = "/guias"
STAFF_HOME_ROUTE = "/operadora"


class AuthState(rx.State):
    # Only a random token lives in the browser; the server decides what it is worth.
    session_token: str = rx.LocalStorage("", name="copass_session", sync=True)
    user_name: str = ""
    user_login: str = ""
    provider_name: str = ""
    is_staff: bool = False

    def current_actor(self) -> Actor | None:
        """Checked against the session table on every call, so a logout elsewhere takes effect at once."""
        with session_scope() as db:
            actor = auth_service.actor_for_token(db, self.session_token)
        shown = (actor.name, actor.login, actor.provider_name, actor.is_staff) if actor else ("", "", "", False)
        # Assign only on change: every assignment sends the header's vars to the browser again.
        if shown != (self.user_name, self.user_login, self.provider_name, self.is_staff):
            self.user_name, self.user_login, self.provider_name, self.is_staff = shown
        return actor

    def login_redirect(self) -> rx.event.EventSpec:
        return rx.redirect(f"{LOGIN_ROUTE}?next={self.router.url.path}", replace=True)

    @rx.event
    def logout(self):
        if self.session_token:
            with session_scope() as db:
                auth_service.logout(db, self.session_token)
        self.session_token = ""
        self.user_name = self.user_login = self.provider_name = ""
        self.is_staff = False
        return rx.redirect(LOGIN_ROUTE, replace=True)


async def actor_or_redirect(state: rx.State, *, staff: bool = False):
    """(actor, None) for a valid session with the right role, else (None, the redirect to return)."""
    auth = await state.get_state(AuthState)
    actor = auth.current_actor()
    if actor is None:
        return None, auth.login_redirect()
    if staff and not actor.is_staff:
        return None, rx.redirect(HOME_ROUTE, replace=True)
    if not staff and actor.is_staff:
        return None, rx.redirect(STAFF_HOME_ROUTE, replace=True)
    return actor, None


async def call_service(state: rx.State, action, *, staff: bool = False):  # noqa: ANN001, ANN201
    """Run `action(db, actor)` for the logged-in user in one transaction: (result, event to return).

    A missing session redirects to the login; a refusal becomes a toast with its Portuguese message.
    """
    actor, redirect = await actor_or_redirect(state, staff=staff)
    if redirect:
        return None, redirect
    try:
        with session_scope() as db:
            return action(db, actor), None
    except DomainError as error:
        return None, rx.toast.error(str(error), duration=8000)


def record_id(value: object) -> int:
    """An id sent by the browser: anything but digits is treated as a record that does not exist."""
    text = str(value).strip()
    if not text.isdigit():
        raise NotFound("Registro não encontrado.")
    return int(text)


def page_number(value: object, page_count: int) -> int:
    try:
        page = int(value)
    except (TypeError, ValueError):
        page = 1
    return max(1, min(page, page_count))
