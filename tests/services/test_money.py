from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from copass_app.models import GuideItem


def test_money_is_exact_in_the_database_sum(factory, db):
    provider = factory.provider()
    items = [("22", "40301630", "Hemograma", Decimal(1), Decimal("0.10"))] * 1000
    guide = factory.guide(provider, items=items)
    total = db.exec(select(func.sum(GuideItem.unit_value)).where(GuideItem.guide_id == guide.id)).one()
    assert total == Decimal("100.00")
    assert isinstance(total, Decimal)


def test_fractional_quantities_and_cents_round_trip(factory, db):
    provider = factory.provider()
    guide = factory.guide(provider, items=[("20", "90008600", "MEROPENEM", Decimal("1.2345"), Decimal("1234567.89"))])
    db.expire_all()
    item = db.exec(select(GuideItem).where(GuideItem.guide_id == guide.id)).one()
    assert item.authorized_qty == Decimal("1.2345")
    assert item.unit_value == Decimal("1234567.89")
