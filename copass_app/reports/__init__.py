"""Turns plain report data (see ``data``) into PDFs and CSVs; no queries here."""

from copass_app.reports.csv_export import table_csv
from copass_app.reports.data import ErrorLine, ErrorReport, ProtocolGuideLine, ProtocolReport
from copass_app.reports.error_report_pdf import render_error_report_pdf
from copass_app.reports.protocol_pdf import render_protocol_pdf

__all__ = [
    "ErrorLine",
    "ErrorReport",
    "ProtocolGuideLine",
    "ProtocolReport",
    "table_csv",
    "render_error_report_pdf",
    "render_protocol_pdf",
]
