"""The conformance checker itself: it must catch what the clients' parsers would choke on."""

from __future__ import annotations

from typing import Any

from tests.conformance.replay import Document, Read, check_answer, parse_answer


def _document(*reads: tuple[str, str], error: dict[str, str] | None = None, status: int = 200) -> Document:
    return Document(name="d", source="f.go:1", commit=None, document="{ x }", variables=None,
                    sends_variables=False, auth="bearer", advance=0, poll=None, status=status, error=error,
                    reads=tuple(Read(path, type_, "f.go:2") for path, type_ in reads), save={})


def _check(document: Document, text: str, numbers: str = "python", status: int = 200) -> list[str]:
    body: Any = parse_answer(text)
    return check_answer(document, status, body, numbers=numbers)


def test_a_whole_float_at_an_int_path_is_caught_and_an_integer_passes() -> None:
    document = _document(("data.myself.pods[].memoryInGb", "int"))
    assert _check(document, '{"data": {"myself": {"pods": [{"memoryInGb": 31}]}}}') == []
    [problem] = _check(document, '{"data": {"myself": {"pods": [{"memoryInGb": 31}, {"memoryInGb": 31.0}]}}}')
    assert "data.myself.pods[1].memoryInGb is a float" in problem


def test_a_go_client_flags_whole_floats_anywhere_but_takes_fractions() -> None:
    document = _document()
    assert _check(document, '{"data": {"pod": {"costPerHr": 0.69}}}', numbers="go") == []
    [problem] = _check(document, '{"data": {"pod": {"costPerHr": 1.0}}}', numbers="go")
    assert problem.startswith("data.pod.costPerHr")
    assert _check(document, '{"data": {"pod": {"costPerHr": 1.0}}}', numbers="python") == []


def test_any_errors_key_fails_even_an_empty_one() -> None:
    document = _document()
    assert _check(document, '{"data": {}}') == []
    assert _check(document, '{"data": {}, "errors": []}') != []


def test_an_expected_error_must_say_exactly_what_the_client_matches() -> None:
    document = _document(error={"message": "pod not found to terminate"})
    assert _check(document, '{"data": null, "errors": [{"message": "pod not found to terminate"}]}') == []
    assert _check(document, '{"data": null, "errors": [{"message": "Pod abc not found."}]}') != []
    coded = _document(error={"code": "Cluster not found"})
    assert _check(coded, '{"errors": [{"message": "x", "extensions": {"code": "Cluster not found"}}]}') == []
    assert _check(coded, '{"errors": [{"message": "x", "extensions": {"code": "RUNPOD"}}]}') != []


def test_missing_paths_empty_lists_nulls_and_statuses_are_caught() -> None:
    document = _document(("data.pod.runtime.ports[].publicPort", "int"), ("data.pod.name", "?str"))
    good = '{"data": {"pod": {"name": null, "runtime": {"ports": [{"publicPort": 40022}]}}}}'
    assert _check(document, good) == []
    assert _check(document, '{"data": {"pod": {"name": "p", "runtime": {"ports": []}}}}') != []
    assert _check(document, '{"data": {"pod": {"name": "p", "runtime": null}}}') != []
    assert _check(document, '{"data": {"pod": {"runtime": {"ports": [{"publicPort": 1}]}}}}') != []
    assert _check(document, good, status=401) != []
