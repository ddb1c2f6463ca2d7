"""nginx in front of portal processes on this machine, with the project's own proxy rules (deploy/nginx/).

The configuration written here is the production one (deploy/nginx/copass.conf) with its upstream
pointed at local ports and its files in a private folder: the same `copass-http.conf` and
`copass-locations.conf` are included, so what is tested is what is deployed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.live_portal import free_port

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "nginx"
# One line per proxied request: where it went, what it was (websockets are logged when they close).
LOG_FORMAT = "'$upstream_addr $status \"$request_uri\"'"


@dataclass(frozen=True)
class Proxy:
    url: str
    folder: Path

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def upstreams_of(self, needle: str) -> list[str]:
        """The backends (host:port) of the logged requests whose URI contains `needle`."""
        if not self.access_log.exists():
            return []
        found = []
        for line in self.access_log.read_text().splitlines():
            upstream, _, rest = line.partition(" ")
            if needle in rest:
                found.append(upstream)
        return found


def config_text(folder: Path, port: int, backends: list[str], balance: str = "least_conn") -> str:
    servers = "\n".join(f"        server {backend} max_fails=1 fail_timeout=10s;" for backend in backends)
    return f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include {DEPLOY}/copass-http.conf;
    log_format copass_upstream {LOG_FORMAT};
    access_log {folder}/access.log copass_upstream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream copass_portal {{
        {balance + ";" if balance else "# round robin"}
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        include {DEPLOY}/copass-locations.conf;
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx não está instalado: rode `make cluster-deps`.")
    return found


@contextmanager
def running_nginx(backends: list[str], *, port: int | None = None, balance: str = "least_conn") -> Iterator[Proxy]:
    """nginx on 127.0.0.1:`port` (a free one by default) spreading over `backends` ("127.0.0.1:8001", ...);
    `balance` is the upstream's method (deploy/nginx/copass.conf's least_conn; "" for round robin)."""
    folder = Path(tempfile.mkdtemp(prefix="copass-nginx-"))
    port = port or free_port()
    conf = folder / "nginx.conf"
    conf.write_text(config_text(folder, port, backends, balance))
    binary = nginx_binary()
    subprocess.run([binary, "-t", "-p", str(folder), "-c", str(conf)], check=True, capture_output=True)
    process = subprocess.Popen([binary, "-p", str(folder), "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=3):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"nginx não respondeu:\n{(folder / 'error.log').read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield Proxy(url, folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
