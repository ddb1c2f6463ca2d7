"""Each defect the fuzzer found, as a user (or a provider's system) would meet it.

Every test here failed before its fix; the raw inputs are also kept in regressions/."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from copass_app.services.errors import DomainError
from copass_app.services.guides import GuideFilters, list_guides
from copass_app.services.typed_input import parse_money, parse_quantity
from copass_app.tiss import codes
from copass_app.tiss.validation import validate_lot
from tests.fuzz.strategies import CORPUS

SADT = (CORPUS / "valido_sadt_iso8859-1.xml").read_bytes()


def _with_value(data: bytes, tag: bytes, value: bytes) -> bytes:
    found = re.search(rb"<ans:" + tag + rb">([^<]*)<", data)
    return data[: found.start(1)] + value + data[found.end(1):]


@pytest.mark.parametrize("typed", ["1" * 30, "100000000000000000000000000", "9" * 5000])
def test_a_pasted_huge_number_is_refused_as_over_the_tiss_maximum(typed):
    # Was decimal.InvalidOperation (quantize past 28 digits): a toast with no Portuguese in it.
    with pytest.raises(DomainError, match="Valor unitário: o valor ultrapassa o máximo"):
        parse_money(typed, "Valor unitário")
    with pytest.raises(DomainError, match="Quantidade: a quantidade máxima é 99.999,9999"):
        parse_quantity(typed, "Quantidade")


def test_zeros_past_the_fourth_decimal_of_a_quantity_are_dropped():
    assert parse_quantity("1,500000") == Decimal("1.5")
    assert parse_quantity(Decimal("0.365900")).as_tuple().exponent == -4
    assert str(parse_quantity("2")) == "2"  # what was typed without decimals stays so


def test_an_encoding_name_with_a_nul_is_refused_as_an_encoding_not_accepted():
    # Was ValueError('embedded null character') out of codecs.lookup.
    result = validate_lot(b'<?xml version="1.0" encoding="utf-8\x00"?><ans:mensagemTISS/>')
    assert [issue.code for issue in result.errors] == [codes.CANNOT_VALIDATE]
    assert "Codificação 'utf-8' não aceita" in result.errors[0].message
    assert "\x00" not in result.errors[0].message


@pytest.mark.parametrize("tag", [b"valorTotalGeral", b"valorTotal", b"valorProcedimentos"])
@pytest.mark.parametrize("value", [b"1E+30", b"1E+999999", b"9" * 32 + b".99", b"1E-999999"])
def test_an_absurd_money_value_in_a_lot_is_a_schema_error_not_a_crash(tag, value):
    # Was decimal.InvalidOperation from the totals' sum or from money() in the 5042 message.
    result = validate_lot(_with_value(SADT, tag, value))
    found = [issue.code for issue in result.errors]
    assert codes.CANNOT_VALIDATE in found and codes.GUIDE_TOTAL_MISMATCH not in found
    assert any("valor" in issue.message for issue in result.errors)


def test_a_lone_surrogate_in_the_beneficiary_search_is_ignored(db, factory):
    # A JSON string from the browser may carry '\ud800'; SQLite raised UnicodeEncodeError on it.
    clinic = factory.provider()
    factory.guide(clinic, beneficiary=factory.beneficiary("Zoë Antunes"))
    factory.guide(clinic, beneficiary=factory.beneficiary("Mário Lopes"))
    actor = factory.actor(clinic)
    found = list_guides(db, actor, GuideFilters(beneficiary="zo\ud800e"))
    assert [row.beneficiary_name for row in found.rows] == ["Zoë Antunes"]
    found = list_guides(db, actor, GuideFilters(beneficiary="Zoë\x00"))
    assert [row.beneficiary_name for row in found.rows] == ["Zoë Antunes"]


_RSS_PROBE = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from copass_app.tiss.validation import validate_lot
    sample = Path(sys.argv[1]).read_bytes()
    validate_lot(sample)  # schema loaded, caches warm
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    depth = 60_000
    nested = sample.replace(b"<ans:epilogo>", b"<ans:a>" * depth + b"</ans:a>" * depth + b"<ans:epilogo>")
    attribute = sample.replace(b"<ans:epilogo>", b'<ans:epilogo x="' + b"A" * 980_000 + b'">')
    many = sample.replace(b"<ans:epilogo>", b"<ans:b>1</ans:b>" * 55_000 + b"<ans:epilogo>")
    for data in (nested, attribute, many):
        assert len(data) <= 1_000_000, len(data)
        result = validate_lot(data)
        assert result.errors, "hostile input accepted"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) * 1024, after * 1024)
""")


def test_hostile_xml_up_to_1_mb_does_not_grow_the_process_by_50_mb():
    """libxml2 allocates outside Python (tracemalloc cannot see it): the peak RSS of a fresh process."""
    done = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(CORPUS / "valido_sadt_iso8859-1.xml")],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    growth, _ = (int(n) for n in done.stdout.split())
    assert growth < 50_000_000


def test_a_total_off_by_a_fraction_of_a_cent_shows_both_exact_values():
    # Was "o valor total informado (R$ 27,60) é diferente da soma dos itens (R$ 27,60)".
    declared = re.search(rb"<ans:valorTotalGeral>([^<]*)<", SADT).group(1)
    result = validate_lot(_with_value(SADT, b"valorTotalGeral", declared + b"1"))
    message = next(issue.message for issue in result.errors if issue.code == codes.GUIDE_TOTAL_MISMATCH)
    shown = declared.decode().replace(".", ",")
    assert f"(R$ {shown}1) é diferente da soma dos itens (R$ {shown})" in message
