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


# The fields check 6 reads, with values that keep the XSD satisfied often (other guides, other
# providers, billed items, dates around authorization and validity, quantities above authorized).
_FIELD_VALUES = {
    "numeroGuiaPrestador": ["10000100000001", "10000100000004", "10000100000005", "10000200000006", "1", "X"],
    "numeroGuiaOperadora": ["3456780000000001", "3456780000000006", "3456780000000099", "0"],
    "numeroCarteira": ["034567800000001", "034567800000002", "999", "0"],
    "codigoProcedimento": ["40301630", "10101012", "90000001", "99999999"],
    "codigoTabela": ["22", "18", "19", "20", "00", "98"],
    "quantidadeExecutada": ["1", "1.0000", "2", "999.9999", "0.0001", "0"],
    "dataExecucao": ["2026-02-28", "1900-01-01", "2099-12-31", "1999-12-31", "2026-03-10"],
    "numeroLote": ["501", "77", "502", "0", "999999999999"],
    "codigoPrestadorNaOperadora": ["100001", "100002", "999999", "1"],
    "registroANS": ["345678", "999999", "000000"],
    "CNPJ": ["00000001000191", "12345678000190"],
}
_REPEATABLE = {NS_PREFIX + name for name in ("guiaSP-SADT", "procedimentoExecutado", "despesa")}


@st.composite
def rules_lot(draw, base: bytes) -> bytes:
    """The provider's valid lot with fields changed and guides or items repeated or dropped, rehashed."""
    root = parse_xml(base).getroot()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if draw(st.booleans()):
            targets = [e for e in root.iter(*(NS_PREFIX + name for name in _FIELD_VALUES))]
            if targets:
                element = draw(st.sampled_from(targets))
                element.text = draw(st.sampled_from(_FIELD_VALUES[element.tag[len(NS_PREFIX):]]))
            continue
        repeatable = [e for e in root.iter(*_REPEATABLE)]
        if repeatable:
            element = draw(st.sampled_from(repeatable))
            if draw(st.booleans()) and len(element.getparent()) > 1:
                element.getparent().remove(element)
            else:
                element.addnext(etree.fromstring(etree.tostring(element)))
    if root.find(f"{NS_PREFIX}epilogo/{NS_PREFIX}hash") is not None:
        set_hash(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")
