"""Issue 11: an extrato sintético of 5,000 lines renders as PDF in ≤ 3 s and as CSV in ≤ 0.5 s.

What is timed is what the page runs once the lines are read: the TableReport of the extrato
(reports/report_tables.extrato_report) and its PDF (reports/report_pdf) or CSV (reports/report_csv).
The lines are the extrato's own rows (services/reports/extrato.ExtratoRow) with accented names, 16-digit
cards, a payee and its bank data, as the query returns them; a whole process on a shared machine, so the
median of a few runs is judged.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from bench.common import measure, report
from copass_app import clock
from copass_app.reports.report_csv import render_table_csv
from copass_app.reports.report_pdf import render_table_pdf
from copass_app.reports.report_tables import extrato_report
from copass_app.services.reports.extrato import ExtratoRow, ExtratoTotals
from copass_app.services.reports.filters import Scope

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
    return report("Relatórios: extrato sintético de 5.000 linhas", [
        ("Extrato sintético 5.000 linhas: PDF", pdf_stats, 3000, "median"),
        ("Extrato sintético 5.000 linhas: CSV", csv_stats, 500, "median"),
    ])


if __name__ == "__main__":
    import sys

    sys.exit(0 if run() else 1)
