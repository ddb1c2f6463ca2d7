"""The operator's analysis: the queue, the analysis screen, each decision on an item, the
critique's proposals, finishing, and every refusal (role, state, values)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from copass_app.models import (
    AuditLog,
    Batch,
    BatchItem,
    BatchStatus,
    Glosa,
    GlosaSource,
    GlosaStatus,
    GuideItem,
    Role,
)
from copass_app.services import analysis, processing
from copass_app.services.batch_queries import BatchFilters
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.services.unit_of_work import perform
from tests.services.test_critique import EXAM, TODAY, bill, guide, set_item

GLUCOSE = ("22", "40302040", "Glicose", Decimal("2"), Decimal("7.25"))


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica São Lucas")
    return provider, factory.actor(provider)


@pytest.fixture
def staff(factory):
    return factory.actor(role=Role.STAFF)


def in_analysis(factory, db, provider, actor, staff, *, guides=1, items=None, over_quantity=False):
    """A batch of `guides` guides, analysis started; with `over_quantity` the first item of each guide
    is billed above its authorized quantity, so the critique proposes a glosa on it."""
    for _ in range(guides):
        g = guide(factory, provider, items=items or [EXAM, GLUCOSE])
        if over_quantity:
            db.execute(update(GuideItem).where(GuideItem.guide_id == g.id, GuideItem.code == EXAM[1])
                       .values(performed_qty=Decimal(2)))
            db.commit()
    [confirmed] = bill(db, actor)
    processing.start_analysis(db, staff, confirmed.batch_id)
    db.commit()
    return analysis.batch_analysis(db, staff, confirmed.batch_id)


def items(screen):
    return [item for g in screen.guides for item in g.items]


def item_by_code(screen, code):
    return next(item for item in items(screen) if item.code == code)


def audit_lines(db, action):
    return [log.detail for log in db.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))]


# --- the screen --------------------------------------------------------------------------------


def test_the_screen_lists_guides_items_proposals_and_totals(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, guides=2, over_quantity=True)
    assert (screen.provider_code, screen.provider_name, screen.editable, screen.can_finish) == (
        provider.code, provider.name, True, False)
    assert (screen.total_value, screen.glosa_value, screen.approved_value) == (
        Decimal("131.00"), Decimal("0.00"), Decimal("0.00"))  # 2 × (2 × 25,50 + 2 × 7,25)
    assert (screen.undecided_count, screen.pending_count, screen.item_count) == (4, 2, 4)
    first = screen.guides[0]
    assert [item.code for item in first.items] == ["40301630", "40302040"]
    [proposal] = first.items[0].proposals
    assert (proposal.rule, proposal.rule_label, proposal.reason_code, proposal.value, proposal.proposed) == (
        "quantity_above_authorized", "Quantidade acima", "1820", Decimal("25.50"), True)
    assert proposal.reason_description.startswith("COBRANÇA DE PROCEDIMENTO EM QUANTIDADE ACIMA")
    assert (proposal.status_label, proposal.source_label) == ("Proposta pela crítica", "Crítica automática")
    assert first.items[0].approved_value is None and not first.items[0].decided


def test_the_screen_and_every_change_are_staff_only(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, over_quantity=True)
    item = items(screen)[0]
    proposal = item.proposals[0]
    calls = [
        lambda: analysis.batch_analysis(db, actor, screen.row.id),
        lambda: analysis.received_queue(db, actor, BatchFilters()),
        lambda: analysis.accept_item(db, actor, item.id),
        lambda: analysis.apply_glosa(db, actor, item.id, value="1,00", reason_code="1702", note=""),
        lambda: analysis.remove_glosa(db, actor, proposal.id),
        lambda: analysis.accept_proposal(db, actor, proposal.id),
        lambda: analysis.discard_proposal(db, actor, proposal.id),
        lambda: analysis.accept_all(db, actor, screen.row.id),
        lambda: analysis.accept_all_proposals(db, actor, screen.row.id),
        lambda: analysis.finish_analysis(db, actor, screen.row.id),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    db.rollback()
    assert analysis.batch_analysis(db, staff, screen.row.id) == screen  # nothing changed


def test_unknown_records_are_not_found(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff)
    with pytest.raises(NotFound, match="Lote não encontrado"):
        analysis.batch_analysis(db, staff, screen.row.id + 99)
    with pytest.raises(NotFound, match="Item não encontrado"):
        analysis.accept_item(db, staff, 10**6)
    with pytest.raises(NotFound, match="Glosa não encontrada"):
        analysis.accept_proposal(db, staff, 10**6)
    with pytest.raises(NotFound, match="Lote não encontrado"):
        analysis.finish_analysis(db, staff, screen.row.id + 99)
    with pytest.raises(NotFound, match="Guia não encontrada neste lote"):
        analysis.accept_all(db, staff, screen.row.id, guide_id=10**6)


# --- one item ----------------------------------------------------------------------------------


def test_accepting_an_item_approves_its_total_and_is_audited(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff)
    item = item_by_code(screen, "40302040")
    decided = analysis.accept_item(db, staff, item.id)
    assert (decided.approved_value, decided.decided, decided.glosa_value) == (
        Decimal("14.50"), True, Decimal("0.00"))
    [line] = audit_lines(db, "analysis.accept_item")
    assert line.startswith("Item 40302040 (R$ 14,50) da guia ") and line.endswith(
        "sem decisão → aceito integralmente")


def test_a_manual_glosa_sets_the_approved_value_and_replaces_an_earlier_one(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff)
    item = item_by_code(screen, "40302040")
    first = analysis.apply_glosa(db, staff, item.id, value="4,50", reason_code="1705", note="Valor de tabela")
    assert (first.approved_value, first.applied.value, first.applied.reason_code, first.applied.note) == (
        Decimal("10.00"), Decimal("4.50"), "1705", "Valor de tabela")
    assert (first.applied.source, first.applied.status, first.applied.decided_by_name) == (
        GlosaSource.ANALISTA, GlosaStatus.APLICADA, staff.name)
    second = analysis.apply_glosa(db, staff, item.id, value=Decimal("14.50"), reason_code=" 1702 ")
    assert (second.approved_value, second.applied.value, second.applied.reason_code) == (
        Decimal("0.00"), Decimal("14.50"), "1702")
    assert [g.value for g in second.discarded] == [Decimal("4.50")]  # kept, as history
    assert audit_lines(db, "analysis.apply_glosa")[1].endswith(
        "glosa 1705 de R$ 4,50 → glosa 1702 de R$ 14,50")


@pytest.mark.parametrize("value, message", [
    ("0", "maior que zero"),
    ("0,00", "maior que zero"),
    ("14,51", "R\\$ 14,51 é maior que o valor do item \\(R\\$ 14,50\\)"),
    ("1,234", "no máximo 2 casas decimais"),
    ("-1", "negativos"),
    ("", "informe um número"),
    ("dez", "não é um número"),
])
def test_glosa_values_are_refused_unless_exact_positive_and_within_the_item(factory, db, clinic, staff,
                                                                          value, message):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff)
    item = item_by_code(screen, "40302040")
    with pytest.raises(DomainError, match=f"Valor da glosa: .*{message}"):
        analysis.apply_glosa(db, staff, item.id, value=value, reason_code="1705")
    db.rollback()
    assert db.exec(select(Glosa).where(Glosa.source == GlosaSource.ANALISTA)).all() == []
    assert db.get(BatchItem, item.id).approved_value is None


@pytest.mark.parametrize("reason, message", [("9999", "9999 não consta da tabela 38"), ("", "escolha um código"),
                                             ("abc", "abc não consta")])
def test_a_glosa_reason_must_be_a_table_38_code(factory, db, clinic, staff, reason, message):
    provider, actor = clinic
    item = item_by_code(in_analysis(factory, db, provider, actor, staff), "40302040")
    with pytest.raises(DomainError, match=message):
        analysis.apply_glosa(db, staff, item.id, value="1,00", reason_code=reason)


def test_a_too_long_note_is_refused(factory, db, clinic, staff):
    provider, actor = clinic
    item = item_by_code(in_analysis(factory, db, provider, actor, staff), "40302040")
    with pytest.raises(DomainError, match="no máximo 1000 caracteres"):
        analysis.apply_glosa(db, staff, item.id, value="1,00", reason_code="1702", note="x" * 1001)


def test_removing_a_glosa_leaves_the_item_undecided(factory, db, clinic, staff):
    provider, actor = clinic
    item = item_by_code(in_analysis(factory, db, provider, actor, staff), "40302040")
    glossed = analysis.apply_glosa(db, staff, item.id, value="2,00", reason_code="1702")
    removed = analysis.remove_glosa(db, staff, glossed.applied.id)
    assert (removed.approved_value, removed.applied, [g.status for g in removed.discarded]) == (
        None, None, [GlosaStatus.DESCARTADA])
    with pytest.raises(DomainError, match="não está aplicada"):
        analysis.remove_glosa(db, staff, glossed.applied.id)
    assert audit_lines(db, "analysis.remove_glosa")[0].endswith("glosa 1702 de R$ 2,00 → sem decisão")


# --- the critique's proposals ------------------------------------------------------------------


def test_accepting_a_proposal_makes_it_the_glosa(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, over_quantity=True)
    item = item_by_code(screen, "40301630")
    decided = analysis.accept_proposal(db, staff, item.proposals[0].id)
    assert (decided.approved_value, decided.applied.value, decided.applied.rule, decided.proposals) == (
        Decimal("25.50"), Decimal("25.50"), "quantity_above_authorized", ())
    assert decided.applied.decided_by_name == staff.name and decided.applied.decided_at is not None
    with pytest.raises(DomainError, match="já foi decidida \\(Aplicada\\)"):
        analysis.accept_proposal(db, staff, decided.applied.id)
    with pytest.raises(DomainError, match="já foi decidida"):
        analysis.discard_proposal(db, staff, decided.applied.id)


def test_discarding_a_proposal_leaves_the_item_to_decide(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, over_quantity=True)
    item = item_by_code(screen, "40301630")
    after = analysis.discard_proposal(db, staff, item.proposals[0].id)
    assert (after.approved_value, after.proposals, [g.rule for g in after.discarded]) == (
        None, (), ["quantity_above_authorized"])
    assert "proposta → descartada" in audit_lines(db, "analysis.discard_proposal")[0]


def test_a_manual_decision_sets_the_items_proposals_aside_visibly(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, over_quantity=True)
    item = item_by_code(screen, "40301630")
    decided = analysis.apply_glosa(db, staff, item.id, value="10,00", reason_code="1820", note="Parcial")
    assert decided.proposals == () and [g.rule for g in decided.discarded] == ["quantity_above_authorized"]
    accepted = analysis.accept_item(db, staff, item.id)
    assert accepted.applied is None and accepted.approved_value == Decimal("51.00")
    assert sorted(g.value for g in accepted.discarded) == [Decimal("10.00"), Decimal("25.50")]


def test_accept_all_approves_only_undecided_items_without_proposals(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, guides=2, over_quantity=True)
    first, second = screen.guides
    glossed = analysis.apply_glosa(db, staff, first.items[1].id, value="1,00", reason_code="1702")
    assert analysis.accept_all(db, staff, screen.row.id, guide_id=second.guide_id) == 1
    assert analysis.accept_all(db, staff, screen.row.id) == 0  # the glossed one is decided already
    after = analysis.batch_analysis(db, staff, screen.row.id)
    assert [item.approved_value for g in after.guides for item in g.items] == [
        None, glossed.approved_value, None, Decimal("14.50")]
    assert after.pending_count == 2  # nothing glossed or cleared without a decision
    [line] = audit_lines(db, "analysis.accept_all")
    assert line == (f"Aceitos integralmente 1 item(ns) da guia {second.guide_number} (lote {after.row.lot_number}, "
                    f"protocolo {after.row.protocol_number}): sem decisão → aprovados R$ 14,50")


def test_accept_all_proposals_takes_the_largest_proposal_of_each_item(factory, db, clinic, staff):
    provider, actor = clinic
    g = guide(factory, provider, items=[("22", "40301630", "Hemograma", Decimal("1"), Decimal("25.50"))],
              requested=TODAY - timedelta(days=80), performed=TODAY - timedelta(days=5))
    set_item(db, g.id, performed_qty=Decimal("2"))  # outside validity (51,00) and above quantity (25,50)
    [confirmed] = bill(db, actor)
    processing.start_analysis(db, staff, confirmed.batch_id)
    assert analysis.accept_all_proposals(db, staff, confirmed.batch_id) == 1
    [item] = items(analysis.batch_analysis(db, staff, confirmed.batch_id))
    assert (item.applied.rule, item.applied.value, item.approved_value) == (
        "outside_validity", Decimal("51.00"), Decimal("0.00"))
    assert [g.rule for g in item.discarded] == ["quantity_above_authorized"]
    assert analysis.accept_all_proposals(db, staff, confirmed.batch_id) == 0
    assert "sem decisão → glosas de R$ 51,00" in audit_lines(db, "analysis.accept_all_proposals")[0]


# --- finishing ---------------------------------------------------------------------------------


def test_finishing_is_refused_while_anything_waits_for_a_decision(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, guides=2, over_quantity=True)
    with pytest.raises(DomainError, match="4 item\\(ns\\) sem decisão e 2 proposta\\(s\\) da crítica sem decisão"):
        analysis.finish_analysis(db, staff, screen.row.id)
    analysis.accept_all(db, staff, screen.row.id)
    with pytest.raises(DomainError, match="análise: 2 item\\(ns\\) sem decisão e 2 proposta"):
        analysis.finish_analysis(db, staff, screen.row.id)
    assert db.get(Batch, screen.row.id).status == BatchStatus.EM_ANALISE


def test_finishing_releases_the_batch_with_exact_totals(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, guides=3, over_quantity=True)
    analysis.accept_all_proposals(db, staff, screen.row.id)
    analysis.apply_glosa(db, staff, screen.guides[0].items[1].id, value="0,01", reason_code="1702")
    analysis.accept_all(db, staff, screen.row.id)
    batch = analysis.finish_analysis(db, staff, screen.row.id)
    assert (batch.status, batch.analysed_by) == (BatchStatus.LIBERADO_PAGAMENTO, staff.user_id)
    assert batch.analysed_at is not None
    # 3 × 65,50 billed; 3 × 25,50 + 0,01 glossed
    assert (batch.total_value, batch.glosa_value, batch.approved_value) == (
        Decimal("196.50"), Decimal("76.51"), Decimal("119.99"))
    assert batch.glosa_value + batch.approved_value == batch.total_value
    after = analysis.batch_analysis(db, staff, batch.id)
    assert (after.glosa_value, after.approved_value, after.editable, after.analysed_by_name) == (
        batch.glosa_value, batch.approved_value, False, staff.name)
    assert "liberado para pagamento" in audit_lines(db, "batch.release_payment")[0]


def test_a_batch_glossed_in_full_closes_without_payment(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, items=[GLUCOSE])
    analysis.apply_glosa(db, staff, items(screen)[0].id, value="14,50", reason_code="1702")
    batch = analysis.finish_analysis(db, staff, screen.row.id)
    assert (batch.status, batch.glosa_value, batch.approved_value) == (
        BatchStatus.ENCERRADO_SEM_PAGAMENTO, Decimal("14.50"), Decimal("0.00"))


def test_an_analysed_batch_cannot_be_changed_by_anyone(factory, db, clinic, staff):
    provider, actor = clinic
    screen = in_analysis(factory, db, provider, actor, staff, over_quantity=True)
    exam, glucose = items(screen)
    analysis.accept_proposal(db, staff, exam.proposals[0].id)
    analysis.accept_item(db, staff, glucose.id)
    analysis.finish_analysis(db, staff, screen.row.id)
    db.commit()
    applied = db.exec(select(Glosa).where(Glosa.status == GlosaStatus.APLICADA)).one()
    changes = [
        lambda: analysis.accept_item(db, staff, glucose.id),
        lambda: analysis.apply_glosa(db, staff, glucose.id, value="1,00", reason_code="1702"),
        lambda: analysis.remove_glosa(db, staff, applied.id),
        lambda: analysis.discard_proposal(db, staff, applied.id),
        lambda: analysis.accept_all(db, staff, screen.row.id),
        lambda: analysis.accept_all_proposals(db, staff, screen.row.id),
        lambda: analysis.finish_analysis(db, staff, screen.row.id),
    ]
    for change in changes:
        with pytest.raises(DomainError, match="Lote já analisado: não pode mais ser alterado"):
            change()
        db.rollback()
    batch = db.get(Batch, screen.row.id)
    assert (batch.status, batch.glosa_value) == (BatchStatus.LIBERADO_PAGAMENTO, Decimal("25.50"))


def test_nothing_changes_before_the_analysis_starts(factory, db, clinic, staff):
    provider, actor = clinic
    guide(factory, provider)
    [confirmed] = bill(db, actor)
    item_id = db.exec(select(BatchItem.id)).first()
    with pytest.raises(DomainError, match="ainda não foi iniciada"):
        analysis.accept_item(db, staff, item_id)
    with pytest.raises(DomainError, match="ainda não foi iniciada"):
        analysis.finish_analysis(db, staff, confirmed.batch_id)


def test_two_analysts_finishing_at_once_end_with_one_result(factory, db, clinic, staff):
    provider, actor = clinic
    other_staff = factory.actor(role=Role.STAFF)
    for _ in range(4):
        screen = in_analysis(factory, db, provider, actor, staff)
        analysis.accept_all(db, staff, screen.row.id)
        db.commit()
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def finish(name, who, batch_id=screen.row.id, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                perform(lambda s: analysis.finish_analysis(s, who, batch_id))
                outcomes[name] = "ok"
            except DomainError as error:
                outcomes[name] = error.message

        threads = [threading.Thread(target=finish, args=(name, who))
                   for name, who in (("a", staff), ("b", other_staff))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()).count("ok") == 1, outcomes
        db.expire_all()
        batch = db.get(Batch, screen.row.id)
        assert (batch.status, batch.approved_value) == (BatchStatus.LIBERADO_PAGAMENTO, Decimal("40.00"))
        releases = db.exec(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "batch.release_payment", AuditLog.entity_id == str(batch.id))).one()
        assert releases == 1


# --- the queue and the reasons -----------------------------------------------------------------


def test_the_queue_filters_pages_and_counts_per_status(factory, db, clinic, staff):
    provider, actor = clinic
    other = factory.provider(name="Laboratório Sul")
    other_actor = factory.actor(other)
    screen = in_analysis(factory, db, provider, actor, staff)
    guide(factory, provider)
    bill(db, actor)
    guide(factory, other)
    bill(db, other_actor)
    everything = analysis.received_queue(db, staff, BatchFilters())
    assert everything.total == 3 and everything.counts == {"1": 2, "2": 1}
    waiting = analysis.received_queue(db, staff, BatchFilters(status=BatchStatus.RECEBIDO))
    assert waiting.total == 2 and waiting.counts == {"1": 2, "2": 1}  # the tabs keep their counts
    own = analysis.received_queue(db, staff, BatchFilters(provider_id=provider.id), page=1, page_size=1)
    assert (own.total, own.page_count, own.counts) == (2, 2, {"1": 1, "2": 1})
    assert own.rows[0].provider_name == "Clínica São Lucas"
    assert processing.list_received(db, staff, BatchFilters(status=BatchStatus.EM_ANALISE)).rows[0].row.id == \
        screen.row.id
    with pytest.raises(DomainError, match="Competência inválida"):
        analysis.received_queue(db, staff, BatchFilters(competence="13/2026"))


def test_glosa_reasons_come_from_the_official_table_and_are_searchable():
    every = analysis.glosa_reasons()
    found = {reason.code: reason for reason in every}
    assert {"3169", "3312", "1702", "1705", "1820", "1321", "1815", "1001"} <= set(found)
    assert len(every) > 400
    assert [r.code for r in analysis.glosa_reasons("1702")] == ["1702"]
    assert {r.code for r in analysis.glosa_reasons("17")} >= {"1702", "1705"}
    assert all(r.code.startswith("17") for r in analysis.glosa_reasons("17"))
    duplicated = analysis.glosa_reasons("cobranca duplicidade")
    assert "1702" in {r.code for r in duplicated}
    assert analysis.glosa_reasons("COBRANÇA   DUPLICIDADE") == duplicated
    assert analysis.glosa_reasons("zzzz") == []
    assert found["1702"].label == "1702 · COBRANÇA DE PROCEDIMENTO EM DUPLICIDADE"
