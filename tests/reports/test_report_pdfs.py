"""The reports of "Relatórios" as files, read back: PDFs through pypdf's text extraction (totals, accents,
'Página X de Y', money and dates in pt-BR), CSVs parsed back (BOM, ';', decimal comma, totals line)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from bench.reports_bench import extrato_lines
from copass_app import clock
from copass_app.reports.report_csv import render_table_csv
from copass_app.reports.report_pdf import render_table_pdf
from copass_app.reports.report_tables import extrato_report, nf_report
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.reports import ReportFilters
from copass_app.services.reports.exports import report_file
from copass_app.services.reports.extrato import ExtratoTotals
from copass_app.services.reports.filters import Scope
from copass_app.services.reports.nf import NfRow, NfTotals
from tests.services.money_helpers import clinic
from tests.services.report_helpers import paid_world

D = Decimal
GENERATED = datetime(2026, 5, 1, 9, 30, tzinfo=clock.BRASILIA)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the accents"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def small_extrato():
    rows, _totals, scope = extrato_lines(3)
    rows = [rows[0].__class__(**{**vars(r), "beneficiary_name": name, "value": value})
            for r, name, value in zip(rows, ["Conceição Araújo", "João de São Tomé", "Inês Magalhães"],
                                      [D("1234.56"), D("0.44"), D("100.00")], strict=True)]
    return rows, ExtratoTotals(3, 3, D("1335.00")), scope


def test_extrato_pdf_header_accents_money_and_total():
    rows, totals, scope = small_extrato()
    pages, text = pdf_text(render_table_pdf(extrato_report(rows, totals, scope, GENERATED)))
    assert pages == 1
    for expected in ("Extrato sintético", "Operadora: Copass Saúde · Registro ANS 345678",
                     "Clínica São Lucas de Especialidades Ltda", "01/04/2026 a 30/04/2026", "Conceição Araújo",
                     "João de São Tomé", "Inês Magalhães", "R$ 1.234,56", "R$ 0,44", "341 - Itaú Unibanco",
                     "0345678000000000", "Página 1 de 1"):
        assert expected in text, expected
    # 1.234,56 + 0,44 + 100,00 = 1.335,00
    assert "Total bruto (3 guias, 3 beneficiários) R$ 1.335,00" in text


def test_long_extrato_numbers_its_pages_and_repeats_the_header():
    rows, totals, scope = extrato_lines(400)
    pages, text = pdf_text(render_table_pdf(extrato_report(rows, totals, scope, GENERATED)))
    assert pages > 5
    assert "Página 1 de " + str(pages) in text and f"Página {pages} de {pages}" in text
    assert text.count("Beneficiário Carteira Guia") == pages  # the table header on every page
    assert "Total bruto (400 guias" in text


def test_progress_is_reported_while_drawing():
    rows, totals, scope = extrato_lines(600)
    seen = []
    render_table_pdf(extrato_report(rows, totals, scope, GENERATED), progress=lambda done, all_: seen.append(
        (done, all_)))
    assert seen[0] == (250, 600) and seen[-1] == (600, 600)


def test_extrato_csv_parses_back_with_decimal_comma_and_totals():
    rows, totals, scope = small_extrato()
    parsed = csv_rows(render_table_csv(extrato_report(rows, totals, scope, GENERATED)))
    assert parsed[0] == ["Beneficiário", "Carteira", "Guia", "Realização", "Favorecido", "Banco", "Agência",
                         "Conta", "Pago em", "Valor"]
    assert parsed[1][0] == "Conceição Araújo" and parsed[1][-1] == "1234,56" and parsed[2][-1] == "0,44"
    assert parsed[1][1] == '="0345678000000000"'  # a card stays text in Excel (leading zero kept)
    assert parsed[1][3] == "01/03/2026"
    assert parsed[-1][0].startswith("Total bruto") and parsed[-1][-1] == "1335,00"
    assert sum(D(line[-1].replace(",", ".")) for line in parsed[1:-1]) == D("1335.00")


def test_an_empty_report_says_so():
    _rows, _totals, scope = extrato_lines(0)
    _pages, text = pdf_text(render_table_pdf(extrato_report([], ExtratoTotals(0), scope, GENERATED)))
    assert "Nenhuma linha no período escolhido." in text and "R$ 0,00" in text


@pytest.mark.parametrize("kind", ["nf", "demonstrativos", "extrato", "glosas"])
def test_every_report_from_the_database_as_pdf_and_csv(factory, db, kind):
    world = paid_world(factory, db, "Clínica São João da Conceição")
    name, pdf = report_file(db, world.clinic.actor, kind, ReportFilters(), "pdf")
    assert name.endswith(".pdf")
    pages, text = pdf_text(pdf)
    assert "Clínica São João da Conceição" in text and f"Página 1 de {pages}" in text
    csv_name, data = report_file(db, world.clinic.actor, kind, ReportFilters(), "csv")
    assert csv_name.endswith(".csv")
    parsed = csv_rows(data)
    expected = {
        # NF and demonstrativos: net 2.071,72 (see tests/services/test_reports_nf.py).
        "nf": ("R$ 2.071,72", "2071,72"), "demonstrativos": ("R$ 2.071,72", "2071,72"),
        # Extrato: gross 1.371,57 + 1.000,99 = 2.372,56. Glosas: 37,01 + 100,00 = 137,01.
        "extrato": ("R$ 2.372,56", "2372,56"), "glosas": ("R$ 137,01", "137,01"),
    }[kind]
    assert expected[0] in text
    totals = [line for line in parsed if line and line[0].startswith("Total")]
    assert totals and any(expected[1] in line for line in totals), parsed


def test_nf_pdf_shows_each_withholding_and_the_rule():
    row = NfRow(payment_id=None, number="", provider_id=1, provider_code="100001", provider_name="Clínica São Lucas",
                gross=D("666.67"), glosa=D("0.00"), approved=D("666.67"), appeals=D("0.00"), base=D("666.67"),
                irrf=D("0.00"), pis=D("0.00"), cofins=D("20.00"), csll=D("0.00"), iss=D("13.33"),
                withholding_total=D("33.33"), net=D("633.34"), paid=False, paid_on=None)
    totals = NfTotals(1, **{k: v for k, v in vars(row).items() if isinstance(v, Decimal)}, pending_net=D("633.34"))
    scope = Scope(1, "Clínica São Lucas", "100001", "", "Copass Saúde", "345678", None, None, None)
    _pages, rows_text = pdf_text(render_table_pdf(nf_report([row], totals, scope, GENERATED)))
    for expected in ("IRRF", "PIS", "COFINS", "CSLL", "ISS", "R$ 20,00", "R$ 13,33", "R$ 633,34", "A pagar",
                     "um tributo de até R$ 10,00 não é retido", "todo o período"):
        assert expected in rows_text, expected


def test_another_providers_payment_is_not_exported(factory, db):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    with pytest.raises(NotFound, match="Pagamento não encontrado"):
        report_file(db, other.actor, "nf", ReportFilters(payment_id=world.payment_id), "pdf")
    _name, data = report_file(db, other.actor, "extrato", ReportFilters(provider_id=world.clinic.provider.id), "csv")
    assert "Clínica A" not in data.decode("utf-8-sig") and len(csv_rows(data)) == 2  # header + totals


def test_an_unknown_report_or_format_is_refused_in_portuguese(factory, db):
    who = clinic(factory)
    with pytest.raises(DomainError, match="Relatório não encontrado."):
        report_file(db, who.actor, "salarios", ReportFilters(), "pdf")
    with pytest.raises(DomainError, match="Formato de arquivo desconhecido: escolha PDF ou CSV."):
        report_file(db, who.actor, "nf", ReportFilters(), "docx")
