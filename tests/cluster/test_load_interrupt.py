"""An interrupted load run lets go of its tabs at once (a run once kept 500 tabs and its portal busy for
25 minutes after Ctrl-C, spoiling the next measurements).

The portal here is a real Socket.IO server on 127.0.0.1 that takes the websocket and never answers:
what a saturated worker looks like to a tab."""

from __future__ import annotations

import asyncio
import time

import socketio
from aiohttp import web

from bench.live_portal import free_port
from load.client import CLOSE_TIMEOUT, NAMESPACE
from load.provider import Account
from load.run import Stage, run_stages


async def _silent_portal(port: int) -> tuple[web.AppRunner, socketio.AsyncServer, set[str]]:
    server = socketio.AsyncServer(async_mode="aiohttp")
    connected: set[str] = set()

    @server.on("connect", namespace=NAMESPACE)
    async def connect(sid, environ, auth=None):
        connected.add(sid)

    @server.on("disconnect", namespace=NAMESPACE)
    async def disconnect(sid, *reason):
        connected.discard(sid)

    app = web.Application()
    server.attach(app, socketio_path="_event")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, server, connected


def test_cancelling_a_run_closes_its_tabs_within_the_close_timeout():
    async def scenario() -> tuple[float, int, int]:
        port = free_port()
        runner, _server, connected = await _silent_portal(port)
        try:
            accounts = [Account(f"carga{i}", "senha") for i in range(20)]
            run = asyncio.create_task(run_stages(f"http://127.0.0.1:{port}", accounts, [Stage(20, 60)],
                                                 interval=5, login_concurrency=20))
            deadline = time.monotonic() + 10
            while len(connected) < 20 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            tabs_open = len(connected)
            started = time.monotonic()
            run.cancel()  # what asyncio.run does with the main task on Ctrl-C
            try:
                await run
            except asyncio.CancelledError:
                pass
            took = time.monotonic() - started
            await asyncio.sleep(0.5)  # the server hears the last closes
            return took, tabs_open, len(connected)
        finally:
            await runner.cleanup()

    took, tabs_open, still_connected = asyncio.run(scenario())
    assert tabs_open == 20  # every tab was waiting for its page when the run was interrupted
    assert took < CLOSE_TIMEOUT + 2
    assert still_connected == 0
