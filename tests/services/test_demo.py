import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select
from stdnum.br import cnpj

from copass_app.models import Beneficiary, CatalogItem, Guide, GuideStatus, GuideType, Provider, User
from copass_app.services import auth, catalog
from copass_app.services.demo import DEMO_PASSWORD, EVERYDAY_MATERIALS, SEED, build_catalogs, seed_demo
from copass_app.services.tuss_source import current_terms
from copass_app.text import fold

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
    real = {(t.table_code, t.code): t.name
            for table in ("18", "19", "20") for t in current_terms(table, max_name_length=200)}
    own_codes = {code for code, *_ in EVERYDAY_MATERIALS}
    for item in catalogs.fees + catalogs.materials + catalogs.medications:
        if item.code in own_codes:  # everyday materials the package's TUSS 19 does not hold
            assert (item.table_code, item.code) not in real
        else:
            assert real[(item.table_code, item.code)] == item.name
        assert item.price > 0


@pytest.mark.parametrize("term", ["seringa", "luva", "cateter", "fio", "curativo", "dipirona", "soro fisiológico",
                                  "gaze", "equipo"])
def test_the_items_a_clinic_bills_every_day_are_in_the_demo_catalogs(db, term):
    """The demo catalogs held only orthopaedic implants: "seringa", "luva" ... found nothing."""
    seed_demo(db, anchor=ANCHOR, guides_per_provider=10, beneficiary_count=10)
    hits = catalog.search(db, "19", term) + catalog.search(db, "20", term)
    assert hits, term
    # Not an implant that happens to contain the word: the first hit is the everyday item.
    assert fold(term.split()[0]) in fold(hits[0].name) or term == "soro fisiológico"
    assert all(Decimal("0.05") <= hit.price <= Decimal("100.00") for hit in hits[:3]), hits[:3]


def test_saline_is_found_as_soro_fisiologico_and_priced_like_saline(db):
    seed_demo(db, anchor=ANCHOR, guides_per_provider=10, beneficiary_count=10)
    hits = catalog.search(db, "20", "soro fisiológico")
    assert hits and all("SÓDIO" in hit.name or "FISIOLÓGICA" in hit.name for hit in hits)
    assert all(Decimal("3.50") <= hit.price <= Decimal("9.00") for hit in hits)


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
