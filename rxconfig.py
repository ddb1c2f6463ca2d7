"""Reflex configuration. The database URL comes from the environment, like everything deployable.

The state manager is chosen on purpose, because a page's state holds patients' rows and the
browser's live session token:
- Redis when REFLEX_REDIS_URL is set (production with several workers: every worker sees the
  same tab state; secure Redis itself — password, private network, TLS via rediss://);
- memory otherwise (development, tests, a single worker): nothing is written to disk. Reflex's
  default, "disk", pickles every tab's state into .states/, readable by other local users.
If someone still asks for disk (REFLEX_STATE_MANAGER_MODE=disk), its folder is owner-only (0700).
"""

import os
from pathlib import Path

import reflex as rx
from reflex.constants import StateManagerMode

from copass_app import settings

# In development the backend restarts when files under the project change; the SQLite database
# and the private files live in data/ and change on every write, which would restart it each time.
# (Reflex compares the excluded path with os.stat, so it must exist.)
_DATA_DIR = settings.PROJECT_ROOT / "data"
_DATA_DIR.mkdir(exist_ok=True)
os.environ.setdefault("REFLEX_HOT_RELOAD_EXCLUDE_PATHS", str(_DATA_DIR))

LOCK_WARNING_MS = 8000
_REDIS_URL = os.environ.get("REFLEX_REDIS_URL", "").strip() or None
STATE_MANAGER_MODE = StateManagerMode.REDIS if _REDIS_URL else StateManagerMode.MEMORY


def _owner_only_states_dir() -> None:
    """Reflex's on-disk states (an explicit disk mode, or left over from older runs) for the owner only."""
    states_dir = Path(os.environ.get("REFLEX_STATES_WORKDIR", ".states"))
    if os.environ.get("REFLEX_STATE_MANAGER_MODE", "").strip().lower() == StateManagerMode.DISK.value:
        states_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if states_dir.is_dir():
        try:
            states_dir.chmod(0o700)
        except PermissionError:  # another user's folder: not ours to change (and not ours to read)
            pass


_owner_only_states_dir()

config = rx.Config(
    app_name="copass_app",
    db_url=settings.database_url(),
    redis_url=_REDIS_URL,
    state_manager_mode=STATE_MANAGER_MODE,
    # Reflex warns when an event held its tab's lock longer than this. Its default (1 s) fires on most
    # events of a saturated worker, and rich renders each warning: 27,664 of them in one 500-provider
    # run, CPU spent exactly when there is none to spare. Warn only near the lock's expiry (10 s).
    redis_lock_warning_threshold=LOCK_WARNING_MS,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium", appearance="light"))],
)
