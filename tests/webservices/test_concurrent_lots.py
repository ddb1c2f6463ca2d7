"""The same lot sent 10 times at once, 5 over REST (POST /api/tiss/lotes) and 5 over SOAP (tissLoteGuias):
exactly one batch, nine refusals for duplicate billing (1702), every answer a valid TISS message."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from lxml import etree
from sqlmodel import select

from copass_app.models import Batch, BilledItem, UploadRecord
from copass_app.services.lot_export import lot_for_guides
from copass_app.tiss import codes
from copass_app.tiss.schema import get_schema
from tests.webservices.conftest import text

SENDS = 10


def _codes(answer: etree._Element) -> set[str]:
    """The refusal's codes: the mensagemErro's one and every [code] of its summary."""
    code = answer.findtext(".//{*}mensagemErro/{*}codigoGlosa")
    summary = answer.findtext(".//{*}mensagemErro/{*}descricaoGlosa") or ""
    return {code, *(part.split("]")[0] for part in summary.split("[")[1:])} - {None}


def test_ten_simultaneous_sends_over_rest_and_soap_bill_the_lot_once(db, factory, soap, soap_server, clinic):
    provider = clinic[0]
    guides = [factory.guide(provider) for _ in range(3)]
    data = lot_for_guides(db, provider, guides, "9001")
    parts = soap.parts_of("tissLoteGuias", data, "loteGuiasWS", "loteGuias", "loteGuias")
    clients = [soap.client("tissLoteGuias") for _ in range(SENDS // 2)]  # WSDLs loaded before the start
    start = threading.Barrier(SENDS)

    def over_rest(_: int) -> etree._Element:
        start.wait()
        answer = requests.post(f"{soap_server}/api/tiss/lotes", data=data, timeout=60,
                               headers={"Authorization": f"Bearer {soap.token}", "Content-Type": "application/xml"})
        assert answer.status_code in (200, 422), answer.text
        root = etree.fromstring(answer.content)
        assert get_schema().validate(root)
        return root

    def over_soap(n: int) -> etree._Element:
        client, plugin = clients[n]
        start.wait()
        client.service.tissLoteGuias_Operation(**parts)
        assert plugin.reply_errors == []
        return plugin.reply

    with ThreadPoolExecutor(SENDS) as pool:
        rest = [pool.submit(over_rest, n) for n in range(SENDS // 2)]
        soap_calls = [pool.submit(over_soap, n) for n in range(SENDS // 2)]
        answers = [f.result() for f in rest + soap_calls]

    accepted = [a for a in answers if a.find(".//{*}protocoloRecebimento") is not None]
    refused = [a for a in answers if a.find(".//{*}mensagemErro") is not None]
    assert len(accepted) == 1 and len(refused) == SENDS - 1
    assert all(codes.DUPLICATE_BILLING in _codes(a) for a in refused), [_codes(a) for a in refused]
    db.expire_all()
    (batch,) = db.exec(select(Batch)).all()
    assert len(db.exec(select(BilledItem).where(BilledItem.batch_id == batch.id)).all()) == 3
    number = accepted[0].findtext(".//{*}detalheProtocolo/{*}numeroProtocolo")
    assert number == batch.protocol_number
    uploads = db.exec(select(UploadRecord)).all()
    assert len(uploads) == SENDS and sum(u.accepted for u in uploads) == 1
    assert {u.via for u in uploads} == {"API", "SOAP"}
    assert text(accepted[0], "cabecalho/Padrao") == "4.03.00"
