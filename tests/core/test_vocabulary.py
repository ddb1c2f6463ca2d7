"""One vocabulary per domain enum: every value has its label, colour and TISS code once."""

import pytest

from copass_app.models import BatchOrigin, BatchStatus, GuideStatus, GuideType
from copass_app.vocabulary import (
    BATCH_ORIGIN,
    BATCH_STATUS,
    GUIDE_SITUATION,
    GUIDE_STATUS,
    GUIDE_TYPE,
    SITUATION_OF_STATUS,
    GuideSituation,
)


@pytest.mark.parametrize("vocabulary, enum", [
    (BATCH_STATUS, BatchStatus), (BATCH_ORIGIN, BatchOrigin), (GUIDE_TYPE, GuideType),
    (GUIDE_STATUS, GuideStatus), (GUIDE_SITUATION, GuideSituation),
])
def test_every_value_of_the_enum_has_one_term(vocabulary, enum):
    assert {term.value for term in vocabulary} == {member.value for member in enum}
    assert all(term.label and term.color for term in vocabulary)


def test_batch_statuses_carry_their_tiss_dm_status_protocolo_code_and_all_appear_in_the_filter():
    assert [term.tiss_code for term in BATCH_STATUS] == ["1", "2", "3", "4", "5", "6", "9"]
    assert BATCH_STATUS.label(BatchStatus.CANCELADO) == "Cancelado (estornado)"
    assert BATCH_STATUS.label("6") == "Pagamento efetuado"
    options = dict(BATCH_STATUS.options())
    assert options["4"] == "Encerrado sem pagamento" and options["5"] == "Aguardando liberação"
    assert set(BATCH_STATUS.colors()) == set(options)


def test_each_tiss_guide_status_belongs_to_exactly_one_situation():
    assert set(SITUATION_OF_STATUS) == set(GuideStatus)
    assert SITUATION_OF_STATUS[GuideStatus.AUTORIZADO_PARCIALMENTE] == GuideSituation.AUTORIZADA


def test_unknown_values_are_not_in_a_vocabulary():
    assert "7" not in BATCH_STATUS and "FAX" not in BATCH_ORIGIN
