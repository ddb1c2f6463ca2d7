"""Crafted events through the real websocket, in headless Chromium: logged in as `laboratorio` (provider B
of the demo data), the page's own Reflex client sends events naming `clinica`'s records; and crafted
multipart posts to the public `/_upload` route, with no session and with B's tab.

How a page sends an event: the EventLoopProvider of Reflex 0.10.1 (`.web/utils/context.jsx`) holds
`[addEvents, connectErrors]` as the value of `EventLoopContext` (its displayName survives the build);
any code in the page can reach it through React's fiber tree and call `addEvents([{name, payload}])`.
That is the same path a click takes: router data added, form data encoded, sent on the page's socket
with the page's token. Only the server decides what it is worth.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from copass_app import clock, routes
from copass_app.models import Beneficiary, Guide, Protocol, Provider, User
from copass_app.services import billing
from copass_app.services.auth import actor_for_user
from copass_app.services.lot_export import lot_for_guides
from copass_app.state.batches import BatchesState
from copass_app.state.guides import GuidesState
from copass_app.state.staff import ReceivedBatchesState
from copass_app.state.uploads import UploadState
from copass_app.tiss import codes
from tests.browser.conftest import login
from tests.security.websocket import full_name

pytestmark = pytest.mark.browser

# What a refused call must leave as it was (the refusal's own traces — audit rows, the caller's session,
# B's own refused upload — aside).
GUARDED_TABLES = ("batch", "batch_guide", "batch_item", "billed_item", "protocol", "glosa", "guide",
                  "guide_status_history", "guide_item", "draft_guide", "billing_draft", "upload_record", "appeal",
                  "payment", "payment_batch")

SEND_FROM_PAGE = """([name, payload]) => {
  const isEventLoop = (type) => type && (type.displayName === "EventLoopContext"
                                         || type._context?.displayName === "EventLoopContext");
  for (const element of document.querySelectorAll("body *")) {
    const key = Object.keys(element).find((k) => k.startsWith("__reactFiber$"));
    for (let fiber = key && element[key]; fiber; fiber = fiber.return) {
      if (isEventLoop(fiber.type) && Array.isArray(fiber.memoizedProps?.value)) {
        fiber.memoizedProps.value[0]([{ name, payload }]);
        return true;
      }
    }
  }
  return false;
}"""


@dataclass(frozen=True)
class Clinica:
    guide: int  # billed in `batch`; its patient and authorization password are distinctive
    batch: int
    lab_guide: int  # one of laboratorio's own guides, for the control
    lab_patient: str
    secrets: tuple[str, ...]


def _engine(live_app):
    return create_engine(live_app["env"]["DATABASE_URL"])


def _provider_of(db: Session, login_name: str) -> tuple[User, Provider]:
    user = db.exec(select(User).where(User.login == login_name)).one()
    return user, db.get(Provider, user.provider_id)


@pytest.fixture(scope="module")
def clinica(live_app) -> Clinica:
    """A web batch of clinica's with its protocol, made through the services on the live portal's database;
    the guide billed in it gets a patient and an authorization password found nowhere else."""
    engine = _engine(live_app)
    with Session(engine, expire_on_commit=False) as db:
        user, provider = _provider_of(db, "clinica")
        actor = actor_for_user(db, user)
        today = clock.today()
        billing.open_draft(db, actor, start=(today - timedelta(days=30)).isoformat(), end=today.isoformat())
        billing.set_all_included(db, actor, False)
        guide_id = db.execute(text(
            "SELECT dg.guide_id FROM draft_guide dg JOIN billing_draft d ON d.id = dg.draft_id "
            "JOIN guide g ON g.id = dg.guide_id WHERE d.provider_id = :p ORDER BY dg.id DESC LIMIT 1"),
            {"p": provider.id}).scalar_one()
        patient = Beneficiary(operator_id=provider.operator_id, card_number="99887766554433",
                              name="Sigilosa Clínica Paciente", name_search="sigilosa clinica paciente",
                              birth_date=today - timedelta(days=40 * 365))
        db.add(patient)
        db.flush()
        guide = db.get(Guide, guide_id)
        guide.beneficiary_id, guide.authorization_password = patient.id, "SENHACLIN77X"
        db.flush()
        billing.set_guide_included(db, actor, guide_id, True)
        batch_id = billing.confirm_draft(db, actor)[0].batch_id
        db.commit()
        protocol = db.exec(select(Protocol.number).where(Protocol.batch_id == batch_id)).first()
        _, lab = _provider_of(db, "laboratorio")
        lab_guide = db.exec(select(Guide).where(Guide.provider_id == lab.id).order_by(Guide.id)).first()
        lab_patient = db.get(Beneficiary, lab_guide.beneficiary_id).name
        secrets = (patient.name, patient.card_number, guide.authorization_password, guide.provider_guide_number,
                   provider.name, protocol or "")
    engine.dispose()
    return Clinica(guide=guide_id, batch=batch_id, lab_guide=lab_guide.id, lab_patient=lab_patient,
                   secrets=tuple(s for s in secrets if s))


def guarded_snapshot(engine) -> dict[str, tuple[int, str]]:
    """Row count and checksum of each guarded table, in primary-key order."""
    from sqlalchemy import select as sql_select
    from sqlmodel import SQLModel

    import copass_app.money_models  # noqa: F401  (glosa, payment)

    found = {}
    with engine.connect() as connection:
        for name in GUARDED_TABLES:
            table = SQLModel.metadata.tables[name]
            rows = connection.execute(sql_select(table).order_by(*table.primary_key.columns)).all()
            found[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def watch_frames(page) -> tuple[list[str], list[str]]:
    """(frames the server sent, frames the page sent) on the page's websockets, from now on."""
    received: list[str] = []
    sent: list[str] = []

    def as_text(frame) -> str:
        return frame if isinstance(frame, str) else frame.decode("utf-8", "replace")

    def watch(socket) -> None:
        socket.on("framereceived", lambda frame: received.append(as_text(frame)))
        socket.on("framesent", lambda frame: sent.append(as_text(frame)))

    page.on("websocket", watch)
    return received, sent


def send(page, state_cls, handler: str, payload: dict) -> None:
    assert page.evaluate(SEND_FROM_PAGE, [full_name(state_cls, handler), payload]), "no Reflex event loop"


def _leaked(secrets, texts) -> list[str]:
    return sorted({secret for secret in secrets for t in texts if secret in t})


def test_crafted_events_naming_clinicas_records_from_laboratorios_page(page, live_app, clinica):
    frames, sent = watch_frames(page)
    login(page, live_app["url"], "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))  # the provider's home: the Painel
    page.goto(f"{live_app['url']}/guias")
    expect(page.locator(".guide-row").first).to_be_visible()
    engine = _engine(live_app)
    before = guarded_snapshot(engine)

    # Control: the same crafted event naming laboratorio's own guide opens it (the channel works).
    send(page, GuidesState, "open_guide", {"guide_id": clinica.lab_guide})
    expect(page.locator("#guide-detail")).to_contain_text(clinica.lab_patient)
    assert any(clinica.lab_patient in frame for frame in frames)
    assert any("open_guide" in frame for frame in sent)
    page.click("#close-detail")
    expect(page.locator("#guide-detail")).not_to_be_visible()

    # clinica's guide, as a number and as text: "not found", no detail.
    for guide_id in (clinica.guide, str(clinica.guide)):
        send(page, GuidesState, "open_guide", {"guide_id": guide_id})
        expect(page.get_by_text("Guia não encontrada.").first).to_be_visible()
        expect(page.locator("#guide-detail")).not_to_be_visible()

    # clinica's protocol PDF, from the batches page: no download, "not found".
    page.goto(f"{live_app['url']}{routes.BATCHES.path}")
    page.wait_for_load_state("networkidle")
    downloads: list = []
    page.on("download", lambda download: downloads.append(download))
    send(page, BatchesState, "download_protocol", {"batch_id": str(clinica.batch)})
    expect(page.get_by_text("Lote não encontrado.").first).to_be_visible()
    # Estorno of clinica's batch: refused as a batch laboratorio does not have.
    send(page, BatchesState, "reverse", {"batch_id": str(clinica.batch)})
    page.wait_for_timeout(1500)
    assert not page.get_by_text("Lote estornado").count()
    # The staff handler, from a provider's page: sent to the provider's home, nothing started.
    send(page, ReceivedBatchesState, "start_analysis", {"batch_id": str(clinica.batch)})
    page.wait_for_url(re.compile(r"/painel$"))
    assert not page.get_by_text("Análise iniciada").count()
    # A wrongly typed one: the guard's toast, nothing run.
    send(page, GuidesState, "sort_by", {"column": []})
    expect(page.get_by_text("Requisição inválida.").first).to_be_visible()
    page.wait_for_timeout(500)

    assert not downloads
    assert not _leaked(clinica.secrets, frames), _leaked(clinica.secrets, frames)
    assert not _leaked(clinica.secrets, [page.content()])
    assert guarded_snapshot(engine) == before
    engine.dispose()


# --- The public /_upload route -----------------------------------------------------------------------

def _post_upload(live_app, client_token: str, name: str, content: bytes) -> httpx.Response:
    return httpx.post(f"{live_app['url']}/_upload", timeout=120,
                      headers={"reflex-client-token": client_token,
                               "reflex-event-handler": full_name(UploadState, "handle_upload")},
                      files=[("files", (name, content, "text/xml"))])


def _private_files(live_app) -> set[Path]:
    root = Path(live_app["env"]["COPASS_PRIVATE_DIR"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _lot_with_clinicas_guide(live_app, clinica: Clinica, sender: str) -> bytes:
    engine = _engine(live_app)
    with Session(engine) as db:
        _, provider = _provider_of(db, sender)
        lot = lot_for_guides(db, provider, [db.get(Guide, clinica.guide)], "8101")
    engine.dispose()
    return lot


def test_upload_route_with_no_session_stores_nothing_and_says_nothing(live_app, clinica):
    engine = _engine(live_app)
    before, files_before = guarded_snapshot(engine), _private_files(live_app)
    lot = _lot_with_clinicas_guide(live_app, clinica, "clinica")
    response = _post_upload(live_app, str(uuid.uuid4()), "lote.xml", lot)
    assert response.status_code < 500, response.text
    sent = lot.decode("iso-8859-1")
    assert not [s for s in clinica.secrets if s in response.text and s not in sent], response.text
    assert guarded_snapshot(engine) == before
    assert _private_files(live_app) == files_before
    engine.dispose()


def test_upload_route_as_laboratorio_with_clinicas_guide_is_refused_as_not_found(page, live_app, clinica):
    login(page, live_app["url"], "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    client_token = page.evaluate("() => window.sessionStorage.getItem('token')")
    assert client_token
    engine = _engine(live_app)
    before = guarded_snapshot(engine)
    with engine.connect() as connection:
        uploads_before = connection.execute(text("SELECT count(*) FROM upload_record")).scalar_one()
        batches_before = connection.execute(text("SELECT count(*) FROM batch")).scalar_one()
    lot = _lot_with_clinicas_guide(live_app, clinica, "laboratorio")
    response = _post_upload(live_app, client_token, "lote.xml", lot)
    assert response.status_code == 200, response.text
    assert codes.INVALID_GUIDE in response.text, response.text  # 1307: a guide laboratorio does not have
    sent = lot.decode("iso-8859-1")
    assert not [s for s in clinica.secrets if s in response.text and s not in sent], response.text
    after = guarded_snapshot(engine)
    with engine.connect() as connection:
        uploads = connection.execute(text(
            "SELECT u.accepted, p.name FROM upload_record u JOIN provider p ON p.id = u.provider_id "
            "ORDER BY u.id")).all()
        assert connection.execute(text("SELECT count(*) FROM batch")).scalar_one() == batches_before
    # Only laboratorio's own refused upload is new; nothing of clinica's changed.
    assert len(uploads) == uploads_before + 1
    assert not uploads[-1][0] and uploads[-1][1] not in clinica.secrets  # refused, and laboratorio's own
    assert {t: v for t, v in after.items() if t != "upload_record"} == {
        t: v for t, v in before.items() if t != "upload_record"}

    # A body over the limit: refused on the spooled size, nothing kept.
    from copass_app.tiss.parsing import max_xml_bytes

    files_before = _private_files(live_app)
    limit = max_xml_bytes()
    huge = b"<a>" + b" " * (limit + 1024) + b"</a>"
    response = _post_upload(live_app, client_token, "enorme.xml", huge)
    assert response.status_code == 200, response.text[:500]
    expect(page.get_by_text(re.compile("excede o limite")).first).to_be_visible()
    assert _private_files(live_app) == files_before
    assert not [p for p in _private_files(live_app) if p.stat().st_size > limit]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM upload_record")).scalar_one() == len(uploads)
    engine.dispose()
