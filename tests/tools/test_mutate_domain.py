"""The mutation tool itself: it makes the mutants it says, and runs the tests that cover a module."""

from __future__ import annotations

from tests.tools.mutate_domain import covering_tests, mutants, wider_tests


def test_every_comparison_operator_and_small_int_is_mutated_once() -> None:
    found = {(line, what): source for line, what, source in mutants("def f(x):\n    return x + 1 < 2\n")}
    assert set(found) == {(2, "Lt -> LtE"), (2, "Add -> Sub"), (2, "1 -> 2"), (2, "2 -> 3")}
    assert "x + 1 <= 2" in found[(2, "Lt -> LtE")]
    assert "x - 1 < 2" in found[(2, "Add -> Sub")]
    assert "x + 2 < 2" in found[(2, "1 -> 2")]


def test_a_dropped_not_a_swapped_and_a_flipped_flag_and_is_none_are_mutants_too() -> None:
    source = "def f(x, y):\n    return not x and y is None or True\n"
    found = {what: text for _, what, text in mutants(source)}
    assert set(found) == {"Or -> And", "And -> Or", "not x -> x", "Is -> IsNot", "True -> False"}
    assert "return x and y is None or True" in found["not x -> x"]
    assert "y is not None" in found["Is -> IsNot"]
    assert found["True -> False"].rstrip().endswith("or False")


def test_a_module_s_own_unit_tests_run_first_and_the_wider_stage_reaches_the_services() -> None:
    pricing = covering_tests("pricing")
    assert {"tests/unit/test_pricing.py", "tests/unit/test_prices.py"} <= set(pricing[:-1])
    assert "tests/unit/test_quotes.py" in pricing  # quotes are built on pricing
    assert "tests/unit/test_lifecycle.py" not in pricing
    assert "tests/unit/test_quotes.py" in covering_tests("advice")
    digest = wider_tests("digest")
    assert "tests/services/test_reporting_digest.py" in digest
    assert not any(path.startswith("tests/unit") for path in digest)
    assert "tests/services/test_lifecycle_tick.py" in wider_tests("idle")  # idle reaches the tick through lifecycle


def test_a_decorator_s_flags_are_not_mutated() -> None:
    found = [(line, what) for line, what, _ in mutants("@dataclass(frozen=True)\nclass C:\n    x: bool = True\n")]
    assert found == [(3, "True -> False")]
