"""`GraphQLRunPod`: the `RunPodGateway` port over RunPod's GraphQL API.

One POST per operation to ``/graphql`` with the document from `queries` and its values in
``variables``. Answers are validated by the pydantic models of `models` and returned as
domain values. Failures become `RunPodError`s (`errors.py` decides which).

Every operation has one time budget (`RetryPolicy.budget_seconds`) shared by all its
requests, each sent with what is left of it as its timeout. Retry rules:

==============================  =================================================================
operation                       retried on
==============================  =================================================================
reads: list_pods, get_pod,      RateLimited, ServerError, RunPodTimeout, and a body that is not
gpu_types, account,             JSON. JSON of the wrong shape (`ShapeMismatch`) is never retried.
list_endpoints, network_volumes
stop_pod, resume_pod            the same; after an ambiguous failure the pod is read first and,
                                if it already is EXITED / RUNNING, that is the answer
terminate_pod                   the same; NotFound after an attempt that may have gone through
                                means that attempt terminated the pod: success
save_endpoint with an id        the same (a full replace: sending it twice changes nothing)
create_pod, save_endpoint       `MutatingAdapter._create`: each create is tagged with a request token
without an id, save_template    (templates: their name, unique per account). After a 5xx or a
                                junk answer the listing is searched for it and the create sent
                                again only if it is absent. After no answer at all (timeout,
                                dropped connection) it is **never** sent again in the same call:
                                the listing is polled for a while, then `OutcomeUnknown`.
==============================  =================================================================

Refusals (NoCapacity, SpendLimitReached, InsufficientBalance, BadRequest, Unauthorized,
NotFound) are raised at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel

from podwarden.adapters.runpod import queries
from podwarden.adapters.runpod.errors import ShapeMismatch, error_for_graphql, excerpt
from podwarden.adapters.runpod.inputs import (
    endpoint_input,
    new_request_token,
    pod_input,
    request_token,
    template_input,
)
from podwarden.adapters.runpod.models import (
    AccountData,
    BidResumePodData,
    CreatePodData,
    EndpointModel,
    GetPodData,
    GpuBidData,
    GpuTypesData,
    GraphQLResponse,
    ListEndpointsData,
    ListPodsData,
    ListTemplatesData,
    NetworkVolumesData,
    PodModel,
    RentPodData,
    ResumePodData,
    SaveEndpointData,
    SaveTemplateData,
    StopPodData,
    TerminatePodData,
)
from podwarden.adapters.runpod.mutations import MutatingAdapter, Step
from podwarden.adapters.runpod.retry import Deadline
from podwarden.adapters.runpod.values import money
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
from podwarden.errors import (
    BadRequest,
    MalformedResponse,
    NoCapacity,
    NotFound,
    Unauthorized,
)

__all__ = ["GraphQLRunPod"]

M = TypeVar("M", bound=BaseModel)

class GraphQLRunPod(MutatingAdapter):
    """RunPod's management API over GraphQL. One connection pool per instance; close it."""

    URL_SETTING = "PODWARDEN_RUNPOD_GRAPHQL_URL"

    # --- pods --------------------------------------------------------------------------

    def list_pods(self) -> list[Pod]:
        return self._run("list_pods", lambda d: self._list_pods_once("list_pods", d))

    def get_pod(self, pod_id: str) -> Pod:
        return self._run("get_pod", lambda d: self._get_pod_once(pod_id, "get_pod", d))

    def create_pod(self, spec: PodSpec) -> Pod:
        """Create a pod; whatever the network does, one call makes at most one pod.

        Idempotency contract: the pod's env carries ``PODWARDEN_REQUEST=<token>``. If
        `spec.env` already has a ``PODWARDEN_REQUEST`` (a caller's idempotency key), that is
        the token, and the pods are searched for it *before* anything is sent: calling again
        with the same key returns the pod the first call made (unless it has been terminated)
        instead of making another. Without one, a fresh token is made for this call only.
        After a create that got no answer, `OutcomeUnknown` (carrying the token) may be raised:
        the pod may still appear; retry with the same key to pick it up rather than make a
        second one.
        """
        operation = "create_pod"
        deadline = self._retry.deadline()
        token, supplied = request_token(spec.env)
        bid = None
        if spec.spot:
            bid = spec.bid_per_gpu if spec.bid_per_gpu is not None else self._minimum_bid(spec, deadline)
        variables = {"input": pod_input(spec, bid_per_gpu=bid, request=token)}

        def send(d: Deadline) -> Pod:
            if spec.spot:
                rented = self._execute(operation, queries.RENT_SPOT_POD, RentPodData, variables, deadline=d)
                return _created(rented.pod_rent_interruptable, operation)
            created = self._execute(operation, queries.CREATE_POD, CreatePodData, variables, deadline=d)
            return _created(created.pod_find_and_deploy_on_demand, operation)

        return self._create(operation, send, lambda d: self._pod_of_request(token, operation, d), what="pod",
                            request=token, look_first=supplied, deadline=deadline)

    def stop_pod(self, pod_id: str) -> Pod:
        operation = "stop_pod"

        def send(d: Deadline) -> Pod:
            data = self._execute(operation, queries.STOP_POD, StopPodData, {"input": {"podId": pod_id}},
                                 deadline=d)
            return _returned(data.pod_stop, pod_id, operation)

        return self._idempotent(operation, send,
                                reconcile=lambda d: self._pod_if(pod_id, PodStatus.EXITED, operation, d))

    def resume_pod(self, pod_id: str, *, gpu_count: int, bid_per_gpu: Decimal | None = None) -> Pod:
        """Resume a stopped pod; with `bid_per_gpu`, as a spot pod (podBidResume)."""
        operation = "resume_pod"

        def send(d: Deadline) -> Pod:
            if bid_per_gpu is not None:
                bid_input = {"podId": pod_id, "gpuCount": gpu_count, "bidPerGpu": float(bid_per_gpu)}
                bid = self._execute(operation, queries.BID_RESUME_POD, BidResumePodData, {"input": bid_input},
                                    deadline=d)
                return _returned(bid.pod_bid_resume, pod_id, operation)
            plain = self._execute(operation, queries.RESUME_POD, ResumePodData,
                                  {"input": {"podId": pod_id, "gpuCount": gpu_count}}, deadline=d)
            return _returned(plain.pod_resume, pod_id, operation)

        return self._idempotent(operation, send,
                                reconcile=lambda d: self._pod_if(pod_id, PodStatus.RUNNING, operation, d))

    def terminate_pod(self, pod_id: str) -> None:
        """Terminate a pod. NotFound on a retry after an attempt that may have gone through is success:
        that attempt terminated it (or the pod was never there, which leaves the same state)."""
        operation = "terminate_pod"
        self._terminate(operation, pod_id, lambda d: self._execute(
            operation, queries.TERMINATE_POD, TerminatePodData, {"input": {"podId": pod_id}}, deadline=d))

    # --- catalog, account --------------------------------------------------------------

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]:
        variables = {
            "secure": {"gpuCount": gpu_count, "secureCloud": True},
            "community": {"gpuCount": gpu_count, "secureCloud": False},
        }

        def once(d: Deadline) -> list[GpuType]:
            data = self._execute("gpu_types", queries.GPU_TYPES, GpuTypesData, variables, deadline=d)
            return [gpu.to_domain() for gpu in data.gpu_types or ()]

        return self._run("gpu_types", once)

    def account(self) -> Account:
        def once(d: Deadline) -> Account:
            data = self._execute("account", queries.ACCOUNT, AccountData, deadline=d)
            if data.myself is None:
                raise _no_account("account")
            try:
                return data.myself.to_domain()
            except ShapeMismatch as exc:  # a null balance: logged like any other shape mismatch
                raise self._http.mismatch(exc.message, operation="account") from None

        return self._run("account", once)

    def network_volumes(self) -> list[NetworkVolume]:
        def once(d: Deadline) -> list[NetworkVolume]:
            data = self._execute("network_volumes", queries.NETWORK_VOLUMES, NetworkVolumesData, deadline=d)
            if data.myself is None:
                raise _no_account("network_volumes")
            return [volume.to_domain() for volume in data.myself.network_volumes or ()]

        return self._run("network_volumes", once)

    # --- templates, endpoints ----------------------------------------------------------

    def save_template(self, spec: TemplateSpec) -> Template:
        """Create a template. Names are unique per account, so the name identifies the create:
        after a failure the account's template of that name is this create's (a template of that
        name made before would have had RunPod refuse the create as a duplicate)."""
        operation = "save_template"
        variables = {"input": template_input(spec)}

        def send(d: Deadline) -> Template:
            data = self._execute(operation, queries.SAVE_TEMPLATE, SaveTemplateData, variables, deadline=d)
            if data.save_template is None:
                raise MalformedResponse("RunPod answered without the saved template", operation=operation)
            return data.save_template.to_domain()

        def find(d: Deadline) -> Template | None:
            data = self._execute(operation, queries.LIST_TEMPLATES, ListTemplatesData, deadline=d)
            if data.myself is None:
                raise _no_account(operation)
            found = [t for t in data.myself.pod_templates or () if t is not None and t.name == spec.name]
            return found[0].to_domain() if found else None

        return self._create(operation, send, find, what="template", request=None,
                            deadline=self._retry.deadline())

    def list_endpoints(self) -> list[Endpoint]:
        return self._run("list_endpoints", lambda d: [
            endpoint.to_domain() for endpoint in self._list_endpoints_once("list_endpoints", d)])

    def save_endpoint(self, spec: EndpointSpec) -> Endpoint:
        """Create (no `spec.id`) or update an endpoint. An update replaces every field, the
        template id included: without one (`spec.template_id` empty) it is refused, unsent.

        A create is tagged like a pod (``PODWARDEN_REQUEST`` in the endpoint's env, which
        RunPod lists back) and never duplicated; see `create_pod`.
        """
        operation = "save_endpoint"

        def send_input(variables: Mapping[str, object]) -> Step[Endpoint]:
            def send(d: Deadline) -> Endpoint:
                data = self._execute(operation, queries.SAVE_ENDPOINT, SaveEndpointData, variables, deadline=d)
                if data.save_endpoint is None:
                    raise MalformedResponse("RunPod answered without the saved endpoint", operation=operation)
                return data.save_endpoint.to_domain()
            return send

        if spec.id is not None:
            if not spec.template_id:
                raise BadRequest(f"endpoint {spec.name} has no template id, which GraphQL's saveEndpoint (a full "
                                 "replace) needs; change it in RunPod's console", operation=operation)
            return self._idempotent(operation, send_input({"input": endpoint_input(spec)}))

        token = new_request_token()
        return self._create(operation, send_input({"input": endpoint_input(spec, request=token)}),
                            lambda d: self._endpoint_of_request(token, operation, d),
                            what="endpoint", request=token, deadline=self._retry.deadline())

    # --- single attempts ---------------------------------------------------------------

    def _execute(
        self, operation: str, document: str, model: type[M], variables: Mapping[str, object] | None = None,
        *, deadline: Deadline,
    ) -> M:
        """One POST of `document`; the `data` as `model`, or the RunPod error it amounts to."""
        response = self._http.send(
            "POST", operation=operation, deadline=deadline,
            json_body={"query": document, "variables": dict(variables or {})},
        )
        body = self._http.decode(response, operation=operation)
        envelope = self._http.parse(GraphQLResponse, body, operation=operation, response=response)
        if envelope.errors:
            raise self._http.redacted(
                error_for_graphql(envelope.errors, operation=operation, status=response.status_code))
        if envelope.data is None:
            raise self._http.mismatch(f"GraphQL answer without data: {excerpt(response.text, 80)!r}",
                                      operation=operation, status=response.status_code)
        return self._http.parse(model, envelope.data, operation=operation, response=response)

    def _list_pods_once(self, operation: str, deadline: Deadline) -> list[Pod]:
        """The account's pods, terminated ones left out."""
        data = self._execute(operation, queries.LIST_PODS, ListPodsData, deadline=deadline)
        if data.myself is None:
            raise _no_account(operation)
        pods = data.myself.pods or ()
        return [pod.to_domain() for pod in pods if pod.desired_status is not PodStatus.TERMINATED]

    def _get_pod_once(self, pod_id: str, operation: str, deadline: Deadline) -> Pod:
        data = self._execute(operation, queries.GET_POD, GetPodData, {"input": {"podId": pod_id}},
                             deadline=deadline)
        if data.pod is None or data.pod.desired_status is PodStatus.TERMINATED:
            raise NotFound(f"pod {pod_id} not found", operation=operation)
        return data.pod.to_domain()

    def _list_endpoints_once(self, operation: str, deadline: Deadline) -> list[EndpointModel]:
        """The account's endpoints as models: the domain `Endpoint` does not carry the env."""
        data = self._execute(operation, queries.LIST_ENDPOINTS, ListEndpointsData, deadline=deadline)
        if data.myself is None:
            raise _no_account(operation)
        return list(data.myself.endpoints or ())

    def _minimum_bid(self, spec: PodSpec, deadline: Deadline) -> Decimal:
        """The current minimum spot bid per GPU for the spec's GPU type, count and cloud."""
        lowest: dict[str, object] = {"gpuCount": spec.gpu_count}
        if spec.cloud is not Cloud.ALL:
            lowest["secureCloud"] = spec.cloud is Cloud.SECURE
        variables = {"filter": {"id": spec.gpu_type_id}, "lowest": lowest}

        def once(d: Deadline) -> Decimal:
            data = self._execute("create_pod", queries.GPU_BID, GpuBidData, variables, deadline=d)
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

        return self._run("create_pod", once, deadline=deadline)


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
