"""TISS XML lots (ENVIO_LOTE_GUIAS 4.03.00) written by the portal.

- `batch_xml`: the XML of ANY batch — typed, billed on the web or uploaded — from its stored data,
  for the provider to keep and to send again. Each guide is written from its stored TISS element
  (batch_guide_detail: what the operator received, uploaded lots field for field); a guide billed
  before the portal kept them (legacy, no detail row) is built from its batch items with the portal's
  defaults for the clinical fields, as this module always did.
- `typed_guide_tree` / `portal_guide_tree`: the element a typed attendance or a web-billed guide is
  billed with, stored when its batch is written (services.closing, services.billing.confirm).
- `lot_for_guides`: a lot of the database's guides as a provider's system would send it (tests, the
  demo, the benchmark and providers' IT).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from lxml import etree
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import (
    Batch,
    BatchGuide,
    BatchGuideDetail,
    BatchItem,
    Beneficiary,
    Guide,
    GuideItem,
    GuideType,
    Operator,
    Provider,
)
from copass_app.services import audit
from copass_app.services.access import Actor, require_provider
from copass_app.services.batch_writer import BatchLine
from copass_app.services.errors import DomainError, NotFound
from copass_app.services.protocols import next_lot_number
from copass_app.text import to_latin1
from copass_app.tiss import model as tiss_model
from copass_app.tiss.clinical import ConsultaDetail, Detail, Professional
from copass_app.tiss.guide_tree import append_tree, to_tree
from copass_app.tiss.messages import NO_CNES, GuideSpec, ItemSpec, LotSpec, ProfessionalSpec, build_lot
from copass_app.tiss.messages.lots import build_guide, build_lot_message
from copass_app.tiss.validation import validate_lot

logger = logging.getLogger(__name__)

TISS_GUIDE_ELEMENT = {
    GuideType.CONSULTA: tiss_model.GUIDE_CONSULTA,
    GuideType.SP_SADT: tiss_model.GUIDE_SP_SADT,
    GuideType.RESUMO_INTERNACAO: tiss_model.GUIDE_RESUMO_INTERNACAO,
    GuideType.HONORARIOS: tiss_model.GUIDE_HONORARIOS,
    GuideType.ODONTO: tiss_model.GUIDE_ODONTO,
}
GUIDE_TYPE_OF_ELEMENT = {element: kind for kind, element in TISS_GUIDE_ELEMENT.items()}
BATCH_NOT_FOUND = "Lote não encontrado."


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
    """Where the portal is the source (an authorized guide billed on the web, a legacy batch guide) it
    keeps no executing professional: the XML names the provider itself, with lots.py's defaults."""
    return ProfessionalSpec(name=to_latin1(provider.name)[:70], number=provider.code[:15], code=provider.code)


def _lot_context(operator: Operator, provider: Provider, guide_type: GuideType, lot_number: str, *,
                 at: datetime | None = None, encoding: str = "ISO-8859-1", pretty: bool = False) -> LotSpec:
    return LotSpec(lot_number=lot_number, registro_ans=operator.registro_ans,
                   guide_type=TISS_GUIDE_ELEMENT[GuideType(guide_type)], guides=[], sender_code=provider.code,
                   provider_name=to_latin1(provider.name), cnes=provider.cnes or NO_CNES,
                   transaction_at=at or clock.local_now(), encoding=encoding, pretty=pretty)


def _tree_of(spec: GuideSpec, lot: LotSpec) -> list:
    return to_tree(build_guide(etree.Element("scratch"), spec, lot))


def _item(line: BatchLine) -> ItemSpec:
    return ItemSpec(code=line.code, description=to_latin1(line.description), unit_value=line.unit_value,
                    quantity=line.quantity, table=line.table_code,
                    expense_type=expense_type(line.table_code, line.description), total=line.total)


# --- the element each kind of batch stores --------------------------------------------------------


def _professional_spec(p: Professional, provider: Provider) -> ProfessionalSpec:
    return ProfessionalSpec(name=to_latin1(p.name), number=p.number, code=provider.code, council=p.council,
                            uf=p.uf, cbos=p.cbos)


def typed_guide_tree(db: Session, provider: Provider, guide: Guide, detail: Detail, lines: list[BatchLine],
                     performed_on: date) -> list:
    """The guide element of a typed attendance: every clinical field as the provider typed it."""
    operator = db.get(Operator, provider.operator_id)
    card = db.exec(select(Beneficiary.card_number).where(Beneficiary.id == guide.beneficiary_id)).one()
    common = dict(
        provider_guide_number=guide.provider_guide_number, card_number=card, performed_date=performed_on,
        items=[_item(line) for line in lines], professional=_professional_spec(detail.professional, provider),
        observation=to_latin1(detail.observation) or None, accident_indication=detail.accident_indication,
        care_regime=detail.care_regime,
    )
    if isinstance(detail, ConsultaDetail):
        spec = GuideSpec(**common, consultation_type=detail.consultation_type)
    else:
        spec = GuideSpec(**common, requester=_professional_spec(detail.requester, provider),
                         care_character=detail.care_character, care_type=detail.care_type,
                         requested_on=detail.requested_on,
                         clinical_indication=to_latin1(detail.clinical_indication) or None, executor_team=True)
    return _tree_of(spec, _lot_context(operator, provider, guide.guide_type, "0"))


def portal_guide_tree(db: Session, provider: Provider, operator: Operator, guide: Guide, card: str,
                      lines: list[BatchLine], performed_on: date) -> list:
    """The guide element of an authorized guide billed on the web: the portal's own guide data (numbers,
    authorization, beneficiary, items as billed) and, for the clinical fields it does not keep, the
    portal's documented defaults (tiss.messages.lots)."""
    spec = _portal_spec(provider, guide, card, [_item(line) for line in lines], performed_on)
    return _tree_of(spec, _lot_context(operator, provider, guide.guide_type, "0"))


def _portal_spec(provider: Provider, guide: Guide, card: str, items: list[ItemSpec], performed_on: date,
                 professional: ProfessionalSpec | None = None) -> GuideSpec:
    return GuideSpec(
        provider_guide_number=guide.provider_guide_number,
        operator_guide_number=guide.operator_guide_number or None,
        authorization_password=guide.authorization_password or None,
        authorization_date=guide.authorized_on,
        card_number=card,
        performed_date=performed_on,
        professional=professional or provider_as_professional(provider),
        end_date=performed_on,
        items=items,
    )


# --- the XML of a batch ----------------------------------------------------------------------------


def batch_lot(db: Session, batch: Batch, *, lot_number: str | None = None, at: datetime | None = None) -> bytes:
    """The ENVIO_LOTE_GUIAS of a stored batch (every guide, in billing order), with its hash."""
    provider = db.get(Provider, batch.provider_id)
    operator = db.get(Operator, provider.operator_id)
    lot = _lot_context(operator, provider, batch.guide_type, lot_number or batch.lot_number, at=at)
    rows = db.exec(
        select(BatchGuide, BatchGuideDetail.guide, Guide, Beneficiary.card_number)
        .outerjoin(BatchGuideDetail, BatchGuideDetail.batch_guide_id == BatchGuide.id)
        .join(Guide, Guide.id == BatchGuide.guide_id)
        .join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
        .where(BatchGuide.batch_id == batch.id)
        .order_by(BatchGuide.id)
    ).all()
    legacy = [batch_guide.id for batch_guide, tree, *_ in rows if tree is None]
    lines: dict[int, list[BatchLine]] = {key: [] for key in legacy}
    if legacy:
        for item in db.exec(select(BatchItem).where(BatchItem.batch_guide_id.in_(legacy)).order_by(BatchItem.id)):
            lines[item.batch_guide_id].append(BatchLine(item.guide_item_id, item.table_code, item.code,
                                                        item.description, item.quantity, item.unit_value,
                                                        item.total_value))

    def write_guides(parent: etree._Element) -> None:
        for batch_guide, tree, guide, card in rows:
            if tree is not None:
                append_tree(parent, tree)
            else:  # legacy: billed before the portal kept the guide's element
                build_guide(parent, _portal_spec(provider, guide, card, [_item(line) for line in
                                                                          lines[batch_guide.id]],
                                                 batch_guide.performed_on), lot)

    return build_lot_message(lot, write_guides)


def batch_xml(db: Session, actor: Actor, batch_id: object) -> tuple[str, bytes]:
    """The TISS XML of one of the provider's batches (ISO-8859-1, epilogo hash), audited.

    An estornado batch is written with a new lot number: TISS refuses a numeroLote already used, and
    the provider downloads it to send again."""
    provider_id = require_provider(actor)
    try:
        batch = db.get(Batch, int(str(batch_id)))
    except (TypeError, ValueError):
        batch = None
    if batch is None or batch.provider_id != provider_id:  # another provider's: exactly like a missing one
        raise NotFound(BATCH_NOT_FOUND)
    resend = batch.reversed_at is not None
    lot_number = next_lot_number(db, provider_id) if resend else batch.lot_number
    try:
        data = batch_lot(db, batch, lot_number=lot_number)
    except ValueError as error:  # a legacy guide TISS cannot represent (a consulta billed with two lines)
        raise DomainError(f"Este lote não pode ser escrito como XML TISS: {error}") from None
    check = validate_lot(data, filename="lote.xml", max_bytes=max(len(data), 1))
    if check.errors:  # never hand out a file the operator would refuse
        logger.error("batch %s: exported XML fails check(s) %s", batch.id, [e.code for e in check.errors][:5])
        raise DomainError("Não foi possível gerar o XML deste lote. Avise a operadora.")
    name = (f"lote-{lot_number}-reenvio-protocolo-{batch.protocol_number}.xml" if resend
            else f"lote-{lot_number}-protocolo-{batch.protocol_number}.xml")
    audit.record(db, actor, "file.download", "batch", batch.id,
                 f"XML TISS do lote {batch.lot_number} (protocolo {batch.protocol_number})"
                 + (f", reenvio como lote {lot_number}" if resend else ""))
    return name, data


# --- a lot of the database's guides, as a provider's system would send it ---------------------------


def guide_spec(db: Session, guide: Guide, performed_on: date | None = None, *,
               professional: ProfessionalSpec | None = None) -> GuideSpec:
    card = db.exec(select(Beneficiary.card_number).where(Beneficiary.id == guide.beneficiary_id)).one()
    items = db.exec(select(GuideItem).where(GuideItem.guide_id == guide.id).order_by(GuideItem.id)).all()
    performed = performed_on or guide.performed_on or guide.requested_on
    return _portal_spec(
        db.get(Provider, guide.provider_id), guide, card,
        [ItemSpec(code=item.code, description=to_latin1(item.description), unit_value=item.unit_value,
                  quantity=item.authorized_qty, table=item.table_code,
                  expense_type=expense_type(item.table_code, item.description))
         for item in items],
        performed, professional)


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
    spec = _lot_context(operator, provider, GuideType(kinds.pop()), lot_number, at=at, encoding=encoding,
                        pretty=pretty)
    spec.guides = [guide_spec(db, guide, professional=professional or provider_as_professional(provider))
                   for guide in guides]
    return build_lot(spec)
