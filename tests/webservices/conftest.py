"""The TISS web services driven as a provider's software drives them: a live HTTP server (the backend's
Starlette app under uvicorn, in a thread, on a free port) and zeep clients built from the WSDLs it serves.

`SoapKit.call(service, **parts)` sends one request; the zeep plugin fills the hash when a request says
hash="auto" (as the provider's software computes it), keeps the raw reply and validates its WS element
against the official tissWebServicesV4_03_00.xsd — every reply of every test.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import pytest
import uvicorn
import zeep
from lxml import etree
from zeep.plugins import Plugin
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from copass_app import clock
from copass_app.api import api_app
from copass_app.services import api_tokens
from copass_app.tiss.hash import compute_hash
from copass_app.tiss.schema import TISS_NS
from copass_app.webservices.envelope import SOAP_NS, ws_errors

A = f"{{{TISS_NS}}}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def soap_server(engine):
    """The backend's API app (REST and SOAP) on 127.0.0.1, for the test session."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def ws_hash(element: etree._Element) -> str:
    """What the provider's software puts in the WS message's hash: MD5 of every value but the hash."""
    found = element.find(A + "hash")
    found.text = ""
    return compute_hash(element)


class TissPlugin(Plugin):
    """Fills hash="auto" before sending; keeps and schema-checks the raw reply."""

    def __init__(self) -> None:
        self.sent: etree._Element | None = None
        self.reply: etree._Element | None = None
        self.reply_errors: list[str] = []

    def egress(self, envelope, http_headers, operation, binding_options):
        body = envelope.find(f"{{{SOAP_NS}}}Body")[0]
        found = body.find(A + "hash")
        if found is not None and found.text == "auto":
            found.text = ws_hash(body)
        self.sent = body
        return envelope, http_headers

    def ingress(self, envelope, http_headers, operation):
        body = envelope.find(f"{{{SOAP_NS}}}Body")[0]
        self.reply = body
        self.reply_errors = [] if body.tag == f"{{{SOAP_NS}}}Fault" else ws_errors(body)
        return envelope, http_headers


@dataclass
class SoapKit:
    base_url: str
    token: str
    _clients: dict

    def client(self, service: str, *, token: str | None = None, wsse: bool = False) -> tuple[zeep.Client, TissPlugin]:
        """A zeep client loaded from the served WSDL; the token as Bearer, or as WS-Security password."""
        token = self.token if token is None else token
        plugin = TissPlugin()
        transport = Transport(timeout=30, operation_timeout=60)
        if not wsse:
            transport.session.headers["Authorization"] = f"Bearer {token}"
        # The official XSD imports xmldsig-core-schema.xsd, whose internal DTD declares entities.
        settings = zeep.Settings(forbid_entities=False)
        client = zeep.Client(f"{self.base_url}/tiss/4.03.00/{service}?wsdl", transport=transport, plugins=[plugin],
                             settings=settings, wsse=UsernameToken("erp", token) if wsse else None)
        return client, plugin

    def parts_of(self, service: str, message_xml: bytes, ws_element: str, body: str, message_body: str) -> dict:
        """A mensagemTISS the portal's builders wrote (a lot, an appeal) as the zeep arguments of the WS request:
        cabecalho, the body under its WS name, hash="auto" (zeep re-serializes it from the official types)."""
        root = etree.fromstring(message_xml)
        element = etree.Element(A + ws_element, nsmap={"ans": TISS_NS})
        element.append(root.find(A + "cabecalho"))
        found = root.find(f"{A}prestadorParaOperadora/{A}{message_body}")
        found.tag = A + body
        element.append(found)
        etree.SubElement(element, A + "hash").text = "auto"
        client, _ = self.client(service)
        value = client.get_element(A + ws_element).parse(element, client.wsdl.types)
        return {"cabecalho": value.cabecalho, body: getattr(value, body), "hash": "auto"}

    def call(self, service: str, *, token: str | None = None, wsse: bool = False, **parts) -> etree._Element:
        """Send one request; the raw reply's WS element (its schema validity is asserted here)."""
        client, plugin = self.client(service, token=token, wsse=wsse)
        getattr(client.service, f"{service}_Operation")(**parts)
        assert plugin.reply_errors == [], plugin.reply_errors
        return plugin.reply


@pytest.fixture
def clinic(factory, db):
    provider = factory.provider(name="Clínica São Lucas", code="100001")
    actor = factory.actor(provider)
    token = api_tokens.create_token(db, actor, "ERP da clínica").token
    db.commit()
    return provider, actor, token


@pytest.fixture
def soap(soap_server, clinic) -> SoapKit:
    return SoapKit(soap_server, clinic[2], {})


def cabecalho(transaction: str, sender: str = "100001", *, at: datetime | None = None) -> dict:
    at = at or clock.local_now()
    return {
        "identificacaoTransacao": {"tipoTransacao": transaction, "sequencialTransacao": "1",
                                   "dataRegistroTransacao": at.date(), "horaRegistroTransacao": at.time().replace(
                                       microsecond=0)},
        "origem": {"identificacaoPrestador": {"codigoPrestadorNaOperadora": sender}},
        "destino": {"registroANS": "345678"},
        "Padrao": "4.03.00",
    }


def text(element: etree._Element, path: str) -> str | None:
    """A value of a reply by local names: 'situacaoProtocolo/mensagemErro/codigoGlosa'."""
    found = element.find("/".join(A + part for part in path.split("/")))
    return found.text if found is not None else None
