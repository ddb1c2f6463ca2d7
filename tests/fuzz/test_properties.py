"""Hostile input, property by property: what people type, the search fields, the XML pipeline and
check 6 never end in an unhandled exception, a leak of a server file or unbounded memory.

Budgets are small so `make test` stays fast; scripts/fuzz.py runs the same checks for longer."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copass_app import formatting
from copass_app.services import typed_input
from tests.fuzz import checks
from tests.fuzz.strategies import external_entity, hostile_text, typed_value, xml_input
from tests.fuzz.worlds import rules_lot

FAST = settings(max_examples=300, deadline=None, database=None)
WITH_DB = settings(max_examples=60, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FAST
@given(typed_value())
def test_typed_input_gives_a_value_in_bounds_or_a_refusal_naming_the_field(value):
    checks.check_typed_input(value)


money_values = st.decimals(min_value=0, max_value=typed_input.MAX_MONEY, places=2)
quantity_values = st.decimals(min_value=Decimal("0.0001"), max_value=typed_input.MAX_QUANTITY, places=4)


@FAST
@given(money_values)
def test_money_shown_is_money_parsed(value):
    assert typed_input.parse_money(formatting.money(value)) == value


@FAST
@given(quantity_values)
def test_quantity_shown_is_quantity_parsed(value):
    assert typed_input.parse_quantity(formatting.quantity(value)) == value


@FAST
@given(st.dates())
def test_date_shown_is_date_parsed_within_the_years_accepted(day):
    shown = formatting.date_br(day)
    if typed_input.MIN_YEAR <= day.year <= typed_input.MAX_YEAR:
        assert typed_input.parse_date(shown) == day
    else:
        checks.check_typed_input(shown)


@WITH_DB
@given(term=hostile_text(max_size=80))
def test_search_fields_take_any_text(worlds, term):
    search_world, _ = worlds
    checks.check_search(search_world, term)


def test_guide_number_filter_with_a_lone_surrogate_finds_nothing(worlds):
    search_world, _ = worlds
    checks.check_search(search_world, "123\ud800", fields={"guides.guide_number"})


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_xml_pipeline_answers_every_input_with_coded_issues_and_leaks_nothing(marker_file, data):
    checks.check_xml(data.draw(xml_input(marker_file)))


def test_external_entity_to_a_server_file_is_refused_without_reading_it(marker_file):
    result = checks.check_xml(external_entity(marker_file))
    assert not result.valid


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_memory_while_validating_stays_bounded(marker_file, data):
    sample = data.draw(xml_input(marker_file))
    checks.check_xml_memory(sample)


@WITH_DB
@given(data=st.data())
def test_lot_rules_on_mutated_schema_valid_lots_give_only_lot_issues(worlds, data):
    _, rules_world = worlds
    checks.check_rules(rules_world, data.draw(rules_lot(rules_world.lot)))
