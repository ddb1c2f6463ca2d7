"""Every service through zeep refuses, in its own TISS reply (valid against the XSD), a wrong hash (5014),
a sender that is not the token's provider (5005) and a request the official schema refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copass_app import clock
from copass_app.services import api_tokens
from copass_app.services.lot_export import lot_for_guides
from copass_app.tiss import codes
from tests.services.money_helpers import analysed_batch, clinic, staff_actor
from tests.services.test_appeal_lots import ITEMS, appeal_file
from tests.webservices.conftest import SoapKit, cabecalho

D = Decimal
SCHEMA_CODES = {codes.NOT_TISS_MESSAGE, codes.CANNOT_VALIDATE, codes.INCOMPLETE_MESSAGE}


@pytest.fixture
def world(factory, db, soap_server):
    who = clinic(factory, "Clínica São Lucas")
    token = api_tokens.create_token(db, who.actor, "ERP da clínica").token
    batch = analysed_batch(factory, db, who, staff_actor(factory), {0: D("200.00"), 1: D("3.75")}, items=ITEMS)
    guide = factory.guide(who.provider)
    db.commit()
    return who, SoapKit(soap_server, token, {}), batch, guide


def _provider(who) -> dict:
    return {"codigoPrestadorNaOperadora": who.provider.code}


def _requests(db, world) -> dict:
    """service -> (the TISS reply's body element, the zeep arguments of a request that would pass)."""
    who, kit, batch, guide = world
    code = who.provider.code
    lot = kit.parts_of("tissLoteGuias", lot_for_guides(db, who.provider, [guide], "R1"), "loteGuiasWS",
                       "loteGuias", "loteGuias")
    appeal = kit.parts_of("tissRecursoGlosa", appeal_file(db, batch, who, {1: D("150.00")}), "loteRecursoGlosaWS",
                          "loteRecurso", "recursoGlosa")
    return {
        "tissLoteGuias": ("recebimentoLote", lot),
        "tissRecursoGlosa": ("recebimentoRecurso", appeal),
        "tissSolicitacaoStatusProtocolo": ("situacaoProtocolo", {
            "cabecalho": cabecalho("SOLIC_STATUS_PROTOCOLO", code),
            "solicitacaoStatusProtocolo": {"dadosPrestador": _provider(who), "numeroProtocolo": batch.protocol_number},
            "hash": "auto"}),
        "tissCancelaGuia": ("reciboCancelaGuia", {
            "cabecalho": cabecalho("CANCELA_GUIA", code),
            "cancelaGuia": {"dadosPrestador": _provider(who),
                            "tipoCancelamento": {"tipoCancelamentoLote": {"numeroLote": batch.lot_number}}},
            "hash": "auto"}),
        "tissSolicitacaoDemonstrativoRetorno": ("demonstrativoRetorno", {
            "cabecalho": cabecalho("SOLIC_DEMONSTRATIVO_RETORNO", code),
            "solicitacaoDemonstrativoRetorno": {"demonstrativoAnalise": {
                "dadosPrestador": _provider(who), "dataSolicitacao": clock.today(),
                "protocolos": {"numeroProtocolo": [batch.protocol_number]}}},
            "hash": "auto"}),
        "tissSolicitacaoStatusRecursoGlosa": ("situacaoProtocoloRecurso", {
            "cabecalho": cabecalho("SOLIC_STATUS_RECURSO_GLOSA", code),
            "solicitacaoStatusProtocoloRecurso": {"dadosPrestador": _provider(who), "numeroProtocolo": "R26000000001"},
            "hash": "auto"}),
    }


SERVICES = ["tissLoteGuias", "tissRecursoGlosa", "tissSolicitacaoStatusProtocolo", "tissCancelaGuia",
            "tissSolicitacaoDemonstrativoRetorno", "tissSolicitacaoStatusRecursoGlosa"]


def _error(reply, body: str) -> tuple[str, str]:
    error = reply.find(f"{{*}}{body}/{{*}}mensagemErro")
    assert error is not None, f"{body}: no mensagemErro"
    return error.findtext("{*}codigoGlosa"), error.findtext("{*}descricaoGlosa") or ""


def _header(parts) -> dict | object:
    return parts["cabecalho"]


def _set(header, path: str, value: str) -> None:
    """Change a cabecalho value, a dict (built here) or a zeep object (parsed from a file)."""
    *parents, last = path.split("/")
    for name in parents:
        header = header[name] if isinstance(header, dict) else getattr(header, name)
    if isinstance(header, dict):
        header[last] = value
    else:
        setattr(header, last, value)


@pytest.mark.parametrize("service", SERVICES)
def test_a_wrong_hash_is_5014(db, world, service):
    body, parts = _requests(db, world)[service]
    reply = world[1].call(service, **{**parts, "hash": "0123456789abcdef0123456789abcdef"})
    assert _error(reply, body)[0] == codes.INVALID_HASH


@pytest.mark.parametrize("service", SERVICES)
def test_a_sender_other_than_the_tokens_provider_is_5005(db, world, service):
    body, parts = _requests(db, world)[service]
    _set(_header(parts), "origem/identificacaoPrestador/codigoPrestadorNaOperadora", "777777")
    code, message = _error(world[1].call(service, **parts), body)
    assert code == codes.SENDER_NOT_IDENTIFIED and "777777" in message


@pytest.mark.parametrize("service", SERVICES)
def test_a_request_the_schema_refuses_is_answered_in_tiss(db, world, service):
    body, parts = _requests(db, world)[service]
    _set(_header(parts), "identificacaoTransacao/sequencialTransacao", "1" * 13)  # st_texto12
    code, message = _error(world[1].call(service, **parts), body)
    assert code in SCHEMA_CODES and "sequencialTransacao" in message
