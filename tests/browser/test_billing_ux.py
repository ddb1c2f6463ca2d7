"""Faturamento as a new user walks it (issue 9): what was refused shows what is stored, nothing is
lost or added twice without a question, and the page says why a button cannot be used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from copass_app import clock
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _open(page, base, days=40):
    login(page, base, "laboratorio")
    page.wait_for_url(re.compile(r"/painel$"))
    page.goto(f"{base}/faturamento")
    today = clock.today()
    page.fill("#period-start", (today - timedelta(days=days)).isoformat())
    page.fill("#period-end", today.isoformat())
    page.click("#faturar")
    expect(page.locator(".billing-guide").first).to_be_visible()


def _date_input(card):
    return card.locator("input.performed-date, .performed-date input").first


def test_walk_of_the_billing_page(page, live_app):
    base = live_app["url"]
    _open(page, base)
    card = page.locator(".billing-guide", has_text=page.locator(".guide-number").first.inner_text())

    # A refused date: said under the field at once; leaving the field shows the stored date again.
    field = _date_input(card)
    stored = field.input_value()
    field.fill((clock.today() + timedelta(days=3)).isoformat())
    refusal = card.locator(".date-refusal")
    expect(refusal).to_contain_text("não pode ser futura")
    expect(refusal).to_contain_text("Vale a data gravada")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.blur()  # (Tab walks the date's day, month and year first)
    expect(field).to_have_value(stored)

    # Nothing selected: "Confirmar envio" is disabled and says why.
    page.click("#select-none")
    expect(page.locator("#confirm-open")).to_be_disabled()
    expect(page.locator("#confirm-reason")).to_contain_text("Marque ao menos uma guia")
    card.locator(".guide-check").click()
    expect(page.locator("#confirm-open")).to_be_enabled()

    # Catalog: no hits says so; a value far above the contract is accepted and flagged; a repeat asks.
    card.locator(".add-materials").click()
    search = page.locator("#catalog-search")
    search.press_sequentially("xyzwq", delay=30)
    expect(page.locator("#catalog-empty")).to_contain_text("Nenhum item encontrado")
    search.fill("")
    search.press_sequentially("seringa", delay=30)
    hit = page.locator(".catalog-hit").first
    expect(hit).to_be_visible()
    contracted = re.search(r"R\$\s*[\d.,]+", hit.inner_text()).group(0)
    hit.focus()
    expect(hit).to_be_focused()  # results take the keyboard
    page.get_by_label("Valor unitário (R$)").fill("1.000.000,00")
    page.click("#catalog-add")
    expect(page.locator("#catalog-added")).to_contain_text("1.000.000,00")
    page.click("#catalog-add")
    expect(page.locator("#repeat-question")).to_contain_text("Somar a quantidade")
    page.click("#repeat-merge")
    expect(page.locator("#catalog-added")).to_contain_text("somado à linha existente")
    page.click("#catalog-done")
    line = card.locator(".draft-item", has_text="SERINGA")
    expect(line).to_have_count(1)
    expect(line.locator(".above-contract")).to_have_text(f"acima do valor contratado ({contracted.replace(' ', ' ')})")

    # "Faturar" another period with changes asks first; keeping the draft keeps them.
    page.fill("#period-start", (clock.today() - timedelta(days=10)).isoformat())
    page.click("#faturar")
    expect(page.get_by_text("Descartar as alterações deste faturamento?")).to_be_visible()
    page.click("#discard-keep")
    expect(card.locator(".draft-item", has_text="SERINGA")).to_have_count(1)

    # One explicit period control: the competência shows only its own field.
    page.locator("#period-mode button", has_text="Por competência").click()
    expect(page.locator("#period-competence")).to_be_visible()
    expect(page.locator("#period-start")).to_have_count(0)
    page.click("#cancel-open")
    page.click("#cancel-confirm")
