"""The automatic critique: each rule proposes its glosa with its TISS table 38 code and the right
value to the cent, when the analysis starts and in the provider's preview alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from copass_app import clock
from copass_app.models import (
    AuditLog,
    Batch,
    BatchGuide,
    BatchItem,
    BatchOrigin,
    Beneficiary,
    Glosa,
    GlosaSource,
    GlosaStatus,
    GuideItem,
    GuideStatus,
    GuideType,
    Operator,
    Role,
)
from copass_app.services import billing, critique, processing
from copass_app.services.batch_writer import BatchLine, GuideToBill, write_batch
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.text import fold
from copass_app.tiss import codes
from copass_app.vocabulary import CRITIQUE_RULE

TODAY = clock.today()
START = TODAY - timedelta(days=90)
EXAM = ("22", "40301630", "Hemograma com contagem de plaquetas", Decimal("1"), Decimal("25.50"))


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica São Lucas")
    return provider, factory.actor(provider)


@pytest.fixture
def staff(factory):
    return factory.actor(role=Role.STAFF)


def guide(factory, provider, *, items=None, beneficiary=None, performed=TODAY - timedelta(days=4),
          requested=TODAY - timedelta(days=5), status=GuideStatus.AUTORIZADO):
    return factory.guide(provider, items=items or [EXAM], beneficiary=beneficiary, requested_on=requested,
                         performed_on=performed, status=status)


def set_item(db, guide_id, **values):
    db.execute(update(GuideItem).where(GuideItem.guide_id == guide_id).values(**values))
    db.commit()


def open_draft(db, actor):
    return billing.open_draft(db, actor, start=START, end=TODAY, today=TODAY)


def bill(db, actor):
    open_draft(db, actor)
    return billing.confirm_draft(db, actor)


def analyse(db, staff, confirmed):
    processing.start_analysis(db, staff, confirmed.batch_id)
    return proposals(db, confirmed.batch_id)


def proposals(db, batch_id):
    """(code of the item, rule, TISS code, value) of the batch's proposed glosas."""
    return sorted(
        (item.code, glosa.rule, glosa.reason_code, glosa.value)
        for glosa, item in db.exec(select(Glosa, BatchItem).join(BatchItem, BatchItem.id == Glosa.batch_item_id)
                                   .where(Glosa.batch_id == batch_id)))


def preview_findings(preview):
    return sorted((item.code, f.rule, f.reason_code, f.value)
                  for g in preview.guides for item in g.items for f in item.findings)


# --- each rule -----------------------------------------------------------------------------------


def test_a_clean_guide_gets_no_proposal(factory, db, clinic, staff):
    provider, actor = clinic
    guide(factory, provider)
    [confirmed] = bill(db, actor)
    assert analyse(db, staff, confirmed) == []
    log = db.exec(select(AuditLog).where(AuditLog.action == "critique.run")).one()
    assert log.user_id == staff.user_id and "0 glosa(s) proposta(s)" in log.detail


def test_quantity_above_the_authorized_one_proposes_1820_for_the_excess(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider, items=[("22", "40301630", "Hemograma", Decimal("2"), Decimal("25.50"))])
    set_item(db, g.id, performed_qty=Decimal("3.5"))  # 3,5 billed, 2 authorized
    [confirmed] = bill(db, actor)
    # 1,5 × 25,50 = 38,25
    assert analyse(db, staff, confirmed) == [("40301630", "quantity_above_authorized", "1820", Decimal("38.25"))]
    glosa = db.exec(select(Glosa)).one()
    assert (glosa.status, glosa.source, glosa.created_by) == (GlosaStatus.PROPOSTA, GlosaSource.CRITICA,
                                                              staff.user_id)
    assert "quantidade 3,5 acima da autorizada (2)" in glosa.note and "1,5 × R$ 25,50" in glosa.note


def test_value_above_the_contracted_price_proposes_1705_for_the_excess(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider)
    material = factory.catalog_item("19", "70000018", "Seringa descartável 10 ml", Decimal("1.35"))
    open_draft(db, actor)
    billing.add_extra_item(db, actor, g.id, material.id, quantity="3", unit_value="1,50")
    [confirmed] = billing.confirm_draft(db, actor)
    # 3 × 1,50 = 4,50 billed; 3 × 1,35 = 4,05 contracted: the excess is 0,45
    assert analyse(db, staff, confirmed) == [("70000018", "value_above_contract", "1705", Decimal("0.45"))]
    note = db.exec(select(Glosa.note)).one()
    assert "valor unitário R$ 1,50 acima do contratado (R$ 1,35)" in note and "R$ 0,45" in note


def test_value_rule_tolerance_lets_a_small_excess_through(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider)
    material = factory.catalog_item("19", "70000018", "Seringa", Decimal("10.00"))
    open_draft(db, actor)
    billing.add_extra_item(db, actor, g.id, material.id, quantity="1", unit_value="11,00")  # 10 % above
    critique.set_rule(db, staff, "value_above_contract", enabled=True, tolerance_percent="10")
    assert preview_findings(critique.preview_draft(db, actor)) == []  # exactly at the tolerance: through
    critique.set_rule(db, staff, "value_above_contract", enabled=True, tolerance_percent="9,99")
    [finding] = [f for gp in critique.preview_draft(db, actor).guides for i in gp.items for f in i.findings]
    # Beyond the tolerance the glosa brings the item back to the contracted price: the whole excess.
    assert (finding.reason_code, finding.value) == ("1705", Decimal("1.00"))
    assert "além da tolerância de 9,99 %" in finding.message


def test_an_xml_lot_item_above_the_authorized_value_proposes_1705(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider, items=[("22", "40301630", "Hemograma", Decimal("2"), Decimal("25.50"))])
    item = db.exec(select(GuideItem).where(GuideItem.guide_id == g.id)).one()
    batch = xml_batch(db, actor, provider, g, [BatchLine(item.id, "22", item.code, item.description, Decimal("2"),
                                                         Decimal("30.00"))])
    preview = critique.preview_batch(db, actor, batch.id)
    assert preview_findings(preview) == [("40301630", "value_above_contract", "1705", Decimal("9.00"))]
    assert (preview.batch_id, preview.protocol_number, preview.glosa_value) == (
        batch.id, batch.protocol_number, Decimal("9.00"))


def test_attendance_after_the_validity_proposes_1321_for_every_item_whole(factory, db, clinic, staff):
    provider, actor = clinic
    items = [EXAM, ("22", "40302040", "Glicose", Decimal("2"), Decimal("7.25"))]
    # Requested 80 days ago, valid for 60, performed 5 days ago.
    guide(factory, provider, items=items, requested=TODAY - timedelta(days=80), performed=TODAY - timedelta(days=5))
    [confirmed] = bill(db, actor)
    assert analyse(db, staff, confirmed) == [
        ("40301630", "outside_validity", "1321", Decimal("25.50")),
        ("40302040", "outside_validity", "1321", Decimal("14.50")),
    ]
    assert "após a validade da autorização" in db.exec(select(Glosa.note)).first()


def test_a_procedure_authorized_with_quantity_zero_proposes_1815_whole(factory, db, clinic, staff):
    provider, actor = clinic
    items = [EXAM, ("22", "40302040", "Glicose", Decimal("1"), Decimal("7.25"))]
    g = guide(factory, provider, items=items, status=GuideStatus.AUTORIZADO_PARCIALMENTE)
    db.execute(update(GuideItem).where(GuideItem.guide_id == g.id, GuideItem.code == "40302040")
               .values(authorized_qty=Decimal(0)))
    db.commit()
    [confirmed] = bill(db, actor)
    assert analyse(db, staff, confirmed) == [("40302040", "not_authorized", "1815", Decimal("7.25"))]


def test_an_xml_procedure_outside_the_authorization_proposes_1815(factory, db, clinic):
    provider, actor = clinic
    g = guide(factory, provider)
    batch = xml_batch(db, actor, provider, g, [BatchLine(None, "22", "40304361", "TSH", Decimal(1), Decimal("30"))])
    assert preview_findings(critique.preview_batch(db, actor, batch.id)) == [
        ("40304361", "not_authorized", "1815", Decimal("30.00"))]


def test_a_card_of_another_operator_proposes_1001_for_every_item(factory, db, clinic, staff):
    provider, actor = clinic
    other_plan = Operator(registro_ans="999999", name="Outra Operadora", cnpj="11222333000181")
    db.add(other_plan)
    db.flush()
    stranger = Beneficiary(operator_id=other_plan.id, card_number="9999000011112222", name="Maria Souza",
                           name_search=fold("Maria Souza"), birth_date=TODAY - timedelta(days=9000))
    db.add(stranger)
    db.commit()
    guide(factory, provider, beneficiary=stranger)
    [confirmed] = bill(db, actor)
    assert analyse(db, staff, confirmed) == [("40301630", "unknown_card", "1001", Decimal("25.50"))]
    assert "Carteira do beneficiário (9999000011112222) não identificada" in db.exec(select(Glosa.note)).one()


def test_the_same_procedure_beneficiary_and_date_twice_in_one_batch_proposes_1702_on_the_second(
        factory, db, clinic, staff):
    provider, actor = clinic
    patient = factory.beneficiary()
    first = guide(factory, provider, beneficiary=patient)
    second = guide(factory, provider, beneficiary=patient)
    guide(factory, provider, beneficiary=patient, performed=TODAY - timedelta(days=3))  # another day: fine
    [confirmed] = bill(db, actor)
    assert analyse(db, staff, confirmed) == [("40301630", "duplicate", "1702", Decimal("25.50"))]
    glosa, guide_id = db.exec(select(Glosa, BatchGuide.guide_id).join(BatchItem, BatchItem.id == Glosa.batch_item_id)
                              .join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)).one()
    assert guide_id == second.id and f"neste lote (guia {first.provider_guide_number})" in glosa.note


def test_a_procedure_billed_in_an_earlier_live_batch_is_a_duplicate_in_the_later_one_only(
        factory, db, clinic, staff):
    provider, actor = clinic
    patient = factory.beneficiary()
    guide(factory, provider, beneficiary=patient)
    [earlier] = bill(db, actor)
    guide(factory, provider, beneficiary=patient)
    [later] = bill(db, actor)
    # Analysed in the "wrong" order: the later batch is still the duplicate, the earlier one is not.
    assert analyse(db, staff, later) == [("40301630", "duplicate", "1702", Decimal("25.50"))]
    assert analyse(db, staff, earlier) == []
    earlier_batch = db.get(Batch, earlier.batch_id)
    note = db.exec(select(Glosa.note).where(Glosa.batch_id == later.batch_id)).one()
    assert f"no lote {earlier_batch.lot_number} (protocolo {earlier_batch.protocol_number})" in note


def test_a_reversed_batch_is_no_longer_a_reason_for_a_duplicate(factory, db, clinic, staff):
    from copass_app.services import batches

    provider, actor = clinic
    patient = factory.beneficiary()
    guide(factory, provider, beneficiary=patient)
    [reversed_one] = bill(db, actor)
    batches.reverse_batch(db, actor, reversed_one.batch_id)
    second = guide(factory, provider, beneficiary=patient)
    open_draft(db, actor)
    billing.set_all_included(db, actor, False)
    billing.set_guide_included(db, actor, second.id, True)
    [confirmed] = billing.confirm_draft(db, actor)
    assert analyse(db, staff, confirmed) == []


def test_one_item_may_get_several_findings_each_within_its_total(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider, items=[("22", "40301630", "Hemograma", Decimal("1"), Decimal("25.50"))],
              requested=TODAY - timedelta(days=80), performed=TODAY - timedelta(days=5))
    set_item(db, g.id, performed_qty=Decimal("4"))
    [confirmed] = bill(db, actor)
    found = analyse(db, staff, confirmed)
    assert found == [("40301630", "outside_validity", "1321", Decimal("102.00")),
                     ("40301630", "quantity_above_authorized", "1820", Decimal("76.50"))]
    assert all(value <= Decimal("102.00") for *_, value in found)


def test_the_excess_is_rounded_to_the_cent_and_never_above_the_item(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider, items=[("20", "90008600", "Dipirona", Decimal("1"), Decimal("0.33"))])
    set_item(db, g.id, performed_qty=Decimal("1.0015"))  # total 0,33; excess 0,0015 × 0,33 = 0,000495 → 0,00
    factory.catalog_item("20", "90008600", "Dipirona", Decimal("0.10"))
    [confirmed] = bill(db, actor)
    found = analyse(db, staff, confirmed)
    # 1,0015 × 0,33 = 0,330495 → 0,33 billed; 1,0015 × 0,10 → 0,10 contracted: excess 0,23
    # The quantity excess is worth 0,000495: no glosa of R$ 0,00 is proposed.
    assert found == [("90008600", "value_above_contract", "1705", Decimal("0.23"))]


# --- one rule set for both sides --------------------------------------------------------------


def test_the_preview_and_the_analysis_find_the_same_glosas(factory, db, clinic, staff):
    provider, actor = clinic
    patient = factory.beneficiary()
    g1 = guide(factory, provider, beneficiary=patient,
               items=[EXAM, ("22", "40302040", "Glicose", Decimal("2"), Decimal("7.25"))])
    set_item(db, g1.id, performed_qty=Decimal("3"))
    guide(factory, provider, beneficiary=patient)  # a duplicate of g1's hemograma
    late = guide(factory, provider, requested=TODAY - timedelta(days=80), performed=TODAY - timedelta(days=10))
    material = factory.catalog_item("19", "70000018", "Seringa", Decimal("1.35"))
    open_draft(db, actor)
    billing.add_extra_item(db, actor, late.id, material.id, quantity="2", unit_value="2,00")
    preview = critique.preview_draft(db, actor)
    before = preview_findings(preview)
    assert {rule for _, rule, _, _ in before} == {"quantity_above_authorized", "duplicate", "outside_validity",
                                                  "value_above_contract"}
    assert (preview.guide_count, preview.item_count) == (3, 5)
    [confirmed] = billing.confirm_draft(db, actor)
    assert analyse(db, staff, confirmed) == before
    notes = sorted(db.exec(select(Glosa.note)).all())
    messages = sorted(f.message for g in preview.guides for i in g.items for f in i.findings)
    assert [n.replace("neste lote", "neste faturamento") for n in notes] == messages


def test_the_preview_follows_the_providers_corrections(factory, db, clinic):
    provider, actor = clinic
    patient = factory.beneficiary()
    guide(factory, provider, beneficiary=patient)
    second = guide(factory, provider, beneficiary=patient)
    open_draft(db, actor)
    assert [f.rule for g in critique.preview_draft(db, actor).guides for i in g.items for f in i.findings] == [
        "duplicate"]
    billing.change_performed_date(db, actor, second.id, TODAY - timedelta(days=2), today=TODAY)
    assert critique.preview_draft(db, actor).clean
    billing.set_guide_included(db, actor, second.id, False)
    preview = critique.preview_draft(db, actor)
    assert preview.clean and preview.guide_count == 1
    assert db.exec(select(Glosa)).all() == []  # a preview writes nothing


def test_the_critique_reads_a_batch_in_a_few_queries_whatever_its_size(factory, db, clinic, engine):
    provider, actor = clinic
    factory.bulk_guides(provider, 3, items_per_guide=2, performed_on=TODAY - timedelta(days=4),
                        requested_on=TODAY - timedelta(days=5))
    [small] = bill(db, actor)
    factory.bulk_guides(provider, 60, items_per_guide=5, performed_on=TODAY - timedelta(days=3),
                        requested_on=TODAY - timedelta(days=5))
    [large] = bill(db, actor)

    def statements(batch_id):
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            critique.batch_findings(db, db.get(Batch, batch_id))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert statements(large.batch_id) == statements(small.batch_id) <= 8


# --- who may ask ----------------------------------------------------------------------------------


def test_previews_are_the_providers_and_only_of_its_own_batches(factory, db, clinic, staff):
    provider, actor = clinic
    guide(factory, provider)
    [confirmed] = bill(db, actor)
    other = factory.provider(name="Outra Clínica")
    with pytest.raises(NotFound, match="Lote não encontrado"):
        critique.preview_batch(db, factory.actor(other), confirmed.batch_id)
    with pytest.raises(NotFound):
        critique.preview_batch(db, actor, confirmed.batch_id + 1000)
    with pytest.raises(PermissionDenied):
        critique.preview_batch(db, staff, confirmed.batch_id)
    with pytest.raises(PermissionDenied):
        critique.preview_draft(db, staff)
    with pytest.raises(DomainError, match="Nenhum faturamento em preparação"):
        critique.preview_draft(db, actor)


def test_critique_batch_runs_only_on_a_batch_in_analysis(factory, db, clinic, staff):
    provider, actor = clinic
    guide(factory, provider)
    [confirmed] = bill(db, actor)
    with pytest.raises(DomainError, match="quando a análise do lote começa"):
        critique.critique_batch(db, confirmed.batch_id, created_by=staff.user_id)
    assert db.exec(select(Glosa)).all() == []


def test_every_rule_of_the_vocabulary_has_its_function_and_a_table_38_code():
    assert list(critique.RULES) == [term.value for term in CRITIQUE_RULE]
    assert {term.tiss_code for term in CRITIQUE_RULE} == {"1702", "1705", "1820", "1321", "1815", "1001"}
    assert all(codes.is_known(term.tiss_code) for term in CRITIQUE_RULE)


# --- helpers ------------------------------------------------------------------------------------


def xml_batch(db, actor, provider, g, lines):
    """A received batch as an accepted XML lot writes it (its values as the file declared them)."""
    batch = write_batch(db, actor, provider.id, origin=BatchOrigin.XML, guide_type=GuideType.SP_SADT,
                        competence=f"{TODAY:%Y-%m}", guides=[GuideToBill(g.id, g.performed_on, lines)],
                        now=datetime.now(UTC))
    db.commit()
    return batch
