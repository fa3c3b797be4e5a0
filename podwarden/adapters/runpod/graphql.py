"""`GraphQLRunPod`: the `RunPodGateway` port over RunPod's GraphQL API.

One POST per operation to ``/graphql`` with the document from `queries` and its values in
``variables``. Answers are validated by the pydantic models of `models` and returned as
domain values. Failures become `RunPodError`s (`errors.py` decides which).

Retry rules (the `RetryPolicy` bounds count and time; Retry-After is honoured):

==============================  =================================================================
operation                       retried on
==============================  =================================================================
reads: list_pods, get_pod,      RateLimited, ServerError, RunPodTimeout, MalformedResponse
gpu_types, account,
list_endpoints, network_volumes
stop_pod, resume_pod,           the same; after an ambiguous failure the pod is read first and,
terminate_pod                   if it already is EXITED / RUNNING / gone, that is the answer
save_endpoint with an id        the same (a full replace: sending it twice changes nothing)
create_pod, save_endpoint       the same, but never blindly: after an ambiguous failure (5xx,
without an id                   timeout, dropped connection, junk answer) the pods (endpoints)
                                are listed and one with the exact requested name is returned;
                                only if none exists is the create sent again
save_template                   only RateLimited and connection failures (RunPod certainly did
                                not act); anything ambiguous is raised, since a template create
                                cannot be looked up by this adapter and is not idempotent
==============================  =================================================================

Refusals (NoCapacity, SpendLimitReached, InsufficientBalance, BadRequest, Unauthorized,
NotFound) are raised at once. **create_pod relies on `PodSpec.name` being unique** (the
service layer suffixes a short request id); the same holds for endpoint names on create.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from podwarden.adapters.runpod import queries
from podwarden.adapters.runpod._http import RunPodHttp, api_key_from
from podwarden.adapters.runpod.errors import ambiguous, error_for_graphql, excerpt, not_executed
from podwarden.adapters.runpod.models import (
    AccountData,
    BidResumePodData,
    CreatePodData,
    GetPodData,
    GpuBidData,
    GpuTypesData,
    GraphQLResponse,
    ListEndpointsData,
    ListPodsData,
    NetworkVolumesData,
    PodModel,
    RentPodData,
    ResumePodData,
    SaveEndpointData,
    SaveTemplateData,
    StopPodData,
    TerminatePodData,
    money,
)
from podwarden.adapters.runpod.retry import RetryPolicy, retryable
from podwarden.domain.models import (
    Account,
    Cloud,
    Endpoint,
    EndpointSpec,
    GpuType,
    NetworkVolume,
    Pod,
    PodSpec,
    PodStatus,
    Template,
    TemplateSpec,
)
from podwarden.errors import BadRequest, MalformedResponse, NoCapacity, NotFound, RunPodError, Unauthorized

if TYPE_CHECKING:
    from podwarden.settings import Settings

__all__ = ["GraphQLRunPod", "endpoint_input", "pod_input", "template_input"]

log = logging.getLogger("podwarden.runpod")

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class GraphQLRunPod:
    """RunPod's management API over GraphQL. One connection pool per instance; close it."""

    def __init__(
        self,
        *,
        url: str,
        api_key: SecretStr | str,
        timeout: float = 30,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = RunPodHttp(base_url=url, api_key=api_key, timeout=timeout, transport=transport)
        self._retry = retry if retry is not None else RetryPolicy()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> GraphQLRunPod:
        return cls(
            url=settings.runpod_graphql_url,
            api_key=api_key_from(settings),
            timeout=settings.runpod_timeout.total_seconds(),
            retry=retry if retry is not None else RetryPolicy.from_settings(settings),
            transport=transport,
        )

    # --- pods --------------------------------------------------------------------------

    def list_pods(self) -> list[Pod]:
        return self._retry.run("list_pods", lambda: self._list_pods_once("list_pods"))

    def get_pod(self, pod_id: str) -> Pod:
        return self._retry.run("get_pod", lambda: self._get_pod_once(pod_id, "get_pod"))

    def create_pod(self, spec: PodSpec) -> Pod:
        operation = "create_pod"
        bid = None
        if spec.spot:
            bid = spec.bid_per_gpu if spec.bid_per_gpu is not None else self._minimum_bid(spec)
        variables = {"input": pod_input(spec, bid_per_gpu=bid)}

        def send() -> Pod:
            if spec.spot:
                rented = self._execute(operation, queries.RENT_SPOT_POD, RentPodData, variables)
                return _created(rented.pod_rent_interruptable, operation)
            created = self._execute(operation, queries.CREATE_POD, CreatePodData, variables)
            return _created(created.pod_find_and_deploy_on_demand, operation)

        def reconcile() -> Pod | None:
            found = [
                pod for pod in self._list_pods_once(operation)
                if pod.name == spec.name and pod.status is not PodStatus.TERMINATED
            ]
            if len(found) > 1:
                log.warning("create_pod: %d pods are named %r; pod names must be unique per request",
                            len(found), spec.name)
            return found[0] if found else None

        return self._mutate(operation, send, reconcile=reconcile)

    def stop_pod(self, pod_id: str) -> Pod:
        operation = "stop_pod"

        def send() -> Pod:
            data = self._execute(operation, queries.STOP_POD, StopPodData, {"input": {"podId": pod_id}})
            return _returned(data.pod_stop, pod_id, operation)

        return self._mutate(operation, send, idempotent=True,
                            reconcile=lambda: self._pod_if(pod_id, PodStatus.EXITED, operation))

    def resume_pod(self, pod_id: str, *, gpu_count: int, bid_per_gpu: Decimal | None = None) -> Pod:
        """Resume a stopped pod; with `bid_per_gpu`, as a spot pod (podBidResume)."""
        operation = "resume_pod"

        def send() -> Pod:
            if bid_per_gpu is not None:
                bid_input = {"podId": pod_id, "gpuCount": gpu_count, "bidPerGpu": float(bid_per_gpu)}
                bid = self._execute(operation, queries.BID_RESUME_POD, BidResumePodData, {"input": bid_input})
                return _returned(bid.pod_bid_resume, pod_id, operation)
            plain = self._execute(operation, queries.RESUME_POD, ResumePodData,
                                  {"input": {"podId": pod_id, "gpuCount": gpu_count}})
            return _returned(plain.pod_resume, pod_id, operation)

        return self._mutate(operation, send, idempotent=True,
                            reconcile=lambda: self._pod_if(pod_id, PodStatus.RUNNING, operation))

    def terminate_pod(self, pod_id: str) -> None:
        operation = "terminate_pod"

        def send() -> bool:
            self._execute(operation, queries.TERMINATE_POD, TerminatePodData, {"input": {"podId": pod_id}})
            return True

        def reconcile() -> bool | None:
            try:
                self._get_pod_once(pod_id, operation)
            except NotFound:
                return True
            return None

        self._mutate(operation, send, idempotent=True, reconcile=reconcile)

    # --- catalog, account --------------------------------------------------------------

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]:
        variables = {
            "secure": {"gpuCount": gpu_count, "secureCloud": True},
            "community": {"gpuCount": gpu_count, "secureCloud": False},
        }

        def once() -> list[GpuType]:
            data = self._execute("gpu_types", queries.GPU_TYPES, GpuTypesData, variables)
            return [gpu.to_domain() for gpu in data.gpu_types or ()]

        return self._retry.run("gpu_types", once)

    def account(self) -> Account:
        def once() -> Account:
            data = self._execute("account", queries.ACCOUNT, AccountData)
            if data.myself is None:
                raise _no_account("account")
            return data.myself.to_domain()

        return self._retry.run("account", once)

    def network_volumes(self) -> list[NetworkVolume]:
        def once() -> list[NetworkVolume]:
            data = self._execute("network_volumes", queries.NETWORK_VOLUMES, NetworkVolumesData)
            if data.myself is None:
                raise _no_account("network_volumes")
            return [volume.to_domain() for volume in data.myself.network_volumes or ()]

        return self._retry.run("network_volumes", once)

    # --- templates, endpoints ----------------------------------------------------------

    def save_template(self, spec: TemplateSpec) -> Template:
        operation = "save_template"

        def send() -> Template:
            data = self._execute(operation, queries.SAVE_TEMPLATE, SaveTemplateData,
                                 {"input": template_input(spec)})
            if data.save_template is None:
                raise MalformedResponse("RunPod answered without the saved template", operation=operation)
            return data.save_template.to_domain()

        return self._mutate(operation, send, reconcile=None)

    def list_endpoints(self) -> list[Endpoint]:
        return self._retry.run("list_endpoints", lambda: self._list_endpoints_once("list_endpoints"))

    def save_endpoint(self, spec: EndpointSpec) -> Endpoint:
        """Create (no `spec.id`) or update an endpoint. An update replaces every field."""
        operation = "save_endpoint"

        def send() -> Endpoint:
            data = self._execute(operation, queries.SAVE_ENDPOINT, SaveEndpointData,
                                 {"input": endpoint_input(spec)})
            if data.save_endpoint is None:
                raise MalformedResponse("RunPod answered without the saved endpoint", operation=operation)
            return data.save_endpoint.to_domain()

        if spec.id is not None:
            return self._mutate(operation, send, idempotent=True, reconcile=None)

        def reconcile() -> Endpoint | None:
            found = [ep for ep in self._list_endpoints_once(operation) if ep.name == spec.name]
            return found[0] if found else None

        return self._mutate(operation, send, reconcile=reconcile)

    # --- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- single attempts ---------------------------------------------------------------

    def _execute(
        self, operation: str, document: str, model: type[M], variables: Mapping[str, object] | None = None,
    ) -> M:
        """One POST of `document`; the `data` as `model`, or the RunPod error it amounts to."""
        response = self._http.send(
            "POST", operation=operation, json_body={"query": document, "variables": dict(variables or {})},
        )
        body = self._http.decode(response, operation=operation)
        try:
            envelope = GraphQLResponse.model_validate(body)
            if envelope.errors:
                raise self._http.redacted(
                    error_for_graphql(envelope.errors, operation=operation, status=response.status_code))
            if envelope.data is None:
                raise self._http.redacted(MalformedResponse(
                    f"GraphQL answer without data: {excerpt(response.text, 80)!r}",
                    status=response.status_code, operation=operation))
            return model.model_validate(envelope.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the answer"
            raise self._http.redacted(MalformedResponse(
                f"unexpected shape at {where}: {first['msg']} (got {excerpt(response.text, 80)!r})",
                status=response.status_code, operation=operation,
            )) from None

    def _list_pods_once(self, operation: str) -> list[Pod]:
        data = self._execute(operation, queries.LIST_PODS, ListPodsData)
        if data.myself is None:
            raise _no_account(operation)
        pods = data.myself.pods or ()
        return [pod.to_domain() for pod in pods if pod.desired_status is not PodStatus.TERMINATED]

    def _get_pod_once(self, pod_id: str, operation: str) -> Pod:
        data = self._execute(operation, queries.GET_POD, GetPodData, {"input": {"podId": pod_id}})
        if data.pod is None or data.pod.desired_status is PodStatus.TERMINATED:
            raise NotFound(f"pod {pod_id} not found", operation=operation)
        return data.pod.to_domain()

    def _pod_if(self, pod_id: str, status: PodStatus, operation: str) -> Pod | None:
        pod = self._get_pod_once(pod_id, operation)
        return pod if pod.status is status else None

    def _list_endpoints_once(self, operation: str) -> list[Endpoint]:
        data = self._execute(operation, queries.LIST_ENDPOINTS, ListEndpointsData)
        if data.myself is None:
            raise _no_account(operation)
        return [endpoint.to_domain() for endpoint in data.myself.endpoints or ()]

    def _minimum_bid(self, spec: PodSpec) -> Decimal:
        """The current minimum spot bid per GPU for the spec's GPU type, count and cloud."""
        lowest: dict[str, object] = {"gpuCount": spec.gpu_count}
        if spec.cloud is not Cloud.ALL:
            lowest["secureCloud"] = spec.cloud is Cloud.SECURE
        variables = {"filter": {"id": spec.gpu_type_id}, "lowest": lowest}

        def once() -> Decimal:
            data = self._execute("create_pod", queries.GPU_BID, GpuBidData, variables)
            gpus = [gpu for gpu in data.gpu_types or () if gpu.id == spec.gpu_type_id]
            if not gpus:
                raise BadRequest(f"unknown GPU type {spec.gpu_type_id!r}", operation="create_pod")
            gpu = gpus[0]
            if gpu.lowest_price and gpu.lowest_price.minimum_bid_price:
                return money(gpu.lowest_price.minimum_bid_price) or Decimal(0)
            spot = {
                Cloud.SECURE: [gpu.secure_spot_price],
                Cloud.COMMUNITY: [gpu.community_spot_price],
                Cloud.ALL: [gpu.secure_spot_price, gpu.community_spot_price],
            }[spec.cloud]
            offers = [price for price in spot if price]
            if not offers:
                raise NoCapacity(f"no spot offer for {spec.gpu_type_id} in {spec.cloud.value} cloud",
                                 operation="create_pod")
            return money(min(offers)) or Decimal(0)

        return self._retry.run("create_pod", once)

    def _mutate(
        self,
        operation: str,
        send: Callable[[], T],
        *,
        reconcile: Callable[[], T | None] | None,
        idempotent: bool = False,
    ) -> T:
        """Send a mutation with retries that never repeat an action that may already have happened.

        After an ambiguous failure, `reconcile` (if given) looks at RunPod's state before the
        next attempt and returns the result if the earlier attempt took effect. Without
        `reconcile`, a non-idempotent mutation is retried only when RunPod certainly did not
        act (429, no connection).
        """
        suspect = False

        def attempt() -> T:
            nonlocal suspect
            if suspect and reconcile is not None:
                done = reconcile()
                if done is not None:
                    log.info("%s: the earlier attempt took effect; not sending it again", operation)
                    return done
            try:
                return send()
            except RunPodError as exc:
                suspect = suspect or ambiguous(exc)
                raise

        safe = idempotent or reconcile is not None
        return self._retry.run(operation, attempt, retry_if=retryable if safe else not_executed)


def _created(pod: PodModel | None, operation: str) -> Pod:
    if pod is None:
        raise MalformedResponse("RunPod answered the create without a pod", operation=operation)
    return pod.to_domain()


def _returned(pod: PodModel | None, pod_id: str, operation: str) -> Pod:
    if pod is None:
        raise NotFound(f"pod {pod_id} not found", operation=operation)
    return pod.to_domain()


def _no_account(operation: str) -> Unauthorized:
    return Unauthorized("RunPod returned no account for this API key", operation=operation)


def pod_input(spec: PodSpec, *, bid_per_gpu: Decimal | None = None) -> dict[str, object]:
    """`PodFindAndDeployOnDemandInput` (or, with a bid, `PodRentInterruptableInput`) for `spec`."""
    data: dict[str, object] = {
        "name": spec.name,
        "gpuTypeId": spec.gpu_type_id,
        "gpuCount": spec.gpu_count,
        "cloudType": spec.cloud.value,
        "containerDiskInGb": spec.container_disk_gb,
        "volumeInGb": spec.volume_gb,
        "volumeMountPath": spec.volume_mount_path,
        "ports": spec.ports,
        "env": [{"key": key, "value": value} for key, value in spec.env],
        "startSsh": spec.start_ssh,
        "supportPublicIp": spec.support_public_ip,
    }
    if spec.image:
        data["imageName"] = spec.image
    if spec.template_id:
        data["templateId"] = spec.template_id
    if spec.network_volume_id:
        data["networkVolumeId"] = spec.network_volume_id
    if bid_per_gpu is not None:
        data["bidPerGpu"] = float(bid_per_gpu)
    return data


def endpoint_input(spec: EndpointSpec) -> dict[str, object]:
    """`EndpointInput` with every field, because an update with an id is a full replace.

    ``flashBootType`` is sent only when FlashBoot is wanted (as RunPod's SDK does): the
    schema's enum for "off" is not documented, and leaving it out resets it to off.
    """
    data: dict[str, object] = {
        "name": spec.name,
        "templateId": spec.template_id,
        "gpuIds": ",".join(spec.gpu_ids),
        "gpuCount": spec.gpu_count,
        "workersMin": spec.workers_min,
        "workersMax": spec.workers_max,
        "idleTimeout": spec.idle_timeout_s,
        "scalerType": spec.scaler_type.value,
        "scalerValue": spec.scaler_value,
        "executionTimeoutMs": spec.execution_timeout_ms,
        "networkVolumeId": spec.network_volume_id or "",
        "locations": spec.locations or "",
    }
    if spec.id is not None:
        data["id"] = spec.id
    if spec.flashboot:
        data["flashBootType"] = "FLASHBOOT"
    return data


def template_input(spec: TemplateSpec) -> dict[str, object]:
    """`SaveTemplateInput` for a new template."""
    data: dict[str, object] = {
        "name": spec.name,
        "imageName": spec.image,
        "isServerless": spec.is_serverless,
        "containerDiskInGb": spec.container_disk_gb,
        "volumeInGb": spec.volume_gb,
        "dockerArgs": spec.docker_args,
        "ports": spec.ports,
        "env": [{"key": key, "value": value} for key, value in spec.env],
    }
    if spec.volume_mount_path:
        data["volumeMountPath"] = spec.volume_mount_path
    return data
