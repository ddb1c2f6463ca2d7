"""`reflex run ...` with Granian workers respawned when one dies: `python deploy/reflex_respawn.py run --env prod`.

Reflex 0.10.1 starts Granian without `respawn_failed_workers`, and Granian's main process then stops the
whole server as soon as one worker exits: a kill -9 of one worker (or one crash) takes every user down.
Granian has the option (`--respawn-failed-workers` on its command line); this passes it, then runs
Reflex's own command line unchanged. Everything else is `reflex run`.
"""

from __future__ import annotations

import sys

import granian.server
from granian.server.mp import MPServer


class RespawningServer(MPServer):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", True)
        super().__init__(*args, **kwargs)


def main() -> None:
    granian.server.Server = RespawningServer  # Reflex imports it by this name when it starts the backend
    from reflex.reflex import cli

    sys.argv[0] = "reflex"
    sys.exit(cli())


if __name__ == "__main__":
    main()
