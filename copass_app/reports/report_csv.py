"""A tabular report as CSV for a pt-BR spreadsheet, through csv_export.table_csv (';', decimal comma,
UTF-8 with BOM): a header line, the lines, the totals line, then the lines of each further section."""

from __future__ import annotations

from copass_app.reports.csv_export import table_csv
from copass_app.reports.report_table import Kind, TableReport, percent_value


def _cell(value: object, kind: Kind) -> object:
    if kind == Kind.PERCENT and value is not None and value != "":
        return percent_value(value)  # '12,34' in a column labelled '(%)': a number the spreadsheet can sum
    return value


def _columns(report: TableReport) -> list[tuple[str, str]]:
    return [(c.key, f"{c.label} (%)" if c.kind == Kind.PERCENT else c.label) for c in report.columns]


def _rows(report: TableReport) -> list[dict]:
    rows = [{c.key: _cell(row.get(c.key), c.kind) for c in report.columns} for row in report.rows]
    first = report.columns[0].key
    totals = {c.key: _cell(report.totals.get(c.key), c.kind) for c in report.columns}
    if totals.get(first) in (None, ""):
        totals[first] = report.totals_label
    rows.append(totals)
    return rows


def render_table_csv(report: TableReport) -> bytes:
    """The report's lines and totals; each section follows after a blank line with its own header."""
    data = table_csv(_rows(report), _columns(report))
    for section in report.sections:
        data += b"\r\n" + table_csv(_rows(section), _columns(section)).removeprefix(b"\xef\xbb\xbf")
    return data
