"""A saturated worker must not spend its CPU on warnings: Reflex logs (through rich) every event that held
its tab's lock past `redis_lock_warning_threshold`, and with its default (1 s) one 500-provider run wrote
27,664 of them. The portal warns only near the lock's expiry, when a write is about to be lost."""

from __future__ import annotations

import os
import subprocess
import sys

from copass_app import settings


def test_the_lock_warning_is_kept_for_a_lock_about_to_expire():
    code = ("from reflex.istate.manager.redis import _default_lock_expiration, _default_lock_warning_threshold;"
            "print(_default_lock_warning_threshold(), _default_lock_expiration())")
    environment = {**os.environ, "REFLEX_REDIS_URL": "redis://127.0.0.1:6379"}
    done = subprocess.run([sys.executable, "-c", code], cwd=settings.PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    warning_ms, expiration_ms = map(int, done.stdout.split()[-2:])
    assert 5000 <= warning_ms < expiration_ms  # Reflex's default would be 1000
