"""The Serverless runtime API on a manual clock: jobs, workers, scaling, timeouts, billing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from podwarden.sim import JobResult, RunPodSimulator
from tests.sim.sim_helpers import API_KEY, GraphQL

SAVE_TEMPLATE = "mutation($input: SaveTemplateInput) { saveTemplate(input: $input) { id } }"
SAVE_ENDPOINT = "mutation($input: EndpointInput!) { saveEndpoint(input: $input) { id } }"


def deploy(gql: GraphQL, name: str = "infer", **fields: Any) -> str:
    template = gql.data(SAVE_TEMPLATE, {"input": {
        "name": f"{name}-tpl", "imageName": "acme/worker:1", "containerDiskInGb": 10, "dockerArgs": "",
        "env": [], "volumeInGb": 0, "isServerless": True}})["saveTemplate"]["id"]
    endpoint_id: str = gql.data(SAVE_ENDPOINT, {"input": {
        "name": name, "templateId": template, "gpuIds": "AMPERE_16", **fields}})["saveEndpoint"]["id"]
    return endpoint_id


def status(client: httpx.Client, endpoint: str, job: str) -> dict[str, Any]:
    response = client.get(f"/v2/{endpoint}/status/{job}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def workers(client: httpx.Client, endpoint: str) -> dict[str, int]:
    counts: dict[str, int] = client.get(f"/v2/{endpoint}/health").json()["workers"]
    return counts


def run(client: httpx.Client, endpoint: str, payload: Any) -> str:
    response = client.post(f"/v2/{endpoint}/run", json={"input": payload})
    assert response.status_code == 200, response.text
    job_id: str = response.json()["id"]
    return job_id


def test_a_job_goes_from_queue_through_a_cold_start_to_completed(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql)

    submitted = client.post(f"/v2/{endpoint}/run", json={"input": {"prompt": "hi"}}).json()
    job = submitted["id"]
    assert submitted == {"id": job, "status": "IN_QUEUE"}
    assert job.endswith("-u1")
    assert client.get(f"/v2/{endpoint}/health").json() == {
        "jobs": {"completed": 0, "failed": 0, "inProgress": 0, "inQueue": 1, "retried": 0},
        "workers": {"idle": 0, "initializing": 1, "ready": 0, "running": 0, "throttled": 0, "unhealthy": 0},
    }
    sim.advance(15)  # cold start
    assert status(client, endpoint, job)["status"] == "IN_PROGRESS"
    assert status(client, endpoint, job)["delayTime"] == 15000
    assert workers(client, endpoint)["running"] == 1
    sim.advance(1)  # the default handler echoes after 1 s
    done = status(client, endpoint, job)
    assert done == {"id": job, "status": "COMPLETED", "delayTime": 15000, "executionTime": 1000,
                    "workerId": done["workerId"], "output": {"prompt": "hi"}}
    assert workers(client, endpoint)["idle"] == 1
    sim.advance(5)  # idle timeout
    assert sum(workers(client, endpoint).values()) == 0
    assert client.get(f"/v2/{endpoint}/health").json()["jobs"]["completed"] == 1


def test_flashboot_makes_the_cold_start_short(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, flashBootType="FLASHBOOT")
    job = run(client, endpoint, {})

    sim.advance(2)

    assert status(client, endpoint, job)["status"] == "IN_PROGRESS"


def test_queue_delay_adds_workers_for_requests_that_waited_up_to_the_maximum(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, workersMax=3, scalerType="QUEUE_DELAY", scalerValue=4)
    sim.world.set_handler(endpoint, lambda _input: JobResult(output="ok", seconds=60))
    for n in range(5):
        run(client, endpoint, {"n": n})

    assert workers(client, endpoint)["initializing"] == 1
    sim.advance(3.9)
    assert workers(client, endpoint)["initializing"] == 1
    sim.advance(0.1)
    assert workers(client, endpoint)["initializing"] == 3
    sim.advance(11)  # the first worker is ready at 15 s
    assert (workers(client, endpoint)["running"], workers(client, endpoint)["initializing"]) == (1, 2)
    sim.advance(4)
    health = client.get(f"/v2/{endpoint}/health").json()
    assert health["workers"]["running"] == 3
    assert (health["jobs"]["inProgress"], health["jobs"]["inQueue"]) == (3, 2)


def test_request_count_scales_to_the_queue_at_once(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, workersMax=5, scalerType="REQUEST_COUNT", scalerValue=2)
    for n in range(5):
        run(client, endpoint, {"n": n})

    assert workers(client, endpoint)["initializing"] == 3  # ceil(5 / 2)


def test_active_workers_stay_warm_and_bill_around_the_clock(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, workersMin=1)
    before = sim.world.balance

    sim.advance(3600)

    assert workers(client, endpoint)["idle"] == 1
    assert before - sim.world.balance == Decimal("0.4608")  # $0.00016/s × 0.8 × 3600 s
    query = "{ myself { currentSpendPerHr endpoints { id workersMin pods { desiredStatus } } } }"
    me = gql.data(query)["myself"]
    assert me["currentSpendPerHr"] == 0.4608
    assert me["endpoints"] == [{"id": endpoint, "workersMin": 1, "pods": [{"desiredStatus": "RUNNING"}]}]


def test_flex_workers_bill_cold_start_execution_and_idle_timeout(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql)
    before = sim.world.balance
    run(client, endpoint, {})

    sim.advance(3600)

    assert before - sim.world.balance == Decimal("0.00016") * 21  # 15 s cold + 1 s run + 5 s idle
    [record] = sim.world.billing.records(resource="endpoint")
    assert (record.resource_id, record.amount) == (endpoint, Decimal("0.00336"))


def test_runsync_on_a_manual_clock_answers_at_once(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, workersMin=1)
    cold = client.post(f"/v2/{endpoint}/runsync", json={"input": {"x": 0}}).json()
    assert cold["status"] == "IN_QUEUE"  # the active worker is still cold-starting
    assert cold["id"].startswith("sync-")
    sim.advance(16)

    sim.world.set_handler(endpoint, lambda data: JobResult(output=data, seconds=0))
    instant = client.post(f"/v2/{endpoint}/runsync", json={"input": {"x": 1}}).json()
    sim.world.set_handler(endpoint, lambda data: JobResult(output=data, seconds=2))
    slow = client.post(f"/v2/{endpoint}/runsync", json={"input": {"x": 2}}).json()

    assert instant == {"id": instant["id"], "status": "COMPLETED", "delayTime": 0, "executionTime": 0,
                       "workerId": instant["workerId"], "output": {"x": 1}}
    assert slow == {"id": slow["id"], "status": "IN_PROGRESS"}
    sim.advance(2)
    assert status(client, endpoint, slow["id"])["output"] == {"x": 2}
    sim.advance(60)  # runsync results are kept one minute
    assert client.get(f"/v2/{endpoint}/status/{slow['id']}").status_code == 404


def test_cancel_takes_a_job_out_of_the_queue_or_off_its_worker(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, workersMax=1)
    running, queued = run(client, endpoint, {}), run(client, endpoint, {})
    sim.advance(15)
    assert status(client, endpoint, running)["status"] == "IN_PROGRESS"

    assert client.post(f"/v2/{endpoint}/cancel/{queued}").json() == {"id": queued, "status": "CANCELLED"}
    assert client.post(f"/v2/{endpoint}/cancel/{running}").json() == {"id": running, "status": "CANCELLED"}

    assert workers(client, endpoint)["idle"] == 1
    assert status(client, endpoint, queued)["status"] == "CANCELLED"


def test_purge_queue_removes_only_waiting_jobs(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, workersMax=1)
    sim.world.set_handler(endpoint, lambda _input: JobResult(output=None, seconds=100))
    jobs = [run(client, endpoint, {"n": n}) for n in range(4)]
    sim.advance(15)

    purged = client.post(f"/v2/{endpoint}/purge-queue")

    assert purged.json() == {"removed": 3, "status": "completed"}
    assert status(client, endpoint, jobs[0])["status"] == "IN_PROGRESS"
    assert client.get(f"/v2/{endpoint}/status/{jobs[1]}").status_code == 404
    assert client.get(f"/v2/{endpoint}/health").json()["jobs"]["inQueue"] == 0


def test_a_job_running_past_its_execution_timeout_is_timed_out_and_can_be_retried(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, executionTimeoutMs=10_000, flashBootType="FLASHBOOT", scalerType="REQUEST_COUNT",
                      scalerValue=1)
    sim.world.set_handler(endpoint, lambda _input: JobResult(output="late", seconds=30))
    job = run(client, endpoint, {})
    policy_job = client.post(f"/v2/{endpoint}/run",
                             json={"input": {}, "policy": {"executionTimeout": 5000}}).json()["id"]

    sim.advance(2 + 5)
    assert status(client, endpoint, policy_job)["status"] == "TIMED_OUT"
    sim.advance(5)
    timed_out = status(client, endpoint, job)
    assert (timed_out["status"], timed_out["executionTime"]) == ("TIMED_OUT", 10_000)
    assert "timed out" in timed_out["error"]

    sim.world.set_handler(endpoint, lambda _input: JobResult(output="fast", seconds=1))
    retried = client.post(f"/v2/{endpoint}/retry/{job}").json()
    assert retried == {"id": job, "status": "IN_PROGRESS"}  # back in the queue, and a warm worker took it
    sim.advance(1)
    assert status(client, endpoint, job)["output"] == "fast"
    assert client.get(f"/v2/{endpoint}/health").json()["jobs"] == {
        "completed": 1, "failed": 2, "inProgress": 0, "inQueue": 0, "retried": 1}


def test_a_handler_error_fails_the_job(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql)
    sim.world.set_handler(endpoint, lambda _input: JobResult(error="CUDA out of memory", seconds=3))
    job = run(client, endpoint, {})

    sim.advance(18)

    assert status(client, endpoint, job) | {"workerId": None} == {
        "id": job, "status": "FAILED", "delayTime": 15000, "executionTime": 3000, "workerId": None,
        "error": "CUDA out of memory"}
    assert client.post(f"/v2/{endpoint}/retry/{job}").status_code == 200
    assert client.post(f"/v2/{endpoint}/retry/{job}").status_code == 400  # queued again: nothing to retry


def test_stream_returns_only_chunks_not_returned_before(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql, flashBootType="FLASHBOOT")
    sim.world.set_handler(endpoint, lambda _input: JobResult(output="abc", seconds=3, stream=("a", "b", "c")))
    job = run(client, endpoint, {})
    sim.advance(2 + 1)

    first = client.get(f"/v2/{endpoint}/stream/{job}").json()
    sim.advance(2)
    second = client.get(f"/v2/{endpoint}/stream/{job}").json()
    third = client.get(f"/v2/{endpoint}/stream/{job}").json()

    assert first == {"status": "IN_PROGRESS", "stream": [{"output": "a"}]}
    assert second == {"status": "COMPLETED", "stream": [{"output": "b"}, {"output": "c"}]}
    assert third == {"status": "COMPLETED", "stream": []}


def test_results_are_kept_thirty_minutes(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql)
    job = run(client, endpoint, {})
    sim.advance(16 + 30 * 60 - 1)
    assert status(client, endpoint, job)["status"] == "COMPLETED"

    sim.advance(1)

    assert client.get(f"/v2/{endpoint}/status/{job}").status_code == 404


def test_the_raw_key_works_and_a_wrong_one_is_401(sim: RunPodSimulator, gql: GraphQL) -> None:
    endpoint = deploy(gql)
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim") as bare:
        raw = bare.get(f"/v2/{endpoint}/health", headers={"Authorization": API_KEY})
        wrong = bare.get(f"/v2/{endpoint}/health", headers={"Authorization": "Bearer nope"})
        missing = bare.get(f"/v2/{endpoint}/health")

    assert raw.status_code == 200
    assert (wrong.status_code, wrong.json()) == (401, {"error": "Unauthorized"})
    assert missing.status_code == 401


def test_bad_requests_and_unknown_endpoints(gql: GraphQL, client: httpx.Client) -> None:
    endpoint = deploy(gql)

    assert client.post(f"/v2/{endpoint}/run", json={"prompt": "no input key"}).status_code == 400
    assert client.post(f"/v2/{endpoint}/run", content=b"{not json").status_code == 400
    assert client.get(f"/v2/{endpoint}/run").status_code == 405
    assert client.get("/v2/nosuchendpoint00/health").status_code == 404
    assert client.get(f"/v2/{endpoint}/status/no-such-job").status_code == 404


@pytest.mark.parametrize(("query", "body", "message"), [
    ("?wait=abc", {"input": {}}, "wait must be a whole number of milliseconds, not 'abc'."),
    ("", {"input": {}, "policy": {"executionTimeout": "soon"}},
     "policy.executionTimeout must be a whole number of milliseconds, not 'soon'."),
    ("", {"input": {}, "policy": {"executionTimeout": -5}},
     "policy.executionTimeout must be a whole number of milliseconds, not -5."),
    ("", {"input": {}, "policy": "fast"}, "policy must be a JSON object."),
])
def test_non_numeric_runsync_options_answer_400_and_queue_nothing(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client, query: str, body: dict[str, Any], message: str,
) -> None:
    endpoint = deploy(gql)

    refused = client.post(f"/v2/{endpoint}/runsync{query}", json=body)

    assert (refused.status_code, refused.json()) == (400, {"error": message})
    assert sim.world.endpoints[endpoint].jobs == {}
    assert client.get(f"/v2/{endpoint}/health").json()["jobs"]["inQueue"] == 0


def test_a_whole_number_execution_timeout_is_taken_in_any_json_spelling(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    endpoint = deploy(gql)

    for spelling in (1500, 1500.0, "1500"):
        run = client.post(f"/v2/{endpoint}/run", json={"input": {}, "policy": {"executionTimeout": spelling}})
        assert run.status_code == 200, run.text

    assert {j.timeout.total_seconds() for j in sim.world.endpoints[endpoint].jobs.values()} == {1.5}


def test_runpodctl_can_map_gpu_types_to_pools(gql: GraphQL) -> None:
    pools = {p["id"]: p["gpuTypeIds"] for p in gql.data("{ serverlessGpuPools { id gpuTypeIds } }")[
        "serverlessGpuPools"]}
    assert pools["ADA_24"] == ["NVIDIA L4", "NVIDIA GeForce RTX 4090"]
    assert len(pools) == 9


@pytest.mark.parametrize("path", ["/v2/clusters", "/v2/registries", "/v2/account", "/v2/billing/clusters",
                                  "/v2/catalog/cpus", "/v2/openapi.json"])
def test_rest_v2_resource_names_are_never_endpoint_ids(client: httpx.Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"title": "Not Found", "status": 404, "detail": "not implemented yet"}
