"""What one simulated provider does, one action every `interval` seconds, as a person at the portal would.

Log in, then round after round: Procedimentos solicitados (next page, a status filter, a search by
date), Faturamento (open the period, uncheck everything, check two guides, correct a Realização,
confirm the small batch) and a lot sent by the provider's own system through the API. Each action
is timed from its first emit to the answer that shows it done (see load/client.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import aiohttp

from copass_app import clock
from load.client import BILLING, GUIDES, LOGIN, SELECTION, Tab, any_of, form, has_event, touches
from load.stats import Stats

TOAST_EVENTS = ("_call_function", "_call_script")
# The backend's exception handler (copass_app/backend_errors.py; Reflex's own said "An error occurred"):
# an event that failed outside the page's refusals, so the action was not done.
SERVER_ERROR_MARKERS = {"Reconectando ao servidor": "reconectando (estado das abas indisponível)",
                        "Ocorreu um erro inesperado": "erro no servidor", "An error occurred": "erro no servidor"}


@dataclass
class Lot:
    name: str
    data: bytes


@dataclass
class Account:
    login: str
    password: str
    api_token: str = ""
    lots: list[Lot] = field(default_factory=list)


@dataclass
class Plan:
    base_url: str
    interval: float  # seconds between two actions of one provider
    period_days: int = 20  # Faturamento opens the last `period_days` days
    today: date = field(default_factory=clock.today)  # Brasília's date, as the portal's
    stop_at: float = float("inf")  # monotonic time the providers stop at (set once the run knows it)
    # How many providers may be opening their tab and logging in at once: a password check (argon2) is
    # meant to cost CPU, so a crowd logging in together measures the hasher, not the portal.
    login_gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


def refused_login(update: dict) -> bool:
    """The login page's message set (a reset to "" comes first, with every page state of the browser)."""
    return bool((update.get("delta") or {}).get(LOGIN, {}).get("error_rx_state_"))


class Provider:
    def __init__(self, account: Account, plan: Plan, stats: Stats, http: aiohttp.ClientSession,
                 rng: random.Random) -> None:
        self.account, self.plan, self.stats, self.http, self.rng = account, plan, stats, http, rng
        self.tab = Tab(plan.base_url, stats)
        self.tab.on_rehydrated = self._rehydrated
        self.typed_since = ""  # the date typed in Procedimentos solicitados' filter, as the server stored it
        self.logged_in = False
        self.round = 0
        self.next_lot = 0

    # ---- the session -------------------------------------------------------------------------
    async def run(self) -> None:
        """Opens the tab and logs in (through the plan's login gate), then one action per interval until stop_at."""
        try:
            async with self.plan.login_gate:
                await self.connect()
                while not self.logged_in and time.monotonic() < self.plan.stop_at:
                    await self.login()
            steps = self._steps()
            next_at = time.monotonic()
            while time.monotonic() < self.plan.stop_at:
                step = next(steps)
                try:
                    await step()
                except Exception as error:  # anything unexpected is an error of that action, the run goes on
                    self.stats.error(getattr(step, "__name__", "ação"), f"{type(error).__name__}: {error}"[:120])
                next_at = max(next_at + self.plan.interval * self.rng.uniform(0.8, 1.2), time.monotonic() - 1)
                await asyncio.sleep(max(0.0, min(next_at, self.plan.stop_at) - time.monotonic()))
        finally:
            await self.tab.close()

    def _steps(self):
        while True:
            if not self.logged_in:
                yield self.login
                continue
            self.round += 1
            for step in (self.open_guides, self.guides_page, self.guides_filter, self.guides_search,
                         self.open_billing, self.billing_period, self.billing_select_none, self.billing_toggle,
                         self.billing_toggle, self.billing_date, self.billing_confirm, self.api_upload):
                if not self.logged_in:
                    break
                yield step

    # ---- actions -----------------------------------------------------------------------------
    async def connect(self) -> None:
        try:
            ms = await self.tab.connect()
        except Exception as error:
            self.stats.error("connect", f"{type(error).__name__}: {error}"[:120])
            await asyncio.sleep(1)
            return
        self.stats.latency("connect", ms)

    async def login(self) -> None:
        if not self.tab.sio.connected:
            if self.tab._reconnecting is not None and not self.tab._reconnecting.done():
                await asyncio.sleep(0.5)  # the tab is reconnecting by itself
                return None
            return await self.connect()
        tab = self.tab
        answer = await tab.act("login", [(f"{LOGIN}.submit", form(login=self.account.login,
                                                                  password=self.account.password))],
                               done=any_of(has_event("_redirect"), refused_login))
        if answer is None:
            return
        target = next((str(e["payload"].get("path", "")) for e in answer.get("events") or []
                       if e.get("name") == "_redirect"), "")
        if not target:
            self.stats.error("login", f"recusado: {tab.view.get(LOGIN, 'error')}")
            return
        self.logged_in = True
        await self._open("open_home", target)

    async def _open(self, action: str, path: str) -> None:
        answer = await self.tab.navigate(action, path)
        if answer is not None:
            self._check_redirects(action)

    def _check_redirects(self, action: str) -> None:
        """A redirect to the login page means the session was lost: an error, and the provider logs in again."""
        lost = [path for path in self.tab.redirects if path.startswith("/login")]
        self.tab.redirects.clear()
        if lost:
            self.stats.error(action, "sessão perdida (levado ao login)")
            self.logged_in = False

    async def _handler(self, action: str, state: str, handler: str, payload: dict | None,
                       done: Callable[[dict], bool]) -> dict | None:
        answer = await self.tab.act(action, [(f"{state}.{handler}", payload)],
                                    done=any_of(done, has_event(*TOAST_EVENTS, "_redirect")))
        if answer is not None:
            self._note_toasts(action, answer)
            self._check_redirects(action)
        return answer

    def _note_toasts(self, action: str, answer: dict) -> None:
        for event in answer.get("events") or []:
            if event.get("name") in TOAST_EVENTS:
                text = str(event.get("payload", ""))
                reason = next((r for marker, r in SERVER_ERROR_MARKERS.items() if marker in text), None)
                if reason:
                    self.stats.error(action, reason)
                elif "sistema est" in text and "ocupado" in text:  # services/unit_of_work.BUSY: nothing written
                    self.stats.error(action, "banco indisponível (aviso em português)")
                else:
                    self.stats.event(action, "aviso" if "error" in text else "mensagem")

    def _rehydrated(self) -> None:
        """After a reconnect: did the server still have this tab's page state (the filter typed before)?"""
        if not self.typed_since:
            return
        kept = self.tab.view.get(GUIDES, "date_from") == self.typed_since
        self.stats.event("reconnect", "estado da página mantido" if kept else "estado da página perdido")
        if not kept:
            self.typed_since = ""

    async def guides_page(self) -> None:
        count = self.tab.view.get(GUIDES, "page_count", 1) or 1
        page = (self.tab.view.get(GUIDES, "page", 1) or 1) % count + 1
        await self._handler("guides_page", GUIDES, "go_to_page", {"page": page}, touches(GUIDES, "rows", "page"))

    async def guides_filter(self) -> None:
        group = self.rng.choice(["autorizada", "pendente", "negada"])
        await self._handler("guides_filter", GUIDES, "filter_status", {"group": group},
                            touches(GUIDES, "rows", "status_group", "counts", "total"))

    async def guides_search(self) -> None:
        start = self.plan.today - timedelta(days=self.rng.randint(10, 40))
        answer = await self._handler("guides_search", GUIDES, "apply_filters",
                                     form(date_from=start.isoformat(), date_to="", beneficiary="", guide_number=""),
                                     touches(GUIDES, "rows", "date_from", "total", "error"))
        if answer is not None:
            self.typed_since = self.tab.view.get(GUIDES, "date_from") or ""

    async def open_billing(self) -> None:
        await self._open("open_billing", "/faturamento")

    async def open_guides(self) -> None:
        await self._open("open_guides", "/guias")

    async def billing_period(self) -> None:
        end = self.plan.today
        start = end - timedelta(days=self.plan.period_days)
        answer = await self._handler("billing_period", BILLING, "open_period",
                                     form(start=start.isoformat(), end=end.isoformat(), competence=""),
                                     any_of(touches(BILLING, "guides", "discard_open"), touches(SELECTION, "summary")))
        if answer and (answer.get("delta") or {}).get(BILLING, {}).get("discard_open_rx_state_") is True:
            await self._handler("billing_period", BILLING, "confirm_discard", None,
                                any_of(touches(BILLING, "guides"), touches(SELECTION, "summary")))

    def _cards(self) -> list[dict]:
        return list(self.tab.view.get(BILLING, "guides", []) or [])

    async def billing_select_none(self) -> None:
        if not self._cards():
            self.stats.event("billing_select_none", "sem guias no período")
            return
        await self._handler("billing_select_none", BILLING, "select_all", {"included": False},
                            touches(SELECTION, "included", "summary"))

    async def billing_toggle(self) -> None:
        included = self.tab.view.get(SELECTION, "included", {}) or {}
        unchecked = [card for card in self._cards() if not included.get(str(card["id"]), True)]
        if not unchecked:
            self.stats.event("billing_toggle", "nada a marcar")
            return
        card = self.rng.choice(unchecked)
        await self._handler("billing_toggle", SELECTION, "toggle_guide", {"guide_id": card["id"], "included": True},
                            touches(SELECTION, "included", "summary"))

    async def billing_date(self) -> None:
        included = self.tab.view.get(SELECTION, "included", {}) or {}
        cards = [card for card in self._cards() if included.get(str(card["id"]))]
        if not cards:
            self.stats.event("billing_date", "nenhuma guia marcada")
            return
        card = self.rng.choice(cards)
        shown = (self.tab.view.get(SELECTION, "performed", {}) or {}).get(str(card["id"]), card["performed_on"])
        original = date.fromisoformat(card["original_performed_on"])
        # One day later than the original, or back to it: either is a change the page must store.
        new = original if shown != card["original_performed_on"] else min(original + timedelta(days=1),
                                                                            self.plan.today)
        if new.isoformat() == shown:
            new = original - timedelta(days=1)
        # A refused date is said under its field (date_refusal), the stored one stays: an answer too.
        answer = await self._handler("billing_date", SELECTION, "change_date",
                                     {"guide_id": card["id"], "value": new.isoformat()},
                                     touches(SELECTION, "performed", "date_changed", "date_refusal"))
        refusals = ((answer or {}).get("delta") or {}).get(SELECTION, {}).get("date_refusal_rx_state_") or {}
        if refusals.get(str(card["id"])):
            self.stats.event("billing_date", "data recusada (dita sob o campo)")

    async def billing_confirm(self) -> None:
        if not self._cards():
            self.stats.event("billing_confirm", "sem guias no período")
            return
        answer = await self._handler("billing_confirm", BILLING, "confirm", None, touches(BILLING, "confirmed"))
        if answer is not None and (answer.get("delta") or {}).get(BILLING, {}).get("confirmed_rx_state_"):
            self.stats.event("billing_confirm", "lote enviado")

    async def api_upload(self) -> None:
        if not self.account.api_token or not self.account.lots:
            return
        lot = self.account.lots[self.next_lot % len(self.account.lots)]
        self.next_lot += 1
        start = time.perf_counter()
        try:
            async with self.http.post(f"{self.plan.base_url}/api/tiss/lotes", params={"arquivo": lot.name},
                                      data=lot.data, headers={"Authorization": f"Bearer {self.account.api_token}",
                                                              "Content-Type": "application/xml"},
                                      timeout=aiohttp.ClientTimeout(total=30)) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            self.stats.error("api_upload", f"{type(error).__name__}")
            return
        if status >= 500 or status in (401, 413):
            self.stats.error("api_upload", f"HTTP {status}")
            return
        self.stats.latency("api_upload", (time.perf_counter() - start) * 1000)
        self.stats.event("api_upload", {200: "aceito", 422: "recusado (já enviado)", 429: "limite por minuto"}
                         .get(status, f"HTTP {status}"))

