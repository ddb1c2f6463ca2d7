from datetime import date, timedelta
from decimal import Decimal

import pytest

from copass_app.models import GuideStatus, Role
from copass_app.services import guides
from copass_app.services.errors import DomainError, NotFound, PermissionDenied
from copass_app.services.guides import GuideFilters
from copass_app.services.providers import list_providers


@pytest.fixture
def clinic(factory):
    provider = factory.provider(name="Clínica A")
    return provider, factory.actor(provider)


def test_every_tiss_status_belongs_to_exactly_one_provider_group():
    from copass_app.vocabulary import STATUSES_OF_SITUATION

    members = [s for group in STATUSES_OF_SITUATION.values() for s in group]
    assert sorted(members) == sorted(GuideStatus)


def test_counts_per_status_group(factory, db, clinic):
    provider, actor = clinic
    for status in (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE, GuideStatus.NEGADO,
                   GuideStatus.EM_ANALISE, GuideStatus.AGUARDANDO_DOCUMENTACAO, GuideStatus.CANCELADA):
        factory.guide(provider, status=status)
    page = guides.list_guides(db, actor)
    assert page.counts == {"autorizada": 2, "nao_autorizada": 1, "pendente": 1, "negada": 1, "cancelada": 1}
    assert page.total == 6


def test_filter_by_status_lists_only_that_group_and_keeps_all_counts(factory, db, clinic):
    provider, actor = clinic
    denied = factory.guide(provider, status=GuideStatus.NEGADO)
    factory.guide(provider, status=GuideStatus.AUTORIZADO)
    page = guides.list_guides(db, actor, GuideFilters(status_group="negada"))
    assert [row.id for row in page.rows] == [denied.id]
    assert page.rows[0].situation == "negada"
    assert page.counts["autorizada"] == 1


def test_filter_by_beneficiary_name_ignores_accents_and_case(factory, db, clinic):
    provider, actor = clinic
    target = factory.guide(provider, beneficiary=factory.beneficiary("Maria da Conceição Simões"))
    factory.guide(provider, beneficiary=factory.beneficiary("José Pereira"))
    page = guides.list_guides(db, actor, GuideFilters(beneficiary="conceicao SIMOES"))
    assert [row.id for row in page.rows] == [target.id]
    assert page.rows[0].beneficiary_name == "Maria da Conceição Simões"


def test_filter_by_card_number(factory, db, clinic):
    provider, actor = clinic
    beneficiary = factory.beneficiary("Ana Lima")
    target = factory.guide(provider, beneficiary=beneficiary)
    factory.guide(provider)
    page = guides.list_guides(db, actor, GuideFilters(beneficiary=beneficiary.card_number))
    assert [row.id for row in page.rows] == [target.id]


def test_filter_by_guide_number_provider_or_operator(factory, db, clinic):
    provider, actor = clinic
    target = factory.guide(provider)
    factory.guide(provider)
    for number in (target.provider_guide_number, target.operator_guide_number):
        page = guides.list_guides(db, actor, GuideFilters(guide_number=number))
        assert [row.id for row in page.rows] == [target.id]


def test_filter_by_period_of_request(factory, db, clinic):
    provider, actor = clinic
    old = factory.guide(provider, requested_on=date(2026, 1, 10))
    factory.guide(provider, requested_on=date(2026, 3, 10))
    page = guides.list_guides(db, actor, GuideFilters(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)))
    assert [row.id for row in page.rows] == [old.id]


def test_inverted_period_is_refused(db, clinic):
    _, actor = clinic
    with pytest.raises(DomainError, match="data inicial"):
        guides.list_guides(db, actor, GuideFilters(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1)))


def test_unknown_status_group_is_refused(db, clinic):
    _, actor = clinic
    with pytest.raises(DomainError, match="Situação"):
        guides.list_guides(db, actor, GuideFilters(status_group="aprovada"))


def test_paging_and_sorting_happen_in_the_database(factory, db, clinic):
    provider, actor = clinic
    base = date(2026, 5, 1)
    created = [factory.guide(provider, requested_on=base + timedelta(days=i)) for i in range(7)]
    first = guides.list_guides(db, actor, page=1, page_size=3)
    last = guides.list_guides(db, actor, page=3, page_size=3)
    assert first.total == 7 and first.page_count == 3
    assert [r.id for r in first.rows] == [g.id for g in reversed(created)][:3]
    assert [r.id for r in last.rows] == [created[0].id]
    ascending = guides.list_guides(db, actor, page=1, page_size=3, sort="requested_on", descending=False)
    assert [r.id for r in ascending.rows] == [g.id for g in created[:3]]
    beyond = guides.list_guides(db, actor, page=99, page_size=3)
    assert beyond.page == 3


def test_sort_by_value(factory, db, clinic):
    provider, actor = clinic
    cheap = factory.guide(provider, items=[("22", "10101012", "Consulta", Decimal(1), Decimal("10.00"))])
    dear = factory.guide(provider, items=[("22", "10101012", "Consulta", Decimal(1), Decimal("999.99"))])
    page = guides.list_guides(db, actor, sort="total", descending=True)
    assert [r.id for r in page.rows] == [dear.id, cheap.id]
    assert page.rows[0].total_value == Decimal("999.99")


def test_provider_never_lists_another_providers_guides(factory, db):
    provider_a, provider_b = factory.provider(name="A"), factory.provider(name="B")
    actor_a = factory.actor(provider_a)
    own = factory.guide(provider_a)
    foreign = factory.guide(provider_b)
    page = guides.list_guides(db, actor_a)
    assert [r.id for r in page.rows] == [own.id]
    page = guides.list_guides(db, actor_a, GuideFilters(guide_number=foreign.provider_guide_number))
    assert page.rows == [] and page.total == 0


def test_provider_cannot_open_another_providers_guide_even_by_id(factory, db):
    provider_a, provider_b = factory.provider(name="A"), factory.provider(name="B")
    actor_a = factory.actor(provider_a)
    foreign = factory.guide(provider_b)
    with pytest.raises(NotFound, match="Guia não encontrada"):
        guides.get_guide(db, actor_a, foreign.id)


def test_guide_detail_has_items_and_history(factory, db, clinic):
    provider, actor = clinic
    guide = factory.guide(provider, status=GuideStatus.NEGADO, items=[
        ("22", "40301630", "Hemograma", Decimal(1), Decimal("25.50")),
        ("22", "40302040", "Glicose", Decimal(2), Decimal("8.10")),
    ])
    detail = guides.get_guide(db, actor, guide.id)
    assert [item.code for item in detail.items] == ["40301630", "40302040"]
    assert detail.history[-1].status == GuideStatus.NEGADO
    assert detail.guide.total_value == Decimal("41.70")


def test_staff_cannot_use_the_provider_guide_list(factory, db):
    staff = factory.actor(role=Role.STAFF)
    with pytest.raises(PermissionDenied):
        guides.list_guides(db, staff)


def test_provider_users_cannot_list_all_providers(factory, db, clinic):
    _, actor = clinic
    with pytest.raises(PermissionDenied, match="equipe da operadora"):
        list_providers(db, actor)


def test_staff_sees_every_provider_with_guide_counts(factory, db):
    provider = factory.provider(name="Hospital Z")
    factory.guide(provider)
    staff = factory.actor(role=Role.STAFF)
    summaries = list_providers(db, staff)
    assert [(s.name, s.guide_count) for s in summaries] == [("Hospital Z", 1)]
