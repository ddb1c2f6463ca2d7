"""TISS XML lots written from the database's guides: for tests, the demo, the benchmark and providers' IT."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import Beneficiary, Guide, GuideItem, GuideType, Operator, Provider
from copass_app.text import to_latin1
from copass_app.tiss import model as tiss_model
from copass_app.tiss.messages import NO_CNES, GuideSpec, ItemSpec, LotSpec, ProfessionalSpec, build_lot

TISS_GUIDE_ELEMENT = {
    GuideType.CONSULTA: tiss_model.GUIDE_CONSULTA,
    GuideType.SP_SADT: tiss_model.GUIDE_SP_SADT,
    GuideType.RESUMO_INTERNACAO: tiss_model.GUIDE_RESUMO_INTERNACAO,
    GuideType.HONORARIOS: tiss_model.GUIDE_HONORARIOS,
    GuideType.ODONTO: tiss_model.GUIDE_ODONTO,
}
GUIDE_TYPE_OF_ELEMENT = {element: kind for kind, element in TISS_GUIDE_ELEMENT.items()}


def expense_type(table_code: str, description: str) -> str | None:
    """codigoDespesa of outras despesas: 02 medicamentos, 03 materiais, 05 diárias, 07 taxas."""
    if table_code == "20":
        return "02"
    if table_code == "19":
        return "03"
    if table_code == "18":
        return "05" if description.upper().startswith(("DIÁRIA", "DIARIA")) else "07"
    return None


def provider_as_professional(provider: Provider) -> ProfessionalSpec:
    """The portal keeps no executing professional per guide: the export names the provider itself."""
    return ProfessionalSpec(name=to_latin1(provider.name)[:70], number=provider.code[:15], code=provider.code)


def guide_spec(db: Session, guide: Guide, performed_on: date | None = None, *,
               professional: ProfessionalSpec | None = None) -> GuideSpec:
    card = db.exec(select(Beneficiary.card_number).where(Beneficiary.id == guide.beneficiary_id)).one()
    items = db.exec(select(GuideItem).where(GuideItem.guide_id == guide.id).order_by(GuideItem.id)).all()
    performed = performed_on or guide.performed_on or guide.requested_on
    return GuideSpec(
        provider_guide_number=guide.provider_guide_number,
        operator_guide_number=guide.operator_guide_number or None,
        authorization_password=guide.authorization_password or None,
        authorization_date=guide.authorized_on,
        card_number=card,
        performed_date=performed,
        professional=professional or provider_as_professional(db.get(Provider, guide.provider_id)),
        end_date=performed,
        items=[
            ItemSpec(code=item.code, description=to_latin1(item.description), unit_value=item.unit_value,
                     quantity=item.authorized_qty, table=item.table_code,
                     expense_type=expense_type(item.table_code, item.description))
            for item in items
        ],
    )


def lot_for_guides(db: Session, provider: Provider, guides: list[Guide], lot_number: str, *,
                   encoding: str = "ISO-8859-1", pretty: bool = False, at: datetime | None = None,
                   professional: ProfessionalSpec | None = None) -> bytes:
    """An ENVIO_LOTE_GUIAS of the given guides (all of one type), as the provider's system would send it.

    `at` is written as given; by default Brasília's local time, as a provider's system in Brazil writes it.
    """
    kinds = {guide.guide_type for guide in guides}
    if len(kinds) != 1:
        raise ValueError("Um lote TISS tem guias de um só tipo.")
    operator = db.get(Operator, provider.operator_id)
    spec = LotSpec(
        lot_number=lot_number,
        registro_ans=operator.registro_ans,
        guide_type=TISS_GUIDE_ELEMENT[GuideType(kinds.pop())],
        guides=[guide_spec(db, guide, professional=professional or provider_as_professional(provider))
                for guide in guides],
        sender_code=provider.code,
        provider_name=to_latin1(provider.name),
        cnes=provider.cnes or NO_CNES,
        transaction_at=at or clock.local_now(),
        encoding=encoding,
        pretty=pretty,
    )
    return build_lot(spec)
