"""The cluster tests (marked `cluster`) start portal processes, nginx and PostgreSQL databases of their own:
minutes, not seconds. They run with `make test-cluster` (`pytest -m cluster tests/cluster`), and are
left out of every other run (`pytest -q`, `make test-pg`'s `-m "not browser"`) unless `-m` names them."""

from __future__ import annotations


def pytest_collection_modifyitems(config, items):
    if "cluster" in (config.getoption("markexpr") or ""):
        return
    left_out = [item for item in items if item.get_closest_marker("cluster") is not None]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item.get_closest_marker("cluster") is None]
