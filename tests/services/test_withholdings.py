"""Withholdings on a payment: rates from the provider's profile, each tax rounded half-up to the
cent, nothing withheld at R$ 10,00 or less. Every figure below was computed by hand."""

from decimal import Decimal

import pytest

from copass_app.models import Provider, Tax
from copass_app.services.withholdings import (
    TaxProfile,
    profile_for,
    tax_amount,
    total_withheld,
    withholdings,
)

D = Decimal


def provider(**columns) -> Provider:
    return Provider(operator_id=1, code="1", name="Clínica", document="1", **columns)


def lines_by_tax(profile, base):
    return {line.tax: line for line in withholdings(profile, D(base))}


def only(rate_tax: Tax, rate: str) -> TaxProfile:
    """A profile where only one tax applies, to look at it alone."""
    rates = {"irrf": D(0), "pis": D(0), "cofins": D(0), "csll": D(0), "iss": D(0)}
    rates[rate_tax.value.lower()] = D(rate)
    return TaxProfile(**rates)


# --- the profile ---------------------------------------------------------------------------------


def test_an_empty_profile_takes_the_defaults_and_iss_by_municipality():
    profile = profile_for(provider(municipality="São Paulo"))
    assert (profile.irrf, profile.pis, profile.cofins, profile.csll, profile.iss) == (
        D("1.5"), D("0.65"), D("3"), D("1"), D("2"))
    assert profile_for(provider(municipality="RIO DE JANEIRO")).iss == D("5")
    assert profile_for(provider(municipality="  rio de janeiro ")).iss == D("5")
    assert profile_for(provider(municipality="Belo Horizonte")).iss == D("3")
    # A municipality the table does not know, or none at all: the default 2 %.
    assert profile_for(provider(municipality="Campinas")).iss == D("2")
    assert profile_for(provider()).iss == D("2")


def test_the_clinics_own_rates_override_the_defaults_and_zero_means_zero():
    profile = profile_for(provider(municipality="Rio de Janeiro", iss_rate=D("3.5"), irrf_rate=D("1.2"),
                                   pis_rate=D("0"), cofins_rate=D("0"), csll_rate=D("0")))
    assert (profile.irrf, profile.pis, profile.cofins, profile.csll, profile.iss) == (
        D("1.2"), D("0"), D("0"), D("0"), D("3.5"))
    assert profile.rate(Tax.ISS) == D("3.5") and profile.municipality == "Rio de Janeiro"


# --- the R$ 10,00 edge -----------------------------------------------------------------------------


@pytest.mark.parametrize(("tax", "rate", "base", "computed", "withheld"), [
    (Tax.CSLL, "1", "1000.00", "10.00", False),      # exactly R$ 10,00: not withheld
    (Tax.CSLL, "1", "1001.00", "10.01", True),       # R$ 10,01: withheld
    (Tax.CSLL, "1", "1000.49", "10.00", False),      # 10,0049 rounds to 10,00
    (Tax.CSLL, "1", "1000.50", "10.01", True),       # 10,005 rounds half-up to 10,01
    (Tax.IRRF, "1.5", "666.66", "10.00", False),     # 9,9999
    (Tax.IRRF, "1.5", "667.00", "10.01", True),      # 10,005 → 10,01 (half-even would say 10,00)
    (Tax.COFINS, "3", "333.50", "10.01", True),      # 10,005
    (Tax.COFINS, "3", "333.33", "10.00", False),     # 9,9999
    (Tax.PIS, "0.65", "1539.00", "10.00", False),    # 10,0035
    (Tax.PIS, "0.65", "1540.00", "10.01", True),     # 10,01 exactly
    (Tax.ISS, "2", "500.25", "10.01", True),         # 10,005
    (Tax.ISS, "2", "500.00", "10.00", False),
])
def test_a_tax_of_ten_reais_or_less_is_not_withheld(tax, rate, base, computed, withheld):
    line = lines_by_tax(only(tax, rate), base)[tax]
    assert (line.computed, line.withheld) == (D(computed), withheld)
    assert line.value == (D(computed) if withheld else D("0.00"))
    assert line.base == D(base) and line.rate_percent == D(rate)


@pytest.mark.parametrize(("base", "rate", "expected"), [
    ("1.00", "0.65", "0.01"),     # 0,0065 → 0,01
    ("0.70", "0.65", "0.00"),     # 0,00455 → 0,00
    ("1.50", "1", "0.02"),        # 0,015 → 0,02
    ("2.50", "1", "0.03"),        # 0,025 → 0,03 (half-even would give 0,02)
    ("1234.57", "1.5", "18.52"),  # 18,51855
    ("1234.57", "0.65", "8.02"),  # 8,024705
])
def test_each_tax_is_rounded_half_up_to_the_cent(base, rate, expected):
    assert tax_amount(D(base), D(rate)) == D(expected)


# --- whole payments ------------------------------------------------------------------------------


def test_ten_thousand_reais_in_sao_paulo():
    lines = withholdings(profile_for(provider(municipality="São Paulo")), D("10000.00"))
    assert [(line.tax, line.value, line.withheld) for line in lines] == [
        (Tax.IRRF, D("150.00"), True), (Tax.PIS, D("65.00"), True), (Tax.COFINS, D("300.00"), True),
        (Tax.CSLL, D("100.00"), True), (Tax.ISS, D("200.00"), True)]
    assert total_withheld(lines) == D("815.00")


def test_a_small_payment_keeps_the_lines_it_does_not_withhold():
    """R$ 1.234,57: IRRF 18,52; PIS 8,02 not withheld; COFINS 37,04; CSLL 12,35; ISS (Rio, 5 %) 61,73."""
    lines = lines_by_tax(profile_for(provider(municipality="Rio de Janeiro")), "1234.57")
    assert {tax: (line.computed, line.value) for tax, line in lines.items()} == {
        Tax.IRRF: (D("18.52"), D("18.52")),
        Tax.PIS: (D("8.02"), D("0.00")),
        Tax.COFINS: (D("37.04"), D("37.04")),
        Tax.CSLL: (D("12.35"), D("12.35")),
        Tax.ISS: (D("61.73"), D("61.73")),
    }
    assert total_withheld(list(lines.values())) == D("129.64")
    assert lines[Tax.PIS].withheld is False and lines[Tax.PIS].short_label == "PIS"
    assert lines[Tax.IRRF].label == "Imposto de Renda Retido na Fonte"


def test_nothing_to_withhold_on_a_small_base_and_a_negative_base_is_a_bug():
    lines = withholdings(TaxProfile(), D("100.00"))
    assert total_withheld(lines) == D("0.00") and not any(line.withheld for line in lines)
    assert [line.computed for line in lines] == [D("1.50"), D("0.65"), D("3.00"), D("1.00"), D("2.00")]
    with pytest.raises(ValueError):
        withholdings(TaxProfile(), D("-1"))
