"""Machine-readable codes drawn as vector rectangles: Code 128 barcode and QR code.

The libraries encode (python-barcode gives the Code 128 modules, segno the QR
matrix); fpdf2 only draws the dark modules, merged into runs, so a code costs
a few dozen rectangles, stays sharp at any print resolution and embeds no image.
Each code sits on a white field with its quiet zone, so a scanner reads it on
the gray protocol box as on plain paper.
"""

from __future__ import annotations

import barcode
import segno
from fpdf import FPDF

CODE128_QUIET_MODULES = 10  # the standard asks for 10 modules of white on each side
QR_QUIET_MODULES = 4


def code128_modules(text: str) -> str:
    """The bars and spaces of `text` in Code 128, as '1' (bar) and '0' (space), one per module."""
    return barcode.get("code128", text).build()[0]


def code128_width(text: str, module: float) -> float:
    """Width in mm of the barcode of `text` with its quiet zones."""
    return (len(code128_modules(text)) + 2 * CODE128_QUIET_MODULES) * module


def draw_code128(pdf: FPDF, x: float, y: float, text: str, module: float, height: float) -> float:
    """Draw `text` as Code 128 at (x, y) including quiet zones; returns the width used."""
    modules = code128_modules(text)
    quiet = CODE128_QUIET_MODULES * module
    width = len(modules) * module + 2 * quiet
    pdf.set_fill_color(255)
    pdf.rect(x, y, width, height, style="F")
    pdf.set_fill_color(0)
    for start, length in _runs(modules):
        pdf.rect(x + quiet + start * module, y, length * module, height, style="F")
    return width


def draw_qr(pdf: FPDF, x: float, y: float, text: str, size: float) -> None:
    """Draw `text` as a (full, not micro) QR code filling a `size` mm square, quiet zone included."""
    matrix = segno.make(text, error="m", micro=False).matrix
    count = len(matrix) + 2 * QR_QUIET_MODULES
    module = size / count
    pdf.set_fill_color(255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0)
    origin_x = x + QR_QUIET_MODULES * module
    origin_y = y + QR_QUIET_MODULES * module
    for row, cells in enumerate(matrix):
        bits = "".join("1" if cell else "0" for cell in cells)
        for start, length in _runs(bits):
            pdf.rect(origin_x + start * module, origin_y + row * module, length * module, module, style="F")


def _runs(bits: str) -> list[tuple[int, int]]:
    """(start, length) of each run of '1'."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, bit in enumerate(bits + "0"):
        if bit == "1" and start is None:
            start = index
        elif bit != "1" and start is not None:
            runs.append((start, index - start))
            start = None
    return runs
