"""ServerlessClient against the simulator's Serverless runtime API: jobs, health, errors, faults."""

from __future__ import annotations

import json

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, RetryPolicy, ServerlessClient
from podwarden.domain.models import EndpointSpec, JobStatus, TemplateSpec
from podwarden.errors import (
    BadRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    RunPodTimeout,
    ServerError,
    Unauthorized,
)
from podwarden.sim import FaultKind, JobResult, RunPodSimulator
from tests.adapters.runpod.runpod_helpers import (
    API_KEY,
    SERVERLESS_URL,
    FakeTime,
    RecordingTransport,
    serverless_ops,
)


@pytest.fixture
def endpoint_id(runpod: GraphQLRunPod) -> str:
    template = runpod.save_template(TemplateSpec(name="echo", image="org/echo:1"))
    endpoint = runpod.save_endpoint(EndpointSpec(name="echo", template_id=template.id, gpu_ids=("AMPERE_16",),
                                                 flashboot=False))
    return endpoint.id


def queued(sim: RunPodSimulator, endpoint_id: str) -> int:
    return len(sim.world.endpoints[endpoint_id].queue)


def test_run_then_poll_status_until_completed(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str, recorder: RecordingTransport,
) -> None:
    job = serverless.run(endpoint_id, {"prompt": "hello"})
    assert job.status is JobStatus.IN_QUEUE
    assert job.id in sim.world.endpoints[endpoint_id].jobs
    run_request = next(r for r in recorder.requests if r.url.path.endswith("/run"))
    assert str(run_request.url) == f"{SERVERLESS_URL}/{endpoint_id}/run"
    assert json.loads(run_request.content) == {"input": {"prompt": "hello"}}

    sim.advance(120)
    done = serverless.status(endpoint_id, job.id)
    assert done.status is JobStatus.COMPLETED
    assert done.status.final
    assert done.output == {"prompt": "hello"}  # the simulator's default handler echoes
    assert done.delay_ms is not None
    assert done.execution_ms == 1000
    assert done.worker_id is not None


def test_a_failed_job_carries_its_error(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str,
) -> None:
    sim.world.set_handler(endpoint_id, lambda _input: JobResult(error="CUDA out of memory", seconds=1))
    job = serverless.run(endpoint_id, {"n": 1})
    sim.advance(120)
    failed = serverless.status(endpoint_id, job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error == "CUDA out of memory"
    assert failed.output is None


def test_run_sync_waits_with_a_long_enough_read_timeout(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str, recorder: RecordingTransport,
) -> None:
    job = serverless.run_sync(endpoint_id, {"q": 2}, wait_ms=45_000)
    # on a manual clock the simulator cannot wait, so the job comes back unfinished: poll it
    assert job.id.startswith("sync-")
    assert job.status in (JobStatus.IN_QUEUE, JobStatus.IN_PROGRESS)
    request = recorder.requests[-1]
    assert request.url.params["wait"] == "45000"
    assert request.extensions["timeout"]["read"] == 30 + 45
    sim.advance(60)
    assert serverless.status(endpoint_id, job.id).output == {"q": 2}


def test_run_sync_wait_is_clamped_to_runpods_range(
    serverless: ServerlessClient, endpoint_id: str, recorder: RecordingTransport,
) -> None:
    serverless.run_sync(endpoint_id, {}, wait_ms=10)
    serverless.run_sync(endpoint_id, {}, wait_ms=10_000_000)
    assert [r.url.params["wait"] for r in recorder.requests[-2:]] == ["1000", "300000"]


def test_health_counts_jobs_and_workers(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str,
) -> None:
    for n in range(3):
        serverless.run(endpoint_id, {"n": n})
    health = serverless.health(endpoint_id)
    sim_ep = sim.world.endpoints[endpoint_id]
    assert health.jobs_in_queue == len(sim_ep.queue)
    assert health.workers_initializing == sum(w.state == "INITIALIZING" for w in sim_ep.workers)
    assert health.jobs_in_queue + health.jobs_in_progress == 3
    sim.advance(300)
    later = serverless.health(endpoint_id)
    assert later.jobs_completed == 3
    assert later.jobs_in_queue == 0


def test_cancel_and_purge(serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str) -> None:
    first = serverless.run(endpoint_id, {"n": 1})
    for n in range(2, 5):
        serverless.run(endpoint_id, {"n": n})
    cancelled = serverless.cancel(endpoint_id, first.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert sim.world.endpoints[endpoint_id].jobs[first.id].status == "CANCELLED"
    remaining = queued(sim, endpoint_id)
    assert serverless.purge_queue(endpoint_id) == remaining == 3
    assert queued(sim, endpoint_id) == 0


def test_unknown_endpoint_and_job_are_not_found(serverless: ServerlessClient, endpoint_id: str,
                                                fake_time: FakeTime) -> None:
    with pytest.raises(NotFound, match="nosuchendpoint"):
        serverless.health("nosuchendpoint")
    with pytest.raises(NotFound) as raised:
        serverless.status(endpoint_id, "no-such-job")
    assert raised.value.status == 404
    assert raised.value.operation == "status"
    assert fake_time.sleeps == []


def test_a_bad_request_is_refused(serverless: ServerlessClient, endpoint_id: str) -> None:
    with pytest.raises(BadRequest, match="input"):
        serverless.run(endpoint_id, None)
    with pytest.raises(BadRequest, match="endpoint id is empty"):
        serverless.health(" ")


def test_ids_are_one_path_segment(serverless: ServerlessClient, recorder: RecordingTransport) -> None:
    with pytest.raises(NotFound):
        serverless.status("ep/../../graphql", "job?x=1")
    assert recorder.requests[-1].url.raw_path == b"/v2/ep%2F..%2F..%2Fgraphql/status/job%3Fx%3D1"


def test_a_wrong_key_is_unauthorized(sim: RunPodSimulator, endpoint_id: str) -> None:
    wrong = "rpa_WRONGKEY0000000000000000"
    with ServerlessClient(url=SERVERLESS_URL, api_key=wrong, transport=httpx.MockTransport(sim),
                          retry=RetryPolicy.never()) as client, pytest.raises(Unauthorized) as raised:
        client.health(endpoint_id)
    assert wrong not in str(raised.value)


# --- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "after"), [
    (FaultKind.SERVER_ERROR, False), (FaultKind.SERVER_ERROR_AFTER, False), (FaultKind.TIMEOUT, False),
    (FaultKind.DROP, True), (FaultKind.MALFORMED, False), (FaultKind.RATE_LIMIT, False),
])
def test_reads_and_idempotent_calls_ride_out_faults(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str, kind: FaultKind, after: bool,
) -> None:
    job = serverless.run(endpoint_id, {"n": 1})
    for op in ("health", "status", "cancel", "purge-queue"):
        sim.faults.add(route=f"serverless:{op}", kind=kind, count=1, after=after)
    assert serverless.health(endpoint_id).jobs_in_queue + serverless.health(endpoint_id).jobs_in_progress == 1
    assert serverless.status(endpoint_id, job.id).id == job.id
    assert serverless.cancel(endpoint_id, job.id).status is JobStatus.CANCELLED
    serverless.run(endpoint_id, {"n": 2})
    removed = serverless.purge_queue(endpoint_id)
    # a purge that executed before the failure leaves nothing for the retry to remove
    assert removed == (0 if kind is FaultKind.SERVER_ERROR_AFTER or after else 1)
    assert queued(sim, endpoint_id) == 0


@pytest.mark.parametrize(("kind", "after", "error", "executed"), [
    (FaultKind.SERVER_ERROR_AFTER, False, ServerError, True),
    (FaultKind.DROP, True, RunPodTimeout, True),
    (FaultKind.TIMEOUT, False, RunPodTimeout, False),
    (FaultKind.SERVER_ERROR, False, ServerError, False),
    (FaultKind.MALFORMED, False, MalformedResponse, False),
])
@pytest.mark.parametrize("op", ["run", "runsync"])
def test_a_job_submission_is_never_sent_twice_after_an_ambiguous_failure(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str, fake_time: FakeTime,
    op: str, kind: FaultKind, after: bool, error: type[Exception], executed: bool,
) -> None:
    sim.faults.add(route=f"serverless:{op}", kind=kind, count=1, after=after)
    submit = serverless.run if op == "run" else serverless.run_sync
    with pytest.raises(error):
        submit(endpoint_id, {"n": 1})
    assert serverless_ops(sim).count(op) == 1
    assert len(sim.world.endpoints[endpoint_id].jobs) == (1 if executed else 0)
    assert fake_time.sleeps == []


def test_a_rate_limited_submission_is_sent_again(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str, fake_time: FakeTime,
) -> None:
    sim.faults.add(route="serverless:run", kind=FaultKind.RATE_LIMIT, count=3, retry_after=2)
    job = serverless.run(endpoint_id, {"n": 1})
    assert list(sim.world.endpoints[endpoint_id].jobs) == [job.id]
    assert fake_time.sleeps == [2.0, 2.0, 2.0]


def test_a_rate_limit_storm_beyond_the_budget(
    serverless: ServerlessClient, sim: RunPodSimulator, endpoint_id: str, fake_time: FakeTime,
) -> None:
    sim.faults.add(route="serverless", kind=FaultKind.RATE_LIMIT, count=None, retry_after=25)
    with pytest.raises(RateLimited) as raised:
        serverless.health(endpoint_id)
    assert raised.value.retry_after == 25
    assert fake_time.sleeps == [25.0, 25.0]
    assert API_KEY not in str(raised.value)
