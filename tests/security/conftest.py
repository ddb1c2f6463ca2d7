"""The browser fixtures of tests/browser/conftest.py (the live portal, Chromium, a page) for the
crafted-websocket tests in this folder — the very same ones, not copies: a second `sync_playwright()` or a
second portal in one session would break the browser run. Importing them here would define them twice,
so their one definition is made visible to the whole session instead.

TODO(lead): moving these fixtures to tests/conftest.py (or a plugin listed there) makes this file go.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.browser.conftest as browser_fixtures

SHARED = ("checkout_env_json", "live_app", "browser", "page")


def _share(config) -> None:
    manager = config.pluginmanager
    fixtures = manager.get_plugin("funcmanage")
    if fixtures is None:  # before the session: pytest_sessionstart comes back here
        return
    name = str(Path(browser_fixtures.__file__))
    if manager.get_plugin(name) is None:  # not loaded yet: pytest finds it registered under its path later
        manager.register(browser_fixtures, name=name)
    pending = fixtures._pending_conftests.pop(Path(name).parent, None)
    if pending is not None:  # conftest fixtures are parsed when their folder is collected: parse them now, global
        fixtures.parsefactories(holder=pending, node=fixtures.session)
        return
    for argname in SHARED:  # already parsed for tests/browser only: the same definitions, for every folder
        by_node = fixtures._arg2node2fixturedefs.get(argname, {})
        for node, definitions in list(by_node.items()):
            moved = [d for d in definitions if getattr(d.func, "__module__", "") == browser_fixtures.__name__]
            if node is fixtures.session or not moved:
                continue
            by_node[node] = [d for d in definitions if d not in moved]
            by_node.setdefault(fixtures.session, [])[:0] = moved


def pytest_configure(config) -> None:  # this conftest loaded during collection
    _share(config)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session) -> None:  # this conftest loaded before the session (a path on the command line)
    _share(session.config)
