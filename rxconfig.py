"""Reflex configuration. The database URL comes from the environment, like everything deployable."""

import reflex as rx

from copass_app import settings

config = rx.Config(
    app_name="copass_app",
    db_url=settings.database_url(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium", appearance="light"))],
)
