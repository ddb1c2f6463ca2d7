import random
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from copass_app.models import Beneficiary, CatalogItem, Guide, GuideStatus, GuideType, Provider, User
from copass_app.services import auth
from copass_app.services.demo import DEMO_PASSWORD, SEED, build_catalogs, seed_demo
from copass_app.services.tuss_source import current_terms
from stdnum.br import cnpj

ANCHOR = date(2026, 11, 23)


def _count(db, model, *where):
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_demo_data_is_complete_and_loading_twice_changes_nothing(db):
    assert seed_demo(db, anchor=ANCHOR).created
    db.commit()
    assert _count(db, Beneficiary) >= 300
    assert _count(db, Guide) >= 3000
    assert _count(db, CatalogItem, CatalogItem.table_code == "18") >= 50
    assert _count(db, CatalogItem, CatalogItem.table_code == "19") >= 200
    assert _count(db, CatalogItem, CatalogItem.table_code == "20") >= 200
    # Every guide type and every TISS status occurs.
    assert set(db.exec(select(Guide.guide_type).distinct())) == set(GuideType)
    assert set(db.exec(select(Guide.status).distinct())) == set(GuideStatus)
    oldest = db.exec(select(func.min(Guide.requested_on))).one()
    assert (ANCHOR - oldest).days <= 183
    # Brazilian names with accents.
    assert _count(db, Beneficiary, Beneficiary.name.like("%ã%")) > 0
    for provider in db.exec(select(Provider)):
        assert cnpj.is_valid(provider.document)
    guides_before = _count(db, Guide)

    again = seed_demo(db, anchor=ANCHOR)
    assert not again.created and "já carregados" in again.message
    assert _count(db, Guide) == guides_before
    assert _count(db, User) == 4
    for login in ("clinica", "laboratorio", "hospital", "operadora"):
        assert auth.login(db, login, DEMO_PASSWORD)


def test_catalog_codes_and_names_are_real_tuss_terms():
    catalogs = build_catalogs(random.Random(SEED))
    real = {(t.table_code, t.code): t.name for table in ("18", "19", "20") for t in current_terms(table, max_name_length=200)}
    for item in catalogs.fees + catalogs.materials + catalogs.medications:
        assert real[(item.table_code, item.code)] == item.name
        assert item.price > 0


def test_demo_generation_is_deterministic():
    first = build_catalogs(random.Random(SEED))
    second = build_catalogs(random.Random(SEED))
    assert [(i.code, i.price) for i in first.materials] == [(i.code, i.price) for i in second.materials]


def test_demo_history_is_never_later_than_now_even_early_in_the_morning(db):
    # Events of "today" were stamped 17:xx UTC: at 09:00 in Brasília the guides showed a future history.
    from datetime import datetime

    from copass_app import clock
    from copass_app.models import GuideStatusHistory

    with clock.frozen(datetime(2026, 11, 23, 9, 0)):
        seed_demo(db, anchor=ANCHOR, guides_per_provider=300, beneficiary_count=40)
        db.commit()
        latest = db.exec(select(func.max(GuideStatusHistory.changed_at))).one()
        assert clock.as_utc(latest) <= clock.now()
