"""Check 6: the business rules of an XML lot, on the real database."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from copass_app import clock
from copass_app.models import BilledItem, GuideItem, GuideStatus, GuideType
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.lot_rules import check_lot
from copass_app.tiss.validation import validate_lot


def _check(db, provider, guides, lot_number="501", sender=None, **kwargs):
    data = lot_for_guides(db, sender or provider, guides, lot_number)
    lot = validate_lot(data)
    assert lot.valid, lot.errors
    return check_lot(db, provider, lot, **kwargs)


def _codes(result):
    return [issue.code for issue in result.issues]


@pytest.fixture
def clinic(factory):
    return factory.provider(name="Clínica A", code="100001")


def test_lot_of_own_authorized_guides_passes_and_claims_their_items(db, factory, clinic):
    guides = [factory.guide(clinic) for _ in range(3)]
    result = _check(db, clinic, guides)
    assert result.issues == []
    assert [m.guide.id for m in result.matches] == [g.id for g in guides]
    assert all(len(m.claims) == 1 for m in result.matches)


def test_sender_must_be_the_logged_in_provider(db, factory, clinic):
    other = factory.provider(name="Outro")
    guide = factory.guide(clinic)
    result = _check(db, clinic, [guide], sender=other)
    assert _codes(result) == ["1203"]
    assert "não é o prestador logado" in result.issues[0].message


def test_another_providers_guides_are_reported_as_not_found(db, factory, clinic):
    other = factory.provider(name="Hospital B")
    foreign = factory.guide(other)
    # Provider A's file names provider B's guide: the guide's existence is not revealed.
    data = lot_for_guides(db, other, [foreign], "9")
    lot = validate_lot(data.replace(other.code.encode(), clinic.code.encode()))
    result = check_lot(db, clinic, lot)
    assert "1307" in _codes(result)
    assert any("não encontrada" in issue.message for issue in result.issues)
    assert result.matches == []


def test_destination_must_be_this_operator(db, factory, clinic):
    guide = factory.guide(clinic)
    data = lot_for_guides(db, clinic, [guide], "10").replace(b"<ans:registroANS>345678<", b"<ans:registroANS>999999<")
    lot = validate_lot(data)
    result = check_lot(db, clinic, lot)
    assert "5027" in _codes(result)


def test_guide_not_authorized_is_refused(db, factory, clinic):
    denied = factory.guide(clinic, status=GuideStatus.AUTORIZADO)
    denied.status = GuideStatus.NEGADO
    db.add(denied)
    db.commit()
    result = _check(db, clinic, [denied])
    assert _codes(result) == ["1402"]
    assert "Negado" in result.issues[0].message
    assert result.issues[0].guide_number == denied.provider_guide_number


@pytest.mark.parametrize("guide_type", [GuideType.SP_SADT, GuideType.CONSULTA])
def test_item_already_billed_is_a_duplicate(db, factory, clinic, guide_type):
    from copass_app.models import Batch, BatchOrigin, BatchStatus

    # A guia de consulta carries no descricaoProcedimento: the message showed "item 10101012 ()".
    guide = factory.guide(clinic, guide_type=guide_type,
                          items=[("22", "10101012", "Consulta em consultório", Decimal(1), Decimal("150.00"))])
    user = factory.user(clinic)
    batch = Batch(provider_id=clinic.id, lot_number="1", protocol_number="P1", origin=BatchOrigin.WEB,
                  guide_type=GuideType.SP_SADT, competence="2026-01", status=BatchStatus.RECEBIDO, created_by=user.id)
    db.add(batch)
    db.flush()
    item = db.exec(select(GuideItem).where(GuideItem.guide_id == guide.id)).one()
    db.add(BilledItem(guide_item_id=item.id, batch_id=batch.id))
    db.commit()
    result = _check(db, clinic, [guide])
    assert _codes(result) == ["1702"]
    # The lot's own description, else the guide's: never an empty "()" (seen on the upload page).
    assert "()" not in result.issues[0].message
    assert "item 10101012 (Consulta em consultório" in result.issues[0].message


def test_lot_number_already_used_is_refused(db, factory, clinic):
    from copass_app.models import Batch, BatchOrigin, BatchStatus

    user = factory.user(clinic)
    db.add(Batch(provider_id=clinic.id, lot_number="501", protocol_number="P501", origin=BatchOrigin.XML,
                 guide_type=GuideType.SP_SADT, competence="2026-01", status=BatchStatus.RECEBIDO, created_by=user.id))
    db.commit()
    result = _check(db, clinic, [factory.guide(clinic)], lot_number="501")
    assert _codes(result) == ["5053"]
    assert "P501" in result.issues[0].message


def test_performed_date_outside_validity_is_refused(db, factory, clinic):
    requested = clock.today() - timedelta(days=120)
    guide = factory.guide(clinic, requested_on=requested, performed_on=requested + timedelta(days=90))
    result = _check(db, clinic, [guide])
    assert _codes(result) == ["1321"]
    assert "após a validade" in result.issues[0].message


def test_performed_before_authorization_is_refused(db, factory, clinic):
    requested = clock.today() - timedelta(days=20)
    guide = factory.guide(clinic, requested_on=requested, performed_on=requested - timedelta(days=2))
    result = _check(db, clinic, [guide])
    assert _codes(result) == ["1840"]


def test_today_is_the_brasilia_date_at_22_30(db, factory, clinic):
    """At 22:30 in Brasília the UTC date (and a UTC server's) is already tomorrow: tomorrow is still the future."""

    with clock.frozen(datetime(2026, 3, 10, 22, 30)):
        tomorrow = factory.guide(clinic, requested_on=date(2026, 3, 1), performed_on=date(2026, 3, 11))
        today = factory.guide(clinic, requested_on=date(2026, 3, 1), performed_on=date(2026, 3, 10))
        assert _codes(_check(db, clinic, [tomorrow], lot_number="601")) == ["1323"]
        assert _codes(_check(db, clinic, [today], lot_number="602")) == []


def test_procedure_outside_the_authorization_is_refused(db, factory, clinic):
    guide = factory.guide(clinic)
    data = lot_for_guides(db, clinic, [guide], "12")
    tampered = data.replace(b"40301630", b"40301648")
    from lxml import etree

    from copass_app.tiss.hash import compute_hash

    root = etree.fromstring(tampered)
    hash_element = root.find(".//{*}epilogo/{*}hash")
    hash_element.text = compute_hash(root)
    lot = validate_lot(etree.tostring(root, encoding="ISO-8859-1", xml_declaration=True))
    assert lot.valid, lot.errors
    result = check_lot(db, clinic, lot)
    assert _codes(result) == ["1815"]


def test_repeated_guide_in_the_same_file_is_refused(db, factory, clinic):
    guide = factory.guide(clinic)
    result = _check(db, clinic, [guide, guide])
    assert "1308" in _codes(result)


def test_fees_and_materials_not_in_the_guide_are_extras(db, factory, clinic):
    from copass_app.services.lot_export import guide_spec
    from copass_app.tiss.messages import ItemSpec, LotSpec, build_lot

    guide = factory.guide(clinic, guide_type=GuideType.RESUMO_INTERNACAO, items=[
        ("22", "31005497", "Colecistectomia", Decimal(1), Decimal("1500.00")),
    ])
    spec = guide_spec(db, guide)
    spec.items.append(ItemSpec(code="60000775", description="TAXA DE SALA", unit_value=Decimal("200.00"),
                               table="18", expense_type="07"))
    spec.items.append(ItemSpec(code="90008600", description="MEROPENEM", unit_value=Decimal("35.10"),
                               quantity=Decimal(3), table="20", expense_type="02"))
    lot = validate_lot(build_lot(LotSpec(lot_number="13", registro_ans="345678", guide_type="guiaResumoInternacao",
                                         guides=[spec], sender_code=clinic.code, provider_name="CLINICA A",
                                         transaction_at=datetime(2026, 1, 15, 10, 0))))
    assert lot.valid, lot.errors
    result = check_lot(db, clinic, lot)
    assert result.issues == []
    match = result.matches[0]
    assert [item.code for item, _ in match.claims] == ["31005497"]
    assert [(extra.code, extra.quantity) for extra in match.extras] == [
        ("60000775", Decimal(1)), ("90008600", Decimal(3))]
