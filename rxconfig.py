"""Reflex configuration. The database URL comes from the environment, like everything deployable."""

import os

import reflex as rx

from copass_app import settings

# In development the backend restarts when files under the project change; the SQLite database
# and the private files live in data/ and change on every write, which would restart it each time.
# (Reflex compares the excluded path with os.stat, so it must exist.)
_DATA_DIR = settings.PROJECT_ROOT / "data"
_DATA_DIR.mkdir(exist_ok=True)
os.environ.setdefault("REFLEX_HOT_RELOAD_EXCLUDE_PATHS", str(_DATA_DIR))

config = rx.Config(
    app_name="copass_app",
    db_url=settings.database_url(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium", appearance="light"))],
)
