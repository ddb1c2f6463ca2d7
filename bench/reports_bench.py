"""Issue 11: an extrato sintético of 5,000 lines renders as PDF in ≤ 3 s and as CSV in ≤ 0.5 s.

What is timed is what the page runs once the lines are read: the TableReport of the extrato
(reports/report_tables.extrato_report) and its PDF (reports/report_pdf) or CSV (reports/report_csv).
The lines are the extrato's own rows (services/reports/extrato.ExtratoRow) with accented names, 16-digit
cards, a payee and its bank data, as the query returns them; a whole process on a shared machine, so the
median of a few runs is judged.

With a database (`make bench`), the whole path of the page's button is timed too: 5,000 guides of a bench
clinic written as 50 received batches (services/batch_writer), released for payment by an UPDATE (a bench
shortcut: the analysis is benchmarked by analysis_bench), then the extrato read in one unit of work as the
provider's session (services/reports/exports.report_table) and drawn as PDF.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from bench.common import bench_provider, measure, report
from copass_app import clock
from copass_app.models import Batch, BatchOrigin, BatchStatus, GuideType
from copass_app.reports.report_csv import render_table_csv
from copass_app.reports.report_pdf import render_table_pdf
from copass_app.reports.report_tables import extrato_report
from copass_app.services import auth
from copass_app.services.batch_writer import write_batch
from copass_app.services.reports.exports import FileFormat, render, report_table
from copass_app.services.reports.extrato import ExtratoRow, ExtratoTotals
from copass_app.services.reports.filters import Scope
from copass_app.services.unit_of_work import perform

LINES = 5_000
RUNS = 3
FIRST = ["Ana", "João", "Conceição", "José", "Maria", "Sebastião", "Antônio", "Lúcia", "Inês", "Mônica"]
LAST = ["da Conceição", "São Paulo", "Gonçalves", "Araújo", "Nóbrega", "Falcão", "Brito", "Magalhães"]


def extrato_lines(count: int = LINES, seed: int = 11) -> tuple[list[ExtratoRow], ExtratoTotals, Scope]:
    rng = random.Random(seed)
    start = date(2026, 3, 1)
    rows = [ExtratoRow(
        beneficiary_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}",
        card_number=f"0345678{n:09d}", guide_number=f"100001{n:08d}", performed_on=start + timedelta(days=n % 28),
        value=Decimal(rng.randint(5_000, 900_000)) / 100, provider_id=1, provider_code="100001",
        provider_name="Clínica São Lucas de Especialidades Ltda", bank="341 - Itaú Unibanco", agency="0912",
        account="45821-3", paid_on=date(2026, 4, 25), protocol_number=f"2026{n:08d}") for n in range(count)]
    totals = ExtratoTotals(count, len({r.beneficiary_name for r in rows}), sum((r.value for r in rows), Decimal(0)))
    scope = Scope(provider_id=1, provider_name="Clínica São Lucas de Especialidades Ltda", provider_code="100001",
                  provider_document="11222333000181", operator_name="Copass Saúde", operator_ans="345678",
                  date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), competence=None)
    return rows, totals, scope


def _released_extrato(engine) -> str:
    """A clinic with LINES guides in 50 batches released for payment; its session token. (About half of the
    generated demo guides are billable: authorized, with items.)"""
    from bench.payments_bench import _guides_to_bill

    provider_id, token = bench_provider(
        engine, code="900110", name="Clínica Bench Relatórios São João", cnpj_base="111011100001", kind="Clínica",
        login="bench.relatorios.prestador", guide_types=(GuideType.SP_SADT,), guides=LINES * 2, days_back=60,
        seed_offset=11)
    guides = _guides_to_bill(engine, provider_id)[:LINES]
    for start in range(0, len(guides), 100):
        def receive(db, chunk=guides[start:start + 100]):
            actor = auth.actor_for_token(db, token)
            write_batch(db, actor, provider_id, origin=BatchOrigin.WEB, guide_type=GuideType.SP_SADT,
                        competence=f"{clock.today():%Y-%m}", guides=chunk, now=clock.now())
        perform(receive, engine=engine)

    def release(db):
        db.execute(update(Batch).where(Batch.provider_id == provider_id).values(
            status=BatchStatus.LIBERADO_PAGAMENTO, approved_value=Batch.total_value, analysed_at=clock.now()))
    perform(release, engine=engine)
    return token


def _end_to_end(engine) -> list[tuple]:
    token = _released_extrato(engine)
    lines = [0]

    def read():
        table = perform(lambda db: report_table(db, auth.actor_for_token(db, token), "extrato"), engine=engine)
        lines[0] = table.line_count
        return table

    def read_and_draw():
        render(read(), FileFormat.PDF)

    read_stats = measure(read, runs=RUNS, warmup=1)
    whole = measure(read_and_draw, runs=RUNS, warmup=1)
    assert lines[0] == LINES, lines[0]
    return [("Extrato de 5.000 linhas do banco: leitura (SQL, sessão, auditoria)", read_stats, None, "median"),
            ("Extrato de 5.000 linhas do banco: leitura + PDF (o botão)", whole, 3000, "median")]


def run(_engine=None) -> bool:
    rows, totals, scope = extrato_lines()
    generated = clock.local_now() if _engine is not None else datetime(2026, 5, 1, 9, 0, tzinfo=clock.BRASILIA)
    pdf_size = [0]

    def pdf():
        pdf_size[0] = len(render_table_pdf(extrato_report(rows, totals, scope, generated)))

    def csv():
        render_table_csv(extrato_report(rows, totals, scope, generated))

    started = time.perf_counter()
    pdf_stats = measure(pdf, runs=RUNS, warmup=1)
    csv_stats = measure(csv, runs=RUNS * 3, warmup=1)
    print(f"(PDF de {pdf_size[0] / 1_000_000:.1f} MB; medido em {time.perf_counter() - started:.1f} s)")
    rows = [("Extrato sintético 5.000 linhas: PDF", pdf_stats, 3000, "median"),
            ("Extrato sintético 5.000 linhas: CSV", csv_stats, 500, "median")]
    if _engine is not None:
        rows += _end_to_end(_engine)
    return report("Relatórios: extrato sintético de 5.000 linhas", rows)


if __name__ == "__main__":
    import sys

    sys.exit(0 if run() else 1)
