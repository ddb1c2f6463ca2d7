"""Fixtures for report tests: realistic protocol and error report data."""

from __future__ import annotations

import pytest

from .samples import make_error_report, make_guide, make_protocol


@pytest.fixture
def small_protocol():
    guides = [
        make_guide(1, "João Conceição", "1234.56"),
        make_guide(2, "Maria Antônia Gonçalves", "100.00"),
        make_guide(3, "Zé Araújo", "0.44"),
    ]
    return make_protocol(guides)


@pytest.fixture
def big_protocol():
    return make_protocol([make_guide(i) for i in range(1, 101)])


@pytest.fixture
def error_report():
    return make_error_report()
