"""The load run's CPU report: who used the cores during a stage (load/cpu.py), read from /proc."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from load.cpu import CpuWindow

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_busy_worker_and_the_load_generator_are_reported_apart():
    spin = "import time\nend = time.time() + 3\nwhile time.time() < end: pass"
    worker = subprocess.Popen([sys.executable, "-c", spin])
    try:
        window = CpuWindow()
        window.start()
        _busy(0.4)  # this process: the load generator
        time.sleep(0.4)
        cores = window.cores({worker.pid})
    finally:
        worker.kill()
        worker.wait()
    # Spinning the whole window, and 0.4 s of CPU in a window of about 0.8 s: how much of a core each got
    # depends on the machine's other work, but each is counted in its own group and within one core.
    assert 0.05 < cores["portal (workers)"] <= 1.05
    assert 0.05 < cores["gerador de carga"] <= 1.05


def test_an_idle_process_is_not_reported():
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        time.sleep(0.3)  # past its start-up
        window = CpuWindow()
        window.start()
        time.sleep(0.3)
        cores = window.cores({idle.pid})
    finally:
        idle.kill()
        idle.wait()
    assert "portal (workers)" not in cores
