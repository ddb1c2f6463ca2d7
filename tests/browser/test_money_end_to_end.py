"""The money half end to end in headless Chromium, every step through the screens a person uses:
`clinica` bills a guide with a material typed above its contracted price; `operadora` analyses the
batch (the critique's proposal accepted, a manual glosa, the rest accepted) and concludes; `clinica`
sees both glosas and appeals the manual one; `operadora` accepts the appeal partly and pays the batch
with the accepted value; `clinica` sees the batch paid (date, withholdings, net, accepted value), the
same payment in Pagamentos, and its DEMONSTRATIVO_PAGAMENTO valid against the official XSD.

Every figure is checked against a computation by hand from the values chosen here (and the demo
clinic's tax profile), and against the live portal's database."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from lxml import etree
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from copass_app import clock
from copass_app import formatting as fmt
from copass_app.models import (
    Appeal,
    AppealStatus,
    Batch,
    BatchGuide,
    BatchItem,
    BatchStatus,
    Beneficiary,
    CatalogItem,
    Glosa,
    GlosaSource,
    GlosaStatus,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
    Payment,
    PaymentBatch,
    PaymentWithholding,
    Provider,
    utcnow,
)
from copass_app.tiss import codes
from copass_app.tiss.hash import compute_hash, declared_hash
from copass_app.tiss.schema import TISS_NS, get_schema
from tests.browser.conftest import login
from tests.browser.test_layout import no_sideways_scroll, shoot
from tests.browser.test_provider_money_browser import LAPTOP, _context, _open_batch

pytestmark = pytest.mark.browser

D = Decimal
CENT = D("0.01")
NS = {"ans": TISS_NS}
DAY = date(2023, 5, 9)  # before the demo's history: the billing period holds only this test's guide
CLINIC_CODE = "100001"  # clinica: São Paulo, no rates of its own (the defaults), bank data on file

# The guide the operator authorized (data the portal receives, not typed by anyone here).
ECHO = ("40901106", "Ecodopplercardiograma transtorácico", D("880.00"))
CONSULT_CODE, CONSULT_NAME = "10101012", "Consulta em consultório"
# The material the clinic adds on Faturamento, above the catalog's contracted price.
DRESSING_CODE, DRESSING_WORDS = "99000062", "hidrocoloide"
DRESSING_QTY, DRESSING_UNIT = D("2"), D("45.00")

MANUAL_GLOSA = D("120.00")
MANUAL_REASON, MANUAL_WORDS = "1831", "laudo justifica"
MANUAL_NOTE = "O laudo do ecocardiograma não descreve a indicação do exame."
CONTESTED = D("100.00")
WHY = "O pedido médico anexado à guia traz a indicação clínica; o laudo segue o modelo da sociedade."
ACCEPTED = D("75.00")
DECISION_NOTE = "Aceito em parte: a indicação consta do pedido médico, não do laudo."

# The clinic's tax profile (services/withholdings.py defaults; ISS of São Paulo), in percent.
RATES = {"IRRF": D("1.5"), "PIS": D("0.65"), "COFINS": D("3"), "CSLL": D("1"), "ISS": D("2")}
MINIMUM = D("10.00")  # a tax of R$ 10,00 or less is not withheld


def _engine(live_app):
    return create_engine(live_app["env"]["DATABASE_URL"])


def _prepare_guide(live_app) -> tuple[str, D, D]:
    """An authorized SP/SADT guide of clinica performed on DAY (echo + consultation), priced so that the
    payment's base lands on R$ 1.000,00 whatever the dressing's catalog price. Returns (guide number,
    the dressing's contracted price, the consultation's value)."""
    engine = _engine(live_app)
    try:
        with Session(engine) as db:
            provider = db.exec(select(Provider).where(Provider.code == CLINIC_CODE)).one()
            # The profile the hand computation assumes (a change of the demo data must show here).
            assert (provider.municipality, provider.irrf_rate, provider.pis_rate, provider.cofins_rate,
                    provider.csll_rate, provider.iss_rate) == ("São Paulo", None, None, None, None, None)
            price = db.exec(select(CatalogItem.price).where(CatalogItem.table_code == "19",
                                                            CatalogItem.code == DRESSING_CODE)).one()
            assert price < DRESSING_UNIT
            # approved = echo + consult + qty × price − manual glosa = 925,00 → base with the appeal = 1.000,00
            consult = D("925.00") + MANUAL_GLOSA - ECHO[2] - DRESSING_QTY * price
            beneficiary = db.exec(select(Beneficiary).order_by(Beneficiary.id)).first()
            number = f"E2E{utcnow():%H%M%S%f}"[:20]
            guide = Guide(provider_id=provider.id, beneficiary_id=beneficiary.id, guide_type=GuideType.SP_SADT,
                          provider_guide_number=number, operator_guide_number=f"8{number}",
                          authorization_password="55004411", status=GuideStatus.AUTORIZADO, requested_on=DAY,
                          authorized_on=DAY, performed_on=DAY, valid_until=DAY + timedelta(days=60),
                          total_value=ECHO[2] + consult)
            db.add(guide)
            db.flush()
            for code, name, value in (ECHO, (CONSULT_CODE, CONSULT_NAME, consult)):
                db.add(GuideItem(guide_id=guide.id, table_code="22", code=code, description=name,
                                 authorized_qty=D(1), performed_qty=D(1), unit_value=value))
            db.add(GuideStatusHistory(guide_id=guide.id, status=GuideStatus.AUTORIZADO, changed_at=utcnow(), note=""))
            db.commit()
            return number, price, consult
    finally:
        engine.dispose()


def _tax(base: D, rate: D) -> D:
    return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _menu(page, label: str, url: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=label, exact=True).first.click()
    page.wait_for_url(re.compile(re.escape(url) + r"$"))


def _valid_xml(data: bytes) -> etree._Element:
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    root = etree.fromstring(data)
    schema = get_schema()
    assert schema.validate(root), schema.error_log
    assert declared_hash(root) == compute_hash(root)
    return root


def _xml_money(root, path: str) -> D:
    return D(root.xpath(f"string({path})", namespaces=NS))


def test_batch_analysed_appealed_and_paid_end_to_end(browser, live_app):
    base = live_app["url"]
    guide_number, price, consult = _prepare_guide(live_app)

    # --- the hand computation ------------------------------------------------------------------------
    dressing_total = DRESSING_QTY * DRESSING_UNIT  # 90,00
    proposal = dressing_total - DRESSING_QTY * price  # the excess over the contracted price
    gross = ECHO[2] + consult + dressing_total
    glosa = proposal + MANUAL_GLOSA
    approved = gross - glosa
    assert approved == D("925.00")
    payment_base = approved + ACCEPTED
    assert payment_base == D("1000.00")
    computed = {tax: _tax(payment_base, rate) for tax, rate in RATES.items()}
    assert computed == {"IRRF": D("15.00"), "PIS": D("6.50"), "COFINS": D("30.00"), "CSLL": D("10.00"),
                        "ISS": D("20.00")}
    withheld = {tax: value if value > MINIMUM else D("0.00") for tax, value in computed.items()}
    assert withheld == {"IRRF": D("15.00"), "PIS": D("0.00"), "COFINS": D("30.00"), "CSLL": D("0.00"),
                        "ISS": D("20.00")}  # PIS 6,50 and CSLL exactly 10,00 are not withheld
    withheld_total = sum(withheld.values(), D("0.00"))
    net = payment_base - withheld_total
    assert (withheld_total, net) == (D("65.00"), D("935.00"))
    today = clock.today()

    # --- 1. clinica bills the guide on Faturamento, adding the dressing above its contracted price ----
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        _menu(page, "Faturamento de atendimentos", "/faturamento")
        page.fill("#period-start", DAY.isoformat())
        page.fill("#period-end", DAY.isoformat())
        page.click("#faturar")
        card = page.locator(".billing-guide", has_text=guide_number)
        expect(card).to_be_visible()
        expect(page.locator(".billing-guide")).to_have_count(1)
        card.locator(".add-materials").click()
        page.locator("#catalog-search").press_sequentially(DRESSING_WORDS, delay=40)
        expect(page.locator(".catalog-hit").first).to_contain_text(DRESSING_CODE)
        page.get_by_label("Quantidade").fill("2")
        page.get_by_label("Valor unitário (R$)").fill("45,00")
        page.click("#catalog-add")
        expect(page.locator("#catalog-added")).to_contain_text(DRESSING_CODE)
        page.click("#catalog-done")
        dressing_line = card.locator(".draft-item", has_text=DRESSING_CODE)
        expect(dressing_line).to_contain_text(fmt.money(dressing_total))
        expect(dressing_line.locator(".above-contract")).to_be_visible()
        expect(card.locator(".guide-total")).to_have_text(fmt.money(gross))

        # Prévia de glosas: the operator's critique would propose exactly the excess of the dressing.
        page.click("#run-preview")
        expect(page.locator("#preview-findings")).to_be_visible()
        finding = page.locator(".preview-finding")
        expect(finding).to_have_count(1)
        expect(finding).to_contain_text(f"Código {codes.VALUE_ABOVE_CONTRACT}")
        expect(finding).to_contain_text(fmt.money(proposal))
        expect(page.locator("#preview-glosa")).to_have_text(fmt.money(proposal))
        shoot(page, "e2e-1-faturamento-previa-1366")
        page.get_by_role("button", name="Fechar a prévia de glosas").click()

        page.click("#confirm-open")
        page.click("#confirm-send")
        expect(page.locator("#confirmed")).to_contain_text("Protocolo")
        [protocol] = re.findall(r"Protocolo (\d{12})", page.locator("#confirmed").inner_text())
    finally:
        context.close()
    assert not errors, errors

    # --- 2. operadora analyses: the proposal accepted, a manual glosa, the rest accepted, concluded --
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "operadora")
        page.wait_for_url(re.compile(r"/operadora$"))
        _menu(page, "Lotes recebidos", "/operadora/lotes")
        row = page.locator(".received-row", has_text=protocol)
        expect(row).to_contain_text("Recebido")
        expect(row).to_contain_text(fmt.money(gross))
        row.locator(".analysis-link").click()
        page.wait_for_url(re.compile(r"/operadora/lotes/\d+$"))
        expect(page.locator("#analysis-protocol")).to_contain_text(protocol)
        page.click("#start-analysis")
        dialog = page.get_by_role("alertdialog")
        expect(dialog.get_by_role("button", name="Cancelar")).to_be_focused()
        page.locator(".start-analysis-confirm").click()

        echo = page.locator(".analysis-item", has_text=ECHO[0])
        consultation = page.locator(".analysis-item", has_text=CONSULT_CODE)
        dressing = page.locator(".analysis-item", has_text=DRESSING_CODE)
        offered = dressing.locator(".glosa-proposal")
        expect(offered).to_have_count(1)
        expect(offered).to_contain_text("Proposta da crítica: Valor acima do contrato")
        expect(offered).to_contain_text(f"Código {codes.VALUE_ABOVE_CONTRACT}")
        expect(offered).to_contain_text(fmt.money(proposal))
        expect(page.locator(".glosa-proposal")).to_have_count(1)  # nothing else in the guide is wrong
        expect(page.locator("#analysis-waiting")).to_contain_text("3 item(ns) sem decisão")
        shoot(page, "e2e-2-analise-proposta-1366")
        offered.locator(".accept-proposal").click()
        expect(dressing.locator(".glosa-applied")).to_contain_text(fmt.money(proposal))
        expect(dressing.locator(".item-decision")).to_have_text("Glosado")

        # The manual glosa on the echo: value typed, reason found by words, a note.
        echo.locator(".glosa-item").click()
        expect(page.locator("#glosa-value")).to_have_value("880,00")
        page.fill("#glosa-value", "120,00")
        page.locator("#glosa-reason-search").press_sequentially(MANUAL_WORDS, delay=40)
        reasons = page.locator(".glosa-reason")
        expect(reasons).to_have_count(1)
        expect(reasons).to_contain_text(MANUAL_REASON)
        reasons.click()
        expect(page.locator("#glosa-reason-chosen")).to_contain_text(f"Escolhido: {MANUAL_REASON}")
        page.get_by_label("Observação (opcional)").fill(MANUAL_NOTE)
        page.click("#glosa-save")
        expect(page.locator("#glosa-dialog")).to_have_count(0)
        expect(echo.locator(".glosa-applied")).to_contain_text(fmt.money(MANUAL_GLOSA))
        expect(echo.locator(".glosa-applied")).to_contain_text(MANUAL_NOTE)

        # The rest (the consultation) accepted with "Aceitar todos".
        page.click("#accept-all")
        page.locator(".accept-all-confirm").click()
        expect(consultation.locator(".item-decision")).to_have_text("Aceito")
        expect(page.locator("#total-glosa")).to_have_text(fmt.money(glosa))
        expect(page.locator("#total-approved")).to_have_text(fmt.money(approved))

        page.click("#finish-analysis")
        expect(dialog).to_contain_text(f"liberado para pagamento com {fmt.money(approved)} aprovados")
        page.locator(".finish-confirm").click()
        expect(page.locator("#analysis-done")).to_contain_text("Análise concluída em")
        expect(page.locator("#analysis-status")).to_contain_text("Liberado")
        expect(page.locator(".accept-item")).to_have_count(0)
        shoot(page, "e2e-2-analise-concluida-1366")
    finally:
        context.close()
    assert not errors, errors

    # --- 3. clinica sees both glosas and the totals, and appeals the manual one ---------------------
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        _menu(page, "Faturamentos", "/acompanhamento")
        detail = _open_batch(page, base, protocol)
        expect(page.locator("#total-informed")).to_have_text(fmt.money(gross))
        expect(page.locator("#total-glosa")).to_have_text(fmt.money(glosa))
        expect(page.locator("#total-approved")).to_have_text(fmt.money(approved))
        proposed = detail.locator(".detail-item", has_text=DRESSING_CODE).locator(".item-glosa")
        expect(proposed).to_contain_text(f"Glosa {codes.VALUE_ABOVE_CONTRACT}")
        expect(proposed).to_contain_text(codes.describe(codes.VALUE_ABOVE_CONTRACT)[:30])
        expect(proposed.locator(".glosa-value")).to_have_text(fmt.money(proposal))
        manual = detail.locator(".detail-item", has_text=ECHO[0]).locator(".item-glosa")
        expect(manual).to_contain_text(f"Glosa {MANUAL_REASON}")
        expect(manual).to_contain_text(codes.describe(MANUAL_REASON)[:30])
        expect(manual).to_contain_text(MANUAL_NOTE)
        expect(manual.locator(".glosa-value")).to_have_text(fmt.money(MANUAL_GLOSA))
        expect(detail.locator(".detail-item", has_text=CONSULT_CODE).locator(".item-glosa")).to_have_count(0)

        manual.locator(".appeal-item").click()
        expect(page.locator("#appeal-dialog")).to_be_visible()
        value = page.get_by_label("Valor contestado (até o valor glosado)")
        expect(value).to_have_value("120,00")
        value.fill("100,00")
        page.get_by_label("Justificativa").fill(WHY)
        shoot(page, "e2e-3-recurso-1366")
        page.click("#appeal-submit")
        expect(page.get_by_text(re.compile("aguardando análise da operadora"))).to_be_visible()
        expect(page.locator("#appeal-dialog")).to_be_hidden()
        expect(manual.locator(".item-appeal")).to_contain_text("Pendente")
        expect(manual.locator(".item-appeal")).to_contain_text(f"contestado {fmt.money(CONTESTED)}")
    finally:
        context.close()
    assert not errors, errors

    # --- 4 and 5. operadora accepts the appeal partly, then pays the batch with the accepted value ---
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "operadora")
        page.wait_for_url(re.compile(r"/operadora$"))
        _menu(page, "Recursos de glosa", "/operadora/recursos")
        page.click("#appeals-provider")
        page.get_by_role("option", name=re.compile("Clínica São Lucas")).click()
        page.fill("#appeals-from", today.isoformat())
        page.get_by_role("button", name="Filtrar").click()
        card = page.locator(".appeal-card", has_text=protocol)
        expect(card).to_have_count(1)
        expect(card).to_contain_text(WHY)
        expect(card.locator(".appeal-contested")).to_have_text(fmt.money(CONTESTED))
        [appeal_id] = re.findall(r"Recurso (\d+)", card.locator("h2").inner_text())
        card.locator(".appeal-accept-partly").click()
        decision = page.locator("#appeal-decision-dialog")
        expect(decision).to_contain_text(f"menor que o contestado, {fmt.money(CONTESTED)}")
        page.fill("#appeal-accepted-value", "75,00")
        page.get_by_label("Observação (opcional)").fill(DECISION_NOTE)
        page.click("#appeal-decision-confirm")
        expect(page.get_by_text(f"Recurso {appeal_id}: aceito parcialmente (valor aceito {fmt.money(ACCEPTED)})"
                                )).to_be_visible()
        expect(decision).to_be_hidden()
        expect(card).to_have_count(0)  # no longer pending
        shoot(page, "e2e-4-recurso-decidido-1366")

        _menu(page, "Pagamentos", "/operadora/pagamentos")
        page.click("#pay-provider")
        page.get_by_role("option", name=re.compile("Clínica São Lucas")).click()
        mine = page.locator(".payable-batch", has_text=protocol)
        expect(mine).to_be_visible()
        my_appeal = page.locator(".payable-appeal", has_text=protocol)
        expect(my_appeal).to_have_count(1)
        expect(my_appeal).to_contain_text(fmt.money(ACCEPTED))
        # Only this batch and this appeal: the demo's other released batches and appeals wait.
        for other in page.locator(".payable-batch").filter(has_not_text=protocol).all():
            other.locator(".pay-batch").click()
        for other in page.locator(".payable-appeal").filter(has_not_text=protocol).all():
            other.locator(".pay-appeal").click()
        expect(page.locator("#paid-on")).to_have_value(today.isoformat())
        expect(page.locator(".preview-gross")).to_have_text(fmt.money(gross))
        expect(page.locator(".preview-glosa")).to_have_text(fmt.money(glosa))
        expect(page.locator(".preview-approved")).to_have_text(fmt.money(approved))
        expect(page.locator(".preview-appeals")).to_have_text(fmt.money(ACCEPTED))
        expect(page.locator(".preview-base")).to_have_text(fmt.money(payment_base))
        lines = page.locator("#preview-withholdings .withholding-line")
        expect(lines).to_have_count(5)
        for index, tax in enumerate(RATES):
            line = lines.nth(index)
            expect(line).to_contain_text(tax)
            if withheld[tax]:
                expect(line).to_contain_text(fmt.money(withheld[tax]))
            else:
                expect(line).to_contain_text(f"não retido: até R$ 10,00 (seria {fmt.money(computed[tax])})")
        expect(page.locator(".preview-withheld")).to_have_text(fmt.money(withheld_total))
        expect(page.locator(".preview-net")).to_have_text(fmt.money(net))
        shoot(page, "e2e-5-pagamento-previa-1366")
        no_sideways_scroll(page)
        page.click("#register-payment")
        expect(page.get_by_role("alertdialog")).to_contain_text(f"Registrar o pagamento de {fmt.money(net)}")
        expect(page.get_by_role("alertdialog")).to_contain_text("1 lote(s)")
        expect(page.get_by_role("alertdialog")).to_contain_text("1 recurso(s)")
        page.locator(".register-payment-confirm").click()
        expect(page.locator("#payment-detail")).to_contain_text(protocol)
        expect(page.locator(".payment-net")).to_have_text(fmt.money(net))
        payment_number = page.locator("#payment-number").inner_text().rsplit(" ", 1)[-1]
    finally:
        context.close()
    assert not errors, errors

    # --- 6. clinica sees the batch paid, the payment in Pagamentos, and its demonstrativo -----------
    context, page, errors = _context(browser, LAPTOP)
    try:
        login(page, base, "clinica")
        page.wait_for_url(re.compile(r"/painel$"))
        _menu(page, "Faturamentos", "/acompanhamento")
        detail = _open_batch(page, base, protocol)
        expect(detail).to_contain_text("Pagamento efetuado")
        expect(page.locator("#batch-history")).to_contain_text("Pagamento efetuado")
        paid = page.locator("#batch-payment")
        expect(paid).to_contain_text(f"Pago em {fmt.date_br(today)} · demonstrativo nº {payment_number}")
        expect(paid).to_contain_text(f"Aprovado {fmt.money(approved)} + recursos {fmt.money(ACCEPTED)} − "
                                     f"retenções {fmt.money(withheld_total)} = líquido {fmt.money(net)}")
        expect(page.locator("#batch-payment-net")).to_have_text(fmt.money(net))
        lines = paid.locator(".withholding-line")
        expect(lines).to_have_count(5)
        for index, tax in enumerate(RATES):
            expected = fmt.money(withheld[tax]) if withheld[tax] else "não retido: até R$ 10,00"
            expect(lines.nth(index)).to_contain_text(f"sobre {fmt.money(payment_base)}): {expected}")
        expect(page.locator("#total-appeals")).to_have_text(fmt.money(ACCEPTED))
        appealed = detail.locator(".detail-item", has_text=ECHO[0]).locator(".item-appeal")
        expect(appealed).to_contain_text("Aceito parcial")
        expect(appealed).to_contain_text(f"aceito {fmt.money(ACCEPTED)}")
        expect(appealed).to_contain_text("pago")
        expect(appealed).to_contain_text(DECISION_NOTE)
        shoot(page, "e2e-6-lote-pago-1366")
        no_sideways_scroll(page)
        page.keyboard.press("Escape")

        _menu(page, "Pagamentos", "/pagamentos")
        row = page.locator(".payment-row", has_text=payment_number)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(fmt.date_br(today))
        for figure in (gross, glosa, approved, ACCEPTED, withheld_total, net):
            expect(row).to_contain_text(fmt.money(figure))
        row.locator(".payment-detail").click()
        payment = page.locator("#payment-detail")
        expect(page.locator("#payment-gross")).to_have_text(fmt.money(gross))
        expect(page.locator("#payment-glosa")).to_have_text(fmt.money(glosa))
        expect(page.locator("#payment-approved")).to_have_text(fmt.money(approved))
        expect(page.locator("#payment-appeals")).to_have_text(fmt.money(ACCEPTED))
        expect(page.locator("#payment-withholdings")).to_have_text(fmt.money(withheld_total))
        expect(page.locator("#payment-net")).to_have_text(fmt.money(net))
        expect(page.locator(".withholding-row")).to_have_count(5)
        expect(page.locator("#payment-bank")).to_contain_text("341 - Itaú Unibanco")
        expect(payment.locator(".paid-batch")).to_contain_text(protocol)
        expect(payment.locator(".paid-appeal")).to_contain_text(fmt.money(ACCEPTED))
        shoot(page, "e2e-6-pagamento-1366")
        with page.expect_download() as download_info:
            page.click("#download-payment")
        xml = download_info.value.path().read_bytes()
    finally:
        context.close()
    assert not errors, errors

    # The DEMONSTRATIVO_PAGAMENTO: valid against the XSD, its totals the hand computation's (the screen's).
    root = _valid_xml(xml)
    assert root.xpath("string(//ans:tipoTransacao)", namespaces=NS) == "DEMONSTRATIVO_PAGAMENTO"
    assert root.xpath("string(//ans:numeroDemonstrativo)", namespaces=NS) == payment_number
    assert root.xpath("string(//ans:dadosPagamento/ans:dataPagamento)", namespaces=NS) == today.isoformat()
    totals = "//ans:totaisBrutosDemonstrativo"
    assert _xml_money(root, f"{totals}/ans:valorInformadoBruto") == gross
    assert _xml_money(root, f"{totals}/ans:valorGlosaBruto") == glosa
    assert _xml_money(root, f"{totals}/ans:valorLiberadoBruto") == approved + ACCEPTED
    assert _xml_money(root, "//ans:totalDebitosDemonstrativo") == withheld_total
    assert _xml_money(root, "//ans:valorLiberadoDemonstrativo") == net
    assert _xml_money(root, "//ans:liquidoPorData") == net
    debits = [D(v) for v in root.xpath("//ans:debitosCreditos/ans:valorDbCr/text()", namespaces=NS)]
    assert debits == [v for v in withheld.values() if v]  # the withheld ones only, in order

    # --- the database agrees ------------------------------------------------------------------------
    engine = _engine(live_app)
    try:
        with Session(engine) as db:
            batch = db.exec(select(Batch).where(Batch.protocol_number == protocol)).one()
            assert batch.status == BatchStatus.PAGO
            assert (batch.total_value, batch.glosa_value, batch.approved_value) == (gross, glosa, approved)
            assert batch.analysed_at is not None and batch.paid_at is not None
            items = {i.code: i for i in db.exec(
                select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                .where(BatchGuide.batch_id == batch.id))}
            assert {code: (i.total_value, i.approved_value) for code, i in items.items()} == {
                ECHO[0]: (ECHO[2], ECHO[2] - MANUAL_GLOSA), CONSULT_CODE: (consult, consult),
                DRESSING_CODE: (dressing_total, dressing_total - proposal)}
            glosas = db.exec(select(Glosa).where(Glosa.batch_id == batch.id).order_by(Glosa.id)).all()
            assert [(g.batch_item_id, g.status, g.source, g.rule, g.reason_code, g.value) for g in glosas] == [
                (items[DRESSING_CODE].id, GlosaStatus.APLICADA, GlosaSource.CRITICA, "value_above_contract",
                 codes.VALUE_ABOVE_CONTRACT, proposal),
                (items[ECHO[0]].id, GlosaStatus.APLICADA, GlosaSource.ANALISTA, "", MANUAL_REASON, MANUAL_GLOSA)]
            assert glosas[1].note == MANUAL_NOTE
            [appeal] = db.exec(select(Appeal).where(Appeal.batch_id == batch.id)).all()
            payment = db.exec(select(Payment).join(PaymentBatch, PaymentBatch.payment_id == Payment.id)
                              .where(PaymentBatch.batch_id == batch.id)).one()
            assert (appeal.glosa_id, appeal.status, appeal.contested_value, appeal.accepted_value,
                    appeal.justification, appeal.decision_note, appeal.payment_id) == (
                glosas[1].id, AppealStatus.ACEITO_PARCIAL, CONTESTED, ACCEPTED, WHY, DECISION_NOTE, payment.id)
            assert int(appeal_id) == appeal.id
            assert (payment.number, payment.paid_on, payment.gross_value, payment.glosa_value,
                    payment.approved_value, payment.appeals_value, payment.withholding_value, payment.net_value,
                    payment.bank, payment.agency, payment.account) == (
                payment_number, today, gross, glosa, approved, ACCEPTED, withheld_total, net,
                "341 - Itaú Unibanco", "0912", "45821-3")
            assert len(db.exec(select(PaymentBatch).where(PaymentBatch.payment_id == payment.id)).all()) == 1
            lines = db.exec(select(PaymentWithholding).where(PaymentWithholding.payment_id == payment.id)).all()
            assert {str(w.tax): (w.base, w.rate_percent, w.value) for w in lines} == {
                tax: (payment_base, RATES[tax], withheld[tax]) for tax in RATES}
    finally:
        engine.dispose()
