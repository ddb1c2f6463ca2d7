"""Real rows for the fuzz targets that need the database (the same in the tests and the script),
and schema-preserving mutations of a provider's own valid lot for check 6."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st
from lxml import etree
from sqlmodel import Session, select

from copass_app.models import BilledItem, GuideItem, GuideStatus
from copass_app.services.lot_export import lot_for_guides
from copass_app.tiss.hash import set_hash
from copass_app.tiss.parsing import parse_xml
from copass_app.tiss.xmlpath import NS_PREFIX
from tests.factories import Factory
from tests.fuzz.checks import RulesWorld, SearchWorld


def build_worlds(db: Session) -> tuple[SearchWorld, RulesWorld]:
    factory = Factory(db)
    clinic = factory.provider(name="Clínica 100% Saúde_Ltda", code="100001")
    other = factory.provider(name="Hospital B", code="100002")
    names = ["João da Conceição", "Maria 100% _Silva_", "O'Brien \\ Barra", "Zoë 😀 Ünïcode"]
    guides = [factory.guide(clinic, beneficiary=factory.beneficiary(name)) for name in names]
    factory.guide(clinic, status=GuideStatus.NEGADO)
    factory.guide(other)
    for table, code, name in [("19", "90000001", "Seringa 10% descartável"), ("19", "9000_002", "Luva_nitrílica"),
                              ("20", "90000003", "Dipirona \\ 500 mg"), ("18", "%0000004", "Taxa de sala")]:
        factory.catalog_item(table, code, name, Decimal("12.34"))
    actor = factory.actor(clinic)
    batch = factory.batch(clinic, actor.user_id, lot_number="77")
    lot = lot_for_guides(db, clinic, guides[:3], "501")
    # The fourth guide's item is billed already, so duplicates are reachable by the mutations.
    item = db.exec(select(GuideItem).where(GuideItem.guide_id == guides[3].id)).first()
    db.add(BilledItem(guide_item_id=item.id, batch_id=batch.id))
    db.commit()
    return SearchWorld(db=db, actor=actor), RulesWorld(db=db, provider=clinic, lot=lot)


# Values check 6 reads, plausible enough to pass the XSD often.
_RULE_VALUES = ["10000100000001", "10000100000004", "10000200000006", "", "1", "40301630", "99999999", "22", "19",
                "20", "00", "1.0000", "2.0000", "999.0000", "0.0001", "25.50", "0.00", "99999999.99",
                "2026-02-28", "1900-01-01", "2099-12-31", "1999-12-31", "100001", "100002", "345678", "999999",
                "034567800000001", "501", "77", "502"]


@st.composite
def rules_lot(draw, base: bytes) -> bytes:
    """The provider's valid lot with values changed, guides or items repeated or dropped, then rehashed."""
    root = parse_xml(base).getroot()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        elements = [e for e in root.iter(etree.Element) if e.getparent() is not None]
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["value", "value", "value", "copy", "drop"]))
        if action == "value" and len(element) == 0:
            element.text = draw(st.sampled_from(_RULE_VALUES) | st.text(
                st.characters(max_codepoint=255, categories=["L", "N", "P", "Zs"]), max_size=20))
        elif action == "copy" and element.tag != NS_PREFIX + "epilogo":
            element.addnext(etree.fromstring(etree.tostring(element)))
        elif action == "drop" and element.tag != NS_PREFIX + "epilogo":
            element.getparent().remove(element)
    if root.find(f"{NS_PREFIX}epilogo/{NS_PREFIX}hash") is not None:
        set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")
