"""Issue 4: a 100-guide SP/SADT lot (~0.4 MB), side by side in one run: bare lxml, checks 1–5,
the whole upload pipeline with the database, and pytiss's validator.
Issue 7: `copass validate` as a whole command (start-up + one lot), and against the PyPI `tiss`
package's `tiss validate` on 30 lots in one run each."""

from __future__ import annotations

import statistics
import time

from sqlmodel import select

from bench import tiss_bench
from bench.common import bench_provider, report
from copass_app.models import BilledItem, Guide, GuideItem, GuideStatus, GuideType, Provider
from copass_app.services import auth, xml_lots
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform, unit_of_work

RUNS = 9


def create_provider(engine):
    """A laboratory with 2,500 SP/SADT guides; returns (its user as an actor, provider id)."""
    provider_id, token = bench_provider(engine, code="900040", name="Laboratório Bench XML",
                                        cnpj_base="404040400001", kind="Laboratório", login="bench.xml",
                                        guide_types=(GuideType.SP_SADT,), guides=2500, days_back=40, seed_offset=4)
    with unit_of_work(engine) as db:
        return auth.actor_for_token(db, token), provider_id


def next_lot(engine, provider_id: int, number: int) -> bytes:
    """100 unbilled, authorized, performed SP/SADT guides of the provider as its system would send them."""
    with unit_of_work(engine) as db:
        provider = db.get(Provider, provider_id)
        billed = select(GuideItem.guide_id).join(BilledItem, BilledItem.guide_item_id == GuideItem.id)
        guides = db.exec(select(Guide).where(
            Guide.provider_id == provider_id, Guide.status == GuideStatus.AUTORIZADO,
            Guide.performed_on.is_not(None), Guide.id.not_in(billed)).order_by(Guide.id).limit(100)).all()
        return lot_for_guides(db, provider, list(guides), f"B{number:06d}", pretty=True)


def run(engine, *, with_startup: bool = True) -> bool:
    actor, provider_id = create_provider(engine)
    data = tiss_bench.bench_lot()
    offline = dict(tiss_bench.bench_lines(runs=31, pytiss_runs=7, data=data))
    pipeline, sizes = [], []
    for number in range(RUNS):
        lot = next_lot(engine, provider_id, number)
        sizes.append(len(lot))
        start = time.perf_counter()
        name = f"lote-{number}.xml"
        outcome = perform(lambda db, name=name, lot=lot: xml_lots.receive_lot(db, actor, name, lot), engine=engine)
        pipeline.append((time.perf_counter() - start) * 1000)
        assert outcome.accepted, outcome.errors[:3]
    labels = list(offline)
    bare, checks, pytiss_ms = offline[labels[0]], offline[labels[1]], offline[labels[-1]]
    print(f"\nLote de teste: {len(data) / 1000:.0f} KB (100 guias SP/SADT); lotes do pipeline: "
          f"{statistics.median(sizes) / 1000:.0f} KB")
    for label, ms in offline.items():
        print(f"  {label:<58} {ms:7.1f} ms  ({ms / bare:.1f}× lxml puro)")
    whole = statistics.median(pipeline)
    print(f"  {'pipeline completo (verificações 1–6, banco, lote, protocolo)':<58} {whole:7.1f} ms")
    print(f"  pytiss / verificações 1–5: {pytiss_ms / checks:.0f}× mais lento")
    rows = [
        ("verificações 1–5 em relação ao lxml puro", checks / bare, 3, "×", False),
        ("pipeline completo com banco", {"median": whole, "p95": sorted(pipeline)[-2], "max": max(pipeline)}, 150),
        ("pytiss em relação às verificações 1–5", pytiss_ms / checks, 20, "×", True),
    ]
    ok = report("Lotes XML TISS (issue 4)", rows)
    return (run_startup() if with_startup else True) and ok


def run_startup(rounds: int = 11) -> bool:
    """`copass validate` as providers' IT runs it: the whole process, start-up included."""
    figures = tiss_bench.startup_figures(rounds)
    print()
    print(tiss_bench.format_startup(figures))
    one = {"median": figures["one"] * 1000, "p95": figures["one_max"] * 1000, "max": figures["one_max"] * 1000}
    return report("copass validate (issue 7)", [
        # Was about 0.8 s, nearly all of it importing the database layer.
        # A whole process on a shared machine: the median is the figure to hold (p95 column = slowest run).
        ("início do comando + 1 lote de 100 guias", one, 200, "median"),
        (f"copass / tiss validate (PyPI), {tiss_bench.STARTUP_LOTS} lotes num processo", figures["ratio"], 0.12,
         "×", False),
    ])
