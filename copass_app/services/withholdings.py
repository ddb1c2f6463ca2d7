"""Retenções na fonte on a payment to a provider: IRRF, PIS, COFINS, CSLL and ISS.

Pure arithmetic, no database: a provider's tax profile (rates in percent) and the base of the
payment in, one line per tax out. Each tax is the base times its rate rounded half-up to the cent
(as an invoice rounds), and a tax of R$ 10,00 or less is not withheld: its line is still shown,
with the amount it would have been, so the provider sees why nothing was kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from copass_app.dbtypes import CENT
from copass_app.models import Provider, Tax
from copass_app.text import fold
from copass_app.vocabulary import TAX

# At or below this a tax is not withheld (dispensa de retenção de valor igual ou inferior a R$ 10,00).
MINIMUM_WITHHOLDING = Decimal("10.00")

# Rates for health services (pessoa jurídica) when the provider's row leaves them empty.
DEFAULT_RATES: dict[Tax, Decimal] = {
    Tax.IRRF: Decimal("1.5"),
    Tax.PIS: Decimal("0.65"),
    Tax.COFINS: Decimal("3"),
    Tax.CSLL: Decimal("1"),
}
DEFAULT_ISS = Decimal("2")
# ISS on health services by municipality (folded name); anywhere else the default, and a clinic
# whose municipality charges otherwise has its own iss_rate on its row.
ISS_BY_MUNICIPALITY: dict[str, Decimal] = {
    "sao paulo": Decimal("2"),
    "rio de janeiro": Decimal("5"),
    "belo horizonte": Decimal("3"),
    "curitiba": Decimal("2"),
    "porto alegre": Decimal("4"),
}
TAX_ORDER: tuple[Tax, ...] = (Tax.IRRF, Tax.PIS, Tax.COFINS, Tax.CSLL, Tax.ISS)


@dataclass(frozen=True)
class TaxProfile:
    """Withholding rates in percent (1.5 = 1,5 %)."""

    irrf: Decimal = DEFAULT_RATES[Tax.IRRF]
    pis: Decimal = DEFAULT_RATES[Tax.PIS]
    cofins: Decimal = DEFAULT_RATES[Tax.COFINS]
    csll: Decimal = DEFAULT_RATES[Tax.CSLL]
    iss: Decimal = DEFAULT_ISS
    municipality: str = ""

    def rate(self, tax: Tax) -> Decimal:
        return getattr(self, Tax(tax).value.lower())


@dataclass(frozen=True)
class WithholdingLine:
    tax: Tax
    base: Decimal
    rate_percent: Decimal
    value: Decimal  # what is withheld: 0 when the tax is R$ 10,00 or less
    withheld: bool

    @property
    def computed(self) -> Decimal:
        """The tax before the R$ 10,00 rule (what a line that is not withheld would have been)."""
        return tax_amount(self.base, self.rate_percent)

    @property
    def label(self) -> str:
        return TAX.label(self.tax)

    @property
    def short_label(self) -> str:
        return TAX[self.tax].short_label


def iss_rate_for(municipality: str) -> Decimal:
    return ISS_BY_MUNICIPALITY.get(fold(municipality or ""), DEFAULT_ISS)


def profile_for(provider: Provider) -> TaxProfile:
    """The provider's own rates where its row has them; the defaults (ISS by municipality) elsewhere."""
    def own(value: Decimal | None, default: Decimal) -> Decimal:
        return default if value is None else Decimal(value)

    return TaxProfile(
        irrf=own(provider.irrf_rate, DEFAULT_RATES[Tax.IRRF]),
        pis=own(provider.pis_rate, DEFAULT_RATES[Tax.PIS]),
        cofins=own(provider.cofins_rate, DEFAULT_RATES[Tax.COFINS]),
        csll=own(provider.csll_rate, DEFAULT_RATES[Tax.CSLL]),
        iss=own(provider.iss_rate, iss_rate_for(provider.municipality)),
        municipality=provider.municipality or "",
    )


def tax_amount(base: Decimal, rate_percent: Decimal) -> Decimal:
    """base × rate %, rounded half-up to the cent (exact: Decimal all the way)."""
    return (Decimal(base) * Decimal(rate_percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def withholdings(profile: TaxProfile, base: Decimal) -> list[WithholdingLine]:
    """One line per tax, in the order the demonstrativo lists them."""
    base = Decimal(base).quantize(CENT, rounding=ROUND_HALF_UP)
    if base < 0:
        raise ValueError("a base de retenção não pode ser negativa")
    lines = []
    for tax in TAX_ORDER:
        rate = profile.rate(tax)
        amount = tax_amount(base, rate)
        withheld = amount > MINIMUM_WITHHOLDING
        lines.append(WithholdingLine(tax=tax, base=base, rate_percent=rate,
                                     value=amount if withheld else Decimal("0.00"), withheld=withheld))
    return lines


def total_withheld(lines: list[WithholdingLine]) -> Decimal:
    return sum((line.value for line in lines), Decimal("0.00"))
