import re

from copass_app.reports import ErrorLine, render_error_report_pdf
from copass_app.reports.error_report_pdf import GENERAL_HEADING, group_errors

from .samples import DEEP_PATH, make_error_report, pdf_pages_text


def _flat(text: str) -> str:
    # Wrapped lines are rejoined so long paths can be compared whole.
    return re.sub(r"\s+", "", text)


def test_header_shows_file_identity(error_report):
    text = pdf_pages_text(render_error_report_pdf(error_report))[0]
    for expected in [
        "Relatório de erros do arquivo XML",
        "lote_000123.xml",
        "31/12/2026 09:30",
        "9e107d9d372bb6826bd81d3542a419d6",
        "48,2 kB (48.213 bytes)",
        "Clínica São José Ltda",
        "000987",
        "maria.souza",
        "Página 1 de 1",
    ]:
        assert expected in text, expected
    assert re.search(r"TOTAL DE ERROS\s+4", text)


def test_errors_are_grouped_by_guide_general_first(error_report):
    text = pdf_pages_text(render_error_report_pdf(error_report))[0]
    general = text.index("Erros gerais do arquivo · 1 erro")
    guide_a = text.index("Guia 12345 · 2 erros")
    guide_b = text.index("Guia 67890 · 1 erro")
    assert general < guide_a < guide_b
    # Each message sits under its own guide's heading.
    assert general < text.index("O hash do epílogo não confere") < guide_a
    assert guide_a < text.index("O procedimento 99999999 não existe") < guide_b
    assert guide_a < text.index("Data de realização 31/02/2026 é inválida.") < guide_b
    assert guide_b < text.index("Data de atendimento posterior à data de envio.")


def test_each_error_shows_code_description_line_and_path(error_report):
    text = pdf_pages_text(render_error_report_pdf(error_report))[0]
    assert "5014 - CÓDIGO HASH INVÁLIDO" in text
    assert "1801 - PROCEDIMENTO INVÁLIDO" in text
    assert "1323 - DATA PREENCHIDA INCORRETAMENTE" in text
    assert "Erro sem código TISS" in text  # the error without a code
    assert "Linha 120" in text and "Linha 130" in text and "Linha 2" in text
    assert _flat("Caminho: " + DEEP_PATH) in _flat(text)  # long path wrapped, complete


def test_long_messages_wrap_and_many_errors_paginate():
    long_message = "O valor informado não confere com a soma dos itens da guia. " * 8
    errors = [
        ErrorLine(f"{g:05d}", "1706", "VALOR APRESENTADO A MAIOR", g, DEEP_PATH, long_message)
        for g in range(60)
    ]
    pages = pdf_pages_text(render_error_report_pdf(make_error_report(errors=errors)))
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in text
    everything = "\n".join(pages)
    for g in range(60):
        assert f"Guia {g:05d} · 1 erro" in everything
    assert everything.count("1706 - VALOR APRESENTADO A MAIOR") == 60


def test_path_longer_than_a_line_without_slashes_is_kept():
    path = "ans:" + "x" * 300
    report = make_error_report(errors=[ErrorLine(None, None, None, None, path, "Elemento inesperado.")])
    assert path in _flat(pdf_pages_text(render_error_report_pdf(report))[0])


def test_no_errors_and_odd_characters_do_not_crash():
    report = make_error_report(errors=[], file_name="lote “final” 😀.xml", user_login="jo\u00e3o")
    text = pdf_pages_text(render_error_report_pdf(report))[0]
    assert "Nenhum erro registrado" in text
    assert "lote “final” ?.xml" in text


def test_group_errors_keeps_file_order_and_treats_empty_guide_as_general():
    errors = [
        ErrorLine("2", None, None, None, "", "b"),
        ErrorLine("", None, None, None, "", "geral"),
        ErrorLine("1", None, None, None, "", "a"),
        ErrorLine("2", None, None, None, "", "c"),
    ]
    groups = group_errors(errors)
    assert [heading for heading, _ in groups] == [GENERAL_HEADING, "Guia 2", "Guia 1"]
    assert [e.message for e in groups[1][1]] == ["b", "c"]


def test_message_longer_than_a_page_continues_on_the_next():
    sentences = [f"Frase {n:03d} de uma mensagem enorme." for n in range(300)]
    errors = [ErrorLine("1", "1706", "VALOR APRESENTADO A MAIOR", 1, DEEP_PATH, " ".join(sentences))]
    pages = pdf_pages_text(render_error_report_pdf(make_error_report(errors=errors)))
    assert len(pages) > 1
    everything = "\n".join(pages)
    assert all(sentence in everything for sentence in sentences)
