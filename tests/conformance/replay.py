"""Replaying a client's recorded GraphQL documents against `podwarden sim`, and judging the answers.

Each ``*.yaml`` beside this module is one client: the repository and commit its documents
were taken from, how it authenticates, how it parses numbers, and the documents in the
order a user session sends them. A document entry holds:

``name``, ``source``, ``commit``
    what the client calls it and where it is (``path:line`` at the recorded commit, or at
    the document's own ``commit`` where the client's files were recorded at different ones).
``document``, ``variables``
    the document token for token (rendered, for clients that build documents with a
    generator: ``source`` then names the generator and ``arguments`` its inputs) and the
    variables the client sends; ``variables`` absent means the client sends none.
    ``${name}`` is replaced by a value an earlier document saved.
``auth``
    ``bearer`` (default) or ``none`` (the client sends no key at all).
``advance``, ``poll``
    simulated seconds to let pass before sending; or send again every ``every`` seconds
    until ``path`` is not null (at most ``attempts`` times), as a client polling for SSH
    ports does.
``expect``
    ``status`` (200), ``error`` (``message`` and/or ``code``: ``errors[0]`` must say exactly
    that; without it the answer must have no ``errors`` key at all, as dstack and SkyPilot
    raise on any, even ``[]``), and ``reads``: the paths the client code reads, each with
    the type it needs and the client's ``file:line``.
``save``
    ``{name: path}``: values later documents use.
``fails_on_runpod``
    why a document the client really sends fails against RunPod itself (a mutation RunPod
    does not have); ``expect`` then names the failure RunPod answers with, and the
    simulator answers the same rather than inventing the API.

Paths are dotted; ``name[]`` steps into every element of a list, which must not be empty.
Types: ``str``, ``int`` (a JSON integer: Go's ``int`` refuses ``31.0``, and Python's
``range`` a float), ``number``, ``bool``, ``list``, ``object``, ``null``; a leading ``?``
allows null too. For a client with ``numbers: go`` any whole number written as a float
(``31.0``) anywhere in the answer is flagged as well: RunPod's server never writes one, and
Go decodes it into an ``int`` field only by refusing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

__all__ = ["HERE", "Client", "Document", "Outcome", "check_answer", "load_clients", "parse_answer", "replay"]

HERE = Path(__file__).parent
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class JsonFloat(float):
    """A JSON number written with a fraction or an exponent (``31.0``), which Go's ``int`` refuses."""


def parse_answer(text: str) -> Any:
    return json.loads(text, parse_float=JsonFloat)


@dataclass(frozen=True)
class Read:
    path: str
    type: str
    at: str


@dataclass(frozen=True)
class Document:
    name: str
    source: str
    commit: str | None
    document: str
    variables: Any
    sends_variables: bool
    auth: str
    advance: float
    poll: Mapping[str, Any] | None
    status: int
    error: Mapping[str, str] | None
    reads: tuple[Read, ...]
    save: Mapping[str, str]
    fails_on_runpod: str = ""


@dataclass(frozen=True)
class Client:
    name: str
    repository: str
    commit: str
    numbers: str
    documents: tuple[Document, ...]


@dataclass
class Outcome:
    """What one document got back, and what is wrong with it (empty when it passes)."""

    document: Document
    status: int = 0
    body: Any = None
    problems: list[str] = field(default_factory=list)


def _document(entry: Mapping[str, Any], default_auth: str) -> Document:
    expect = entry.get("expect") or {}
    reads = tuple(Read(str(r["path"]), str(r["type"]), str(r.get("at", ""))) for r in expect.get("reads") or ())
    return Document(
        name=str(entry["name"]),
        source=str(entry["source"]),
        commit=str(entry["commit"]) if entry.get("commit") else None,
        document=str(entry["document"]),
        variables=entry.get("variables"),
        sends_variables="variables" in entry,
        auth=str(entry.get("auth", default_auth)),
        advance=float(entry.get("advance", 0)),
        poll=entry.get("poll"),
        status=int(expect.get("status", 200)),
        error=expect.get("error"),
        reads=reads,
        save=dict(entry.get("save") or {}),
        fails_on_runpod=str(entry.get("fails_on_runpod") or ""),
    )


def load_clients() -> list[Client]:
    clients = []
    for path in sorted(HERE.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        auth = str(data.get("auth", "bearer"))
        clients.append(Client(
            name=path.stem,
            repository=str(data["repository"]),
            commit=str(data["commit"]),
            numbers=str(data.get("numbers", "python")),
            documents=tuple(_document(d, auth) for d in data["documents"]),
        ))
    return clients


def _substitute(value: Any, saved: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: str(saved[m.group(1)]), value)
    if isinstance(value, list):
        return [_substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, saved) for k, v in value.items()}
    return value


def _walk(value: Any, segments: list[str], where: str) -> Iterator[tuple[str, Any]]:
    """Every (concrete path, value) the path names; raises LookupError with what is missing."""
    if not segments:
        yield where, value
        return
    head, rest = segments[0], segments[1:]
    each = head.endswith("[]")
    key = head[:-2] if each else head
    if not isinstance(value, dict):
        raise LookupError(f"{where or 'the answer'} is {_shown(value)}, not an object with {key!r}")
    if key not in value:
        raise LookupError(f"{where + '.' if where else ''}{key} is missing")
    inner = value[key]
    here = f"{where}.{key}" if where else key
    if not each:
        yield from _walk(inner, rest, here)
        return
    if not isinstance(inner, list) or not inner:
        raise LookupError(f"{here} is {_shown(inner)}, not a non-empty list")
    for index, item in enumerate(inner):
        yield from _walk(item, rest, f"{here}[{index}]")


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: type(v) is int,
    "number": lambda v: type(v) in (int, JsonFloat),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _whole_floats(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, JsonFloat) and value.is_integer():
        yield where
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _whole_floats(inner, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _whole_floats(inner, f"{where}[{index}]")


def check_answer(document: Document, status: int, body: Any, *, numbers: str = "python") -> list[str]:
    """What a client's parser would choke on in this answer (nothing: it passes)."""
    problems = []
    if status != document.status:
        problems.append(f"HTTP {status}, expected {document.status}: {_shown(body)}")
        return problems
    if not isinstance(body, dict):
        return [f"the answer is not a JSON object: {_shown(body)}"]
    if document.error is None:
        if "errors" in body:
            problems.append(f"an 'errors' key, which the client raises on: {_shown(body['errors'])}")
    else:
        first = (body.get("errors") or [None])[0]
        if not isinstance(first, dict):
            problems.append(f"expected errors[0], got {_shown(body.get('errors'))}")
        else:
            if "message" in document.error and first.get("message") != document.error["message"]:
                problems.append(f"errors[0].message is {first.get('message')!r}, "
                                f"the client matches {document.error['message']!r}")
            code = (first.get("extensions") or {}).get("code")
            if "code" in document.error and code != document.error["code"]:
                problems.append(f"errors[0].extensions.code is {code!r}, the client matches "
                                f"{document.error['code']!r}")
    if numbers == "go":
        problems.extend(f"{where} is a whole number written as a float, which Go's int refuses"
                        for where in _whole_floats(body.get("data"), "data"))
    for read in document.reads:
        nullable = read.type.startswith("?")
        wanted = read.type.lstrip("?")
        check = _TYPES[wanted]
        try:
            found = list(_walk(body, read.path.split("."), ""))
        except LookupError as exc:
            problems.append(f"{read.path} ({read.at}): {exc}")
            continue
        for where, value in found:
            if value is None and nullable:
                continue
            if not check(value):
                kind = "a float" if isinstance(value, JsonFloat) else _shown(value)
                problems.append(f"{where} is {kind}, the client reads {read.type} ({read.at})")
    return problems


def _value_at(body: Any, path: str) -> Any:
    try:
        found = list(_walk(body, path.split("."), ""))
    except LookupError:
        return None
    return found[0][1] if found else None


def replay(client: Client, http: httpx.Client, advance: Callable[[float], None], key: str) -> list[Outcome]:
    """Send the client's documents in order, as its session would; judge each answer."""
    saved: dict[str, Any] = {}
    outcomes = []
    for document in client.documents:
        outcome = Outcome(document)
        outcomes.append(outcome)
        missing = [n for n in _PLACEHOLDER.findall(document.document + json.dumps(document.variables))
                   if n not in saved]
        if missing:
            outcome.problems.append(f"an earlier document did not give {', '.join(sorted(set(missing)))}")
            continue
        if document.advance:
            advance(document.advance)
        payload: dict[str, Any] = {"query": _substitute(document.document, saved)}
        if document.sends_variables:
            payload["variables"] = _substitute(document.variables, saved)
        headers = {"Authorization": f"Bearer {key}"} if document.auth == "bearer" else {}
        attempts = int(document.poll["attempts"]) if document.poll else 1
        for attempt in range(attempts):
            response = http.post("/graphql", content=json.dumps(payload).encode(),
                                 headers={"content-type": "application/json", **headers})
            outcome.status = response.status_code
            try:
                outcome.body = parse_answer(response.text)
            except ValueError:
                outcome.body = response.text
            if document.poll is None or _value_at(outcome.body, str(document.poll["path"])) is not None:
                break
            if attempt + 1 < attempts:
                advance(float(document.poll["every"]))
        outcome.problems.extend(check_answer(document, outcome.status, outcome.body, numbers=client.numbers))
        for name, path in document.save.items():
            value = _value_at(outcome.body, path)
            if value is not None:
                saved[name] = value
    return outcomes
