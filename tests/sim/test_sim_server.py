"""The simulator behind a real loopback socket: admin routes, faults on the wire, threads, `main`."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from podwarden.clock import ManualClock, SystemClock
from podwarden.sim import FaultKind, RunPodSimulator, Scenario
from podwarden.sim.server import SimServer, _Server, main, serve
from tests.sim.sim_helpers import API_KEY, CREATE_POD

POD = {"input": {"name": "p", "imageName": "img", "gpuTypeId": "NVIDIA RTX A4000", "cloudType": "SECURE"}}


@pytest.fixture
def server(sim: RunPodSimulator) -> Iterator[SimServer]:
    with serve(sim) as running:
        yield running


@pytest.fixture
def http(server: SimServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
        yield client


def test_it_listens_on_loopback_and_serves_graphql(server: SimServer, http: httpx.Client) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    response = http.post("/graphql", json={"query": "{ myself { id } }"})
    assert response.status_code == 200
    assert response.json()["data"]["myself"]["id"] == server.sim.world.user_id
    assert server.env()["RUNPOD_ENDPOINT_BASE_URL"] == f"{server.url}/v2"


def test_admin_routes_move_time_inject_faults_and_show_the_world(
    sim: RunPodSimulator, clock: ManualClock, http: httpx.Client,
) -> None:
    pod_id = http.post("/graphql", json={"query": CREATE_POD, "variables": POD}).json()[
        "data"]["podFindAndDeployOnDemand"]["id"]
    bare = httpx.Client(base_url=str(http.base_url))  # admin routes need no RunPod key

    assert bare.post("/_sim/advance", json={"seconds": 90}).status_code == 200
    world = bare.get("/_sim/world").json()
    assert world["pods"][0]["id"] == pod_id
    assert world["pods"][0]["booted"] is True
    assert clock.now() == sim.world.now

    fault = bare.post("/_sim/faults", json={"route": "graphql", "kind": "RATE_LIMIT", "retryAfter": 2}).json()
    assert fault["kind"] == "RATE_LIMIT"
    assert http.post("/graphql", json={"query": "{ myself { id } }"}).status_code == 429
    assert bare.delete("/_sim/faults").json() == {"faults": []}
    assert http.post("/graphql", json={"query": "{ myself { id } }"}).status_code == 200
    assert bare.post("/_sim/faults", json={"kind": "DROP", "bogus": 1}).status_code == 400

    scenario = b"balance: 42\npods:\n  - name: x\n    gpu_type_id: NVIDIA A40\n"
    loaded = bare.post("/_sim/scenario", content=scenario)
    assert loaded.json() == {"loaded": True, "pods": 1, "endpoints": 0}
    assert bare.get("/_sim/world").json()["balance"] == "42"
    bare.close()


def test_admin_routes_are_refused_to_peers_beyond_loopback(sim: RunPodSimulator) -> None:
    request = httpx.Request("GET", "http://10.0.0.5:8765/_sim/world")
    response = sim.handle(request, in_process=False, admin_allowed=False)
    assert response.status_code == 403


def test_a_drop_fault_closes_the_socket(sim: RunPodSimulator, http: httpx.Client) -> None:
    sim.faults.add(route="graphql", kind=FaultKind.DROP, count=1)

    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/graphql", json={"query": CREATE_POD, "variables": POD})

    assert sim.world.pods == {}


def test_a_timeout_fault_really_delays_the_answer(sim: RunPodSimulator, server: SimServer) -> None:
    sim.faults.add(route="graphql", kind=FaultKind.TIMEOUT, count=1, delay=0.5)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=0.1) as hasty, \
            pytest.raises(httpx.ReadTimeout):
        hasty.post("/graphql", json={"query": "{ myself { id } }"})


def test_a_timeout_fault_after_executing_leaves_the_pod_behind_a_client_that_gave_up(
    sim: RunPodSimulator, capfd: pytest.CaptureFixture[str],
) -> None:
    sim.faults.add(route="graphql:podFindAndDeployOnDemand", kind=FaultKind.TIMEOUT, count=1, delay=0.5,
                   after=True)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with serve(sim) as server, httpx.Client(base_url=server.url, headers=headers, timeout=0.1) as hasty, \
                pytest.raises(httpx.ReadTimeout):
        hasty.post("/graphql", json={"query": CREATE_POD, "variables": POD})
    # closing the server let the handler finish: it answered into a socket nobody listened to

    [pod] = sim.world.pods.values()
    assert pod.name == "p"
    assert capfd.readouterr().err == ""  # the broken pipe was swallowed, not printed


def test_a_timeout_fault_before_executing_never_answers_even_a_patient_client(
    sim: RunPodSimulator, http: httpx.Client,
) -> None:
    sim.faults.add(route="graphql", kind=FaultKind.TIMEOUT, count=1, delay=0.2)

    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/graphql", json={"query": CREATE_POD, "variables": POD})

    assert sim.world.pods == {}


class _Broken(RunPodSimulator):
    """A simulator with a bug on one route, to see how the server copes."""

    def handle(self, request: httpx.Request, *, in_process: bool, admin_allowed: bool = True) -> httpx.Response:
        if request.url.path == "/v2/broken/health":
            raise RuntimeError("a bug in the simulator")
        return super().handle(request, in_process=in_process, admin_allowed=admin_allowed)


def test_a_bug_answers_500_json_and_is_logged_not_printed(
    clock: ManualClock, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with serve(_Broken(clock=clock, api_key=API_KEY)) as server, \
            httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
        broken = client.get("/v2/broken/health")
        after = client.post("/graphql", json={"query": "{ myself { id } }"})  # the server carries on

    assert broken.status_code == 500
    assert broken.json() == {"error": "the simulator failed on this request; see its log"}
    assert after.status_code == 200
    [record] = [r for r in caplog.records if r.name == "podwarden.sim.server"]
    assert record.getMessage() == "the RunPod simulator failed on GET /v2/broken/health"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "a bug in the simulator"
    assert capfd.readouterr().err == ""


def test_concurrent_creates_keep_the_books_straight(sim: RunPodSimulator, server: SimServer) -> None:
    ids: list[str] = []
    guard = threading.Lock()

    def create(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}) as client:
            for n in range(3):
                body = {"input": {**POD["input"], "name": f"w{worker}-{n}"}}
                pod = client.post("/graphql", json={"query": CREATE_POD, "variables": body}).json()
                with guard:
                    ids.append(pod["data"]["podFindAndDeployOnDemand"]["id"])

    threads = [threading.Thread(target=create, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(ids)) == 18
    assert set(ids) == set(sim.world.pods)
    assert sim.world.gpu_types["NVIDIA RTX A4000"].free["SECURE"] == 24 - 18


def test_runsync_on_the_wall_clock_waits_for_the_job(connect_server: SimServer) -> None:
    sim = connect_server.sim
    headers = {"Authorization": "Bearer any"}
    with httpx.Client(base_url=connect_server.url, headers=headers, timeout=10) as client:
        save_template = ('mutation { saveTemplate(input: {name: "t", imageName: "i", dockerArgs: "", '
                         "containerDiskInGb: 5, volumeInGb: 0, env: []}) { id } }")
        template = client.post("/graphql", json={"query": save_template}).json()[
            "data"]["saveTemplate"]["id"]
        save_endpoint = f'mutation {{ saveEndpoint(input: {{name: "e", templateId: "{template}"}}) {{ id }} }}'
        endpoint = client.post("/graphql", json={"query": save_endpoint}).json()["data"]["saveEndpoint"]["id"]

        answer = client.post(f"/v2/{endpoint}/runsync", json={"input": {"n": 1}}).json()

    assert answer["status"] == "COMPLETED"
    assert answer["output"] == {"n": 1}
    assert answer["executionTime"] >= 200
    assert sim.world.endpoints[endpoint].completed == 1


@pytest.fixture
def connect_server() -> Iterator[SimServer]:
    scenario = Scenario(cold_start_seconds=0, flashboot_cold_start_seconds=0, execution_seconds=0.2)
    with serve(RunPodSimulator(clock=SystemClock(), scenario=scenario)) as running:
        yield running


def test_main_prints_the_url_and_the_environment_to_use(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["--port", "0", "--scenario", "demo", "--seed", "3"], out=out, block=False) == 0

    lines = out.getvalue().splitlines()
    url = lines[0].removeprefix("RunPod simulator listening on ")
    assert url.startswith("http://127.0.0.1:")
    assert f"export PODWARDEN_RUNPOD_GRAPHQL_URL={url}/graphql" in lines
    assert f"export PODWARDEN_RUNPOD_SERVERLESS_URL={url}/v2" in lines
    assert f"export RUNPOD_API_BASE_URL={url}" in lines
    assert f"export RUNPOD_ENDPOINT_BASE_URL={url}/v2" in lines
    assert f"export RUNPOD_GRAPHQL_URL={url}/graphql" in lines  # runpodctl's variable
    assert "export RUNPOD_API_KEY=rpa_sim" in lines  # the SDK's and runpodctl's key variable

    bad = tmp_path / "bad.yaml"
    bad.write_text(json.dumps({"balanse": 1}), encoding="utf-8")
    assert main(["--port", "0", "--scenario", str(bad)], out=io.StringIO(), block=False) == 2


def test_every_accepted_connection_has_tcp_nodelay(sim: RunPodSimulator) -> None:
    """Headers and body go out as two writes: without TCP_NODELAY the body waits ~40 ms for a delayed ACK."""
    listener = _Server(("127.0.0.1", 0), sim)
    try:
        host, port = listener.server_address[:2]
        with socket.create_connection((str(host), int(port)), timeout=5):
            accepted, _ = listener.get_request()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.server_close()


def test_admin_routes_answer_every_peer_when_asked_to(sim: RunPodSimulator) -> None:
    with serve(sim, admin_anywhere=True) as running:
        assert running._httpd.admin_anywhere
    with serve(sim) as running:
        assert not running._httpd.admin_anywhere


def test_main_beyond_loopback_warns_that_the_admin_routes_are_reachable() -> None:
    out = io.StringIO()
    assert main(["--port", "0", "--host", "0.0.0.0"], out=out, block=False) == 0
    assert "admin routes (/_sim/) included" in out.getvalue()


def test_the_public_catalogue_answers_without_a_key_and_nothing_else_does(
    server: SimServer,
) -> None:
    with httpx.Client(base_url=server.url, timeout=5) as anonymous:
        catalogue = anonymous.post("/graphql", json={"query": "{ gpuTypes { id } dataCenters { id } countryCodes "
                                                              "cpuFlavors { id } }"})
        assert catalogue.status_code == 200
        assert catalogue.json()["data"]["gpuTypes"]
        for query in ("{ myself { id } }", "{ gpuTypes { id } myself { id } }",
                      'mutation { podTerminate(input: {podId: "x"}) }'):
            refused = anonymous.post("/graphql", json={"query": query})
            assert refused.status_code == 401, query
            assert refused.json() == {"errors": [{"message": "Unauthorized"}]}
        wrong = anonymous.post("/graphql", json={"query": "{ gpuTypes { id } }"},
                               headers={"Authorization": "Bearer rpa_WRONG"})
        assert wrong.status_code == 401


def _exports(lines: list[str]) -> dict[str, str]:
    return dict(line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export "))


def test_the_printed_lines_point_every_runpod_url_setting_at_the_simulator() -> None:
    """A RunPod URL setting left out of the lines keeps its default, api.runpod.io: following
    the lines would then send that API's requests, with the key, to the real RunPod."""
    from urllib.parse import urlsplit

    from podwarden.settings import ENV_PREFIX, Settings

    out = io.StringIO()
    assert main(["--port", "0"], out=out, block=False) == 0
    exports = _exports(out.getvalue().splitlines())
    url_settings = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields
                    if name.startswith("runpod_") and name.endswith("_url")}
    assert url_settings >= {"PODWARDEN_RUNPOD_GRAPHQL_URL", "PODWARDEN_RUNPOD_REST_URL",
                            "PODWARDEN_RUNPOD_SERVERLESS_URL"}
    assert url_settings <= set(exports)
    for name in url_settings:
        assert urlsplit(exports[name]).hostname == "127.0.0.1", (name, exports[name])


@pytest.mark.usefixtures("podwarden_env")
@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_following_the_printed_lines_reaches_the_loopback_simulator_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], api: str,
) -> None:
    from podwarden import cli
    from podwarden.sim.server import export_lines

    sim = RunPodSimulator(scenario=Scenario.load("demo"))
    with serve(sim) as running:
        for name, value in _exports(export_lines(running, api_key=None)).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("PODWARDEN_RUNPOD_API", api)
        monkeypatch.setenv("PODWARDEN_RUNPOD_MAX_RETRIES", "0")  # a miss fails at once, never waits on retries
        assert cli.main(["ask", "pods all"]) == 0, capsys.readouterr()
    assert "dave-archive" in capsys.readouterr().out  # the demo's pods, from the simulator
    paths = {request.path for request in sim.requests}
    assert "/graphql" in paths  # the account
    assert ("/v2/pods" in paths) is (api == "rest")  # REST v2 went to the simulator, not api.runpod.io


def test_an_unknown_scenario_lists_the_shipped_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--scenario", "nope"], out=io.StringIO(), block=False) == 2
    err = capsys.readouterr().err
    assert err == "podwarden sim: no scenario 'nope': give a shipped one (demo, team) or a scenario file\n"
    assert Scenario.shipped() == ["demo", "team"]
    with pytest.raises(SystemExit):
        main(["--help"], out=io.StringIO(), block=False)
    assert "a shipped scenario (demo, team) or a scenario file" in " ".join(capsys.readouterr().out.split())
