"""The demo's money history: what a person exploring the demo finds, built by the real services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, text, update
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import (
    Appeal,
    AppealStatus,
    AuditLog,
    Batch,
    BatchOrigin,
    BatchStatus,
    Glosa,
    GlosaSource,
    GlosaStatus,
    Payment,
    PaymentBatch,
    PaymentWithholding,
    Provider,
    Tax,
    UploadRecord,
    User,
)
from copass_app.services import billing
from copass_app.services.auth import actor_for_user
from copass_app.services.demo import DEMO_PROVIDERS, seed_demo
from copass_app.services.demo_history import PROFILES
from tests.conftest import truncate_all

NOW = datetime(2026, 11, 23, 10, 0)  # Brasília
SMALL = dict(guides_per_provider=150, beneficiary_count=60)


@pytest.fixture(scope="module")
def seeded(engine):
    """One small demo seeded for the module's tests, which only read it (a draft opened is rolled back)."""
    truncate_all(engine)
    with Session(engine, expire_on_commit=False) as db, clock.frozen(NOW):
        assert seed_demo(db, **SMALL).created
        db.commit()
    yield
    truncate_all(engine)


@pytest.fixture
def demo(seeded, engine):
    with Session(engine, expire_on_commit=False) as db:
        yield db
        db.rollback()


def _provider(db, code: str) -> Provider:
    return db.exec(select(Provider).where(Provider.code == code)).one()


@pytest.mark.parametrize("code", [spec.code for spec in DEMO_PROVIDERS])
def test_each_demo_provider_has_batches_in_every_state_over_six_months(demo, code):
    provider = _provider(demo, code)
    batches = demo.exec(select(Batch).where(Batch.provider_id == provider.id)).all()
    assert {b.status for b in batches} == {BatchStatus.RECEBIDO, BatchStatus.EM_ANALISE,
                                          BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO,
                                          BatchStatus.PAGO, BatchStatus.CANCELADO}
    assert {b.competence for b in batches} == {"2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}
    received = sorted(clock.brasilia_date(clock.as_utc(b.received_at)) for b in batches)
    assert received[0] >= date(2026, 5, 23) and received[-1] < date(2026, 11, 23)
    for batch in batches:
        if batch.status in (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.PAGO):
            assert batch.total_value == batch.approved_value + batch.glosa_value
            assert batch.analysed_by is not None and batch.analysed_at >= batch.processed_at >= batch.received_at
    closed = [b for b in batches if b.status == BatchStatus.ENCERRADO_SEM_PAGAMENTO]
    assert [(b.guide_count, b.approved_value) for b in closed] == [(1, Decimal("0.00"))]
    reversed_ = [b for b in batches if b.status == BatchStatus.CANCELADO]
    assert reversed_ and all(b.reversed_at is not None and b.processed_at is None for b in reversed_)


def test_the_actors_are_the_demo_users(demo):
    logins = dict(demo.exec(select(User.id, User.login)).all())
    staff = {uid for uid, login in logins.items() if login == "operadora"}
    for spec in DEMO_PROVIDERS:
        provider = _provider(demo, spec.code)
        [user_id] = [uid for uid, login in logins.items() if login == spec.login]
        batches = demo.exec(select(Batch).where(Batch.provider_id == provider.id)).all()
        assert {b.created_by for b in batches} == {user_id}
        assert {b.analysed_by for b in batches if b.analysed_by} == staff
        assert {a.created_by for a in demo.exec(select(Appeal).where(Appeal.provider_id == provider.id))} == {user_id}
    # Every step left its audit line, by the user who took it.
    actions = dict(demo.exec(select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())
    for action in ("batch.start_analysis", "analysis.apply_glosa", "analysis.accept_proposal", "analysis.accept_all",
                   "batch.release_payment", "batch.close_without_payment", "batch.reverse", "appeal.open",
                   "appeal.decision", "payment.register", "batch.pay", "xml.accept"):
        assert actions.get(action), action


def test_glosas_are_a_few_percent_with_several_reasons_from_the_critique_and_the_analyst(demo):
    analysed = (BatchStatus.LIBERADO_PAGAMENTO, BatchStatus.PAGO)
    total, glossed = demo.exec(select(func.sum(Batch.total_value), func.sum(Batch.glosa_value))
                               .where(Batch.status.in_(analysed))).one()
    assert Decimal("0.01") <= Decimal(glossed) / Decimal(total) <= Decimal("0.08")
    applied = demo.exec(select(Glosa).where(Glosa.status == GlosaStatus.APLICADA)).all()
    assert len({g.reason_code for g in applied}) >= 6
    by_source = {source: [g for g in applied if g.source == source] for source in GlosaSource}
    assert by_source[GlosaSource.CRITICA] and by_source[GlosaSource.ANALISTA]
    assert all(g.note for g in applied)
    # The analyst also set critique proposals aside, and one batch still in analysis waits with proposals.
    assert demo.exec(select(Glosa).where(Glosa.status == GlosaStatus.DESCARTADA,
                                         Glosa.source == GlosaSource.CRITICA)).first()


def test_appeals_are_pending_and_decided_and_the_accepted_values_paid_in_a_later_payment(demo):
    appeals = demo.exec(select(Appeal)).all()
    assert {a.status for a in appeals} == set(AppealStatus)
    for appeal in appeals:
        if appeal.status == AppealStatus.PENDENTE:
            assert appeal.accepted_value is None and appeal.payment_id is None
        elif appeal.status == AppealStatus.RECUSADO:
            assert appeal.accepted_value == 0 and appeal.decision_note and appeal.payment_id is None
        elif appeal.status == AppealStatus.ACEITO_PARCIAL:
            assert 0 < appeal.accepted_value < appeal.contested_value
    paid = [a for a in appeals if a.payment_id is not None]
    assert paid
    for appeal in paid:
        payment = demo.get(Payment, appeal.payment_id)
        batch_payment = demo.exec(select(PaymentBatch).where(PaymentBatch.batch_id == appeal.batch_id)).first()
        if batch_payment is None:  # the batch glossed whole: nothing paid but the appeal
            assert demo.get(Batch, appeal.batch_id).status == BatchStatus.ENCERRADO_SEM_PAGAMENTO
        else:
            assert payment.paid_on > demo.get(Payment, batch_payment.payment_id).paid_on
        assert payment.paid_on >= clock.brasilia_date(clock.as_utc(appeal.decided_at))
    # Some accepted values still wait for the next payment.
    assert any(a.status in (AppealStatus.ACEITO, AppealStatus.ACEITO_PARCIAL) and a.payment_id is None
               for a in appeals)


@pytest.mark.parametrize("code, iss, irrf", [("100001", "2", "1.5"), ("100002", "5", "1.5"),
                                             ("100003", "2.5", "1.2")])
def test_payments_withhold_each_providers_taxes_and_add_up_to_the_cent(demo, code, iss, irrf):
    provider = _provider(demo, code)
    profile = PROFILES[code]
    assert (provider.municipality, provider.bank, provider.account) == (profile.municipality, profile.bank,
                                                                        profile.account)
    payments = demo.exec(select(Payment).where(Payment.provider_id == provider.id)).all()
    assert len(payments) >= 3
    for payment in payments:
        lines = {Tax(w.tax): w for w in demo.exec(select(PaymentWithholding)
                                                  .where(PaymentWithholding.payment_id == payment.id))}
        assert lines[Tax.ISS].rate_percent == Decimal(iss) and lines[Tax.IRRF].rate_percent == Decimal(irrf)
        assert payment.withholding_value == sum(w.value for w in lines.values())
        assert payment.gross_value == payment.approved_value + payment.glosa_value
        assert payment.net_value == payment.approved_value + payment.appeals_value - payment.withholding_value
        assert (payment.bank, payment.account) == (profile.bank, profile.account)
        assert payment.paid_on < NOW.date()
    assert any(p.withholding_value > 0 for p in payments)  # a small payment may have none (R$ 10,00 rule)


def test_the_laboratory_sends_some_months_as_xml_lots(demo):
    laboratory = _provider(demo, "100002")
    origins = set(demo.exec(select(Batch.origin).where(Batch.provider_id == laboratory.id)))
    assert origins == {BatchOrigin.WEB, BatchOrigin.XML}
    uploads = demo.exec(select(UploadRecord).where(UploadRecord.provider_id == laboratory.id)).all()
    assert uploads and all(u.accepted and u.batch_id for u in uploads)


def test_nothing_is_dated_after_now_and_recent_guides_wait_in_faturamento(demo):
    now = clock.as_utc(datetime(2026, 11, 23, 10, 0, tzinfo=clock.BRASILIA))
    for column in (Batch.received_at, Batch.processed_at, Batch.analysed_at, Batch.paid_at, Glosa.created_at,
                   Glosa.decided_at, Appeal.created_at, Appeal.decided_at, Payment.created_at, AuditLog.at):
        latest = demo.exec(select(func.max(column))).one()
        assert latest is None or clock.as_utc(latest) < now, column
    clinic = demo.exec(select(User).where(User.login == "clinica")).one()
    with clock.frozen(NOW):
        summary = billing.open_draft(demo, actor_for_user(demo, clinic), start=NOW.date() - timedelta(days=60),
                                     end=NOW.date())
    assert summary.guide_count_available >= 5  # the second half of last month and this month


def test_a_second_seed_changes_nothing(demo):
    counts = {model.__name__: demo.exec(select(func.count()).select_from(model)).one()
              for model in (Batch, Glosa, Appeal, Payment, AuditLog)}
    with clock.frozen(NOW + timedelta(days=3)):
        again = seed_demo(demo, **SMALL)
    assert not again.created
    assert counts == {model.__name__: demo.exec(select(func.count()).select_from(model)).one()
                      for model in (Batch, Glosa, Appeal, Payment, AuditLog)}


def _offenders(db, check_name: str) -> list:
    from load.faults import crash_checks

    [query] = [query for name, query in crash_checks() if name == check_name]
    return db.execute(text(query)).all()


def test_the_crash_harness_checks_run_on_this_database_and_find_nothing_in_the_demo(demo):
    """The consistency queries of the crash harness and of the fault runs (load/faults.py) are plain SQL:
    the same text on SQLite and PostgreSQL (one of them once compared a truth value with a count, which
    PostgreSQL refuses), and six months of batches in every state satisfy all of them."""
    from load.faults import crash_checks

    checks = crash_checks()
    assert len(checks) > 20
    for name, query in checks:
        assert demo.execute(text(query)).all() == [], name


def test_the_checks_find_a_paid_batch_without_its_date_and_a_reversal_without_its_audit(demo):
    paid = demo.exec(select(Batch).where(Batch.status == BatchStatus.PAGO)).first()
    reversed_ = demo.exec(select(Batch).where(Batch.status == BatchStatus.CANCELADO,
                                            Batch.reversed_at.is_not(None))).first()
    demo.execute(update(Batch).where(Batch.id == paid.id).values(paid_at=None))
    demo.execute(delete(AuditLog).where(AuditLog.action == "batch.reverse",
                                        AuditLog.entity_id == str(reversed_.id)))
    paid_check = "lote pago sem exatamente um pagamento (ou pagamento de lote não pago)"
    assert [row[0] for row in _offenders(demo, paid_check)] == [paid.id]
    assert [row[0] for row in _offenders(demo, "estorno sem exatamente uma auditoria")] == [reversed_.id]
