"""tissCancelaGuia, tissSolicitacaoDemonstrativoRetorno, tissRecursoGlosa and tissSolicitacaoStatusRecursoGlosa
through zeep, on batches billed and analysed by the real services; every reply valid against the XSD."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from copass_app import clock
from copass_app.models import Batch, BatchStatus, BilledItem
from copass_app.services import api_tokens, appeals, payments, processing
from copass_app.services.batch_queries import batch_guides
from copass_app.tiss import codes
from tests.services.money_helpers import analysed_batch, bill, clinic, staff_actor
from tests.services.test_appeal_lots import ITEMS, appeal_file
from tests.webservices.conftest import SoapKit, cabecalho, text

D = Decimal


@pytest.fixture
def staff(factory):
    return staff_actor(factory)


@pytest.fixture
def lucas(factory, db):
    who = clinic(factory, "Clínica São Lucas")
    who.token = api_tokens.create_token(db, who.actor, "ERP da clínica").token
    db.commit()
    return who


@pytest.fixture
def kit(soap_server, lucas) -> SoapKit:
    return SoapKit(soap_server, lucas.token, {})


def _provider(who) -> dict:
    return {"codigoPrestadorNaOperadora": who.provider.code}


# --- tissCancelaGuia ------------------------------------------------------------------------------------

CANCEL = "tissCancelaGuia"


def _cancel_lot(kit, who, lot_number, protocol=None, *, hash="auto"):
    kind = {"tipoCancelamentoLote": {"numeroLote": lot_number, "numeroProtocolo": protocol}}
    return kit.call(CANCEL, cabecalho=cabecalho("CANCELA_GUIA", who.provider.code),
                    cancelaGuia={"dadosPrestador": _provider(who), "tipoCancelamento": kind}, hash=hash)


def _lot_status(reply) -> str:
    return text(reply, "reciboCancelaGuia/reciboCancelaGuia/retornoStatus/loteCancelado/statusCancelamento")


def test_cancelling_an_unprocessed_lot_is_the_estorno(factory, db, kit, lucas):
    batch = db.get(Batch, bill(factory, db, lucas))
    reply = _cancel_lot(kit, lucas, batch.lot_number, batch.protocol_number)
    assert _lot_status(reply) == "1"
    db.expire_all()
    assert db.get(Batch, batch.id).status == BatchStatus.CANCELADO
    assert db.exec(select(BilledItem).where(BilledItem.batch_id == batch.id)).all() == []  # billable again


def test_a_lot_in_analysis_or_analysed_is_not_cancelled(factory, db, kit, lucas, staff):
    in_analysis = db.get(Batch, bill(factory, db, lucas))
    processing.start_analysis(db, staff, in_analysis.id)
    db.commit()
    analysed = analysed_batch(factory, db, lucas, staff)
    assert _lot_status(_cancel_lot(kit, lucas, in_analysis.lot_number)) == "4"  # em processamento
    assert _lot_status(_cancel_lot(kit, lucas, analysed.lot_number)) == "2"  # não cancelado
    db.expire_all()
    assert db.get(Batch, in_analysis.id).status == BatchStatus.EM_ANALISE
    assert db.get(Batch, analysed.id).status != BatchStatus.CANCELADO


def test_another_providers_lot_is_answered_like_a_missing_one(factory, db, kit, lucas):
    vida = clinic(factory, "Laboratório Vida")
    theirs = db.get(Batch, bill(factory, db, vida))
    assert _lot_status(_cancel_lot(kit, lucas, theirs.lot_number)) == "5"
    assert _lot_status(_cancel_lot(kit, lucas, "NAOEXISTE")) == "5"
    mine = db.get(Batch, bill(factory, db, lucas))
    assert _lot_status(_cancel_lot(kit, lucas, mine.lot_number, theirs.protocol_number)) == "6"
    db.expire_all()
    assert db.get(Batch, theirs.id).status == db.get(Batch, mine.id).status == BatchStatus.RECEBIDO


def test_cancelling_guides_reverses_their_lot_only_when_all_are_named(factory, db, kit, lucas):
    batch = db.get(Batch, bill(factory, db, lucas, guides=2))
    guides = [guide.provider_guide_number for _, guide, _, _ in batch_guides(db, batch.id)]

    def cancel(names):
        kind = {"tipoCancelamentoGuia": [{"tipoGuia": "2", "numeroGuiaPrestador": n} for n in names]}
        reply = kit.call(CANCEL, cabecalho=cabecalho("CANCELA_GUIA", lucas.provider.code),
                         cancelaGuia={"dadosPrestador": _provider(lucas), "tipoCancelamento": kind}, hash="auto")
        return [e.text for e in reply.iter("{*}statusCancelamento")]

    assert cancel(guides[:1] + ["000"]) == ["2", "3"]  # half a lot is not an estorno; an unknown guide
    db.expire_all()
    assert db.get(Batch, batch.id).status == BatchStatus.RECEBIDO
    assert cancel(guides) == ["1", "1"]
    db.expire_all()
    assert db.get(Batch, batch.id).status == BatchStatus.CANCELADO


def test_a_cancellation_with_a_wrong_hash_changes_nothing(factory, db, kit, lucas):
    batch = db.get(Batch, bill(factory, db, lucas))
    reply = _cancel_lot(kit, lucas, batch.lot_number, hash="f" * 32)
    assert text(reply, "reciboCancelaGuia/mensagemErro/codigoGlosa") == codes.INVALID_HASH
    db.expire_all()
    assert db.get(Batch, batch.id).status == BatchStatus.RECEBIDO


# --- tissSolicitacaoDemonstrativoRetorno ----------------------------------------------------------------

STATEMENT = "tissSolicitacaoDemonstrativoRetorno"


def _analysis(kit, who, numbers):
    asked = {"demonstrativoAnalise": {"dadosPrestador": _provider(who), "dataSolicitacao": clock.today(),
                                      "protocolos": {"numeroProtocolo": numbers}}}
    return kit.call(STATEMENT, cabecalho=cabecalho("SOLIC_DEMONSTRATIVO_RETORNO", who.provider.code),
                    solicitacaoDemonstrativoRetorno=asked, hash="auto")


def test_the_analysis_statement_of_analysed_protocols(factory, db, kit, lucas, staff):
    first = analysed_batch(factory, db, lucas, staff, {0: D("5.00")})
    second = analysed_batch(factory, db, lucas, staff)
    reply = _analysis(kit, lucas, [first.protocol_number, second.protocol_number])
    assert text(reply, "cabecalho/identificacaoTransacao/tipoTransacao") == "DEMONSTRATIVO_ANALISE_CONTA"
    assert len(reply.findall("{*}demonstrativoRetorno/{*}demonstrativoAnaliseConta")) == 2
    assert {e.text for e in reply.iter("{*}numeroProtocolo")} == {first.protocol_number, second.protocol_number}


def test_a_protocol_still_in_analysis_answers_its_situation(factory, db, kit, lucas, staff):
    batch = db.get(Batch, bill(factory, db, lucas))
    reply = _analysis(kit, lucas, [batch.protocol_number])
    situation = "demonstrativoRetorno/situacaoDemonstrativoRetorno"
    assert text(reply, f"{situation}/numeroProtocolo") == batch.protocol_number
    assert text(reply, f"{situation}/situacaoDemonstrativo") == "1"


def test_another_providers_statement_is_not_found_like_a_missing_one(factory, db, kit, lucas, staff):
    vida = clinic(factory, "Laboratório Vida")
    theirs = analysed_batch(factory, db, vida, staff)
    foreign, missing = _analysis(kit, lucas, [theirs.protocol_number]), _analysis(kit, lucas, ["209999999999"])
    error = "demonstrativoRetorno/mensagemErro"
    assert text(foreign, f"{error}/codigoGlosa") == text(missing, f"{error}/codigoGlosa") == codes.PROTOCOL_NOT_FOUND
    assert text(foreign, f"{error}/descricaoGlosa") == text(missing, f"{error}/descricaoGlosa")


def test_the_payment_statement_of_a_payment_date(factory, db, kit, lucas, staff):
    batch = analysed_batch(factory, db, lucas, staff)
    view = payments.register_payment(db, staff, lucas.provider.id, batch_ids=[batch.id], appeal_ids=[],
                                     paid_on=clock.today())
    db.commit()

    def ask(period):
        asked = {"demonstrativoPagamento": {"dadosPrestador": _provider(lucas), "dataSolicitacao": clock.today(),
                                            "tipoDemonstrativo": "1", "periodo": period}}
        return kit.call(STATEMENT, cabecalho=cabecalho("SOLIC_DEMONSTRATIVO_RETORNO", lucas.provider.code),
                        solicitacaoDemonstrativoRetorno=asked, hash="auto")

    reply = ask({"dataPagamento": clock.today()})
    assert text(reply, "cabecalho/identificacaoTransacao/tipoTransacao") == "DEMONSTRATIVO_PAGAMENTO"
    assert view.number in {e.text for e in reply.iter("{*}numeroDemonstrativo")}
    assert ask({"competencia": f"{clock.today():%Y%m}"}).find(".//{*}demonstrativoPagamento") is not None
    none = ask({"dataPagamento": clock.today().replace(year=2020)})
    assert text(none, "demonstrativoRetorno/mensagemErro/codigoGlosa") == codes.STATEMENT_NOT_FOUND


# --- tissRecursoGlosa and tissSolicitacaoStatusRecursoGlosa ----------------------------------------------

APPEAL = "tissRecursoGlosa"
APPEAL_STATUS = "tissSolicitacaoStatusRecursoGlosa"


@pytest.fixture
def glossed(factory, db, lucas, staff) -> Batch:
    return analysed_batch(factory, db, lucas, staff, {0: D("200.00"), 1: D("3.75")}, items=ITEMS)


def _appeal(kit, db, batch, who, values, **edits):
    parts = kit.parts_of(APPEAL, appeal_file(db, batch, who, values), "loteRecursoGlosaWS", "loteRecurso",
                         "recursoGlosa")
    parts.update(edits)
    return kit.call(APPEAL, **parts)


def _appeal_status(kit, who, number):
    return kit.call(APPEAL_STATUS, cabecalho=cabecalho("SOLIC_STATUS_RECURSO_GLOSA", who.provider.code),
                    solicitacaoStatusProtocoloRecurso={"dadosPrestador": _provider(who), "numeroProtocolo": number},
                    hash="auto")


def test_an_appeal_is_received_and_its_status_follows_the_decision(db, kit, lucas, staff, glossed):
    reply = _appeal(kit, db, glossed, lucas, {1: D("150.00")})
    number = text(reply, "recebimentoRecurso/protocoloRecebimento/nrProtocoloRecursoGlosa")
    assert number and text(reply, "recebimentoRecurso/protocoloRecebimento/nrProtocoloRecursado") == \
        glossed.protocol_number
    status = "situacaoProtocoloRecurso/reciboGlosaStatus/situacaoProtocolo"
    assert text(_appeal_status(kit, lucas, number), status) == "1"  # recebido
    (row,) = appeals.appeal_rows(db, [])
    appeals.decide_appeal(db, staff, row.id, decision="accept")
    db.commit()
    assert text(_appeal_status(kit, lucas, number), status) == "3"  # liberado para pagamento


def test_an_appeal_with_a_wrong_hash_opens_nothing(db, kit, lucas, glossed):
    reply = _appeal(kit, db, glossed, lucas, {1: D("150.00")}, hash="0" * 32)
    assert text(reply, "recebimentoRecurso/mensagemErro/codigoGlosa") == codes.INVALID_HASH
    assert appeals.appeal_rows(db, []) == []


def test_another_providers_appeal_protocol_is_answered_like_a_missing_one(factory, db, kit, lucas, staff, glossed,
                                                                          soap_server):
    number = text(_appeal(kit, db, glossed, lucas, {1: D("150.00")}),
                  "recebimentoRecurso/protocoloRecebimento/nrProtocoloRecursoGlosa")
    vida = clinic(factory, "Laboratório Vida")
    token = api_tokens.create_token(db, vida.actor, "ERP do Vida").token
    db.commit()
    theirs = SoapKit(soap_server, token, {})
    foreign, missing = _appeal_status(theirs, vida, number), _appeal_status(theirs, vida, "R26999999999")
    error = "situacaoProtocoloRecurso/mensagemErro"
    assert text(foreign, f"{error}/codigoGlosa") == text(missing, f"{error}/codigoGlosa") == codes.PROTOCOL_NOT_FOUND
    assert text(foreign, f"{error}/descricaoGlosa") == text(missing, f"{error}/descricaoGlosa")
