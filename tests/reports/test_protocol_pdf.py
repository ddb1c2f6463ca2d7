import re
import time
from dataclasses import replace

import pypdfium2
import pytest
import zxingcpp

from copass_app.models import BatchOrigin
from copass_app.reports import render_protocol_pdf
from copass_app.reports._pdf import pdf_safe
from copass_app.vocabulary import BATCH_ORIGIN

from .samples import make_guide, make_protocol, pdf_pages_text


def test_small_protocol_shows_what_the_provider_needs(small_protocol):
    pdf = render_protocol_pdf(small_protocol)
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages_text(pdf)
    assert len(pages) == 1
    text = pages[0]
    for expected in [
        "Protocolo de recebimento de lote",
        "Operadora Saúde Exemplo",
        "123456",  # registro ANS
        "2026000123",
        "Clínica São José Ltda",
        "000987",
        "12.345.678/0001-90",
        "12/2026",  # competência
        "31/12/2026 14:05",
        "Arquivo XML TISS",
        "LOTE-77",
        "João Conceição",
        "Maria Antônia Gonçalves",
        "Zé Araújo",
        "R$ 1.234,56",
        "R$ 100,00",
        "R$ 0,44",
        "R$ 1.335,00",  # total
        "Total do lote (3 guias)",
        "Página 1 de 1",
    ]:
        assert expected in text, expected


def test_guide_details_in_table(small_protocol):
    text = pdf_pages_text(render_protocol_pdf(small_protocol))[0]
    assert "00000000000000000001" in text  # card number, leading zeros kept
    assert "G000001" in text and "OP000001" in text  # provider and operator guide numbers
    assert "SP/SADT" in text
    assert "02/12/2026" in text  # performed date


def test_cpf_provider_and_web_origin(small_protocol):
    report = make_protocol(small_protocol.guides, provider_document="12345678909",
                           origin_label=BATCH_ORIGIN.label(BatchOrigin.WEB))
    text = pdf_pages_text(render_protocol_pdf(report))[0]
    assert "CPF" in text and "123.456.789-09" in text
    assert "Portal do Prestador (faturamento na web)" in text  # the vocabulary's label, as on the pages


def test_100_guides_span_pages_with_header_repeated(big_protocol):
    pages = pdf_pages_text(render_protocol_pdf(big_protocol))
    count = len(pages)
    assert count > 1
    for number, text in enumerate(pages, start=1):
        assert f"Página {number} de {count}" in text
        assert "Beneficiário" in text and "Carteira" in text  # table header on every page
    everything = "\n".join(pages)
    for i in range(1, 101):
        assert f"Beneficiário Número {i:03d}" in everything
    assert "R$ 123.456,00" in pages[-1]
    assert "Total do lote (100 guias)" in pages[-1]


def test_rows_are_not_cut_between_pages(big_protocol):
    pages = pdf_pages_text(render_protocol_pdf(big_protocol))
    # Each guide's name, card and value land on the same page.
    for i in range(1, 101):
        holders = [p for p in pages if f"Beneficiário Número {i:03d}" in p]
        assert len(holders) == 1
        assert f"{i:020d}" in holders[0]


def test_100_guides_render_fast(big_protocol):
    render_protocol_pdf(big_protocol)  # warm-up: imports, font tables, babel data
    best = min(_timed(render_protocol_pdf, big_protocol) for _ in range(3))
    assert best < 0.2, f"{best * 1000:.0f} ms"


def _timed(func, arg) -> float:
    start = time.perf_counter()
    func(arg)
    return time.perf_counter() - start


def test_characters_outside_latin1_do_not_crash():
    guides = [
        make_guide(1, "Ana “Aninha” Souza — filha"),  # cp1252 has these: kept
        make_guide(2, "Pedro 😀 Lima"),  # emoji: replaced
        make_guide(3, "Şükrü Øster ﬁlho"),  # decomposes to readable letters
        make_guide(4, "Li 李 Wei\u200b"),  # CJK and a zero-width space
    ]
    report = make_protocol(guides, provider_name="Clínica “Boa Saúde” ✓")
    text = "\n".join(pdf_pages_text(render_protocol_pdf(report)))
    assert "“Aninha”" in text
    assert "Pedro ? Lima" in text
    assert "Sükrü Øster filho" in text
    assert "Li ? Wei" in text
    assert "Clínica “Boa Saúde” ?" in text


def test_long_values_wrap_instead_of_overflowing():
    name = "Maria " + "Conceição " * 12 + "Fim"
    report = make_protocol([make_guide(1, name), make_guide(2, "X" * 90)])
    text = pdf_pages_text(render_protocol_pdf(report))[0]
    assert "Fim" in text
    assert re.sub(r"\s", "", text).count("X" * 90) == 1  # split over lines, nothing lost


def test_empty_batch():
    text = pdf_pages_text(render_protocol_pdf(make_protocol([])))[0]
    assert "Nenhuma guia neste lote." in text
    assert "R$ 0,00" in text


def test_same_input_same_bytes(small_protocol):
    assert render_protocol_pdf(small_protocol) == render_protocol_pdf(small_protocol)


@pytest.mark.parametrize(
    "raw, expected",
    [("João", "João"), ("“ok” – …", "“ok” – …"), ("a😀b", "a?b"), ("ﬁ", "fi"), ("e\u0301", "e")],
)
def test_pdf_safe(raw, expected):
    assert pdf_safe(raw) == expected


def test_data_refuses_float(small_protocol):
    with pytest.raises(TypeError):
        replace(make_guide(1), value=1.5)
    with pytest.raises(TypeError):
        make_protocol(small_protocol.guides, total=10.0)


def test_long_provider_name_is_shortened_in_the_footer_only(small_protocol):
    name = "Hospital e Maternidade " + "Nossa Senhora da Conceição " * 6
    report = make_protocol(small_protocol.guides, provider_name=name.strip())
    text = pdf_pages_text(render_protocol_pdf(report))[0]
    assert "Página 1 de 1" in text
    footer = text.splitlines()[-1]
    assert footer.startswith("Protocolo nº 2026000123") and "…" in footer
    assert "Conceição Nossa Senhora da Conceição" in re.sub(r"\s+", " ", text)  # whole name above


def _scanned_codes(pdf: bytes, dpi: int) -> dict[str, list[str]]:
    """What a reception scanner reads on page 1 printed at `dpi`: texts by barcode format."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    found: dict[str, list[str]] = {}
    for code in zxingcpp.read_barcodes(image):
        found.setdefault(code.format.name, []).append(code.text)
    return found


@pytest.mark.parametrize("dpi", [150, 300])
def test_protocol_number_scans_as_code128_and_qr(small_protocol, dpi):
    codes = _scanned_codes(render_protocol_pdf(small_protocol), dpi)
    assert codes == {"Code128": ["2026000123"], "QRCode": ["2026000123"]}


@pytest.mark.parametrize("number", ["202600000001", "000123456789", "9"])
def test_every_protocol_number_scans_back_exactly(small_protocol, number):
    # 12 digits is the longest TISS numeroProtocolo; leading zeros must survive the scan.
    codes = _scanned_codes(render_protocol_pdf(make_protocol(small_protocol.guides, protocol_number=number)), 200)
    assert codes == {"Code128": [number], "QRCode": [number]}


def test_codes_are_on_the_first_page_only_and_text_still_reads(big_protocol):
    pdf = render_protocol_pdf(big_protocol)
    assert _scanned_codes(pdf, 200) == {"Code128": ["2026000123"], "QRCode": ["2026000123"]}
    document = pypdfium2.PdfDocument(pdf)
    try:
        second = document[1].render(scale=200 / 72).to_pil()
    finally:
        document.close()
    assert zxingcpp.read_barcodes(second) == []
    assert "NÚMERO DO PROTOCOLO" in pdf_pages_text(pdf)[0]
