"""Two portal processes on two ports behind nginx (deploy/nginx/), sharing PostgreSQL and Redis.

A provider logs in and checks a guide in Faturamento through the proxy, as the browser's websocket
does; the check is in the database. Its tab then reconnects again and again: nginx sends the new
websockets to both portals (no sticky sessions), and every time the tab comes back logged in, on its
page, with the filter it typed (its state is in Redis, not in the process it first talked to).
"""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack
from datetime import timedelta

import pytest
import redis
from sqlalchemy import create_engine, text

from bench.live_portal import free_port, live_portal
from copass_app import clock
from load.client import BILLING, GUIDES, LOGIN, SELECTION, Tab, form, has_event, touches
from load.cluster import ensure_database
from load.nginx import running_nginx
from load.stats import Stats

pytestmark = pytest.mark.cluster

DATABASE_URL = os.environ.get("CLUSTER_TEST_DATABASE_URL",
                              "postgresql+psycopg2://postgres@127.0.0.1:5432/copass_cluster_test")
REDIS_URL = os.environ.get("CLUSTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


@pytest.fixture(scope="module")
def proxied():
    ensure_database(DATABASE_URL)
    engine = create_engine(DATABASE_URL)
    with engine.begin() as connection:  # a fresh schema: the portals migrate and seed it
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    proxy_port = free_port()
    env = {"DATABASE_URL": DATABASE_URL, "REFLEX_REDIS_URL": REDIS_URL,
           "REFLEX_API_URL": f"http://127.0.0.1:{proxy_port}", "REFLEX_TRUSTED_PROXY_HOPS": "1"}
    with ExitStack() as stack:
        # The last commit of the portal (what others are editing in the checkout stays out).
        portals = [stack.enter_context(live_portal(prod=True, workers=1, extra_env=env, committed=True))
                   for _ in range(2)]
        backends = [p.api.removeprefix("http://").replace("localhost", "127.0.0.1") for p in portals]
        # Round robin here (production: least_conn), so consecutive reconnects of one tab alternate portals.
        proxy = stack.enter_context(running_nginx(backends, port=proxy_port, balance=""))
        os.environ["DATABASE_URL"] = DATABASE_URL
        from load.seed import seed_accounts

        accounts = seed_accounts(2, guides_per_provider=30, days_back=20)
        yield proxy, backends, accounts, portals


async def _login(tab: Tab, account) -> None:
    await tab.connect()
    answer = await tab.act("login", [(f"{LOGIN}.submit", form(login=account.login, password=account.password))],
                           done=has_event("_redirect"))
    assert answer is not None, tab.stats.errors


async def _released(client_token: str) -> None:
    """The portal the tab left has removed its link to the tab (Reflex's socket record in Redis). A tab
    coming back while the record is still there is taken for a duplicated tab and given a new token
    (a fresh page state): a browser's reconnect backoff (200 ms and up) normally gives it the time."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for _ in range(100):
            if not await asyncio.to_thread(client.exists, f"token_manager_socket_record_{client_token}"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("o portal não soltou a aba em 5 s")
    finally:
        client.close()


async def _scenario(url: str, accounts) -> dict:
    stats = Stats()
    provider, other = Tab(url, stats), Tab(url, stats)
    await _login(provider, accounts[0])
    await _login(other, accounts[1])  # a second websocket: round robin sends it to the other portal
    assert await provider.navigate("open_billing", "/faturamento") is not None
    end = clock.today()
    opened = await provider.act("period", [(f"{BILLING}.open_period", form(start=(end - timedelta(days=30)).isoformat(),
                                                                          end=end.isoformat(), competence=""))],
                                done=touches(BILLING, "guides"))
    assert opened is not None, stats.errors
    cards = provider.view.get(BILLING, "guides")
    assert cards, "o período não trouxe guias"
    guide_id = cards[0]["id"]
    assert provider.view.get(SELECTION, "included")[str(guide_id)] is True
    toggled = await provider.act("toggle", [(f"{SELECTION}.toggle_guide", {"guide_id": guide_id, "included": False})],
                                 done=touches(SELECTION, "included"))
    assert toggled is not None, stats.errors
    assert provider.view.get(SELECTION, "included")[str(guide_id)] is False

    # Procedimentos solicitados with a typed filter, then the tab's websocket drops and comes back, 6 times.
    assert await provider.navigate("open_guides", "/guias") is not None
    since = (end - timedelta(days=7)).isoformat()
    filtered = await provider.act("filter", [(f"{GUIDES}.apply_filters", form(date_from=since, date_to="",
                                                                               beneficiary="", guide_number=""))],
                                  done=touches(GUIDES, "rows"))
    assert filtered is not None, stats.errors
    rows = provider.view.get(GUIDES, "rows")
    comebacks = []
    for _ in range(6):
        await provider.close()
        await _released(provider.client_token)
        await provider.connect()  # the page knows only what the server hydrates it with
        comebacks.append((provider.view.get(GUIDES, "date_from"), provider.view.get(GUIDES, "rows") == rows,
                          bool(provider.redirects and provider.redirects[-1].startswith("/login"))))
    await provider.close()
    await other.close()
    return {"guide_id": guide_id, "comebacks": comebacks, "client_token": provider.client_token,
            "other_token": other.client_token, "errors": dict(stats.errors), "new_tokens": provider.new_tokens}


def test_login_and_toggle_through_the_proxy_reach_both_portals(proxied):
    proxy, backends, accounts, portals = proxied
    seen = asyncio.run(_scenario(proxy.url, accounts))
    assert seen["errors"] == {}
    assert seen["new_tokens"] == 0

    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        included = connection.execute(text(
            "SELECT d.included FROM draft_guide d JOIN billing_draft b ON b.id = d.draft_id "
            "JOIN \"user\" u ON u.id = b.user_id WHERE u.login = :login AND d.guide_id = :guide"),
            {"login": accounts[0].login, "guide": seen["guide_id"]}).scalar_one()
    engine.dispose()
    assert included is False  # the uncheck made through the proxy is stored

    # Every comeback: the filter typed before, the same rows, no trip to the login page.
    since = (clock.today() - timedelta(days=7)).isoformat()
    assert seen["comebacks"] == [(since, True, False)] * 6
    # nginx spread the websockets (logged when they close) over both portals, the reconnecting tab's too.
    tab_sockets = proxy.upstreams_of(f"token={seen['client_token']}")
    assert len(tab_sockets) == 7
    assert set(tab_sockets + proxy.upstreams_of(f"token={seen['other_token']}")) == set(backends)
    assert sorted(tab_sockets[1:]) == sorted(backends * 3), tab_sockets  # the reconnects: 3 on each portal
    for portal in portals:
        assert "Traceback" not in portal.log.read_text()
