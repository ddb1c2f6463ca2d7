"""The reports as files: every line of the filter (not one page) as a TableReport, audited as a download
in the caller's unit of work; then a PDF or a CSV of it (copass_app/reports).

The page gathers the table in one unit of work and draws the PDF outside it, in a worker thread, showing
progress (`report_table` then `render`); the CLI and the tests take both at once (`report_file`).
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session

from copass_app import clock
from copass_app.reports.report_csv import render_table_csv
from copass_app.reports.report_pdf import render_table_pdf
from copass_app.reports.report_table import Progress, TableReport
from copass_app.reports.report_tables import extrato_report, glosas_report, nf_report, statements_report
from copass_app.services import audit
from copass_app.services.access import Actor
from copass_app.services.errors import DomainError
from copass_app.services.reports import extrato, glosas, nf, statements
from copass_app.services.reports.filters import ReportFilters, resolve


class ReportKind(StrEnum):
    NF = "nf"
    STATEMENTS = "demonstrativos"
    EXTRATO = "extrato"
    GLOSAS = "glosas"


class FileFormat(StrEnum):
    PDF = "pdf"
    CSV = "csv"


MIME = {FileFormat.PDF: "application/pdf", FileFormat.CSV: "text/csv"}
UNKNOWN = "Relatório não encontrado."


def kind_of(value: object) -> ReportKind:
    try:
        return ReportKind(str(value))
    except ValueError:
        raise DomainError(UNKNOWN) from None


def format_of(value: object) -> FileFormat:
    try:
        return FileFormat(str(value))
    except ValueError:
        raise DomainError("Formato de arquivo desconhecido: escolha PDF ou CSV.") from None


def report_table(db: Session, actor: Actor, kind: object, filters: ReportFilters = ReportFilters(), *,
                 what: str = "") -> TableReport:
    """Every line of the report for these filters (owner checked), audited as a download of `what`."""
    kind = kind_of(kind)
    scope = resolve(db, actor, filters)
    now = clock.local_now()
    if kind == ReportKind.NF:
        report = nf.nf_values(db, actor, filters, page_size=1)  # checks the payment's owner
        table = nf_report(nf.all_nf_rows(db, scope), report.totals, scope, now)
    elif kind == ReportKind.STATEMENTS:
        totals = statements.statement_totals(db, statements.payment_conditions(scope))
        table = statements_report(statements.all_statement_rows(db, scope), totals, scope, now)
    elif kind == ReportKind.EXTRATO:
        table = extrato_report(extrato.extrato_rows(db, scope), extrato.extrato_totals(db, scope),
                               scope, now)
    else:
        totals = glosas.glosa_totals(db, scope)
        table = glosas_report(glosas.all_reason_rows(db, scope, totals.billed),
                              glosas.all_procedure_rows(db, scope, totals.billed), totals, scope, now)
    audit.record(db, actor, "file.download", "report", kind.value,
                 f"Download: {table.title}{' (' + what + ')' if what else ''} · {scope.provider_name} · "
                 f"{scope.period_label} · {table.line_count} linhas", provider_id=scope.provider_id)
    return table


def file_name(table: TableReport, file_format: FileFormat) -> str:
    return f"{table.file_stem}-{table.generated_at:%Y%m%d-%H%M}.{FileFormat(file_format).value}"


def render(table: TableReport, file_format: object, progress: Progress | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the table as PDF or CSV; no database (runs outside the unit of work)."""
    file_format = format_of(file_format)
    data = render_table_pdf(table, progress) if file_format == FileFormat.PDF else render_table_csv(table)
    return file_name(table, file_format), data


def report_file(db: Session, actor: Actor, kind: object, filters: ReportFilters = ReportFilters(),
                file_format: object = FileFormat.PDF) -> tuple[str, bytes]:
    """The report as a file in one call: (file name, bytes)."""
    file_format = format_of(file_format)
    return render(report_table(db, actor, kind, filters, what=file_format.value.upper()), file_format)
