"""Two providers with one of every kind of record, and the principals the matrix calls as.

Provider A owns: guides (one billed on the web, one sent in an XML lot, one in an open draft with
an added item), a web batch with its protocol, an XML batch, an accepted and a refused upload, an
API token. Provider B has its own guide and draft, so "not found" is decided by the owner check,
not by B having nothing. Everything A owns that a patient or the provider would recognise is in
`secrets`: none of it may reach a principal that is not A (or staff, on staff pages).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import select

from copass_app import clock
from copass_app.models import Batch, Protocol, Role, User, UserSession
from copass_app.services import api_tokens, attendances, auth, billing, xml_lots
from copass_app.services.auth import actor_for_user
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import perform
from tests.factories import PASSWORD

MISSING_ID = 987_654_321  # no record has it
# What a crafted event may carry instead of an id (state/auth.record_id: all "not found").
JUNK_IDS = ("²", "1" * 23, "-1", "1e3", "", "abc", None, 3.5, [1], {"id": 1}, "9" * 19)


@dataclasses.dataclass(frozen=True)
class Records:
    guide: int  # a guide with items, history and authorization password (in no batch)
    draft_guide: int  # a guide offered by the user's open draft
    extra_item: int  # an item added to that guide in the draft
    batch: int  # a web batch with its protocol
    xml_batch: int
    upload: int  # an accepted XML upload (original file, receipt)
    refused_upload: int  # a refused one (error report)
    token: int  # a live API token
    typed_attendance: int = 0  # a consulta typed on "Digitação de atendimentos", still open ("digitado")


@dataclasses.dataclass(frozen=True)
class World:
    a: Records
    b: Records | None
    secrets: tuple[str, ...]  # A's data no one else may see
    sessions: dict[str, str]  # principal -> session token in the browser
    api_tokens: dict[str, str]  # "A", "B", "revoked" -> bearer token
    catalog_item: int


def _session(user: User) -> str:
    return perform(lambda db: auth.login(db, user.login, PASSWORD))


def _provider_records(factory, db, provider, user, *, lot: str, patient: str) -> tuple[Records, list[str]]:
    actor = actor_for_user(db, user)
    beneficiary = factory.beneficiary(patient)
    plain = factory.guide(provider, beneficiary=beneficiary)
    plain.authorization_password = f"SENHA{lot}X"  # distinctive: found only where it leaked
    db.add(plain)
    db.commit()
    web = factory.guide(provider, beneficiary=beneficiary)
    xml_guide = factory.guide(provider, beneficiary=beneficiary)
    today = clock.today()
    start, end = (today - timedelta(days=30)).isoformat(), today.isoformat()

    def bill_one(db):
        billing.open_draft(db, actor, start=start, end=end)
        billing.set_all_included(db, actor, False)
        billing.set_guide_included(db, actor, web.id, True)
        return billing.confirm_draft(db, actor)[0].batch_id

    batch_id = perform(bill_one, retries=billing.CONFIRM_RETRIES)
    accepted = perform(lambda db: xml_lots.receive_lot(db, actor, f"lote-{lot}.xml",
                                                       lot_for_guides(db, provider, [xml_guide], lot)))
    refused = perform(lambda db: xml_lots.receive_lot(db, actor, f"recusado-{lot}.xml", b"<nao-e-tiss/>"))
    drafted = factory.guide(provider, beneficiary=beneficiary)
    item = factory.catalog_item("18", f"6000{lot[-3:]}", f"Taxa de sala {lot}", Decimal("30.00"))

    def draft_with_item(db):
        billing.open_draft(db, actor, start=start, end=end)
        billing.add_extra_item(db, actor, drafted.id, item.id, quantity="1", unit_value="30,00")
        from copass_app.models import DraftExtraItem
        return db.exec(select(DraftExtraItem.id)).all()[-1]

    extra_id = perform(draft_with_item)
    token = perform(lambda db: api_tokens.create_token(db, actor, f"ERP sigiloso {lot}"))
    typed = perform(lambda db: attendances.create_attendance(db, actor, attendances.AttendanceInput(
        guide_type="CONSULTA", competence=f"{today:%Y-%m}", card_number=beneficiary.card_number,
        performed_on=today, accident_indication="9", care_regime="01", consultation_type="1",
        professional=attendances.ProfessionalInput(f"Dra. Sigilosa {lot}", "06", "123456", "35", "225125"),
        procedures=[attendances.ProcedureInput("10101012", "1", "100,00")])))
    batch = db.get(Batch, batch_id)
    db.expire_all()
    protocol = db.exec(select(Protocol.number).where(Protocol.batch_id == batch_id)).first() or batch.protocol_number
    secrets = [patient, beneficiary.card_number, plain.authorization_password, plain.provider_guide_number,
               provider.name, protocol, accepted.protocol_number or "", f"lote-{lot}.xml", f"ERP sigiloso {lot}",
               f"Dra. Sigilosa {lot}", typed.number]
    records = Records(guide=plain.id, draft_guide=drafted.id, extra_item=extra_id, batch=batch_id,
                      xml_batch=accepted.batch_id, upload=accepted.upload_id, refused_upload=refused.upload_id,
                      token=token.id, typed_attendance=typed.guide_id)
    return records, [s for s in secrets if s], token.token


def build_world(factory, db) -> World:
    clinic = factory.provider(name="Clínica Alfa Sigilosa", code="710001")
    lab = factory.provider(name="Laboratório Beta", code="720002")
    a_user = factory.user(clinic, login="prestador.a")
    b_user = factory.user(lab, login="prestador.b")
    staff = factory.user(None, Role.STAFF, login="equipe.operadora")
    a_records, secrets, a_token = _provider_records(factory, db, clinic, a_user, lot="7101",
                                                    patient="Maria Sigilosa Alfa")
    b_records, _, b_token = _provider_records(factory, db, lab, b_user, lot="7202", patient="Bruno Beta Paciente")
    revoked = perform(lambda db: api_tokens.create_token(db, actor_for_user(db, a_user), "Token revogado"))
    perform(lambda db: api_tokens.revoke_token(db, actor_for_user(db, a_user), revoked.id))

    deactivated = factory.user(clinic, login="prestador.a.inativo")
    deactivated_session = _session(deactivated)
    expired = factory.user(clinic, login="prestador.a.expirado")
    expired_session = _session(expired)
    db.execute(update(User).where(User.id == deactivated.id).values(active=False))
    db.execute(update(UserSession).where(UserSession.user_id == expired.id)
               .values(expires_at=clock.now() - timedelta(minutes=1)))
    db.commit()
    sessions = {
        "logged_out": "",
        "provider_a": _session(a_user),
        "provider_b": _session(b_user),
        "staff": _session(staff),
        "deactivated": deactivated_session,
        "expired": expired_session,
    }
    item = factory.catalog_item("19", "70009999", "Seringa descartável", Decimal("2.50"))
    return World(a=a_records, b=b_records, secrets=tuple(secrets), sessions=sessions,
                 api_tokens={"A": a_token, "B": b_token, "revoked": revoked.token, "none": ""},
                 catalog_item=item.id)
