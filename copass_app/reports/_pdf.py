"""Shared fpdf2 base: A4 page, footer with page numbers, text that never crashes.

Core fonts (Helvetica) avoid embedding a font file, which keeps rendering fast
and the PDFs small. They are declared with WinAnsiEncoding, so we encode as
cp1252: Latin-1 plus typographic quotes, dashes, ellipsis and the euro sign.
Anything else is replaced (see ``pdf_safe``) instead of raising.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from fpdf import FPDF

ENCODING = "cp1252"
MARGIN = 15.0  # mm
FOOTER_SPACE = 16.0  # mm kept free at the bottom for the footer
FONT = "Helvetica"
MONO = "Courier"
TEXT_GRAY = 90
LINE_GRAY = 200
FILL_GRAY = 242


def pdf_safe(text: str) -> str:
    """Return text the core fonts can print: unknown characters degrade, never raise."""
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        return "".join(_safe_char(ch) for ch in text)
    return text


def _safe_char(ch: str) -> str:
    try:
        ch.encode(ENCODING)
        return ch
    except UnicodeEncodeError:
        pass
    category = unicodedata.category(ch)
    if category in ("Mn", "Cf"):  # combining marks, zero-width joiners, emoji selectors
        return ""
    # Compatibility decomposition keeps the readable part: 'ş' -> 's', 'ﬁ' -> 'fi'.
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
    )
    try:
        decomposed.encode(ENCODING)
    except UnicodeEncodeError:
        return "?"
    return decomposed or "?"


class ReportPDF(FPDF):
    """A4 portrait document with 'Página X de Y' and a label in every footer."""

    def __init__(self, title: str, footer_label: str, created_at: datetime | None = None):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.footer_label = footer_label
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=FOOTER_SPACE)
        self.set_title(title)
        self.set_creator("Portal do Prestador")
        self.set_lang("pt-BR")
        if created_at is not None:
            # Same input, same bytes: no "now" hidden in the metadata.
            self.set_creation_date(created_at)
        self.add_page()

    def normalize_text(self, text: str) -> str:
        # Every text call (cell, multi_cell, widths, footer) funnels through here.
        return super().normalize_text(pdf_safe(text))

    def footer(self) -> None:
        self.set_y(-FOOTER_SPACE + 4)
        self.set_draw_color(LINE_GRAY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FONT, "", 7.5)
        self.set_text_color(TEXT_GRAY)
        page_w = 30.0  # "Página 999 de 999" fits; the label gets the rest
        label_w = self.epw - page_w
        self.cell(label_w, 6, self.fit_line(self.footer_label, label_w - 2 * self.c_margin))
        self.cell(page_w, 6, f"Página {self.page_no()} de {{nb}}", align="R")
        self.set_text_color(0)

    # --- small layout helpers shared by the reports ------------------------

    def space_left(self) -> float:
        return self.page_break_trigger - self.get_y()

    def ensure_space(self, height: float) -> bool:
        """Start a new page when `height` does not fit; True if it did."""
        if self.space_left() < height:
            self.add_page()
            return True
        return False

    def rule(self, gray: int = LINE_GRAY) -> None:
        self.set_draw_color(gray)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FONT, "B", 16)
        self.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.set_font(FONT, "", 9)
            self.set_text_color(TEXT_GRAY)
            self.multi_cell(0, 4.5, subtitle, align="L", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0)
        self.ln(2)
        self.rule()
        self.ln(3)

    def field(self, x: float, y: float, w: float, label: str, value: str, mono: bool = False) -> float:
        """Small gray label above a wrapped value; returns the height used."""
        self.set_xy(x, y)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(TEXT_GRAY)
        self.cell(w, 4, label.upper())
        self.set_text_color(0)
        self.set_xy(x, y + 4)
        self.set_font(MONO if mono else FONT, "", 9.5)
        self.multi_cell(w, 4.8, value or "-", align="L", new_x="LEFT", new_y="NEXT")
        return self.get_y() - y

    def field_grid(self, pairs: list[tuple[str, str]], columns: int = 2, gap: float = 6.0) -> None:
        """Label/value pairs laid out in columns; a row grows with its tallest value."""
        col_w = (self.epw - gap * (columns - 1)) / columns
        for start in range(0, len(pairs), columns):
            y = self.get_y()
            heights = [
                self.field(self.l_margin + i * (col_w + gap), y, col_w, label, value)
                for i, (label, value) in enumerate(pairs[start : start + columns])
            ]
            self.set_xy(self.l_margin, y + max(heights) + 2)

    # --- fast path for big tables ------------------------------------------
    # cell() and get_string_width() copy the graphics state on every call,
    # which dominates a 100-row table. Core fonts have a plain width table,
    # so measuring and placing text ourselves is several times faster.

    def text_width(self, text: str) -> float:
        """Width in mm of text in the current core font."""
        widths = self.current_font.cw
        chars = self.normalize_text(text)
        return sum(widths[c] for c in chars) * self.font_size_pt * 0.001 / self.k

    def text_line(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        """One line of text in the box (x, y, w, h), aligned like cell() would."""
        if align == "R":
            x += w - self.c_margin - self.text_width(text)
        else:
            x += self.c_margin
        # Same baseline as cell(): middle of the box, shifted by 0.3 of the font size.
        self.text(x, y + 0.5 * h + 0.3 * self.font_size, text)

    def fit_line(self, text: str, width: float) -> str:
        """Cut text to one line of `width`, ending in '…' when something was cut."""
        if self.text_width(text) <= width:
            return text
        while text and self.text_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def wrap(self, text: str, width: float) -> list[str]:
        """Word wrap with the current font; keeps explicit newlines."""
        lines: list[str] = []
        for paragraph in (text or "").split("\n"):
            lines.extend(self._wrap_paragraph(paragraph, width))
        return lines

    def _wrap_paragraph(self, text: str, width: float) -> list[str]:
        # Greedy fill. Core fonts have no kerning, so widths simply add up and
        # each word is measured once (keeps long messages linear, not quadratic).
        space = self.text_width(" ")
        lines: list[str] = []
        current, current_w = "", 0.0
        for word in text.split():
            word_w = self.text_width(word)
            if current and current_w + space + word_w <= width:
                current, current_w = f"{current} {word}", current_w + space + word_w
                continue
            if current:
                lines.append(current)
            while word_w > width and len(word) > 1:
                cut = self._fit_chars(word, width)
                lines.append(word[:cut])
                word = word[cut:]
                word_w = self.text_width(word)
            current, current_w = word, word_w
        if current or not lines:
            lines.append(current)
        return lines

    def _fit_chars(self, word: str, width: float) -> int:
        cut = len(word) - 1
        while cut > 1 and self.text_width(word[:cut]) > width:
            cut -= 1
        return cut
