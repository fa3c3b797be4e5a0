"""One REST v2 call as the handlers see it, the problem it may end in, and body checking.

REST v2 answers every error as RFC 9457 ``application/problem+json`` (``title``,
``status``, ``detail``, optional ``errors``). Handlers raise `Problem`; a world refusal
(`SimError`) becomes one through `refused`. Request bodies are checked against a small
field spec (`check`) that names every unknown or mistyped field, because V2 "rejects
unknown request fields by name" with a 422, never silently ignoring a typo.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from podwarden.sim import errors

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = ["TITLES", "VALIDATION_FAILED", "Answer", "Call", "Problem", "Spec", "check", "refused", "require"]

TITLES = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
          500: "Internal Server Error"}
VALIDATION_FAILED = "Request validation failed."

# A field's kind: a scalar kind name, a nested object's spec, or [spec] for a list of objects.
Spec = Mapping[str, "str | Spec | list[Spec]"]
_SCALARS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "strlist": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "strmap": lambda v: isinstance(v, dict) and all(isinstance(i, str) for i in v.values()),
    "any": lambda v: True,
}


class Problem(Exception):
    """End the call with a problem+json answer."""

    def __init__(self, status: int, detail: str, *, problems: list[str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problems = problems
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": TITLES.get(self.status, "Error"), "status": self.status,
                               "detail": self.detail}
        if self.problems:
            out["errors"] = self.problems
        return out


@dataclass(frozen=True)
class Answer:
    """A successful answer; `body` None means no content (204)."""

    status: int
    body: Any = None


@dataclass(frozen=True)
class Call:
    world: World
    method: str
    ids: tuple[str, ...]  # the path's {id} parts, in order
    query: Mapping[str, list[str]]
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.ids[0]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def body(self, spec: Spec) -> dict[str, Any]:
        """The JSON object sent, checked against `spec` (422 naming each field that does not fit)."""
        try:
            data = json.loads(self.content or b"{}")
        except ValueError:
            raise Problem(400, "request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise Problem(422, VALIDATION_FAILED, problems=["body: must be a JSON object"])
        problems = check(data, spec)
        if problems:
            raise Problem(422, VALIDATION_FAILED, problems=problems)
        return data


def check(data: Mapping[str, Any], spec: Spec, prefix: str = "") -> list[str]:
    """Every field of `data` not in `spec`, or not of its kind; null counts as absent."""
    problems: list[str] = []
    for name, value in data.items():
        where = f"{prefix}{name}"
        kind = spec.get(name)
        if kind is None:
            problems.append(f"{where}: unknown field")
        elif value is None:
            continue
        elif isinstance(kind, str):
            if not _SCALARS[kind](value):
                problems.append(f"{where}: expected {kind}")
        elif isinstance(kind, list):
            if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
                problems.append(f"{where}: expected a list of objects")
            else:
                for index, item in enumerate(value):
                    problems += check(item, kind[0], f"{where}[{index}].")
        elif not isinstance(value, dict):
            problems.append(f"{where}: expected an object")
        else:
            problems += check(value, kind, f"{where}.")
    return problems


def require(data: Mapping[str, Any], *names: str) -> None:
    missing = [f"{n}: required" for n in names if data.get(n) in (None, "")]
    if missing:
        raise Problem(422, VALIDATION_FAILED, problems=missing)


_MONEY_REFUSALS = ("Insufficient balance", "Spend limit exceeded")  # errors.insufficient_balance/spend_limit_exceeded


def refused(exc: errors.SimError) -> Problem:
    """A world refusal as V2 answers it: money 402, a missing thing 404, any other rule 400,
    with the same text GraphQL gives (so "no longer any instances available" reads the same)."""
    if exc.message.startswith(_MONEY_REFUSALS):
        return Problem(402, exc.message)
    if isinstance(exc, errors.NotFoundError):
        return Problem(404, exc.message)
    return Problem(400, exc.message)
