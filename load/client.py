"""One simulated provider: a browser tab as the portal's websocket sees it (python-socketio's asyncio client).

What it sends is what the production frontend sends (frames recorded from Chromium on this portal):
- the socket.io connection to `/_event/?token=<tab token>` carries, in its CONNECT packet, the
  `hydrate_and_load` event of the current page with the session token of the browser's local storage;
- an event is `{"name": "<state path>.<handler>", "payload": {...}, "router_data": {"pathname", "asPath"}}`,
  a form's payload is `{"form": {"__reflex_form_data__": [[name, value], ...]}}`;
- a navigation (a menu link, a `_redirect`) sends `update_vars_internal` (the local storage) and
  `on_load_internal` for the new path.
The server answers with `event` messages `{"delta": {substate: {var_rx_state_: value}}, "events": [...]}`;
there is no "done" marker (Reflex 0.10 sends nothing for an event that changed nothing), so each action
waits for the answer that shows it done (a page's `is_hydrated` back to true, its rows, a toast...),
and its latency is from the emit to that answer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from load.stats import Stats

ROOT = "reflex___state____state"
AUTH = f"{ROOT}.copass_app___state___auth____auth_state"
LOGIN = f"{ROOT}.copass_app___state___login____login_state"
GUIDES = f"{ROOT}.copass_app___state___guides____guides_state"
BILLING = f"{ROOT}.copass_app___state___billing____billing_state"
SELECTION = f"{BILLING}.copass_app___state___billing____draft_selection_state"  # checks, dates, totals
HYDRATE = f"{ROOT}.hydrate_and_load"
UPDATE_VARS = f"{ROOT}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD = f"{ROOT}.reflex___state____on_load_internal_state.on_load_internal"
SESSION_TOKEN_VAR = f"{AUTH}.session_token_rx_state_"
NAMESPACE = "/_event"
ANSWER_TIMEOUT = 15.0  # seconds without the awaited answer: the action failed ("sem resposta")
CLOSE_TIMEOUT = 5.0  # seconds a closing tab waits for the server to hear it, then drops the connection


def var(name: str) -> str:
    return f"{name}_rx_state_"


class ActionFailed(Exception):
    """The portal did not do what the user asked (no answer, the socket dropped, a server error)."""


@dataclass
class Waiter:
    done: Callable[[dict], bool]
    future: asyncio.Future


@dataclass
class TabView:
    """What the page holds: every substate's vars as the deltas left them (like the browser's reducers)."""

    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, substate: str, name: str, default: Any = None) -> Any:
        return self.states.get(substate, {}).get(var(name), default)

    def merge(self, delta: dict) -> None:
        for substate, values in delta.items():
            self.states.setdefault(substate, {}).update(values)


def form(**fields: str) -> dict:
    return {"form": {"__reflex_form_data__": [[name, value] for name, value in fields.items()]}}


class Tab:
    """One tab of one provider. `act(name, event, payload, done=...)` sends and waits for the answer."""

    def __init__(self, base_url: str, stats: Stats, *, path: str = "/login") -> None:
        self.base_url = base_url.rstrip("/")
        self.stats = stats
        self.path = path
        self.client_token = str(uuid.uuid4())
        self.session_token = ""
        self.view = TabView()
        self._waiters: list[Waiter] = []
        self._connected = asyncio.Event()
        self._hydrated = asyncio.Event()
        self._closing = False
        self.disconnects = 0
        self.reconnects = 0
        self.redirects: list[str] = []
        self.toasts: list[str] = []
        # Reconnection as the frontend does it (state.js): its own retries, each with the tab's current token
        # and the page's hydrate event; socket.io's own reconnection would keep the first URL's token.
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self._reconnecting: asyncio.Task | None = None
        self.on_rehydrated: Callable[[], None] | None = None
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.sio.on("new_token", self._on_new_token, namespace=NAMESPACE)
        self.new_tokens = 0

    # ---- the socket ------------------------------------------------------------------------
    def _router_data(self) -> dict:
        return {"pathname": self.path, "asPath": self.path}

    def _boot_auth(self) -> dict:
        """The CONNECT packet's payload: the page's hydrate event, with the browser's local storage."""
        payload: dict[str, Any] = {}
        if self.session_token:
            payload["vars"] = {SESSION_TOKEN_VAR: self.session_token}
        return {"event": {"name": HYDRATE, "payload": payload, "router_data": self._router_data()}}

    async def connect(self) -> float:
        """Opens the tab on its page: connected and hydrated; returns the milliseconds it took.

        The page then holds only what the server sent back (as a reload would): after a reconnect, what the
        tab shows is the state the server found for it."""
        start = time.perf_counter()
        self._hydrated.clear()
        self._closing = False
        self.view.states.clear()
        await self.sio.connect(f"{self.base_url}?token={self.client_token}", namespaces=[NAMESPACE],
                               transports=["websocket"], socketio_path="_event", auth=self._boot_auth(),
                               wait_timeout=ANSWER_TIMEOUT)
        await asyncio.wait_for(self._hydrated.wait(), ANSWER_TIMEOUT)
        return (time.perf_counter() - start) * 1000

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        try:
            await asyncio.wait_for(self.sio.disconnect(), CLOSE_TIMEOUT)
        except Exception as error:  # counted in the run's figures, as a failed reconnect attempt's is
            self.stats.event("socket", f"fechamento falhou ({type(error).__name__})")

    async def _on_connect(self) -> None:
        self._connected.set()

    async def _on_disconnect(self, *_reason) -> None:
        self._connected.clear()
        self._hydrated.clear()
        if self._closing:
            return
        self.disconnects += 1
        self.stats.event("socket", "desconexões")
        for waiter in self._waiters:  # what was in flight is lost with the connection
            if not waiter.future.done():
                waiter.future.set_exception(ActionFailed("conexão perdida"))
        self._waiters.clear()
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        """Retries with the frontend's backoff (200 ms × failed attempts, up to 10) until the page is back."""
        lost_at = time.perf_counter()
        attempts = 0
        await asyncio.sleep(0.05)  # let the client finish closing the old connection
        while not self._closing:
            try:
                await self.connect()
            except Exception:
                attempts = min(attempts + 1, 10)
                try:
                    await self.sio.disconnect()
                except Exception as error:  # the half-open client of the failed attempt: said, then retried
                    self.stats.event("reconnect", f"desconexão da tentativa falhou ({type(error).__name__})")
                await asyncio.sleep(0.2 * attempts)
                continue
            self.reconnects += 1
            self.stats.latency("reconnect", (time.perf_counter() - lost_at) * 1000)
            if self.on_rehydrated is not None:
                self.on_rehydrated()
            return

    async def _on_new_token(self, token: str) -> None:
        """The server saw this tab's token still linked to another socket (a duplicated tab, or the record of a
        connection not cleaned up yet): as the browser does, the tab goes on under the new token — with a
        fresh page state on the server (the session token of the local storage still logs it in)."""
        self.client_token = str(token)
        self.new_tokens += 1
        self.stats.event("socket", "novo token de aba")

    async def _on_event(self, update: dict) -> None:
        delta = update.get("delta") or {}
        self.view.merge(delta)
        if delta.get(ROOT, {}).get(var("is_hydrated")) is True:
            self._hydrated.set()
        token = delta.get(AUTH, {}).get(var("session_token"))
        if token is not None:
            self.session_token = token
        for event in update.get("events") or []:
            name = event.get("name")
            if name == "_redirect":
                self.redirects.append(str(event.get("payload", {}).get("path", "")))
            elif name in ("_call_function", "_call_script"):
                self.toasts.append(str(event.get("payload", "")))
        for waiter in list(self._waiters):
            if not waiter.future.done() and waiter.done(update):
                waiter.future.set_result(time.perf_counter())
                self._waiters.remove(waiter)

    # ---- actions ---------------------------------------------------------------------------
    async def send(self, name: str, payload: dict | None = None) -> None:
        event = {"name": name, "router_data": self._router_data()}
        if payload:
            event["payload"] = payload
        await self.sio.emit("event", event, namespace=NAMESPACE)

    async def act(self, action: str, events: list[tuple[str, dict | None]], done: Callable[[dict], bool],
                  *, timeout: float = ANSWER_TIMEOUT) -> dict | None:
        """Sends `events` in order and waits for the answer `done` accepts; records the latency under `action`.

        Returns the answer, or None when the action failed (recorded as an error)."""
        if not self._connected.is_set():
            try:
                await asyncio.wait_for(self._connected.wait(), timeout)
                await asyncio.wait_for(self._hydrated.wait(), timeout)
            except TimeoutError:
                self.stats.error(action, "sem conexão")
                return None
        loop = asyncio.get_running_loop()
        answer: dict = {}

        def accept(update: dict) -> bool:
            if done(update):
                answer.update(update)
                return True
            return False

        waiter = Waiter(accept, loop.create_future())
        self._waiters.append(waiter)
        start = time.perf_counter()
        try:
            for name, payload in events:
                await self.send(name, payload)
            finished = await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            self.stats.error(action, "sem resposta")
            return None
        except (ActionFailed, socketio.exceptions.SocketIOError) as error:
            self.stats.error(action, str(error) or type(error).__name__)
            return None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        self.stats.latency(action, (finished - start) * 1000)
        return answer

    async def navigate(self, action: str, path: str) -> dict | None:
        """A menu link: the new path, the local storage sync and the page's on_load, until hydrated again."""
        self.path = path
        return await self.act(action, [(UPDATE_VARS, {"vars": {SESSION_TOKEN_VAR: self.session_token}}),
                                       (ON_LOAD, None)],
                              done=lambda u: u.get("delta", {}).get(ROOT, {}).get(var("is_hydrated")) is True)


def touches(substate: str, *names: str) -> Callable[[dict], bool]:
    """An answer whose delta sets one of `names` of `substate` (any of its vars when none is named)."""
    wanted = {var(n) for n in names}

    def done(update: dict) -> bool:
        values = (update.get("delta") or {}).get(substate)
        return values is not None and (not wanted or bool(wanted & values.keys()))

    return done


def any_of(*checks: Callable[[dict], bool]) -> Callable[[dict], bool]:
    return lambda update: any(check(update) for check in checks)


def has_event(*names: str) -> Callable[[dict], bool]:
    return lambda update: any(e.get("name") in names for e in update.get("events") or [])
