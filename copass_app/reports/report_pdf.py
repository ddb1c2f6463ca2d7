"""One PDF for every tabular report: header with the operator, the provider and the period, the table
(its header repeated on each page), the totals line, notes, and 'Página X de Y' in the footer.

Figures are never cut: each figure column is as wide as its widest value (the totals line, mostly), the
text columns share what is left and a long text ends in '…'. If the figures do not fit, the font shrinks.
Built for long reports: each cell is one line placed with ReportPDF's fast text path, so 5,000 lines take
well under the 3 s budget (bench/reports_bench.py measures it). `progress(done, total)` is called as lines
are drawn, for the page's "Gerando…" indicator.
"""

from __future__ import annotations

from copass_app import formatting as fmt
from copass_app.reports._pdf import FILL_GRAY, FONT, TEXT_GRAY, ReportPDF
from copass_app.reports.report_table import Kind, Progress, TableReport, display

FONT_SIZES = (7.5, 7.0, 6.5, 6.0, 5.5)
ROW_H = 5.0  # mm
HEADER_H = 6.5
MIN_TEXT_W = 14.0  # mm a text column keeps at least
PROGRESS_EVERY = 250  # lines


class TablePDF(ReportPDF):
    """ReportPDF in landscape when the report asks for it (every page, the automatic breaks included)."""

    def __init__(self, report: TableReport):
        self._orientation = "L" if report.landscape else "P"
        super().__init__(title=report.title, footer_label=f"{report.title} · {report.provider}",
                         created_at=report.generated_at)

    def add_page(self, *args, **kwargs):
        kwargs.setdefault("orientation", self._orientation)
        super().add_page(*args, **kwargs)


class _Layout:
    def __init__(self, pdf: TablePDF, report: TableReport, cells: list[list[str]], totals: list[str]):
        self.report = report
        self.aligns = [c.align for c in report.columns]
        self.placed: dict[tuple[int, str], tuple[str, float]] = {}  # (column, text) -> (text shown, x offset)
        for size in FONT_SIZES:
            self.font_size = size
            self.widths = self._fit(pdf, report, cells, totals, size)
            if self.widths:
                return
        self.widths = self._fit(pdf, report, cells, totals, FONT_SIZES[-1], force=True)

    @staticmethod
    def _fit(pdf, report, cells, totals, size, force=False) -> list[float] | None:
        pad = 2 * pdf.c_margin + 0.6
        needed: list[float | None] = []
        for index, column in enumerate(report.columns):
            if column.kind == Kind.TEXT:
                needed.append(None)
                continue
            longest = max((row[index] for row in cells), key=len, default="")
            pdf.set_font(FONT, "", size)
            widest = pdf.text_width(longest)
            pdf.set_font(FONT, "B", size)
            widest = max(widest, pdf.text_width(totals[index]), pdf.text_width(column.label))
            needed.append(widest + pad)
        figures = sum(w for w in needed if w is not None)
        text_columns = [c for c, w in zip(report.columns, needed, strict=True) if w is None]
        left = pdf.epw - figures
        if not force and left < MIN_TEXT_W * len(text_columns):
            return None
        weight = sum(c.width for c in text_columns) or 1
        scale = 1.0 if left >= 0 or not force else pdf.epw / figures
        return [w * scale if w is not None else max(left, 0) * c.width / weight
                for c, w in zip(report.columns, needed, strict=True)]


def render_table_pdf(report: TableReport, progress: Progress | None = None) -> bytes:
    """The report as an A4 PDF (landscape when `report.landscape`); returns its bytes."""
    pdf = TablePDF(report)
    pdf.title_block(report.title, report.operator)
    pdf.field_grid([("Prestador", report.provider), ("Período", report.period),
                    ("Emitido em", fmt.datetime_br(report.generated_at)),
                    ("Linhas", display(report.line_count, Kind.COUNT))], columns=2)
    done = [0]
    total = report.line_count

    def tick() -> None:
        done[0] += 1
        if progress is not None and done[0] % PROGRESS_EVERY == 0:
            progress(done[0], total)

    _table(pdf, report, tick)
    for section in report.sections:
        pdf.ln(4)
        pdf.ensure_space(30)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
        _table(pdf, section, tick)
    if progress is not None:
        progress(total, total)
    return bytes(pdf.output())


def _header(pdf: ReportPDF, layout: _Layout) -> None:
    pdf.set_font(FONT, "B", layout.font_size)
    pdf.set_fill_color(60)
    pdf.set_text_color(255)
    x, y = pdf.l_margin, pdf.get_y()
    pdf.rect(x, y, pdf.epw, HEADER_H, style="F")
    for column, width in zip(layout.report.columns, layout.widths, strict=True):
        pdf.text_line(x, y, width, HEADER_H, pdf.fit_line(column.label, width - 2 * pdf.c_margin), column.align)
        x += width
    pdf.set_text_color(0)
    pdf.set_xy(pdf.l_margin, y + HEADER_H)
    pdf.set_font(FONT, "", layout.font_size)


def _line(pdf: ReportPDF, layout: _Layout, cells: list[str], *, striped: bool) -> None:
    if pdf.ensure_space(ROW_H):
        _header(pdf, layout)
    x, y = pdf.l_margin, pdf.get_y()
    if striped:
        pdf.set_fill_color(FILL_GRAY)
        pdf.rect(x, y, pdf.epw, ROW_H, style="F")
    # Where each text goes, measured once per distinct text and column: names, payees and banks repeat.
    baseline = y + 0.5 * ROW_H + 0.3 * pdf.font_size
    placed = layout.placed
    for column, (align, width, text) in enumerate(zip(layout.aligns, layout.widths, cells, strict=True)):
        if text:
            key = (column, text)
            found = placed.get(key)
            if found is None:
                shown = text if align == "R" else pdf.fit_line(text, width - 2 * pdf.c_margin)
                offset = width - pdf.c_margin - pdf.text_width(shown) if align == "R" else pdf.c_margin
                found = placed[key] = (shown, offset)
            pdf.text(x + found[1], baseline, found[0])
        x += width
    pdf.set_xy(pdf.l_margin, y + ROW_H)


def _totals_line(pdf: ReportPDF, layout: _Layout, totals: list[str], label: str) -> None:
    """The totals in bold; the label spans the leading columns that have no total."""
    pdf.ensure_space(ROW_H + 1)
    pdf.rule(0)
    pdf.set_font(FONT, "B", layout.font_size)
    x, y = pdf.l_margin, pdf.get_y()
    span = 0
    while span < len(totals) and not totals[span]:
        span += 1
    span = max(span, 1)
    label_w = sum(layout.widths[:span])
    pdf.text_line(x, y, label_w, ROW_H, pdf.fit_line(label, label_w - 2 * pdf.c_margin), "L")
    x += label_w
    for align, width, text in zip(layout.aligns[span:], layout.widths[span:], totals[span:], strict=True):
        if text:
            pdf.text_line(x, y, width, ROW_H, text, align)
        x += width
    pdf.set_xy(pdf.l_margin, y + ROW_H)
    pdf.rule(0)
    pdf.set_font(FONT, "", layout.font_size)


def _table(pdf: ReportPDF, report: TableReport, tick) -> None:
    columns = report.columns
    cells = [[display(row.get(c.key), c.kind) for c in columns] for row in report.rows]
    totals = [display(report.totals[c.key], c.kind) if c.key in report.totals else "" for c in columns]
    layout = _Layout(pdf, report, cells, totals)
    pdf.ensure_space(HEADER_H + 3 * ROW_H)  # never a header alone at the foot of a page
    _header(pdf, layout)
    for index, line in enumerate(cells):
        _line(pdf, layout, line, striped=index % 2 == 1)
        tick()
    if not cells:
        pdf.set_font(FONT, "I", 8.5)
        pdf.cell(0, 8, report.empty_text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", layout.font_size)
    _totals_line(pdf, layout, totals, report.totals_label)
    if report.notes:
        pdf.ln(2)
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(TEXT_GRAY)
        for note in report.notes:
            pdf.ensure_space(5)
            pdf.multi_cell(0, 3.8, note, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
