"""Printable receipt ('protocolo') of a batch the operator received."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from copass_app import formatting as fmt
from copass_app.reports._pdf import FILL_GRAY, FONT, LINE_GRAY, TEXT_GRAY, ReportPDF
from copass_app.reports.data import ProtocolGuideLine, ProtocolReport
from copass_app.reports.scan_codes import draw_code128, draw_qr

TITLE = "Protocolo de recebimento de lote"
NOTICE = (
    "Este protocolo comprova apenas o recebimento do lote. Os valores estão sujeitos "
    "à análise da operadora e podem sofrer glosas, que poderão ser objeto de recurso."
)
TABLE_FONT_SIZE = 8.0
LINE_H = 3.8  # mm per text line inside a table row
ROW_PAD = 1.2  # mm above and below the text of a row
BOX_H = 34.0  # mm: the protocol box, with the number, the date and both codes
BAR_MODULE = 0.35  # mm per Code 128 module (about 14 mil: reads on office laser prints)
BAR_H = 12.0  # mm
QR_SIZE = 28.0  # mm, quiet zone included


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # mm; the widths add up to the 180 mm between margins
    align: str
    text: Callable[[ProtocolGuideLine], str]


def _guide_number(guide: ProtocolGuideLine) -> str:
    # The operator's number helps their staff find the guide; show it when it differs.
    number = guide.provider_guide_number
    other = guide.operator_guide_number
    return f"{number}\nOper.: {other}" if other and other != number else number


COLUMNS = (
    Column("Beneficiário", 48, "L", lambda g: g.beneficiary_name),
    Column("Carteira", 34, "L", lambda g: g.card_number),
    Column("Guia", 34, "L", _guide_number),
    Column("Tipo", 20, "L", lambda g: g.guide_type_label),
    Column("Realização", 18, "L", lambda g: fmt.date_br(g.performed_date) if g.performed_date else "-"),
    Column("Valor", 26, "R", lambda g: fmt.money(g.value)),
)


def render_protocol_pdf(report: ProtocolReport) -> bytes:
    """Render the batch receipt as an A4 PDF and return its bytes."""
    pdf = ReportPDF(
        title=f"Protocolo {report.protocol_number}",
        footer_label=f"Protocolo nº {report.protocol_number} · {report.provider_name}",
        created_at=report.received_at,
    )
    pdf.title_block(TITLE, f"Operadora: {report.operator_name} · Registro ANS {report.operator_ans_registry}")
    _protocol_box(pdf, report)
    _summary(pdf, report)
    _guides_table(pdf, report.guides)
    _total(pdf, report)
    _notice(pdf)
    return bytes(pdf.output())


def _protocol_box(pdf: ReportPDF, report: ProtocolReport) -> None:
    """The protocol number is what providers quote to the operator: make it stand out.

    It is also printed as a Code 128 barcode and a QR code: the operator's reception
    scans the protocol attached to the physical invoices instead of typing the number.
    """
    x, y, w, h = pdf.l_margin, pdf.get_y(), pdf.epw, BOX_H
    pdf.set_fill_color(FILL_GRAY)
    pdf.set_draw_color(LINE_GRAY)
    pdf.rect(x, y, w, h, style="DF")
    qr_x = x + w - 4 - QR_SIZE
    text_right = qr_x - 4  # the date ends left of the QR code
    pdf.set_text_color(TEXT_GRAY)
    pdf.set_font(FONT, "", 8)
    pdf.set_xy(x + 4, y + 3)
    pdf.cell(w / 2, 4, "NÚMERO DO PROTOCOLO")
    pdf.set_xy(x + w * 0.45, y + 3)
    pdf.cell(text_right - x - w * 0.45, 4, "RECEBIDO EM", align="R")
    pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 18)
    pdf.set_xy(x + 4, y + 8)
    pdf.cell(w * 0.45, 9, report.protocol_number)
    pdf.set_font(FONT, "B", 12)
    pdf.set_xy(x + w * 0.45, y + 8)
    pdf.cell(text_right - x - w * 0.45, 9, fmt.datetime_br(report.received_at), align="R")
    draw_code128(pdf, x + 4, y + 19, report.protocol_number, BAR_MODULE, BAR_H)
    draw_qr(pdf, qr_x, y + (h - QR_SIZE) / 2, report.protocol_number, QR_SIZE)
    pdf.set_xy(x, y + h + 4)


def _summary(pdf: ReportPDF, report: ProtocolReport) -> None:
    document = report.provider_document
    pdf.field_grid(
        [
            ("Prestador", report.provider_name),
            ("Código do prestador na operadora", report.provider_code),
            (fmt.document_label(document), fmt.cpf_cnpj(document)),
            ("Competência", fmt.competence(report.competence)),
            ("Origem", report.origin_label),
            ("Número do lote", report.lot_number),
            ("Quantidade de guias", str(len(report.guides))),
            ("Valor total do lote", fmt.money(report.total)),
        ]
    )
    pdf.ln(2)


def _guides_table(pdf: ReportPDF, guides: list[ProtocolGuideLine]) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, "Guias do lote", new_x="LMARGIN", new_y="NEXT")
    pdf.ensure_space(8 + _row_height(1))  # never leave a header alone at the page foot
    _table_header(pdf)
    for index, guide in enumerate(guides):
        _table_row(pdf, guide, striped=index % 2 == 1)
    if not guides:
        pdf.set_font(FONT, "I", TABLE_FONT_SIZE)
        pdf.cell(0, 7, "Nenhuma guia neste lote.", new_x="LMARGIN", new_y="NEXT")


def _row_height(lines: int) -> float:
    return lines * LINE_H + 2 * ROW_PAD


def _table_header(pdf: ReportPDF) -> None:
    pdf.set_font(FONT, "B", TABLE_FONT_SIZE)
    pdf.set_fill_color(60)
    pdf.set_text_color(255)
    for column in COLUMNS:
        pdf.cell(column.width, 6.5, column.label, align=column.align, fill=True)
    pdf.set_text_color(0)
    pdf.ln(6.5)


def _table_row(pdf: ReportPDF, guide: ProtocolGuideLine, striped: bool) -> None:
    pdf.set_font(FONT, "", TABLE_FONT_SIZE)
    cells = [pdf.wrap(col.text(guide), col.width - 2 * pdf.c_margin) for col in COLUMNS]
    height = _row_height(max(len(lines) for lines in cells))
    # Break before the row, not inside it, and repeat the header on the new page.
    if pdf.ensure_space(height):
        _table_header(pdf)
        pdf.set_font(FONT, "", TABLE_FONT_SIZE)
    x, y = pdf.l_margin, pdf.get_y()
    if striped:
        pdf.set_fill_color(FILL_GRAY)
        pdf.rect(x, y, pdf.epw, height, style="F")
    for column, lines in zip(COLUMNS, cells, strict=True):
        for n, line in enumerate(lines):
            pdf.text_line(x, y + ROW_PAD + n * LINE_H, column.width, LINE_H, line, column.align)
        x += column.width
    pdf.set_xy(pdf.l_margin, y + height)
    pdf.rule()


def _total(pdf: ReportPDF, report: ProtocolReport) -> None:
    pdf.ensure_space(12)
    pdf.ln(2)
    count = len(report.guides)
    label = f"Total do lote ({count} {'guia' if count == 1 else 'guias'})"
    pdf.set_font(FONT, "B", 10)
    pdf.cell(pdf.epw - 40, 7, label, align="R")
    pdf.cell(40, 7, fmt.money(report.total), align="R", new_x="LMARGIN", new_y="NEXT")


def _notice(pdf: ReportPDF) -> None:
    pdf.ensure_space(14)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(TEXT_GRAY)
    pdf.multi_cell(0, 4, NOTICE, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
