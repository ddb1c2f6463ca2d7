"""Relatórios from their pages: which report a route shows, one page of lines with the totals of the
whole filter, the filters, the PDF drawn in a background event (with its progress) and the CSV, both
downloaded and read back; another provider's lines never reach the tab; staff filter by provider."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from decimal import Decimal

from pypdf import PdfReader
from reflex.istate.data import ReflexURL, RouterData
from sqlmodel import select

from copass_app import clock, routes
from copass_app.models import AuditLog, Role
from copass_app.state.reports import BY_PROCEDURE, ProviderReportsState, StaffReportsState
from tests.services.money_helpers import clinic
from tests.services.report_helpers import paid_world, released_batch
from tests.state.conftest import browser_tab, says
from tests.state.test_provider_money_files import downloaded

D = Decimal


def run(coroutine):
    return asyncio.run(coroutine)


def at(tab, path: str):
    tab.parent_state.router = RouterData(url=ReflexURL(f"http://localhost:3000{path}"))
    return tab


def opened(state_cls, token: str, path: str):
    tab = at(browser_tab(state_cls, token), path)
    assert run(tab.on_load()) is None
    return tab


def test_each_route_shows_its_report_with_totals(factory, db, login):
    world = paid_world(factory, db)
    token = login(world.clinic.provider)
    nf = opened(ProviderReportsState, token, routes.REPORT_NF.path)
    assert nf.kind == "nf" and nf.headers[:3] == ["Situação", "Data pgto.", "Demonstrativo"]
    assert "Prestador" not in nf.headers  # one provider: named above the table
    [line] = nf.rows
    assert line.cells[0] == "Pago" and "R$ 2.071,72" in line.cells and line.payment_id
    assert nf.totals[0] == "Total" and nf.totals[-1] == "R$ 2.071,72"
    assert nf.provider_label.startswith("Clínica São Lucas") and nf.period_label == "todo o período"
    statements = opened(ProviderReportsState, token, routes.REPORT_STATEMENTS.path)
    assert statements.kind == "demonstrativos" and statements.rows[0].detail_href == (
        f"{routes.PROVIDER_PAYMENTS.path}?pagamento={world.payment_id}")
    released_batch(factory, db, world.clinic, world.staff, D("100.00"))
    one = opened(ProviderReportsState, token, statements.rows[0].nf_href)  # the line's "NF" link
    assert [r.payment_id for r in one.rows] == [str(world.payment_id)]
    assert one.period_label.startswith("somente o pagamento escolhido")
    extrato = opened(ProviderReportsState, token, routes.REPORT_EXTRATO.path)
    assert extrato.total == 3 and extrato.totals[-1] == "R$ 2.472,56"  # 2.372,56 paid + 100,00 released
    glosas = opened(ProviderReportsState, token, routes.REPORT_GLOSAS.path)
    assert [r.cells[0] for r in glosas.rows] == ["1702", "1705"] and "R$ 137,01" in glosas.totals
    run(glosas.set_view(BY_PROCEDURE))
    assert [r.cells[1] for r in glosas.rows] == ["41001010", "40302040"]


def test_filters_and_the_empty_period(factory, db, login):
    world = paid_world(factory, db)
    tab = opened(ProviderReportsState, login(world.clinic.provider), routes.REPORT_STATEMENTS.path)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    run(tab.apply_filters({"date_from": "", "date_to": yesterday, "competence": ""}))
    assert tab.rows == [] and tab.total == 0 and tab.totals[-1] == "R$ 0,00"
    assert says(run(tab.apply_filters({"date_from": "2026-03-10", "date_to": "2026-03-01"})),
                "A data inicial do período é posterior à data final.")
    run(tab.clear_filters())
    assert tab.total == 1


def test_pdf_in_the_background_and_csv_read_back(factory, db, login):
    world = paid_world(factory, db, "Clínica Conceição")
    tab = opened(ProviderReportsState, login(world.clinic.provider), routes.REPORT_NF.path)
    # A background event: Reflex runs it off the tab's lock; called here as its function on the tab.
    event = run(ProviderReportsState.download_pdf.fn(tab))
    assert not tab.generating and tab.progress == 0  # the indicator is gone once the file is sent
    reader = PdfReader(io.BytesIO(downloaded(event)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Clínica Conceição" in text and "R$ 2.071,72" in text and "Página 1 de 1" in text
    data = downloaded(run(tab.download_csv()))
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert parsed[-1][0] == "Total" and parsed[-1][-1] == "2071,72"
    audited = db.exec(select(AuditLog).where(AuditLog.entity == "report")).all()
    assert len(audited) == 2 and all("Relatório de valores para emissão de NF" in a.detail for a in audited)


def test_another_provider_sees_only_its_own_and_not_the_statement(factory, db, login):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    tab = opened(ProviderReportsState, login(other.provider), routes.REPORT_EXTRATO.path)
    run(tab.apply_filters({"provider": str(world.clinic.provider.id)}))  # a provider has no such filter
    assert tab.rows == [] and tab.provider_label.startswith("Clínica B")
    assert "Clínica A" not in downloaded(run(tab.download_csv())).decode("utf-8-sig")
    assert says(run(tab.download_statement(str(world.payment_id))), "Pagamento não encontrado.")
    nf = at(browser_tab(ProviderReportsState, login(other.provider)),
            f"{routes.REPORT_NF.path}?pagamento={world.payment_id}")
    assert says(run(nf.on_load()), "Pagamento não encontrado.")
    assert nf.loaded and nf.payment == "" and nf.rows == []  # B's own (empty) report instead, nothing of A's


def test_staff_pick_a_provider(factory, db, login):
    world = paid_world(factory, db, "Clínica A")
    other = clinic(factory, "Clínica B")
    released_batch(factory, db, other, world.staff, D("100.00"))
    tab = opened(StaffReportsState, login(role=Role.STAFF), routes.STAFF_REPORT_NF.path)
    assert "Prestador" in tab.headers and {o.label.split(" · ")[1] for o in tab.providers} >= {"Clínica A",
                                                                                               "Clínica B"}
    assert tab.total == 2
    run(tab.apply_filters({"provider": str(other.provider.id)}))
    assert tab.total == 1 and tab.provider_label.startswith("Clínica B") and tab.totals[-1] == "R$ 100,00"
    assert tab.rows[0].detail_href == tab.rows[0].nf_href == ""  # still to be paid: no payment to open
    statements = opened(StaffReportsState, login(role=Role.STAFF), routes.STAFF_REPORT_STATEMENTS.path)
    assert statements.rows[0].nf_href == f"{routes.STAFF_REPORT_NF.path}?pagamento={world.payment_id}"


def test_staff_and_providers_stay_on_their_own_pages(factory, db, login):
    world = paid_world(factory, db)
    staff_tab = at(browser_tab(ProviderReportsState, login(role=Role.STAFF)), routes.REPORT_NF.path)
    assert says(run(staff_tab.on_load()), routes.home_for(True))
    provider_tab = at(browser_tab(StaffReportsState, login(world.clinic.provider)), routes.STAFF_REPORT_NF.path)
    assert says(run(provider_tab.on_load()), routes.home_for(False))
    assert provider_tab.rows == []
