"""Ids and page numbers come from the browser: anything odd is a record that does not exist."""

import pytest

from copass_app.services.errors import NotFound
from copass_app.state.auth import page_number, record_id


@pytest.mark.parametrize("sent", ["²", "٣", "1" * 23, "-1", "1e3", "", " ", "12a", None, "9" * 19])
def test_odd_ids_are_not_found_never_a_crash(sent):
    # "²".isdigit() is True and int("²") raises ValueError; 23 digits overflowed SQLite's integer.
    with pytest.raises(NotFound, match="Registro não encontrado"):
        record_id(sent)


def test_plain_ids_pass():
    assert record_id(" 42 ") == 42 and record_id(7) == 7


@pytest.mark.parametrize("sent, expected", [("3", 3), ("²", 1), ("1" * 23, 1), ("0", 1), ("99", 5), (None, 1)])
def test_page_numbers_stay_within_the_list(sent, expected):
    assert page_number(sent, 5) == expected
