"""Every GraphQL document dstack, gpuhunt, runpodctl and SkyPilot send, replayed against `podwarden sim`.

One simulator per client, on loopback HTTP (what a user points the client at), on a
manual clock; its documents go in the order a session sends them and each is a test
of its own, so a failure names the client, the document and the ``file:line`` of the
client code that would break. See `tests.conformance.replay` for the data format.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator
from podwarden.sim.server import serve
from tests.conformance.replay import Client, Outcome, load_clients, replay

KEY = "rpa_CONFORMANCE"
CLIENTS = {client.name: client for client in load_clients()}
_outcomes: dict[str, list[Outcome]] = {}


def _session(client: Client) -> list[Outcome]:
    if client.name not in _outcomes:
        sim = RunPodSimulator(clock=ManualClock(), api_key=KEY, seed=11)
        with serve(sim) as server, httpx.Client(base_url=server.url, timeout=10) as http:
            _outcomes[client.name] = replay(client, http, sim.advance, KEY)
    return _outcomes[client.name]


def _cases() -> Iterator[object]:
    for client in CLIENTS.values():
        for index, document in enumerate(client.documents):
            yield pytest.param(client.name, index, id=f"{client.name}:{index:02d}:{document.name}")


@pytest.mark.parametrize(("client_name", "index"), list(_cases()))
def test_document(client_name: str, index: int) -> None:
    client = CLIENTS[client_name]
    outcome = _session(client)[index]
    commit = outcome.document.commit or client.commit
    where = f"{client.repository}@{commit[:12]} {outcome.document.source}"
    assert not outcome.problems, f"{where}:\n  " + "\n  ".join(outcome.problems)


def test_every_client_is_recorded_at_a_commit() -> None:
    assert set(CLIENTS) == {"dstack", "gpuhunt", "runpodctl", "skypilot"}
    for client in CLIENTS.values():
        assert len(client.commit) == 40, client.name
        assert client.documents, client.name
        for document in client.documents:
            assert ":" in document.source, (client.name, document.name)
            if document.fails_on_runpod:  # RunPod refuses it: the suite must expect that refusal
                assert document.error is not None, (client.name, document.name)
                assert document.status != 200, (client.name, document.name)
