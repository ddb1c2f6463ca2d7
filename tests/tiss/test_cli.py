"""`copass validate FILE... [--json]`: exit codes, Portuguese output, one JSON list."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from copass_app.tiss.cli import main, run_validate

from .conftest import PASSWD_MARKERS

ROOT = Path(__file__).resolve().parents[2]


def run(paths, as_json=False, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    status = run_validate([str(p) for p in paths], as_json, out, err, **kwargs)
    return status, out.getvalue(), err.getvalue()


def test_valid_file_exits_0_with_a_portuguese_summary(corpus):
    status, out, _ = run([corpus / "valido_sadt_iso8859-1.xml"])
    assert status == 0
    assert "VÁLIDO - TISS 4.03.00, ENVIO_LOTE_GUIAS, lote 2026000001, 3 guia(s) de SP/SADT, total R$ 85,70" in out


def test_invalid_file_exits_1_listing_code_line_and_path(corpus):
    status, out, _ = run([corpus / "erro_total_da_guia.xml"])
    assert status == 1
    assert "INVÁLIDO - 1 erro(s)" in out
    assert "[5042] linha 197: Guia 00000002: o valor total informado (R$ 32,50)" in out
    guides = "/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS"
    assert f"em {guides}/guiaSP-SADT[2]/valorTotal/valorTotalGeral" in out


def test_several_files_exit_1_when_any_is_invalid(corpus):
    status, out, _ = run([corpus / "valido_consulta_utf8.xml", corpus / "erro_hash.xml"])
    assert status == 1
    assert "2 arquivos verificados: 1 válido(s), 1 inválido(s)." in out


def test_no_files_is_a_usage_error():
    status, out, err = run([])
    assert status == 2 and out == ""
    assert "informe ao menos um arquivo" in err


def test_missing_file_is_a_usage_error_and_nothing_is_validated(corpus):
    status, out, err = run([corpus / "valido_consulta_utf8.xml", "/nao/existe.xml"])
    assert status == 2 and out == ""
    assert "arquivo não encontrado: /nao/existe.xml" in err


def test_directory_is_a_usage_error(corpus):
    status, _, err = run([corpus])
    assert status == 2 and "não é um arquivo" in err


def test_json_is_one_list_with_one_entry_per_file(corpus):
    status, out, _ = run([corpus / "valido_internacao_utf8.xml", corpus / "erro_xsd.xml"], as_json=True)
    assert status == 1
    report = json.loads(out)
    assert [entry["file"].rsplit("/", 1)[-1] for entry in report] == ["valido_internacao_utf8.xml", "erro_xsd.xml"]
    valid, invalid = report
    assert valid == {"file": valid["file"], "valid": True, "version": "4.03.00", "transaction": "ENVIO_LOTE_GUIAS",
                     "lot": "2026000001", "guides": 3, "total": "7192.00", "errors": []}
    assert invalid["valid"] is False and invalid["guides"] == 3
    first = invalid["errors"][0]
    assert first["code"] == "5027" and isinstance(first["line"], int)
    assert first["path"].endswith("guiaSP-SADT[2]/cabecalhoGuia/registroANS")
    assert "registroANS" in first["message"]


def test_json_error_code_is_null_when_there_is_none(corpus, tmp_path):
    status, out, _ = run([corpus / "erro_tamanho.xml"], as_json=True, max_bytes=1024)
    assert status == 1 and json.loads(out)[0]["errors"][0]["code"] == "5002"


def test_passwd_never_appears_in_any_output(corpus):
    for as_json in (False, True):
        _, out, err = run([corpus / "erro_entidade_externa_etc_passwd.xml"], as_json=as_json)
        assert not any(marker in out + err for marker in PASSWD_MARKERS)


def test_main_parses_arguments(corpus, capsys):
    assert main([str(corpus / "valido_odonto_iso8859-1.xml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["valid"] is True


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "copass_app.tiss.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", env={**os.environ, **(env or {})}, timeout=120)


def test_module_entry_point_exit_codes(corpus):
    assert cli(str(corpus / "valido_honorarios_utf8.xml")).returncode == 0
    assert cli(str(corpus / "erro_padrao.xml")).returncode == 1
    assert cli().returncode == 2
    assert cli("/nao/existe.xml").returncode == 2


def test_module_entry_point_json_and_size_limit_from_environment(corpus):
    done = cli(str(corpus / "erro_tamanho.xml"), "--json", env={"COPASS_MAX_XML_BYTES": str(64 * 1024)})
    assert done.returncode == 1
    [entry] = json.loads(done.stdout)
    size = (corpus / "erro_tamanho.xml").stat().st_size
    # The whole file's size (read from disk, though only the first 64 KiB were read), in the limit's unit.
    assert entry["errors"][0]["code"] == "5002"
    assert entry["errors"][0]["message"].startswith(
        f"O arquivo tem {size / 1000:.1f}".replace(".", ",") + " kB e excede o limite de 65,5 kB (65.536 bytes).")
