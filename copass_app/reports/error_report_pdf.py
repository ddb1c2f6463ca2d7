"""Printable report of the errors that made an uploaded TISS XML file be refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

from copass_app import formatting as fmt
from copass_app.reports._pdf import FILL_GRAY, FONT, MONO, TEXT_GRAY, ReportPDF
from copass_app.reports.data import ErrorLine, ErrorReport

TITLE = "Relatório de erros do arquivo XML"
SUBTITLE = (
    "O arquivo não foi aceito e nenhuma guia dele foi registrada. "
    "Corrija os erros abaixo e envie o arquivo novamente."
)
GENERAL_HEADING = "Erros gerais do arquivo"
INDENT = 4.0  # mm: error blocks sit slightly inside their group heading
LINE_COL = 28.0  # mm reserved on the right for "Linha 1234"
HEAD_LINE_H = 4.6
BODY_LINE_H = 4.2
PATH_LINE_H = 3.6
BLOCK_GAP = 2.5
HEADING_H = 7.0


@dataclass(frozen=True)
class _Block:
    """An error already wrapped into lines, so its height is known before drawing."""

    title: list[str]
    line_label: str
    message: list[str]
    path: list[str]

    @property
    def height(self) -> float:
        return (
            len(self.title) * HEAD_LINE_H
            + len(self.message) * BODY_LINE_H
            + len(self.path) * PATH_LINE_H
            + BLOCK_GAP
        )


def render_error_report_pdf(report: ErrorReport) -> bytes:
    """Render the error report as an A4 PDF and return its bytes."""
    pdf = ReportPDF(
        title=f"Erros do arquivo {report.file_name}",
        footer_label=f"Relatório de erros · {report.file_name}",
        created_at=report.received_at,
    )
    pdf.title_block(TITLE, SUBTITLE)
    _summary(pdf, report)
    for heading, errors in group_errors(report.errors):
        _group(pdf, heading, errors)
    if not report.errors:
        pdf.set_font(FONT, "I", 9)
        pdf.cell(0, 7, "Nenhum erro registrado para este arquivo.")
    return bytes(pdf.output())


def group_errors(errors: list[ErrorLine]) -> list[tuple[str, list[ErrorLine]]]:
    """File-level errors first (they often cause the others), then guides in file order."""
    general = [e for e in errors if not e.guide_number]
    by_guide: dict[str, list[ErrorLine]] = {}
    for error in errors:
        if error.guide_number:
            by_guide.setdefault(error.guide_number, []).append(error)
    groups = [(GENERAL_HEADING, general)] if general else []
    groups += [(f"Guia {number}", items) for number, items in by_guide.items()]
    return groups


def _summary(pdf: ReportPDF, report: ErrorReport) -> None:
    pdf.field_grid(
        [
            ("Arquivo", report.file_name),
            ("Recebido em", fmt.datetime_br(report.received_at)),
            ("Tamanho", fmt.file_size(report.size_bytes)),
            ("Total de erros", str(len(report.errors))),
            ("Prestador", f"{report.provider_name} (código {report.provider_code})"),
            ("Usuário", report.user_login),
        ]
    )
    # The MD5 identifies the exact file sent; it is long, so it gets a full row.
    y = pdf.get_y()
    height = pdf.field(pdf.l_margin, y, pdf.epw, "MD5 do arquivo", report.md5, mono=True)
    pdf.set_xy(pdf.l_margin, y + height + 4)


def _group(pdf: ReportPDF, heading: str, errors: list[ErrorLine]) -> None:
    blocks = [_wrap_error(pdf, error) for error in errors]
    count = len(errors)
    title = f"{heading} · {count} {'erro' if count == 1 else 'erros'}"
    # Keep the heading together with at least its first error.
    pdf.ensure_space(HEADING_H + 2 + blocks[0].height)
    _heading(pdf, title)
    for block in blocks:
        if pdf.ensure_space(block.height):
            _heading(pdf, f"{heading} (continuação)")
        _draw_block(pdf, block)
    pdf.ln(2)


def _heading(pdf: ReportPDF, text: str) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.set_fill_color(FILL_GRAY)
    pdf.cell(0, HEADING_H, text, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _wrap_error(pdf: ReportPDF, error: ErrorLine) -> _Block:
    width = pdf.epw - INDENT - 2 * pdf.c_margin
    pdf.set_font(FONT, "B", 9)
    title = pdf.wrap(_code_title(error), width - LINE_COL)
    pdf.set_font(FONT, "", 9)
    message = pdf.wrap(error.message, width)
    pdf.set_font(MONO, "", 7.5)
    path = _wrap_path(pdf, f"Caminho: {error.path}", width) if error.path else []
    line_label = f"Linha {error.line}" if error.line is not None else ""
    return _Block(title, line_label, message, path)


def _code_title(error: ErrorLine) -> str:
    if error.code and error.code_description:
        return f"{error.code} - {error.code_description}"
    return error.code or error.code_description or "Erro sem código TISS"


def _wrap_path(pdf: ReportPDF, path: str, width: float) -> list[str]:
    """XPaths have no spaces: break them after a '/' so each element stays readable."""
    lines: list[str] = []
    current = ""
    for piece in re.findall(r"[^/]*/|[^/]+", path):
        if current and pdf.text_width(current + piece) > width:
            lines.append(current)
            current = ""
        current += piece
    if current:
        lines.append(current)
    # A single element longer than the line still has to fit.
    return [part for line in lines for part in pdf.wrap(line, width)]


def _draw_block(pdf: ReportPDF, block: _Block) -> None:
    x = pdf.l_margin + INDENT
    width = pdf.epw - INDENT
    top = pdf.get_y()
    if block.line_label:
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(TEXT_GRAY)
        pdf.text_line(x + width - LINE_COL, top, LINE_COL, HEAD_LINE_H, block.line_label, "R")
        pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 9)
    y = _draw_lines(pdf, x, top, width - LINE_COL, HEAD_LINE_H, block.title)
    pdf.set_font(FONT, "", 9)
    y = _draw_lines(pdf, x, y, width, BODY_LINE_H, block.message)
    pdf.set_font(MONO, "", 7.5)
    pdf.set_text_color(TEXT_GRAY)
    y = _draw_lines(pdf, x, y, width, PATH_LINE_H, block.path)
    pdf.set_text_color(0)
    pdf.set_xy(pdf.l_margin, y + BLOCK_GAP)


def _draw_lines(pdf: ReportPDF, x: float, y: float, w: float, h: float, lines: list[str]) -> float:
    """Draw lines from y down; returns the y below them."""
    for line in lines:
        # Only a block taller than a whole page gets here near the bottom.
        if y + h > pdf.page_break_trigger:
            pdf.add_page()
            y = pdf.get_y()
        pdf.text_line(x, y, w, h, line)
        y += h
    return y
