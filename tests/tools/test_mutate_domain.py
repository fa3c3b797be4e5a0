"""The mutation tool itself: it makes the mutants it says, and runs the tests that cover a module."""

from __future__ import annotations

from tests.tools.mutate_domain import covering_tests, mutants


def test_every_comparison_operator_and_small_int_is_mutated_once() -> None:
    found = {(line, what): source for line, what, source in mutants("def f(x):\n    return x + 1 < 2\n")}
    assert set(found) == {(2, "Lt -> LtE"), (2, "Add -> Sub"), (2, "1 -> 2"), (2, "2 -> 3")}
    assert "x + 1 <= 2" in found[(2, "Lt -> LtE")]
    assert "x - 1 < 2" in found[(2, "Add -> Sub")]
    assert "x + 2 < 2" in found[(2, "1 -> 2")]


def test_a_module_s_own_tests_run_first_and_digest_modules_run_the_services_tests() -> None:
    pricing = covering_tests("pricing")
    assert {"tests/unit/test_pricing.py", "tests/unit/test_prices.py"} <= set(pricing[:-1])
    assert pricing[-1] == "tests/unit"
    assert "tests/services" not in pricing
    assert "tests/unit/test_quotes.py" in covering_tests("advice")
    digest = covering_tests("digest")
    assert digest[-2:] == ["tests/unit", "tests/services"]
    assert "tests/services/test_reporting_digest.py" in digest
