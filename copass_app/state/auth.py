"""Session state shared by every page, and the one path from an event handler to the database.

Every handler that reads or writes the database calls `call_service`: in a worker thread, one
unit of work checks the session token, the role, then runs the service, and returns plain data.
The handler assigns it to its vars back on the event loop, so a slow query stalls only the user
who asked for it. Imports nothing else of the app's states.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from copass_app import routes
from copass_app.routes import Audience
from copass_app.services import auth as auth_service
from copass_app.services.access import Actor
from copass_app.services.demo_reset import holds_demo_data
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.unit_of_work import TracedRefusal, perform

T = TypeVar("T")
TOAST_MS = 8000


@dataclass(frozen=True)
class SessionUser:
    """What the header shows of the logged-in user."""

    name: str
    login: str
    provider_name: str
    is_staff: bool

    @classmethod
    def of(cls, actor: Actor) -> SessionUser:
        return cls(actor.name, actor.login, actor.provider_name, actor.is_staff)


NOBODY = SessionUser("", "", "", False)


async def run_unit(action: Callable[[Session], T], *, retries: int = 0) -> T:
    """`perform(action)` in a worker thread: the event loop keeps serving the other users meanwhile."""
    return await asyncio.to_thread(perform, action, retries=retries)


class AuthState(rx.State):
    # Only a random token lives in the browser; the server decides what it is worth.
    session_token: str = rx.LocalStorage("", name="copass_session", sync=True)
    user_name: str = ""
    user_login: str = ""
    provider_name: str = ""
    is_staff: bool = False
    is_demo: bool = False  # the header's "Dados de demonstração" badge (services/demo_reset.holds_demo_data)
    # The last session check of this tab (backend only): see `call_service(..., cached_session=True)`.
    _checked_token: str = ""
    _checked_actor: Actor | None = None
    _checked_at: float = 0.0

    def _show_user(self, user: SessionUser | None) -> None:
        """Private (leading underscore): a public method of a state is an event handler, callable by a crafted event."""
        user = user or NOBODY
        # Assign only on change: every assignment sends the header's vars to the browser again.
        if (user.name, user.login, user.provider_name, user.is_staff) != (
                self.user_name, self.user_login, self.provider_name, self.is_staff):
            self.user_name, self.user_login = user.name, user.login
            self.provider_name, self.is_staff = user.provider_name, user.is_staff

    @rx.event
    async def logout(self):
        token, source = self.session_token, client_address(self)
        if token:  # not call_service: an expired session still says "Sair", and its redirect is not wanted
            await run_unit(lambda db: auth_service.logout(db, token, source=source))
        await forget_page_states(self)
        return rx.redirect(routes.LOGIN.path, replace=True)


def client_address(state: rx.State) -> str:
    """The browser's address as the backend sees it (behind a proxy, set Reflex's `trusted_proxy_hops`)."""
    return str(state.router.session.client_ip or "")


def _app_states(state_class: type[rx.State]) -> list[type[rx.State]]:
    found = []
    for substate in state_class.get_substates():
        if substate.__module__.startswith("copass_app."):
            found.append(substate)
        found.extend(_app_states(substate))
    return found


async def forget_page_states(state: rx.State) -> None:
    """Every page state of this browser back to its defaults (logout, login, session gone): the rows a
    previous user saw leave the server's state and, as the reset is sent, the page in the browser."""
    for state_class in _app_states(rx.State):
        (await state.get_state(state_class)).reset()


@dataclass(frozen=True)
class _Checked:
    user: SessionUser | None  # None: no live session
    allowed: bool = False
    result: Any = None
    actor: Actor | None = None
    demo: bool = False  # the database holds the demo data


def _may_enter(actor: Actor, audience: Audience | None) -> bool:
    if audience == Audience.STAFF:
        return actor.is_staff
    if audience == Audience.PROVIDER:
        return not actor.is_staff
    return True  # public pages, or any logged-in user


SESSION_RECHECK_SECONDS = 5.0
# Set for the length of one cheap event (a page of a list): its call_service takes the cached check.
_CHEAP_EVENT: ContextVar[bool] = ContextVar("copass_cheap_event", default=False)


@contextmanager
def cheap_event() -> Iterator[None]:
    """Within this block (one event handler's awaits), `call_service` reuses the tab's recent session
    check as with `cached_session=True`: `PagedState.go_to_page` wraps each list's `_reload` in it."""
    reset = _CHEAP_EVENT.set(True)
    try:
        yield
    finally:
        _CHEAP_EVENT.reset(reset)


async def call_service(state: rx.State, action: Callable[[Session, Actor], T], *,
                       audience: Audience | None = Audience.PROVIDER, retries: int = 0,
                       cached_session: bool = False, refusal_as_value: bool = False) -> tuple[T | None, Any]:
    """Run `action(db, actor)` for the logged-in user, off the event loop: (its result, the event to return).

    `audience` is the role the action is for (None: any logged-in user). No live session redirects
    to the login (coming back here afterwards), the wrong role to that user's home, and a refusal
    becomes a toast with its Portuguese message. `retries` goes to `perform` (lost races).

    `cached_session`: for frequent, undoable events (a checkbox, a date, a page of a list): the
    session this tab checked less than SESSION_RECHECK_SECONDS ago, for the same token, is taken
    without its queries. A logout elsewhere, an expiry or a deactivation then takes effect within
    those seconds; everything else (confirmations, estornos, uploads: the default) checks every time.

    `refusal_as_value`: a refusal comes back as the DomainError itself in place of its toast, for a
    page that says it beside the field (nothing was written either way).
    """
    auth = await state.get_state(AuthState)
    token = auth.session_token
    fresh = time.time() - auth._checked_at < SESSION_RECHECK_SECONDS and auth._checked_token == token
    cached = auth._checked_actor if (cached_session or _CHEAP_EVENT.get()) and token and fresh else None

    def checked_action(db: Session) -> _Checked:
        actor = cached or auth_service.actor_for_token(db, token)
        if actor is None:
            return _Checked(None)
        if not _may_enter(actor, audience):
            return _Checked(SessionUser.of(actor))
        user = SessionUser.of(actor)
        demo = holds_demo_data(db)  # cached: one query a minute per process
        try:
            return _Checked(user, True, action(db, actor), actor, demo)
        except TracedRefusal as refusal:  # the trace's result (a refused lot's outcome) is the action's result
            write_trace = refusal.write_trace
            raise TracedRefusal(lambda trace_db: _Checked(user, True, write_trace(trace_db), actor, demo)) from None

    try:
        checked = await run_unit(checked_action, retries=retries)
    except DomainError as error:
        return None, error if refusal_as_value else rx.toast.error(str(error), duration=TOAST_MS)
    auth._show_user(checked.user)
    if checked.allowed and auth.is_demo != checked.demo:
        auth.is_demo = checked.demo
    if cached is None:
        auth._checked_token, auth._checked_at = token, time.time()  # wall clock: a tab may move between workers
        auth._checked_actor = checked.actor
    if checked.user is None:
        if token:  # the session this browser held ended or expired: nothing of its user stays
            await forget_page_states(state)
        return None, rx.redirect(routes.login_path(state.router.url.path), replace=True)
    if not checked.allowed:
        return None, rx.redirect(routes.home_for(checked.user.is_staff), replace=True)
    return checked.result, None


def record_id(value: object) -> int:
    """An id sent by the browser: anything but digits is treated as a record that does not exist."""
    text = str(value).strip()
    # isdigit() accepts "²" and other digits int() refuses; past 18 digits no id exists (and SQLite overflows).
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound("Registro não encontrado.")
    return int(text)


def page_number(value: object, page_count: int) -> int:
    text = str(value).strip()
    page = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 1
    return max(1, min(page, page_count))
