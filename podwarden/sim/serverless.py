"""Serverless endpoints: a job queue, workers that scale, and what they cost.

Workers live between ``workersMin`` (active workers: always on, billed around the clock
at `ACTIVE_WORKER_FACTOR` of the flex price) and ``workersMax``. A flex worker is billed
from the moment it starts its cold start until its idle timeout ends, at the pool's flex
$/s. Scaling follows the endpoint's ``scalerType``:

- ``QUEUE_DELAY``: with no worker at all, the first queued request starts one at once;
  beyond that, a worker is added for each request that has waited ``scalerValue``
  seconds without a free worker.
- ``REQUEST_COUNT``: ``ceil((inQueue + inProgress) / scalerValue)`` workers, at once.

A job runs the endpoint's handler (`Handler`: input -> `JobResult`; the default echoes the
input after ``execution_seconds``); a job running longer than its execution timeout ends
``TIMED_OUT``. Results are kept 30 min after completion (1 min for ``runsync``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from podwarden.sim import errors
from podwarden.sim.billing import Meter
from podwarden.sim.catalog import Pool, pool_for_gpu_type

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = [
    "FINAL",
    "Handler",
    "JobResult",
    "SimEndpoint",
    "SimJob",
    "SimWorker",
    "advance",
    "next_event",
    "reconcile",
    "submit",
]

FINAL = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"})
RETAIN_ASYNC = timedelta(minutes=30)
RETAIN_SYNC = timedelta(minutes=1)
DEFAULT_EXECUTION_TIMEOUT_MS = 600_000


@dataclass(frozen=True)
class JobResult:
    """What a handler made of a job: output or error, how long it took, streamed chunks."""

    output: Any = None
    seconds: float | None = None
    error: str | None = None
    stream: tuple[Any, ...] = ()


Handler = Callable[[Any], JobResult]


@dataclass
class SimWorker:
    id: str
    active: bool
    state: str  # INITIALIZING | IDLE | RUNNING
    ready_at: datetime
    idle_since: datetime | None = None
    job_id: str | None = None


@dataclass
class SimJob:
    id: str
    input: Any
    submitted_at: datetime
    sync: bool
    timeout: timedelta
    status: str = "IN_QUEUE"
    started_at: datetime | None = None
    finish_due: datetime | None = None
    finished_at: datetime | None = None
    worker_id: str | None = None
    result: JobResult | None = None
    times_out: bool = False
    delivered: int = 0

    def expired(self, now: datetime) -> bool:
        if self.finished_at is None:
            return False
        return now >= self.finished_at + (RETAIN_SYNC if self.sync else RETAIN_ASYNC)


@dataclass
class SimEndpoint:
    id: str
    name: str
    template_id: str | None
    gpu_ids: str
    created_at: datetime
    meter: Meter
    gpu_count: int = 1
    workers_min: int = 0
    workers_max: int = 3
    idle_timeout: int = 5
    scaler_type: str = "QUEUE_DELAY"
    scaler_value: int = 4
    flash_boot_type: str = "OFF"
    execution_timeout_ms: int = DEFAULT_EXECUTION_TIMEOUT_MS
    network_volume_id: str | None = None
    locations: str | None = None
    allowed_cuda_versions: str | None = None
    env: list[tuple[str, str]] = field(default_factory=list)
    version: int = 0
    cold_start_seconds: float | None = None
    execution_seconds: float | None = None
    workers: list[SimWorker] = field(default_factory=list)
    jobs: dict[str, SimJob] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)
    completed: int = 0
    failed: int = 0
    retried: int = 0


def pool_of(world: World, endpoint: SimEndpoint) -> Pool:
    for item in endpoint.gpu_ids.split(","):
        key = item.strip()
        pool = world.pools.get(key) or pool_for_gpu_type(key, world.pools)
        if pool is not None:
            return pool
    raise errors.SimError(f"gpuIds {endpoint.gpu_ids!r} names no Serverless GPU pool.")


def worker_rate(world: World, endpoint: SimEndpoint, *, active: bool) -> Decimal:
    pool = pool_of(world, endpoint)
    per_second = pool.active_per_second if active else pool.flex_per_second
    return per_second * 3600 * endpoint.gpu_count


def _cold_start(world: World, endpoint: SimEndpoint) -> timedelta:
    if endpoint.cold_start_seconds is not None:
        seconds = endpoint.cold_start_seconds
    elif endpoint.flash_boot_type in ("FLASHBOOT", "PRIORITY_FLASHBOOT"):
        seconds = world.config.flashboot_cold_start_seconds
    else:
        seconds = world.config.cold_start_seconds
    return timedelta(seconds=seconds)


def _spawn(world: World, endpoint: SimEndpoint, *, active: bool) -> None:
    endpoint.workers.append(SimWorker(world.new_id(14), active, "INITIALIZING",
                                      world.now + _cold_start(world, endpoint)))


def _default_handler(world: World, endpoint: SimEndpoint) -> Handler:
    seconds = endpoint.execution_seconds
    if seconds is None:
        seconds = world.config.execution_seconds

    def echo(job_input: Any) -> JobResult:
        return JobResult(output=job_input, seconds=seconds)

    return echo


def _start_job(world: World, endpoint: SimEndpoint, job: SimJob, worker: SimWorker) -> None:
    handler = world.handlers.get(endpoint.id) or _default_handler(world, endpoint)
    result = handler(job.input)
    seconds = result.seconds
    if seconds is None:
        seconds = endpoint.execution_seconds if endpoint.execution_seconds is not None \
            else world.config.execution_seconds
    job.result = result
    job.status = "IN_PROGRESS"
    job.started_at = world.now
    job.worker_id = worker.id
    wanted = timedelta(seconds=max(seconds, 0.0))
    job.times_out = wanted > job.timeout
    job.finish_due = world.now + min(wanted, job.timeout)
    worker.state = "RUNNING"
    worker.job_id = job.id
    worker.idle_since = None


def _finish_job(endpoint: SimEndpoint, job: SimJob, when: datetime, status: str) -> None:
    job.status = status
    job.finished_at = when
    for worker in endpoint.workers:
        if worker.job_id == job.id:
            worker.state = "IDLE"
            worker.job_id = None
            worker.idle_since = when
    if status == "COMPLETED":
        endpoint.completed += 1
    elif status in ("FAILED", "TIMED_OUT"):
        endpoint.failed += 1


def _job_outcome(job: SimJob) -> str:
    if job.times_out:
        return "TIMED_OUT"
    return "FAILED" if job.result is not None and job.result.error is not None else "COMPLETED"


def advance(world: World, endpoint: SimEndpoint) -> None:
    """Apply every event due by `world.now`, then scale."""
    now = world.now
    for worker in endpoint.workers:
        if worker.state == "INITIALIZING" and worker.ready_at <= now:
            worker.state = "IDLE"
            worker.idle_since = worker.ready_at
    for job in endpoint.jobs.values():
        if job.status == "IN_PROGRESS" and job.finish_due is not None and job.finish_due <= now:
            _finish_job(endpoint, job, job.finish_due, _job_outcome(job))
    for job_id in [j.id for j in endpoint.jobs.values() if j.expired(now)]:
        del endpoint.jobs[job_id]
    reconcile(world, endpoint)


def _idle_expired(endpoint: SimEndpoint, worker: SimWorker, now: datetime) -> bool:
    return (not worker.active and worker.state == "IDLE" and worker.idle_since is not None
            and worker.idle_since + timedelta(seconds=endpoint.idle_timeout) <= now)


def reconcile(world: World, endpoint: SimEndpoint) -> None:
    """Hand queued jobs to idle workers, keep workersMin, scale up for the queue, retire idle workers."""
    now = world.now
    broke = world.balance <= 0
    for worker in endpoint.workers:
        if worker.state != "IDLE" or not endpoint.queue:
            continue
        _start_job(world, endpoint, endpoint.jobs[endpoint.queue.pop(0)], worker)
    if broke:
        endpoint.workers = [w for w in endpoint.workers if w.state == "RUNNING"]
        for worker in endpoint.workers:
            worker.active = False
    else:
        _scale_up(world, endpoint)
    # retire: idle flex workers past their idle timeout (none while requests wait)
    if not endpoint.queue:
        endpoint.workers = [w for w in endpoint.workers if not _idle_expired(endpoint, w, now)]
    rate = sum((worker_rate(world, endpoint, active=w.active) for w in endpoint.workers), Decimal(0))
    if rate != endpoint.meter.rate_per_hour:
        endpoint.meter.reset(rate, now)


def _scale_up(world: World, endpoint: SimEndpoint) -> None:
    now = world.now
    actives = [w for w in endpoint.workers if w.active]
    for worker in actives[endpoint.workers_min:]:
        worker.active = False
    for worker in endpoint.workers:
        if sum(w.active for w in endpoint.workers) >= endpoint.workers_min:
            break
        worker.active = True
    while sum(w.active for w in endpoint.workers) < endpoint.workers_min \
            and len(endpoint.workers) < max(endpoint.workers_max, endpoint.workers_min):
        _spawn(world, endpoint, active=True)
    free = sum(w.state in ("IDLE", "INITIALIZING") for w in endpoint.workers)
    unserved = len(endpoint.queue) - free
    room = endpoint.workers_max - len(endpoint.workers)
    if unserved <= 0 or room <= 0:
        return
    if endpoint.scaler_type == "REQUEST_COUNT":
        in_progress = sum(j.status == "IN_PROGRESS" for j in endpoint.jobs.values())
        desired = math.ceil((len(endpoint.queue) + in_progress) / max(endpoint.scaler_value, 1))
        add = max(min(desired - len(endpoint.workers), unserved, room), 1 if not endpoint.workers else 0)
    else:
        waited = [endpoint.jobs[j] for j in endpoint.queue[free:]]
        add = sum(now - j.submitted_at >= timedelta(seconds=endpoint.scaler_value) for j in waited)
        if not endpoint.workers:
            add = max(add, 1)
        add = min(add, room)
    for _ in range(add):
        _spawn(world, endpoint, active=False)


def next_event(world: World, endpoint: SimEndpoint) -> datetime | None:
    """When something next happens on this endpoint by itself (None: nothing until a request)."""
    times = [w.ready_at for w in endpoint.workers if w.state == "INITIALIZING"]
    times += [j.finish_due for j in endpoint.jobs.values() if j.status == "IN_PROGRESS" and j.finish_due]
    if not endpoint.queue:
        times += [w.idle_since + timedelta(seconds=endpoint.idle_timeout)
                  for w in endpoint.workers if not w.active and w.state == "IDLE" and w.idle_since]
    elif endpoint.scaler_type == "QUEUE_DELAY" and len(endpoint.workers) < endpoint.workers_max \
            and world.balance > 0:
        free = sum(w.state in ("IDLE", "INITIALIZING") for w in endpoint.workers)
        delay = timedelta(seconds=endpoint.scaler_value)
        times += [endpoint.jobs[j].submitted_at + delay for j in endpoint.queue[free:]
                  if endpoint.jobs[j].submitted_at + delay > world.now]
    return min(times) if times else None


def _execution_timeout_ms(policy: Any) -> int | None:
    """``policy.executionTimeout`` in ms (None or 0: the endpoint's own); anything else -> 400."""
    if policy is None:
        return None
    if not isinstance(policy, Mapping):
        raise errors.SimError("policy must be a JSON object.")
    value = policy.get("executionTimeout")
    if value is None:
        return None
    if (isinstance(value, float) and value.is_integer()) or (isinstance(value, str) and value.strip().isdigit()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.SimError(f"policy.executionTimeout must be a whole number of milliseconds, not {value!r}.")
    return value


def submit(world: World, endpoint: SimEndpoint, body: Mapping[str, Any], *, sync: bool) -> SimJob:
    if "input" not in body or body["input"] is None:
        raise errors.SimError("Request body must include an 'input' field.")
    timeout_ms = _execution_timeout_ms(body.get("policy")) or endpoint.execution_timeout_ms
    job_id = f"{'sync-' if sync else ''}{world.new_uuid()}-u1"
    job = SimJob(job_id, body["input"], world.now, sync, timedelta(milliseconds=timeout_ms))
    endpoint.jobs[job_id] = job
    endpoint.queue.append(job_id)
    advance(world, endpoint)
    advance(world, endpoint)  # a zero-second job on a warm worker finishes at this same instant
    return job


def find_job(world: World, endpoint: SimEndpoint, job_id: str) -> SimJob:
    job = endpoint.jobs.get(job_id)
    if job is None or job.expired(world.now):
        raise errors.NotFoundError(f"Job {job_id} not found.")
    return job


def cancel(world: World, endpoint: SimEndpoint, job_id: str) -> SimJob:
    job = find_job(world, endpoint, job_id)
    if job.status == "IN_QUEUE":
        endpoint.queue.remove(job.id)
        job.status, job.finished_at = "CANCELLED", world.now
    elif job.status == "IN_PROGRESS":
        _finish_job(endpoint, job, world.now, "CANCELLED")
    reconcile(world, endpoint)
    return job


def retry(world: World, endpoint: SimEndpoint, job_id: str) -> SimJob:
    job = find_job(world, endpoint, job_id)
    if job.status not in ("FAILED", "TIMED_OUT"):
        raise errors.SimError(f"Job {job_id} is {job.status}; only FAILED or TIMED_OUT jobs can be retried.")
    job.status, job.result, job.started_at = "IN_QUEUE", None, None
    job.finish_due = job.finished_at = None
    job.worker_id, job.delivered, job.submitted_at = None, 0, world.now
    endpoint.queue.append(job.id)
    endpoint.retried += 1
    advance(world, endpoint)
    return job


def purge(world: World, endpoint: SimEndpoint) -> int:
    removed = len(endpoint.queue)
    for job_id in endpoint.queue:
        del endpoint.jobs[job_id]
    endpoint.queue.clear()
    reconcile(world, endpoint)
    return removed


def job_view(world: World, job: SimJob) -> dict[str, Any]:
    """``/status`` (and ``/runsync``) JSON: delayTime/executionTime in ms, output or error."""
    view: dict[str, Any] = {"id": job.id, "status": job.status}
    now = world.now
    if job.started_at is not None:
        view["delayTime"] = int((job.started_at - job.submitted_at).total_seconds() * 1000)
        end = job.finished_at or now
        if job.finished_at is not None:
            view["executionTime"] = int((end - job.started_at).total_seconds() * 1000)
        view["workerId"] = job.worker_id
    if job.status == "COMPLETED" and job.result is not None:
        view["output"] = job.result.output
    elif job.status == "FAILED":
        view["error"] = job.result.error if job.result and job.result.error else "job failed"
    elif job.status == "TIMED_OUT":
        view["error"] = f"Job timed out after {int(job.timeout.total_seconds())} seconds."
    return view


def stream_view(world: World, job: SimJob) -> dict[str, Any]:
    """``/stream``: the chunks produced by now that were not returned before."""
    chunks: list[Any] = []
    if job.result is not None and job.started_at is not None and job.finish_due is not None:
        total = len(job.result.stream)
        span = job.finish_due - job.started_at
        ready = [c for i, c in enumerate(job.result.stream)
                 if job.started_at + span * (i + 1) / total <= world.now] if total else []
        chunks = ready[job.delivered:]
        job.delivered = len(ready)
    return {"status": job.status, "stream": [{"output": c} for c in chunks]}


def health(endpoint: SimEndpoint) -> dict[str, Any]:
    states = [w.state for w in endpoint.workers]
    idle = states.count("IDLE")
    return {
        "jobs": {
            "completed": endpoint.completed,
            "failed": endpoint.failed,
            "inProgress": sum(j.status == "IN_PROGRESS" for j in endpoint.jobs.values()),
            "inQueue": len(endpoint.queue),
            "retried": endpoint.retried,
        },
        "workers": {
            "idle": idle,
            "initializing": states.count("INITIALIZING"),
            "ready": idle,
            "running": states.count("RUNNING"),
            "throttled": 0,
            "unhealthy": 0,
        },
    }


def dump(world: World, endpoint: SimEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id, "name": endpoint.name, "gpuIds": endpoint.gpu_ids,
        "workersMin": endpoint.workers_min, "workersMax": endpoint.workers_max,
        "costPerHr": str(endpoint.meter.rate_per_hour), **health(endpoint),
    }
