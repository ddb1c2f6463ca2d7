"""`copass seed-demo --reset`: back to a fresh seed after a demo session, refused on any other data."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, inspect
from sqlmodel import Session, SQLModel, select

from copass_app import clock
from copass_app.cli import main
from copass_app.models import (
    Appeal,
    Batch,
    BatchStatus,
    Beneficiary,
    CatalogItem,
    Glosa,
    GlosaStatus,
    Guide,
    Operator,
    Payment,
    Provider,
    Role,
    UploadRecord,
    User,
)
from copass_app.services import analysis, appeals, billing, storage, xml_lots
from copass_app.services import auth as auth_service
from copass_app.services.auth import actor_for_user
from copass_app.services.demo import DEMO_PASSWORD, DEMO_REGISTRO_ANS, full_cnpj, seed_demo
from copass_app.services.demo_reset import (
    OWNER_TABLES,
    OWNERLESS_TABLES,
    _demo_cache,
    foreign_data,
    holds_demo_data,
    reset_demo_database,
)
from copass_app.services.errors import DomainError
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform
from copass_app.services.users import add_user
from tests.factories import PASSWORD

NOW = datetime(2026, 11, 23, 10, 0)  # Brasília
SMALL = dict(guides_per_provider=150, beneficiary_count=60)
# Salted password hashes differ on every seed. On PostgreSQL the ids differ too (sequences go on
# after a delete; SQLite gives the same ids again), and with them the columns made of ids.
SALTED = {"user.password_hash"}
ID_MADE = {"batch.protocol_number", "protocol.number", "protocol.receipt_xml", "payment.number",
           "upload_record.stored_path", "audit_log.entity_id", "audit_log.detail"}


def fingerprint(db: Session) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a SHA-256 of its rows in a stable order (ids too on SQLite)."""
    with_ids = db.get_bind().dialect.name == "sqlite"
    skipped = SALTED if with_ids else SALTED | ID_MADE
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if f"{table.name}.{c.name}" not in skipped
                   and (with_ids or not (c.primary_key or c.foreign_keys))]
        rows = sorted(repr(tuple(row)) for row in db.execute(select(*columns)))
        count = db.execute(select(func.count()).select_from(table)).scalar_one()
        found[table.name] = (count, hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return found


def _user(db: Session, login: str) -> User:
    return db.exec(select(User).where(User.login == login)).one()


def _demo_session_changes(db: Session) -> None:
    """What staff do while demonstrating: bill, gloss, appeal, send a lot."""
    clinic = actor_for_user(db, _user(db, "clinica"))
    staff = actor_for_user(db, _user(db, "operadora"))
    billing.open_draft(db, clinic, start=NOW.date() - timedelta(days=30), end=NOW.date())
    assert billing.confirm_draft(db, clinic)
    in_analysis = db.exec(select(Batch).where(Batch.status == BatchStatus.EM_ANALISE)).first()
    item = db.exec(select(Glosa.batch_item_id).where(Glosa.batch_id == in_analysis.id)).first() or \
        analysis.batch_analysis(db, staff, in_analysis.id).guides[-1].items[0].id
    analysis.apply_glosa(db, staff, item, value="1,00", reason_code="1714", note="Glosa da demonstração")
    released = db.exec(select(Glosa).join(Batch, Batch.id == Glosa.batch_id).where(
        Glosa.status == GlosaStatus.APLICADA, Batch.status == BatchStatus.LIBERADO_PAGAMENTO,
        Glosa.id.not_in(select(Appeal.glosa_id)), Glosa.provider_id == clinic.provider_id)).first()
    appeals.open_appeal(db, clinic, released.id, contested_value=released.value,
                        justification="Recurso aberto durante a demonstração.")
    db.commit()


@pytest.fixture
def demo(db):
    with clock.frozen(NOW):
        assert seed_demo(db, **SMALL).created
        db.commit()
        yield db


def test_reset_after_a_demo_session_gives_back_the_very_rows_of_a_fresh_seed(demo):
    fresh = fingerprint(demo)
    demo.commit()
    with clock.frozen(NOW):
        _demo_session_changes(demo)
        changed = fingerprint(demo)
        assert changed["batch"] != fresh["batch"] and changed["glosa"] != fresh["glosa"]
        assert changed["appeal"] != fresh["appeal"]
        demo.commit()
        result = reset_demo_database(**SMALL)
    assert "carregados de novo" in result.message
    demo.expire_all()
    assert fingerprint(demo) == fresh
    assert demo.exec(select(func.count()).select_from(Batch)).one() == fresh["batch"][0] > 0


def test_a_lot_sent_during_the_session_leaves_no_file_behind(demo):
    with clock.frozen(NOW):
        laboratory = actor_for_user(demo, _user(demo, "laboratorio"))
        provider = demo.get(Provider, laboratory.provider_id)
        guides = demo.exec(select(Guide).where(Guide.provider_id == provider.id, Guide.status == "1",
                                               Guide.performed_on >= NOW.date() - timedelta(days=7),
                                               Guide.performed_on.is_not(None))
                           .order_by(Guide.id).limit(2)).all()
        data = lot_for_guides(demo, provider, list(guides)[:1], "999001")
        demo.commit()
        outcome = perform(lambda db: xml_lots.receive_lot(db, laboratory, "sessao.xml", data))
        assert outcome.accepted, outcome.errors
        sent = demo.exec(select(UploadRecord.stored_path).where(UploadRecord.id == outcome.upload_id)).one()
        seeded = set(demo.exec(select(UploadRecord.stored_path).where(UploadRecord.id != outcome.upload_id)))
        demo.commit()
        old = time.time() - storage.FRESH_SECONDS - 60  # written before the session's last minutes
        os.utime(storage._path(sent), (old, old))
        result = reset_demo_database(**SMALL)
    assert result.removed_files == 1 and not storage.exists(sent)
    assert all(storage.exists(path) for path in seeded)


@pytest.mark.parametrize("intruder", ["provider", "user", "operator", "provider_user", "catalog"])
def test_reset_refuses_a_database_with_data_that_is_not_the_demos_and_changes_nothing(demo, intruder):
    operator = demo.exec(select(Operator).where(Operator.registro_ans == DEMO_REGISTRO_ANS)).one()
    if intruder == "provider":
        demo.add(Provider(operator_id=operator.id, code="200001", name="Clínica Real Ltda",
                          document=full_cnpj("998887770001"), kind="Clínica"))
    elif intruder == "user":
        add_user(demo, "maria", "Maria Souza", "senha-forte-123", Role.STAFF)
    elif intruder == "provider_user":  # a new user of a demo provider is not one of the demo's users
        add_user(demo, "recepcao", "Recepção", "senha-forte-123", Role.PROVIDER, provider_code="100001")
    elif intruder == "operator":
        demo.add(Operator(registro_ans="412345", name="Outra Operadora", cnpj=full_cnpj("556667770001")))
    else:
        demo.add(CatalogItem(table_code="19", code="88000001", name="MATERIAL DO CONTRATO REAL",
                             name_search="material do contrato real", unit="UN", price=Decimal("1.00")))
    demo.commit()
    before = fingerprint(demo)
    demo.commit()
    with pytest.raises(DomainError) as refusal:
        reset_demo_database(**SMALL)
    assert "não são de demonstração" in refusal.value.message and "Nada foi apagado" in refusal.value.message
    named = {"provider": "200001", "user": "maria", "provider_user": "recepcao", "operator": "412345",
             "catalog": "19/88000001"}[intruder]
    assert named in refusal.value.message
    demo.expire_all()
    assert fingerprint(demo) == before


def test_the_cli_refuses_in_portuguese_with_exit_status_1(demo, capsys):
    add_user(demo, "admin", "Administrador", "senha-forte-123", Role.ADMIN)
    demo.commit()
    guides = demo.exec(select(func.count()).select_from(Guide)).one()
    demo.commit()
    assert main(["seed-demo", "--reset"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("Erro: Recusado: este banco tem dados que não são de demonstração") and "admin" in error
    assert demo.exec(select(func.count()).select_from(Guide)).one() == guides


def test_demo_data_is_nothing_but_the_demo_and_the_badge_check_says_so(demo):
    assert foreign_data(demo) == []
    _demo_cache.clear()
    assert holds_demo_data(demo)


def test_an_empty_database_holds_no_demo_data(db):
    _demo_cache.clear()
    assert not holds_demo_data(db)
    _demo_cache.clear()


def test_every_table_is_covered_by_the_definition_of_demo_data(engine):
    """A table added later must hang from an operator, provider, user or beneficiary, or be named as
    ownerless: otherwise the reset would delete rows nobody checked."""
    def owned(table, seen=()) -> bool:
        if table.name in OWNER_TABLES:
            return True
        return any(owned(fk.column.table, (*seen, table.name)) for fk in table.foreign_keys
                   if fk.column.table.name not in seen)

    for table in SQLModel.metadata.sorted_tables:
        assert table.name in OWNERLESS_TABLES or owned(table), table.name
    # And no table the portal migrates is outside the models (alembic's own bookkeeping aside).
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert names == {t.name for t in SQLModel.metadata.sorted_tables}


def test_on_the_first_day_of_a_month_early_in_the_morning_every_state_is_still_there(db):
    """The newest month's billing falls on the day before (never on a day that has not come)."""
    with clock.frozen(datetime(2026, 12, 1, 6, 0)):
        seed_demo(db, **SMALL)
        db.commit()
        statuses = set(db.exec(select(Batch.status)))
        latest = db.exec(select(func.max(Batch.processed_at))).one()
        assert clock.as_utc(latest) < clock.now()
    assert statuses == {BatchStatus.RECEBIDO, BatchStatus.EM_ANALISE, BatchStatus.LIBERADO_PAGAMENTO,
                        BatchStatus.ENCERRADO_SEM_PAGAMENTO, BatchStatus.PAGO, BatchStatus.CANCELADO}
    assert db.exec(select(func.count()).select_from(Payment)).one() >= 9
    assert db.exec(select(func.count()).select_from(Beneficiary)).one() == SMALL["beneficiary_count"]


def _tab_after_a_service_call(token: str):
    """A new browser tab holding `token` that ran one service through `call_service`, as every page load does."""
    import asyncio

    import reflex as rx

    from copass_app.state.auth import AuthState, call_service

    root = rx.State(_reflex_internal_init=True)
    auth = root.get_substate(AuthState._get_substate_path())
    auth.session_token = token
    result, event = asyncio.run(call_service(auth, lambda db, actor: actor.login, audience=None))
    assert event is None and result
    return auth


def test_the_header_says_dados_de_demonstracao_on_demo_data_only(demo):
    import json

    from copass_app import routes
    from copass_app.components.shell import page_shell

    header = json.dumps(page_shell(routes.ROUTES[0]).render(), ensure_ascii=False)
    assert "Dados de demonstra" in header and "is_demo" in header  # shown by the var, not always (JS escapes ç ã)
    _demo_cache.clear()
    token = perform(lambda db: auth_service.login(db, "clinica", DEMO_PASSWORD))
    assert _tab_after_a_service_call(token).is_demo


def test_the_header_has_no_demo_badge_on_real_data(factory):
    user = factory.user(factory.provider())
    _demo_cache.clear()
    factory.db.execute(Operator.__table__.update().values(registro_ans="412345"))  # a real plan's registro
    factory.db.commit()
    token = perform(lambda db: auth_service.login(db, user.login, PASSWORD))
    assert not _tab_after_a_service_call(token).is_demo
    _demo_cache.clear()
