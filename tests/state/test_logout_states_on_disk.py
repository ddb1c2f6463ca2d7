"""Reflex's state manager per mode, and no tab state readable by other local users: memory (nothing on
disk) unless REFLEX_REDIS_URL is set; an explicit disk mode gets an owner-only folder. Runs the app's
rxconfig and Reflex's own state manager in a fresh process, as `reflex run` would."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A tab's state goes through the real state manager with a patient's name in it, as an event would leave it.
SESSION = r"""
import asyncio, json, sys
from reflex_base.config import get_config
from reflex.istate.manager import StateManager
from reflex.istate.manager.token import BaseStateToken
from copass_app.state.auth import AuthState
from copass_app.state.guides import GuidesState, GuideLine
from reflex.state import State

async def main():
    manager = StateManager.create()
    token = BaseStateToken(ident="tab-1", cls=State)
    async with manager.modify_state(token) as root:
        (await root.get_state(AuthState)).session_token = "token-vivo-secreto"
        (await root.get_state(GuidesState)).rows = [GuideLine(beneficiary="Maria Sigilosa")]
    await asyncio.sleep(float(sys.argv[1]))  # let a disk manager write its debounced queue
    if hasattr(manager, "close"):
        await manager.close()
    print(json.dumps({"mode": str(get_config().state_manager_mode.value), "manager": type(manager).__name__}))

asyncio.run(main())
"""


def _run(tmp_path: Path, wait: float = 0.0, **env: str) -> dict:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("REFLEX_REDIS_URL", "REFLEX_STATE_MANAGER_MODE")}
    environment.update(REFLEX_STATES_WORKDIR=str(tmp_path / ".states"), **env)
    done = subprocess.run([sys.executable, "-c", SESSION, str(wait)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _readable_by_others(root: Path) -> list[Path]:
    """Files under `root` another local user could read: readable bits for group/others and every folder
    on the way open to them."""
    exposed = []
    for path in root.rglob("*"):
        if not path.is_file() or not path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
            continue
        folders = [p for p in path.parents if p == root or root in p.parents]
        if all(folder.stat().st_mode & (stat.S_IXGRP | stat.S_IXOTH) for folder in folders):
            exposed.append(path)
    return exposed


def test_development_and_tests_keep_tab_states_in_memory_and_write_nothing(tmp_path):
    # Before: Reflex's default disk manager wrote .states/*.pkl, mode 0644, with this name and token in them.
    assert _run(tmp_path, wait=1.5) == {"mode": "memory", "manager": "StateManagerMemory"}
    assert not (tmp_path / ".states").exists()


def test_an_explicit_disk_mode_writes_only_into_an_owner_only_folder(tmp_path):
    result = _run(tmp_path, wait=3.0, REFLEX_STATE_MANAGER_MODE="disk")
    assert result["manager"] == "StateManagerDisk"
    states = tmp_path / ".states"
    assert stat.S_IMODE(states.stat().st_mode) == 0o700
    written = [p for p in states.rglob("*") if p.is_file()]
    assert any(b"Maria Sigilosa" in p.read_bytes() for p in written)  # the case the folder protects
    assert _readable_by_others(states) == []


def test_redis_is_chosen_when_its_url_is_set():
    environment = dict(os.environ, REFLEX_REDIS_URL="redis://127.0.0.1:6399/0")
    environment.pop("REFLEX_STATE_MANAGER_MODE", None)
    done = subprocess.run([sys.executable, "-c", "import rxconfig; print(rxconfig.config.state_manager_mode.value, "
                           "rxconfig.config.redis_url)"], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["redis", "redis://127.0.0.1:6399/0"], done.stderr[-2000:]
