"""Every input the fuzzer (or a person) once broke the portal with, replayed against the same checks."""

from __future__ import annotations

import pytest

from tests.fuzz import checks, regressions

CASES = regressions.saved()


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_saved_finding_no_longer_breaks_the_portal(path, request):
    target, value = regressions.decode(path)
    if target == "xml":
        checks.check_xml(value)
    elif target == "input":
        checks.check_typed_input(value)
    else:
        search_world, rules_world = request.getfixturevalue("worlds")
        if target == "search":
            checks.check_search(search_world, value)
        else:
            checks.check_rules(rules_world, value)


def test_regressions_folder_is_replayed():
    assert regressions.FOLDER.is_dir()
