"""A browser tab as the websocket sees it: events go through Reflex's own event processor.

`Tab.send(name, payload)` is what `EventNamespace.on_event` does with a socket.io "event" message:
the handler is looked up by its full name in the app's registry, its payload transformed by the
handler's annotations, run on the tab's state tree under its lock, and what it sends back (state
deltas, redirects, toasts, downloads) is captured instead of emitted. An exception the handler does
not catch is captured too (Reflex would show it in a toast).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from typing import Any

import reflex as rx
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex_base.constants import RouteVar
from reflex_base.event import Event
from reflex_base.event.processor import BaseStateEventProcessor
from reflex_base.registry import RegistrationContext

from copass_app.copass_app import app
from copass_app.state.auth import AuthState


@dataclasses.dataclass
class Outcome:
    """Everything one crafted event made the server send to the tab."""

    events: list[Event] = dataclasses.field(default_factory=list)  # frontend events: _redirect, toasts, ...
    deltas: list[dict] = dataclasses.field(default_factory=list)
    errors: list[BaseException] = dataclasses.field(default_factory=list)

    @property
    def redirects(self) -> list[str]:
        return [str(e.payload.get("path", "")) for e in self.events if e.name == "_redirect"]

    def text(self) -> str:
        """All of it as one text, to look for data that must not reach this tab."""
        return json.dumps([[e.name, e.payload] for e in self.events] + self.deltas, default=str, ensure_ascii=False)

    def shape(self) -> str:
        """What the tab would show, for comparing two answers (toast ids and tokens left out)."""
        return _normalised(self.text())


def _normalised(text: str) -> str:
    import re

    return re.sub(r'"id": "[^"]*"', '"id": "…"', text)


def registered_handlers() -> dict[str, Any]:
    """The app's own registry: full event name -> RegisteredEventHandler, as the websocket resolves them."""
    return dict(RegistrationContext.get().event_handlers)


def full_name(state_cls: type[rx.State], handler: str) -> str:
    return f"{state_cls.get_full_name()}.{handler}"


class Tab:
    """One tab of a browser holding `session_token` in its local storage, on page `path`.

    Its state tree lives across `send`s (as on the server), so a sequence of events can be replayed.
    """

    def __init__(self, session_token: str, path: str = "/") -> None:
        self.session_token = session_token
        self.path = path
        self.client_token = str(uuid.uuid4())
        self._loop = asyncio.new_event_loop()
        self._manager = StateManagerMemory()
        self._opened = False

    def close(self) -> None:
        # The state manager's expiry task is cancelled on this loop: a pending task destroyed with its loop
        # is finalised later by the garbage collector, which once broke pytest's own reporting.
        self._loop.run_until_complete(self._manager.close())
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def __enter__(self) -> Tab:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, name: str, payload: dict | None = None) -> Outcome:
        return self._loop.run_until_complete(self._send(name, payload or {}))

    def _router_data(self) -> dict:
        return {RouteVar.PATH: self.path, RouteVar.ORIGIN: self.path, RouteVar.QUERY: {},
                RouteVar.CLIENT_TOKEN: self.client_token, RouteVar.HEADERS: {}, RouteVar.SESSION_ID: "sid"}

    async def _open(self) -> None:
        """A tab that already loaded its page: hydrated, its local storage token synced to AuthState."""
        async with self._manager.modify_state(BaseStateToken(ident=self.client_token, cls=rx.State)) as root:
            root.router_data = root._update_router_vars(self._router_data(), {})
            root.is_hydrated = True
            (await root.get_state(AuthState)).session_token = self.session_token
            root._clean()
        self._opened = True

    async def _send(self, name: str, payload: dict) -> Outcome:
        if not self._opened:
            await self._open()
        outcome = Outcome()

        processor = BaseStateEventProcessor(middleware=app, backend_exception_handler=outcome.errors.append)
        processor.configure(state_manager=self._manager)

        async def emit_delta(_token, delta):
            outcome.deltas.append(json.loads(json.dumps(delta, default=str)))

        async def emit_event(_token, *events):
            outcome.events.extend(events)

        processor._root_context = dataclasses.replace(  # capture what would be emitted to the socket
            processor._root_context, emit_delta_impl=emit_delta, emit_event_impl=emit_event)
        async with processor:
            future = await processor.enqueue(self.client_token, Event(name=name, router_data=self._router_data(),
                                                                         payload=payload))
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout=60)
            except Exception as error:  # recorded: the matrix asserts there is none
                if error not in outcome.errors:
                    outcome.errors.append(error)
            await processor.join()
        return outcome
