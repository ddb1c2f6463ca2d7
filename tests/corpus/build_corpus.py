"""Generate the TISS test corpus into tests/corpus/ (deterministic: same bytes every run).

    python tests/corpus/build_corpus.py

Valid lots of each guide type, and one file per failure class. The procedure,
fee, material and medicine names come from the TUSS tables shipped in the
`tiss` package (tables 22, 18, 19 and 20). The generated files are committed;
`expected.json` says what the validator must find in each.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lxml import etree

from copass_app.tiss.hash import set_hash
from copass_app.tiss.messages import LotSpec, build_lot
from copass_app.tiss.model import (
    GUIDE_CONSULTA,
    GUIDE_HONORARIOS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
)
from copass_app.tiss.schema import TISS_NS
from tests.corpus import samples

CORPUS = Path(__file__).resolve().parent
# The oversize file is only "over" a test limit: committing a 20 MB file is no use.
OVERSIZE_TEST_LIMIT = 64 * 1024


def tuss_pools() -> dict[str, tuple[samples.SampleItem, ...]]:
    """The sample pools with every name read from the `tiss` package's TUSS data."""
    import tiss.tuss

    def official(item: samples.SampleItem) -> samples.SampleItem:
        found = tiss.tuss.lookup(item.code, tabela=item.table)
        if not found:
            raise SystemExit(f"Código TUSS {item.code} (tabela {item.table}) não encontrado")
        return replace(item, name=found[0]["termo"][:150])

    return {kind: tuple(official(item) for item in pool) for kind, pool in samples.POOLS.items()}


def lot(guide_type: str, pools, **changes) -> LotSpec:
    guides = changes.pop("guides", 3)
    lot_number = changes.pop("lot_number", "2026000001")
    spec = samples.sample_lot(guide_type, guides=guides, pools=pools, lot_number=lot_number)
    return replace(spec, **changes)


def rehash(xml: bytes) -> bytes:
    """Recompute the epilogo hash after editing a built file (keeps its encoding)."""
    root = etree.fromstring(xml)
    set_hash(root)
    encoding = root.getroottree().docinfo.encoding
    return etree.tostring(root, xml_declaration=True, encoding=encoding)


def insert_doctype(xml: bytes, doctype: bytes, field_value: bytes) -> bytes:
    """Put a DOCTYPE after the XML declaration and an entity reference in numeroLote."""
    declaration, _, body = xml.partition(b"?>\n")
    body = re.sub(rb"<ans:numeroLote>[^<]*<", b"<ans:numeroLote>" + field_value + b"<", body)
    return declaration + b"?>\n" + doctype + b"\n" + body


XXE_DOCTYPE = b'<!DOCTYPE ans:mensagemTISS [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>'
BOMB_DOCTYPE = b"<!DOCTYPE ans:mensagemTISS [\n  <!ENTITY lol \"lol\">\n" + b"".join(
    b'  <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
) + b"]>"
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
               b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def build_files(pools) -> dict[str, tuple[bytes, dict]]:
    """file name -> (bytes, what the validator must report)."""
    ok = {"valid": True, "codes": []}
    files = {
        "valido_consulta_iso8859-1.xml": (build_lot(lot(GUIDE_CONSULTA, pools)), ok),
        "valido_consulta_utf8.xml": (build_lot(lot(GUIDE_CONSULTA, pools, encoding="UTF-8")), ok),
        "valido_sadt_iso8859-1.xml": (build_lot(lot(GUIDE_SP_SADT, pools)), ok),
        "valido_sadt_utf8_indentado.xml": (build_lot(lot(GUIDE_SP_SADT, pools, encoding="UTF-8", pretty=True)), ok),
        "valido_internacao_iso8859-1.xml": (build_lot(lot(GUIDE_RESUMO_INTERNACAO, pools)), ok),
        "valido_internacao_utf8.xml": (build_lot(lot(GUIDE_RESUMO_INTERNACAO, pools, encoding="UTF-8")), ok),
        "valido_honorarios_iso8859-1.xml": (build_lot(lot(GUIDE_HONORARIOS, pools)), ok),
        "valido_honorarios_utf8.xml": (build_lot(lot(GUIDE_HONORARIOS, pools, encoding="UTF-8")), ok),
        "valido_odonto_iso8859-1.xml": (build_lot(lot(GUIDE_ODONTO, pools)), ok),
    }
    files.update(_failures(pools))
    return files


def _failures(pools) -> dict[str, tuple[bytes, dict]]:
    sadt = build_lot(lot(GUIDE_SP_SADT, pools))
    sadt_pretty = build_lot(lot(GUIDE_SP_SADT, pools, pretty=True))

    def fails(*codes: str) -> dict:
        return {"valid": False, "codes": list(codes)}

    wrong_total = lot(GUIDE_SP_SADT, pools, pretty=True)
    wrong_total.guides[1].total = wrong_total.guides[1].guide_total() + Decimal("10.00")
    cut = len(sadt_pretty) * 3 // 5
    return {
        "erro_entidade_externa_etc_passwd.xml": (insert_doctype(sadt, XXE_DOCTYPE, b"&xxe;"), fails("5001")),
        "erro_bomba_de_entidades.xml": (insert_doctype(sadt, BOMB_DOCTYPE, b"&lol9;"), fails("5001")),
        "erro_truncado.xml": (sadt_pretty[: sadt_pretty.rfind(b"\n", 0, cut) + 25], fails("5007")),
        "erro_vazio.xml": (b"", fails("5002")),
        "erro_pdf_renomeado.xml": (MINIMAL_PDF, fails("5002")),
        "erro_nao_xml.xml": (b"NUMERO LOTE;GUIA;VALOR\n2026000001;00000001;150,00\n", fails("5002")),
        "erro_codificacao.xml": (
            build_lot(lot(GUIDE_SP_SADT, pools)).replace(b"encoding='ISO-8859-1'", b"encoding='UTF-8'", 1),
            fails("5002")),
        "erro_namespace.xml": (
            sadt.replace(TISS_NS.encode(), b"http://www.ans.gov.br/padroes/tiss/schemas/v3"), fails("5001")),
        "erro_xsd.xml": (rehash(_xsd_violation(sadt_pretty)), fails("5027", "5002")),
        "erro_hash.xml": (re.sub(rb"<ans:hash>[0-9a-f]{32}", b"<ans:hash>" + b"0" * 32, sadt_pretty), fails("5014")),
        "erro_transacao.xml": (build_lot(lot(GUIDE_SP_SADT, pools, transaction_type="SOLICITACAO_PROCEDIMENTOS")),
                               fails("3148")),
        "erro_padrao.xml": (build_lot(lot(GUIDE_SP_SADT, pools, version="4.02.00")), fails("5028")),
        "erro_mais_de_100_guias.xml": (build_lot(lot(GUIDE_CONSULTA, pools, guides=101)), fails("5015")),
        "erro_total_da_guia.xml": (build_lot(wrong_total), fails("5042")),
        "erro_tamanho.xml": (build_lot(lot(GUIDE_SP_SADT, pools, guides=30)),
                             {"valid": False, "codes": ["5002"], "max_bytes": OVERSIZE_TEST_LIMIT}),
    }


def _xsd_violation(xml: bytes) -> bytes:
    """Guide 2: a registro ANS with a letter, and a beneficiary without numeroCarteira."""
    guides = xml.split(b"<ans:guiaSP-SADT>")
    guides[2] = guides[2].replace(b"<ans:registroANS>345678<", b"<ans:registroANS>34567A<", 1)
    guides[2] = re.sub(rb"<ans:numeroCarteira>[^<]*</ans:numeroCarteira>\s*", b"", guides[2], count=1)
    return b"<ans:guiaSP-SADT>".join(guides)


def main() -> int:
    files = build_files(tuss_pools())
    expected = {}
    for name, (content, outcome) in files.items():
        (CORPUS / name).write_bytes(content)
        expected[name] = outcome
    (CORPUS / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(files)} arquivos gerados em {CORPUS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
